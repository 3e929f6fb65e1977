"""Bevölkerung (`bevoelkerung`) in beiden Layouts lesen (architektur.md §5.2).

- lang: eine Zeile je Würfelzelle (`Gebiet`, `Alter` oder `Altersgruppe`, optional `Geschlecht`,
  `Staatsangehörigkeit`, `Migrationshintergrund`, `Anzahl`); fehlende Merkmale = „insgesamt“.
- breit („Strukturtabelle“): eine Zeile je Gebiet, jede Spalte ist eine Würfelzelle.

Ergebnis sind Zellen des Würfels mit expliziten Ausprägungen (`insgesamt` ist ein Wert) und
Altersgrenzen `alter_von`/`alter_bis` (inklusive, `alter_bis` None = offen).
"""

from __future__ import annotations

from collections.abc import Callable

from sozial_dwh.parsing import (
    ALL_AGES,
    INSGESAMT,
    AgeBand,
    CellError,
    is_blank,
    parse_age,
    parse_category,
    parse_count,
)
from sozial_dwh.readers.table import BAD, Layout, MixedTypes, Table, map_values, runs
from sozial_dwh.readers.workbook import FileRejected, column_letter
from sozial_dwh.sources.cube import CubeBuilder, LayoutReader
from sozial_dwh.sources.zellen import CellStore, lesen_sql

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


LAYOUTS = [
    Layout("lang", LONG_COLUMNS, LONG_REQUIRED),
    Layout("breit", WIDE_COLUMNS, WIDE_REQUIRED, accept=lambda table: bool(_age_columns(table))),
]
DIMS = ("alter_von", "alter_bis", "geschlecht", "staatsangehoerigkeit", "migrationshintergrund")


class BevoelkerungReader(LayoutReader):
    quelle = "bevoelkerung"
    raw_tables = ("raw.bevoelkerung",)
    layouts = LAYOUTS
    titel = "Bevölkerung"
    dims = DIMS

    def __init__(self) -> None:
        self.handlers = {"lang": _read_long, "breit": _read_wide}

    def describe(self, key: tuple) -> str:
        return _describe(key)


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


def _describe(key: tuple) -> str:
    von, bis, geschlecht, staat, migration = key
    parts = ["alle Alter" if (von, bis) == (0, None) else f"Alter {AgeBand(von, bis).label()}"]
    parts += [f"{name} {value}" for name, value in
              (("Geschlecht", geschlecht), ("Staatsangehörigkeit", staat), ("Migrationshintergrund", migration))
              if value != INSGESAMT]
    return ", ".join(parts)


_CATEGORY_DIMS = ("geschlecht", "staatsangehoerigkeit", "migrationshintergrund")


def _read_long(table: Table, builder: CubeBuilder) -> None:
    """Langformat: eine Zeile je Würfelzelle, oft Zehntausende – spaltenweise gelesen (`Table.blocks`).

    Jeder verschiedene Wert einer Spalte wird einmal ausgewertet; Zeilen, die glatt aufgehen, kommen in einem
    Zug in den Würfel. Alle übrigen (Fußnoten, Summenzeilen, DIN-Zeichen, unbekannte Gebiete …) gehen einzeln
    über `row`, den genauen Weg mit Meldung und Fundstelle. Doppelte Zellen und Randsummen prüft SQL im
    Zellspeicher über die ganze Datei (`CubeBuilder.settle`, `_check_long_margins`); in Python liegt nie mehr
    als ein Block.
    """
    letters = {name: column_letter(index) for name, index in table.columns.items()}
    age_column = "alter" if "alter" in table.columns else "altersgruppe"
    count_letter = letters["anzahl"]
    absent = table.width  # fehlende Spalten zeigen auf die Stelle `width`: immer None (`Table.fit`)
    i_stichtag, i_gebiet, i_age, i_anzahl, *i_dims = (
        table.columns.get(name, absent) for name in ("stichtag", "gebiet", age_column, "anzahl", *_CATEGORY_DIMS))
    # Merkmale je Zeile: Alter und Ausprägungen wiederholen sich in jeder Zeile, gelesen wird jede Form einmal
    keys: dict[tuple, tuple] = {}

    def parse_key(raw: tuple) -> tuple | None:
        """(von, bis, Geschlecht, Staatsangehörigkeit, Migration) oder None; wirft CellError."""
        age_value = raw[0]
        band = ALL_AGES if is_blank(age_value) else parse_age(age_value)
        if band is None:
            return None
        categories = [parse_category(dim, cell) for dim, cell in zip(_CATEGORY_DIMS, raw[1:], strict=True)]
        return (band.von, band.bis, *categories)

    def band_or_bad(value: object) -> object:
        band = ALL_AGES if is_blank(value) else parse_age(value)
        return BAD if band is None else band

    def category_or_bad(dim: str) -> Callable[[object], object]:
        def parse(value: object) -> object:
            try:
                return parse_category(dim, value)
            except CellError:
                return BAD
        return parse

    def row(zeile: int, row: list[object]) -> None:
        row = table.fit(row)
        stichtag = builder.stichtag(row[i_stichtag], zeile, letters.get("stichtag"))
        if stichtag is None:
            return
        gebiet_id = builder.gebiet(row[i_gebiet], zeile, letters["gebiet"], stichtag)
        if gebiet_id is None:
            return
        raw = (row[i_age], row[i_dims[0]], row[i_dims[1]], row[i_dims[2]])
        try:
            key = keys.get(raw)
        except TypeError:  # nicht hashbarer Zellwert
            key = None
        if key is None:
            try:
                key = parse_key(raw)
            except CellError as exc:
                builder.quarantine(zeile, None, str(exc))
                return
            if key is None:
                builder.quarantine(zeile, letters[age_column],
                                   "Altersangabe nicht lesbar (erwartet z. B. 17, 100+, 0-2, unter 3, 75 und älter)",
                                   raw[0])
                return
            try:
                keys[raw] = key
            except TypeError:
                pass
        builder.add(zeile, count_letter, stichtag, gebiet_id, key, row[i_anzahl])

    # je Spalte: Zellwert -> Ergebnis (Stichtag, Gebiet, Altersband, Ausprägungen, Anzahl)
    caches: dict[str, dict] = {name: {} for name in ("stichtag", "gebiet", "band", *_CATEGORY_DIMS, "anzahl")}
    for block in table.blocks():
        try:
            stichtage = builder.stichtage_of(block, table.columns.get("stichtag"), caches["stichtag"])
            gebiete = builder.gebiete_of(block.column(i_gebiet), stichtage, caches["gebiet"])
            baender = map_values(block.column(i_age), band_or_bad, caches["band"])
            kategorien = [map_values(block.column(i), category_or_bad(dim), caches[dim])
                          for dim, i in zip(_CATEGORY_DIMS, i_dims, strict=True)]
            werte = map_values(block.column(i_anzahl), builder.anzahl_or_bad, caches["anzahl"])
        except MixedTypes:
            ok = [False] * len(block)
        else:
            ok = [BAD not in values for values in zip(stichtage, gebiete, baender, *kategorien, werte, strict=True)]
        zeilen = block.zeilen
        for glatt, a, b in runs(ok):
            if glatt:
                teil = baender[a:b]
                merkmale = [[band.von for band in teil], [band.bis for band in teil], *(k[a:b] for k in kategorien)]
                builder.add_cells(zeilen[a:b], count_letter, stichtage[a:b], gebiete[a:b], merkmale, werte[a:b])
                continue
            for offset in range(a, b):
                found = block.row(offset)
                if found is not None:
                    row(*found)
    _check_long_margins(builder)


MAX_MARGIN_WARNINGS = 20
# Merkmal -> (Ausprägungen, die mindestens da sein müssen; Bezeichnung der Teile für die Meldung)
_PARTS = {"geschlecht": (("m", "w"), "männlich + weiblich (+ divers)"),
          "staatsangehoerigkeit": (("deutsch", "nichtdeutsch"), "deutsch + nichtdeutsch"),
          "migrationshintergrund": (("ja", "nein"), "mit + ohne Migrationshintergrund")}


def _check_long_margins(builder: CubeBuilder) -> None:
    """Langformat: gelieferte Zeilen „insgesamt“ gegen die Summe ihrer Teile prüfen, wie im breiten Layout.

    Alle Alter gegen lückenlose Altersgruppen; Geschlecht, Staatsangehörigkeit, Migrationshintergrund
    „insgesamt“ gegen ihre Ausprägungen (m + w [+ d] usw.). Ein Teil mit gesperrtem Wert macht keine Aussage.
    Abweichungen sind Warnungen mit Zeile; geladen werden die gelieferten Werte. Gerechnet wird in SQL im
    Zellspeicher (sql/lesen/bevoelkerung_randsummen.sql), nach dem Entfernen doppelter Zellen.
    """
    store = builder.settle()
    if store is None or not _margins_possible(store):
        return
    cursor = store.execute(lesen_sql("bevoelkerung_randsummen"), {
        "insgesamt": INSGESAMT, "hoechstens": MAX_MARGIN_WARNINGS,
        **{f"teile_{dim}": list(required) for dim, (required, _) in _PARTS.items()}})
    names = [column[0] for column in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    teile = ["die Altersgruppen", *(label for _, label in _PARTS.values())]
    for r in rows:
        wo = f"Zeile {r['zeile']}" if r["zeile"] else "eine Zeile"
        key = (r["alter_von"], r["alter_bis"], r["geschlecht"], r["staatsangehoerigkeit"], r["migrationshintergrund"])
        builder.result.meldungen.append(
            f"Warnung: {wo} (Gebiet {r['gebiet_id']}, {_describe(key)}) nennt insgesamt {r['wert']:.0f}, "
            f"{teile[r['pruefung'] - 1]} ergeben {r['summe']:.0f}. Die gelieferten Werte werden geladen; "
            "bitte die Quelle prüfen.")
    weitere = (rows[0]["abweichungen"] if rows else 0) - MAX_MARGIN_WARNINGS
    if weitere > 0:
        builder.result.meldungen.append(f"… und {weitere} weitere Abweichungen.")


def _margins_possible(store: CellStore) -> bool:
    """Gibt es überhaupt ein Merkmal mit „insgesamt“ und Teilen? Meist nicht (z. B. nur einzelne Altersjahre nach
    Geschlecht): dann entfällt die Abfrage über alle Zellen."""
    ganz = "alter_von = 0 and alter_bis is null"
    teile = [f"bool_or({ganz}) and bool_or(not ({ganz}))",
             *(f"bool_or({dim} = $insgesamt) and bool_or({dim} <> $insgesamt)" for dim in _PARTS)]
    return bool(store.execute(f"select {' or '.join(teile)} from zellen", {"insgesamt": INSGESAMT}).fetchall()[0][0])


def _read_wide(table: Table, builder: CubeBuilder) -> None:
    ages = _age_columns(table)
    doppelt: dict[AgeBand, list[int]] = {}
    for col, band in ages.items():
        doppelt.setdefault(band, []).append(col)
    for band, cols in doppelt.items():
        if len(cols) > 1:
            raise FileRejected(
                f"Altersgruppe {band.label()} steht in mehreren Spalten: "
                + " und ".join(f"{column_letter(c)} („{str(table.headers[c]).replace(chr(10), ' ')}“)" for c in cols)
                + f" (Blatt „{table.sheet.name}“, Kopfzeile {table.header_row}). Welche gilt, wird nicht geraten. "
                "Bitte die überzählige Spalte löschen – auch ausgeblendete Spalten zählen."
            )
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
            builder.add(zeile, column_letter(col), stichtag, gebiet_id, (band.von, band.bis, geschlecht, staat, migration), value)
        _check_row_parts(builder, zeile, row, table, ages)


def _check_row_parts(builder: CubeBuilder, zeile: int, row: list[object], table: Table, ages: dict[int, AgeBand]) -> None:
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
