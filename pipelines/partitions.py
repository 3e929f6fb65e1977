"""Partitionen der Statistik-Assets: eine je Stichtag (DESIGN §11).

Neue Stichtage meldet das Asset `eingang` an, sobald eine Datei dazu geladen ist (und der Sensor, bevor er einen
Lauf für eine neue Datei startet). Ein Lauf für eine Partition baut nur die Zeilen dieses Stichtags neu; ein Lauf
ohne Partition (Job `alles`) baut alle Stichtage und meldet danach jeden als materialisiert.
"""


import dagster as dg

from sozial_dwh.quellen import partitionierte_quellen

STICHTAGE = dg.DynamicPartitionsDefinition(name="stichtag")

# Quellen, deren Tabellen nach Stichtag partitioniert sind: abgeleitet aus den Modellen (Kopfzeile
# `-- Partition: stichtag` in sql/staging/stg_<quelle>.sql, sozial_dwh.quellen), nicht von Hand aufgezählt.
# Kita-Plätze zum 01.03. und Konferenzen sind es nicht: sie gehören zu anderen Stichtagen bzw. sind Ereignisse.
PARTITIONIERTE_QUELLEN = partitionierte_quellen()


def stichtage_anmelden(instance: dg.DagsterInstance, stichtage) -> list[str]:
    """Meldet Stichtage (date oder ISO-Text) als Partitionen an; gibt die neuen Schlüssel zurück."""
    keys = sorted({str(s) for s in stichtage if s is not None})
    vorhanden = set(instance.get_dynamic_partitions(STICHTAGE.name))
    neu = [k for k in keys if k not in vorhanden]
    if neu:
        instance.add_dynamic_partitions(STICHTAGE.name, neu)
    return neu
