"""Partitionen der Code-Location (architektur.md §11) – der einzige Ort, der sie anmeldet und ihre Schlüssel bildet.

- Statistik-Assets: eine Partition je Stichtag (`STICHTAGE`, Schlüssel = ISO-Datum). Neue Stichtage meldet das Asset
  `eingang` an, sobald eine Datei dazu geladen ist; vor einem Lauf über alles (CLI, Zeitpläne) auch die der Dateien
  im Eingang, und der Sensor, bevor er einen Lauf für eine neue Datei startet. Ein Lauf für eine Partition baut nur
  die Zeilen dieses Stichtags neu; ein Lauf ohne Partition baut alle Stichtage und meldet danach jeden als
  materialisiert.
- Berichtsausgaben: eine Partition je Ausgabe aus berichte.csv (`AUSGABEN`). Die Liste pflegt das Asset
  `referenzdaten` bei jedem Lauf (neue Zeilen in berichte.csv erscheinen so ohne Neuladen der Code-Location);
  `sozial-dwh export` ebenso.

Sensor, Zeitpläne und `pipelines.ausfuehren` holen ihre Stichtage und Bereichs-Tags von hier; so hängt keiner von
ihnen von `pipelines.definitions` ab, das sie alle einbindet.
"""


import datetime as dt
from collections.abc import Iterable

import dagster as dg

from sozial_dwh import warehouse
from sozial_dwh.config import Paths
from sozial_dwh.ingest import erkenne_lieferung, inbox_files
from sozial_dwh.quellen import partitionierte_quellen
from sozial_dwh.reference import GebietMatcher, ReferenceError, load_gebiete

STICHTAGE = dg.DynamicPartitionsDefinition(name="stichtag")
AUSGABEN = dg.DynamicPartitionsDefinition(name="berichtsausgabe")

# Quellen, deren Tabellen nach Stichtag partitioniert sind: abgeleitet aus den Modellen (Kopfzeile
# `-- Partition: stichtag` in sql/staging/stg_<quelle>.sql, sozial_dwh.quellen), nicht von Hand aufgezählt.
# Kita-Plätze zum 01.03. und Konferenzen sind es nicht: sie gehören zu anderen Stichtagen bzw. sind Ereignisse.
PARTITIONIERTE_QUELLEN = partitionierte_quellen()

BEREICH_START = "dagster/asset_partition_range_start"
BEREICH_ENDE = "dagster/asset_partition_range_end"


def stichtag_key(stichtag: dt.date | str) -> str:
    """Der Partitionsschlüssel eines Stichtags: ISO-Datum (`2022-12-31`)."""
    return stichtag if isinstance(stichtag, str) else stichtag.isoformat()


def stichtag_aus_key(key: str) -> dt.date:
    return dt.date.fromisoformat(key)


def neue_stichtage(instance: dg.DagsterInstance, stichtage: Iterable) -> list[str]:
    """Die Schlüssel der Stichtage (date oder ISO-Text), die noch nicht als Partition angemeldet sind (sortiert)."""
    keys = sorted({stichtag_key(s) for s in stichtage if s is not None})
    vorhanden = set(instance.get_dynamic_partitions(STICHTAGE.name))
    return [k for k in keys if k not in vorhanden]


def stichtage_anmelden(instance: dg.DagsterInstance, stichtage: Iterable) -> list[str]:
    """Meldet Stichtage als Partitionen an; gibt die neuen Schlüssel zurück."""
    neu = neue_stichtage(instance, stichtage)
    if neu:
        instance.add_dynamic_partitions(STICHTAGE.name, neu)
    return neu


def ausgaben_anmelden(instance: dg.DagsterInstance, ids: Iterable[str]) -> list[str]:
    """Meldet Berichtsausgaben als Partitionen an, die es noch nicht gibt; gibt die neu angemeldeten zurück."""
    vorhanden = set(instance.get_dynamic_partitions(AUSGABEN.name))
    neu = [i for i in ids if i not in vorhanden]
    if neu:
        instance.add_dynamic_partitions(AUSGABEN.name, neu)
    return neu


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
            stichtage |= {stichtag_key(r[0]) for r in con.execute(f"select distinct stichtag from raw.{table}").fetchall()}
    return sorted(stichtage)


def stichtage_im_eingang(paths: Paths, dateien: Iterable | None = None) -> dict[str, list[str]]:
    """Stichtage der Dateien partitionierter Quellen im Eingang: {Dateiname: [Stichtag, …]}.

    Aus Blatt „Info“ und Dateiname; nur eine Datei, die beides nicht nennt, wird dafür ganz gelesen – einmal, und
    innerhalb von `sozial_dwh.ingest.vorab_gelesen` (`sozial-dwh run`) für das Laden im selben Lauf gemerkt."""
    try:
        matcher = GebietMatcher(load_gebiete(paths.reference))
    except ReferenceError:
        return {}  # der Lauf meldet den Fehler der Referenzdaten selbst
    ergebnis = {}
    for path in dateien if dateien is not None else inbox_files(paths):
        lieferung = erkenne_lieferung(path, matcher, inhalt=True)
        if lieferung.quelle in PARTITIONIERTE_QUELLEN and lieferung.stichtage:
            ergebnis[path.name] = [stichtag_key(s) for s in lieferung.stichtage]
    return ergebnis


def bekannte_stichtage(instance: dg.DagsterInstance, paths: Paths) -> list[str]:
    """Meldet die Stichtage aus Warehouse und Eingang als Partitionen an und gibt alle zurück – in der Reihenfolge,
    in der Dagster sie führt (siehe `bereich_tags`)."""
    im_eingang = [s for stichtage in stichtage_im_eingang(paths).values() for s in stichtage]
    stichtage_anmelden(instance, [*stichtage_im_warehouse(paths), *im_eingang])
    return list(instance.get_dynamic_partitions(STICHTAGE.name))


def verwaiste_stichtage(instance: dg.DagsterInstance, paths: Paths) -> list[str]:
    """Angemeldete Stichtage ohne Daten im Warehouse und ohne Datei im Eingang – etwa der Stichtag einer Datei, die
    vor dem Lauf angemeldet und dann abgelehnt wurde (nach dem Lauf liegt sie in rejected/)."""
    angemeldet = list(instance.get_dynamic_partitions(STICHTAGE.name))
    if not angemeldet:
        return []
    belegt = set(stichtage_im_warehouse(paths)) | {
        s for stichtage in stichtage_im_eingang(paths).values() for s in stichtage}
    return [k for k in angemeldet if k not in belegt]


def verwaiste_stichtage_abmelden(instance: dg.DagsterInstance, paths: Paths) -> list[str]:
    """Meldet `verwaiste_stichtage` ab (nach einem Lauf; nie währenddessen: ein laufender Bereich braucht seine
    Grenzen). Gibt die abgemeldeten Schlüssel zurück."""
    verwaist = verwaiste_stichtage(instance, paths)
    for key in verwaist:
        instance.delete_dynamic_partition(STICHTAGE.name, key)
    return verwaist


def bereich_tags(keys: list[str]) -> dict[str, str]:
    """Tags für einen Lauf über alle Partitionen `keys`.

    `keys` müssen in Dagsters Reihenfolge stehen: dynamische Partitionen sind nach ihrer Anmeldung geordnet, nicht
    nach Datum. Kommt ein älterer Stichtag nach einem neueren (2018 nach 2019), wäre der Bereich „2018 bis 2019“
    nach Datum leer bzw. unvollständig – der Lauf rechnete dann weder 2018 noch die Korrektur von 2019 (architektur.md §5.1:
    jede Reihenfolge der Lieferungen ergibt dasselbe). Der Bereich reicht deshalb von der ersten bis zur letzten
    angemeldeten Partition.
    """
    return {BEREICH_START: keys[0], BEREICH_ENDE: keys[-1]} if keys else {}
