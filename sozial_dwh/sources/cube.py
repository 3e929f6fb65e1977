"""Würfelzellen einer Datei sammeln – gemeinsam für alle Statistikquellen.

Eine Zelle ist (Stichtag, Gebiet, Merkmale …) -> Anzahl. Der Sammler
- ordnet Gebiete zu (unbekannt / nicht gültig am Stichtag -> Quarantäne),
- erkennt Summenzeilen und prüft sie gegen die Summe ihrer Teile,
- hält doppelte Zellen und unlesbare Anzahlen mit Fundstelle in Quarantäne zurück.

Die Zellen hält ein Zellspeicher (`sources.zellen`) stückweise in DuckDB; doppelte Zellen und Summenzeilen werden
dort in SQL über alle Zellen der Datei geprüft. So bleibt der Speicher auch bei Millionen Zeilen begrenzt.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from collections.abc import Callable, Sequence

from sozial_dwh.parsing import (
    CellError,
    Number,
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
from sozial_dwh.sources import zellen
from sozial_dwh.sources.base import QuarantineRow, ReadContext, ReadResult
from sozial_dwh.sources.zellen import CellStore, unnest_select

TOTAL = ""  # Gebietsschlüssel einer Summenzeile
INTEGER_DIMS = frozenset({"alter_von", "alter_bis"})  # Merkmale mit ganzen Zahlen; die übrigen sind Text


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
                                   f"{result.row_count} {self.einheit} gelesen.")
        return result


class CubeBuilder:
    """Sammelt die Zellen einer Datei in die Rohtabelle `table` mit den Merkmalsspalten `dims`.

    Die Zellen liegen in einem Zellspeicher (`sources.zellen.CellStore`: stückweise in DuckDB), nicht in Python.
    Doppelte Zellen erkennt `settle` in SQL über alle gelesenen Zellen; ihre Quarantänezeilen stehen danach an
    der Stelle, an der sie gelesen wurden (jede Zelle und jede Quarantänezeile trägt eine laufende Nummer).
    Leser mit eigenen Zeilen statt Zellen (Kita) hängen Dicts an `result.tables[table]` an, eine Liste.
    """

    def __init__(self, table: str, blatt: str, ctx: ReadContext, dims: tuple[str, ...],
                 describe: Callable[[tuple], str] | None = None, wertspalte: str = "anzahl"):
        self.table = table
        # Spalte der Werte: `anzahl` (ganze Zahlen, bigint) oder `wert` (Dezimalzahlen, double; Quelle merkmale)
        self.wertspalte = wertspalte
        self._ganzzahlig = wertspalte == "anzahl"
        self.blatt = blatt
        self.ctx = ctx
        self.dims = dims
        self.describe = describe or (lambda key: ", ".join(f"{n} {v}" for n, v in zip(dims, key, strict=True)))
        self.result = ReadResult()
        self.result.tables[table] = self._own_rows = []  # bis zur ersten Zelle; Leser mit eigenen Zeilen (Kita)
        self._store: CellStore | None = None
        # laufende Nummer jeder Zelle und Quarantänezeile (Reihenfolge des Lesens); Nummern der Quarantänezeilen
        self._seq = 0
        self._quarantine_seq: list[int] = []
        self._settled_seq = 0  # bis zu dieser Nummer sind doppelte Zellen erkannt
        # Vorfilter für doppelte Zellen, solange die Datei in ein Stück passt: ohne Treffer entfällt die Abfrage
        # (kleine Dateien brauchen dann DuckDB gar nicht). Erkannt und gemeldet werden Duplikate nur in `settle`.
        self._seen: set[tuple] | None = set()
        self._maybe_dups = False
        # Summenzeilen: (Bereich, Stichtag, Merkmale) -> (Zeile, Wert); Bereich "" = alles
        self.totals: dict[tuple, tuple[int, float | None]] = {}
        self._gebiete_gemerkt: set[str] = set()  # Gebiete, deren Gemeinde in `result.gemeinden` steht
        # zugeordnete Gebiete je (Angabe, Stichtag, Gemeinde): in Langformaten steht jedes Gebiet in vielen Zeilen
        self._gebiete: dict[tuple, str] = {}

    @property
    def cells(self) -> CellStore:
        """Der Zellspeicher (beim ersten Gebrauch angelegt; er ersetzt dann die leere Liste in `result.tables`)."""
        if self._store is None:
            if self._own_rows:
                raise RuntimeError(f"{self.table}: Zellen und eigene Zeilen in derselben Tabelle")
            columns = {"blatt": "varchar", "zeile": "integer", "spalte": "varchar", "stichtag": "date",
                       "gebiet_id": "varchar", **{d: "integer" if d in INTEGER_DIMS else "varchar" for d in self.dims},
                       self.wertspalte: "bigint" if self._ganzzahlig else "double", "kennzeichen": "varchar"}
            # bereich: Teilbereich einer Summenzeile, zu dem die Zelle gehört (AkG-Schlüssel; "" = nur „alles“)
            self._store = CellStore(columns, intern={"bereich": "varchar"})
            self.result.tables[self.table] = self._store
        return self._store

    # --- Fundstellen -----------------------------------------------------------------------------

    def quarantine(self, zeile: int, spalte: str | None, grund: str, wert: object = None) -> None:
        self._seq += 1
        self._quarantine_seq.append(self._seq)
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
        """Ein Stichtag aus einer Spalte muss zu dem aus Blatt „Info“ oder Dateiname passen (architektur.md §5.1)."""
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
                  keys: Sequence[Sequence], werte: Sequence[int]) -> None:
        """Viele Zellen auf einmal (wie `add_number` je Zelle), spaltenweise. `keys` sind die Merkmalsspalten.
        Doppelte Zellen (in sich oder mit schon gesammelten) erkennt `settle`."""
        for gebiet_id in set(gebiete).difference(self._gebiete_gemerkt):
            self._note_gebiet(gebiet_id)
        self.result.stichtage.update(set(stichtage))
        count = len(zeilen)
        if self._seen is not None:
            before = len(self._seen)
            self._seen.update(zip(gebiete, stichtage, *keys, strict=True))
            self._note_cells(len(self._seen) - before < count)
        seqs = range(self._seq + 1, self._seq + 1 + count)
        self._seq += count
        repeat = itertools.repeat
        self.cells.extend(seqs, [repeat(self.blatt), zeilen, repeat(spalte), stichtage, gebiete, *keys, werte,
                                 repeat(None), repeat("")])

    def _note_cells(self, doppelt: bool) -> None:
        if doppelt:
            self._maybe_dups = True
        if self._seen is not None and len(self._seen) > zellen.CHUNK_ROWS:  # zu groß: ab jetzt immer in SQL prüfen
            self._seen, self._maybe_dups = None, True

    def _note_gebiet(self, gebiet_id: str) -> None:
        """Einmal je Gebiet: seine Gemeinde merken."""
        self._gebiete_gemerkt.add(gebiet_id)
        gemeinde = self.ctx.matcher.gemeinde_of(gebiet_id)
        if gemeinde:
            self.result.gemeinden.add(gemeinde)

    # --- Zellen ----------------------------------------------------------------------------------

    def add(self, zeile: int, spalte: str | None, stichtag: dt.date, gebiet_id: str, key: tuple,
            raw_value: object, scope: str = "", parse: Callable[[object], Number] = parse_count) -> None:
        """Eine Zelle aufnehmen. `scope` begrenzt eine Summenzeile auf einen Teilbereich (AkG-Schlüssel). `parse`
        liest den Wert (Vorgabe: Anzahl ≥ 0; die Quelle merkmale liest je nach Art auch Salden und Dezimalzahlen)."""
        try:
            number = parse(raw_value)
        except CellError as exc:
            self.quarantine(zeile, spalte, f"{'Anzahl' if self._ganzzahlig else 'Wert'}: {exc}", raw_value)
            return
        if number.kennzeichen == "leer":
            return  # leere Zelle: nichts geliefert
        if gebiet_id == TOTAL:
            self.totals[(scope, stichtag, *key)] = (zeile, number.value)
            return
        self.add_number(zeile, spalte, stichtag, gebiet_id, key, number.value, number.kennzeichen, scope)

    def add_number(self, zeile: int | None, spalte: str | None, stichtag: dt.date, gebiet_id: str, key: tuple,
                   value: float | None, kennzeichen: str | None = None, scope: str = "") -> None:
        if gebiet_id not in self._gebiete_gemerkt:
            self._note_gebiet(gebiet_id)
        self.result.stichtage.add(stichtag)
        if self._seen is not None:
            cell = (gebiet_id, stichtag, *key)
            doppelt = cell in self._seen
            self._seen.add(cell)
            self._note_cells(doppelt)
        self._seq += 1
        if value is not None:
            value = int(value) if self._ganzzahlig else float(value)
        self.cells.append(self._seq, (self.blatt, zeile, spalte, stichtag, gebiet_id, *key, value, kennzeichen, scope))

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
        self.settle()
        self._check_totals()
        return self.result

    def settle(self) -> CellStore | None:
        """Doppelte Zellen in Quarantäne: gilt die zuerst gelesene, die Quarantäne nennt die spätere Zeile mit
        der Zeile der ersten. Danach ist jede Zelle einmal im Speicher (None: keine Zellen gelesen)."""
        store = self._store
        if store is None or self._settled_seq == self._seq:
            return store
        if not self._maybe_dups:  # der Vorfilter hat keine doppelte Zelle gesehen
            self._settled_seq = self._seq
            return store
        cell = ", ".join(("gebiet_id", "stichtag", *self.dims))  # Spaltennamen aus dem Code
        wert = self.wertspalte
        doppelt = store.execute(f"select count(*) from (select 1 from zellen group by {cell} having count(*) > 1)")
        if doppelt.fetchall()[0][0]:
            rows = store.execute(
                f"select seq, zeile, spalte, {wert}, erste_zeile from ("
                f"select seq, zeile, spalte, {wert}, row_number() over zelle as nr, "
                "coalesce(first_value(zeile) over zelle, 0) as erste_zeile "
                f"from zellen window zelle as (partition by {cell} order by seq)) where nr > 1 order by seq"
            ).fetchall()
            store.delete([row[0] for row in rows])
            self._merge_quarantine([
                (seq, QuarantineRow(self.blatt, zeile or 0, spalte,
                                    f"Dieselbe Zelle steht doppelt in der Datei (schon in Zeile {erste}); die erste gilt",
                                    None if anzahl is None else de_int(anzahl) if self._ganzzahlig
                                    else f"{anzahl:g}".replace(".", ",")))
                for seq, zeile, spalte, anzahl, erste in rows])
        self._settled_seq = self._seq
        self._maybe_dups = self._seen is None
        return store

    def _merge_quarantine(self, rows: list[tuple[int, QuarantineRow]]) -> None:
        """Quarantänezeilen nach ihrer laufenden Nummer einsortieren (Reihenfolge des Lesens)."""
        quarantine = self.result.quarantine
        if len(quarantine) != len(self._quarantine_seq):  # Zeilen an `quarantine` vorbei: neue ans Ende
            quarantine.extend(row for _, row in rows)
            return
        merged = list(heapq.merge(zip(self._quarantine_seq, quarantine, strict=True), rows, key=lambda item: item[0]))
        self._quarantine_seq[:] = [seq for seq, _ in merged]
        quarantine[:] = [row for _, row in merged]

    def _check_totals(self) -> None:
        """Summenzeilen gegen die Summe ihrer Teile (in SQL über alle Zellen); vorher den gesperrten Wert
        „ohne Zuordnung“ aus der Gesamtsumme ableiten, wo das geht (`_derive_unassigned`)."""
        if not self.totals:
            return
        entries = list(self.totals.items())
        found = self._sum_parts(entries)
        sums = {nr: found[nr][0] for nr in found}
        incomplete = {nr for nr, (_, fehlend, _, _) in found.items() if fehlend}
        self._derive_unassigned(entries, found, sums, incomplete)
        for nr, (key, (zeile, value)) in sorted(enumerate(entries), key=lambda item: item[1][1][0]):
            if value is None or nr in incomplete or value == sums.get(nr, 0):
                continue
            self.result.meldungen.append(
                f"Warnung: Summenzeile {zeile} ({self.describe(key[2:])}) nennt {de_int(value)}, die Gebiete "
                f"ergeben {de_int(sums.get(nr, 0))}. Die Gebietswerte werden geladen; bitte die Quelle prüfen."
            )

    def _sum_parts(self, entries: list[tuple[tuple, tuple]]) -> dict[int, tuple]:
        """Je Summenzeile (Nummer in `entries`): Summe der Teile, Zahl der gesperrten Teile und – für genau einen –
        dessen laufende Nummer und Gebiet. Teil ist jede Zelle mit Stichtag und Merkmalen der Summenzeile, deren
        Gebiet im Bereich der Summenzeile liegt (Bereich des Gebiets: der seiner zuletzt gelesenen Zelle)."""
        store = self.settle()
        if store is None:
            return {}
        if store.in_buffer:
            return self._sum_parts_buffer(store, entries)
        columns = {"nr": "integer", "bereich": "varchar", "stichtag": "date",
                   **{d: "integer" if d in INTEGER_DIMS else "varchar" for d in self.dims}}
        keys = [(nr, *key) for nr, (key, _) in enumerate(entries)]
        gleich = " and ".join(["teile.stichtag = summen.stichtag",
                               *(f"teile.{d} is not distinct from summen.{d}" for d in self.dims)])  # Namen aus dem Code
        rows = store.execute(
            f"with summen as ({unnest_select(columns)}), "
            "gebiete as (select gebiet_id, arg_max(bereich, seq) as gebiet_bereich from zellen group by gebiet_id), "
            "teile as (select * from zellen inner join gebiete using (gebiet_id)) "
            f"select summen.nr, coalesce(sum(teile.{self.wertspalte}), 0), "
            f"count(teile.seq) filter (where teile.{self.wertspalte} is null), "
            f"min(teile.seq) filter (where teile.{self.wertspalte} is null), "
            f"min(teile.gebiet_id) filter (where teile.{self.wertspalte} is null) "
            f"from summen left join teile on {gleich} and starts_with(teile.gebiet_bereich, summen.bereich) "
            "group by summen.nr", [list(column) for column in zip(*keys, strict=True)]
        ).fetchall()
        return {nr: (summe, fehlend, seq, gebiet_id) for nr, summe, fehlend, seq, gebiet_id in rows}

    def _sum_parts_buffer(self, store: CellStore, entries: list[tuple[tuple, tuple]]) -> dict[int, tuple]:
        """Wie `_sum_parts`, für eine kleine Datei, deren Zellen alle noch im Puffer liegen (höchstens ein Stück):
        ohne DuckDB, das bei Hunderten kleiner Dateien je Datei einige Millisekunden kostete. Dieselbe Regel;
        `tests/test_zellspeicher.py` liest dieselben Dateien über beide Wege."""
        spalte = {name: index for index, name in enumerate(("seq", *store.columns, "bereich"))}
        i_gebiet, i_anzahl, i_bereich = spalte["gebiet_id"], spalte[self.wertspalte], spalte["bereich"]
        i_zelle = [spalte["stichtag"], *(spalte[d] for d in self.dims)]
        bereich_von = {row[i_gebiet]: row[i_bereich] for row in store.buffer_rows()}  # die zuletzt gelesene gilt
        summen: dict[tuple, list[tuple[int, str]]] = {}
        for nr, ((scope, *zelle), _) in enumerate(entries):
            summen.setdefault(tuple(zelle), []).append((nr, scope))
        found = {nr: [0, 0, None, None] for nr in range(len(entries))}
        for row in store.buffer_rows():
            for nr, scope in summen.get(tuple(row[i] for i in i_zelle), ()):
                if not bereich_von[row[i_gebiet]].startswith(scope):
                    continue
                teil = found[nr]
                if row[i_anzahl] is None:
                    teil[1] += 1
                    if teil[2] is None:
                        teil[2], teil[3] = row[0], row[i_gebiet]
                else:
                    teil[0] += row[i_anzahl]
        return {nr: tuple(teil) for nr, teil in found.items()}

    def _derive_unassigned(self, entries: list[tuple[tuple, tuple]], found: dict[int, tuple], sums: dict[int, float],
                           incomplete: set[int]) -> None:
        """Gesperrter Wert „ohne Zuordnung“ (z. B. BA-„*“ in „keine Angabe“) aus der Gesamtsumme der Datei.

        Liefert die Datei eine Gesamtsumme (Summenzeile ohne Teilbereich) und ist in dieser Zelle nur der Wert
        des Pseudo-Gebiets „ohne Zuordnung“ gesperrt, ist er Gesamtsumme minus Gebiete. So bleibt der Wert der
        Gemeinde genau der gelieferte, statt NULL zu werden; Gebietswerte werden nie abgeleitet.
        """
        for nr, ((scope, *_cell), (_zeile, value)) in enumerate(entries):
            summe, fehlend, seq, gebiet_id = found.get(nr, (0, 0, None, None))
            if scope or value is None or fehlend != 1:
                continue
            rest = value - summe
            if not gebiet_id.endswith(OHNE_ZUORDNUNG_SUFFIX) or rest < 0:
                continue
            self.cells.update(seq, **{self.wertspalte: int(rest) if self._ganzzahlig else float(rest)},
                              kennzeichen="aus Gesamtsumme abgeleitet")
            incomplete.discard(nr)
            sums[nr] = value
