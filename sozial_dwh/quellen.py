"""Die Quellen des Warehouse an einer Stelle (architektur.md §5.2, §5.5): wer Quellen aufzählt, leitet sie von hier ab.

Eine Quelle ist ein Leser in `sozial_dwh.sources.READERS` (Schlüssel = `quelle`) mit ihren SQL-Modellen. Erklärt wird
hier nur, was sich nicht aus Lesern und Modellen ergibt (Name, Herkunft für die Quellenzeile der Berichtsausgabe).
Alles Übrige folgt aus den Modellen, damit es nie an zwei Stellen steht:

- partitioniert nach Stichtag ist eine Quelle, deren Staging-Modell `sql/staging/stg_<quelle>.sql` die Kopfzeile
  `-- Partition: stichtag` trägt (`partitionierte_quellen`, für Eingang, Sensor und Läufe je Stichtag);
- ihre Größen stehen in `sql/core/groessen_<name>.sql`; diese Tabellen vereinigen core.dim_stichtag und
  mart.indikator_werte über den Platzhalter `-- @vereinigung core.groessen_*` (sozial_dwh.models), jede Zeile nennt
  ihre `quelle`;
- Größen aus Referenzdaten (data/reference/groessen.csv) gibt es für die Quellen, deren Größen-Modell
  `raw.ref_groessen` liest (`quellen_mit_erklaerten_groessen`).

Eine neue Statistik braucht dagegen keine neue Quelle: sie wird als Merkmal der Quelle `merkmale` erklärt
(data/reference/merkmale.csv), ihre Größe in groessen.csv, ihr Indikator in indikatoren.csv.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sozial_dwh.models import discover


@dataclass(frozen=True)
class Quelle:
    quelle: str  # Kennung wie im Blatt „Info“ und im Dateinamen (architektur.md §5.1)
    name: str  # für Menschen
    herkunft: str  # Quellenzeile unter Berichtstabellen (wer die Daten liefert)


QUELLEN: tuple[Quelle, ...] = (
    Quelle("bevoelkerung", "Bevölkerung", "Einwohnermelderegister"),
    Quelle("sgb2", "SGB II", "Statistik der Bundesagentur für Arbeit (SGB II)"),
    Quelle("arbeitslose", "Arbeitslose", "Statistik der Bundesagentur für Arbeit (Arbeitslose)"),
    Quelle("grundsicherung", "Mindestsicherung", "Sozialamt (SGB XII, AsylbLG)"),
    Quelle("kita", "Kindertagesbetreuung", "Kita-Bedarfsplanung"),
    Quelle("konferenz", "Sozialraumkonferenzen", "Sozialraumkonferenzen"),
    # Herkunft je Merkmal in merkmale.csv (quelle_text); das hier gilt, wo keine genannt ist
    Quelle("merkmale", "Weitere Merkmale", "weitere Statistiken (Herkunft je Merkmal in merkmale.csv)"),
)
NAMEN: dict[str, Quelle] = {q.quelle: q for q in QUELLEN}


def alle_quellen() -> tuple[str, ...]:
    return tuple(NAMEN)


@functools.cache
def partitionierte_quellen() -> tuple[str, ...]:
    """Quellen, deren Staging-Modell nach Stichtag partitioniert ist (Kopfzeile `-- Partition: stichtag`)."""
    partitioniert = {m.name.removeprefix("stg_") for m in discover() if m.schema == "staging" and m.partitioniert}
    return tuple(q for q in NAMEN if q in partitioniert)


@functools.cache
def quellen_mit_erklaerten_groessen() -> tuple[str, ...]:
    """Quellen, deren Größen-Modell `core.groessen_<quelle>` die erklärten Größen aus groessen.csv liest."""
    lesen = {m.name.removeprefix("groessen_") for m in discover()
             if m.schema == "core" and m.name.startswith("groessen_") and ("raw", "ref_groessen") in m.deps}
    return tuple(q for q in NAMEN if q in lesen)
