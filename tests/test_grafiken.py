"""PNG-Grafiken einer Berichtsausgabe (sozial_dwh.bericht.grafiken): echte Dateien, Größe, Inhalt, byte-gleich."""

from __future__ import annotations

import datetime as dt
import math
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sozial_dwh.bericht import grafiken as g

PNG_SIGNATUR = b"\x89PNG\r\n\x1a\n"
NAMEN = ["Altstadt", "Letmathe-Mitte", "Zentrumsrand", "Hohenlimburg-Elsey", "Oestrich-Dröschede",
         "Nachrodt-Wiblingwerde Süd", "Iserlohner Heide", "Gerlingsen", "Stadtmitte Nord"]
QUOTEN = [12.4, 8.1, math.nan, 15.73, 4.2, 9.9, 21.05, 6.6, 12.345]  # Zentrumsrand gesperrt
STATUS = [-1.6, -0.4, 0.2, 1.2, 1.8, 0.9, math.nan, -1.1, 2.3]
KLASSEN = ["hoch", "mittel", "mittel", "niedrig", "sehr niedrig", "mittel", None, "hoch", "sehr niedrig"]


def quoten() -> pd.DataFrame:
    return pd.DataFrame({"name": NAMEN, "wert": QUOTEN})


def sozialindex() -> pd.DataFrame:
    return pd.DataFrame({"name": NAMEN, "statusindex": STATUS, "statusklasse": KLASSEN})


def reihen() -> pd.DataFrame:
    zeilen = []
    for jahr in range(2016, 2024):
        for i, reihe in enumerate([*NAMEN[:4], "Gemeinde"]):
            if reihe == "Altstadt" and jahr == 2021:
                continue  # fehlender Stichtag: Lücke
            wert = math.nan if (reihe == "Zentrumsrand" and jahr == 2019) else 8 + 2 * i + 0.3 * (jahr - 2016)
            zeilen.append((dt.date(jahr, 12, 31), reihe, wert))
    return pd.DataFrame(zeilen, columns=["stichtag", "reihe", "wert"])


def zeichne(ordner: Path) -> dict[str, Path]:
    return {
        "balken": g.balken_mit_gemeinde(quoten(), 10.94, "SGB-II-Quote nach Sozialräumen am 31.12.2023", "%",
                                        ordner / "sgb2_quote.png", quelle="Bundesagentur für Arbeit, Statistik"),
        "sozialindex": g.sozialindex_klassen(sozialindex(), "Statusindex nach Sozialräumen 2023",
                                             ordner / "sozialindex.png", quelle="Sozialindex, Stand 31.12.2023"),
        "zeitreihe": g.zeitreihe(reihen(), "SGB-II-Quote 2016–2023", "%", ordner / "zeitreihe.png",
                                 hervorheben="Letmathe-Mitte", quelle="Bundesagentur für Arbeit"),
    }


@pytest.fixture(scope="module")
def grafiken(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return zeichne(tmp_path_factory.mktemp("grafiken"))


def groesse(pfad: Path) -> tuple[int, int]:
    """Breite und Höhe in Pixeln aus dem IHDR-Kopf der PNG-Datei."""
    kopf = pfad.read_bytes()[:24]
    assert kopf[12:16] == b"IHDR"
    return struct.unpack(">II", kopf[16:24])


def farben(pfad: Path) -> set[tuple[int, int, int]]:
    import matplotlib.image

    bild = matplotlib.image.imread(pfad)
    rgb = np.round(bild[..., :3] * 255).astype(np.uint32).reshape(-1, 3)
    gepackt = np.unique((rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2])
    return {(int(f >> 16), int((f >> 8) & 255), int(f & 255)) for f in gepackt}


def hex_rgb(farbe: str) -> tuple[int, int, int]:
    return tuple(int(farbe[i:i + 2], 16) for i in (1, 3, 5))


# ---------------------------------------------------------------------------------------------------------------


def test_zahl_de() -> None:
    assert g.zahl_de(10.94, 1, "%") == "10,9 %"
    assert g.zahl_de(1234, 0) == "1.234"
    assert g.zahl_de(1234567.891, 2) == "1.234.567,89"
    assert g.zahl_de(-1.5, 1) == "\u22121,5"
    assert g.zahl_de(-0.04, 1) == "0,0"  # kein „−0,0“
    assert g.zahl_de(1.5, 1, vorzeichen=True) == "+1,5"
    assert g.zahl_de(12.345, 2, "je 1.000 EW") == "12,35 je 1.000 EW"
    assert g.zahl_de(math.nan) == "k. A."
    assert g.zahl_de(None) == "k. A."
    assert g.zahl_de(0.5, None) == "0,5"  # Achsen: so viele Stellen wie nötig
    assert g.zahl_de(2.0, None) == "2"
    assert g.zahl_de(2500.0, None) == "2.500"
    formatter = g._achsenformat("%")
    assert formatter(12.5, 0) == "12,5 %"
    assert g._achsenformat("Personen")(1234, 0) == "1.234"


def test_klassenbeschriftung() -> None:
    assert g._klassenbeschriftung(g.STATUSGRENZEN) == [
        "hoch (< \u22121,0)", "mittel (\u22121,0 bis +1,0)", "niedrig (+1,0 bis +1,5)", "sehr niedrig (> +1,5)"]


def test_png_datei_und_groesse(grafiken: dict[str, Path]) -> None:
    breite, hoehe = g.pixel(16, 10)
    assert (breite, hoehe) == (945, 591)  # 16 × 10 cm bei 150 dpi
    for name, pfad in grafiken.items():
        inhalt = pfad.read_bytes()
        assert inhalt.startswith(PNG_SIGNATUR), name
        assert 10_000 < len(inhalt) < 500_000, (name, len(inhalt))
        assert groesse(pfad) == (breite, hoehe), name
        assert b"Software" not in inhalt and b"matplotlib" not in inhalt.lower(), name  # keine Metadaten


def test_bild_nicht_leer(grafiken: dict[str, Path]) -> None:
    balken = farben(grafiken["balken"])
    assert len(balken) > 20  # Text mit Kantenglättung, Balken, Raster
    assert hex_rgb(g.FARBE_BALKEN) in balken
    assert (0, 0, 0) in balken  # Gemeindelinie
    assert (255, 255, 255) in balken

    index = farben(grafiken["sozialindex"])
    for farbe in g.klassenfarben(4):  # jede Klasse kommt vor: jede Farbe erscheint (Balken und Legende)
        assert hex_rgb(farbe) in index, farbe

    linien = farben(grafiken["zeitreihe"])
    assert (0, 0, 0) in linien  # Gemeinde
    assert hex_rgb(g.FARBEN_REIHEN[5]) in linien  # hervorgehobene Reihe
    assert hex_rgb(g.FARBE_HINTERGRUND_REIHE) in linien  # übrige Reihen grau


def test_klassenfarben_hell_nach_dunkel() -> None:
    def helligkeit(farbe: str) -> float:
        r, gr, b = hex_rgb(farbe)
        return 0.2126 * r + 0.7152 * gr + 0.0722 * b

    for anzahl in (3, 4, 5):
        werte = [helligkeit(f) for f in g.klassenfarben(anzahl)]
        assert werte == sorted(werte, reverse=True), anzahl


def test_byte_gleich(grafiken: dict[str, Path], tmp_path: Path) -> None:
    zweite = zeichne(tmp_path)
    for name, pfad in grafiken.items():
        assert zweite[name].read_bytes() == pfad.read_bytes(), name


def test_byte_gleich_in_anderem_prozess(grafiken: dict[str, Path], tmp_path: Path) -> None:
    """Anderer Prozess, anderer Hash-Seed: gleiche Bytes (keine Abhängigkeit von Mengen-Reihenfolge o. Ä.).

    Derselbe Prozess prüft vorher, dass der Import des Moduls matplotlib nicht lädt (leichte Importkette der
    Dagster-Definitionen).
    """
    skript = (
        "import sys; from pathlib import Path; import sozial_dwh.bericht.grafiken; "
        "print(any(m.startswith('matplotlib') for m in sys.modules)); "
        "from tests.test_grafiken import zeichne; zeichne(Path(sys.argv[1]))"
    )
    umgebung = {**os.environ, "PYTHONHASHSEED": "12345"}
    ergebnis = subprocess.run([sys.executable, "-c", skript, str(tmp_path)], check=True, env=umgebung,
                              capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
    assert ergebnis.stdout.strip() == "False"  # Import ohne matplotlib
    for name, pfad in grafiken.items():
        assert (tmp_path / pfad.name).read_bytes() == pfad.read_bytes(), name


def test_kein_globaler_zustand(tmp_path: Path) -> None:
    import matplotlib

    vorher = dict(matplotlib.rcParams)
    pyplot_vorher = "matplotlib.pyplot" in sys.modules
    g.balken_mit_gemeinde(quoten(), None, "ohne Gemeindewert", "Personen", tmp_path / "unter" / "a.png")
    assert (tmp_path / "unter" / "a.png").exists()  # Ordner wird angelegt
    assert dict(matplotlib.rcParams) == vorher
    assert ("matplotlib.pyplot" in sys.modules) == pyplot_vorher


def test_mitgelieferte_schrift() -> None:
    import matplotlib
    from matplotlib import font_manager

    with g._stil():
        datei = font_manager.findfont(font_manager.FontProperties(family=matplotlib.rcParams["font.family"]))
    assert Path(datei).name == "DejaVuSans.ttf"
    assert Path(datei).is_relative_to(Path(matplotlib.get_data_path()))


def test_leere_eingabe(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="leer"):
        g.balken_mit_gemeinde(pd.DataFrame(columns=["name", "wert"]), 10.9, "t", "%", tmp_path / "a.png")
    with pytest.raises(ValueError, match="leer"):
        g.sozialindex_klassen(pd.DataFrame(columns=["name", "statusindex", "statusklasse"]), "t",
                              tmp_path / "b.png")
    with pytest.raises(ValueError, match="leer"):
        g.zeitreihe(pd.DataFrame(columns=["stichtag", "reihe", "wert"]), "t", "%", tmp_path / "c.png")
    assert not list(tmp_path.iterdir())


def test_falsche_eingabe(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Spalte\\(n\\) fehlen: wert"):
        g.balken_mit_gemeinde(pd.DataFrame({"name": ["A"]}), None, "t", "%", tmp_path / "a.png")
    with pytest.raises(ValueError, match=r"\.png"):
        g.balken_mit_gemeinde(quoten(), None, "t", "%", tmp_path / "a.pdf")
    falsch = sozialindex().assign(statusklasse=["gut", *KLASSEN[1:]])
    with pytest.raises(ValueError, match="unbekannte Statusklasse\\(n\\) gut"):
        g.sozialindex_klassen(falsch, "t", tmp_path / "b.png")
    doppelt = pd.concat([reihen(), reihen().head(1)])
    with pytest.raises(ValueError, match="mehrfach"):
        g.zeitreihe(doppelt, "t", "%", tmp_path / "c.png")
    with pytest.raises(ValueError, match="nicht vor"):
        g.zeitreihe(reihen(), "t", "%", tmp_path / "c.png", hervorheben="Atlantis")
    with pytest.raises(ValueError, match="alle Werte fehlen"):
        g.zeitreihe(reihen().assign(wert=math.nan), "t", "%", tmp_path / "c.png")


def test_alles_gesperrt_und_ein_stichtag(tmp_path: Path) -> None:
    """Randfälle zeichnen ohne Fehler: nur gesperrte Werte, eine Zeitreihe mit einem Stichtag."""
    alle = pd.DataFrame({"name": ["A", "B"], "wert": [math.nan, math.nan]})
    assert groesse(g.balken_mit_gemeinde(alle, None, "alles gesperrt", "%", tmp_path / "a.png")) == (945, 591)
    ein = pd.DataFrame({"stichtag": [dt.date(2023, 12, 31)], "reihe": ["Gemeinde"], "wert": [10.9]})
    assert groesse(g.zeitreihe(ein, "ein Jahr", "%", tmp_path / "b.png")) == (945, 591)


# ---------------------------------------------------------------------------------------------------------------
# lesbar: jede Linie erkennbar, keine Beschriftung auf einer Linie, „*“ einmal erklärt

SOZIALRAEUME_9 = ["Zentrum", "Zentrumsrand", "Nordwest", "Süd", "Sümmern", "Hennen", "Letmathe-Mitte",
                  "Letmathe-Nord", "Letmathe-Süd"]


def neun_reihen() -> pd.DataFrame:
    """Neun Sozialräume und die Gemeinde wie in den Beispieldaten: drei hoch, fünf dicht beieinander unten."""
    basis = [18.5, 19.1, 19.2, 4.6, 4.5, 4.4, 8.8, 4.4, 4.5]
    zeilen = []
    for jahr in range(2018, 2023):
        for name, wert in zip(SOZIALRAEUME_9, basis, strict=True):
            zeilen.append((dt.date(jahr, 12, 31), name, wert + 0.05 * (jahr - 2018)))
        zeilen.append((dt.date(jahr, 12, 31), "Gemeinde Iserlohn", 10.8))
    return pd.DataFrame(zeilen, columns=["stichtag", "reihe", "wert"])


def test_reihenstile_auch_in_graustufen_unterscheidbar() -> None:
    stile = g.reihenstile(12)
    assert len({(s["marker"], s["linestyle"]) for s in stile}) == 12  # ohne Farbe: Markierung und Linienart
    assert len({s["marker"] for s in stile[:9]}) == 9
    assert "#F0E442" not in {s["color"] for s in stile}  # Gelb verschwindet auf Weiß
    for a, b in zip(stile, stile[1:], strict=False):  # Nachbarn unterscheiden sich in allem
        assert a["color"] != b["color"] and a["linestyle"] != b["linestyle"] and a["marker"] != b["marker"]


def test_zeitreihe_eine_legende_je_sozialraum() -> None:
    """Vorher: neun graue Linien mit neun gleichen Legendeneinträgen. Jetzt: jede Reihe eigener Stil und eigener
    Eintrag, die Legende von oben nach unten wie die Werte am letzten Stichtag."""
    with g._stil():
        fig = g._zeitreihe_figur(neun_reihen(), "SGB-II-Quote", "%", quelle="Quelle: Test",
                                 gemeinde="Gemeinde Iserlohn")
    ax = fig.axes[0]
    texte = [t.get_text() for t in ax.get_legend().get_texts()]
    letzte = neun_reihen().query("stichtag == @dt.date(2022, 12, 31)").set_index("reihe")["wert"]
    assert texte == list(letzte.sort_values(ascending=False, kind="stable").index)
    linien = {linie.get_label(): linie for linie in ax.get_lines()}
    stile = {(linie.get_marker(), linie.get_linestyle()) for name, linie in linien.items() if name in SOZIALRAEUME_9}
    farben_ = {linie.get_color() for name, linie in linien.items() if name in SOZIALRAEUME_9}
    assert len(stile) == 9 and len(farben_) >= 6 and g.FARBE_HINTERGRUND_REIHE not in farben_
    gemeinde = linien["Gemeinde Iserlohn"]
    assert gemeinde.get_color() == g.FARBE_GEMEINDE
    assert gemeinde.get_linewidth() > max(linie.get_linewidth() for n, linie in linien.items() if n != gemeinde.get_label())


def test_zeitreihe_hervorheben_legende_ohne_wiederholung() -> None:
    with g._stil():
        fig = g._zeitreihe_figur(neun_reihen(), "SGB-II-Quote", "%", hervorheben="Letmathe-Mitte",
                                 gemeinde="Gemeinde Iserlohn")
    texte = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert texte == ["Gemeinde Iserlohn", "Letmathe-Mitte", g.UEBRIGE]


def test_zeitreihe_luecke_mit_fussnote() -> None:
    with g._stil():
        mit = g._zeitreihe_figur(reihen(), "t", "%", quelle="Quelle: Test")
        ohne = g._zeitreihe_figur(neun_reihen(), "t", "%", quelle="Quelle: Test", gemeinde="Gemeinde Iserlohn")
    assert any(g.FUSSNOTE_LUECKE in t.get_text() for t in mit.texts)
    assert not any(g.FUSSNOTE_LUECKE in t.get_text() for t in ohne.texts)


def _kasten(artist, renderer):
    box = artist.get_window_extent(renderer)
    return box.x0, box.y0, box.x1, box.y1


def test_klassengrenzen_beschriftung_frei_von_linien() -> None:
    """Die Zahlen „−1,0“, „+1,0“, „+1,5“ stehen über ihren gestrichelten Linien, nicht auf ihnen."""
    from matplotlib.collections import LineCollection

    with g._stil():
        fig = g._sozialindex_figur(sozialindex(), "Statusindex", quelle="Quelle: Test")
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        ax = fig.axes[0]
        grenzen = {g.zahl_de(w, 1, vorzeichen=True) for _, w in g.STATUSGRENZEN if w is not None}
        beschriftungen = [t for t in ax.texts if t.get_text() in grenzen]
        assert {t.get_text() for t in beschriftungen} == grenzen
        linien = [seg for c in ax.collections if isinstance(c, LineCollection) for seg in c.get_segments()]
        assert len(linien) == len(grenzen)
        for text in beschriftungen:
            x0, y0, x1, y1 = _kasten(text, renderer)
            for seg in linien:
                (lx, ly0), (_, ly1) = ax.transData.transform(seg)
                beruehrt = x0 - 1 <= lx <= x1 + 1 and min(ly0, ly1) <= y1 + 1 and max(ly0, ly1) >= y0 - 1
                assert not beruehrt, text.get_text()


def _fussnoten_mit_stern(fig) -> list[str]:
    return [zeile for t in fig.texts for zeile in t.get_text().splitlines() if zeile.lstrip().startswith("*")]


def test_stern_fussnote_genau_einmal() -> None:
    """Vorher erklärte die Quellenzeile das „*“ ein zweites Mal, wenn die Grafik schon eine Fußnote dazu hatte."""
    quelle = "Quelle: eigene Berechnung, Stichtag 31.12.2022; * gesperrt oder nicht verfügbar"
    with g._stil():
        balken = g._balken_figur(quoten(), 10.94, "t", "%", quelle)
        index = g._sozialindex_figur(sozialindex(), "t", quelle=quelle)
        ohne_stern = g._balken_figur(quoten().dropna(), 10.94, "t", "%", "Quelle: eigene Berechnung")
    assert _fussnoten_mit_stern(balken) == [g.FUSSNOTE_GESPERRT]
    assert len(_fussnoten_mit_stern(index)) == 1
    assert any("Quelle: eigene Berechnung, Stichtag 31.12.2022" in t.get_text() for t in balken.texts)
    assert _fussnoten_mit_stern(ohne_stern) == []
