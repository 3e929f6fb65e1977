"""Läufe der Kommandozeile, des Benchmarks und der Tests – gestartet wie aus der Oberfläche, über die Code-Location.

`lauf_starten` legt einen Lauf so in der Dagster-Instanz an, wie die Oberfläche, ein Zeitplan oder ein Sensor es
tun: mit dem Ziel in der Code-Location `sozial_dwh` (workspace.yaml, Modul `pipelines.definitions`). Deshalb
erscheinen auch Läufe von `sozial-dwh run` und `sozial-dwh export` in der Übersicht „Overview“ (Zeitleiste je Job)
und lassen sich dort erneut starten; `execute_in_process` legte Läufe ohne dieses Ziel an, die nur die Seite „Runs“
zeigte. Ausgeführt wird der Lauf in diesem Prozess (Warten, Fortschritt, Exit-Code bleiben bei der Kommandozeile),
mit dem Executor der Definitions – der Job wird dafür aus dem Modul rekonstruiert, wie ein Lauf der Oberfläche.

Die Statistik-Assets sind nach Stichtag partitioniert. Ein Lauf über alles (`alles_ausfuehren`) ist deshalb ein
Lauf über den Bereich aller Stichtag-Partitionen (ein einziger Lauf, eine Arbeitskopie, eine Übernahme). Welche
Stichtage es gibt, steht vor dem Start fest (`pipelines.partitions.bekannte_stichtage`): die schon geladenen
(Warehouse) und die der Dateien im Eingang. Gibt es noch keinen Stichtag, läuft alles, was nicht von den
partitionierten Assets abhängt (Referenzdaten, Eingang, Kita, Konferenzen). Stichtage, zu denen nach dem Lauf weder
Daten im Warehouse noch Dateien im Eingang liegen (eine abgelehnte Datei), werden wieder abgemeldet.

Jede Datei im Eingang wird in einem Lauf nur einmal gelesen: Stichtage aus Blatt „Info“ und Dateiname kosten kein
Lesen der Datenblätter; eine Datei, deren Stichtag erst der Inhalt zeigt, liest die Vorbereitung, und das Laden
nimmt dieses Ergebnis (`sozial_dwh.ingest.vorab_gelesen`, gilt im selben Prozess).
"""


import contextlib
import sys
import time
from collections.abc import Iterable, Iterator, Mapping

import dagster as dg
from dagster._core.definitions.reconstruct import ReconstructableRepository
from dagster._core.execution.api import execute_run
from dagster._core.execution.job_execution_result import JobExecutionResult
from dagster._core.remote_origin import (
    ManagedGrpcPythonEnvCodeLocationOrigin,
    RemoteJobOrigin,
    RemoteRepositoryOrigin,
)
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin

from pipelines.assets.lesen import LESESTRANG_KEYS
from pipelines.constants import PRUEFT
from pipelines.definitions import defs
from pipelines.executor import lauf_executor, mehrere_prozesse, schrittprozesse_vorbereiten
from pipelines.fortschritt import Ausgabe, dauer, schritte
from pipelines.jobs import ANLASS_TAG, KOMMANDOZEILE, assets_ohne_stichtage
from pipelines.partitions import bekannte_stichtage, bereich_tags, verwaiste_stichtage_abmelden
from sozial_dwh.config import REPO_ROOT, Paths
from sozial_dwh.ingest import vorab_gelesen
from sozial_dwh.validation.pruefen import pruefprozess_beenden, pruefprozess_starten

# Wie in workspace.yaml: Modul und Name der Code-Location (die Oberfläche ordnet Läufe daran ihren Jobs zu)
MODUL = "pipelines.definitions"
CODE_LOCATION = "sozial_dwh"
REPOSITORY = "__repository__"  # so heißt das Repository, das Dagster aus `Definitions` macht
PARTITION_TAG = "dagster/partition"


def _ursprung(job_name: str) -> RemoteJobOrigin:
    ziel = LoadableTargetOrigin(executable_path=sys.executable, module_name=MODUL, working_directory=str(REPO_ROOT))
    return RemoteJobOrigin(RemoteRepositoryOrigin(ManagedGrpcPythonEnvCodeLocationOrigin(ziel, CODE_LOCATION),
                                                  REPOSITORY), job_name)


@contextlib.contextmanager
def _pruefprozess_vorab(job: dg.JobDefinition) -> Iterator[None]:
    """Great Expectations lädt im Prüfprozess (gut 2 s Import) schon, während der Lauf entsteht und gelesen wird, nicht
    erst ab dem ersten Schritt: sonst wartete die erste Prüfung darauf (gemessen am Beispiel: 0,7 s). Nur für Jobs mit
    Prüfungen und nur mit dem Executor, der ihn übernimmt (`pipelines.executor.LaufExecutor`, der ihn am Ende des
    Laufs beendet; mit Kubernetes prüfen die Pods). Endet der Lauf vorher, endet der Prüfprozess hier."""
    vorab = job.executor_def is lauf_executor and any(node.tags.get(PRUEFT) for node in job.graph.node_defs)
    if vorab:
        pruefprozess_starten()
    try:
        yield
    finally:
        if vorab:
            pruefprozess_beenden()  # hat ihn der Lauf schon beendet: nichts


def lauf_starten(instance: dg.DagsterInstance, job_name: str, *, tags: Mapping[str, str] | None = None,
                 run_config: dict | None = None, asset_selection: Iterable[dg.AssetKey] | None = None,
                 partition_key: str | None = None, raise_on_error: bool = True) -> JobExecutionResult:
    """Legt einen Lauf des Jobs `job_name` mit Ziel in der Code-Location an und führt ihn hier aus (siehe oben)."""
    job = ReconstructableRepository.for_module(MODUL, "defs", working_directory=str(REPO_ROOT)
                                               ).get_reconstructable_job(job_name)
    tags = dict(tags or {})
    if partition_key is not None:
        tags[PARTITION_TAG] = partition_key
    auswahl = frozenset(asset_selection) if asset_selection is not None else None
    job_def = defs.resolve_job_def(job_name)
    with _pruefprozess_vorab(job_def):
        lauf = instance.create_run_for_job(
            job_def=job_def, run_config=run_config or {}, tags=tags, asset_selection=auswahl,
            remote_job_origin=_ursprung(job_name), job_code_origin=job.get_python_origin())
        return execute_run(job, lauf, instance, raise_on_error=raise_on_error)


def alles_ausfuehren(instance: dg.DagsterInstance, paths: Paths | None = None,
                     raise_on_error: bool = True, run_config: dict | None = None,
                     ausgabe: Ausgabe | None = None, tags: dict[str, str] | None = None,
                     prozesse: int | None = None) -> JobExecutionResult:
    """Job „alles“ über alle Stichtage in einem Lauf (siehe Moduldokumentation).

    Mit `ausgabe` (Kommandozeile): Fortschritt je Schritt auf Deutsch, Dagsters Protokoll in ihre Datei.
    Der Lauf steht in der Dagster-Instanz `instance` (bei `sozial-dwh run` die unter DAGSTER_HOME, die auch die
    Oberfläche liest: „Overview“ und „Runs“) mit dem Tag `sozial_dwh/anlass` = „Kommandozeile (sozial-dwh run)“,
    sofern `tags` nichts anderes sagt. `prozesse`: die Lesestränge in so vielen Prozessen nebeneinander, 1: alles in
    diesem Prozess, ohne die Lesestränge (ohne Angabe: wie der Executor entschiede, pipelines/executor.py
    `mehrere_prozesse`)."""
    paths = paths or Paths.from_env()
    job = defs.resolve_job_def("alles")
    tags = {ANLASS_TAG: KOMMANDOZEILE, **(tags or {})}
    with _pruefprozess_vorab(job):
        return _alles(instance, paths, job, tags, raise_on_error, run_config, ausgabe, prozesse)


def _alles(instance: dg.DagsterInstance, paths: Paths, job, tags: dict[str, str], raise_on_error: bool,
           run_config: dict | None, ausgabe: Ausgabe | None, prozesse: int | None) -> JobExecutionResult:
    with vorab_gelesen():
        clock = time.monotonic()
        keys = bekannte_stichtage(instance, paths)
        auswahl = None if keys else assets_ohne_stichtage()
        mehrere = mehrere_prozesse(instance, paths, prozesse)
        if not mehrere:
            # Alles in diesem Prozess: die Lesestränge täten nichts (der Eingang liest selbst, `pipelines.assets.lesen`)
            # und kosteten doch je einen Schritt – sie werden nicht eingeplant (beim Beispiel 0,1 s des Laufs).
            strang = {dg.AssetKey(k) for k in LESESTRANG_KEYS}
            auswahl = [k for k in (auswahl if auswahl is not None else job.asset_layer.executable_asset_keys)
                       if k not in strang]
            prozesse = 1
        if ausgabe is not None:
            gesamt = schritte(defs, auswahl if auswahl is not None else job.asset_layer.executable_asset_keys)
            run_config = {**(run_config or {}), "loggers": ausgabe.loggers(gesamt)}
            stichtage = f"{len(keys)} Stichtage ({min(keys)} bis {max(keys)})" if len(keys) > 1 else (
                f"Stichtag {keys[0]}" if keys else "noch kein Stichtag")
            ausgabe.melden(f"Vorbereitung: Eingang gesichtet, {stichtage}, {gesamt} Schritte – "
                           f"{dauer(time.monotonic() - clock)}")
        if mehrere:
            schrittprozesse_vorbereiten()  # Lesen in mehreren Prozessen: ihr Forkserver startet, während der Lauf entsteht
        if prozesse is not None:  # Schritte in so vielen Prozessen (pipelines/executor.py; ohne Angabe: automatisch)
            run_config = {**(run_config or {}), "execution": {"config": {"prozesse": prozesse}}}
        # Schritte in anderen Prozessen bekommen die Pfade dieses Prozesses, nicht die Umgebung ihres Startprozesses
        run_config = {**(run_config or {}), "resources": {"warehouse_db": {"config": {
            "home": str(paths.home), "reference": str(paths.reference)}}}}
        ergebnis = lauf_starten(instance, "alles", tags={**tags, **bereich_tags(keys)}, run_config=run_config,
                                asset_selection=auswahl, raise_on_error=raise_on_error)
        verwaiste_stichtage_abmelden(instance, paths)
        return ergebnis
