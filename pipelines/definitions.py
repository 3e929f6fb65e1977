"""Der einzige Einstiegspunkt der Code-Location (workspace.yaml lädt dieses Modul)."""


import dagster as dg

from pipelines.executor import lauf_executor
from pipelines.fortschritt import LOGGERS
from pipelines.jobs import ASSETS, alles, alles_starten, berichte, stichtag_lauf
from pipelines.resources import WarehouseResource
from pipelines.sensors import alles_nach_start, build_eingang_sensor, entwuerfe_nach_lauf
from pipelines.zeitplaene import ZEITPLAENE

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
    # execution.config.prozesse) in mehreren Prozessen, Schreiber des Warehouse nie gleichzeitig (pipelines/executor.py)
    executor=lauf_executor,
)
