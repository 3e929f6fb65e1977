"""SGB II (`sgb2`) in drei Layouts (architektur.md §5.2).

- aggregiert: eine Zeile je Gebiet, Spalten Bedarfsgemeinschaften, Leistungsberechtigte, ELB, NEF, …
- AkG-Layout der Bundesagentur für Arbeit: Berichtsmonat, Gemeindeschlüssel, 9-stelliger Gebietsschlüssel
  (über `akg_code` der Gebietsgliederung), Gebietsname, Variablen; Schlüssel mit `SUM` sind Summenzeilen,
  „keine Angabe“ wird das Pseudo-Gebiet „ohne Zuordnung“ der Gemeinde.
- pseudonymisierte Personendatensätze: werden beim Lesen je Gebiet gezählt; Personenzeilen werden nicht
  gespeichert (Datensparsamkeit), die Originaldatei bleibt im Archiv.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter, defaultdict

from sozial_dwh.parsing import CellError, code_text, is_blank, norm, parse_count, parse_month_end
from sozial_dwh.readers.table import BAD, Layout, MixedTypes, Table, codes, map_values, runs
from sozial_dwh.readers.workbook import column_letter
from sozial_dwh.sources.cube import TOTAL, CubeBuilder, LayoutReader
from sozial_dwh.vokabular import SGB2_MERKMALE

MERKMALE = SGB2_MERKMALE
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
            builder.check_stichtag(stichtag, zeile, column_letter(table.columns["berichtsmonat"]))
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
    """Personenzeilen je Gebiet zählen; gespeichert werden nur die Gebietssummen.

    Spaltenweise wie das Langformat der Bevölkerung (`Table.blocks`): jeder verschiedene Wert einer Spalte wird
    einmal ausgewertet, glatte Zeilen werden in einem Zug gezählt; auffällige Zeilen (fehlende Nummern, doppelte
    Personen, unlesbares Alter …) gehen einzeln über `row`, den genauen Weg mit Meldung und Fundstelle.
    """
    counts: dict[tuple[dt.date, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(MERKMALE, 0))
    households: dict[tuple[dt.date, str], set[str]] = defaultdict(set)
    single_parents: dict[tuple[dt.date, str], set[str]] = defaultdict(set)
    seen_persons: dict[tuple[dt.date, str], int] = {}
    letter = {name: column_letter(col) for name, col in table.columns.items()}
    fehlt = table.width  # Stelle einer fehlenden Spalte: immer None (`Table.fit`, `Block.column`)
    i_stichtag, i_gebiet, i_person, i_bg, i_alter, i_status, i_allein = (
        table.columns.get(name, fehlt) for name in
        ("stichtag", "gebiet", "person_nummer", "bg_nummer", "alter", "status", "alleinerziehend"))
    gezaehlt = 0

    def row(zeile: int, row: list[object]) -> None:
        nonlocal gezaehlt
        row = table.fit(row)
        stichtag = builder.stichtag(row[i_stichtag], zeile, letter.get("stichtag"))
        if stichtag is None:
            return
        gebiet_id = builder.gebiet(row[i_gebiet], zeile, letter["gebiet"], stichtag)
        if gebiet_id is None:
            return
        if gebiet_id == TOTAL:
            builder.quarantine(zeile, letter["gebiet"], "Summenzeile in Personendatensätzen nicht erwartet")
            return
        person = code_text(row[i_person])
        bg = code_text(row[i_bg])
        if not person or not bg:
            builder.quarantine(zeile, letter["person_nummer" if not person else "bg_nummer"],
                               "Person-Nummer oder BG-Nummer fehlt")
            return
        if (stichtag, person) in seen_persons:
            builder.quarantine(zeile, letter["person_nummer"],
                               f"Person-Nummer doppelt (schon in Zeile {seen_persons[(stichtag, person)]}); die erste gilt")
            return
        try:
            age = parse_count(row[i_alter]).value
        except CellError as exc:
            builder.quarantine(zeile, letter["alter"], f"Alter: {exc}")
            return
        if age is None or age > MAX_ALTER:
            builder.quarantine(zeile, letter["alter"], f"Alter fehlt oder ist größer als {MAX_ALTER}")
            return
        status = _STATUS.get(norm(row[i_status]))
        if status is None and is_blank(row[i_status]):
            builder.quarantine(zeile, letter["status"], "Status fehlt (erwartet ELB oder NEF)")
            return
        seen_persons[(stichtag, person)] = zeile
        gezaehlt += 1
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
        if norm(row[i_allein]) in _JA:
            single_parents[key].add(bg)

    def zaehlen(stichtage: list, gebiete: list, personen: list, bgs: list, altersklassen: list, status: list,
                allein: list, zeilen: range) -> bool:
        """Glatte Zeilen in einem Zug zählen (wie `row`); False bei doppelten Personen-Nummern."""
        nonlocal gezaehlt
        wer = list(zip(stichtage, personen, strict=True))
        if len(set(wer)) != len(wer) or not seen_persons.keys().isdisjoint(wer):
            return False
        seen_persons.update(zip(wer, zeilen, strict=True))
        gezaehlt += len(wer)
        gruppen = Counter(zip(stichtage, gebiete, status, altersklassen, strict=True))
        for (stichtag, gebiet_id, art, klasse), anzahl in gruppen.items():
            cell = counts[(stichtag, gebiet_id)]
            cell["leistungsberechtigte"] += anzahl
            if art:
                cell[art] += anzahl
            if art == "nef" and klasse == UNTER_15:
                cell["nef_u15"] += anzahl
            if klasse != AB_18:
                cell["lb_u18"] += anzahl
        for stichtag, gebiet_id, bg in set(zip(stichtage, gebiete, bgs, strict=True)):
            households[(stichtag, gebiet_id)].add(bg)
        for stichtag, gebiet_id, bg in set(itertools.compress(zip(stichtage, gebiete, bgs, strict=True), allein)):
            single_parents[(stichtag, gebiet_id)].add(bg)
        return True

    caches: list[dict] = [{} for _ in range(5)]
    for block in table.blocks():
        try:
            stichtage = builder.stichtage_of(block, table.columns.get("stichtag"), caches[0])
            gebiete = builder.gebiete_of(block.column(i_gebiet), stichtage, caches[1])
            personen = codes(block.column(i_person))
            bgs = codes(block.column(i_bg))
            altersklassen = map_values(block.column(i_alter), _altersklasse_or_bad, caches[2])
            status = map_values(block.column(i_status), _status_or_bad, caches[3])
            allein = map_values(block.column(i_allein), lambda v: norm(v) in _JA, caches[4])
        except MixedTypes:
            ok = [False] * len(block)
        else:
            ok = [BAD not in values
                  for values in zip(stichtage, gebiete, personen, bgs, altersklassen, status, strict=True)]
        zeilen = block.zeilen
        for glatt, a, b in runs(ok):
            if glatt and zaehlen(stichtage[a:b], gebiete[a:b], personen[a:b], bgs[a:b], altersklassen[a:b],
                                 status[a:b], allein[a:b], zeilen[a:b]):
                continue
            for offset in range(a, b):
                found = block.row(offset)
                if found is not None:
                    row(*found)
    # Ohne Spalte „Alleinerziehend“ ist die Zahl der Alleinerziehenden-BG unbekannt, nicht 0 (architektur.md §5.1)
    allein_geliefert = "alleinerziehend" in table.columns
    for (stichtag, gebiet_id), cell in sorted(counts.items()):
        cell["bedarfsgemeinschaften"] = len(households[(stichtag, gebiet_id)])
        cell["bg_alleinerziehend"] = len(single_parents[(stichtag, gebiet_id)]) if allein_geliefert else None
        for merkmal in MERKMALE:
            builder.add_number(None, None, stichtag, gebiet_id, (merkmal,), cell[merkmal],
                               None if cell[merkmal] is not None else NICHT_GELIEFERT)
    if not allein_geliefert:
        builder.result.meldungen.append(
            "Hinweis: Spalte „Alleinerziehend“ fehlt; die Zahl der Bedarfsgemeinschaften von Alleinerziehenden ist "
            "damit unbekannt (nicht 0), der Indikator dazu bleibt leer.")
    builder.result.meldungen.append(
        f"{gezaehlt} Personenzeilen zu {len(counts)} Gebieten zusammengefasst; Personenzeilen werden nicht gespeichert."
    )


MAX_ALTER = 120
NICHT_GELIEFERT = "nicht_geliefert"  # Spalte fehlt in der Lieferung: Wert unbekannt
_JA = {"ja", "j", "1", "x", "wahr"}


UNTER_15, UNTER_18, AB_18 = 0, 1, 2


def _altersklasse_or_bad(value: object) -> object:
    """Nur was gezählt wird: unter 15, 15 bis 17, ab 18 (BAD wie in `row`: unlesbar, leer, über MAX_ALTER)."""
    try:
        age = parse_count(value).value
    except CellError:
        return BAD
    if age is None or age > MAX_ALTER:
        return BAD
    return UNTER_15 if age < 15 else UNTER_18 if age < 18 else AB_18


def _status_or_bad(value: object) -> object:
    status = _STATUS.get(norm(value))
    return BAD if status is None and is_blank(value) else status
