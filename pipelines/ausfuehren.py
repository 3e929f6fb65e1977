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
from pipelines.partitions import STICHTAGE, bekannte_stichtage, bereich_tags
from sozial_dwh.config import Paths
from sozial_dwh.ingest import vorab_gelesen


def ohne_partitionen(job: dg.JobDefinition) -> list[dg.AssetKey]:
    """Assets, die weder partitioniert sind noch von partitionierten Assets abhängen."""
    graph = defs.resolve_asset_graph()
    partitioniert = [k for k in graph.get_all_asset_keys() if graph.get(k).partitions_def == STICHTAGE]
    betroffen = dg.AssetSelection.assets(*partitioniert).downstream().resolve(graph)
    return [k for k in job.asset_layer.executable_asset_keys if k not in betroffen]


def alles_ausfuehren(instance: dg.DagsterInstance, paths: Paths | None = None,
                     raise_on_error: bool = True, run_config: dict | None = None,
                     ausgabe: Ausgabe | None = None) -> dg.ExecuteInProcessResult:
    """Job „alles“ über alle Stichtage in einem Lauf (siehe Moduldokumentation).

    Mit `ausgabe` (Kommandozeile): Fortschritt je Schritt auf Deutsch, Dagsters Protokoll in ihre Datei."""
    paths = paths or Paths.from_env()
    job = defs.resolve_job_def("alles")
    with vorab_gelesen():
        clock = time.monotonic()
        keys = bekannte_stichtage(instance, paths)
        auswahl = None if keys else ohne_partitionen(job)
        if ausgabe is not None:
            gesamt = schritte(defs, auswahl if auswahl is not None else job.asset_layer.executable_asset_keys)
            run_config = {**(run_config or {}), "loggers": ausgabe.loggers(gesamt)}
            stichtage = f"{len(keys)} Stichtage ({min(keys)} bis {max(keys)})" if len(keys) > 1 else (
                f"Stichtag {keys[0]}" if keys else "noch kein Stichtag")
            ausgabe.melden(f"Vorbereitung: Eingang gesichtet, {stichtage}, {gesamt} Schritte – "
                           f"{dauer(time.monotonic() - clock)}")
        if keys:
            return job.execute_in_process(instance=instance, tags=bereich_tags(keys), raise_on_error=raise_on_error,
                                          run_config=run_config)
        return job.execute_in_process(instance=instance, asset_selection=auswahl,
                                      raise_on_error=raise_on_error, run_config=run_config)
