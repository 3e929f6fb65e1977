"""Den Job „alles“ im selben Prozess ausführen – für `sozial-dwh run`, den Benchmark und die Tests.

Die Statistik-Assets sind nach Stichtag partitioniert. Ein Lauf über alles ist deshalb ein Lauf über den Bereich
aller Stichtag-Partitionen (ein einziger Lauf, eine Arbeitskopie, eine Übernahme). Welche Stichtage es gibt, steht
vor dem Start fest (`pipelines.partitions.bekannte_stichtage`): die schon geladenen (Warehouse) und die der Dateien
im Eingang. Gibt es noch keinen Stichtag, läuft alles, was nicht von den partitionierten Assets abhängt
(Referenzdaten, Eingang, Kita, Konferenzen).

Jede Datei im Eingang wird in einem Lauf nur einmal gelesen: Stichtage aus Blatt „Info“ und Dateiname kosten kein
Lesen der Datenblätter; eine Datei, deren Stichtag erst der Inhalt zeigt, liest die Vorbereitung, und das Laden
nimmt dieses Ergebnis (`sozial_dwh.ingest.vorab_gelesen`, gilt im selben Prozess).
"""


import time

import dagster as dg

from pipelines.definitions import defs
from pipelines.fortschritt import Ausgabe, dauer, schritte
from pipelines.jobs import ANLASS_TAG, KOMMANDOZEILE, assets_ohne_stichtage
from pipelines.partitions import bekannte_stichtage, bereich_tags
from sozial_dwh.config import Paths
from sozial_dwh.ingest import vorab_gelesen


def alles_ausfuehren(instance: dg.DagsterInstance, paths: Paths | None = None,
                     raise_on_error: bool = True, run_config: dict | None = None,
                     ausgabe: Ausgabe | None = None, tags: dict[str, str] | None = None
                     ) -> dg.ExecuteInProcessResult:
    """Job „alles“ über alle Stichtage in einem Lauf (siehe Moduldokumentation).

    Mit `ausgabe` (Kommandozeile): Fortschritt je Schritt auf Deutsch, Dagsters Protokoll in ihre Datei.
    Der Lauf steht in der Dagster-Instanz `instance` (bei `sozial-dwh run` die unter DAGSTER_HOME, die auch die
    Oberfläche liest: Seite „Runs“) mit dem Tag `sozial_dwh/anlass` = „Kommandozeile (sozial-dwh run)“, sofern
    `tags` nichts anderes sagt. Die Übersicht „Overview“ (Zeitleiste) zeigt nur Läufe, die über die Code-Location
    gestartet wurden (Oberfläche, Zeitplan, Sensor); ein Lauf im selben Prozess hat kein solches Ziel."""
    paths = paths or Paths.from_env()
    job = defs.resolve_job_def("alles")
    tags = {ANLASS_TAG: KOMMANDOZEILE, **(tags or {})}
    with vorab_gelesen():
        clock = time.monotonic()
        keys = bekannte_stichtage(instance, paths)
        auswahl = None if keys else assets_ohne_stichtage()
        if ausgabe is not None:
            gesamt = schritte(defs, auswahl if auswahl is not None else job.asset_layer.executable_asset_keys)
            run_config = {**(run_config or {}), "loggers": ausgabe.loggers(gesamt)}
            stichtage = f"{len(keys)} Stichtage ({min(keys)} bis {max(keys)})" if len(keys) > 1 else (
                f"Stichtag {keys[0]}" if keys else "noch kein Stichtag")
            ausgabe.melden(f"Vorbereitung: Eingang gesichtet, {stichtage}, {gesamt} Schritte – "
                           f"{dauer(time.monotonic() - clock)}")
        if keys:
            return job.execute_in_process(instance=instance, tags={**tags, **bereich_tags(keys)},
                                          raise_on_error=raise_on_error, run_config=run_config)
        return job.execute_in_process(instance=instance, asset_selection=auswahl, tags=tags,
                                      raise_on_error=raise_on_error, run_config=run_config)
