"""Die SQL-Modelle in `sql/<schicht>/<tabelle>.sql`: finden, ihren Text bilden und ihre Abhängigkeiten lesen.

Dateiname = Tabellenname = Asset-Name. Abhängigkeiten werden aus den Tabellenverweisen
`<schema>.<tabelle>` im SQL gelesen (Kommentare ausgenommen); so können sie nicht veralten.

Vereinigung einer Familie von Tabellen: eine Zeile

    -- @vereinigung core.groessen_*

in einer Modelldatei setzt der Modell-Lader (`model_sql`) durch die Vereinigung aller Modelle `sql/core/groessen_*.sql`
(alphabetisch, ohne die Datei selbst) ersetzt: `select * from core.groessen_a union all by name select * from
core.groessen_b …` – Spalten, die einer Tabelle fehlen, sind dort NULL. So erscheint eine neue Tabelle dieser
Familie (eine neue Quelle mit ihren Größen) in jedem Modell, das die Familie vereinigt (core.dim_stichtag,
mart.indikator_werte), ohne dass dieses geändert wird; die Abhängigkeiten folgen aus dem ersetzten Text. Alle, die
eine Modelldatei ausführen oder lesen, nehmen ihren Text aus `model_sql`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from sozial_dwh.config import SQL_DIR

LAYERS = ("staging", "core", "mart")  # je Datei eine Tabelle; sql/bericht/ sind Abfragen je Berichtsausgabe
SCHEMAS = ("raw", "ops", "quarantine", *LAYERS, "bericht")

_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
_STRING = re.compile(r"'(?:[^']|'')*'")
_REFERENCE = re.compile(r"\b(" + "|".join(SCHEMAS) + r")\.([a-z_][a-z0-9_]*)\b")


# Platzhalter für die Vereinigung einer Familie von Modellen (siehe Moduldokumentation).
VEREINIGUNG = re.compile(r"^(?P<einzug>[ \t]*)--\s*@vereinigung\s+(?P<schema>[a-z_]+)\.(?P<praefix>[a-z0-9_]+)\*\s*$",
                         re.MULTILINE)

# Kopfzeile, mit der eine Modelldatei sich als nach Stichtag partitioniert kennzeichnet (Spalte `stichtag`).
PARTITION_MARKER = re.compile(r"^--\s*Partition:\s*stichtag\s*$", re.MULTILINE | re.IGNORECASE)

# Kopfzeile `-- Stücke: <schema>.<tabelle> [je <n> Zeilen]`: das Modell lässt sich in Stücken rechnen
# (sozial_dwh.warehouse; je Stück n Zeilen jener Tabelle, ohne Angabe `STUECK_ZEILEN`). Dafür filtert sein SQL seine
# Eingabe selbst mit den Variablen, die der Runner setzt: `getvariable('stuecke')` (Zahl der Stücke, ohne Runner
# NULL = alles auf einmal) und `getvariable('stueck')` (Nummer 0 … stuecke-1), etwa `hash(gebiet_id) %
# getvariable('stuecke') = getvariable('stueck')`. Das Ergebnis eines Stücks darf nur von dessen Eingabezeilen
# abhängen. Gedacht für Modelle, deren Zwischenstände DuckDB nicht auslagern kann (rekursive Abfragen,
# core.groessen_bevoelkerung) oder die je Zeile viel Speicher brauchen (staging.stg_bevoelkerung nach Gemeinde,
# core.fact_bevoelkerung nach Gebiet).
STUECKE_MARKER = re.compile(r"^--\s*Stücke:\s*(?P<tabelle>\S+)(?:\s+je\s+(?P<zeilen>\d[\d.]*)\s+Zeilen)?\s*$",
                            re.MULTILINE | re.IGNORECASE)
_TABELLE = re.compile(r"^(" + "|".join(SCHEMAS) + r")\.[a-z_][a-z0-9_]*$")
_STUECK_VARIABLEN = ("stueck", "stuecke")
_KOPFZEILEN = (PARTITION_MARKER, STUECKE_MARKER)


@dataclass(frozen=True)
class SqlModel:
    schema: str
    name: str
    path: Path
    deps: tuple[tuple[str, str], ...]
    description: str
    partitioniert: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.schema, self.name)


def _strip(sql: str) -> str:
    return _STRING.sub("''", _COMMENT.sub(" ", sql))


def _description(sql: str) -> str:
    lines = []
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        if not any(kopf.match(line) for kopf in _KOPFZEILEN):
            lines.append(line[2:].strip())
    return " ".join(lines)


def model_sql(path: Path) -> str:
    """Der auszuführende Text einer Modelldatei: die Datei mit ersetzten Platzhaltern `-- @vereinigung`."""
    sql = path.read_text(encoding="utf-8")
    sql_dir = path.parent.parent

    def vereinigung(match: re.Match) -> str:
        schema, praefix, einzug = match["schema"], match["praefix"], match["einzug"]
        tabellen = [p.stem for p in sorted((sql_dir / schema).glob(f"{praefix}*.sql")) if p != path]
        if not tabellen:
            raise ValueError(f"{path}: „-- @vereinigung {schema}.{praefix}*“ findet keine Modelldatei "
                             f"sql/{schema}/{praefix}*.sql.")
        # Tabellennamen aus den Dateinamen im Repository, nie aus Eingaben
        return f"\n{einzug}union all by name\n".join(f"{einzug}select * from {schema}.{name}" for name in tabellen)

    return VEREINIGUNG.sub(vereinigung, sql)


def discover(sql_dir: Path = SQL_DIR) -> list[SqlModel]:
    models = []
    for layer in LAYERS:
        for path in sorted((sql_dir / layer).glob("*.sql")):
            sql = model_sql(path)
            refs = references(sql)
            key = (layer, path.stem)
            refs.discard(key)
            stuecke_nach(path, sql)  # eine falsche Kopfzeile `-- Stücke:` schon beim Laden melden, nicht erst im Lauf
            models.append(SqlModel(layer, path.stem, path, tuple(sorted(refs)), _description(sql),
                                   bool(PARTITION_MARKER.search(sql.split("create", 1)[0]))))
    return models


class Stuecke(NamedTuple):
    """Kopfzeile `-- Stücke:`: nach den Zeilen welcher Tabelle gestückelt wird und wie viele je Stück (None: die
    Vorgabe des Runners, `sozial_dwh.warehouse.STUECK_ZEILEN`)."""

    tabelle: str
    zeilen: int | None = None


def stuecke_nach(path: Path, sql: str) -> Stuecke | None:
    """Die Angaben der Kopfzeile `-- Stücke:` (Zahl der Stücke = Zeilen der Tabelle / Zeilen je Stück) oder None.

    Eine Kopfzeile, deren SQL die Stücke nicht filtert, würde jedes Stück ganz rechnen und die Zeilen vervielfachen;
    sie wird deshalb abgewiesen, ebenso eine Tabelle, die das Modell nicht liest.
    """
    kopf = STUECKE_MARKER.search(sql.split("create", 1)[0])
    if kopf is None:
        return None
    tabelle = kopf["tabelle"].lower()
    if not _TABELLE.match(tabelle):
        raise ValueError(f"{path}: „-- Stücke: {kopf['tabelle']}“ nennt keine Tabelle <schema>.<tabelle>.")
    if tuple(tabelle.split(".")) not in references(sql):
        raise ValueError(f"{path}: „-- Stücke: {tabelle}“, aber das Modell liest {tabelle} nicht. Bitte die Tabelle "
                         "nennen, deren Zeilen das Modell in Stücken rechnet.")
    text = _COMMENT.sub(" ", sql).lower()
    fehlen = [v for v in _STUECK_VARIABLEN if not re.search(rf"getvariable\(\s*'{v}'\s*\)", text)]
    if fehlen:
        raise ValueError(f"{path}: „-- Stücke: {tabelle}“, aber das SQL liest "
                         + " und ".join(f"getvariable('{v}')" for v in fehlen)
                         + " nicht. Ohne diesen Filter rechnete jedes Stück alles, und die Zeilen kämen mehrfach in "
                         "die Tabelle. Bitte die Eingabe filtern (z. B. „where getvariable('stuecke') is null or "
                         "hash(gebiet_id) % getvariable('stuecke') = getvariable('stueck')“) oder die Kopfzeile "
                         "entfernen.")
    zeilen = int(kopf["zeilen"].replace(".", "")) if kopf["zeilen"] else None
    if zeilen == 0:
        raise ValueError(f"{path}: „-- Stücke: {tabelle} je 0 Zeilen“ – je Stück braucht es mindestens eine Zeile.")
    return Stuecke(tabelle, zeilen)


def creates_table(model: SqlModel) -> bool:
    """Legt die Datei genau die Tabelle an, nach der sie heißt?"""
    sql = _strip(model_sql(model.path)).lower()
    created = re.findall(r"create\s+or\s+replace\s+(?:table|view)\s+([a-z_]+\.[a-z0-9_]+)", sql)
    return created == [f"{model.schema}.{model.name}"]


def references(sql: str) -> set[tuple[str, str]]:
    """Tabellenverweise `<schema>.<tabelle>` eines SQL-Textes (ohne Kommentare und Zeichenketten)."""
    return {(m[1], m[2]) for m in _REFERENCE.finditer(_strip(sql))}
