"""Karten einer Berichtsausgabe (architektur.md §10.1): je Indikator eine Karte der Sozialräume und eine der Gebiete, dazu
die Karte des Sozialindex – je als PNG für den Druck (300 dpi) und als SVG, in `karten/` der Ausgabe.

Werte: die veröffentlichten Werte der Ausgabe, also nach der Geheimhaltung (`sozial_dwh.bericht.geheimhaltung`):
Sozialräume aus der Tabelle „Indikatoren“, Gebiete aus „Indikatoren nach Gebieten“. Ein gesperrter Wert wird nie
gezeichnet, beschriftet oder für die Klassengrenzen verwendet.

Gestaltung:
- **Klassen**: Quantile der veröffentlichten Werte (gleich viele Räume je Klasse; 3 Klassen bis 6 Räume, 4 bis
  12, sonst 5), gebildet auf den gezeigten (gerundeten) Werten: ein Wert, der als „8,2“ beschriftet ist, liegt in
  der Klasse „8,2 bis unter …“. Die Legende nennt die Grenzen (deutsches Zahlenformat) und die Zahl der Räume.
- **Farben**: ColorBrewer (Cynthia Brewer, colorbrewer2.org), sequenziell, als druck-, graustufen- und
  farbsehschwächentauglich ausgewiesen. Indikatoren mit Polarität (+1: höher = mehr Bedarf, −1: niedriger = mehr
  Bedarf) in „YlOrBr“: dunkler = mehr Bedarf, bei −1 also die niedrigen Werte dunkel. Indikatoren ohne Wertung
  (Polarität 0, z. B. Altersanteile) in „Blues“: dunkler = höher.
- **ohne Wert**: gesperrt (Geheimhaltung) schraffiert ///, Nenner unter der Mindestgröße schraffiert \\\\\\,
  kein Wert geliefert hellgrau – jeweils in der Legende erklärt. Ein Gebiet ohne Form („keine Geometrie“)
  erscheint mit seinem Wert im Kasten „Fehlende Geometrie“ unter der Karte, nie still weggelassen.
- **Sozialindex**: Status- × Dynamikklassen wie im Berliner Monitoring Soziale Stadtentwicklung (Klassen
  „1 +“ … „4 −“: Status 1 hoch bis 4 sehr niedrig, Dynamik + positiv, ± stabil, − negativ). Zwölf Farben aus
  „YlOrBr“, nach Status gruppiert (innerhalb der Gruppe heller = positivere Dynamik), dazu der Klassencode in
  jeder Fläche: lesbar auch in Graustufen.
- Beschriftung: Name (Sozialräume) bzw. Schlüssel (Gebiete, Liste der Namen in der Legende) und Wert am Pol der
  Unzugänglichkeit der Fläche (`polylabel`); passt sie nicht hinein, wird sie verschoben und verkleinert.
- Quellenzeile: Datenquellen, eigene Berechnung, Quellenangabe der Geometrie („Geometrie schematisch, nicht
  amtlich“), Stichtag. Maßstabsleiste und Nordpfeil (Koordinaten in EPSG:25832, Meter).

Reproduzierbar wie die Grafiken: ohne pyplot (Agg-Zeichenfläche), feste Stilvorgaben, keine Zeitstempel in PNG und
SVG, feste Kennungen im SVG (`svg.hashsalt`); Text bleibt im SVG Text (bearbeitbar, durchsuchbar).
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sozial_dwh.bericht.grafiken import MINUS, zahl_de

DPI = 300
CM = 1 / 2.54
BREITE_CM = 16.0
KARTE_CM = 10.6  # Breite der Karte; daneben die Legende
LEGENDE_CM = 4.55  # bis 0,15 cm vor dem rechten Rand
RAND_CM = 0.25
TITEL_CM = 1.15
FUSS_CM = 0.95
SCHRIFT = "DejaVu Sans"
ORDNER = "karten"

FARBE_TEXT = "#222222"
FARBE_GRAU = "#666666"
FARBE_KEIN_WERT = "#e3e3e3"
FARBE_GRENZE_GEBIET = "#ffffff"
FARBE_GRENZE_RAUM = "#4d4d4d"
FARBE_SCHRAFFUR = "#5a5a5a"

# ColorBrewer 2.0 (Brewer, Harrower; Apache-2.0): sequenziell, „print friendly“, „colorblind safe“
YLORBR = {
    3: ("#fff7bc", "#fec44f", "#d95f0e"),
    4: ("#ffffd4", "#fed98e", "#fe9929", "#cc4c02"),
    5: ("#ffffd4", "#fed98e", "#fe9929", "#d95f0e", "#993404"),
    6: ("#ffffd4", "#fee391", "#fec44f", "#fe9929", "#d95f0e", "#993404"),
}
BLUES = {
    3: ("#deebf7", "#9ecae1", "#3182bd"),
    4: ("#eff3ff", "#bdd7e7", "#6baed6", "#2171b5"),
    5: ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"),
    6: ("#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"),
}
SCHEMA_TEXT = {1: "ColorBrewer YlOrBr: dunkler = mehr Bedarf (höhere Werte ungünstiger)",
               -1: "ColorBrewer YlOrBr: dunkler = mehr Bedarf (niedrigere Werte ungünstiger)",
               0: "ColorBrewer Blues: dunkler = höherer Wert (ohne Wertung)"}

# Zustände einer Fläche ohne Farbe der Klassen: (Legendentext, Füllung, Schraffur, Zeichen in der Beschriftung)
GESPERRT, ZU_KLEIN, KEIN_WERT = "gesperrt", "zu_klein", "kein_wert"
ZUSTAENDE = {
    GESPERRT: ("gesperrt (Geheimhaltung)", "#ffffff", "////", "*"),
    ZU_KLEIN: ("kein Wert: Nenner unter der Mindestgröße", "#ffffff", "\\\\\\\\", "–"),
    KEIN_WERT: ("kein Wert vorhanden", FARBE_KEIN_WERT, None, "–"),
}
KEINE_GEOMETRIE = "keine Geometrie"
DYNAMIK_ZEICHEN = ("+", "±", MINUS)  # positiv, stabil, negativ (MSS)

_RC: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": [SCHRIFT],
    "font.size": 7.0,
    "text.color": FARBE_TEXT,
    "axes.unicode_minus": True,
    "svg.fonttype": "none",  # Text bleibt Text
    "svg.hashsalt": "sozial_dwh",  # feste Kennungen: gleiche Karte, gleiche Datei
    "hatch.linewidth": 0.6,
    # Hinting richtet Glyphen am Bildschirmraster aus; bei 300 dpi unsichtbar, kostet aber die Hälfte der Zeit
    "text.hinting": "no_hinting",
    "savefig.facecolor": "white",
    "figure.facecolor": "white",
}


# ---------------------------------------------------------------------------------------------------------------
# Daten einer Karte


@dataclass
class Flaeche:
    """Eine Einheit der Karte (Gebiet oder Sozialraum) mit ihrem veröffentlichten Wert."""
    kennung: str
    name: str
    form: Any | None  # shapely-Fläche in EPSG:25832, None = keine Geometrie
    wert: float | None = None  # None: gesperrt oder kein Wert (siehe zustand)
    zustand: str | None = None  # None = Wert vorhanden, sonst GESPERRT, ZU_KLEIN, KEIN_WERT
    code: str = ""  # Sozialindex: Klassencode („3 −“)
    hinweis: str = ""  # z. B. „Form unvollständig: ohne 903“


@dataclass
class Klassen:
    """Klassen mit Grenzen „von … bis unter …“ auf `stellen` Nachkommastellen."""
    grenzen: list[float]  # innere Grenzen, aufsteigend; Klasse i: [grenzen[i-1], grenzen[i])
    unten: float
    oben: float
    stellen: int
    anzahl: list[int] = field(default_factory=list)

    def klasse(self, wert: float) -> int:
        gezeigt = _gerundet(wert, self.stellen)
        return sum(1 for g in self.grenzen if gezeigt >= g - 10 ** -(self.stellen + 3))

    def __len__(self) -> int:
        return len(self.grenzen) + 1

    def texte(self, einheit: str = "") -> list[str]:
        z = lambda x: zahl_de(x, self.stellen)  # noqa: E731
        if not self.grenzen:
            return [z(self.unten) if self.unten == self.oben else f"{z(self.unten)} bis {z(self.oben)}"]
        punkte = [self.unten, *self.grenzen]
        texte = [f"{z(a)} bis unter {z(b)}" for a, b in zip(punkte, self.grenzen, strict=False)]
        texte.append(z(self.oben) if self.grenzen[-1] == self.oben else f"{z(self.grenzen[-1])} bis {z(self.oben)}")
        return texte


def _gerundet(wert: float, stellen: int) -> float:
    return round(float(wert) + 0.0, stellen)


def klassen_bilden(werte: Sequence[float], stellen: int, hoechstens: int | None = None) -> Klassen | None:
    """Klassen nach natürlichen Brüchen (Fisher-Jenks: kleinste Summe der quadrierten Abweichungen innerhalb der
    Klassen) auf den gezeigten, gerundeten Werten; None ohne Werte. Zahl der Klassen: 3 bis 6 Räume, 4 bis 12,
    sonst 5 – nie mehr als verschiedene Werte. Grenze = kleinster Wert der nächsten Klasse („bis unter“)."""
    gezeigt = sorted(_gerundet(w, stellen) for w in werte if w is not None and math.isfinite(w))
    if not gezeigt:
        return None
    n = len(gezeigt)
    k = hoechstens or (3 if n <= 6 else 4 if n <= 12 else 5)
    k = max(1, min(k, len(set(gezeigt))))
    grenzen = [g for g in (gezeigt[i] for i in _fisher_jenks(gezeigt, k)[1:]) if g > gezeigt[0]]
    grenzen = sorted(set(grenzen))
    klassen = Klassen(grenzen, gezeigt[0], gezeigt[-1], stellen)
    klassen.anzahl = [0] * len(klassen)
    for w in gezeigt:
        klassen.anzahl[klassen.klasse(w)] += 1
    return klassen


def _fisher_jenks(x: Sequence[float], k: int) -> list[int]:
    """Anfangsindizes der k Klassen einer optimalen Einteilung der sortierten Werte `x` (dynamische Programmierung,
    Fisher 1958); bei Gleichstand die erste gefundene Einteilung."""
    import numpy as np

    werte = np.asarray(x, dtype=float)
    n = len(werte)
    if k <= 1 or n <= k:
        return list(range(min(k, n))) if n > 1 else [0]
    summe = np.concatenate([[0.0], np.cumsum(werte)])
    quadrate = np.concatenate([[0.0], np.cumsum(werte * werte)])

    def kosten(i: np.ndarray, j: int) -> np.ndarray:  # Abweichungsquadrate von werte[i..j] (je i)
        anzahl = j - i + 1
        s = summe[j + 1] - summe[i]
        return quadrate[j + 1] - quadrate[i] - s * s / anzahl

    fehler = np.full((k, n), np.inf)
    start = np.zeros((k, n), dtype=int)
    fehler[0] = [kosten(np.array([0]), j)[0] for j in range(n)]
    for c in range(1, k):
        for j in range(c, n):
            i = np.arange(c, j + 1)  # Anfang der letzten Klasse
            gesamt = fehler[c - 1][i - 1] + kosten(i, j)
            best = int(np.argmin(gesamt))
            fehler[c, j], start[c, j] = gesamt[best], i[best]
    anfaenge = []
    j = n - 1
    for c in range(k - 1, 0, -1):
        anfaenge.append(int(start[c, j]))
        j = start[c, j] - 1
    return [0, *reversed(anfaenge)]


def farben(anzahl: int, polaritaet: int) -> list[str]:
    """Farben je Klasse in aufsteigender Wertfolge (bei Polarität −1 also von dunkel nach hell)."""
    schema = BLUES if polaritaet == 0 else YLORBR
    if anzahl <= 2:
        liste = [schema[3][0], schema[3][2]][:anzahl] if anzahl == 2 else [schema[3][1]]
    else:
        liste = list(schema[min(anzahl, 6)])
    return liste[::-1] if polaritaet < 0 else liste


def mss_farben(status: int, dynamik: int) -> list[list[str]]:
    """Farben [Status][Dynamik] für den Sozialindex: YlOrBr, je Status eine Gruppe (mit Abstand zur nächsten),
    innerhalb der Gruppe von positiv (hell) nach negativ (dunkel)."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    karte = colormaps["YlOrBr"]
    plaetze = status * (dynamik + 1) - 2
    return [[to_hex(karte(0.04 + 0.92 * (s * (dynamik + 1) + d) / plaetze)) for d in range(dynamik)]
            for s in range(status)]


def sicher(kennung: str) -> str:
    """Ein Schlüssel als Teil eines Dateinamens oder einer XML-Kennung: nur Buchstaben, Ziffern, `_.-`."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", kennung)


def svg_id(art: str, kennung: str) -> str:
    """Eine gültige XML-Kennung für das SVG, z. B. `beschriftung-101`."""
    return f"{art}-" + sicher(kennung)


def _hell(farbe: str) -> bool:
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(farbe)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45


# ---------------------------------------------------------------------------------------------------------------
# Zeichnen
#
# Ohne Achsen: Flächen, Linien und Texte hängen direkt an der Figur, mit zwei festen Transformationen – Meter
# (EPSG:25832) → Pixel für die Karte, Zentimeter → Pixel für Legende, Titel und Fuß. Achsen kosten beim Anlegen
# und Zeichnen mehr Zeit als die ganze Karte; so bleibt der Export der Ausgabe schnell.


@dataclass
class Rahmen:
    """Was jede Karte der Ausgabe gleich hat: Linien der höheren Ebenen, Ausdehnung."""
    linien_raum: list[Any]  # Flächen der Sozialräume: ihre Grenzen auf Gebietskarten
    umriss: list[Any]  # Flächen der Gemeinden: ihre Grenzen
    ausdehnung: tuple[float, float, float, float]  # xmin, ymin, xmax, ymax (EPSG:25832)


@dataclass
class Blatt:
    """Eine Figur mit ihren Transformationen: `karte` (Meter → Pixel), `cm` (Zentimeter ab unten links → Pixel),
    `legende` (Zentimeter ab unten links der Legende → Pixel)."""
    fig: Any
    karte: Any
    cm: Any
    legende: Any
    hoehe_cm: float
    karte_cm: float
    ausdehnung: tuple[float, float, float, float]  # sichtbarer Ausschnitt der Karte (Meter)


def _stil():
    import matplotlib.style

    return matplotlib.style.context(["default", _RC], after_reset=False)


def _kartenhoehe(ausdehnung: tuple[float, float, float, float]) -> float:
    x0, y0, x1, y1 = ausdehnung
    verhaeltnis = (y1 - y0) / max(x1 - x0, 1.0)
    return min(max(KARTE_CM * verhaeltnis, 7.5), 15.0)


def _blatt(ausdehnung: tuple[float, float, float, float], notiz: Sequence[str] = ()) -> Blatt:
    """Neue Figur: Karte links (gleicher Maßstab in x und y), Legende rechts, Titel oben, Quelle unten; darüber
    ein Streifen für den Kasten „fehlende Geometrie“, wenn es `notiz`-Zeilen gibt (er verdeckt so keine Fläche)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.transforms import Affine2D

    karte_cm = _kartenhoehe(ausdehnung)
    unten_cm = FUSS_CM + (_notiz_hoehe(notiz) + 0.15 if notiz else 0.0)
    hoehe_cm = karte_cm + TITEL_CM + unten_cm
    # ganze Pixel (16 cm bei 300 dpi sind 1889,8 Pixel, Agg schnitte ab): auf 1890 runden
    fig = Figure(figsize=(round(BREITE_CM * CM * DPI) / DPI, round(hoehe_cm * CM * DPI) / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    px = DPI / 2.54  # Pixel je cm
    x0, y0, x1, y1 = ausdehnung
    massstab = min(KARTE_CM / (x1 - x0), karte_cm / (y1 - y0))  # cm je Meter
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    links, unten = RAND_CM + KARTE_CM / 2, unten_cm + karte_cm / 2  # Mitte der Karte in cm
    karte = Affine2D().translate(-mx, -my).scale(massstab * px).translate(links * px, unten * px)
    halb_b, halb_h = KARTE_CM / 2 / massstab, karte_cm / 2 / massstab
    sichtbar = (mx - halb_b, my - halb_h, mx + halb_b, my + halb_h)
    cm = Affine2D().scale(px)
    legende = Affine2D().translate(RAND_CM + KARTE_CM + 0.3, unten_cm).scale(px)
    return Blatt(fig, karte, cm, legende, hoehe_cm, karte_cm, sichtbar)


def _pfad(form):
    """shapely-(Multi)Polygon als matplotlib-Pfad mit Löchern (Ringe gegenläufig)."""
    import numpy as np
    import shapely
    from matplotlib.path import Path as MPath

    form = shapely.orient_polygons(form)
    punkte, codes = [], []
    for teil in shapely.get_parts(form):
        if teil.geom_type != "Polygon":
            continue
        for ring in (teil.exterior, *teil.interiors):
            xy = np.asarray(ring.coords)
            c = np.full(len(xy), MPath.LINETO, dtype=np.uint8)
            c[0], c[-1] = MPath.MOVETO, MPath.CLOSEPOLY
            punkte.append(xy)
            codes.append(c)
    return MPath(np.concatenate(punkte), np.concatenate(codes))


def _linien(b: Blatt, formen: Sequence[Any], farbe: str, breite: float, zorder: float) -> None:
    """Ränder von Flächen (und Linien) als eine Linienmenge."""
    import numpy as np
    import shapely
    from matplotlib.collections import LineCollection

    teile = []
    for form in formen:
        for teil in shapely.get_parts(form):
            if teil.geom_type == "Polygon":
                teile += [np.asarray(r.coords) for r in (teil.exterior, *teil.interiors)]
            elif teil.geom_type in ("LineString", "LinearRing"):
                teile.append(np.asarray(teil.coords))
    if teile:
        b.fig.add_artist(LineCollection(teile, colors=farbe, linewidths=breite, zorder=zorder, capstyle="round",
                                        joinstyle="round", transform=b.karte))


def _flaechen_zeichnen(b: Blatt, flaechen: list[Flaeche], fuellungen: Mapping[str, str], grenze: float) -> None:
    from matplotlib.collections import PathCollection

    mit_farbe = [f for f in flaechen if f.form is not None and f.kennung in fuellungen]
    if mit_farbe:
        b.fig.add_artist(PathCollection([_pfad(f.form) for f in mit_farbe],
                                        facecolors=[fuellungen[f.kennung] for f in mit_farbe],
                                        edgecolors=FARBE_GRENZE_GEBIET, linewidths=grenze, zorder=2,
                                        transform=b.karte))
    for zustand, (_, fuellung, schraffur, _) in ZUSTAENDE.items():
        teile = [f for f in flaechen if f.form is not None and f.kennung not in fuellungen and f.zustand == zustand]
        if teile:
            b.fig.add_artist(PathCollection([_pfad(f.form) for f in teile], facecolors=fuellung,
                                            edgecolors=FARBE_GRENZE_GEBIET, hatchcolors=FARBE_SCHRAFFUR,
                                            hatch=schraffur, linewidths=grenze, zorder=2, transform=b.karte))


def _kopf_und_fuss(b: Blatt, titel: str, quelle: str) -> None:
    b.fig.text(RAND_CM, b.hoehe_cm - 0.2, "\n".join(textwrap.wrap(titel, 78)), ha="left", va="top",
               fontsize=9.5, fontweight="bold", transform=b.cm)
    b.fig.text(RAND_CM, 0.12, "\n".join(textwrap.wrap(quelle, 150)), ha="left", va="bottom", fontsize=5.6,
               color=FARBE_GRAU, linespacing=1.3, transform=b.cm)


def _massstab_und_norden(b: Blatt) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch

    x0, y0, x1, y1 = b.ausdehnung
    breite, hoehe = x1 - x0, y1 - y0
    laenge = next((m for m in (100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000)
                   if m >= breite / 8), 100_000)
    x, y = x1 - breite * 0.03 - laenge, y0 + hoehe * 0.03
    for xs, ys, w in (([x, x + laenge], [y, y], 1.4), ([x, x], [y, y + hoehe * 0.008], 0.6),
                      ([x + laenge, x + laenge], [y, y + hoehe * 0.008], 0.6)):
        b.fig.add_artist(Line2D(xs, ys, color=FARBE_TEXT, linewidth=w, solid_capstyle="butt", zorder=6,
                                transform=b.karte))
    text = f"{laenge // 1000} km" if laenge >= 1000 else f"{laenge} m"
    b.fig.text(x + laenge / 2, y + hoehe * 0.012, text, ha="center", va="bottom", fontsize=6, zorder=6,
               transform=b.karte)
    nx = x1 - breite * 0.04
    b.fig.add_artist(FancyArrowPatch((nx, y1 - hoehe * 0.085), (nx, y1 - hoehe * 0.02), arrowstyle="-|>",
                                     mutation_scale=7, color=FARBE_TEXT, linewidth=0.8, zorder=6,
                                     transform=b.karte))
    b.fig.text(nx, y1 - hoehe * 0.09, "N", ha="center", va="top", fontsize=7, fontweight="bold", zorder=6,
               transform=b.karte)


def _beschriften(b: Blatt, eintraege: list[tuple[str, Any, list[tuple[str, float, str]], str, bool]]) -> list[Any]:
    """Beschriftungen in die Flächen setzen: (Kennung, Form, [(Textzeile, Schriftgröße, Schriftstärke)], Farbe,
    hinterlegt – weißer Grund auf schraffierten Flächen).
    Im SVG trägt jede Beschriftung die Kennung `beschriftung-<Kennung>` (prüfbar, für Gestalter auffindbar).

    Der Text steht am Pol der Unzugänglichkeit (polylabel); passt sein Rahmen nicht ganz in die Fläche, werden
    weitere Punkte der Fläche und kleinere Schrift versucht, zuletzt gilt der Platz mit der größten Deckung.
    Da jede Beschriftung in ihrer eigenen Fläche steht und Flächen sich nicht überlappen, stoßen Beschriftungen
    nicht zusammen."""
    import numpy as np
    import shapely
    from shapely.ops import polylabel

    renderer = b.fig.canvas.get_renderer()
    zurueck = b.karte.inverted()
    texte = []
    for kennung, form, zeilen, farbe, hinterlegt in eintraege:
        groesste = max(shapely.get_parts(form), key=lambda p: p.area)
        shapely.prepare(groesste)
        pol = polylabel(groesste, tolerance=max(1.0, math.sqrt(groesste.area) / 200))
        text = b.fig.text(pol.x, pol.y, "\n".join(z for z, _, _ in zeilen), ha="center", va="center",
                          color=farbe, fontsize=zeilen[0][1], fontweight=zeilen[-1][2], linespacing=1.05, zorder=7,
                          transform=b.karte, gid=svg_id("beschriftung", kennung))
        kandidaten = None
        bestes = (-1.0, pol, zeilen[0][1])
        for faktor in (1.0, 0.9, 0.8, 0.7):
            text.set_fontsize(zeilen[0][1] * faktor)
            box = text.get_window_extent(renderer)
            (bx0, by0), (bx1, by1) = zurueck.transform([(box.x0, box.y0), (box.x1, box.y1)])
            w, h = (bx1 - bx0) / 2, (by1 - by0) / 2
            if kandidaten is None:
                x0, y0, x1, y1 = groesste.bounds
                gitter = shapely.points(np.stack(np.meshgrid(np.linspace(x0, x1, 9)[1:-1],
                                                             np.linspace(y0, y1, 9)[1:-1]), -1).reshape(-1, 2))
                innen = gitter[shapely.contains(groesste, gitter)]
                abstand = shapely.distance(groesste.exterior, innen)
                kandidaten = [pol, *innen[np.argsort(-abstand)][:24]]
            for p in kandidaten:
                rahmen = shapely.box(p.x - w, p.y - h, p.x + w, p.y + h)
                if groesste.contains(rahmen):
                    bestes = (1.0, p, zeilen[0][1] * faktor)
                    break
                deckung = shapely.intersection(rahmen, groesste).area / rahmen.area
                if deckung > bestes[0] + 1e-9:
                    bestes = (deckung, p, zeilen[0][1] * faktor)
            if bestes[0] >= 1.0:
                break
        _, punkt, groesse = bestes
        text.set_position((punkt.x, punkt.y))
        text.set_fontsize(groesse)
        if hinterlegt:  # auf Schraffur: weißer Grund, damit die Linien die Schrift nicht kreuzen
            text.set_bbox({"facecolor": "white", "edgecolor": "none", "pad": 0.8, "alpha": 0.9})
        texte.append(text)
    return texte


def _legende_kasten(b: Blatt, y: float, fuellung: str, schraffur: str | None, text: str, *, hoehe: float = 0.3,
                    breite: float = 0.55, schrift: float = 6.3, x: float = 0.0) -> float:
    """Ein Kästchen mit Text in der Legende (y in cm von unten, obere Kante); gibt das neue y zurück."""
    from matplotlib.patches import Rectangle

    b.fig.add_artist(Rectangle((x, y - hoehe), breite, hoehe, facecolor=fuellung, edgecolor=FARBE_GRAU,
                               linewidth=0.4, hatch=schraffur, transform=b.legende))
    zeilen = textwrap.wrap(text, 31)
    b.fig.text(x + breite + 0.15, y - hoehe / 2, "\n".join(zeilen), ha="left", va="center", fontsize=schrift,
               linespacing=1.1, transform=b.legende)
    return y - max(hoehe, 0.27 * len(zeilen)) - 0.08


def _legende_text(b: Blatt, y: float, text: str, *, schrift: float = 6.3, fett: bool = False, breite: int = 38,
                  farbe: str = FARBE_TEXT) -> float:
    zeilen = [z for absatz in text.split("\n") for z in (textwrap.wrap(absatz, breite) or [""])]
    b.fig.text(0, y, "\n".join(zeilen), ha="left", va="top", fontsize=schrift, color=farbe,
               fontweight="bold" if fett else "normal", linespacing=1.15, transform=b.legende)
    return y - len(zeilen) * schrift * 1.15 / 72 * 2.54 - 0.12


def _notiz(flaechen: list[Flaeche], wert_text) -> list[str]:
    """Zeilen des Kastens „fehlende Geometrie“: Einheiten ohne Form mit ihrem veröffentlichten Wert, Einheiten mit
    unvollständiger Form – nie still weggelassen."""
    ohne = [f for f in flaechen if f.form is None]
    zeilen = [f"{f.kennung} {f.name}: {KEINE_GEOMETRIE}, Wert {wert_text(f)}" for f in ohne[:8]]
    if len(ohne) > 8:
        zeilen.append(f"und {len(ohne) - 8} weitere ohne Geometrie")
    zeilen += [f"{f.kennung} {f.name}: {f.hinweis}" for f in flaechen if f.form is not None and f.hinweis][:4]
    return [z for zeile in zeilen for z in textwrap.wrap(zeile, 100, subsequent_indent="   ")]


def _notiz_hoehe(zeilen: Sequence[str]) -> float:
    return 0.32 + 0.235 * len(zeilen)


def _keine_geometrie(b: Blatt, zeilen: Sequence[str]) -> None:
    """Kasten „fehlende Geometrie“ im Streifen unter der Karte (schraffiertes Kästchen wie in der Legende)."""
    from matplotlib.patches import Rectangle

    if not zeilen:
        return
    x, y, hoehe = RAND_CM, FUSS_CM + 0.05, _notiz_hoehe(zeilen)
    b.fig.add_artist(Rectangle((x, y), KARTE_CM, hoehe, facecolor="white", edgecolor=FARBE_GRAU, linewidth=0.5,
                               zorder=8, transform=b.cm))
    b.fig.add_artist(Rectangle((x + 0.12, y + hoehe - 0.42), 0.45, 0.3, facecolor="white", edgecolor=FARBE_GRAU,
                               hatch="xxxx", linewidth=0.5, zorder=9, transform=b.cm))
    b.fig.text(x + 0.7, y + hoehe - 0.1, "Fehlende Geometrie:\n" + "\n".join(zeilen), ha="left", va="top",
               fontsize=5.8, linespacing=1.15, zorder=9, transform=b.cm, gid="keine-geometrie")


def _speichern(fig, pfad_png: Path) -> list[Path]:
    """PNG (RGB, 300 dpi im pHYs-Block, ohne Metadaten) und SVG (ohne Datum) derselben Figur."""
    from PIL import Image

    pfad_png.parent.mkdir(parents=True, exist_ok=True)
    pfad_svg = pfad_png.with_suffix(".svg")
    fig.canvas.draw()
    breite, hoehe = fig.canvas.get_width_height()
    bild = Image.frombuffer("RGBA", (breite, hoehe), fig.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    # weißer Grund, also ohne Alphakanal; schwache Kompression: viel schneller, kaum größer
    bild.convert("RGB").save(pfad_png, format="png", dpi=(DPI, DPI), compress_level=2)
    del bild
    fig.savefig(pfad_svg, format="svg", metadata={"Date": None, "Creator": None})
    # Figur und Zeichenfläche (12 MB Pixel bei 300 dpi) gleich freigeben, nicht erst bei der nächsten
    # Speicherbereinigung: ohne Achsen ist das Leeren billig
    fig.clear()
    fig.canvas = None
    return [pfad_png, pfad_svg]


def indikator_karte(
    flaechen: list[Flaeche],
    rahmen: Rahmen,
    *,
    titel: str,
    legendentitel: str,
    einheit: str,
    polaritaet: int,
    stellen: int,
    quelle: str,
    pfad: Path,
    ebene: str,
    vergleich: tuple[str, float | None] | None = None,
    schluessel_liste: bool = False,
) -> list[Path]:
    """Eine Choroplethenkarte (PNG 300 dpi und SVG). Gibt die Pfade zurück.

    `flaechen`: die Einheiten mit veröffentlichtem Wert (gesperrt: `wert` None, `zustand` GESPERRT);
    `vergleich`: (Text, Wert) der Gemeinde für die Legende; `schluessel_liste`: Beschriftung mit Schlüssel, die
    Namen in der Legende (für viele kleine Flächen)."""
    klassen = klassen_bilden([f.wert for f in flaechen if f.wert is not None and f.zustand is None], stellen)
    palette = farben(len(klassen), polaritaet) if klassen else []
    fuellungen = {f.kennung: palette[klassen.klasse(f.wert)] for f in flaechen
                  if klassen and f.wert is not None and f.zustand is None}
    kurz = einheit if einheit in ("%", "‰") else ""

    def wert_oder_zeichen(f: Flaeche) -> str:
        if f.zustand is None and f.wert is not None:
            return zahl_de(f.wert, stellen, kurz)
        return ZUSTAENDE[f.zustand or KEIN_WERT][3]

    notiz = _notiz(flaechen, wert_oder_zeichen)
    with _stil():
        b = _blatt(rahmen.ausdehnung, notiz)
        _flaechen_zeichnen(b, flaechen, fuellungen, 0.5 if ebene == "gebiet" else 0.8)
        if ebene == "gebiet":
            _linien(b, rahmen.linien_raum, FARBE_GRENZE_RAUM, 0.9, 4)
        _linien(b, rahmen.umriss, FARBE_TEXT, 0.9, 5)
        eintraege = []
        for f in flaechen:
            if f.form is None:
                continue
            farbe = "#ffffff" if f.kennung in fuellungen and not _hell(fuellungen[f.kennung]) else FARBE_TEXT
            kopf = f.kennung if schluessel_liste else "\n".join(textwrap.wrap(f.name, 16))
            eintraege.append((f.kennung, f.form, [(kopf, 6.0 if schluessel_liste else 6.3, "normal"),
                                                  (wert_oder_zeichen(f), 6.3, "bold")], farbe,
                              f.kennung not in fuellungen and ZUSTAENDE[f.zustand or KEIN_WERT][2] is not None))
        _beschriften(b, eintraege)
        _keine_geometrie(b, notiz)
        _massstab_und_norden(b)

        y = b.karte_cm - 0.05
        y = _legende_text(b, y, legendentitel, schrift=7.2, fett=True, breite=30)
        if klassen:
            for text, farbe, anzahl in reversed(list(zip(klassen.texte(), palette, klassen.anzahl, strict=True))):
                y = _legende_kasten(b, y, farbe, None, f"{text} ({anzahl})")
        else:
            y = _legende_text(b, y, "keine veröffentlichten Werte")
        vorhanden = {f.zustand for f in flaechen if f.form is not None and f.kennung not in fuellungen}
        for zustand, (text, fuellung, schraffur, zeichen) in ZUSTAENDE.items():
            if zustand in vorhanden or (zustand == KEIN_WERT and None in vorhanden):
                y = _legende_kasten(b, y, fuellung, schraffur, f"{text} ({zeichen})")
        if any(f.form is None for f in flaechen):
            y = _legende_kasten(b, y, "#ffffff", "xxxx", f"{KEINE_GEOMETRIE} (Kasten unter der Karte)")
        if vergleich is not None and vergleich[1] is not None:
            y = _legende_text(b, y - 0.05, f"{vergleich[0]}: {zahl_de(vergleich[1], stellen, kurz)}",
                              schrift=6.3, fett=True)
        y = _legende_text(b, y - 0.05, "Klassen: natürliche Brüche (Fisher-Jenks) der gezeigten Werte, in "
                                       f"Klammern die Zahl der Räume. Farben: {SCHEMA_TEXT[polaritaet]}.",
                          schrift=5.6, farbe=FARBE_GRAU, breite=40)
        if schluessel_liste:
            namen = [f"{f.kennung} {textwrap.shorten(f.name, 38, placeholder='…')}" for f in flaechen]
            groesse = next((g for g in (5.0, 4.6) if y - 0.45 - len(namen) * g * 1.12 / 72 * 2.54 > 0.05), None)
            if groesse:  # Liste der Namen, solange sie über der Quellenzeile Platz hat
                y = _legende_text(b, y - 0.1, "Gebiete", schrift=6.0, fett=True)
                b.fig.text(0, y, "\n".join(namen), ha="left", va="top", fontsize=groesse, linespacing=1.12,
                           transform=b.legende)
            else:
                _legende_text(b, y - 0.1, "Namen der Gebiete: Tabelle „Indikatoren nach Gebieten“ der Ausgabe.",
                              schrift=5.6, farbe=FARBE_GRAU)
        _kopf_und_fuss(b, titel, quelle)
        return _speichern(b.fig, pfad)


def sozialindex_karte(
    flaechen: list[Flaeche],
    rahmen: Rahmen,
    *,
    titel: str,
    status_klassen: Sequence[str],
    dynamik_klassen: Sequence[str],
    klassen: Mapping[str, tuple[int, int | None]],  # kennung -> (Status-Rang 0…, Dynamik-Rang 0… oder None)
    quelle: str,
    pfad: Path,
    ausschluss_text: str,
) -> list[Path]:
    """Karte des Sozialindex: Status × Dynamik wie im MSS (Farbmatrix und Klassencode „3 −“ je Fläche)."""
    from matplotlib.patches import Rectangle

    matrix = mss_farben(len(status_klassen), len(dynamik_klassen))
    mitte = len(dynamik_klassen) // 2
    fuellungen = {k: matrix[s][d if d is not None else mitte] for k, (s, d) in klassen.items()}

    notiz = _notiz(flaechen, lambda f: f.code or "–")
    with _stil():
        b = _blatt(rahmen.ausdehnung, notiz)
        _flaechen_zeichnen(b, flaechen, fuellungen, 0.8)
        _linien(b, rahmen.umriss, FARBE_TEXT, 0.9, 5)
        eintraege = []
        for f in flaechen:
            if f.form is None:
                continue
            farbe = "#ffffff" if f.kennung in fuellungen and not _hell(fuellungen[f.kennung]) else FARBE_TEXT
            eintraege.append((f.kennung, f.form, [("\n".join(textwrap.wrap(f.name, 16)), 6.3, "normal"),
                                                  (f.code or "–", 6.8, "bold")], farbe, f.kennung not in fuellungen))
        _beschriften(b, eintraege)
        _keine_geometrie(b, notiz)
        _massstab_und_norden(b)

        y = b.karte_cm - 0.05
        y = _legende_text(b, y, "Status-/Dynamik-Index", schrift=7.2, fett=True)
        # Matrix: Zeilen Status (1 hoch … 4 sehr niedrig), Spalten Dynamik (+ positiv, ± stabil, − negativ)
        zelle_b, zelle_h, links = 0.7, 0.42, 1.9
        n_dyn = len(dynamik_klassen)
        text = b.fig.text
        text(links + n_dyn * zelle_b / 2, y - 0.1, "Dynamik", ha="center", va="top", fontsize=5.8,
             fontweight="bold", transform=b.legende)
        text(links - 0.12, y - 0.5, "Status", ha="right", va="top", fontsize=5.8, fontweight="bold",
             transform=b.legende)
        for d in range(n_dyn):
            text(links + (d + 0.5) * zelle_b, y - 0.5, _zeichen(d, n_dyn), ha="center", va="top", fontsize=7.0,
                 fontweight="bold", transform=b.legende)
        y -= 0.85
        for s, name in enumerate(status_klassen):
            text(links - 0.12, y - zelle_h / 2, f"{s + 1} {name}", ha="right", va="center", fontsize=6.0,
                 transform=b.legende)
            for d in range(n_dyn):
                farbe = matrix[s][d]
                b.fig.add_artist(Rectangle((links + d * zelle_b, y - zelle_h), zelle_b, zelle_h, facecolor=farbe,
                                           edgecolor="white", linewidth=0.8, transform=b.legende))
                text(links + (d + 0.5) * zelle_b, y - zelle_h / 2, f"{s + 1} {_zeichen(d, n_dyn)}", ha="center",
                     va="center", fontsize=5.8, color=FARBE_TEXT if _hell(farbe) else "#ffffff",
                     transform=b.legende)
            y -= zelle_h
        y -= 0.15
        y = _legende_text(b, y, "Dynamik: " + ", ".join(f"{_zeichen(d, n_dyn)} {name}"
                                                       for d, name in enumerate(dynamik_klassen)),
                          schrift=5.6, breite=42)
        y -= 0.1
        if any(f.zustand is not None for f in flaechen if f.form is not None):
            y = _legende_kasten(b, y, "#ffffff", ZUSTAENDE[GESPERRT][2], ausschluss_text)
        if any(d is None for _, d in klassen.values()):
            y = _legende_text(b, y, "Ohne Dynamik (keine Vergleichswerte): nur die Statusklasse, Farbe der "
                                    "mittleren Spalte.", schrift=5.6, farbe=FARBE_GRAU)
        if any(f.form is None for f in flaechen):
            y = _legende_kasten(b, y, "#ffffff", "xxxx", f"{KEINE_GEOMETRIE} (Kasten unter der Karte)")
        y = _legende_text(b, y - 0.05, "Status-/Dynamik-Index nach dem Berliner Monitoring Soziale "
                                       "Stadtentwicklung: Statusklasse (sozialer Status, 1 = hoch) und "
                                       "Dynamikklasse. Farben: ColorBrewer YlOrBr, je Statusklasse eine "
                                       "Gruppe; dunkler = ungünstiger.", schrift=5.6, farbe=FARBE_GRAU)
        _kopf_und_fuss(b, titel, quelle)
        return _speichern(b.fig, pfad)


def _zeichen(rang: int, anzahl: int) -> str:
    return DYNAMIK_ZEICHEN[rang] if anzahl == 3 else str(rang + 1)


# ---------------------------------------------------------------------------------------------------------------
# alle Karten einer Ausgabe


@dataclass
class KartenErgebnis:
    pfade: list[Path]
    geometrie: Any  # sozial_dwh.geometrie.Geometrie
    hinweise: list[str] = field(default_factory=list)

    def info_zeilen(self) -> list[tuple[str, object]]:
        """Zeilen für das Blatt Info: Karten und Geometrie (Datei, Quelle, Zahl der Meldungen)."""
        pngs = [p for p in self.pfade if p.suffix == ".png"]
        karten = (f"{len(pngs)} Karten in {ORDNER}/ (PNG mit 300 dpi für den Druck und SVG): je Indikator "
                  "<indikator>_sozialraum und <indikator>_gebiet, dazu sozialindex. Gezeigt werden nur "
                  "veröffentlichte Werte (Geheimhaltung wie in den Tabellen).") if pngs else "keine"
        g = self.geometrie
        zaehlung = {s: sum(1 for m in g.meldungen if m.schwere == s) for s in ("fehler", "warnung", "hinweis")}
        geometrie = (f"{', '.join(g.dateien) or 'keine Datei'}"
                     + (f" ({g.quelle})" if g.quelle else "")
                     + f": {len(g.flaechen)} Gebiete mit Form; Prüfung: {zaehlung['fehler']} Fehler, "
                       f"{zaehlung['warnung']} Warnungen, {zaehlung['hinweis']} Hinweise"
                     + (" (siehe „Geometrie: Meldungen der Prüfung“)" if g.meldungen else ""))
        return [("Karten", " ".join([karten, *self.hinweise])), ("Geometrie", geometrie)]

    def info_tabellen(self) -> list[tuple[str, list[str], list[list[object]]]]:
        meldungen = self.geometrie.meldungen
        if not meldungen:
            return []
        return [("Geometrie: Meldungen der Prüfung", ["Schwere", "Meldung", "Gebiete", "Fläche (m²)"],
                 [[m.schwere, m.text, ", ".join(m.gebiete), None if m.flaeche_m2 is None else round(m.flaeche_m2)]
                  for m in meldungen])]


def zeichnen(con, stichtag, tabellen: Sequence[tuple[Any, pd.DataFrame, pd.DataFrame]], ordner: Path,
             quellen_namen: Mapping[str, str], melde=None) -> KartenErgebnis:
    """Die Karten einer Ausgabe (für `ausgabe.baue`): wie `karten_der_ausgabe`, aber ein Fehler beim Zeichnen hält
    die Ausgabe nicht auf – er steht dann im Blatt Info, und es gibt keine Karten (architektur.md §10.1)."""
    import shutil

    from sozial_dwh import geometrie as geo

    melde = melde or (lambda text: None)
    try:
        ergebnis = karten_der_ausgabe(con, stichtag, {t.name: (f, m) for t, f, m in tabellen}, ordner,
                                      quellen_namen)
    except Exception as exc:  # eine ungewöhnliche Geometrie darf die Tabellen der Ausgabe nicht verhindern
        shutil.rmtree(ordner / ORDNER, ignore_errors=True)
        try:
            geometrie = geo.aus_warehouse(con)
        except Exception:
            geometrie = geo.Geometrie()
        ergebnis = KartenErgebnis([], geometrie, [f"Die Karten konnten nicht gezeichnet werden ({type(exc).__name__}: "
                                                  f"{exc}); die übrige Ausgabe ist vollständig."])
    melde(f"Karten: {len([p for p in ergebnis.pfade if p.suffix == '.png'])} (PNG und SVG) "
          + " ".join(ergebnis.hinweise))
    return ergebnis


def _zustand(wert: object, gesperrt: bool, nenner: object, min_nenner: object) -> str | None:
    if gesperrt:
        return GESPERRT
    if wert is None or pd.isna(wert):
        if nenner is not None and not pd.isna(nenner) and min_nenner is not None and not pd.isna(min_nenner) \
                and (float(nenner) < float(min_nenner) or float(nenner) == 0):
            return ZU_KLEIN
        return KEIN_WERT
    return None


def _flaechen_aus(frame: pd.DataFrame, maske: pd.DataFrame, formen: Mapping[str, Any], min_nenner: object,
                  unvollstaendig: Mapping[str, str] | None = None) -> list[Flaeche]:
    """Flächen einer Karte aus den Zeilen einer Berichtstabelle: veröffentlichter Wert (gesperrt: None)."""
    ergebnis = []
    for index, zeile in frame.iterrows():
        gesperrt = bool(maske.at[index, "wert"])
        zustand = _zustand(zeile["wert"], gesperrt, zeile.get("nenner"), min_nenner)
        kennung = str(zeile["raum_id"])
        ergebnis.append(Flaeche(kennung, str(zeile["raum"]), formen.get(kennung),
                                None if zustand else float(zeile["wert"]), zustand,
                                hinweis=(unvollstaendig or {}).get(kennung, "")))
    return ergebnis


def _einheit_texte(name: str, einheit: str) -> tuple[str, int]:
    """(Legendentitel, Nachkommastellen): „SGB-II-Quote⏎in %“, „Jugendquotient⏎(je 100)“ – die Einheit auf
    eigener Zeile."""
    if einheit == "%":
        return f"{name}\nin %", 1
    if einheit in ("Personen", "Anzahl"):
        return f"{name}\n({einheit})", 0
    return f"{name}\n({einheit})" if einheit else name, 1


def karten_der_ausgabe(con, stichtag, tabellen: Mapping[str, tuple[pd.DataFrame, pd.DataFrame]], ordner: Path,
                       quellen_namen: Mapping[str, str]) -> KartenErgebnis:
    """Alle Karten einer Ausgabe nach `ordner/karten/`: je Indikator Sozialräume und Gebiete, dazu der Sozialindex.

    `tabellen`: Berichtstabellen der Ausgabe (Name -> (Datenrahmen, Sperrmaske)); gezeichnet wird nur, was sie
    veröffentlichen. Ohne Geometrie entstehen keine Karten (Hinweis im Ergebnis)."""
    from sozial_dwh import geometrie as geo

    geometrie = geo.aus_warehouse(con)
    if not geometrie.vorhanden:
        return KartenErgebnis([], geometrie, ["Keine Karten: keine verwendbare Geometrie (siehe Meldungen)."])
    ziel = ordner / ORDNER
    gebiete = con.execute(
        "select gebiet_id, name, sozialraum_id, gemeinde_id from core.dim_gebiet where ebene = 'gebiet' "
        "and gebiet_id = aktuell_id and not ist_pseudo order by gebiet_id").fetchall()
    sozialraum_von = {g: sr for g, _, sr, _ in gebiete}
    formen_sr = geo.aufloesen(geometrie.flaechen, sozialraum_von)
    formen_gemeinde = geo.aufloesen(geometrie.flaechen, {g: ags for g, _, _, ags in gebiete})
    unvollstaendig: dict[str, str] = {}
    for sr in formen_sr:
        ohne = [g for g, _, s, _ in gebiete if s == sr and g not in geometrie.flaechen]
        if ohne:
            unvollstaendig[sr] = f"Fläche unvollständig, ohne Gebiet {', '.join(ohne)} ({KEINE_GEOMETRIE})"
    import shapely

    ausdehnung = tuple(shapely.total_bounds(list(geometrie.flaechen.values())))
    rand = 0.03 * max(ausdehnung[2] - ausdehnung[0], ausdehnung[3] - ausdehnung[1])
    rahmen = Rahmen(list(formen_sr.values()), list(formen_gemeinde.values()),
                    (ausdehnung[0] - rand, ausdehnung[1] - rand, ausdehnung[2] + rand, ausdehnung[3] + rand))
    katalog = {r[0]: r[1:] for r in con.execute(
        "select k.indikator_id, k.name, k.einheit, k.polaritaet, k.min_nenner, list_sort(list_distinct(list_concat("
        "any_value(string_split(coalesce(k.quelle, ''), ';')), list(q.quelle) filter (where q.quelle is not null))))"
        "from core.dim_indikator as k left join raw.ref_groessen as q on q.groesse in (k.zaehler, k.nenner) "
        "group by all").fetchall()}
    geometrie_text = geometrie.quelle or f"Geometrie: {', '.join(geometrie.dateien)}"
    datum = f"{stichtag:%d.%m.%Y}"

    def quelle_fuer(quellen: Sequence[str]) -> str:
        genannt = list(dict.fromkeys(quellen_namen.get(q.strip(), q.strip()) for q in quellen if q.strip()))
        return (f"Quelle: {'; '.join([*genannt, 'eigene Berechnung (Sozialplanung)'])}. {geometrie_text}. "
                f"Stichtag {datum}.")

    pfade: list[Path] = []
    frame_sr, maske_sr = tabellen["indikatoren"]
    frame_g, maske_g = tabellen["indikatoren_gebiete"]
    for indikator_id in dict.fromkeys(frame_sr["indikator_id"]):
        if indikator_id not in katalog:
            continue
        name, einheit, polaritaet, min_nenner, quellen = katalog[indikator_id]
        legendentitel, stellen = _einheit_texte(name, einheit or "")
        quelle = quelle_fuer(quellen or [])
        polaritaet = int(polaritaet or 0)
        polaritaet = (polaritaet > 0) - (polaritaet < 0)
        zeilen = frame_sr["indikator_id"] == indikator_id
        teile = zeilen & (frame_sr["ebene"] == "sozialraum")
        gemeinde = frame_sr[zeilen & (frame_sr["ebene"] == "gemeinde")]
        vergleich = None
        if len(gemeinde) == 1:
            i = gemeinde.index[0]
            gesperrt = bool(maske_sr.at[i, "wert"]) or pd.isna(gemeinde.at[i, "wert"])
            vergleich = (str(gemeinde.at[i, "raum"]), None if gesperrt else float(gemeinde.at[i, "wert"]))
        flaechen = _flaechen_aus(frame_sr[teile], maske_sr[teile], formen_sr, min_nenner, unvollstaendig)
        pfade += indikator_karte(
            flaechen, rahmen, titel=f"{name} nach Sozialräumen, {datum}", legendentitel=legendentitel,
            einheit=einheit or "", polaritaet=polaritaet, stellen=stellen, quelle=quelle,
            pfad=ziel / f"{indikator_id}_sozialraum.png", ebene="sozialraum", vergleich=vergleich)
        teile = (frame_g["indikator_id"] == indikator_id) & (frame_g["ebene"] == "gebiet")
        flaechen = _flaechen_aus(frame_g[teile], maske_g[teile], geometrie.flaechen, min_nenner)
        pfade += indikator_karte(
            flaechen, rahmen, titel=f"{name} nach Gebieten, {datum}", legendentitel=legendentitel,
            einheit=einheit or "", polaritaet=polaritaet, stellen=stellen, quelle=quelle,
            pfad=ziel / f"{indikator_id}_gebiet.png", ebene="gebiet", vergleich=vergleich, schluessel_liste=True)
    index_quellen = sorted({q for (i,) in con.execute("select indikator_id from raw.ref_sozialindex_indikatoren")
                            .fetchall() for q in (katalog.get(i, [None] * 5)[4] or [])})
    pfade += _sozialindex(con, tabellen, formen_sr, unvollstaendig, rahmen, ziel, datum, quelle_fuer(index_quellen))
    return KartenErgebnis(pfade, geometrie)


def _sozialindex(con, tabellen, formen_sr, unvollstaendig, rahmen: Rahmen, ziel: Path, datum: str,
                 quelle: str) -> list[Path]:
    frame, maske = tabellen["sozialindex"]
    if frame.empty:
        return []
    stufen = {index: [k for k, in con.execute(
        "select klasse from raw.ref_sozialindex_klassen where index = ? order by cast(rang as integer)",
        [index]).fetchall()] for index in ("status", "dynamik")}
    mindest = con.execute("select wert from raw.ref_sozialindex_parameter where parameter = 'mindest_einwohner'"
                          ).fetchall()
    flaechen, klassen = [], {}
    for index, zeile in frame.iterrows():
        kennung = str(zeile["raum_id"])
        status = zeile["statusklasse"] if not maske.at[index, "statusklasse"] else None
        dynamik = zeile["dynamikklasse"] if not maske.at[index, "dynamikklasse"] else None
        zustand = None
        code = ""
        if status is None or pd.isna(status) or status not in stufen["status"]:
            zustand = GESPERRT
        else:
            s = stufen["status"].index(status)
            d = stufen["dynamik"].index(dynamik) if dynamik in stufen["dynamik"] else None
            klassen[kennung] = (s, d)
            code = f"{s + 1} {_zeichen(d, len(stufen['dynamik']))}" if d is not None else f"{s + 1}"
        flaechen.append(Flaeche(kennung, str(zeile["raum"]), formen_sr.get(kennung), None, zustand, code,
                                unvollstaendig.get(kennung, "")))
    grenze = f" (weniger als {mindest[0][0]} Einwohner)" if mindest else ""
    return sozialindex_karte(
        flaechen, rahmen, titel=f"Sozialindex: Status und Dynamik der Sozialräume, {datum}",
        status_klassen=stufen["status"], dynamik_klassen=stufen["dynamik"], klassen=klassen,
        quelle=quelle, pfad=ziel / "sozialindex.png",
        ausschluss_text=f"kein Index{grenze}")
