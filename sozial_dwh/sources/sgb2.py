"""SGB II (`sgb2`) in drei Layouts (DESIGN §5.2).

- aggregiert: eine Zeile je Gebiet, Spalten Bedarfsgemeinschaften, Leistungsberechtigte, ELB, NEF, …
- AkG-Layout der Bundesagentur für Arbeit: Berichtsmonat, Gemeindeschlüssel, 9-stelliger Gebietsschlüssel
  (über `akg_code` der Gebietsgliederung), Gebietsname, Variablen; Schlüssel mit `SUM` sind Summenzeilen,
  „keine Angabe“ wird das Pseudo-Gebiet „ohne Zuordnung“ der Gemeinde.
- pseudonymisierte Personendatensätze: werden beim Lesen je Gebiet gezählt; Personenzeilen werden nicht
  gespeichert (Datensparsamkeit), die Originaldatei bleibt im Archiv.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sozial_dwh.parsing import CellError, code_text, is_blank, norm, parse_count, parse_month_end
from sozial_dwh.readers.table import Layout, Table
from sozial_dwh.readers.workbook import column_letter
from sozial_dwh.sources.cube import TOTAL, CubeBuilder, LayoutReader

MERKMALE = ["bedarfsgemeinschaften", "leistungsberechtigte", "elb", "nef", "nef_u15", "lb_u18", "bg_alleinerziehend"]
MERKMAL_TEXT = {
    "bedarfsgemeinschaften": "Bedarfsgemeinschaften", "leistungsberechtigte": "Leistungsberechtigte",
    "elb": "ELB", "nef": "NEF", "nef_u15": "NEF unter 15", "lb_u18": "Leistungsberechtigte unter 18",
    "bg_alleinerziehend": "Alleinerziehende BG",
}
ANY_MERKMAL = [["leistungsberechtigte", "bedarfsgemeinschaften", "elb"]]

LAYOUTS = [
    Layout("personen", ["bg_nummer", "person_nummer", "alter", "geschlecht", "status", "staatsangehoerigkeit",
                        "alleinerziehend", "gebiet", "stichtag"],
           [["bg_nummer"], ["person_nummer"], ["status"], ["alter"], ["gebiet"]]),
    Layout("akg", ["berichtsmonat", "gemeindeschluessel", "gebietsschluessel", "gebietsname", *MERKMALE],
           [["gebietsschluessel"], *ANY_MERKMAL]),
    Layout("aggregiert", ["gebiet", "stichtag", *MERKMALE], [["gebiet"], *ANY_MERKMAL]),
]


class Sgb2Reader(LayoutReader):
    quelle = "sgb2"
    raw_tables = ("raw.sgb2",)
    layouts = LAYOUTS
    titel = "SGB II"
    dims = ("merkmal",)
    einheit = "Gebietswerte"

    def __init__(self) -> None:
        self.handlers = {"personen": _read_persons, "akg": _read_akg, "aggregiert": _read_aggregated}

    def describe(self, key: tuple) -> str:
        return MERKMAL_TEXT[key[0]]


def _read_aggregated(table: Table, builder: CubeBuilder) -> None:
    columns = [(name, table.columns[name]) for name in MERKMALE if name in table.columns]
    for zeile, row in table.data_rows():
        stichtag = builder.stichtag(table.value(row, "stichtag"), zeile, None)
        if stichtag is None:
            continue
        gebiet_id = builder.gebiet(table.value(row, "gebiet"), zeile, column_letter(table.columns["gebiet"]), stichtag)
        if gebiet_id is None:
            continue
        for merkmal, col in columns:
            builder.add(zeile, column_letter(col), stichtag, gebiet_id, (merkmal,), row[col] if col < len(row) else None)


def _read_akg(table: Table, builder: CubeBuilder) -> None:
    matcher = builder.ctx.matcher
    columns = [(name, table.columns[name]) for name in MERKMALE if name in table.columns]
    code_letter = column_letter(table.columns["gebietsschluessel"])
    for zeile, row in table.data_rows():
        month = table.value(row, "berichtsmonat")
        if is_blank(month):
            stichtag = builder.stichtag(None, zeile, None)
        else:
            try:
                stichtag = parse_month_end(month)
            except CellError as exc:
                builder.quarantine(zeile, column_letter(table.columns["berichtsmonat"]), str(exc), month)
                continue
        if stichtag is None:
            continue
        code = code_text(table.value(row, "gebietsschluessel"))
        if code.isdigit() and len(code) < 9:
            code = code.zfill(9)  # als Zahl gespeicherte Schlüssel verlieren führende Nullen
        name = table.value(row, "gebietsname")
        gemeinde = matcher.gemeinde_ags(table.value(row, "gemeindeschluessel")) if "gemeindeschluessel" in table.columns else None
        scope = ""
        if code.upper().endswith("SUM"):
            gebiet_id, scope = TOTAL, code.upper().replace("SUM", "")
        elif not code and not is_blank(name):
            gebiet_id = builder.gebiet(name, zeile, column_letter(table.columns.get("gebietsname", 0)), stichtag, gemeinde)
        else:
            gebiet_id = builder.gebiet(code, zeile, code_letter, stichtag, gemeinde)
            if gebiet_id:
                scope = matcher.by_id[gebiet_id].akg_code or "" if gebiet_id in matcher.by_id else ""
        if gebiet_id is None:
            continue
        for merkmal, col in columns:
            builder.add(zeile, column_letter(col), stichtag, gebiet_id, (merkmal,), row[col] if col < len(row) else None,
                        scope=scope)


_STATUS = {"elb": "elb", "erwerbsfaehigeleistungsberechtigte": "elb", "erwerbsfaehig": "elb",
           "nef": "nef", "nichterwerbsfaehigeleistungsberechtigte": "nef", "nichterwerbsfaehig": "nef"}


def _read_persons(table: Table, builder: CubeBuilder) -> None:
    """Personenzeilen je Gebiet zählen; gespeichert werden nur die Gebietssummen."""
    counts: dict[tuple[dt.date, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(MERKMALE, 0))
    households: dict[tuple[dt.date, str], set[str]] = defaultdict(set)
    single_parents: dict[tuple[dt.date, str], set[str]] = defaultdict(set)
    seen_persons: dict[tuple[dt.date, str], int] = {}
    letter = {name: column_letter(col) for name, col in table.columns.items()}
    # Spalten direkt über ihre Stelle (je Person eine Zeile: das ist die längste Tabelle aller Quellen)
    width = max(table.columns.values()) + 1
    fehlt = width  # Stelle einer fehlenden Spalte: immer None (Zeilen werden auf width + 1 aufgefüllt)
    i_stichtag, i_gebiet, i_person, i_bg, i_alter, i_status, i_allein = (
        table.columns.get(name, fehlt) for name in
        ("stichtag", "gebiet", "person_nummer", "bg_nummer", "alter", "status", "alleinerziehend"))
    padding = [None] * (width + 1)
    ja = {"ja", "j", "1", "x", "wahr"}
    rows = 0
    for zeile, row in table.data_rows():
        if len(row) <= width:
            row = row + padding[: width + 1 - len(row)]
        stichtag = builder.stichtag(row[i_stichtag], zeile, letter.get("stichtag"))
        if stichtag is None:
            continue
        gebiet_id = builder.gebiet(row[i_gebiet], zeile, letter["gebiet"], stichtag)
        if gebiet_id is None:
            continue
        if gebiet_id == TOTAL:
            builder.quarantine(zeile, letter["gebiet"], "Summenzeile in Personendatensätzen nicht erwartet")
            continue
        person = code_text(row[i_person])
        bg = code_text(row[i_bg])
        if not person or not bg:
            builder.quarantine(zeile, letter["person_nummer" if not person else "bg_nummer"],
                               "Person-Nummer oder BG-Nummer fehlt")
            continue
        if (stichtag, person) in seen_persons:
            builder.quarantine(zeile, letter["person_nummer"],
                               f"Person-Nummer doppelt (schon in Zeile {seen_persons[(stichtag, person)]}); die erste gilt")
            continue
        try:
            age = parse_count(row[i_alter]).value
        except CellError as exc:
            builder.quarantine(zeile, letter["alter"], f"Alter: {exc}")
            continue
        if age is None or age > 120:
            builder.quarantine(zeile, letter["alter"], "Alter fehlt oder ist größer als 120")
            continue
        status = _STATUS.get(norm(row[i_status]))
        if status is None and is_blank(row[i_status]):
            builder.quarantine(zeile, letter["status"], "Status fehlt (erwartet ELB oder NEF)")
            continue
        seen_persons[(stichtag, person)] = zeile
        rows += 1
        key = (stichtag, gebiet_id)
        cell = counts[key]
        cell["leistungsberechtigte"] += 1
        if status:
            cell[status] += 1
        if status == "nef" and age < 15:
            cell["nef_u15"] += 1
        if age < 18:
            cell["lb_u18"] += 1
        households[key].add(bg)
        if norm(row[i_allein]) in ja:
            single_parents[key].add(bg)
    for (stichtag, gebiet_id), cell in sorted(counts.items()):
        cell["bedarfsgemeinschaften"] = len(households[(stichtag, gebiet_id)])
        cell["bg_alleinerziehend"] = len(single_parents[(stichtag, gebiet_id)])
        for merkmal in MERKMALE:
            builder.add_number(None, None, stichtag, gebiet_id, (merkmal,), cell[merkmal])
    builder.result.meldungen.append(
        f"{rows} Personenzeilen zu {len(counts)} Gebieten zusammengefasst; Personenzeilen werden nicht gespeichert."
    )
