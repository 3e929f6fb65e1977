"""Die Arbeitsmappe einer Berichtsausgabe druckt (architektur.md §10): A4, Querformat, wo eine Tabelle breit ist, auf eine
Seitenbreite verkleinert (nie mehr nebeneinanderliegende Seiten), Kopfzeile der Tabelle und Beschriftungsspalten
auf jeder Seite, Kopf- und Fußzeile mit Ausgabe, Blatt und „Seite x von y“, Spaltenbreiten und Zeilenhöhen, in
die umbrochener Text passt.

Warum Zeilenhöhen vorgerechnet werden: LibreOffice übernimmt beim Öffnen einer xlsx-Datei die Zeilenhöhe aus der
Datei; fehlt sie, bleibt es bei einer Textzeile, und ein umbrochener Indikatorname läuft in die nächste Zeile.
Deshalb schätzt dieses Modul, wie viele Zeilen ein Text in einer Spalte braucht, mit den Zeichenbreiten der
Standardschrift Calibri (LibreOffice nimmt die maßgleiche Carlito), lieber eine Zeile zu viel als zu wenig.

Maße wie in Excel: eine Spaltenbreite von 1 ist die Breite einer Ziffer in Calibri 11, 7 Pixel bei 96 dpi;
Zeilenhöhen in Punkt (1 Zeile Calibri 11 = 15 pt).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

SCHRIFT = "Calibri"
GROESSE = 11.0
PX_JE_EINHEIT = 7.0  # Breite einer Ziffer in Calibri 11 bei 96 dpi: die Einheit der Spaltenbreite
PT_JE_ZEILE = 15.0 / 11.0  # Zeilenhöhe je Punkt Schriftgröße (Calibri 11: 15 pt)
RAND_PX = 6.0  # Innenabstand einer Zelle links und rechts zusammen
EINZUG_EINHEITEN = 1.5  # eine Einzugsstufe (drei Leerzeichen) in Einheiten der Spaltenbreite

# Zeichenbreiten von Calibri (gemessen an der maßgleichen Carlito) in Hundertstel em; andere Zeichen 55
_BREITEN: tuple[tuple[str, int], ...] = (
    ("'", 22), ("il ", 23), ("j", 24), ("I,.·‘’", 25), (":;", 27), ("`", 29), ("()", 30), ("f-[]{}", 31),
    ("J", 32), ("t!³", 33), ("²°", 34), ("r", 35), ("s/\\", 39), ("z\"", 40), ("cL„“”", 42), ("x", 43),
    ("kvy", 45), ("FS?|", 46), ("gZ", 47), ("aä", 48), ("ETY", 49), ("e#*+<=>^_~–−§é", 50),
    ("0123456789$€«»", 51), ("KPX", 52), ("bdhnopquCöüß", 53), ("BR", 54), ("V", 57), ("AÄ", 58), ("DH", 62),
    ("G", 63), ("UÜ", 64), ("N", 65), ("OÖ", 66), ("Q", 67), ("&", 68), ("…", 69), ("w%", 71), ("m", 80),
    ("M", 85), ("W@", 89), ("—→", 91),
)
_EM = {zeichen: breite / 100 for gruppe, breite in _BREITEN for zeichen in gruppe}
_EM_SONST = 0.55
_FETT = 1.03  # fette Glyphen sind im Mittel knapp 3 % breiter
_RESERVE = 1.03  # Bildschirmschrift rundet jede Glyphe auf ganze Pixel: lieber etwas breiter rechnen

# A4 in Zoll, Ränder in Zoll (links/rechts 1,5 cm, oben/unten 2 cm, Kopf-/Fußzeile 0,8 cm vom Rand)
A4_ZOLL = (8.27, 11.69)
RAENDER = PageMargins(left=0.59, right=0.59, top=0.79, bottom=0.79, header=0.31, footer=0.31)
PX_JE_ZOLL = 96.0
HOCH_BREITE_PX = (A4_ZOLL[0] - RAENDER.left - RAENDER.right) * PX_JE_ZOLL  # 680 Pixel
QUER_BREITE_PX = (A4_ZOLL[1] - RAENDER.left - RAENDER.right) * PX_JE_ZOLL  # 1009 Pixel
HOCH_AB_MASSSTAB = 0.9  # Hochformat, solange die Tabelle dort mindestens zu 90 % Größe auf eine Seitenbreite passt
MIN_MASSSTAB = 0.75  # breite Textspalten werden schmaler, bis die Tabelle quer zu mindestens 75 % passt


def textbreite_px(text: str, groesse: float = GROESSE, fett: bool = False) -> float:
    """Breite einer Textzeile in Pixeln (96 dpi), eher zu breit als zu schmal."""
    em = sum(_EM.get(z, _EM_SONST) for z in text)
    return em * groesse * PX_JE_ZOLL / 72.0 * (_FETT if fett else 1.0) * _RESERVE


def breite_fuer(text: str, groesse: float = GROESSE, fett: bool = False) -> float:
    """Spaltenbreite (Excel-Einheiten), in die `text` ohne Umbruch passt."""
    return (textbreite_px(text, groesse, fett) + RAND_PX) / PX_JE_EINHEIT


def laengstes_wort(text: str, groesse: float = GROESSE, fett: bool = False) -> float:
    """Spaltenbreite für das längste Wort von `text` (ein Bindestrich teilt): schmaler bräche der Umbruch mitten
    im Wort."""
    stuecke = [stueck for absatz in text.split("\n") for stueck, _ in _teile(absatz)]
    return max((breite_fuer(w, groesse, fett) for w in stuecke), default=0.0)


def zeilen(text: str, breite: float, groesse: float = GROESSE, fett: bool = False) -> int:
    """Wie viele Zeilen `text` in einer Spalte der Breite `breite` (Excel-Einheiten) mit Zeilenumbruch braucht.

    Umbrochen wird wie in Excel und LibreOffice an Leerzeichen und nach einem Bindestrich zwischen Buchstaben; ein
    Wort, das allein nicht passt, wird wie dort zeichenweise geteilt.
    """
    verfuegbar = max(breite * PX_JE_EINHEIT - RAND_PX, 1.0)
    leer = textbreite_px(" ", groesse, fett)
    anzahl = 0
    for absatz in str(text).split("\n"):
        anzahl += 1
        belegt = 0.0  # Pixel der laufenden Zeile
        for wort, abstand in _teile(absatz):
            w = textbreite_px(wort, groesse, fett)
            zwischen = leer if abstand else 0.0
            if belegt > 0 and belegt + zwischen + w <= verfuegbar:
                belegt += zwischen + w
                continue
            if belegt > 0:
                anzahl += 1
                belegt = 0.0
            if w <= verfuegbar:
                belegt = w
                continue
            for zeichen in wort:  # zu langes Wort: zeichenweise auf weitere Zeilen
                b = textbreite_px(zeichen, groesse, fett)
                if belegt > 0 and belegt + b > verfuegbar:
                    anzahl += 1
                    belegt = 0.0
                belegt += b
    return max(anzahl, 1)


def _teile(absatz: str) -> list[tuple[str, bool]]:
    """Stücke, zwischen denen umbrochen werden darf: Wörter (mit Leerzeichen davor) und Teile nach einem
    Bindestrich („Alleinerziehenden-“ | „Bedarfsgemeinschaften“, ohne Leerzeichen davor)."""
    teile: list[tuple[str, bool]] = []
    for i, wort in enumerate(absatz.split(" ")):
        stuecke = re.split(r"(?<=\w-)(?=\w)", wort)
        teile += [(stueck, i > 0 and j == 0) for j, stueck in enumerate(stuecke)]
    return teile


def zeilenhoehe(anzahl_zeilen: int, groesse: float = GROESSE) -> float:
    return round(anzahl_zeilen * groesse * PT_JE_ZEILE + (2.0 if anzahl_zeilen > 1 else 0.0), 2)


@dataclass(frozen=True)
class Breite:
    """Wunschbreite einer Spalte und wie schmal sie höchstens werden darf (umbrechbarer Text: längstes Wort)."""

    wunsch: float
    minimum: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "minimum", min(self.minimum, self.wunsch))


def verteile(breiten: Sequence[Breite], hoechstens: float) -> list[float]:
    """Spaltenbreiten, die zusammen höchstens `hoechstens` ergeben. Jede Spalte gibt im Verhältnis dessen ab, was
    sie über ihrem Minimum hat: eine Beschreibung (Wunsch 60) bleibt breiter als „Zuständig“ (Wunsch 30), keine
    Spalte wird schmaler als ihr Minimum. Passt es schon, bleibt alles, wie gewünscht."""
    wunsch = sum(b.wunsch for b in breiten)
    if wunsch <= hoechstens:
        return [_runden(b.wunsch) for b in breiten]
    minimum = sum(b.minimum for b in breiten)
    anteil = max(0.0, (hoechstens - minimum) / (wunsch - minimum)) if wunsch > minimum else 0.0
    return [_runden(b.minimum + (b.wunsch - b.minimum) * anteil) for b in breiten]


def _runden(breite: float) -> float:
    return math.ceil(breite * 2) / 2  # halbe Einheiten, aufgerundet


def hoechstbreite() -> float:
    """Gesamtbreite (Excel-Einheiten), bis zu der eine Tabelle quer mit `MIN_MASSSTAB` auf eine Seite passt."""
    return QUER_BREITE_PX / MIN_MASSSTAB / PX_JE_EINHEIT


def zeilenhoehen(ws: Worksheet, von: int | None = None, bis: int | None = None, spalten: int | None = None) -> None:
    """Setzt die Höhe jeder Zeile mit umbrochenem Text (oder größerer Schrift) auf das, was ihr Text braucht;
    verbundene Zellen zählen mit der Breite aller ihrer Spalten. Mit `von`, `bis` und `spalten` nur für diese
    Zeilen und Spalten 1 bis `spalten` (ein Stück eines Blatts, das in Stücken geschrieben wird); wie beim ganzen
    Blatt entstehen dabei leere Zellen an jeder Stelle des Bereichs."""
    verbunden = {}
    for bereich in ws.merged_cells.ranges:
        verbunden[(bereich.min_row, bereich.min_col)] = range(bereich.min_col, bereich.max_col + 1)
    breiten = {}

    def spaltenbreite(spalte: int) -> float:
        if spalte not in breiten:
            dim = ws.column_dimensions.get(get_column_letter(spalte))
            breiten[spalte] = dim.width if dim is not None and dim.width else 8.43  # Vorgabe von Excel
        return breiten[spalte]

    bereich = {} if von is None else {"min_row": von, "max_row": bis, "min_col": 1, "max_col": spalten}
    for zeile in ws.iter_rows(**bereich):
        hoehe = 0.0
        for zelle in zeile:
            if zelle.value is None or not hasattr(zelle, "column"):
                continue
            groesse = float(zelle.font.sz or GROESSE) if zelle.font is not None else GROESSE
            fett = bool(zelle.font is not None and zelle.font.b)
            # nur Text bricht um; Zahlen und Daten bleiben eine Zeile (zu schmal zeigt Excel „###“)
            if isinstance(zelle.value, str) and zelle.alignment is not None and zelle.alignment.wrap_text:
                spalten = verbunden.get((zelle.row, zelle.column), range(zelle.column, zelle.column + 1))
                breite = sum(spaltenbreite(s) for s in spalten) - (zelle.alignment.indent or 0) * EINZUG_EINHEITEN
                n = zeilen(str(zelle.value), breite, groesse, fett)
            else:
                n = 1
            hoehe = max(hoehe, zeilenhoehe(n, groesse))
        if hoehe > zeilenhoehe(1):
            ws.row_dimensions[zeile[0].row].height = hoehe


def einrichten(ws: Worksheet, kopfzeile: str, *, titelzeilen: str | None = None, titelspalten: str | None = None,
               breite: float | None = None) -> None:
    """Seite einrichten: A4, Hoch- oder Querformat nach der Breite (Excel-Einheiten; ohne Angabe die Summe der
    Spaltenbreiten), auf eine Seitenbreite verkleinert, beliebig viele Seiten hoch; `titelzeilen` (z. B. „4:4“)
    und `titelspalten` (z. B. „A:B“) auf jeder Seite; Kopfzeile links `kopfzeile`, rechts der Blattname,
    Fußzeile rechts „Seite x von y“."""
    if breite is None:
        breite = sum((d.width or 8.43) for d in ws.column_dimensions.values() if not d.hidden)
    breite_px = breite * PX_JE_EINHEIT
    hoch = breite_px <= HOCH_BREITE_PX / HOCH_AB_MASSSTAB
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_PORTRAIT if hoch else ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # so viele Seiten hoch wie nötig
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=RAENDER.left, right=RAENDER.right, top=RAENDER.top, bottom=RAENDER.bottom,
                                  header=RAENDER.header, footer=RAENDER.footer)
    ws.print_options.gridLines = False
    if titelzeilen:
        ws.print_title_rows = titelzeilen
    if titelspalten:
        ws.print_title_cols = titelspalten
    for teil, text in ((ws.oddHeader.left, _kopftext(kopfzeile)), (ws.oddHeader.right, "&A"),
                       (ws.oddFooter.right, "Seite &P von &N")):
        teil.text = text
        teil.size = 9
        teil.font = f"{SCHRIFT},Regular"


def _kopftext(text: str) -> str:
    """„&“ leitet in Kopf- und Fußzeilen einen Steuercode ein; ein Text-„&“ wird verdoppelt."""
    return text.replace("&", "&&")
