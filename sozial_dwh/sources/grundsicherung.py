"""Mindestsicherung (`grundsicherung`): Gebiet × Leistungsart (× Altersgruppe), lang oder breit (architektur.md §5.2).

Leistungsarten: grusi_alter (SGB XII Kap. 4 ab Regelaltersgrenze), grusi_em (Kap. 4 Erwerbsminderung),
hlu (SGB XII Kap. 3), asylblg (AsylbLG Regelleistungen).
"""

from __future__ import annotations

from sozial_dwh.parsing import ALL_AGES, is_blank, parse_age
from sozial_dwh.readers.table import (
    Layout,
    Table,
    canonical,
)
from sozial_dwh.readers.workbook import column_letter
from sozial_dwh.sources.cube import CubeBuilder, LayoutReader
from sozial_dwh.vokabular import LEISTUNGSARTEN

LAYOUTS = [
    Layout("lang", ["gebiet", "leistungsart", "altersgruppe", "alter", "anzahl", "stichtag"],
           [["gebiet"], ["leistungsart"], ["anzahl"]]),
    Layout("breit", ["gebiet", "stichtag", *LEISTUNGSARTEN], [["gebiet"], LEISTUNGSARTEN]),
]


class GrundsicherungReader(LayoutReader):
    quelle = "grundsicherung"
    raw_tables = ("raw.grundsicherung",)
    layouts = LAYOUTS
    titel = "Mindestsicherung"
    dims = ("leistungsart", "alter_von", "alter_bis")

    def __init__(self) -> None:
        self.handlers = {"lang": _read_long, "breit": _read_wide}

    def describe(self, key: tuple) -> str:
        return f"{key[0]}, Alter {key[1]}–{'' if key[2] is None else key[2]}"


def _read_long(table: Table, builder: CubeBuilder) -> None:
    letter = {name: column_letter(col) for name, col in table.columns.items()}
    age_column = "altersgruppe" if "altersgruppe" in table.columns else "alter"
    for zeile, row in table.data_rows():
        stichtag = builder.stichtag(table.value(row, "stichtag"), zeile, letter.get("stichtag"))
        if stichtag is None:
            continue
        gebiet_id = builder.gebiet(table.value(row, "gebiet"), zeile, letter["gebiet"], stichtag)
        if gebiet_id is None:
            continue
        art_value = table.value(row, "leistungsart")
        art = canonical(art_value, LEISTUNGSARTEN)
        if art is None:
            builder.quarantine(zeile, letter["leistungsart"],
                               f"Leistungsart „{art_value}“ unbekannt (erlaubt: Grundsicherung im Alter, Grundsicherung "
                               "bei Erwerbsminderung, Hilfe zum Lebensunterhalt, AsylbLG Regelleistungen)", art_value)
            continue
        age_value = table.value(row, age_column)
        band = ALL_AGES if is_blank(age_value) else parse_age(age_value)
        if band is None:
            builder.quarantine(zeile, letter.get(age_column), "Altersgruppe nicht lesbar", age_value)
            continue
        builder.add(zeile, letter["anzahl"], stichtag, gebiet_id, (art, band.von, band.bis), table.value(row, "anzahl"))


def _read_wide(table: Table, builder: CubeBuilder) -> None:
    columns = [(table.columns[name], name) for name in LEISTUNGSARTEN if name in table.columns]
    gebiet_letter = column_letter(table.columns["gebiet"])
    for zeile, row in table.data_rows():
        stichtag = builder.stichtag(table.value(row, "stichtag"), zeile, None)
        if stichtag is None:
            continue
        gebiet_id = builder.gebiet(table.value(row, "gebiet"), zeile, gebiet_letter, stichtag)
        if gebiet_id is None:
            continue
        for col, art in columns:
            builder.add(zeile, column_letter(col), stichtag, gebiet_id, (art, ALL_AGES.von, ALL_AGES.bis),
                        row[col] if col < len(row) else None)

