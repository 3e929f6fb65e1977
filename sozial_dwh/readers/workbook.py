"""Tabellenblätter aus xlsx/xlsm/ods/csv lesen – nur Werte, nie Makros.

Vor dem Öffnen prüft `safety.check_before_reading` jede Datei (Kennwortschutz, altes .xls-Format,
beschädigte ZIP-Datei, ZIP-Bombe, Formeln ohne gespeicherten Wert). python-calamine liest die
Arbeitsmappen (schnell, ohne Formeln auszuwerten); CSV wird mit dem
`csv`-Modul gelesen, Kodierung (UTF-8 oder Windows-1252) und Trennzeichen (`;` oder `,`)
werden erkannt.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from sozial_dwh.parsing import is_blank
from sozial_dwh.readers.safety import UnsafeFile, check_before_reading

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".ods"}
SUPPORTED_SUFFIXES = SPREADSHEET_SUFFIXES | {".csv"}


class FileRejected(Exception):
    """Die Datei als Ganzes kann nicht geladen werden; die Nachricht ist deutsch und sagt, was zu tun ist."""


@dataclass
class Sheet:
    name: str
    rows: list[list[object]]

    def cell(self, row: int, col: int) -> object:
        """Zelle nach 0-basierten Indizes; außerhalb = None."""
        if row < len(self.rows) and col < len(self.rows[row]):
            return self.rows[row][col]
        return None


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA (Spaltenbezeichnung wie in Excel)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_sheets(path: Path) -> list[Sheet]:
    """Alle Blätter einer Datei als Zeilenlisten (leere Zellen = None)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".xls":
            check_before_reading(path)  # altes Excel-Format oder verschlüsselt: eigene Meldung
        if suffix not in SUPPORTED_SUFFIXES:
            raise FileRejected(
                f"Dateiformat „{path.suffix or '(ohne Endung)'}“ wird nicht unterstützt. "
                "Bitte als .xlsx, .xlsm, .ods oder .csv (UTF-8 oder Windows-1252, Trennzeichen ; oder ,) speichern."
            )
        # vor dem Öffnen: Kennwortschutz, .xls unter falschem Namen, beschädigte ZIP-Datei, ZIP-Bombe,
        # Formeln ohne gespeicherten Wert – nichts davon erreicht calamine
        check_before_reading(path)
    except UnsafeFile as exc:
        raise FileRejected(str(exc)) from exc
    if suffix == ".csv":
        return [_read_csv(path)]
    return _read_calamine(path)


def _read_calamine(path: Path) -> list[Sheet]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheets = []
        for name in workbook.sheet_names:
            rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
            sheets.append(Sheet(name, [[None if is_blank(v) else v for v in row] for row in rows]))
    except Exception as exc:  # calamine meldet beschädigte Dateien mit verschiedenen Typen
        raise FileRejected(
            f"Die Arbeitsmappe lässt sich nicht öffnen ({type(exc).__name__}: {exc}). "
            "Ist sie beschädigt, unvollständig kopiert oder mit Kennwort geschützt? "
            "Bitte in Excel öffnen, ohne Kennwort neu speichern und erneut in den Eingangsordner legen."
        ) from exc
    if not any(any(v is not None for v in row) for sheet in sheets for row in sheet.rows):
        names = ", ".join(f"„{sheet.name}“" for sheet in sheets) or "keine"
        raise FileRejected(
            f"Die Arbeitsmappe ist leer: kein Blatt enthält Werte (Blätter: {names}). Wurde die richtige Datei "
            "gespeichert? Bitte die Datei mit den Daten erneut in den Eingangsordner legen."
        )
    return sheets


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _read_csv(path: Path) -> Sheet:
    text = _decode(path.read_bytes())
    if not text.strip():
        raise FileRejected("Die CSV-Datei ist leer.")
    sample = text[:20000]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    rows = [
        [None if cell.strip() == "" else cell.strip() for cell in row]
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    ]
    return Sheet(path.stem, rows)
