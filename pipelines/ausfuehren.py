"""Den Job „alles“ im selben Prozess ausführen – für `sozial-dwh run`, den Sensor und die Tests.

Die Statistik-Assets sind nach Stichtag partitioniert. Ein Lauf über alles ist deshalb ein Lauf über den Bereich
aller Stichtag-Partitionen (ein einziger Lauf, eine Arbeitskopie, eine Übernahme). Welche Stichtage es gibt, steht
vor dem Start fest: die schon geladenen (Warehouse) und die der Dateien im Eingang (aus Dateiname, Blatt „Info“
oder – nur wenn beides fehlt – aus dem Inhalt). Gibt es noch keinen Stichtag, läuft alles, was nicht von den
partitionierten Assets abhängt (Referenzdaten, Eingang, Kita, Konferenzen).
"""


from collections.abc import Iterable

import dagster as dg

from pipelines.partitions import PARTITIONIERTE_QUELLEN, STICHTAGE, stichtage_anmelden
from sozial_dwh import warehouse
from sozial_dwh.config import Paths
from sozial_dwh.ingest import erkenne_lieferung, inbox_files
from sozial_dwh.reference import GebietMatcher, ReferenceError, load_gebiete

BEREICH_START = "dagster/asset_partition_range_start"
BEREICH_ENDE = "dagster/asset_partition_range_end"


def stichtage_im_warehouse(paths: Paths) -> list[str]:
    """Stichtage, zu denen Rohdaten partitionierter Quellen im Warehouse liegen (raw.<quelle>)."""
    if not paths.warehouse.exists():
        return []
    with warehouse.connect(paths, read_only=True) as con:
        vorhanden = [t for (t,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'raw' and table_name in (select unnest(?))",
            [list(PARTITIONIERTE_QUELLEN)]).fetchall()]
        stichtage: set[str] = set()
        for table in vorhanden:  # Tabellennamen aus PARTITIONIERTE_QUELLEN im Code
            stichtage |= {str(r[0]) for r in con.execute(f"select distinct stichtag from raw.{table}").fetchall()}
    return sorted(stichtage)


def stichtage_im_eingang(paths: Paths, dateien: Iterable | None = None) -> dict[str, list[str]]:
    """Stichtage der Dateien partitionierter Quellen im Eingang: {Dateiname: [Stichtag, …]}."""
    try:
        matcher = GebietMatcher(load_gebiete(paths.reference))
    except ReferenceError:
        return {}  # der Lauf meldet den Fehler der Referenzdaten selbst
    ergebnis = {}
    for path in dateien if dateien is not None else inbox_files(paths):
        quelle, stichtage = erkenne_lieferung(path, matcher)
        if quelle in PARTITIONIERTE_QUELLEN and stichtage:
            ergebnis[path.name] = [str(s) for s in stichtage]
    return ergebnis


def bekannte_stichtage(instance: dg.DagsterInstance, paths: Paths) -> list[str]:
    """Meldet die Stichtage aus Warehouse und Eingang als Partitionen an und gibt alle zurück – in der Reihenfolge,
    in der Dagster sie führt (siehe `bereich_tags`)."""
    im_eingang = [s for stichtage in stichtage_im_eingang(paths).values() for s in stichtage]
    stichtage_anmelden(instance, [*stichtage_im_warehouse(paths), *im_eingang])
    return list(instance.get_dynamic_partitions(STICHTAGE.name))


def bereich_tags(keys: list[str]) -> dict[str, str]:
    """Tags für einen Lauf über alle Partitionen `keys`.

    `keys` müssen in Dagsters Reihenfolge stehen: dynamische Partitionen sind nach ihrer Anmeldung geordnet, nicht
    nach Datum. Kommt ein älterer Stichtag nach einem neueren (2018 nach 2019), wäre der Bereich „2018 bis 2019“
    nach Datum leer bzw. unvollständig – der Lauf rechnete dann weder 2018 noch die Korrektur von 2019 (DESIGN §5.1:
    jede Reihenfolge der Lieferungen ergibt dasselbe). Der Bereich reicht deshalb von der ersten bis zur letzten
    angemeldeten Partition.
    """
    return {BEREICH_START: keys[0], BEREICH_ENDE: keys[-1]} if keys else {}


def ohne_partitionen(job: dg.JobDefinition) -> list[dg.AssetKey]:
    """Assets, die weder partitioniert sind noch von partitionierten Assets abhängen."""
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    partitioniert = [k for k in graph.get_all_asset_keys() if graph.get(k).partitions_def == STICHTAGE]
    betroffen = dg.AssetSelection.assets(*partitioniert).downstream().resolve(graph)
    return [k for k in job.asset_layer.executable_asset_keys if k not in betroffen]


def alles_ausfuehren(instance: dg.DagsterInstance, paths: Paths | None = None,
                     raise_on_error: bool = True, run_config: dict | None = None) -> dg.ExecuteInProcessResult:
    """Job „alles“ über alle Stichtage in einem Lauf (siehe Moduldokumentation)."""
    from pipelines.definitions import defs

    paths = paths or Paths.from_env()
    job = defs.resolve_job_def("alles")
    keys = bekannte_stichtage(instance, paths)
    if keys:
        return job.execute_in_process(instance=instance, tags=bereich_tags(keys), raise_on_error=raise_on_error,
                                      run_config=run_config)
    return job.execute_in_process(instance=instance, asset_selection=ohne_partitionen(job),
                                  raise_on_error=raise_on_error, run_config=run_config)
