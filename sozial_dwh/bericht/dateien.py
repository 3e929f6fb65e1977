"""Die Dateien einer Berichtsausgabe: eine Excel-Arbeitsmappe (ein Blatt je Tabelle, `Info`, `Methodik`) und
eine CSV-Datei je Tabelle. Gesperrte Zellen erscheinen als „*“; alle anderen Zahlen bleiben Zahlen (mit
Zahlenformat), damit Excel und LibreOffice rechnen und mit Dezimalkomma anzeigen können.

Text wird nie zur Formel (architektur.md §10): Freitext aus Konferenzen wie `=HYPERLINK(…)` oder `+cmd|' /C calc'!A0`
steht in der Arbeitsmappe als Textzelle (`_zelle`, die einzige Stelle, die Zellen beschreibt) und in der CSV mit
vorangestelltem `'` (`csv_text`, die einzige Stelle, die Werte in CSV-Text verwandelt). Zahlen bleiben Zahlen, auch
negative („-1,5“ in einer Spalte der Veränderungen).
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import io
import math
import numbers
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sozial_dwh.bericht import druck
from sozial_dwh.bericht.modell import Spalte, Tabelle
from sozial_dwh.xlsx import Blatt, save_reproducible

GESPERRT = "*"
FUSSNOTE_GESPERRT = "* gesperrt (statistische Geheimhaltung, siehe Blatt „Methodik“)"
# Schrift immer mit Namen: ohne ihn setzt LibreOffice fette Zellen in eine Serifenschrift
_KOPF = Font(name=druck.SCHRIFT, size=druck.GROESSE, bold=True, color="FFFFFF")
_KOPF_FUELLUNG = PatternFill("solid", fgColor="1F4E79")
_TITEL = Font(name=druck.SCHRIFT, size=13, bold=True)
_SUMME = Font(name=druck.SCHRIFT, size=druck.GROESSE, bold=True)
_UMBRUCH = Alignment(wrap_text=True, vertical="top")
ZAHLEN = ("anzahl", "quote", "veraenderung", "index")
KOPF_ZEILEN_MAX = 4  # eine Spaltenüberschrift bricht höchstens in so viele Zeilen um
TEXT_BREITE_MAX = 40  # Textspalten ohne eigene Breite brechen ab hier um
KURZ_TEXT = 22.0  # Text, der in diese Breite passt (Sozialraum, Status, Einheit), bricht nie um
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


def anzeige(spalte: Spalte, value: object) -> str:
    """Wie eine Zelle in deutscher Einstellung aussieht (für Spaltenbreiten): „1.234“, „12,3“, „+0,4“, „31.12.2022“."""
    value = zellwert(spalte, value)
    if value is None:
        return ""
    if spalte.art == "datum":
        return value.strftime("%d.%m.%Y")
    if spalte.art == "anzahl":
        return _de_zahl(value, 0)
    if spalte.art in ("quote", "index"):
        return _de_zahl(value, spalte.nachkommastellen)
    if spalte.art == "veraenderung":
        return _de_zahl(value, spalte.nachkommastellen, vorzeichen=True)
    return str(value)


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
    werte, gesperrt = _spaltenweise(frame, maske, spalten)
    for zeile in range(len(frame)):
        felder = [csv_text(s, w[zeile], g[zeile]) for s, w, g in zip(spalten, werte, gesperrt, strict=True)]
        buffer.write(";".join(_csv_feld(f) for f in felder) + "\r\n")
    pfad.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    return pfad


def _spaltenweise(frame: pd.DataFrame, maske: pd.DataFrame,
                  spalten: Sequence[Spalte]) -> tuple[list[list[object]], list[list[bool]]]:
    """Die Werte der sichtbaren Spalten und ob sie gesperrt sind, je Spalte als Liste in der Zeilenfolge von `frame`
    – dieselben Werte wie `frame.at[i, spalte]` (pandas-Array, nicht umgewandelt), ohne dessen Kosten je Zelle (bei
    Tausenden Gebieten der größte Teil der Arbeitsmappe)."""
    if not maske.index.equals(frame.index):
        maske = maske.loc[frame.index]
    werte = [list(frame[s.name].array) for s in spalten]
    gesperrt = [[bool(x) for x in maske[s.name].array] for s in spalten]
    return werte, gesperrt


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


def _spaltenbreiten(frame: pd.DataFrame, maske: pd.DataFrame, spalten: Sequence[Spalte]) -> list[float]:
    """Breiten, in die Überschrift (höchstens `KOPF_ZEILEN_MAX` Zeilen) und Werte passen; Zahlen, Schlüssel und
    Daten brechen nie um, Text ab seiner Breite (`Spalte.breite`, sonst `TEXT_BREITE_MAX`). Ist die Tabelle zu
    breit für eine Seite, werden zuerst die breitesten Textspalten schmaler."""
    breiten = []
    werte, gesperrt = _spaltenweise(frame, maske, spalten)
    for s, einzug, w, g in zip(spalten, _einzuege(spalten), werte, gesperrt, strict=True):
        texte = [GESPERRT if zu else anzeige(s, wert) for wert, zu in zip(w, g, strict=True)]
        zeilen = [z for t in texte for z in t.split("\n")]
        # fett gemessen: Summenzeilen sind fett
        natuerlich = max((druck.breite_fuer(z, fett=True) for z in zeilen), default=0.0)
        kopf = druck.laengstes_wort(s.ueberschrift, fett=True)
        if s.art == "text" and natuerlich > KURZ_TEXT:
            # ein Wort wird nicht zerteilt (bis 20 Einheiten): „Personen“ bleibt in der Spalte „Einheit“ ganz
            wort = min(20.0, max((druck.laengstes_wort(z, fett=True) for z in zeilen), default=0.0))
            wunsch = max(min(natuerlich, s.breite or TEXT_BREITE_MAX), wort)
            minimum = max(kopf, wort)
        else:  # Zahlen, Schlüssel, Daten und kurze Texte (Sozialraum, Status) brechen nie um
            wunsch = minimum = natuerlich
        minimum = max(minimum, kopf, 6.0)
        wunsch = max(wunsch, minimum)
        while druck.zeilen(s.ueberschrift, wunsch, fett=True) > KOPF_ZEILEN_MAX:
            wunsch += 0.5
        extra = druck.EINZUG_EINHEITEN if einzug else 0.0
        breiten.append(druck.Breite(wunsch + extra, minimum + extra))
    return druck.verteile(breiten, druck.hoechstbreite())


def _einzuege(spalten: Sequence[Spalte]) -> list[bool]:
    """Text rechts neben einer Zahlen- oder Schlüsselspalte rückt ein: sonst stieße „+3,3“ oder eine Nummer
    (rechtsbündig) an „Plätze zum …“ bzw. den Titel der Maßnahme."""
    rechts = (*ZAHLEN, "schluessel")
    return [i > 0 and spalten[i - 1].art in rechts and s.art not in ZAHLEN for i, s in enumerate(spalten)]


def _ausrichtung(spalte: Spalte, einzug: bool, kopf: bool = False) -> Alignment:
    """Oben bündig; Text umbrochen; Überschriften über Zahlen rechtsbündig; Datum mittig (nicht bündig mit dem
    Schlüssel daneben); ein Einzug wirkt in Excel und LibreOffice nur bei ausdrücklich linksbündigem Text."""
    links = {"horizontal": "left", "indent": 1} if einzug else {}
    if spalte.art in ZAHLEN:
        return Alignment(wrap_text=True, vertical="top", horizontal="right") if kopf else Alignment(vertical="top")
    if kopf or spalte.art == "text":
        return Alignment(wrap_text=True, vertical="top", **links)
    if spalte.art == "datum":
        return Alignment(vertical="top", horizontal="center")
    return Alignment(vertical="top", **links)


def _kopfspalten(spalten: Sequence[Spalte]) -> str | None:
    """Die Beschriftungsspalten vor der ersten Zahlenspalte (Kennung, Indikator, Schlüssel, Sozialraum): sie stehen
    auf jeder Seite, falls eine Tabelle doch einmal über mehrere Seiten nebeneinander gedruckt wird."""
    zahlen = [i for i, s in enumerate(spalten) if s.art in ZAHLEN]
    if not zahlen or zahlen[0] == 0:
        return None
    return f"A:{get_column_letter(zahlen[0])}"


def _textzeile(ws: Worksheet, row: int, text: str, spalten: int, font: Font | None = None) -> None:
    """Text über die ganze Tabellenbreite (verbunden, umbrochen): Titel, Untertitel, Fußnoten und Quelle laufen so
    nicht über den rechten Rand der Tabelle hinaus."""
    cell = _zelle(ws, row, 1, text)
    cell.alignment = _UMBRUCH
    if font is not None:
        cell.font = font
    if spalten > 1:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=spalten)


STUECK_ZEILEN = 500  # so viele Tabellenzeilen stehen beim Schreiben der Arbeitsmappe höchstens im Speicher


def _blatt_tabelle(wb: Workbook, frame: pd.DataFrame, maske: pd.DataFrame, tabelle: Tabelle, untertitel: str,
                   quelle: str, kopfzeile: str) -> Blatt:
    """Das Blatt einer Tabelle: angelegt mit Titel und Kopf, die Zeilen und Fußnoten in Stücken von
    `STUECK_ZEILEN` (`sozial_dwh.xlsx.Blatt`), je Stück mit Zeilenhöhen."""
    ws = wb.create_sheet(tabelle.blatt[:31])
    spalten = tabelle.sichtbare
    breiten = _spaltenbreiten(frame, maske, spalten)
    for c, breite in enumerate(breiten, start=1):
        ws.column_dimensions[get_column_letter(c)].width = breite
    _textzeile(ws, 1, tabelle.titel, len(spalten), _TITEL)
    _textzeile(ws, 2, untertitel, len(spalten))
    kopf = 4
    einzuege = _einzuege(spalten)
    for c, (s, einzug) in enumerate(zip(spalten, einzuege, strict=True), start=1):
        cell = _zelle(ws, kopf, c, s.ueberschrift)
        cell.font = _KOPF
        cell.fill = _KOPF_FUELLUNG
        cell.alignment = _ausrichtung(s, einzug, kopf=True)
    letzte_zeile = kopf + len(frame)
    # „*“ erklärt genau eine Fußnote, und nur, wenn etwas gesperrt ist
    fussnoten = [t for t in (FUSSNOTE_GESPERRT if maske.to_numpy().any() else "", tabelle.beschreibung, quelle) if t]
    ws.freeze_panes = f"A{kopf + 1}"
    ws.auto_filter.ref = f"A{kopf}:{get_column_letter(len(spalten))}{letzte_zeile}"
    druck.einrichten(ws, kopfzeile, titelzeilen=f"{kopf}:{kopf}", titelspalten=_kopfspalten(spalten))
    druck.zeilenhoehen(ws, 1, kopf, len(spalten))
    # die letzte Zeile des Blatts: Fußnoten nach einer Leerzeile, sonst die erste Zeile unter dem Kopf (dort
    # steht die Fixierung)
    ende = letzte_zeile + 1 + len(fussnoten) if fussnoten else max(letzte_zeile, kopf + 1)

    def stuecke() -> Iterator[None]:
        ausrichtungen = [_ausrichtung(s, einzug) for s, einzug in zip(spalten, einzuege, strict=True)]
        formate = [zahlenformat(s) for s in spalten]
        summe = tabelle.summe_spalte
        summen = list(frame[summe].array) if summe is not None and summe in frame.columns else None
        werte, gesperrt = _spaltenweise(frame, maske, spalten)
        stile: dict[tuple, object] = {}  # (Spalte, gesperrt, Summenzeile, Formelzeichen) -> Formatierung der Zelle
        for von in range(0, len(frame), STUECK_ZEILEN):
            bis = min(von + STUECK_ZEILEN, len(frame))
            for r, zeile in enumerate(range(von, bis), start=kopf + 1 + von):
                ist_summe = summen is not None and summen[zeile] == tabelle.summe_wert
                for c, s in enumerate(spalten, start=1):
                    zu = gesperrt[c - 1][zeile]
                    cell = _zelle(ws, r, c, GESPERRT if zu else zellwert(s, werte[c - 1][zeile]))
                    # Zellen mit gleichem Schlüssel haben dieselbe Formatierung: sie einmal setzen (openpyxl trägt
                    # sie dabei im Workbook ein, in derselben Folge wie zuvor Zelle für Zelle) und danach kopieren
                    schluessel = (c, zu, ist_summe, isinstance(cell.value, str) and cell.quotePrefix)
                    if schluessel in stile:
                        cell._style = copy.copy(stile[schluessel])
                        continue
                    if zu:
                        cell.alignment = Alignment(horizontal="right", vertical="top")
                    else:
                        fmt = formate[c - 1]
                        if fmt:
                            cell.number_format = fmt
                        cell.alignment = ausrichtungen[c - 1]
                    if ist_summe:
                        cell.font = _SUMME
                        cell.border = _LINIE
                    stile[schluessel] = copy.copy(cell._style)
            druck.zeilenhoehen(ws, kopf + 1 + von, kopf + bis, len(spalten))
            yield None
        if ende > letzte_zeile:
            fuss = letzte_zeile + 2
            for text in fussnoten:
                _textzeile(ws, fuss, text, len(spalten))
                fuss += 1
            druck.zeilenhoehen(ws, letzte_zeile + 1, ende, len(spalten))
            yield None

    return Blatt(ws, stuecke(), f"A1:{get_column_letter(len(spalten))}{ende}")


def _format_frei(cell, value: object) -> None:
    """Zahlenformat für Info und Methodik (Datum, Zeitpunkt, Dezimalzahl)."""
    if isinstance(value, dt.datetime):
        cell.number_format = "DD.MM.YYYY HH:MM"
    elif isinstance(value, dt.date):
        cell.number_format = "DD.MM.YYYY"
    elif isinstance(value, float):
        cell.number_format = "0.0##"


def _frei_text(value: object) -> str:
    """Wie `_format_frei` den Wert zeigt (für Spaltenbreiten)."""
    if isinstance(value, dt.datetime):
        return f"{value:%d.%m.%Y %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%d.%m.%Y}"
    if isinstance(value, float):
        return _de_zahl(value, 3)
    return "" if value is None else str(value)


SCHLUESSEL_BREITE_MAX = 32  # Spalte A von Info und Methodik (Begriffe, erste Tabellenspalte)
WERT_BREITE_OHNE_TABELLE = 80
WORT_BREITE_MAX = 72  # eine SHA-256-Prüfsumme (64 Zeichen) passt in eine Zeile


def _breiten_schluessel_wert(zeilen: Sequence[tuple[str, object]],
                             tabellen: Sequence[tuple[str, Sequence[str], Sequence[Sequence[object]]]]) -> list[float]:
    """Spalte A: Begriffe und erste Tabellenspalte; die übrigen Spalten nach den Tabellen. Die Werte neben den
    Begriffen stehen in verbundenen Zellen über alle übrigen Spalten und bestimmen deren Breite nicht."""
    anzahl = max([2, *(len(kopf) for _, kopf, _ in tabellen)])
    texte: list[list[str]] = [[] for _ in range(anzahl)]
    koepfe: list[list[str]] = [[] for _ in range(anzahl)]
    texte[0] += [str(k) for k, _ in zeilen]
    for _, kopf, daten in tabellen:
        for c, text in enumerate(kopf):
            koepfe[c].append(str(text))
        for zeile in daten:
            for c, value in enumerate(zeile):
                texte[c].append(_frei_text(value))
    breiten = []
    for c in range(anzahl):
        kopf = max((druck.laengstes_wort(k, fett=True) for k in koepfe[c]), default=0.0)
        natuerlich = max((druck.breite_fuer(t, fett=c == 0) for t in texte[c]), default=0.0)
        obergrenze = SCHLUESSEL_BREITE_MAX if c == 0 else TEXT_BREITE_MAX
        if c > 0 and texte[c] and not any(" " in t.strip() for t in texte[c]):
            obergrenze = WORT_BREITE_MAX  # Prüfsummen und Kennungen: lieber breit als zeichenweise umbrochen
        wunsch = max(min(natuerlich, obergrenze), kopf, 8.0)
        if anzahl == 2 and c == 1 and not tabellen:
            wunsch = WERT_BREITE_OHNE_TABELLE
        minimum = max(kopf, min(20.0, max((druck.laengstes_wort(t) for t in texte[c]), default=0.0)))
        while any(druck.zeilen(k, wunsch, fett=True) > KOPF_ZEILEN_MAX for k in koepfe[c]):
            wunsch += 0.5
        breiten.append(druck.Breite(wunsch, minimum))
    return druck.verteile(breiten, druck.hoechstbreite())


def _blatt_schluessel_wert(wb: Workbook, titel: str, zeilen: Sequence[tuple[str, object]],
                           tabellen: Sequence[tuple[str, Sequence[str], Sequence[Sequence[object]]]],
                           kopfzeile: str = "") -> Worksheet:
    ws = wb.create_sheet(titel)
    breiten = _breiten_schluessel_wert(zeilen, tabellen)
    letzte = len(breiten)
    for c, breite in enumerate(breiten, start=1):
        ws.column_dimensions[get_column_letter(c)].width = breite
    _zelle(ws, 1, 1, titel).font = _TITEL
    r = 3
    for key, value in zeilen:
        cell = _zelle(ws, r, 1, key)
        cell.font = _SUMME
        cell.alignment = _UMBRUCH
        cell = _zelle(ws, r, 2, value)
        _format_frei(cell, value)
        cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
        if letzte > 2:
            ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=letzte)
        r += 1
    for ueberschrift, kopf, daten in tabellen:
        r += 1
        _zelle(ws, r, 1, ueberschrift).font = _TITEL
        r += 1
        for c, text in enumerate(kopf, start=1):
            cell = _zelle(ws, r, c, text)
            cell.font = _KOPF
            cell.fill = _KOPF_FUELLUNG
            cell.alignment = _UMBRUCH
        for zeile in daten:
            r += 1
            for c, value in enumerate(zeile, start=1):
                cell = _zelle(ws, r, c, value)
                _format_frei(cell, value)
                cell.alignment = _UMBRUCH
        r += 1
    druck.zeilenhoehen(ws)
    druck.einrichten(ws, kopfzeile)
    return ws


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
    """Die Arbeitsmappe: `Info`, ein Blatt je Tabelle, `Methodik`; jedes Blatt druckfertig (`druck`). Die Kopfzeile
    jeder Druckseite nennt die Ausgabe (der Untertitel bis zum ersten „;“: Titel und Stichtag)."""
    kopfzeile = untertitel.split(";")[0].strip()
    wb = Workbook()
    wb.remove(wb.active)
    # Blatt für Blatt beim Speichern angelegt und geschrieben (nie alle Zellen der Mappe auf einmal im Speicher)
    blaetter = [
        lambda: Blatt(_blatt_schluessel_wert(wb, "Info", info, info_tabellen, kopfzeile)),
        *(functools.partial(_blatt_tabelle, wb, frame, maske, tabelle, untertitel, quellen.get(tabelle.name, ""),
                            kopfzeile) for tabelle, frame, maske in tabellen),
        lambda: Blatt(_blatt_schluessel_wert(wb, "Methodik", methodik, methodik_tabellen, kopfzeile)),
    ]
    return save_reproducible(wb, pfad, zeitpunkt, blaetter)
