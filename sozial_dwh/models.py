"""Die SQL-Modelle in `sql/<schicht>/<tabelle>.sql`: finden und ihre Abhängigkeiten lesen.

Dateiname = Tabellenname = Asset-Name. Abhängigkeiten werden aus den Tabellenverweisen
`<schema>.<tabelle>` im SQL gelesen (Kommentare ausgenommen); so können sie nicht veralten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sozial_dwh.config import SQL_DIR

LAYERS = ("staging", "core", "mart")  # je Datei eine Tabelle; sql/bericht/ sind Abfragen je Berichtsausgabe
SCHEMAS = ("raw", "ops", "quarantine", *LAYERS, "bericht")

_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
_STRING = re.compile(r"'(?:[^']|'')*'")
_REFERENCE = re.compile(r"\b(" + "|".join(SCHEMAS) + r")\.([a-z_][a-z0-9_]*)\b")


# Kopfzeile, mit der eine Modelldatei sich als nach Stichtag partitioniert kennzeichnet (Spalte `stichtag`).
PARTITION_MARKER = re.compile(r"^--\s*Partition:\s*stichtag\s*$", re.MULTILINE | re.IGNORECASE)


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
        if not PARTITION_MARKER.match(line):
            lines.append(line[2:].strip())
    return " ".join(lines)


def discover(sql_dir: Path = SQL_DIR) -> list[SqlModel]:
    models = []
    for layer in LAYERS:
        for path in sorted((sql_dir / layer).glob("*.sql")):
            sql = path.read_text(encoding="utf-8")
            refs = references(sql)
            key = (layer, path.stem)
            refs.discard(key)
            models.append(SqlModel(layer, path.stem, path, tuple(sorted(refs)), _description(sql),
                                   bool(PARTITION_MARKER.search(sql.split("create", 1)[0]))))
    return models


def creates_table(model: SqlModel) -> bool:
    """Legt die Datei genau die Tabelle an, nach der sie heißt?"""
    sql = _strip(model.path.read_text(encoding="utf-8")).lower()
    created = re.findall(r"create\s+or\s+replace\s+(?:table|view)\s+([a-z_]+\.[a-z0-9_]+)", sql)
    return created == [f"{model.schema}.{model.name}"]


def references(sql: str) -> set[tuple[str, str]]:
    """Tabellenverweise `<schema>.<tabelle>` eines SQL-Textes (ohne Kommentare und Zeichenketten)."""
    return {(m[1], m[2]) for m in _REFERENCE.finditer(_strip(sql))}
