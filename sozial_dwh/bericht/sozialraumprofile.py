"""Sozialraumprofile einer Berichtsausgabe (architektur.md §10.1): je Sozialraum der heutigen Gliederung ein Profil
als PDF (A4) und als HTML in `profile/<sozialraum_id>.pdf|.html` der Ausgabe.

Ein Profil zeigt
- die Lage des Sozialraums in der Gemeinde (kleine Karte als SVG, der Sozialraum hervorgehoben),
- die Kennzahlen des Sozialraums gegenüber der Gemeinde mit der Veränderung seit der vorigen Ausgabe,
- den Verlauf von SGB-II-Quote und Arbeitslosenanteil über die letzten fünf Stichtage (Linien und Tabelle),
- die Klassen des Sozialindex (Status, Dynamik, Klassencode wie im Monitoring Soziale Stadtentwicklung),
- was die Sozialraumkonferenzen dort festgestellt haben (nach Handlungsfeld, mit der Bewertung durch die Daten)
  und welche Maßnahmen folgten (Status, Stand, Termin).

Werte: nur die veröffentlichten Werte der Ausgabe, also die Berichtstabellen nach der Geheimhaltung
(`sozial_dwh.bericht.geheimhaltung`). Eine gesperrte Zelle erscheint als „*“ mit der Fußnote der Tabellen und wird
nie gezeichnet; da das Profil nur Zellen der Tabellen zeigt (die Zeile des Sozialraums und die seiner Gemeinde),
erbt es deren sekundäre Sperrung und lässt sich nichts zurückrechnen, was die Tabellen verbergen. Die Achsen der
Verlaufsgrafik richten sich nur nach veröffentlichten Werten. Konferenztexte stehen so im Profil, wie die Tabellen
„Konferenzergebnisse“ und „Maßnahmen“ sie veröffentlichen (im Warehouse schon geschwärzt).

Satz: beide Formen entstehen aus denselben, schon fertig formatierten Daten (`profil_daten`), das PDF mit Typst
(Python-Paket `typst`, bringt den Compiler mit; Vorlage `vorlagen/sozialraumprofil.typ`), das HTML mit Jinja2
(`vorlagen/sozialraumprofil.html.j2`: CSS und SVG eingebettet, keine externen Verweise, Druck-CSS für A4).
Reproduzierbar: Schrift DejaVu Sans aus matplotlib (Systemschriften werden nicht gelesen), als Datum im PDF nur
das der Ausgabe (Freigabe, sonst Stichtag), keine Zeitstempel, feste Reihenfolgen.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import json
import math
import os
import re
import shutil
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pandas as pd

from sozial_dwh.bericht import karten
from sozial_dwh.bericht.dateien import FUSSNOTE_GESPERRT
from sozial_dwh.bericht.geheimhaltung import GESPERRT
from sozial_dwh.bericht.grafiken import zahl_de
from sozial_dwh.config import SQL_DIR

ORDNER = "profile"
VORLAGEN = Path(__file__).parent / "vorlagen"
PROFIL_SQL = SQL_DIR / "bericht" / "profile"
KEIN_WERT = "–"
STICHTAGE = 5  # Verlauf über so viele Stichtage bis zum Stichtag der Ausgabe
VERLAUF = (("sgb2_quote", "SGB-II-Quote", "%"), ("arbeitslosenanteil", "Arbeitslosenanteil", "%"))
SCHRIFT_PDF = "DejaVu Sans"

FARBE_HERVOR = karten.YLORBR[5][3]  # der Sozialraum des Profils
FARBE_ANDERE = "#e6e6e6"
FARBE_SOZIALRAUM = "#1f4e79"  # Linie des Sozialraums im Verlauf
FARBE_GEMEINDE = "#7a7a7a"

INFO_TEXT = ("{anzahl} Sozialraumprofile in profile/ (je Sozialraum <Schlüssel>.pdf, A4, und <Schlüssel>.html, "
             "öffnet ohne Server und Internet): Lage in der Gemeinde, Kennzahlen gegenüber der Gemeinde mit der "
             "Veränderung seit der vorigen Ausgabe, Verlauf über fünf Stichtage, Sozialindex, Ergebnisse der "
             "Sozialraumkonferenzen und Maßnahmen. Gezeigt werden nur veröffentlichte Werte (Geheimhaltung wie in den "
             "Tabellen).")


# ---------------------------------------------------------------------------------------------------------------
# Zahlen und Zellen


def stellen_fuer(einheit: str) -> int:
    """Nachkommastellen eines Indikators wie auf den Karten: Anzahlen ganz, sonst eine Stelle."""
    return karten._einheit_texte("", einheit or "")[1]


def zelle(wert: object, gesperrt: bool, stellen: int = 1, vorzeichen: bool = False) -> str:
    """Text einer Zahl im Profil: „*“ wenn gesperrt, „–“ ohne Wert, sonst deutsch (Dezimalkomma, Minuszeichen)."""
    if gesperrt:
        return GESPERRT
    if wert is None or pd.isna(wert):
        return KEIN_WERT
    return zahl_de(float(wert), stellen, vorzeichen=vorzeichen)


def _gesperrt(maske: pd.DataFrame, index: Any, spalte: str) -> bool:
    return spalte in maske.columns and bool(maske.at[index, spalte])


def _datum(wert: object) -> str:
    if wert is None or pd.isna(wert):
        return ""
    return f"{pd.Timestamp(wert):%d.%m.%Y}"


def _text(wert: object) -> str:
    if wert is None or (not isinstance(wert, str) and pd.isna(wert)):
        return ""
    return str(wert)


def _enthaelt(liste: str, name: str) -> bool:
    """Steht `name` in einer mit „, “ verbundenen Liste von Namen (Spalte „Sozialraum“ der Maßnahmen)?"""
    return f", {name}, " in f", {liste}, "


# ---------------------------------------------------------------------------------------------------------------
# SVG: Lagekarte und Verlauf


def _ring(xy, x0: float, y1: float, s: float) -> str:
    punkte = [f"{(x - x0) * s:.1f} {(y1 - y) * s:.1f}" for x, y in xy]
    return "M" + " L".join(punkte) + " Z"


def _svg_pfad(form, x0: float, y1: float, s: float) -> str:
    import shapely

    teile = []
    for teil in shapely.get_parts(form):
        if teil.geom_type != "Polygon":
            continue
        for ring in (teil.exterior, *teil.interiors):
            teile.append(_ring(ring.coords, x0, y1, s))
    return " ".join(teile)


def _massstab_m(breite_m: float) -> int:
    """Länge der Maßstabsleiste: ein runder Wert um ein Viertel der Kartenbreite."""
    ziel = breite_m / 4
    stufe = 10 ** math.floor(math.log10(ziel))
    for faktor in (5, 2, 1):
        if faktor * stufe <= ziel:
            return int(faktor * stufe)
    return int(stufe)


def lagekarte(kennung: str, name: str, formen_sr: Mapping[str, Any], gebiete: Sequence[Any],
              umriss: Sequence[Any], gemeinde: str, breite: float = 320.0) -> str:
    """Kleine Karte (SVG): die Sozialräume `formen_sr` (die seiner Gemeinde) hell, der Sozialraum `kennung`
    hervorgehoben mit seinen Gebieten, Gemeindegrenze, Maßstab und Nordpfeil. Koordinaten in EPSG:25832 (Meter), im
    SVG auf `breite` Einheiten."""
    import shapely

    x0, y0, x1, y1 = shapely.total_bounds([*formen_sr.values(), *umriss])
    rand = 0.03 * max(x1 - x0, y1 - y0)
    x0, y0, x1, y1 = x0 - rand, y0 - rand, x1 + rand, y1 + rand
    s = breite / (x1 - x0)
    fuss = 22.0  # Platz für die Maßstabsleiste
    hoehe = (y1 - y0) * s + fuss
    teile = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {breite:.0f} {hoehe:.0f}" '
        f'width="{breite:.0f}" height="{hoehe:.0f}" role="img" font-family="{SCHRIFT_PDF}">',
        f"<title>{escape(f'Lage des Sozialraums {name} in der Gemeinde {gemeinde}')}</title>",
    ]
    for k, form in formen_sr.items():
        if k == kennung:
            continue
        teile.append(f'<path d="{_svg_pfad(form, x0, y1, s)}" fill="{FARBE_ANDERE}" fill-rule="evenodd" '
                     f'stroke="#ffffff" stroke-width="1"/>')
    if kennung in formen_sr:
        teile.append(f'<path d="{_svg_pfad(formen_sr[kennung], x0, y1, s)}" fill="{FARBE_HERVOR}" '
                     f'fill-rule="evenodd" stroke="none"/>')
        for form in gebiete:  # Gebiete des Sozialraums: feine helle Linien
            teile.append(f'<path d="{_svg_pfad(form, x0, y1, s)}" fill="none" stroke="#ffffff" '
                         f'stroke-width="0.6"/>')
        teile.append(f'<path d="{_svg_pfad(formen_sr[kennung], x0, y1, s)}" fill="none" '
                     f'stroke="{karten.FARBE_TEXT}" stroke-width="1.6" stroke-linejoin="round"/>')
    for form in umriss:
        teile.append(f'<path d="{_svg_pfad(form, x0, y1, s)}" fill="none" stroke="{karten.FARBE_GRENZE_RAUM}" '
                     f'stroke-width="1" stroke-linejoin="round"/>')
    laenge = _massstab_m(x1 - x0)
    px = laenge * s
    y = hoehe - 8
    text = f"{laenge // 1000} km" if laenge >= 1000 else f"{laenge} m"
    teile += [
        f'<path d="M6 {y - 4:.1f} V{y:.1f} H{6 + px:.1f} V{y - 4:.1f}" fill="none" stroke="{karten.FARBE_TEXT}" '
        f'stroke-width="1"/>',
        f'<text x="{10 + px:.1f}" y="{y:.1f}" font-size="9" fill="{karten.FARBE_TEXT}">{escape(text)}</text>',
        f'<path d="M{breite - 12:.1f} 6 L{breite - 17:.1f} 20 L{breite - 12:.1f} 17 L{breite - 7:.1f} 20 Z" '
        f'fill="{karten.FARBE_TEXT}"/>',
        f'<text x="{breite - 12:.1f}" y="31" font-size="9" text-anchor="middle" '
        f'fill="{karten.FARBE_TEXT}">N</text>',
        "</svg>",
    ]
    return "\n".join(teile)


def _achse(werte: Sequence[float]) -> tuple[float, float, list[float]]:
    """Wertebereich der y-Achse ab 0 mit runden Marken (nur aus veröffentlichten Werten)."""
    oben = max([*werte, 1e-9])
    roh = oben / 4
    stufe = 10 ** math.floor(math.log10(roh)) if roh > 0 else 1
    for faktor in (1, 2, 2.5, 5, 10):
        if faktor * stufe >= roh:
            schritt = faktor * stufe
            break
    marken = [i * schritt for i in range(int(math.ceil(oben / schritt)) + 1)]
    return 0.0, marken[-1], marken


def verlauf_svg(titel: str, einheit: str, stichtage: Sequence[str], reihen: Sequence[tuple[str, list[float | None],
                str, bool]], breite: float = 260.0, hoehe: float = 118.0) -> str:
    """Liniengrafik (SVG) eines Indikators über die Stichtage: je Reihe (Name, Werte, Farbe, gestrichelt). Ein
    Wert None (gesperrt oder ohne Wert) wird nicht gezeichnet, die Linie ist dort unterbrochen."""
    links, rechts, oben_r, unten_r = 30.0, 6.0, 20.0, 18.0
    werte = [w for _, reihe, _, _ in reihen for w in reihe if w is not None]
    _, y_max, marken = _achse(werte)
    b, h = breite - links - rechts, hoehe - oben_r - unten_r
    n = len(stichtage)

    def px(i: int) -> float:
        return links + (b * (i + 0.5) / n)

    def py(w: float) -> float:
        return oben_r + h * (1 - w / y_max)

    teile = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {breite:.0f} {hoehe:.0f}" width="{breite:.0f}" '
        f'height="{hoehe:.0f}" role="img" font-family="{SCHRIFT_PDF}" font-size="8.5" fill="{karten.FARBE_TEXT}">',
        f"<title>{escape(f'{titel} ({einheit}) über {n} Stichtage')}</title>",
        f'<text x="0" y="11" font-size="9.5" font-weight="bold">{escape(f"{titel} in {einheit}")}</text>',
    ]
    for m in marken:
        y = py(m)
        teile.append(f'<path d="M{links:.1f} {y:.1f} H{breite - rechts:.1f}" stroke="#d9d9d9" stroke-width="0.6"/>')
        teile.append(f'<text x="{links - 4:.1f}" y="{y + 3:.1f}" text-anchor="end">'
                     f'{escape(zahl_de(m, None))}</text>')
    for i, stichtag in enumerate(stichtage):
        teile.append(f'<text x="{px(i):.1f}" y="{hoehe - 5:.1f}" text-anchor="middle">{escape(stichtag)}</text>')
    for _, reihe, farbe, gestrichelt in reihen:
        strich = ' stroke-dasharray="4 2.5"' if gestrichelt else ""
        stueck: list[str] = []
        for i, w in enumerate([*reihe, None]):
            if w is not None:
                stueck.append(f"{px(i):.1f} {py(w):.1f}")
                continue
            if len(stueck) > 1:
                teile.append(f'<path d="M{" L".join(stueck)}" fill="none" stroke="{farbe}" stroke-width="1.6"'
                             f'{strich}/>')
            stueck = []
        for i, w in enumerate(reihe):
            if w is None:
                continue
            if gestrichelt:
                teile.append(f'<rect x="{px(i) - 2.6:.1f}" y="{py(w) - 2.6:.1f}" width="5.2" height="5.2" '
                             f'fill="#ffffff" stroke="{farbe}" stroke-width="1.2"/>')
            else:
                teile.append(f'<circle cx="{px(i):.1f}" cy="{py(w):.1f}" r="2.8" fill="{farbe}"/>')
    teile.append("</svg>")
    return "\n".join(teile)


# ---------------------------------------------------------------------------------------------------------------
# Daten eines Profils (fertig formatiert; beide Vorlagen zeigen dieselben Texte)


@dataclass
class Grundlagen:
    """Was alle Profile einer Ausgabe teilen."""
    ausgabe: Any  # sozial_dwh.bericht.ausgabe.Ausgabe
    tabellen: Mapping[str, tuple[pd.DataFrame, pd.DataFrame]]
    gebiete: pd.DataFrame  # gebiet_id, sozialraum_id, sozialraum, gemeinde_id, gemeinde
    indikatoren: pd.DataFrame  # indikator_id, polaritaet, quelle (Reihenfolge der Kennzahlen)
    klassen: dict[str, list[str]]  # Sozialindex: index -> Klassen in Rangfolge
    formen_sr: dict[str, Any] = field(default_factory=dict)
    formen_gebiete: dict[str, Any] = field(default_factory=dict)
    umriss: dict[str, Any] = field(default_factory=dict)  # gemeinde_id -> Fläche
    unvollstaendig: dict[str, list[str]] = field(default_factory=dict)  # Sozialraum -> Gebiete ohne Form
    geometrie_quelle: str = ""
    quellen: str = ""
    # einmal je Ausgabe aufgestellt: Tabelle -> (Schlüssel -> erste Zeile) für `erste_zeile`, Gemeinde -> Flächen
    # ihrer Sozialräume, Sozialraum -> seine Zeilen in `gebiete`
    _zeilen: dict[str, dict] = field(default_factory=dict, init=False, repr=False)
    _gemeinden: dict[str, dict] = field(default_factory=dict, init=False, repr=False)
    _sozialraeume: dict[str, pd.DataFrame] = field(default_factory=dict, init=False, repr=False)

    def gebiete_des_sozialraums(self, kennung: str) -> pd.DataFrame:
        """Die Zeilen von `gebiete` eines Sozialraums (in ihrer Folge)."""
        if not self._sozialraeume:
            self._sozialraeume.update(dict(iter(self.gebiete.groupby("sozialraum_id", sort=False))))
        return self._sozialraeume[kennung]

    def formen_der_gemeinde(self, gemeinde_id: str) -> dict[str, Any]:
        """Die Flächen der Sozialräume einer Gemeinde: die Lagekarte zeigt den Sozialraum in seiner Gemeinde, auch
        wenn das Warehouse mehrere Gemeinden (einen Kreis) hält."""
        if not self._gemeinden:
            gemeinde_von = dict(zip(self.gebiete["sozialraum_id"], self.gebiete["gemeinde_id"], strict=True))
            for k, form in self.formen_sr.items():
                self._gemeinden.setdefault(str(gemeinde_von.get(k)), {})[k] = form
        return self._gemeinden.get(gemeinde_id, {})

    def erste_zeile(self, tabelle: str, schluessel: tuple) -> Any:
        """Index der ersten Zeile von `tabelle` („indikatoren“: (indikator_id, ebene, raum_id oder gemeinde_id),
        „zeitreihe“: (ebene, raum_id oder gemeinde_id, Stichtag in ns)), None ohne Zeile. Einmal je Ausgabe
        aufgestellt: Zeilen je Profil über die ganze Tabelle zu suchen wuchs mit Gebieten mal Profilen."""
        if tabelle not in self._zeilen:
            frame, _ = self.tabellen[tabelle]
            # die Zeile eines Sozialraums über raum_id, die einer Gemeinde über gemeinde_id
            kennung = frame["raum_id"].where(frame["ebene"] != "gemeinde", frame["gemeinde_id"])
            spalten = ([frame["indikator_id"], frame["ebene"], kennung] if tabelle == "indikatoren" else
                       [frame["ebene"], kennung, pd.to_datetime(frame["stichtag"]).map(lambda t: t.value)])
            zeilen: dict[tuple, Any] = {}
            for i, *teile in zip(frame.index, *spalten, strict=True):
                zeilen.setdefault(tuple(teile), i)
            self._zeilen[tabelle] = zeilen
        return self._zeilen[tabelle].get(schluessel)


def _reihenfolge(katalog: pd.DataFrame) -> list[str]:
    """Indikatoren nach Quelle (in der Folge von `sozial_dwh.quellen`: Bevölkerung, SGB II, Arbeitslose, …), darin
    Anzahlen zuerst, dann nach Name."""
    from sozial_dwh.quellen import alle_quellen

    folge = {q: i for i, q in enumerate(alle_quellen())}
    zeilen = katalog.itertuples(index=False)
    return [z.indikator_id for z in sorted(zeilen, key=lambda z: (
        min([folge.get(q.strip(), len(folge)) for q in z.quelle.split(";")], default=len(folge)),
        z.einheit not in ("Personen", "Anzahl"), z.name.casefold(), z.indikator_id))]


def _kennzahlen(g: Grundlagen, kennung: str, gemeinde_id: str) -> list[dict[str, Any]]:
    frame, maske = g.tabellen["indikatoren"]
    reihenfolge = {k: i for i, k in enumerate(_reihenfolge(g.indikatoren))}
    polaritaet = dict(zip(g.indikatoren["indikator_id"], g.indikatoren["polaritaet"], strict=True))
    zeilen = []
    for indikator_id in frame["indikator_id"].dropna().unique():
        i = g.erste_zeile("indikatoren", (indikator_id, "sozialraum", kennung))
        j = g.erste_zeile("indikatoren", (indikator_id, "gemeinde", gemeinde_id))
        if i is None:
            continue
        einheit = _text(frame.at[i, "einheit"])
        stellen = stellen_fuer(einheit)
        zeile = {
            "kennung": str(indikator_id), "indikator": _text(frame.at[i, "indikator"]), "einheit": einheit,
            "hinweis": _text(frame.at[i, "hinweis"]),
            "wert": zelle(frame.at[i, "wert"], _gesperrt(maske, i, "wert"), stellen),
            "veraenderung": zelle(frame.at[i, "veraenderung_bericht"], _gesperrt(maske, i, "veraenderung_bericht"),
                                  stellen, vorzeichen=True),
            "gemeinde": KEIN_WERT, "gemeinde_veraenderung": KEIN_WERT, "lage": "",
        }
        if j is not None:  # der Gemeindewert aus der Zeile der Gemeinde, mit deren Sperrung
            zeile["gemeinde"] = zelle(frame.at[j, "wert"], _gesperrt(maske, j, "wert"), stellen)
            zeile["gemeinde_veraenderung"] = zelle(frame.at[j, "veraenderung_bericht"],
                                                   _gesperrt(maske, j, "veraenderung_bericht"), stellen,
                                                   vorzeichen=True)
        richtung = int(polaritaet.get(indikator_id, 0) or 0)
        abweichung = frame.at[i, "abweichung"]
        if richtung and not _gesperrt(maske, i, "abweichung") and not pd.isna(abweichung) \
                and zeile["gemeinde"] not in (GESPERRT, KEIN_WERT) and zeile["wert"] not in (GESPERRT, KEIN_WERT):
            gezeigt = round(float(abweichung), stellen)
            if gezeigt:
                zeile["lage"] = "ungünstiger" if gezeigt * richtung > 0 else "günstiger"
        zeilen.append((reihenfolge.get(indikator_id, len(reihenfolge)), zeile))
    return [z for _, z in sorted(zeilen, key=lambda t: t[0])]


def _verlauf(g: Grundlagen, kennung: str, gemeinde_id: str, name: str, gemeinde: str) -> dict[str, Any] | None:
    frame, maske = g.tabellen["zeitreihe"]
    if frame.empty:
        return None
    tage = sorted({pd.Timestamp(t) for t in frame["stichtag"].unique()
                   if pd.Timestamp(t) <= pd.Timestamp(g.ausgabe.stichtag)})[-STICHTAGE:]
    if not tage:
        return None
    jahresende = all((t.month, t.day) == (12, 31) for t in tage)
    beschriftung = [f"{t.year}" if jahresende else f"{t:%d.%m.%y}" for t in tage]
    reihen, grafiken = [], []
    for spalte, titel, einheit in VERLAUF:
        werte: dict[str, tuple[list[str], list[float | None]]] = {}
        for art, raum in (("sozialraum", kennung), ("gemeinde", gemeinde_id)):
            texte, zahlen = [], []
            for t in tage:
                i = g.erste_zeile("zeitreihe", (art, raum, t.value))
                if i is None:
                    texte.append(KEIN_WERT)
                    zahlen.append(None)
                    continue
                gesperrt = _gesperrt(maske, i, spalte)
                texte.append(zelle(frame.at[i, spalte], gesperrt, 1))
                w = frame.at[i, spalte]
                zahlen.append(None if gesperrt or w is None or pd.isna(w) else round(float(w), 1))
            werte[art] = (texte, zahlen)
        reihen.append({"titel": f"{titel} ({einheit})", "sozialraum": werte["sozialraum"][0],
                       "gemeinde": werte["gemeinde"][0]})
        grafiken.append(verlauf_svg(titel, einheit, beschriftung, [
            (gemeinde, werte["gemeinde"][1], FARBE_GEMEINDE, True),
            (name, werte["sozialraum"][1], FARBE_SOZIALRAUM, False)]))
    return {"stichtage": [f"{t:%d.%m.%Y}" for t in tage], "reihen": reihen, "grafiken": grafiken}


def _sozialindex(g: Grundlagen, kennung: str) -> dict[str, Any] | None:
    frame, maske = g.tabellen["sozialindex"]
    treffer = frame[frame["raum_id"] == kennung]
    if treffer.empty:
        return None
    i = treffer.index[0]
    status, dynamik = g.klassen.get("status", []), g.klassen.get("dynamik", [])

    def klasse(spalte: str) -> str:
        return GESPERRT if _gesperrt(maske, i, spalte) else _text(treffer.at[i, spalte])

    s, d = klasse("statusklasse"), klasse("dynamikklasse")
    code = ""
    if s in status:
        code = str(status.index(s) + 1)
        if d in dynamik:
            code += " " + karten._zeichen(dynamik.index(d), len(dynamik))
    return {
        "status": s, "dynamik": d, "gesamt": klasse("gesamtklasse"), "code": code,
        "statusindex": zelle(treffer.at[i, "statusindex"], _gesperrt(maske, i, "statusindex"), 3),
        "dynamikindex": zelle(treffer.at[i, "dynamikindex"], _gesperrt(maske, i, "dynamikindex"), 3),
        "seit": _datum(treffer.at[i, "vergleich_stichtag"]),
        "klassen_status": ", ".join(f"{n + 1} {k}" for n, k in enumerate(status)),
        "klassen_dynamik": ", ".join(f"{karten._zeichen(n, len(dynamik))} {k}" for n, k in enumerate(dynamik)),
    }


def _konferenzen(g: Grundlagen, name: str) -> list[dict[str, Any]]:
    frame, _ = g.tabellen["konferenz"]
    teil = frame[frame["raum"] == name]
    gruppen: dict[str, list[dict[str, str]]] = {}
    # feste Reihenfolge, gleich in welcher Folge die Zeilen kommen: Handlungsfeld, jüngste Konferenz zuerst, Art,
    # Priorität, Text
    def folge(i: Any) -> tuple:
        prioritaet = teil.at[i, "prioritaet"]
        return (_text(teil.at[i, "handlungsfeld"]).casefold(), -pd.Timestamp(teil.at[i, "konferenz_datum"]).value,
                _text(teil.at[i, "art"]), 99 if prioritaet is None or pd.isna(prioritaet) else int(prioritaet),
                _text(teil.at[i, "beschreibung"]))

    for i in sorted(teil.index, key=folge):
        prioritaet = teil.at[i, "prioritaet"]
        gruppen.setdefault(_text(teil.at[i, "handlungsfeld"]) or "ohne Handlungsfeld", []).append({
            "art": _text(teil.at[i, "art"]),
            "prioritaet": "" if prioritaet is None or pd.isna(prioritaet) else str(int(prioritaet)),
            "beschreibung": _text(teil.at[i, "beschreibung"]),
            "bewertung": _text(teil.at[i, "bewertung"]),
            "massnahmen": _text(teil.at[i, "massnahmen"]),
            "datum": _datum(teil.at[i, "konferenz_datum"]),
        })
    return [{"handlungsfeld": k, "eintraege": v} for k, v in gruppen.items()]


STAND = re.compile(r"\((\d{2}\.\d{2}\.\d{4})\)\s*$")


def _massnahmen(g: Grundlagen, name: str) -> list[dict[str, str]]:
    frame, _ = g.tabellen["massnahmen"]
    zeilen = []
    for i in frame.index:
        if frame.at[i, "zeilenart"] != "Maßnahme" or not _enthaelt(_text(frame.at[i, "sozialraeume"]), name):
            continue
        stand = STAND.search(_text(frame.at[i, "status_verlauf"]))
        zeilen.append({
            "nr": _text(frame.at[i, "nr"]), "titel": _text(frame.at[i, "titel"]),
            "handlungsfelder": _text(frame.at[i, "handlungsfelder"]), "zustaendig": _text(frame.at[i, "zustaendig"]),
            "status": _text(frame.at[i, "status"]), "stand": stand.group(1) if stand else "",
            "termin": _datum(frame.at[i, "termin"]),
        })
    return sorted(zeilen, key=lambda z: (int(z["nr"]) if z["nr"].isdigit() else 10**9, z["nr"], z["titel"]))


def profil_daten(g: Grundlagen, kennung: str) -> dict[str, Any]:
    """Alle Texte eines Profils (Zahlen schon deutsch formatiert, gesperrt „*“) und seine SVG-Grafiken."""
    a = g.ausgabe
    teil = g.gebiete_des_sozialraums(kennung)
    zeile = teil.iloc[0]
    name, gemeinde_id, gemeinde = str(zeile["sozialraum"]), str(zeile["gemeinde_id"]), str(zeile["gemeinde"])
    kennzahlen = _kennzahlen(g, kennung, gemeinde_id)
    verlauf = _verlauf(g, kennung, gemeinde_id, name, gemeinde)
    karte, karte_hinweis = None, "Keine Karte: keine verwendbare Geometrie."
    if kennung in g.formen_sr:
        eigene = [g.formen_gebiete[k] for k in teil["gebiet_id"] if k in g.formen_gebiete]
        karte = lagekarte(kennung, name, g.formen_der_gemeinde(gemeinde_id), eigene,
                          [g.umriss[gemeinde_id]] if gemeinde_id in g.umriss else [], gemeinde)
        karte_hinweis = g.geometrie_quelle
        if g.unvollstaendig.get(kennung):
            karte_hinweis += (f" Fläche unvollständig, ohne Gebiet {', '.join(g.unvollstaendig[kennung])} "
                              f"({karten.KEINE_GEOMETRIE}).")
    einwohner = next((z for z in kennzahlen if z["kennung"] == "bev_insgesamt"), None)
    vergleich = (f"{a.vergleich_stichtag:%d.%m.%Y} (Ausgabe {a.vergleich_bericht_id})" if a.vergleich_stichtag
                 else "")
    texte = [z[k] for z in kennzahlen for k in ("wert", "veraenderung", "gemeinde", "gemeinde_veraenderung")]
    if verlauf:
        texte += [t for r in verlauf["reihen"] for t in (*r["sozialraum"], *r["gemeinde"])]
    index = _sozialindex(g, kennung)
    if index:
        texte += [index["statusindex"], index["dynamikindex"], index["status"], index["dynamik"]]
    fussnoten = []
    if GESPERRT in texte:
        fussnoten.append(FUSSNOTE_GESPERRT)
    if KEIN_WERT in texte:
        fussnoten.append(f"{KEIN_WERT} kein Wert (z. B. Nenner unter der Mindestgröße oder nicht geliefert)")
    datum = a.freigegeben_am or a.stichtag
    return {
        "kennung": kennung, "name": name, "gemeinde": gemeinde,
        "titel": f"Sozialraumprofil {name}",
        "ausgabe": {"id": a.bericht_id, "titel": a.titel, "stichtag": f"{a.stichtag:%d.%m.%Y}",
                    "vergleich": vergleich, "status": ("freigegeben am " + f"{a.freigegeben_am:%d.%m.%Y}")
                    if a.freigegeben and a.freigegeben_am else ("freigegeben" if a.freigegeben else "Entwurf"),
                    "datum": [datum.year, datum.month, datum.day]},
        "einwohner": einwohner,
        "karte": karte, "karte_hinweis": karte_hinweis,
        "kennzahlen": kennzahlen, "verlauf": verlauf, "sozialindex": index,
        "konferenzen": _konferenzen(g, name), "massnahmen": _massnahmen(g, name),
        "fussnoten": fussnoten, "quelle": g.quellen,
        "methodik": (f"Werte am Stichtag {a.stichtag:%d.%m.%Y}; Veränderung gegenüber {vergleich} in Prozentpunkten "
                     "bzw. Punkten (bei Anzahlen in Personen)." if vergleich else
                     f"Werte am Stichtag {a.stichtag:%d.%m.%Y}; keine vorige Ausgabe zum Vergleich.")
                    + " „ungünstiger“/„günstiger“: der Sozialraum im Vergleich zur Gemeinde, nach der Richtung des "
                      "Indikators (nur bei Indikatoren mit Richtung). Definitionen und Geheimhaltung: Blatt "
                      f"„Methodik“ der Arbeitsmappe sozialbericht_{a.bericht_id}.xlsx.",
    }


# ---------------------------------------------------------------------------------------------------------------
# Setzen: HTML (Jinja2) und PDF (Typst)


def _jinja():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(VORLAGEN), autoescape=True, trim_blocks=True,
                              lstrip_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined)


def _schriften() -> list[str]:
    """DejaVu Sans aus matplotlib (ohnehin installiert): dieselbe Schrift auf jedem Rechner."""
    import matplotlib

    return [str(Path(matplotlib.get_data_path()) / "fonts" / "ttf")]


class Setzer:
    """Vorlagen und Typst-Compiler einmal je Ausgabe laden (Schriften lesen kostet mehr als ein Profil)."""

    def __init__(self) -> None:
        import typst

        self.html = _jinja().get_template("sozialraumprofil.html.j2")
        self.typst = typst.Compiler(str(VORLAGEN / "sozialraumprofil.typ"), root=str(VORLAGEN),
                                    font_paths=_schriften(), ignore_system_fonts=True)

    def pdf(self, daten: Mapping[str, Any]) -> bytes:
        return self.typst.compile(format="pdf", sys_inputs={"daten": json.dumps(daten, ensure_ascii=False)},
                                  pdf_standards=["a-2b"])

    def html_text(self, daten: Mapping[str, Any]) -> str:
        return self.html.render(p=daten)


# ---------------------------------------------------------------------------------------------------------------
# alle Profile einer Ausgabe


@dataclass
class ProfilErgebnis:
    pfade: list[Path]
    hinweise: list[str] = field(default_factory=list)

    def info_zeilen(self) -> list[tuple[str, object]]:
        pdfs = [p for p in self.pfade if p.suffix == ".pdf"]
        text = INFO_TEXT.format(anzahl=len(pdfs)) if pdfs else "" if self.hinweise else "keine"
        return [("Sozialraumprofile", " ".join(t for t in [text, *self.hinweise] if t))]


def _lesen(con, name: str) -> pd.DataFrame:
    return con.execute((PROFIL_SQL / f"{name}.sql").read_text(encoding="utf-8")).df()


def grundlagen(con, ausgabe, tabellen: Mapping[str, tuple[pd.DataFrame, pd.DataFrame]],
               quellen: Mapping[str, str], geometrie=None) -> Grundlagen:
    from sozial_dwh import geometrie as geo

    gebiete = _lesen(con, "gebiete")
    klassen: dict[str, list[str]] = {}
    for index, klasse in _lesen(con, "sozialindex_klassen").itertuples(index=False):
        klassen.setdefault(index, []).append(klasse)
    g = Grundlagen(ausgabe, tabellen, gebiete, _lesen(con, "indikatoren"), klassen)
    geometrie = geometrie if geometrie is not None else geo.aus_warehouse(con)
    if geometrie.vorhanden:
        g.formen_gebiete = {k: v for k, v in geometrie.flaechen.items() if k in set(gebiete["gebiet_id"])}
        g.formen_sr = geo.aufloesen(geometrie.flaechen, dict(zip(gebiete["gebiet_id"], gebiete["sozialraum_id"],
                                                                 strict=True)))
        g.umriss = geo.aufloesen(geometrie.flaechen, dict(zip(gebiete["gebiet_id"], gebiete["gemeinde_id"],
                                                              strict=True)))
        for sr, teil in gebiete.groupby("sozialraum_id"):
            ohne = [k for k in teil["gebiet_id"] if k not in geometrie.flaechen]
            if ohne:
                g.unvollstaendig[str(sr)] = ohne
        g.geometrie_quelle = (geometrie.quelle or f"Geometrie: {', '.join(geometrie.dateien)}") + "."
    genannt = list(dict.fromkeys(quellen[q] for name in ("indikatoren", "zeitreihe", "konferenz")
                                 for q in _tabellen_quellen(name) if q in quellen))
    g.quellen = "Quelle: " + "; ".join([*genannt, "eigene Berechnung (Sozialplanung)"]) + \
        f". Veröffentlichte Werte der Ausgabe {ausgabe.bericht_id}, Stichtag {ausgabe.stichtag:%d.%m.%Y}."
    return g


def _tabellen_quellen(name: str) -> tuple[str, ...]:
    from sozial_dwh.bericht.tabellen import tabelle

    return tabelle(name).quellen


FAEDEN_AB = 20  # ab so vielen Profilen setzen zwei Fäden die PDFs (ein weiterer Compiler lädt die Schriften neu)


def profile_der_ausgabe(con, ausgabe, tabellen: Mapping[str, tuple[pd.DataFrame, pd.DataFrame]], ordner: Path,
                        quellen: Mapping[str, str], geometrie=None) -> ProfilErgebnis:
    """Je Sozialraum der heutigen Gliederung `ordner/profile/<sozialraum_id>.pdf` und `.html`.

    Bei vielen Profilen (ein Kreis: Tausende Sozialräume) setzt Typst die PDFs in zwei Fäden neben der Arbeit dieses
    Fadens (Daten und HTML): Typst gibt Pythons Interpreter-Sperre beim Setzen frei; je Faden ein eigener Compiler
    (einer lässt sich nicht aus zwei Fäden zugleich benutzen). Dieselben Bytes wie nacheinander."""
    g = grundlagen(con, ausgabe, tabellen, quellen, geometrie)
    ziel = ordner / ORDNER
    ziel.mkdir(parents=True, exist_ok=True)
    kennungen = [str(k) for k in dict.fromkeys(g.gebiete["sozialraum_id"])]
    setzer = Setzer()
    faeden = min(2, os.cpu_count() or 1) if len(kennungen) >= FAEDEN_AB else 1
    je_faden = threading.local()

    def pdf_setzen(daten: Mapping[str, Any]) -> bytes:
        if not hasattr(je_faden, "setzer"):
            je_faden.setzer = Setzer()
        return je_faden.setzer.pdf(daten)

    pfade: list[Path] = []
    offen: collections.deque = collections.deque()  # (Datei, gesetztes PDF), höchstens 4 je Faden
    with concurrent.futures.ThreadPoolExecutor(faeden) if faeden > 1 else contextlib.nullcontext() as pool:
        for kennung in kennungen:
            daten = profil_daten(g, kennung)
            datei = karten.sicher(kennung)
            html = ziel / f"{datei}.html"
            html.write_text(setzer.html_text(daten), encoding="utf-8", newline="\n")
            pdf = ziel / f"{datei}.pdf"
            if pool is None:
                pdf.write_bytes(setzer.pdf(daten))
            else:
                offen.append((pdf, pool.submit(pdf_setzen, daten)))
                while len(offen) > 4 * faeden:
                    fertig, zukunft = offen.popleft()
                    fertig.write_bytes(zukunft.result())
            pfade += [pdf, html]
        while offen:
            fertig, zukunft = offen.popleft()
            fertig.write_bytes(zukunft.result())
    return ProfilErgebnis(pfade)


def zeichnen(con, ausgabe, tabellen: Sequence[tuple[Any, pd.DataFrame, pd.DataFrame]], ordner: Path,
             quellen: Mapping[str, str], melde=None, geometrie=None) -> ProfilErgebnis:
    """Die Profile einer Ausgabe (für `ausgabe.baue`). Ein Fehler beim Setzen hält die Ausgabe nicht auf: er steht
    dann im Blatt Info, und es gibt keine Profile (wie bei den Karten). `quellen`: geladene Quelle -> Herkunft."""
    melde = melde or (lambda text: None)
    try:
        ergebnis = profile_der_ausgabe(con, ausgabe, {t.name: (f, m) for t, f, m in tabellen}, ordner, quellen,
                                       geometrie)
    except Exception as exc:  # ein Satzfehler darf die Tabellen der Ausgabe nicht verhindern
        shutil.rmtree(ordner / ORDNER, ignore_errors=True)
        ergebnis = ProfilErgebnis([], [f"Die Sozialraumprofile konnten nicht erstellt werden ({type(exc).__name__}: "
                                       f"{exc}); die übrige Ausgabe ist vollständig."])
    melde(f"Sozialraumprofile: {len([p for p in ergebnis.pfade if p.suffix == '.pdf'])} (PDF und HTML) "
          + " ".join(ergebnis.hinweise))
    return ergebnis

