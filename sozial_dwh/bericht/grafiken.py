"""PNG-Grafiken einer Berichtsausgabe (architektur.md §10): zum Einfügen in den Sozialbericht.

Drei Grafiken:

- `balken_mit_gemeinde`: ein Indikator je Sozialraum als liegende Balken, der Gemeindewert als Bezugslinie
  (z. B. SGB-II-Quote nach Sozialräumen). Fehlende oder gesperrte Werte (NaN) bekommen keinen Balken, sondern
  ein „*“ und eine Fußnote.
- `sozialindex_klassen`: der Statusindex je Sozialraum, die Balken in der Farbe ihrer Statusklasse,
  gestrichelte Linien an den Klassengrenzen, ihre Werte darüber (die Linie endet unter der Zahl).
- `zeitreihe`: Linien über die Stichtage, die Gemeinde dick und schwarz, jede andere Reihe mit eigener Farbe,
  Markierung und Linienart (auch in Graustufen unterscheidbar) und eigenem Legendeneintrag.

Gestaltung: 16 × 10 cm bei 150 dpi (945 × 591 Pixel; Balkengrafiken mit vielen Sozialräumen werden höher),
DejaVu Sans (die mit matplotlib ausgelieferte Schrift), deutsche Zahlen (Dezimalkomma, Tausenderpunkt) und
eine Quellenzeile am Fuß.

Reproduzierbar: gleiche Eingabe, byte-gleiche PNG-Datei (bei gleicher matplotlib-Version). Dafür arbeiten die
Funktionen ohne pyplot mit `Figure` und der Agg-Zeichenfläche (`FigureCanvasAgg`, ohne Bildschirm), setzen den
Stil in einem `rc_context` auf die Vorgaben von matplotlib zurück (eine matplotlibrc des Nutzers wirkt nicht)
und schreiben keine Metadaten („Software“) in die Datei. Es bleibt kein globaler Zustand zurück: weder ein
gewähltes Backend noch eine offene Figur in pyplot noch geänderte rcParams.

matplotlib wird erst in den Funktionen importiert, damit der Import dieses Moduls (etwa über die
Dagster-Definitionen) leicht bleibt.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

CM = 1 / 2.54  # Zoll je Zentimeter
BREITE_CM = 16.0
HOEHE_CM = 10.0
DPI = 150
SCHRIFT = "DejaVu Sans"
MINUS = "\u2212"  # typografisches Minus

FUSSNOTE_GESPERRT = "* gesperrt (Geheimhaltung) oder nicht verfügbar"
MARKE_GESPERRT = "*"

STATUSGRENZEN: tuple[tuple[str, float | None], ...] = (
    ("hoch", -1.0),
    ("mittel", 1.0),
    ("niedrig", 1.5),
    ("sehr niedrig", None),
)

# Balkenfarbe des Indikators, Bezugslinie der Gemeinde, Grautöne
FARBE_BALKEN = "#2c7fb8"
FARBE_GEMEINDE = "#000000"
FARBE_TEXT = "#222222"
FARBE_GRAU = "#666666"
FARBE_RASTER = "#dddddd"
FARBE_HINTERGRUND_REIHE = "#b0b0b0"

# Okabe-Ito: qualitative Farben, auch bei Farbsehschwäche unterscheidbar (ohne Schwarz, das ist die Gemeinde)
FARBEN_REIHEN = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
LINIENARTEN = ("-", "--", "-.", ":")
MARKIERUNGEN = ("o", "s", "^", "D", "v", "P", "X", "h", "<", ">", "*", "p")

# sequenziell und farbsehschwächensicher (ColorBrewer YlGnBu, ohne das hellste Gelb, das auf Weiß verschwindet):
# guter Status hell, „sehr niedrig“ dunkel
FARBEN_KLASSEN_4 = ("#a1dab4", "#41b6c4", "#2c7fb8", "#253494")

# Stil innerhalb der Grafiken; alles Übrige sind die Vorgaben von matplotlib (siehe `_stil`)
_RC: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": [SCHRIFT],
    "font.size": 8.0,
    "axes.titlesize": 10.0,
    "axes.labelsize": 8.0,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "legend.fontsize": 7.5,
    "text.color": FARBE_TEXT,
    "axes.labelcolor": FARBE_TEXT,
    "axes.edgecolor": FARBE_GRAU,
    "xtick.color": FARBE_GRAU,
    "ytick.color": FARBE_GRAU,
    "xtick.labelcolor": FARBE_TEXT,
    "ytick.labelcolor": FARBE_TEXT,
    "axes.linewidth": 0.6,
    "axes.unicode_minus": True,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.axisbelow": True,
    "axes.formatter.use_locale": False,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "savefig.facecolor": "white",
    "figure.facecolor": "white",
}


# ---------------------------------------------------------------------------------------------------------------
# Zahlen deutsch


def zahl_de(
    wert: float | int | None,
    nachkommastellen: int | None = 1,
    einheit: str = "",
    *,
    vorzeichen: bool = False,
    fehlt: str = "k. A.",
) -> str:
    """Eine Zahl deutsch: Dezimalkomma, Tausenderpunkt, typografisches Minus, Einheit mit Leerzeichen.

    `nachkommastellen=None` zeigt so viele Stellen wie nötig (höchstens sechs; für Achsenbeschriftungen).
    `vorzeichen=True` schreibt ein „+“ vor positive Zahlen. NaN/None ergibt `fehlt`.

    >>> zahl_de(10.94, 1, "%")
    '10,9 %'
    >>> zahl_de(1234, 0)
    '1.234'
    """
    if wert is None or pd.isna(wert):
        return fehlt
    x = float(wert)
    if nachkommastellen is None:
        text = f"{abs(x):,.6f}".rstrip("0").rstrip(".")
    else:
        text = f"{abs(x):,.{nachkommastellen}f}"
    text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    null = text.strip("0.,") == ""  # gerundet null: kein Vorzeichen („−0,0“ vermeiden)
    if x < 0 and not null:
        text = MINUS + text
    elif vorzeichen and x > 0 and not null:
        text = "+" + text
    return f"{text} {einheit}" if einheit else text


def _achsenformat(einheit: str):
    """Formatter für Achsen: deutsche Zahlen, kurze Einheiten (%, ‰, €) an jeder Marke."""
    from matplotlib.ticker import FuncFormatter

    an_marke = _einheit_an_marke(einheit)
    return FuncFormatter(lambda x, _pos: zahl_de(x, None, einheit if an_marke else ""))


def _einheit_an_marke(einheit: str) -> bool:
    return 0 < len(einheit.strip()) <= 2


def _achsentitel(einheit: str) -> str:
    return "" if _einheit_an_marke(einheit) else einheit.strip()


# ---------------------------------------------------------------------------------------------------------------
# gemeinsamer Rahmen


def _pruefe(frame: pd.DataFrame, spalten: Sequence[str], was: str) -> pd.DataFrame:
    if frame is None or not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{was}: erwartet eine Tabelle (DataFrame)")
    fehlen = [s for s in spalten if s not in frame.columns]
    if fehlen:
        raise ValueError(f"{was}: Spalte(n) fehlen: {', '.join(fehlen)}")
    if frame.empty:
        raise ValueError(f"{was}: keine Werte – die Tabelle ist leer, es gibt nichts zu zeichnen")
    return frame.reset_index(drop=True)


def _png_pfad(pfad: Path | str) -> Path:
    pfad = Path(pfad)
    if pfad.suffix.lower() != ".png":
        raise ValueError(f"Grafik: die Datei muss auf .png enden, nicht {pfad.name}")
    return pfad


def _stil():
    """Vorgaben von matplotlib (unabhängig von einer matplotlibrc) plus der Stil dieses Moduls, nur im Block."""
    import matplotlib.style

    return matplotlib.style.context(["default", _RC], after_reset=False)


def _zeilen(text: str, breite: int) -> list[str]:
    return textwrap.wrap(text, breite, break_long_words=False) if text.strip() else []


def pixel(breite_cm: float, hoehe_cm: float) -> tuple[int, int]:
    """Größe in Pixeln bei `DPI`, auf ganze Pixel gerundet (16 × 10 cm → 945 × 591)."""
    return round(breite_cm * CM * DPI), round(hoehe_cm * CM * DPI)


def _neue_figur(hoehe_cm: float = HOEHE_CM) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # ganze Pixel: 16 cm bei 150 dpi sind 944,9 Pixel, Agg schneidet ab; also auf 945 runden
    breite_px, hoehe_px = pixel(BREITE_CM, hoehe_cm)
    fig = Figure(figsize=(breite_px / DPI, hoehe_px / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)  # zeichnet ohne Bildschirm; pyplot und das globale Backend bleiben unberührt
    return fig


def _titel(fig: Figure, titel: str) -> None:
    """Titel links oben, bündig mit der Fußzeile (nicht mit der Achse, die hinter langen Namen beginnt)."""
    if titel.strip():
        fig.suptitle("\n".join(_zeilen(titel, 66)), x=0.01, ha="left", fontsize=10, fontweight="bold",
                     color=FARBE_TEXT)


def _fuss(fig: Figure, fussnoten: Sequence[str], quelle: str) -> None:
    """Fußnoten und Quelle links unten; der Platz dafür wird dem Layout vorab entzogen.

    Das „*“ wird genau einmal erklärt: erklärt es schon eine Fußnote, entfällt ein „* …“-Teil der Quellenzeile
    (durch „;“ getrennt), statt dieselbe Erklärung ein zweites Mal zu zeigen."""
    zeilen: list[str] = []
    for note in fussnoten:
        zeilen += _zeilen(note, 115)
    teile = [t.strip() for t in quelle.split(";") if t.strip()]
    if any(note.lstrip().startswith(MARKE_GESPERRT) for note in fussnoten):
        teile = [t for t in teile if not t.startswith(MARKE_GESPERRT)]
    if teile:
        q = "; ".join(teile)
        zeilen += _zeilen(q if q.lower().startswith("quelle") else f"Quelle: {q}", 115)
    if not zeilen:
        return
    groesse = 6.5
    hoehe_pt = fig.get_figheight() * 72
    rand = 4.0 / hoehe_pt  # 4 pt Abstand zum Rand
    anteil = (len(zeilen) * groesse * 1.3 + 6.0) / hoehe_pt
    fig.text(0.01, rand, "\n".join(zeilen), ha="left", va="bottom", fontsize=groesse, color=FARBE_GRAU,
             linespacing=1.3)
    fig.get_layout_engine().set(rect=(0.0, rand + anteil, 1.0, 1.0 - rand - anteil))


def _speichern(fig: Figure, pfad: Path) -> Path:
    pfad.parent.mkdir(parents=True, exist_ok=True)
    try:
        # keine Metadaten: sonst stünde die matplotlib-Version in der Datei
        fig.savefig(pfad, format="png", dpi=DPI, metadata={"Software": None})
    finally:
        fig.clear()
    return pfad


def _namen(namen: pd.Series) -> list[str]:
    return ["\n".join(_zeilen(str(n), 26)) or str(n) for n in namen]


def _hoehe_fuer(namen: Sequence[str], unten_cm: float = 0.0) -> float:
    """Balkengrafiken: 10 cm, bei mehr als etwa 12 Sozialräumen höher, damit die Namen lesbar bleiben; je weitere
    Zeile eines umbrochenen Namens (`_namen`) 0,4 cm mehr, dazu `unten_cm` für eine Legende unter der Achse – beides
    nur, wenn ein Name umbricht (lange Namen, etwa „Zentrum – Beispielgemeinde 002“ in einem Kreis)."""
    zusatz = sum(name.count("\n") for name in namen)
    return max(HOEHE_CM, 4.0 + 0.5 * len(namen) + (0.4 * zusatz + unten_cm if zusatz else 0.0))


def _grenzen_x(werte: Sequence[float], rand: float = 0.14) -> tuple[float, float]:
    """x-Bereich mit Platz für die Wertbeschriftung an den Balkenenden; die Null ist immer dabei."""
    endlich = [v for v in werte if v is not None and math.isfinite(v)]
    lo, hi = min([0.0, *endlich]), max([0.0, *endlich])
    if lo == hi == 0.0:
        return 0.0, 1.0
    spanne = hi - lo
    return (lo - rand * spanne if lo < 0 else 0.0), (hi + rand * spanne if hi > 0 else 0.0)


def _balkenachsen(ax: Axes, namen: list[str], einheit: str, kopfzeile: bool) -> None:
    """Liegende Balken: Sozialräume von oben nach unten in der Reihenfolge der Tabelle, Raster senkrecht.

    `kopfzeile`: über dem ersten Balken eine leere „Zeile“ (y = −1) für die Beschriftung senkrechter Linien.
    """
    ax.set_yticks(range(len(namen)), namen)
    ax.set_ylim(len(namen) - 0.4, -1.3 if kopfzeile else -0.6)
    ax.tick_params(axis="y", length=0, pad=4)
    ax.spines["left"].set_visible(False)
    ax.xaxis.set_major_formatter(_achsenformat(einheit))
    ax.grid(axis="x", color=FARBE_RASTER, linewidth=0.6)
    ax.set_xlabel(_achsentitel(einheit))


# weißer Grund hinter Beschriftungen, damit Bezugslinien sie nicht durchkreuzen
_GRUND = {"facecolor": "white", "edgecolor": "none", "pad": 0.8}


def _wertbeschriftung(ax: Axes, y: int, wert: float, text: str, spanne: float, balkenfarbe: str = FARBE_BALKEN):
    """Wert am Ende des Balkens, außen; `_beschriftungen_setzen` legt ihn, wo nötig, in den Balken."""
    abstand = 0.012 * spanne
    x, ha = (wert - abstand, "right") if wert < 0 else (wert + abstand, "left")
    beschriftung = ax.text(x, y, text, ha=ha, va="center", fontsize=7, bbox=_GRUND, zorder=4)
    return beschriftung, wert, abstand, balkenfarbe


def _beschriftungen_setzen(fig: Figure, ax: Axes, beschriftungen: Sequence[tuple], linien: Sequence[float],
                           innen_zuerst: bool = False) -> None:
    """Wertbeschriftungen außen am Balkenende oder innen im Balken (weiße Schrift auf dunklem Balken): zuerst die
    bevorzugte Stelle (`innen_zuerst`), sonst die andere, je nachdem, wo der Text in den Balken passt und keine
    senkrechte Linie (`linien`: Gemeindewert) berührt. Passt keine, bleibt er außen auf weißem Grund."""
    from matplotlib.colors import to_rgb

    if not beschriftungen or not (linien or innen_zuerst):
        return
    fig.canvas.draw()  # Layout festlegen: erst dann sind die Ausmaße der Texte bekannt
    renderer = fig.canvas.get_renderer()
    luft = 4.0  # Pixel Abstand zu einer Linie und zum Balkenrand

    def passt(text, wert: float, innen: bool) -> bool:
        box = text.get_window_extent(renderer)
        if any(box.x0 - luft <= ax.transData.transform((g, 0))[0] <= box.x1 + luft for g in linien):
            return False
        if not innen:
            return True
        enden = sorted(ax.transData.transform([(0, 0), (wert, 0)])[:, 0])
        return box.x0 >= enden[0] + luft / 2 and box.x1 <= enden[1] - luft / 2

    for text, wert, abstand, farbe in beschriftungen:
        y = text.get_position()[1]
        aussen = ((wert - abstand, "right") if wert < 0 else (wert + abstand, "left"))
        innen = ((wert + abstand, "left") if wert < 0 else (wert - abstand, "right"))
        for ist_innen, (x, ha) in ((True, innen), (False, aussen)) if innen_zuerst else \
                ((False, aussen), (True, innen)):
            text.set_position((x, y))
            text.set_ha(ha)
            if passt(text, wert, ist_innen):
                break
        else:
            ist_innen = False
            text.set_position((aussen[0], y))
            text.set_ha(aussen[1])
        if ist_innen:
            r, g, b = to_rgb(farbe)
            text.set_color("white" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5 else FARBE_TEXT)
            text.set_bbox(None)


def _gesperrt(ax: Axes, y: int, spanne: float) -> None:
    ax.text(0.01 * spanne, y, MARKE_GESPERRT, ha="left", va="center", fontsize=10, fontweight="bold",
            color=FARBE_TEXT)


# ---------------------------------------------------------------------------------------------------------------
# 1. ein Indikator je Sozialraum mit Gemeindewert


def balken_mit_gemeinde(
    werte: pd.DataFrame,
    gemeindewert: float | None,
    titel: str,
    einheit: str,
    pfad: Path,
    quelle: str = "",
    *,
    nachkommastellen: int = 1,
) -> Path:
    """Liegende Balken eines Indikators je Sozialraum (Spalten `name`, `wert`), Gemeindewert als Bezugslinie.

    Reihenfolge wie in der Tabelle (oben die erste Zeile). NaN = gesperrt oder nicht verfügbar: kein Balken,
    sondern „*“ und die Fußnote. `gemeindewert` None/NaN: keine Bezugslinie. Gibt `pfad` zurück.
    """
    pfad = _png_pfad(pfad)
    with _stil():
        return _speichern(_balken_figur(werte, gemeindewert, titel, einheit, quelle,
                                        nachkommastellen=nachkommastellen), pfad)


def _balken_figur(
    werte: pd.DataFrame,
    gemeindewert: float | None,
    titel: str,
    einheit: str,
    quelle: str = "",
    *,
    nachkommastellen: int = 1,
) -> Figure:
    """Die Figur zu `balken_mit_gemeinde` (im Stil `_stil()` aufzurufen), noch nicht gespeichert."""
    werte = _pruefe(werte, ("name", "wert"), "Balkengrafik")
    zahlen = [float(v) if pd.notna(v) else math.nan for v in werte["wert"]]
    gemeinde = float(gemeindewert) if gemeindewert is not None and pd.notna(gemeindewert) else None
    einheit_marke = einheit if _einheit_an_marke(einheit) else ""
    lo, hi = _grenzen_x([*zahlen, *([gemeinde] if gemeinde is not None else [])], rand=0.16)
    spanne = hi - lo

    namen = _namen(werte["name"])
    fig = _neue_figur(_hoehe_fuer(namen))
    ax = fig.add_subplot()
    _balkenachsen(ax, namen, einheit, kopfzeile=gemeinde is not None)
    ax.set_xlim(lo, hi)
    fussnoten = []
    beschriftungen = []
    for y, wert in enumerate(zahlen):
        if math.isnan(wert):
            _gesperrt(ax, y, spanne)
            continue
        ax.barh(y, wert, height=0.68, color=FARBE_BALKEN, zorder=2)
        beschriftungen.append(
            _wertbeschriftung(ax, y, wert, zahl_de(wert, nachkommastellen, einheit_marke), spanne))
    if any(math.isnan(w) for w in zahlen):
        fussnoten.append(FUSSNOTE_GESPERRT)
    if gemeinde is not None:
        ax.axvline(gemeinde, color=FARBE_GEMEINDE, linewidth=1.2, linestyle="--", zorder=3)
        rechts = gemeinde > lo + 0.7 * spanne  # Beschriftung links der Linie, sonst liefe sie hinaus
        ax.text(gemeinde + (-0.012 if rechts else 0.012) * spanne, -0.95,
                f"Gemeinde {zahl_de(gemeinde, nachkommastellen, einheit_marke)}",
                ha="right" if rechts else "left", va="center", fontsize=7.5, fontweight="bold",
                color=FARBE_GEMEINDE, bbox=_GRUND, zorder=4)
    ax.axvline(0, color=FARBE_GRAU, linewidth=0.6, zorder=2)
    _titel(fig, titel)
    _fuss(fig, fussnoten, quelle)
    _beschriftungen_setzen(fig, ax, beschriftungen, [gemeinde] if gemeinde is not None else [])
    return fig


# ---------------------------------------------------------------------------------------------------------------
# 2. Statusindex nach Klassen


def klassenfarben(anzahl: int) -> list[str]:
    """`anzahl` Farben von hell (guter Status) nach dunkel, sequenziell und farbsehschwächensicher."""
    if anzahl == len(FARBEN_KLASSEN_4):
        return list(FARBEN_KLASSEN_4)
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    karte = colormaps["YlGnBu"]
    if anzahl == 1:
        return [to_hex(karte(0.7))]
    return [to_hex(karte(0.3 + 0.65 * i / (anzahl - 1))) for i in range(anzahl)]


def _klassenbeschriftung(grenzen: Sequence[tuple[str, float | None]]) -> list[str]:
    """„hoch (< −1,0)“, „mittel (−1,0 bis +1,0)“, …, „sehr niedrig (> +1,5)“."""
    texte = []
    unten: float | None = None
    for klasse, oben in grenzen:
        if unten is None and oben is None:
            texte.append(klasse)
        elif unten is None:
            texte.append(f"{klasse} (< {zahl_de(oben, 1, vorzeichen=True)})")
        elif oben is None:
            texte.append(f"{klasse} (> {zahl_de(unten, 1, vorzeichen=True)})")
        else:
            texte.append(f"{klasse} ({zahl_de(unten, 1, vorzeichen=True)} bis {zahl_de(oben, 1, vorzeichen=True)})")
        unten = oben
    return texte


def sozialindex_klassen(
    frame: pd.DataFrame,
    titel: str,
    pfad: Path,
    grenzen: Sequence[tuple[str, float | None]] = STATUSGRENZEN,
    quelle: str = "",
) -> Path:
    """Statusindex je Sozialraum (Spalten `name`, `statusindex`, `statusklasse`), Balken in der Klassenfarbe.

    `grenzen`: die Klassen vom guten zum schlechten Status mit ihrer Obergrenze (die letzte ohne, None);
    an jeder Grenze eine gestrichelte Linie, die Legende nennt die Klassen in dieser Reihenfolge. Ein Sozialraum
    ohne Index (NaN, z. B. zu wenige Einwohner) bekommt „*“ und eine Fußnote. Eine Klasse, die nicht in
    `grenzen` steht, ist ein Fehler (ValueError). Gibt `pfad` zurück.
    """
    pfad = _png_pfad(pfad)
    with _stil():
        return _speichern(_sozialindex_figur(frame, titel, grenzen, quelle), pfad)


def _sozialindex_figur(
    frame: pd.DataFrame,
    titel: str,
    grenzen: Sequence[tuple[str, float | None]] = STATUSGRENZEN,
    quelle: str = "",
) -> Figure:
    """Die Figur zu `sozialindex_klassen` (im Stil `_stil()` aufzurufen), noch nicht gespeichert."""
    from matplotlib.patches import Patch

    frame = _pruefe(frame, ("name", "statusindex", "statusklasse"), "Sozialindex-Grafik")
    grenzen = tuple(grenzen)
    if not grenzen:
        raise ValueError("Sozialindex-Grafik: keine Klassengrenzen angegeben")
    klassen = [k for k, _ in grenzen]
    farben = dict(zip(klassen, klassenfarben(len(klassen)), strict=True))
    zahlen = [float(v) if pd.notna(v) else math.nan for v in frame["statusindex"]]
    unbekannt = sorted({str(k) for k, v in zip(frame["statusklasse"], zahlen, strict=True)
                        if pd.notna(k) and not math.isnan(v) and k not in farben})
    if unbekannt:
        raise ValueError(f"Sozialindex-Grafik: unbekannte Statusklasse(n) {', '.join(unbekannt)} – "
                         f"erwartet: {', '.join(klassen)}")
    linien = [g for _, g in grenzen if g is not None]
    lo, hi = _grenzen_x([*zahlen, *linien], rand=0.12)
    spanne = hi - lo

    namen = _namen(frame["name"])
    fig = _neue_figur(_hoehe_fuer(namen, unten_cm=2.5))
    # Legende in einer eigenen (unsichtbaren) Zeile unter der Grafik: so ordnet das Layout sie zwischen
    # Achse und Fußzeile ein
    raster = fig.add_gridspec(2, 1, height_ratios=(14, 1))
    ax = fig.add_subplot(raster[0])
    ax_legende = fig.add_subplot(raster[1])
    ax_legende.axis("off")
    _balkenachsen(ax, namen, "", kopfzeile=bool(linien))
    ax.set_xlim(lo, hi)
    ax.set_xlabel("Statusindex (über 0: ungünstiger als der Durchschnitt)")
    fussnoten = []
    beschriftungen = []
    for y, (wert, klasse) in enumerate(zip(zahlen, frame["statusklasse"], strict=True)):
        if math.isnan(wert) or pd.isna(klasse):
            _gesperrt(ax, y, spanne)
            continue
        ax.barh(y, wert, height=0.68, color=farben[klasse], edgecolor="#555555", linewidth=0.4, zorder=2)
        beschriftungen.append(
            _wertbeschriftung(ax, y, wert, zahl_de(wert, 2, vorzeichen=True), spanne, farben[klasse]))
    if any(math.isnan(w) for w in zahlen) or frame["statusklasse"].isna().any():
        fussnoten.append("* kein Index: gesperrt (Geheimhaltung), zu wenige Einwohner oder nicht verfügbar")
    for g in linien:
        # die Linie endet unter ihrer Beschriftung (Kopfzeile über dem ersten Balken): keine Linie durch die Zahl
        ax.vlines(g, -0.6, len(frame) - 0.4, color=FARBE_GRAU, linewidth=0.9, linestyle=(0, (4, 3)), zorder=1.5)
        ax.text(g, -0.8, zahl_de(g, 1, vorzeichen=True), ha="center", va="bottom", fontsize=7,
                color=FARBE_GRAU, bbox=_GRUND, zorder=4)  # weißer Grund verdeckt die Rasterlinie
    ax.axvline(0, color=FARBE_GRAU, linewidth=0.6, zorder=2)
    griffe = [Patch(facecolor=farben[k], edgecolor="#555555", linewidth=0.4) for k in klassen]
    ax_legende.legend(griffe, _klassenbeschriftung(grenzen), loc="center", ncols=min(2, len(klassen)),
                      frameon=False, title="Statusklasse", title_fontsize=7.5, handlelength=1.4,
                      columnspacing=1.4, borderaxespad=0.0)
    _titel(fig, titel)
    _fuss(fig, fussnoten, quelle)
    # Werte im Balken: so kreuzt keine Klassengrenze eine Zahl (die Grenzen liegen hinter den Balken)
    _beschriftungen_setzen(fig, ax, beschriftungen, [], innen_zuerst=True)
    return fig


# ---------------------------------------------------------------------------------------------------------------
# 3. Zeitreihe


GEMEINDE = "Gemeinde"
UEBRIGE = "übrige Sozialräume"
FUSSNOTE_LUECKE = "Lücke in einer Linie: Wert gesperrt (Geheimhaltung) oder nicht verfügbar"


def reihenstile(anzahl: int) -> list[dict[str, Any]]:
    """Linienstil je Reihe: Farbe, Markierung und Linienart wechseln zugleich, so bleibt jede Reihe auch in Graustufen
    und bei Farbsehschwäche unterscheidbar (bis zu zwölf Reihen hat jede eine eigene Markierung)."""
    farben = [f for f in FARBEN_REIHEN if f != "#F0E442"]  # Gelb verschwindet auf Weiß und im Graudruck
    return [{"color": farben[i % len(farben)], "marker": MARKIERUNGEN[i % len(MARKIERUNGEN)],
             "linestyle": LINIENARTEN[i % len(LINIENARTEN)]} for i in range(anzahl)]


def zeitreihe(
    frame: pd.DataFrame,
    titel: str,
    einheit: str,
    pfad: Path,
    hervorheben: str | None = None,
    quelle: str = "",
    *,
    gemeinde: str | None = GEMEINDE,
) -> Path:
    """Linien über die Stichtage (Spalten `stichtag`, `reihe`, `wert`); die Reihe `gemeinde` (Bezug, etwa
    „Gemeinde Iserlohn“) dick und schwarz.

    Jede übrige Reihe hat Farbe, Markierung und Linienart für sich (`reihenstile`) und einen eigenen Eintrag in der
    Legende; die Legende steht in der Reihenfolge der Werte am letzten Stichtag, von oben nach unten wie die
    Linienenden. `hervorheben`: eine Reihe kräftig in Farbe, die übrigen (außer der Gemeinde) grau, in der Legende
    zusammen als „übrige Sozialräume“. Fehlt einer Reihe ein Stichtag oder ist ihr Wert NaN, hat die Linie dort eine
    Lücke und die Grafik eine Fußnote. x-Achse: die Stichtage, beschriftet mit dem Jahr (mit Monat/Jahr, wenn ein
    Jahr mehrere Stichtage hat). Gibt `pfad` zurück.
    """
    pfad = _png_pfad(pfad)
    with _stil():
        return _speichern(_zeitreihe_figur(frame, titel, einheit, hervorheben, quelle, gemeinde=gemeinde), pfad)


def _zeitreihe_figur(
    frame: pd.DataFrame,
    titel: str,
    einheit: str,
    hervorheben: str | None = None,
    quelle: str = "",
    *,
    gemeinde: str | None = GEMEINDE,
) -> Figure:
    """Die Figur zu `zeitreihe` (im Stil `_stil()` aufzurufen), noch nicht gespeichert."""
    from matplotlib.lines import Line2D

    frame = _pruefe(frame, ("stichtag", "reihe", "wert"), "Zeitreihe")
    daten = pd.DataFrame({
        "stichtag": pd.to_datetime(frame["stichtag"], errors="raise"),
        "reihe": frame["reihe"].astype(str),
        "wert": pd.to_numeric(frame["wert"], errors="coerce").astype(float),
    })
    if daten["stichtag"].isna().any():
        raise ValueError("Zeitreihe: Stichtag fehlt in mindestens einer Zeile")
    doppelt = daten.duplicated(["stichtag", "reihe"])
    if doppelt.any():
        z = daten[doppelt].iloc[0]
        raise ValueError(f"Zeitreihe: Reihe {z['reihe']} hat den Stichtag {z['stichtag']:%d.%m.%Y} mehrfach")
    if daten["wert"].isna().all():
        raise ValueError("Zeitreihe: keine Werte – alle Werte fehlen, es gibt nichts zu zeichnen")
    reihen = list(dict.fromkeys(daten["reihe"]))  # Reihenfolge des ersten Auftretens
    if hervorheben is not None and hervorheben not in reihen:
        raise ValueError(f"Zeitreihe: die hervorzuhebende Reihe {hervorheben} kommt nicht vor")
    # breit: eine Spalte je Reihe, fehlende Stichtage werden NaN (Lücke)
    breit = daten.pivot(index="stichtag", columns="reihe", values="wert").sort_index()
    stichtage = list(breit.index)
    teile = [r for r in reihen if r != gemeinde]
    stile = dict(zip(teile, reihenstile(len(teile)), strict=True))

    def zuletzt(reihe: str) -> float:
        werte = breit[reihe].dropna()
        return float(werte.iloc[-1]) if len(werte) else -math.inf

    from matplotlib.dates import date2num
    from matplotlib.ticker import FixedFormatter, FixedLocator

    fig = _neue_figur()
    ax = fig.add_subplot()
    x = date2num([t.to_pydatetime() for t in stichtage])
    griffe: dict[str, Line2D] = {}
    for reihe in reihen:
        y = breit[reihe].to_numpy(dtype=float)
        if reihe == gemeinde:
            stil = {"color": FARBE_GEMEINDE, "linewidth": 2.8, "zorder": 5, "marker": "o", "markersize": 5.0}
        elif hervorheben is not None and reihe == hervorheben:
            stil = {"color": FARBEN_REIHEN[5], "linewidth": 2.2, "zorder": 4, "marker": "o", "markersize": 4.5}
        elif hervorheben is not None:
            stil = {"color": FARBE_HINTERGRUND_REIHE, "linewidth": 1.0, "zorder": 2, "marker": "o",
                    "markersize": 2.5}
        else:
            stil = {**stile[reihe], "linewidth": 1.3, "zorder": 3, "markersize": 4.5,
                    "markeredgecolor": "white", "markeredgewidth": 0.5}
        (linie,) = ax.plot(x, y, label=reihe, **stil)
        griffe[reihe] = linie

    # Legende: eine Zeile je Reihe, von oben nach unten wie die Werte am letzten Stichtag
    if hervorheben is not None:
        namen = sorted([r for r in (gemeinde, hervorheben) if r in griffe], key=zuletzt, reverse=True)
        eintraege = [(griffe[r], r) for r in namen]
        if len(reihen) > len(namen):
            grau = Line2D([], [], color=FARBE_HINTERGRUND_REIHE, linewidth=1.0, marker="o", markersize=2.5)
            eintraege.append((grau, UEBRIGE))
    else:
        eintraege = [(griffe[r], r) for r in sorted(reihen, key=zuletzt, reverse=True)]
    ax.legend([g for g, _ in eintraege], [n for _, n in eintraege], loc="upper left",
              bbox_to_anchor=(1.01, 1.0), frameon=False, handlelength=3.0, borderaxespad=0.0,
              labelspacing=0.55)

    # x-Achse: die Stichtage selbst (ein 31.12. gehört zu seinem Jahr, nicht zum folgenden)
    jahre = [t.year for t in stichtage]
    eindeutig = len(set(jahre)) == len(jahre)
    schritt = max(1, math.ceil(len(stichtage) / 12))
    marken = list(range(0, len(stichtage), schritt))
    ax.xaxis.set_major_locator(FixedLocator([x[i] for i in marken]))
    ax.xaxis.set_major_formatter(FixedFormatter(
        [str(stichtage[i].year) if eindeutig else f"{stichtage[i]:%m/%Y}" for i in marken]))
    rand = (x[-1] - x[0]) * 0.04 if len(x) > 1 else 200.0
    ax.set_xlim(x[0] - rand, x[-1] + rand)
    ax.yaxis.set_major_formatter(_achsenformat(einheit))
    ax.set_ylabel(_achsentitel(einheit))
    ax.grid(axis="y", color=FARBE_RASTER, linewidth=0.6)
    _titel(fig, titel)
    _fuss(fig, [FUSSNOTE_LUECKE] if breit.isna().to_numpy().any() else [], quelle)
    return fig
