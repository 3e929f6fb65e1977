"""Würfelzellen einer Datei sammeln – gemeinsam für alle Statistikquellen.

Eine Zelle ist (Stichtag, Gebiet, Merkmale …) -> Anzahl. Der Sammler
- ordnet Gebiete zu (unbekannt / nicht gültig am Stichtag -> Quarantäne),
- erkennt Summenzeilen und prüft sie gegen die Summe ihrer Teile,
- hält doppelte Zellen und unlesbare Anzahlen mit Fundstelle in Quarantäne zurück.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Callable, Sequence

from sozial_dwh.parsing import (
    CellError,
    code_text,
    is_blank,
    is_total_label,
    norm,
    parse_count,
    parse_date,
)
from sozial_dwh.readers.table import (
    BAD,
    Block,
    Layout,
    Table,
    find_layout,
    find_one_layout,
    layout_signature,
    map_values,
    missing_columns_message,
    reject_duplicate_columns,
)
from sozial_dwh.readers.workbook import FileRejected, Sheet, Sheets, hidden_sheets_of
from sozial_dwh.reference import OHNE_ZUORDNUNG_LABELS, OHNE_ZUORDNUNG_SUFFIX, ohne_zuordnung_id
from sozial_dwh.sources.base import ReadContext, ReadResult

TOTAL = ""  # Gebietsschlüssel einer Summenzeile


def de_int(value: float) -> str:
    """Ganze Zahl mit deutschem Tausenderpunkt."""
    return f"{value:,.0f}".replace(",", ".")


class LayoutReader:
    """Gemeinsamer Rahmen der Leser mit Tabellenlayouts: Erkennung an der Kopfzeile, Meldung fehlender
    Pflichtspalten, Würfelsammler je Layout. Unterklassen setzen `quelle`, `raw_tables`, `layouts`, `titel`,
    `dims`, `handlers` (Layoutname -> Funktion(table, builder)) und optional `describe`."""

    quelle: str
    raw_tables: tuple[str, ...]
    layouts: list[Layout]
    titel: str
    dims: tuple[str, ...] = ()
    einheit = "Zellen"
    handlers: dict[str, Callable]  # je Instanz gesetzt (Layoutname -> Funktion(table, builder))

    def describe(self, key: tuple) -> str:
        return ", ".join(f"{n} {v}" for n, v in zip(self.dims, key, strict=True))

    def matches(self, sheets: list[Sheet]) -> bool:
        return find_layout(sheets, self.layouts) is not None

    def signature(self, sheets: list[Sheet]) -> tuple[str, int] | None:
        return layout_signature(sheets, self.layouts)

    def find(self, sheets: list[Sheet], blatt: object = None) -> tuple[Layout, Table]:
        """Das Blatt mit der Tabelle; mehrdeutige Blätter oder doppelte Spalten lehnen die Datei ab."""
        found = find_one_layout(sheets, self.layouts, self.titel, blatt)
        if found is None:
            message = missing_columns_message(sheets, self.layouts, self.titel)
            note = hidden_sheets_of(sheets) and Sheets(hidden=hidden_sheets_of(sheets)).hidden_note()
            raise FileRejected(f"{message} {note}" if note else message)
        reject_duplicate_columns(found[1])
        return found

    def read(self, sheets: list[Sheet], ctx: ReadContext) -> ReadResult:
        layout, table = self.find(sheets, ctx.blatt)
        builder = CubeBuilder(self.raw_tables[0], table.sheet.name, ctx, self.dims, describe=self.describe)
        self.handlers[layout.name](table, builder)
        result = builder.finish()
        blatt = "" if ctx.dateiname.lower().endswith(".csv") else f"Blatt „{table.sheet.name}“, "  # CSV: keine Blätter
        result.meldungen.insert(0, f"{blatt}Kopfzeile {table.header_row}, Layout {layout.name}: "
                                   f"{len(result.records)} {self.einheit} gelesen.")
        return result


class CubeBuilder:
    """Sammelt die Zellen einer Datei in die Rohtabelle `table` mit den Merkmalsspalten `dims`."""

    def __init__(self, table: str, blatt: str, ctx: ReadContext, dims: tuple[str, ...],
                 describe: Callable[[tuple], str] | None = None):
        self.table = table
        self.blatt = blatt
        self.ctx = ctx
        self.dims = dims
        self.describe = describe or (lambda key: ", ".join(f"{n} {v}" for n, v in zip(dims, key, strict=True)))
        self.result = ReadResult()
        self.result.tables[table] = self._records = []
        self._columns = ("blatt", "zeile", "spalte", "stichtag", "gebiet_id", *dims, "anzahl", "kennzeichen")
        self.seen: dict[tuple, int] = {}
        # Summenzeilen: (Bereich, Stichtag, Merkmale) -> (Zeile, Wert); Bereich "" = alles
        self.totals: dict[tuple, tuple[int, float | None]] = {}
        self.scope_of: dict[str, str] = {}
        # zugeordnete Gebiete je (Angabe, Stichtag, Gemeinde): in Langformaten steht jedes Gebiet in vielen Zeilen
        self._gebiete: dict[tuple, str] = {}

    # --- Fundstellen -----------------------------------------------------------------------------

    def quarantine(self, zeile: int, spalte: str | None, grund: str, wert: object = None) -> None:
        self.result.quarantine_row(self.blatt, zeile, spalte, grund, wert)

    def stichtag(self, value: object, zeile: int, spalte: str | None) -> dt.date | None:
        if is_blank(value):
            if self.ctx.stichtag is None:
                raise FileRejected(
                    "Stichtag unbekannt: weder ein Blatt „Info“ mit „Stichtag“, noch ein Dateiname wie "
                    f"„{self.ctx.quelle or 'quelle'}_2022-12-31.xlsx“, noch eine Spalte „Stichtag“. "
                    "Bitte eines davon ergänzen."
                )
            return self.ctx.stichtag
        try:
            stichtag = parse_date(value)
        except CellError as exc:
            self.quarantine(zeile, spalte, str(exc), value)
            return None
        self.check_stichtag(stichtag, zeile, spalte)
        return stichtag

    def check_stichtag(self, stichtag: dt.date, zeile: int, spalte: str | None) -> None:
        """Ein Stichtag aus einer Spalte muss zu dem aus Blatt „Info“ oder Dateiname passen (DESIGN §5.1)."""
        if self.ctx.stichtag is not None and stichtag != self.ctx.stichtag:
            wo = f"Zeile {zeile}" + (f", Spalte {spalte}" if spalte else "")
            raise FileRejected(
                f"Stichtag widersprüchlich: {wo} nennt {stichtag:%d.%m.%Y}, {self.ctx.stichtag_herkunft or 'die Datei'} "
                f"nennt {self.ctx.stichtag:%d.%m.%Y}. Welcher gilt, wird nicht geraten: bitte die Spalte oder "
                f"{self.ctx.stichtag_herkunft or 'die Angabe'} berichtigen (eine Datei mit mehreren Stichtagen "
                "braucht einen Dateinamen ohne Datum und kein Stichtag im Blatt „Info“)."
            )

    def gebiet(self, value: object, zeile: int, spalte: str, stichtag: dt.date, gemeinde: str | None = None) -> str | None:
        """Gebietsschlüssel; TOTAL für Summenzeilen; None, wenn die Zeile in Quarantäne geht."""
        try:
            key = (value.__class__, value, stichtag, gemeinde)
            known = self._gebiete.get(key)
        except TypeError:  # nicht hashbarer Zellwert
            key, known = None, None
        if known is not None:
            return known
        gebiet_id = self._gebiet(value, zeile, spalte, stichtag, gemeinde)
        if gebiet_id is not None and key is not None:
            self._gebiete[key] = gebiet_id  # nur Treffer: eine Zeile in Quarantäne meldet ihren Grund jedes Mal
        return gebiet_id

    def _gebiet(self, value: object, zeile: int, spalte: str, stichtag: dt.date, gemeinde: str | None) -> str | None:
        if is_total_label(value):
            return TOTAL
        if norm(value) in OHNE_ZUORDNUNG_LABELS:
            gemeinde = gemeinde or self.ctx.gemeinde
            if gemeinde is None and len(self.ctx.matcher.gemeinden) == 1:
                gemeinde = next(iter(self.ctx.matcher.gemeinden))
            if gemeinde is None:
                self.quarantine(zeile, spalte, "„ohne Zuordnung“, aber die Gemeinde ist unklar "
                                "(Blatt „Info“ mit „Gemeinde“ ergänzen)", value)
                return None
            return ohne_zuordnung_id(gemeinde)
        if is_blank(value):
            self.quarantine(zeile, spalte, "Gebiet fehlt")
            return None
        match = self.ctx.matcher.match(value, stichtag)
        if match.gebiet_id is None:
            self.quarantine(zeile, spalte, match.problem or "Gebiet unbekannt", code_text(value))
            return None
        return match.gebiet_id

    # --- spaltenweise (lange Tabellen) -----------------------------------------------------------
    # Dieselben Regeln wie `stichtag`, `gebiet` und `add`, aber ohne Meldung: was nicht glatt aufgeht, ist BAD
    # und die Zeile geht einzeln über den genauen Weg (der meldet dann Grund und Fundstelle).

    def stichtage_of(self, block: Block, index: int | None, cache: dict) -> list:
        if index is None:
            if self.ctx.stichtag is None:
                return [BAD] * len(block)
            return [self.ctx.stichtag] * len(block)
        return map_values(block.column(index), self._stichtag_or_bad, cache)

    def _stichtag_or_bad(self, value: object) -> object:
        if is_blank(value):
            return BAD if self.ctx.stichtag is None else self.ctx.stichtag
        try:
            stichtag = parse_date(value)
        except CellError:
            return BAD
        return BAD if self.ctx.stichtag is not None and stichtag != self.ctx.stichtag else stichtag

    def gebiete_of(self, values: Sequence, stichtage: Sequence, cache: dict) -> list:
        """Gebietsschlüssel je Zeile (BAD: Zeile einzeln lesen). Die Gültigkeit hängt am Stichtag; meist hat die
        ganze Datei einen (Dateiname oder Blatt „Info“), dann genügt ein Zwischenspeicher je Stichtag."""
        if len(stichtage) and stichtage[0] is not BAD and stichtage.count(stichtage[0]) == len(stichtage):
            stichtag = stichtage[0]
            return map_values(values, lambda value: self._gebiet_or_bad((value, stichtag)),
                              cache.setdefault(stichtag, {}))
        return map_values(list(zip(values, stichtage, strict=True)), self._gebiet_or_bad, cache.setdefault(None, {}))

    def _gebiet_or_bad(self, pair: tuple) -> object:
        value, stichtag = pair
        if stichtag is BAD or is_blank(value) or is_total_label(value) or norm(value) in OHNE_ZUORDNUNG_LABELS:
            return BAD
        return self.ctx.matcher.match(value, stichtag).gebiet_id or BAD

    @staticmethod
    def anzahl_or_bad(value: object) -> object:
        """Ganze Zahl ≥ 0; leer, DIN-Zeichen und Fehler sind BAD (der genaue Weg kennt ihre Bedeutung)."""
        try:
            number = parse_count(value)
        except CellError:
            return BAD
        return BAD if number.value is None else int(number.value)

    def add_cells(self, zeilen: Sequence[int], spalte: str | None, stichtage: Sequence, gebiete: Sequence,
                  keys: Sequence[Sequence], werte: Sequence[int]) -> bool:
        """Viele Zellen auf einmal (wie `add_number` je Zelle). `keys` sind die Merkmalsspalten.

        False, wenn eine Zelle doppelt vorkäme (in sich oder mit schon gesammelten): dann nimmt der Aufrufer
        die Zeilen einzeln, damit die Quarantäne genau die spätere Zeile nennt.
        """
        cells = list(zip(gebiete, stichtage, *keys, strict=True))
        if len(set(cells)) != len(cells) or not self.seen.keys().isdisjoint(cells):
            return False
        self.seen.update(zip(cells, zeilen, strict=True))
        for gebiet_id in set(gebiete):
            if gebiet_id not in self.scope_of:
                gemeinde = self.ctx.matcher.gemeinde_of(gebiet_id)
                if gemeinde:
                    self.result.gemeinden.add(gemeinde)
            self.scope_of[gebiet_id] = ""
        self.result.stichtage.update(stichtage)
        repeat = itertools.repeat
        values = zip(repeat(self.blatt), zeilen, repeat(spalte), stichtage, gebiete, *keys, werte, repeat(None),
                     strict=False)  # repeat(): endlos
        self._records.extend(map(dict, map(zip, repeat(self._columns), values)))
        return True

    # --- Zellen ----------------------------------------------------------------------------------

    def add(self, zeile: int, spalte: str | None, stichtag: dt.date, gebiet_id: str, key: tuple,
            raw_value: object, scope: str = "") -> None:
        """Eine Zelle aufnehmen. `scope` begrenzt eine Summenzeile auf einen Teilbereich (AkG-Schlüssel)."""
        try:
            number = parse_count(raw_value)
        except CellError as exc:
            self.quarantine(zeile, spalte, f"Anzahl: {exc}", raw_value)
            return
        if number.kennzeichen == "leer":
            return  # leere Zelle: nichts geliefert
        if gebiet_id == TOTAL:
            self.totals[(scope, stichtag, *key)] = (zeile, number.value)
            return
        self.add_number(zeile, spalte, stichtag, gebiet_id, key, number.value, number.kennzeichen, scope)

    def add_number(self, zeile: int | None, spalte: str | None, stichtag: dt.date, gebiet_id: str, key: tuple,
                   value: float | None, kennzeichen: str | None = None, scope: str = "") -> None:
        cell = (gebiet_id, stichtag, *key)
        if cell in self.seen:
            self.quarantine(zeile or 0, spalte,
                            f"Dieselbe Zelle steht doppelt in der Datei (schon in Zeile {self.seen[cell]}); "
                            "die erste gilt", None if value is None else de_int(value))
            return
        self.seen[cell] = zeile or 0
        if gebiet_id not in self.scope_of:  # einmal je Gebiet: Gemeinde merken
            gemeinde = self.ctx.matcher.gemeinde_of(gebiet_id)
            if gemeinde:
                self.result.gemeinden.add(gemeinde)
        self.scope_of[gebiet_id] = scope
        self.result.stichtage.add(stichtag)
        self._records.append(dict(zip(self._columns, (self.blatt, zeile, spalte, stichtag, gebiet_id, *key,
                                                      None if value is None else int(value), kennzeichen),
                                      strict=True)))

    # --- Abschluss -------------------------------------------------------------------------------

    def finish(self) -> ReadResult:
        if not self.result.tables[self.table] and not self.result.quarantine:
            raise FileRejected("Die Tabelle hat eine Kopfzeile, aber keine Datenzeilen.")
        future = sorted(d for d in self.result.stichtage if d > self.ctx.heute)
        if future:
            raise FileRejected(
                f"Stichtag {future[0]:%d.%m.%Y} liegt in der Zukunft. Bitte den Stichtag im Blatt „Info“, "
                "im Dateinamen oder in der Spalte „Stichtag“ korrigieren."
            )
        self._check_totals()
        return self.result

    def _check_totals(self) -> None:
        if not self.totals:
            return
        sums: dict[tuple, float] = defaultdict(float)
        incomplete: set[tuple] = set()
        scopes = {key[0] for key in self.totals}
        for record in self.result.tables[self.table]:
            cell = (record["stichtag"], *(record[d] for d in self.dims))
            own = self.scope_of.get(record["gebiet_id"], "")
            for scope in scopes:
                if not own.startswith(scope):
                    continue
                if record["anzahl"] is None:
                    incomplete.add((scope, *cell))
                else:
                    sums[(scope, *cell)] += record["anzahl"]
        self._derive_unassigned(sums, incomplete)
        for key, (zeile, value) in sorted(self.totals.items(), key=lambda item: item[1][0]):
            if value is None or key in incomplete or value == sums.get(key, 0):
                continue
            self.result.meldungen.append(
                f"Warnung: Summenzeile {zeile} ({self.describe(key[2:])}) nennt {de_int(value)}, die Gebiete "
                f"ergeben {de_int(sums.get(key, 0))}. Die Gebietswerte werden geladen; bitte die Quelle prüfen."
            )

    def _derive_unassigned(self, sums: dict[tuple, float], incomplete: set[tuple]) -> None:
        """Gesperrter Wert „ohne Zuordnung“ (z. B. BA-„*“ in „keine Angabe“) aus der Gesamtsumme der Datei.

        Liefert die Datei eine Gesamtsumme (Summenzeile ohne Teilbereich) und ist in dieser Zelle nur der Wert
        des Pseudo-Gebiets „ohne Zuordnung“ gesperrt, ist er Gesamtsumme minus Gebiete. So bleibt der Wert der
        Gemeinde genau der gelieferte, statt NULL zu werden; Gebietswerte werden nie abgeleitet.
        """
        missing: dict[tuple, list[dict]] = defaultdict(list)
        for record in self.result.tables[self.table]:
            if record["anzahl"] is None:
                missing[(record["stichtag"], *(record[d] for d in self.dims))].append(record)
        for (scope, *cell), (_zeile, value) in self.totals.items():
            records = missing.get(tuple(cell), [])
            if scope or value is None or len(records) != 1:
                continue
            record = records[0]
            rest = value - sums.get(("", *cell), 0)
            if not record["gebiet_id"].endswith(OHNE_ZUORDNUNG_SUFFIX) or rest < 0:
                continue
            record["anzahl"] = int(rest)
            record["kennzeichen"] = "aus Gesamtsumme abgeleitet"
            incomplete.discard(("", *cell))
            sums[("", *cell)] = value
