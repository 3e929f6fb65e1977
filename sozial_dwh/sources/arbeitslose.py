"""Arbeitslose (`arbeitslose`): Gebiet × Rechtskreis × Merkmal, lang oder breit (architektur.md §5.2).

Zellen dürfen in einer Datei verschieden fein sein (z. B. SGB II/insgesamt und insgesamt/unter 25);
gespeichert wird jede Zelle einmal mit ihren Ausprägungen – gezählt wird im Modell nichts doppelt.
"""

from __future__ import annotations

from sozial_dwh.parsing import INSGESAMT, CellError, norm
from sozial_dwh.readers.table import Layout, Table
from sozial_dwh.readers.workbook import column_letter
from sozial_dwh.sources.cube import CubeBuilder, LayoutReader

RECHTSKREISE = {"sgbii": "sgb2", "sgb2": "sgb2", "rechtskreissgbii": "sgb2",
                "sgbiii": "sgb3", "sgb3": "sgb3", "rechtskreissgbiii": "sgb3"}
MERKMALE = {
    "langzeitarbeitslos": "langzeitarbeitslos", "langzeitarbeitslose": "langzeitarbeitslos",
    "unter25": "unter25", "unter25jahre": "unter25", "unter25jahren": "unter25", "u25": "unter25",
    "juengereunter25jahren": "unter25", "15bisunter25": "unter25",
    "55undaelter": "55plus", "55jahreundaelter": "55plus", "55+": "55plus", "ab55": "55plus", "aelterea55": "55plus",
}
WIDE = {
    "alo_insgesamt": (INSGESAMT, INSGESAMT), "alo_sgb2": ("sgb2", INSGESAMT), "alo_sgb3": ("sgb3", INSGESAMT),
    "alo_langzeit": (INSGESAMT, "langzeitarbeitslos"), "alo_u25": (INSGESAMT, "unter25"),
    "alo_55plus": (INSGESAMT, "55plus"),
}
LAYOUTS = [
    Layout("lang", ["gebiet", "rechtskreis", "merkmal", "anzahl", "stichtag"],
           [["gebiet"], ["rechtskreis", "merkmal"], ["anzahl"]]),
    Layout("breit", ["gebiet", "stichtag", *WIDE], [["gebiet"], ["alo_insgesamt", "alo_sgb2"]]),
]


def _category(mapping: dict[str, str], value: object, what: str, allowed: str) -> str:
    n = norm(value)
    if not n or n in {"insgesamt", "gesamt", "zusammen", "alle", "arbeitsloseinsgesamt"}:
        return INSGESAMT
    if n in mapping:
        return mapping[n]
    raise CellError(f"{what} „{value}“ unbekannt (erlaubt: {allowed} oder leer = insgesamt)")


class ArbeitsloseReader(LayoutReader):
    quelle = "arbeitslose"
    raw_tables = ("raw.arbeitslose",)
    layouts = LAYOUTS
    titel = "Arbeitslose"
    dims = ("rechtskreis", "merkmal")

    def __init__(self) -> None:
        self.handlers = {"lang": _read_long, "breit": _read_wide}

    def describe(self, key: tuple) -> str:
        return f"Rechtskreis {key[0]}, Merkmal {key[1]}"


def _read_long(table: Table, builder: CubeBuilder) -> None:
    letter = {name: column_letter(col) for name, col in table.columns.items()}
    for zeile, row in table.data_rows():
        stichtag = builder.stichtag(table.value(row, "stichtag"), zeile, letter.get("stichtag"))
        if stichtag is None:
            continue
        gebiet_id = builder.gebiet(table.value(row, "gebiet"), zeile, letter["gebiet"], stichtag)
        if gebiet_id is None:
            continue
        try:
            key = (_category(RECHTSKREISE, table.value(row, "rechtskreis"), "Rechtskreis", "SGB II, SGB III"),
                   _category(MERKMALE, table.value(row, "merkmal"), "Merkmal",
                             "langzeitarbeitslos, unter 25, 55 und älter"))
        except CellError as exc:
            builder.quarantine(zeile, letter.get("merkmal") or letter.get("rechtskreis"), str(exc))
            continue
        builder.add(zeile, letter["anzahl"], stichtag, gebiet_id, key, table.value(row, "anzahl"))


def _read_wide(table: Table, builder: CubeBuilder) -> None:
    columns = [(table.columns[name], key) for name, key in WIDE.items() if name in table.columns]
    gebiet_letter = column_letter(table.columns["gebiet"])
    for zeile, row in table.data_rows():
        stichtag = builder.stichtag(table.value(row, "stichtag"), zeile, None)
        if stichtag is None:
            continue
        gebiet_id = builder.gebiet(table.value(row, "gebiet"), zeile, gebiet_letter, stichtag)
        if gebiet_id is None:
            continue
        for col, key in columns:
            builder.add(zeile, column_letter(col), stichtag, gebiet_id, key, row[col] if col < len(row) else None)
