"""Die Dateien einer Berichtsausgabe: eine Excel-Arbeitsmappe (ein Blatt je Tabelle, `Info`, `Methodik`) und
eine CSV-Datei je Tabelle. Gesperrte Zellen erscheinen als „*“; alle anderen Zahlen bleiben Zahlen (mit
Zahlenformat), damit Excel und LibreOffice rechnen und mit Dezimalkomma anzeigen können.

Text wird nie zur Formel (DESIGN §10): Freitext aus Konferenzen wie `=HYPERLINK(…)` oder `+cmd|' /C calc'!A0`
steht in der Arbeitsmappe als Textzelle (`_zelle`, die einzige Stelle, die Zellen beschreibt) und in der CSV mit
vorangestelltem `'` (`csv_text`, die einzige Stelle, die Werte in CSV-Text verwandelt). Zahlen bleiben Zahlen, auch
negative („-1,5“ in einer Spalte der Veränderungen).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import numbers
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sozial_dwh.bericht.modell import Spalte, Tabelle
from sozial_dwh.xlsx import save_reproducible

GESPERRT = "*"
FUSSNOTE_GESPERRT = "* gesperrt (statistische Geheimhaltung, siehe Blatt „Methodik“)"
_KOPF = Font(bold=True, color="FFFFFF")
_KOPF_FUELLUNG = PatternFill("solid", fgColor="1F4E79")
_TITEL = Font(bold=True, size=13)
_SUMME = Font(bold=True)
_LINIE = Border(top=Side(style="thin", color="1F4E79"))
# Womit Excel, LibreOffice und CSV-Importe eine Zelle als Formel beginnen lassen (OWASP „CSV Injection“)
FORMELZEICHEN = ("=", "+", "-", "@", "\t", "\r")


def zahlenformat(spalte: Spalte) -> str | None:
    stellen = "." + "0" * spalte.nachkommastellen if spalte.nachkommastellen else ""
    if spalte.art == "anzahl":
        return "#,##0"
    if spalte.art in ("quote", "index"):
        return f"#,##0{stellen}"
    if spalte.art == "veraenderung":
        return f"+#,##0{stellen};-#,##0{stellen};0{stellen}"
    if spalte.art == "datum":
        return "DD.MM.YYYY"
    return None


def _leer(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def zellwert(spalte: Spalte, value: object) -> object:
    """Python-Wert für eine Excel-Zelle: Zahlen als Zahlen, Daten als Datum, leere Werte als None."""
    if _leer(value):
        return None
    if spalte.art == "datum":
        return pd.Timestamp(value).date() if not isinstance(value, dt.date) else value
    if spalte.art == "anzahl":
        return int(value)
    if spalte.art in ("quote", "index", "veraenderung"):
        return round(float(value), spalte.nachkommastellen)
    if spalte.art == "schluessel" and isinstance(value, numbers.Real) and not isinstance(value, bool) \
            and float(value).is_integer():  # auch numpy-Zahlen aus pandas (Int64)
        return int(value)  # z. B. Priorität 1–3 oder eine laufende Nummer: als Zahl, nicht als Text
    if spalte.art == "schluessel" and isinstance(value, str) and value.isdigit() and not value.startswith("0"):
        return int(value)  # Nummer aus einer Arbeitsmappe („3“); mit führender Null (AGS 05962024) bleibt es Text
    return str(value) if not isinstance(value, str) else value


def csv_textfeld(text: str) -> str:
    """Text für ein CSV-Feld, der beim Öffnen nie als Formel gilt: „=…“, „+…“, „-…“, „@…“, Tab, CR mit „'“ davor."""
    return "'" + text if text.startswith(FORMELZEICHEN) else text


def _de_zahl(value: float, stellen: int, vorzeichen: bool = False) -> str:
    text = f"{value:+,.{stellen}f}" if vorzeichen else f"{value:,.{stellen}f}"
    return text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")


def csv_text(spalte: Spalte, value: object, gesperrt: bool) -> str:
    if gesperrt:
        return GESPERRT
    value = zellwert(spalte, value)
    if value is None:
        return ""
    if spalte.art == "datum":
        return value.strftime("%d.%m.%Y")
    if spalte.art == "anzahl":
        return str(value)
    if spalte.art in ("quote", "index", "veraenderung"):
        return _de_zahl(value, spalte.nachkommastellen).replace(".", "")
    if isinstance(value, str):
        return csv_textfeld(value)
    return str(value)  # eine Nummer als Zahl (Priorität, laufende Nummer)


def schreibe_csv(frame: pd.DataFrame, maske: pd.DataFrame, tabelle: Tabelle, pfad: Path) -> Path:
    """CSV für Excel in deutscher Einstellung: UTF-8 mit BOM, Semikolon, Dezimalkomma, „*“ für gesperrt."""
    buffer = io.StringIO()
    spalten = tabelle.sichtbare
    buffer.write(";".join(_csv_feld(csv_textfeld(s.ueberschrift)) for s in spalten) + "\r\n")
    for index in frame.index:
        felder = [csv_text(s, frame.at[index, s.name], bool(maske.at[index, s.name])) for s in spalten]
        buffer.write(";".join(_csv_feld(f) for f in felder) + "\r\n")
    pfad.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    return pfad


def _csv_feld(text: str) -> str:
    if any(c in text for c in ';"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _zelle(ws: Worksheet, row: int, column: int, value: object) -> Cell:
    """Beschreibt eine Zelle; Text bleibt Text. openpyxl machte aus einem Text mit „=“ am Anfang eine Formel – der
    Datentyp wird daher auf Text gesetzt. Text, der mit einem Formelzeichen beginnt, bekommt das Präfix-Kennzeichen
    (wie ein eingetipptes „'“): Excel zeigt ihn wie geschrieben und macht auch beim Bearbeiten keine Formel daraus.
    Steuerzeichen, die xlsx nicht speichern kann (aus Word kopierter Text: vertikaler Tab), werden zum Zeilenumbruch
    bzw. entfallen, statt die ganze Ausgabe scheitern zu lassen."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub(lambda m: "\n" if m.group(0) in "\x0b\x0c" else "", value)
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMELZEICHEN):
            cell.quotePrefix = True
    return cell


def _blatt_tabelle(wb: Workbook, frame: pd.DataFrame, maske: pd.DataFrame, tabelle: Tabelle, untertitel: str,
                   quelle: str) -> None:
    ws = wb.create_sheet(tabelle.blatt[:31])
    spalten = tabelle.sichtbare
    _zelle(ws, 1, 1, tabelle.titel).font = _TITEL
    _zelle(ws, 2, 1, untertitel)
    kopf = 4
    for c, s in enumerate(spalten, start=1):
        cell = _zelle(ws, kopf, c, s.ueberschrift)
        cell.font = _KOPF
        cell.fill = _KOPF_FUELLUNG
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[kopf].height = 45
    summe = tabelle.summe_spalte
    r = kopf
    for r, index in enumerate(frame.index, start=kopf + 1):
        ist_summe = summe is not None and summe in frame.columns and frame.at[index, summe] == tabelle.summe_wert
        for c, s in enumerate(spalten, start=1):
            if bool(maske.at[index, s.name]):
                cell = _zelle(ws, r, c, GESPERRT)
                cell.alignment = Alignment(horizontal="right")
            else:
                cell = _zelle(ws, r, c, zellwert(s, frame.at[index, s.name]))
                fmt = zahlenformat(s)
                if fmt:
                    cell.number_format = fmt
                if s.art == "text" and (s.breite or 0) >= 30:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
            if ist_summe:
                cell.font = _SUMME
                cell.border = _LINIE
    fuss = r + 2
    if maske.to_numpy().any():
        _zelle(ws, fuss, 1, FUSSNOTE_GESPERRT)
        fuss += 1
    if tabelle.beschreibung:
        _zelle(ws, fuss, 1, tabelle.beschreibung)
        fuss += 1
    if quelle:
        _zelle(ws, fuss, 1, quelle)
    for c, s in enumerate(spalten, start=1):
        ws.column_dimensions[get_column_letter(c)].width = s.breite or max(12, min(22, len(s.ueberschrift) * 0.8))
    ws.freeze_panes = ws.cell(row=kopf + 1, column=1)
    ws.auto_filter.ref = f"A{kopf}:{get_column_letter(len(spalten))}{max(r, kopf)}"


def _format_frei(cell, value: object) -> None:
    """Zahlenformat für Info und Methodik (Datum, Zeitpunkt, Dezimalzahl)."""
    if isinstance(value, dt.datetime):
        cell.number_format = "DD.MM.YYYY HH:MM"
    elif isinstance(value, dt.date):
        cell.number_format = "DD.MM.YYYY"
    elif isinstance(value, float):
        cell.number_format = "0.0##"


def _blatt_schluessel_wert(wb: Workbook, titel: str, zeilen: Sequence[tuple[str, object]],
                           tabellen: Sequence[tuple[str, Sequence[str], Sequence[Sequence[object]]]]) -> None:
    ws = wb.create_sheet(titel)
    _zelle(ws, 1, 1, titel).font = _TITEL
    r = 3
    for key, value in zeilen:
        _zelle(ws, r, 1, key).font = _SUMME
        cell = _zelle(ws, r, 2, value)
        _format_frei(cell, value)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        r += 1
    for ueberschrift, kopf, daten in tabellen:
        r += 1
        _zelle(ws, r, 1, ueberschrift).font = _TITEL
        r += 1
        for c, text in enumerate(kopf, start=1):
            cell = _zelle(ws, r, c, text)
            cell.font = _KOPF
            cell.fill = _KOPF_FUELLUNG
        for zeile in daten:
            r += 1
            for c, value in enumerate(zeile, start=1):
                cell = _zelle(ws, r, c, value)
                _format_frei(cell, value)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        r += 1
    for column, width in zip("ABCDEFG", (30, 70, 24, 24, 40, 20, 20), strict=False):
        ws.column_dimensions[column].width = width


def schreibe_arbeitsmappe(
    pfad: Path,
    tabellen: Sequence[tuple[Tabelle, pd.DataFrame, pd.DataFrame]],
    info: Sequence[tuple[str, object]],
    info_tabellen: Sequence[tuple[str, Sequence[str], Sequence[Sequence[object]]]],
    methodik: Sequence[tuple[str, object]],
    methodik_tabellen: Sequence[tuple[str, Sequence[str], Sequence[Sequence[object]]]],
    untertitel: str,
    quellen: dict[str, str],
    zeitpunkt: dt.datetime,
) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    _blatt_schluessel_wert(wb, "Info", info, info_tabellen)
    for tabelle, frame, maske in tabellen:
        _blatt_tabelle(wb, frame, maske, tabelle, untertitel, quellen.get(tabelle.name, ""))
    _blatt_schluessel_wert(wb, "Methodik", methodik, methodik_tabellen)
    return save_reproducible(wb, pfad, zeitpunkt)
