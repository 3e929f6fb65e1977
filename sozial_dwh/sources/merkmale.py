"""Weitere Merkmale (`merkmale`, architektur.md §5.5): jeder Wert je Gebiet × Stichtag × Merkmal, erklärt in merkmale.csv.

Wohngeld, Hilfen zur Erziehung, Schulübergänge, Fläche … brauchen keinen eigenen Leser: jedes Merkmal steht als Zeile
in `data/reference/merkmale.csv` (merkmal, name, art, einheit, quelle_text, beschreibung). Layouts:

- lang: `Gebiet`, `Merkmal` (Kennung oder Name aus merkmale.csv), optional `Geschlecht`, optional `Altersgruppe`
  (oder `Alter`), `Anzahl` oder `Wert`, optional `Stichtag`;
- breit: `Gebiet` und je Merkmal eine Spalte, deren Überschrift die Kennung oder der Name des Merkmals ist
  (übrige Dimensionen insgesamt). Eine Spalte, die kein erklärtes Merkmal ist, wird gemeldet, nicht geladen.

Die Art des Merkmals bestimmt, wie ein Wert gelesen wird: `anzahl` ganze Zahl ≥ 0 (eine negative Anzahl geht mit
Meldung in Quarantäne), `saldo` ganze Zahl mit Vorzeichen, `wert` Dezimalzahl. Ein `wert` ist nicht summierbar: eine
Summenzeile („Stadt insgesamt“) wird für ihn weder geladen noch mit den Gebieten verglichen (Hinweis in der Meldung).
Ein unbekanntes Merkmal geht mit Meldung in Quarantäne, die merkmale.csv nennt.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

from sozial_dwh import config
from sozial_dwh.parsing import (
    ALL_AGES,
    CellError,
    Number,
    code_text,
    is_blank,
    norm,
    parse_age,
    parse_category,
    parse_count,
    parse_decimal,
    parse_saldo,
)
from sozial_dwh.readers.table import (
    Layout,
    Table,
    find_layout,
    find_one_layout,
    missing_columns_message,
    reject_duplicate_columns,
)
from sozial_dwh.readers.workbook import FileRejected, Sheet, Sheets, column_letter, hidden_sheets_of
from sozial_dwh.reference import MERKMALE_FILE, Merkmal, ReferenceError, load_merkmale
from sozial_dwh.sources.base import ReadContext, ReadResult
from sozial_dwh.sources.cube import TOTAL, CubeBuilder, LayoutReader

TABLE = "raw.merkmale"
SPALTE = "merkmal:"  # Schlüssel der Merkmalsspalten des breiten Layouts in `Table.columns` (vor der Kennung)
LESEN: dict[str, Callable[[object], Number]] = {"anzahl": parse_count, "saldo": parse_saldo, "wert": parse_decimal}
MAX_GENANNT = 12  # so viele erklärte Merkmale nennt eine Meldung


def katalog(referenz: Path | None = None) -> dict[str, Merkmal]:
    """Die erklärten Merkmale (merkmale.csv im Referenzordner; ohne Angabe `config.reference_dir()`)."""
    try:
        return load_merkmale(referenz or config.reference_dir())
    except ReferenceError as exc:
        raise FileRejected(f"Der Merkmalskatalog lässt sich nicht lesen: {exc}") from exc


def _suche(merkmale: dict[str, Merkmal]) -> dict[str, Merkmal]:
    """Kennung oder Name (normalisiert wie Überschriften) -> Merkmal."""
    found = {norm(m.name): m for m in merkmale.values()}
    found.update({norm(m.merkmal): m for m in merkmale.values()})
    return found


def _layouts(merkmale: dict[str, Merkmal]) -> list[Layout]:
    suche = _suche(merkmale)

    def merkmal_spalten(table: Table) -> bool:
        """Breites Layout: die Spalten, deren Überschrift ein erklärtes Merkmal nennt, kommen als `merkmal:<kennung>`
        in `table.columns` (eine zweite Spalte desselben Merkmals in `table.duplicates`)."""
        for col, header in enumerate(table.headers):
            merkmal = suche.get(norm(header)) if col not in table.columns.values() else None
            if merkmal is None:
                continue
            key = SPALTE + merkmal.merkmal
            if key in table.columns:
                table.duplicates.setdefault(key, [table.columns[key]]).append(col)
            else:
                table.columns[key] = col
        return any(key.startswith(SPALTE) for key in table.columns)

    return [
        Layout("lang", ["gebiet", "merkmal", "geschlecht", "altersgruppe", "alter", "anzahl", "stichtag"],
               [["gebiet"], ["merkmal"], ["anzahl"]]),
        Layout("breit", ["gebiet", "gebietsname", "stichtag"], [["gebiet"]], accept=merkmal_spalten),
    ]


def _merkmal_text(merkmal: Merkmal) -> str:
    return merkmal.merkmal if norm(merkmal.name) == norm(merkmal.merkmal) else f"{merkmal.merkmal} ({merkmal.name})"


class MerkmaleReader(LayoutReader):
    quelle = "merkmale"
    raw_tables = (TABLE,)
    titel = "Merkmale"
    einheit = "Werte"
    dims = ("merkmal", "geschlecht", "alter_von", "alter_bis")
    # Lieferungen teilen sich je Merkmal: eine neue Datei ersetzt eine frühere nur für die Merkmale, die sie enthält
    # (sozial_dwh.ingest; in stg_merkmale gilt je Stichtag, Gemeinde und Merkmal die zuletzt geladene Datei)
    lieferung_je = "merkmal"

    @property
    def layouts(self) -> list[Layout]:  # type: ignore[override]  # hängen am Merkmalskatalog
        return _layouts(katalog())

    def describe(self, key: tuple) -> str:
        merkmal, geschlecht, von, bis = key
        return f"Merkmal {merkmal}, Geschlecht {geschlecht}, Alter {von}–{'' if bis is None else bis}"

    def signature(self, sheets: list[Sheet]) -> tuple[str, int] | None:
        """Erkennung an der Kopfzeile. Das lange Layout (`Gebiet`, `Merkmal`, `Anzahl`) gleicht dem der Arbeitslosen
        ohne Rechtskreis; deshalb zählen auch die Werte der ersten Zeilen: steht dort ein erklärtes Merkmal, zählt
        das wie eine erkannte Spalte mehr; stehen dort nur andere Werte (z. B. „langzeitarbeitslos“), ist es keine
        Merkmalsdatei. Ohne Datenzeilen (leere Vorlage) zählt die Kopfzeile allein."""
        try:
            merkmale = katalog()
        except FileRejected:
            return None
        found = find_layout(sheets, _layouts(merkmale))
        if found is None:
            return None
        layout, table = found
        if layout.name == "breit":
            return table.sheet.name, len(table.columns)
        suche = _suche(merkmale)
        werte = [norm(value) for _, row in itertools.islice(table.data_rows(), 50)
                 if not is_blank(value := table.value(row, "merkmal"))]
        if not werte:
            return table.sheet.name, len(table.columns)
        if not any(value in suche for value in werte):
            return None
        return table.sheet.name, len(table.columns) + 1

    def matches(self, sheets: list[Sheet]) -> bool:
        return self.signature(sheets) is not None

    def read(self, sheets: list[Sheet], ctx: ReadContext) -> ReadResult:
        merkmale = katalog(getattr(ctx.matcher, "referenz", None))
        layouts = _layouts(merkmale)
        found = find_one_layout(sheets, layouts, self.titel, ctx.blatt)
        if found is None:
            message = missing_columns_message(sheets, layouts, self.titel)
            message += (f" Im breiten Layout heißt jede Wertespalte wie ein Merkmal aus {MERKMALE_FILE} (Kennung oder "
                        f"Name); erklärt sind: {_erklaert(merkmale)}.")
            note = hidden_sheets_of(sheets) and Sheets(hidden=hidden_sheets_of(sheets)).hidden_note()
            raise FileRejected(f"{message} {note}" if note else message)
        layout, table = found
        _reject_duplicate_merkmale(table, merkmale)
        builder = CubeBuilder(TABLE, table.sheet.name, ctx, self.dims, describe=self.describe, wertspalte="wert")
        lesen = _Lesen(table, builder, merkmale)
        if layout.name == "lang":
            lesen.lang()
        else:
            lesen.breit()
        result = builder.finish()
        blatt = "" if ctx.dateiname.lower().endswith(".csv") else f"Blatt „{table.sheet.name}“, "
        result.meldungen.insert(0, f"{blatt}Kopfzeile {table.header_row}, Layout {layout.name}: "
                                   f"{result.row_count} {self.einheit} gelesen.")
        result.meldungen.extend(lesen.hinweise)
        return result


def _erklaert(merkmale: dict[str, Merkmal]) -> str:
    namen = [_merkmal_text(m) for m in merkmale.values()]
    if not namen:
        return "keine"
    return ", ".join(namen[:MAX_GENANNT]) + (f" … (insgesamt {len(namen)})" if len(namen) > MAX_GENANNT else "")


def _reject_duplicate_merkmale(table: Table, merkmale: dict[str, Merkmal]) -> None:
    """Zwei Spalten für dasselbe Merkmal (Kennung und Name, oder zweimal der Name): welche gilt, wird nicht geraten."""
    doppelt = {key: cols for key, cols in table.duplicates.items() if key.startswith(SPALTE)}
    for key in doppelt:
        del table.duplicates[key]
    if doppelt:
        teile = []
        for key, cols in doppelt.items():
            spalten = " und ".join(f"{column_letter(c)} („{table.headers[c]}“)" for c in cols)
            teile.append(f"das Merkmal {_merkmal_text(merkmale[key[len(SPALTE):]])} steht in mehreren Spalten: {spalten}")
        raise FileRejected(f"{'; '.join(teile)} (Blatt „{table.sheet.name}“, Kopfzeile {table.header_row}). Welche "
                           "Spalte gilt, wird nicht geraten. Bitte die überzählige Spalte löschen oder umbenennen.")
    reject_duplicate_columns(table)


class _Lesen:
    """Liest die Zeilen einer Merkmalstabelle in den Würfelsammler."""

    def __init__(self, table: Table, builder: CubeBuilder, merkmale: dict[str, Merkmal]):
        self.table = table
        self.builder = builder
        self.merkmale = merkmale
        self.suche = _suche(merkmale)
        self.letter = {name: column_letter(col) for name, col in table.columns.items()}
        self.hinweise: list[str] = []
        self._summen_wert: set[str] = set()  # Merkmale der Art „wert“ mit Summenzeile (einmal gemeldet)

    def _zeile(self, zeile: int, row: list[object]) -> tuple | None:
        """Stichtag und Gebiet einer Zeile (None: Zeile in Quarantäne)."""
        stichtag = self.builder.stichtag(self.table.value(row, "stichtag"), zeile, self.letter.get("stichtag"))
        if stichtag is None:
            return None
        gebiet_id = self.builder.gebiet(self.table.value(row, "gebiet"), zeile, self.letter["gebiet"], stichtag)
        if gebiet_id is None:
            return None
        return stichtag, gebiet_id

    def _add(self, zeile: int, spalte: str, stichtag, gebiet_id: str, merkmal: Merkmal, geschlecht: str,
             von: int, bis: int | None, value: object) -> None:
        if gebiet_id == TOTAL and merkmal.art == "wert":
            if merkmal.merkmal not in self._summen_wert:
                self._summen_wert.add(merkmal.merkmal)
                self.hinweise.append(
                    f"Hinweis: Zeile {zeile} ist eine Summenzeile für {_merkmal_text(merkmal)}. Dieses Merkmal hat in "
                    f"{MERKMALE_FILE} die Art „wert“ (nicht summierbar): ein Gesamtwert wird weder geladen noch mit den "
                    "Gebieten verglichen; geladen werden die Werte der Gebiete.")
            return
        self.builder.add(zeile, spalte, stichtag, gebiet_id, (merkmal.merkmal, geschlecht, von, bis), value,
                         parse=lesen_nach_art(merkmal))

    def lang(self) -> None:
        table, builder, letter = self.table, self.builder, self.letter
        age_column = "altersgruppe" if "altersgruppe" in table.columns else "alter"
        for zeile, row in table.data_rows():
            found = self._zeile(zeile, row)
            if found is None:
                continue
            stichtag, gebiet_id = found
            value = table.value(row, "merkmal")
            merkmal = self.suche.get(norm(value))
            if merkmal is None:
                grund = ("Merkmal fehlt" if is_blank(value) else f"Merkmal „{code_text(value)}“ ist in {MERKMALE_FILE} "
                         "nicht erklärt")
                builder.quarantine(zeile, letter["merkmal"], (
                    f"{grund}. Erklärt sind: {_erklaert(self.merkmale)}. Bitte Kennung oder Namen berichtigen oder das "
                    f"Merkmal in data/reference/{MERKMALE_FILE} erklären (merkmal, name, art, einheit, quelle_text, "
                    "beschreibung) und die Datei erneut abgeben"), None if is_blank(value) else value)
                continue
            try:
                geschlecht = parse_category("geschlecht", table.value(row, "geschlecht"))
            except CellError as exc:
                builder.quarantine(zeile, letter.get("geschlecht"), f"Geschlecht: {exc}", table.value(row, "geschlecht"))
                continue
            age_value = table.value(row, age_column)
            band = ALL_AGES if is_blank(age_value) else parse_age(age_value)
            if band is None:
                builder.quarantine(zeile, letter.get(age_column), "Altersgruppe nicht lesbar", age_value)
                continue
            self._add(zeile, letter["anzahl"], stichtag, gebiet_id, merkmal, geschlecht, band.von, band.bis,
                      table.value(row, "anzahl"))

    def breit(self) -> None:
        table = self.table
        spalten = [(col, self.merkmale[key[len(SPALTE):]]) for key, col in table.columns.items()
                   if key.startswith(SPALTE)]
        bekannt = set(table.columns.values())
        for col, header in enumerate(table.headers):
            if col not in bekannt and not is_blank(header):
                self.hinweise.append(
                    f"Hinweis: Spalte {column_letter(col)} („{str(header).replace(chr(10), ' ')}“) ist kein Merkmal aus "
                    f"{MERKMALE_FILE} und wird nicht geladen. Soll sie geladen werden, das Merkmal dort erklären und "
                    "die Datei erneut abgeben.")
        for zeile, row in table.data_rows():
            found = self._zeile(zeile, row)
            if found is None:
                continue
            stichtag, gebiet_id = found
            for col, merkmal in spalten:
                self._add(zeile, column_letter(col), stichtag, gebiet_id, merkmal, "insgesamt", ALL_AGES.von,
                          ALL_AGES.bis, row[col] if col < len(row) else None)


def lesen_nach_art(merkmal: Merkmal) -> Callable[[object], Number]:
    """Liest einen Wert nach der Art des Merkmals; eine Fehlermeldung nennt Merkmal und Art."""
    parse = LESEN[merkmal.art]

    def lesen(value: object) -> Number:
        try:
            return parse(value)
        except CellError as exc:
            zusatz = " – negative Werte gibt es nur bei der Art „saldo“" if merkmal.art == "anzahl" else ""
            raise CellError(f"{exc} (Merkmal {_merkmal_text(merkmal)} hat in {MERKMALE_FILE} die Art "
                            f"„{merkmal.art}“{zusatz})") from exc

    return lesen
