"""Bevölkerung (`bevoelkerung`) in beiden Layouts lesen (DESIGN §5.2).

- lang: eine Zeile je Würfelzelle (`Gebiet`, `Alter` oder `Altersgruppe`, optional `Geschlecht`,
  `Staatsangehörigkeit`, `Migrationshintergrund`, `Anzahl`); fehlende Merkmale = „insgesamt“.
- breit („Strukturtabelle“): eine Zeile je Gebiet, jede Spalte ist eine Würfelzelle.

Ergebnis sind Zellen des Würfels mit expliziten Ausprägungen (`insgesamt` ist ein Wert) und
Altersgrenzen `alter_von`/`alter_bis` (inklusive, `alter_bis` None = offen).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sozial_dwh.parsing import (
    ALL_AGES,
    INSGESAMT,
    AgeBand,
    CellError,
    code_text,
    is_blank,
    is_total_label,
    norm,
    parse_age,
    parse_category,
    parse_count,
    parse_date,
)
from sozial_dwh.readers.table import Table, find_header
from sozial_dwh.readers.workbook import FileRejected, Sheet, column_letter
from sozial_dwh.reference import OHNE_ZUORDNUNG_LABELS, ohne_zuordnung_id
from sozial_dwh.sources.base import ReadContext, ReadResult

LONG_COLUMNS = ["gebiet", "alter", "altersgruppe", "geschlecht", "staatsangehoerigkeit", "migrationshintergrund",
                "anzahl", "stichtag"]
LONG_REQUIRED = [["gebiet"], ["alter", "altersgruppe"], ["anzahl"]]
WIDE_COLUMNS = ["gebiet", "insgesamt", "maennlich", "weiblich", "divers", "auslaender", "deutsche",
                "mit_migrationshintergrund", "ohne_migrationshintergrund", "stichtag"]
WIDE_REQUIRED = [["gebiet"], ["insgesamt"]]

# Breite Spalten -> (Geschlecht, Staatsangehörigkeit, Migrationshintergrund); Alter jeweils insgesamt.
WIDE_CELLS: dict[str, tuple[str, str, str]] = {
    "insgesamt": (INSGESAMT, INSGESAMT, INSGESAMT),
    "maennlich": ("m", INSGESAMT, INSGESAMT),
    "weiblich": ("w", INSGESAMT, INSGESAMT),
    "divers": ("d", INSGESAMT, INSGESAMT),
    "auslaender": (INSGESAMT, "nichtdeutsch", INSGESAMT),
    "deutsche": (INSGESAMT, "deutsch", INSGESAMT),
    "mit_migrationshintergrund": (INSGESAMT, INSGESAMT, "ja"),
    "ohne_migrationshintergrund": (INSGESAMT, INSGESAMT, "nein"),
}

CubeKey = tuple[dt.date, int, int | None, str, str, str]  # ohne Gebiet


class BevoelkerungReader:
    quelle = "bevoelkerung"
    raw_table = "raw.bevoelkerung"

    def _find(self, sheets: list[Sheet]) -> tuple[str, Table] | None:
        for sheet in sheets:
            if norm(sheet.name) == "info":
                continue
            table = find_header(sheet, LONG_COLUMNS, LONG_REQUIRED)
            if table:
                return "lang", table
            table = find_header(sheet, WIDE_COLUMNS, WIDE_REQUIRED)
            if table and _age_columns(table):
                return "breit", table
        return None

    def matches(self, sheets: list[Sheet]) -> bool:
        return self._find(sheets) is not None

    def read(self, sheets: list[Sheet], ctx: ReadContext) -> ReadResult:
        found = self._find(sheets)
        if found is None:
            raise FileRejected(
                "Keine Bevölkerungstabelle gefunden. Erwartet wird eine Kopfzeile mit „Gebiet“, „Alter“ oder "
                "„Altersgruppe“ und „Anzahl“ (langes Layout) oder mit „Gebiet“, „Insgesamt“ und Altersgruppen-"
                "Spalten (Strukturtabelle). Vorlage: `sozial-dwh templates`."
            )
        layout, table = found
        builder = _CubeBuilder(table.sheet.name, ctx)
        if layout == "lang":
            _read_long(table, builder)
        else:
            _read_wide(table, builder)
        builder.finish()
        builder.result.meldungen.insert(
            0, f"Blatt „{table.sheet.name}“, Kopfzeile {table.header_row}, Layout {layout}: "
               f"{len(builder.result.records)} Zellen gelesen."
        )
        return builder.result


def _age_columns(table: Table) -> dict[int, AgeBand]:
    used = set(table.columns.values())
    ages = {}
    for col, header in enumerate(table.headers):
        if col in used or is_blank(header):
            continue
        band = parse_age(header if isinstance(header, str) else None)
        if band is not None and band != ALL_AGES:
            ages[col] = band
    return ages


class _CubeBuilder:
    """Sammelt Würfelzellen einer Datei, erkennt Doppelte und prüft Summenzeilen."""

    def __init__(self, blatt: str, ctx: ReadContext):
        self.blatt = blatt
        self.ctx = ctx
        self.result = ReadResult()
        self.seen: dict[tuple, int] = {}
        self.totals: dict[CubeKey, tuple[int, float | None]] = {}

    def stichtag(self, value: object, zeile: int, spalte: str | None) -> dt.date | None:
        if is_blank(value):
            if self.ctx.stichtag is None:
                raise FileRejected(
                    "Stichtag unbekannt: weder ein Blatt „Info“ mit „Stichtag“, noch ein Dateiname wie "
                    "„bevoelkerung_2022-12-31.xlsx“, noch eine Spalte „Stichtag“. Bitte eines davon ergänzen."
                )
            return self.ctx.stichtag
        try:
            day = parse_date(value)
        except CellError as exc:
            self.result.quarantine_row(self.blatt, zeile, spalte, str(exc), value)
            return None
        return day

    def gebiet(self, value: object, zeile: int, spalte: str, stichtag: dt.date) -> str | None:
        """Gebietsschlüssel, "" für Summenzeilen, None bei Quarantäne."""
        if is_total_label(value):
            return ""
        if norm(value) in OHNE_ZUORDNUNG_LABELS:
            gemeinde = self.ctx.gemeinde or (next(iter(self.ctx.matcher.gemeinden)) if len(self.ctx.matcher.gemeinden) == 1 else None)
            if gemeinde is None:
                self.result.quarantine_row(self.blatt, zeile, spalte,
                                           "„ohne Zuordnung“, aber die Gemeinde ist unklar (Info-Blatt „Gemeinde“ ergänzen)", value)
                return None
            return ohne_zuordnung_id(gemeinde)
        if is_blank(value):
            self.result.quarantine_row(self.blatt, zeile, spalte, "Gebiet fehlt", value)
            return None
        match = self.ctx.matcher.match(value, stichtag)
        if match.gebiet_id is None:
            self.result.quarantine_row(self.blatt, zeile, spalte, match.problem or "Gebiet unbekannt", code_text(value))
            return None
        return match.gebiet_id

    def add(self, zeile: int, spalte: str, stichtag: dt.date, gebiet_id: str, band: AgeBand,
            geschlecht: str, staat: str, migration: str, raw_value: object) -> None:
        try:
            number = parse_count(raw_value)
        except CellError as exc:
            self.result.quarantine_row(self.blatt, zeile, spalte, f"Anzahl: {exc}", raw_value)
            return
        if number.kennzeichen == "leer":
            return  # leere Zelle: keine Angabe geliefert
        key_wo_gebiet: CubeKey = (stichtag, band.von, band.bis, geschlecht, staat, migration)
        if gebiet_id == "":
            self.totals[key_wo_gebiet] = (zeile, number.value)
            return
        key = (gebiet_id, *key_wo_gebiet)
        if key in self.seen:
            self.result.quarantine_row(
                self.blatt, zeile, spalte,
                f"Dieselbe Zelle steht doppelt in der Datei (schon in Zeile {self.seen[key]}); die erste gilt", raw_value,
            )
            return
        self.seen[key] = zeile
        self.result.stichtage.add(stichtag)
        gemeinde = self.ctx.matcher.gemeinde_of(gebiet_id)
        if gemeinde:
            self.result.gemeinden.add(gemeinde)
        self.result.records.append({
            "blatt": self.blatt, "zeile": zeile, "spalte": spalte, "stichtag": stichtag, "gebiet_id": gebiet_id,
            "alter_von": band.von, "alter_bis": band.bis, "geschlecht": geschlecht,
            "staatsangehoerigkeit": staat, "migrationshintergrund": migration,
            "anzahl": None if number.value is None else int(number.value), "kennzeichen": number.kennzeichen,
        })

    def finish(self) -> None:
        if not self.result.records and not self.result.quarantine:
            raise FileRejected("Die Tabelle hat eine Kopfzeile, aber keine Datenzeilen.")
        future = sorted(d for d in self.result.stichtage if d > self.ctx.heute)
        if future:
            raise FileRejected(
                f"Stichtag {future[0]:%d.%m.%Y} liegt in der Zukunft. Bitte Stichtag im Info-Blatt, "
                "Dateinamen oder in der Spalte „Stichtag“ korrigieren."
            )
        sums: dict[CubeKey, float] = defaultdict(float)
        incomplete: set[CubeKey] = set()
        for record in self.result.records:
            key = (record["stichtag"], record["alter_von"], record["alter_bis"], record["geschlecht"],
                   record["staatsangehoerigkeit"], record["migrationshintergrund"])
            if record["anzahl"] is None:
                incomplete.add(key)
            else:
                sums[key] += record["anzahl"]
        for key, (zeile, value) in sorted(self.totals.items(), key=lambda item: item[1][0]):
            if value is None or key in incomplete or value == sums.get(key, 0):
                continue
            self.result.meldungen.append(
                f"Warnung: Summenzeile {zeile} ({_describe(key)}) nennt {_de(value)}, die Gebiete ergeben "
                f"{_de(sums.get(key, 0))}. Die Gebietswerte werden geladen; bitte die Quelle prüfen."
            )


def _de(value: float) -> str:
    """Ganze Zahl mit deutschem Tausenderpunkt."""
    return f"{value:,.0f}".replace(",", ".")


def _describe(key: CubeKey) -> str:
    _, von, bis, geschlecht, staat, migration = key
    parts = ["alle Alter" if (von, bis) == (0, None) else f"Alter {AgeBand(von, bis).label()}"]
    parts += [f"{name} {value}" for name, value in
              (("Geschlecht", geschlecht), ("Staatsangehörigkeit", staat), ("Migrationshintergrund", migration))
              if value != INSGESAMT]
    return ", ".join(parts)


def _read_long(table: Table, builder: _CubeBuilder) -> None:
    letters = {name: column_letter(index) for name, index in table.columns.items()}
    age_column = "alter" if "alter" in table.columns else "altersgruppe"
    count_letter = letters["anzahl"]
    for zeile, row in table.data_rows():
        stichtag = builder.stichtag(table.value(row, "stichtag"), zeile, letters.get("stichtag"))
        if stichtag is None:
            continue
        gebiet_id = builder.gebiet(table.value(row, "gebiet"), zeile, letters["gebiet"], stichtag)
        if gebiet_id is None:
            continue
        age_value = table.value(row, age_column)
        band = ALL_AGES if is_blank(age_value) else parse_age(age_value)
        if band is None:
            builder.result.quarantine_row(builder.blatt, zeile, letters[age_column],
                                          "Altersangabe nicht lesbar (erwartet z. B. 17, 100+, 0-2, unter 3, 75 und älter)",
                                          age_value)
            continue
        try:
            categories = [parse_category(dim, table.value(row, dim))
                          for dim in ("geschlecht", "staatsangehoerigkeit", "migrationshintergrund")]
        except CellError as exc:
            builder.result.quarantine_row(builder.blatt, zeile, None, str(exc))
            continue
        builder.add(zeile, count_letter, stichtag, gebiet_id, band, *categories, table.value(row, "anzahl"))


def _read_wide(table: Table, builder: _CubeBuilder) -> None:
    ages = _age_columns(table)
    cells = [(table.columns[name], WIDE_CELLS[name], ALL_AGES) for name in WIDE_CELLS if name in table.columns]
    cells += [(col, (INSGESAMT, INSGESAMT, INSGESAMT), band) for col, band in ages.items()]
    used = {col for col, _, _ in cells} | {table.columns["gebiet"]} | ({table.columns["stichtag"]} if "stichtag" in table.columns else set())
    ignored = [str(h).replace("\n", " ") for c, h in enumerate(table.headers) if c not in used and not is_blank(h)]
    if ignored:
        builder.result.meldungen.append(f"Hinweis: Spalten nicht verwendet: {', '.join(ignored)}.")
    gebiet_letter = column_letter(table.columns["gebiet"])
    for zeile, row in table.data_rows():
        stichtag = builder.stichtag(table.value(row, "stichtag"), zeile,
                                    column_letter(table.columns["stichtag"]) if "stichtag" in table.columns else None)
        if stichtag is None:
            continue
        gebiet_id = builder.gebiet(table.value(row, "gebiet"), zeile, gebiet_letter, stichtag)
        if gebiet_id is None:
            continue
        for col, (geschlecht, staat, migration), band in cells:
            value = row[col] if col < len(row) else None
            builder.add(zeile, column_letter(col), stichtag, gebiet_id, band, geschlecht, staat, migration, value)
        _check_row_parts(builder, zeile, row, table, ages)


def _check_row_parts(builder: _CubeBuilder, zeile: int, row: list[object], table: Table, ages: dict[int, AgeBand]) -> None:
    """Summenspalte „Insgesamt“ gegen ihre Teile (Geschlecht; lückenlose Altersgruppen) prüfen."""

    def count(col: int) -> float | None:
        try:
            return parse_count(row[col] if col < len(row) else None).value
        except CellError:
            return None

    total = count(table.columns["insgesamt"])
    if total is None:
        return
    groups = []
    sexes = [table.columns[n] for n in ("maennlich", "weiblich", "divers") if n in table.columns]
    if "maennlich" in table.columns and "weiblich" in table.columns:
        groups.append(("männlich + weiblich", sexes))
    if _tiles_all_ages(list(ages.values())):
        groups.append(("Summe der Altersgruppen", list(ages)))
    for label, cols in groups:
        values = [count(c) for c in cols]
        if any(v is None for v in values):
            continue
        if sum(values) != total:
            builder.result.meldungen.append(
                f"Warnung: Zeile {zeile}: Insgesamt = {total:.0f}, aber {label} = {sum(values):.0f}."
            )


def _tiles_all_ages(bands: list[AgeBand]) -> bool:
    """Decken die Bänder lückenlos und ohne Überschneidung 0 bis offen ab?"""
    expected = 0
    for band in sorted(bands, key=lambda b: b.von):
        if band.von != expected:
            return False
        if band.bis is None:
            return True
        expected = band.bis + 1
    return False
