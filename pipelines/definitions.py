"""Der einzige Einstiegspunkt der Code-Location (workspace.yaml lädt dieses Modul)."""


import gc
import os

import dagster as dg

from pipelines.executor import lauf_executor
from pipelines.fortschritt import LOGGERS
from pipelines.jobs import ASSETS, alles, alles_starten, berichte, stichtag_lauf
from pipelines.resources import WarehouseResource
from pipelines.sensors import alles_nach_start, build_eingang_sensor, entwuerfe_nach_lauf
from pipelines.zeitplaene import ZEITPLAENE

# Welcher Executor: ab Werk `lauf_executor`; im Kubernetes-Cluster setzt das Helm-Beispiel (deploy/kubernetes/values.yaml)
# `SOZIAL_DWH_EXECUTOR=k8s` für Code-Server, Lauf- und Schritt-Pods gleich.
EXECUTOR_WAHL = "SOZIAL_DWH_EXECUTOR"


def executor_aus_umgebung() -> dg.ExecutorDefinition:
    """`lauf_executor` (Variable leer oder `lokal`) oder `lauf_executor_k8s` (Variable `k8s`, pipelines/executor_k8s.py)."""
    wahl = os.environ.get(EXECUTOR_WAHL, "").strip().lower()
    if wahl in ("", "lokal"):
        return lauf_executor
    if wahl == "k8s":
        from pipelines.executor_k8s import lauf_executor_k8s  # braucht dagster-k8s (pip install ".[k8s]")

        return lauf_executor_k8s
    raise ValueError(f"{EXECUTOR_WAHL}={wahl!r} kennt das Projekt nicht. Erlaubt sind `lokal` (ab Werk, auch leer) "
                     "und `k8s` (Kubernetes, deploy/kubernetes/README.md); bitte die Variable richtigstellen.")


defs = dg.Definitions(
    assets=ASSETS,
    jobs=[alles, alles_starten, stichtag_lauf, berichte],
    sensors=[build_eingang_sensor([alles, stichtag_lauf]), alles_nach_start, entwuerfe_nach_lauf],
    schedules=ZEITPLAENE,
    resources={"warehouse_db": WarehouseResource()},
    # Dagsters Konsolen-Logger wie ab Werk; dazu Fortschritt auf Deutsch und Protokolldatei für die Kommandozeile
    # (ab Werk aus, siehe pipelines/fortschritt.py)
    loggers=LOGGERS,
    # Ab Werk alle Schritte nacheinander in einem Prozess; mit `prozesse: N` (Laufkonfiguration
    # execution.config.prozesse) in mehreren Prozessen, Schreiber des Warehouse nie gleichzeitig (pipelines/executor.py);
    # mit SOZIAL_DWH_EXECUTOR=k8s ein Pod je Schritt im Kubernetes-Cluster (pipelines/executor_k8s.py)
    executor=executor_aus_umgebung(),
)

# Was bis hier geladen ist (Dagster, pandas, DuckDB, die Definitions), lebt so lange wie der Prozess: aus der
# Müllsammlung nehmen. Sonst geht jede volle Sammlung (Generation 2) wieder durch alle diese Objekte – gemessen
# (`sozial-dwh bench`-Messlauf, eine Gemeinde) 7 Sammlungen zu 100–210 ms, zusammen 1,1 s in Aufbau und
# Berichtsausgabe; danach 9 zu 20–95 ms, zusammen 0,6 s. Prozesse aus dem Forkserver (pipelines/executor.py) erben
# die eingefrorenen Objekte, ohne dass die Sammlung ihre Seiten berührt und damit kopiert.
gc.freeze()

