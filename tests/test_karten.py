"""Geometrie als Referenzdaten und Karten der Berichtsausgaben (architektur.md §10.1).

- Eine Geometrie wie aus einem Vermessungsamt (GeoPackage bzw. Shapefile in EPSG:25832, Schlüssel als Zahl in einer
  eigenen Spalte, aufgelöste Gebiete statt ihres Nachfolgers, ein Gebiet, das die Gliederung nicht kennt, ein
  fehlendes Gebiet) ergibt deutsche Meldungen, und die Karten entstehen trotzdem – das fehlende Gebiet im Kasten
  „keine Geometrie“.
- Überlappungen und Lücken über der Toleranz werden mit Fläche und Gebieten gemeldet; Koordinatensysteme werden
  umgerechnet, fehlende oder widersprüchliche nie geraten.
- Die mitgelieferte schematische Beispielgeometrie zerlegt die Stadt lückenlos und ohne Überlappung, jedes heutige
  Gebiet hat genau eine Form, Sozialräume und Stadtbezirke hängen zusammen.
- `sozial-dwh export` auf den Beispieldaten: je Indikator und Ebene PNG (300 dpi) und SVG, dazu der Sozialindex;
  keine Karte zeigt einen gesperrten Wert (Ausgabe 2020 mit strenger Geheimhaltung, Fallzahlen bis 25).
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import duckdb
import numpy as np
import openpyxl
import pyogrio
import pytest
import shapely
from PIL import Image

from sozial_dwh import config, geometrie, geometrie_beispiel
from sozial_dwh.bericht import karten
from sozial_dwh.reference import load_gebiete

BEISPIEL = config.REPO_ROOT / "data" / "reference"
SVG = "{http://www.w3.org/2000/svg}"


def referenz_kopie(ziel: Path) -> Path:
    """data/reference ohne die Beispielgeometrie: der Test legt seine eigene hinein."""
    shutil.copytree(BEISPIEL, ziel, ignore=shutil.ignore_patterns("gebiete.geojson", "geometrie.csv"))
    return ziel


def schreibe_geometrie(pfad: Path, formen: dict[str, object], crs: str | None = "EPSG:25832",
                       spalte: str = "BEZ_NR") -> Path:
    """Eine Geometriedatei wie aus einem Fachverfahren: Schlüssel als ganze Zahl, dazu ein Name, Multipolygone."""
    ids = list(formen)
    pyogrio.raw.write(
        pfad, np.array(shapely.to_wkb(list(formen.values())), dtype=object),
        [np.array([int(i) for i in ids], dtype=np.int64), np.array([f"Bezirk {i}" for i in ids], dtype=object)],
        [spalte, "BEZ_NAME"], geometry_type="MultiPolygon", crs=crs, promote_to_multi=True,
        driver="GPKG" if pfad.suffix == ".gpkg" else "ESRI Shapefile")
    return pfad


def schreibe_csv(referenz: Path, zeile: str) -> None:
    (referenz / "geometrie.csv").write_text("datei,id_spalte,crs,layer,quelle,toleranz_m2\n" + zeile + "\n",
                                            encoding="utf-8")


def texte(meldungen, schwere: str) -> list[str]:
    return [m.text for m in meldungen if m.schwere == schwere]


@pytest.fixture(scope="module")
def beispiel_formen():
    """Die schematischen Formen (EPSG:25832) als Ausgangspunkt „echter“ Dateien."""
    return geometrie_beispiel.flaechen(load_gebiete(BEISPIEL))


@pytest.fixture
def amtsdatei(tmp_path: Path, beispiel_formen) -> Path:
    """GeoPackage in EPSG:25832: 403 als die aufgelösten Gebiete 401 und 402 (der alte Stand des Amts), 903 fehlt,
    dazu 999, ein Gebiet, das die Gliederung nicht kennt (eine Fläche östlich der Stadt)."""
    referenz = referenz_kopie(tmp_path / "referenz")
    formen = {k: v for k, v in beispiel_formen.items() if k not in ("403", "903")}
    ganz = beispiel_formen["403"]
    mitte = ganz.centroid.x
    x0, y0, x1, y1 = ganz.bounds
    formen["401"] = ganz.intersection(shapely.box(x0 - 1, y0 - 1, mitte, y1 + 1))
    formen["402"] = ganz.intersection(shapely.box(mitte, y0 - 1, x1 + 1, y1 + 1))
    formen["999"] = shapely.Point(420_500, 5_692_000).buffer(900, quad_segs=12)
    schreibe_geometrie(referenz / "bezirke.gpkg", formen)
    schreibe_csv(referenz, "bezirke.gpkg,BEZ_NR,,,Stadt Beispiel: Vermessung und Kataster,10")
    return referenz


# ---------------------------------------------------------------------------------------------------------------
# Lesen und prüfen


def test_amtsdatei_meldungen(amtsdatei: Path, beispiel_formen):
    gebiete = load_gebiete(amtsdatei)
    ergebnis = geometrie.lade(amtsdatei, gebiete)
    fehler, hinweise = texte(ergebnis.meldungen, "fehler"), texte(ergebnis.meldungen, "hinweis")
    assert ("bezirke.gpkg: Gebiet „999“ steht nicht in der Gebietsgliederung (gebiete.csv); seine Form wird nicht "
            "verwendet. Bitte die Kennung prüfen oder das Gebiet in gebiete.csv ergänzen.") in fehler
    assert ("1 heute gültige(s) Gebiet(e) ohne Form: 903 Lasbeck/Roden. Die Karten zeigen sie als „keine "
            "Geometrie“; bitte in der Geometriedatei ergänzen.") in fehler
    assert ("Gebiet 403 Obergrüne/Stadtwald/Kesbern hat keine eigene Form; zusammengesetzt aus den aufgelösten "
            "Gebieten 401 Obergrüne/Stadtwald, 402 Kesbern.") in hinweise
    assert len(fehler) == 2 and texte(ergebnis.meldungen, "warnung") == []  # keine Überlappung, keine Lücke
    # die heutige Gliederung: 24 Formen (ohne 903), 403 aus seinen Vorgängern, 999 nicht dabei
    assert sorted(ergebnis.flaechen) == sorted(set(beispiel_formen) - {"903"})
    assert ergebnis.fehlend == ["903"] and "999" not in ergebnis.flaechen
    assert ergebnis.flaechen["403"].area == pytest.approx(beispiel_formen["403"].area, rel=1e-6)
    assert ergebnis.herkunft["403"] == "aus 401, 402 zusammengesetzt" and ergebnis.herkunft["101"] == "bezirke.gpkg"
    assert ergebnis.quelle == "Stadt Beispiel: Vermessung und Kataster"
    # Sozialräume auf der heutigen Gliederung: SR04 = 403 (aus 401 + 402), SR09 ohne 903 kleiner
    sr = geometrie.aufloesen(ergebnis.flaechen, geometrie.zuordnung_aus_gebieten(gebiete, "sozialraum"))
    assert sr["SR04"].area == pytest.approx(beispiel_formen["403"].area, rel=1e-6)
    assert sr["SR09"].area == pytest.approx(beispiel_formen["901"].area + beispiel_formen["902"].area, rel=1e-6)


def test_meldungen_im_warehouse(amtsdatei: Path):
    """Der Lauf schreibt Formen und Meldungen nach raw.*; die Berichtsausgabe liest dieselben zurück."""
    with duckdb.connect() as con:
        con.execute("create schema raw")
        ergebnis = geometrie.in_warehouse(con, amtsdatei, load_gebiete(amtsdatei))
        zeilen = con.execute("select schwere, meldung, gebiete from raw.ref_geometrie_meldungen order by nr").fetchall()
        assert [(s, g) for s, _, g in zeilen] == [(m.schwere, ", ".join(m.gebiete)) for m in ergebnis.meldungen]
        assert ("fehler", "903") in [(s, g) for s, _, g in zeilen]
        zurueck = geometrie.aus_warehouse(con)
    assert sorted(zurueck.flaechen) == sorted(ergebnis.flaechen) and zurueck.meldungen == ergebnis.meldungen
    assert zurueck.flaechen["101"].equals(ergebnis.flaechen["101"]) and zurueck.dateien == ["bezirke.gpkg"]


def test_ueberlappung_und_luecke(tmp_path: Path, beispiel_formen):
    referenz = referenz_kopie(tmp_path / "referenz")
    formen = dict(beispiel_formen)
    formen["101"] = formen["101"].buffer(40)  # ragt in die Nachbarn
    formen["205"] = formen["205"].buffer(-30)  # lässt ringsum einen Spalt
    schreibe_geometrie(referenz / "bezirke.shp", formen)
    schreibe_csv(referenz, "bezirke.shp,BEZ_NR,,,,10")
    ergebnis = geometrie.lade(referenz, load_gebiete(referenz))
    warnungen = [m for m in ergebnis.meldungen if m.schwere == "warnung"]
    ueber = [m for m in warnungen if "überlappen sich" in m.text]
    luecken = [m for m in warnungen if m.text.startswith("Lücke von")]
    assert {m.gebiete for m in ueber} >= {("101", "102"), ("101", "202")}
    m = next(m for m in ueber if m.gebiete == ("101", "102"))
    assert m.text.startswith("Gebiete 101 Zentrum-Nord und 102 Zentrum-Süd überlappen sich auf ")
    assert m.flaeche_m2 > 10_000 and " m² (" in m.text and "EPSG:25832" in m.text
    assert len(luecken) == 1 and luecken[0].flaeche_m2 > 10_000
    assert set(luecken[0].gebiete) >= {"102", "201", "203", "205"}
    assert "zwischen den Gebieten 102 Zentrum-Süd, 201 Ackenbrock" in luecken[0].text
    # unter der Toleranz (hier 10^9 m²) wird nichts gemeldet
    schreibe_csv(referenz, "bezirke.shp,BEZ_NR,,,,1000000000")
    assert texte(geometrie.lade(referenz, load_gebiete(referenz)).meldungen, "warnung") == []


def test_koordinatensysteme(tmp_path: Path, beispiel_formen):
    referenz = referenz_kopie(tmp_path / "referenz")
    gebiete = load_gebiete(referenz)
    # in geographischen Koordinaten geliefert: zurück nach EPSG:25832 gerechnet (Fläche auf 0,01 % gleich)
    wgs84 = {k: geometrie.nach_wgs84(v) for k, v in beispiel_formen.items()}
    schreibe_geometrie(referenz / "wgs.shp", wgs84, crs="EPSG:4326")
    schreibe_csv(referenz, "wgs.shp,BEZ_NR,,,,10")
    ergebnis = geometrie.lade(referenz, gebiete)
    assert texte(ergebnis.meldungen, "fehler") == [] and len(ergebnis.flaechen) == 25
    assert ergebnis.flaechen["101"].area == pytest.approx(beispiel_formen["101"].area, rel=1e-4)
    # ohne .prj: kein Koordinatensystem – nicht geraten, sondern gemeldet; mit crs in geometrie.csv gelesen
    (referenz / "wgs.prj").unlink()
    ergebnis = geometrie.lade(referenz, gebiete)
    assert ergebnis.flaechen == {} and any(
        "wgs.shp nennt kein Koordinatensystem. Bitte in geometrie.csv, Spalte crs, angeben" in t
        for t in texte(ergebnis.meldungen, "fehler"))
    schreibe_csv(referenz, "wgs.shp,BEZ_NR,EPSG:4326,,,10")
    assert len(geometrie.lade(referenz, gebiete).flaechen) == 25
    # Datei und geometrie.csv widersprechen sich: nicht verwendet
    schreibe_geometrie(referenz / "utm.gpkg", beispiel_formen)
    schreibe_csv(referenz, "utm.gpkg,BEZ_NR,EPSG:4326,,,10")
    ergebnis = geometrie.lade(referenz, gebiete)
    assert ergebnis.flaechen == {} and any(
        "utm.gpkg gibt das Koordinatensystem EPSG:25832 an, geometrie.csv sagt EPSG:4326" in t
        for t in texte(ergebnis.meldungen, "fehler"))
    # falsche Spalte, fehlende Datei: gemeldet, der Lauf ginge weiter
    schreibe_csv(referenz, "utm.gpkg,GEBIET,,,,10")
    assert any("Spalte GEBIET (id_spalte in geometrie.csv) fehlt. Vorhanden: BEZ_NR, BEZ_NAME" in t
               for t in texte(geometrie.lade(referenz, gebiete).meldungen, "fehler"))
    schreibe_csv(referenz, "fehlt.gpkg,BEZ_NR,,,,10")
    assert any(t.startswith("Geometriedatei fehlt.gpkg fehlt") for t in
               texte(geometrie.lade(referenz, gebiete).meldungen, "fehler"))


# ---------------------------------------------------------------------------------------------------------------
# Karten mit fehlender Form


def svg_beschriftungen(pfad: Path) -> dict[str, list[str]]:
    """{SVG-Kennung: Textzeilen} aller Texte mit Kennung (Beschriftungen `beschriftung-<Kennung>`, Kasten)."""
    wurzel = ET.parse(pfad).getroot()
    return {g.get("id"): [t.text or "" for t in g.iter(f"{SVG}text")]
            for g in wurzel.iter(f"{SVG}g") if g.get("id") and not g.get("id").startswith(("text_", "patch_"))
            and list(g.iter(f"{SVG}text"))}


def svg_texte(pfad: Path) -> list[str]:
    return [t.text or "" for t in ET.parse(pfad).getroot().iter(f"{SVG}text")]


def test_karte_mit_fehlender_form(amtsdatei: Path, tmp_path: Path):
    gebiete = load_gebiete(amtsdatei)
    ergebnis = geometrie.lade(amtsdatei, gebiete)
    heute = geometrie.heutige(gebiete)
    sr = geometrie.aufloesen(ergebnis.flaechen, geometrie.zuordnung_aus_gebieten(heute, "sozialraum"))
    umriss = geometrie.aufloesen(ergebnis.flaechen, geometrie.zuordnung_aus_gebieten(heute, "gemeinde"))
    rahmen = karten.Rahmen(list(sr.values()), list(umriss.values()),
                           tuple(shapely.total_bounds(list(ergebnis.flaechen.values()))))
    flaechen = [karten.Flaeche(g.gebiet_id, g.name, ergebnis.flaechen.get(g.gebiet_id), 10.0 + i / 2)
                for i, g in enumerate(sorted(heute, key=lambda g: g.gebiet_id))]
    flaechen[0] = karten.Flaeche("101", "Zentrum-Nord", ergebnis.flaechen["101"], None, karten.GESPERRT)
    flaechen[1] = karten.Flaeche("102", "Zentrum-Süd", ergebnis.flaechen["102"], None, karten.ZU_KLEIN)
    flaechen[2] = karten.Flaeche("201", "Ackenbrock", ergebnis.flaechen["201"], None, karten.KEIN_WERT)
    pfade = karten.indikator_karte(
        flaechen, rahmen, titel="SGB-II-Quote nach Gebieten, 31.12.2022", legendentitel="SGB-II-Quote in %",
        einheit="%", polaritaet=1, stellen=1, quelle="Quelle: Test. Geometrie: Stadt Beispiel.",
        pfad=tmp_path / "karten" / "sgb2_quote_gebiet.png", ebene="gebiet", schluessel_liste=True)
    assert [p.name for p in pfade] == ["sgb2_quote_gebiet.png", "sgb2_quote_gebiet.svg"]
    beschriftung = svg_beschriftungen(pfade[1])
    wert_903 = karten.zahl_de(flaechen[[f.kennung for f in flaechen].index("903")].wert, 1, "%")
    assert beschriftung["keine-geometrie"] == ["Fehlende Geometrie:",
                                               f"903 Lasbeck/Roden: keine Geometrie, Wert {wert_903}"]
    assert "beschriftung-903" not in beschriftung and beschriftung["beschriftung-101"] == ["101", "*"]
    assert beschriftung["beschriftung-902"] == ["902", karten.zahl_de(flaechen[-2].wert, 1, "%")]
    alle = svg_texte(pfade[1])
    assert "keine Geometrie (Kasten unter der" in " ".join(alle) and "gesperrt (Geheimhaltung) (*)" in alle
    assert beschriftung["beschriftung-102"] == ["102", "–"] and beschriftung["beschriftung-201"] == ["201", "–"]
    assert "kein Wert: Nenner unter der Mindestgröße (–)" in " ".join(alle) and "kein Wert vorhanden (–)" in alle
    # Klassen aus den 22 veröffentlichten Werten: 25 Gebiete ohne gesperrt, zu klein, kein Wert (903 ohne Form zählt)
    zahlen = [t for t in alle if t.endswith(")") and t.rpartition(" (")[2][:-1].isdigit()]
    assert sum(int(t.rpartition(" (")[2][:-1]) for t in zahlen) == 22
    # Sozialraum Letmathe-Süd: Form ohne 903 – im Kasten vermerkt
    sr_flaechen = [karten.Flaeche(k, k, v, 5.0 + i, hinweis="Fläche unvollständig, ohne Gebiet 903" if k == "SR09"
                                  else "") for i, (k, v) in enumerate(sr.items())]
    pfade = karten.indikator_karte(
        sr_flaechen, rahmen, titel="Test", legendentitel="Test in %", einheit="%", polaritaet=0, stellen=1,
        quelle="Quelle: Test.", pfad=tmp_path / "karten" / "test_sozialraum.png", ebene="sozialraum")
    assert svg_beschriftungen(pfade[1])["keine-geometrie"] == [
        "Fehlende Geometrie:", "SR09 SR09: Fläche unvollständig, ohne Gebiet 903"]
    with Image.open(pfade[0]) as bild:
        assert bild.info["dpi"] == pytest.approx((300, 300), abs=0.01) and bild.mode == "RGB"


def test_klassen_und_farben():
    # natürliche Brüche auf den gezeigten Werten; „bis unter“, letzte Klasse bis zum größten Wert
    k = karten.klassen_bilden([4.51, 4.6, 4.64, 4.7, 8.9, 18.6, 18.8, 19.44, 19.4], 1, 3)
    assert k.texte() == ["4,5 bis unter 8,9", "8,9 bis unter 18,6", "18,6 bis 19,4"] and k.anzahl == [4, 1, 4]
    assert k.klasse(8.86) == 1  # gezeigt als 8,9: in der Klasse „8,9 bis unter …“
    assert karten.klassen_bilden([], 1) is None and karten.klassen_bilden([5, 5], 1).texte() == ["5,0"]
    assert karten.klassen_bilden([1200, 15000, 90000], 0).texte()[-1] == "90.000"
    # Polarität: dunkelste Farbe beim meisten Bedarf
    assert karten.farben(5, 1)[-1] == karten.farben(5, -1)[0] == "#993404"
    assert karten.farben(4, 0) == list(karten.BLUES[4])
    matrix = karten.mss_farben(4, 3)
    hell = [[karten._hell(f) for f in zeile] for zeile in matrix]
    assert hell[0] == [True, True, True] and hell[3] == [False, False, False]


# ---------------------------------------------------------------------------------------------------------------
# die Beispielgeometrie


def test_beispielgeometrie_zerlegt_die_stadt():
    gebiete = load_gebiete(BEISPIEL)
    heute = {g.gebiet_id for g in geometrie.heutige(gebiete)}
    ergebnis = geometrie.lade(BEISPIEL, gebiete)
    assert [m for m in ergebnis.meldungen if m.schwere != "hinweis"] == []
    assert set(ergebnis.flaechen) == heute and len(heute) == 25 and ergebnis.fehlend == []
    _, _, _, werte = pyogrio.raw.read(BEISPIEL / "gebiete.geojson", columns=["gebiet_id"])
    assert sorted(werte[0]) == sorted(heute)  # genau eine Form je heutigem Gebiet
    formen = list(ergebnis.flaechen.values())
    assert shapely.coverage_is_valid(formen)  # keine Überlappung, Kanten deckungsgleich
    ganz = shapely.union_all(formen)
    assert ganz.geom_type == "Polygon" and len(ganz.interiors) == 0  # keine Lücke
    assert sum(f.area for f in formen) == pytest.approx(ganz.area, rel=1e-9)
    assert 100e6 < ganz.area < 200e6  # eine Stadt von 100 bis 200 km²
    for ebene in ("sozialraum", "stadtbezirk"):
        teile = geometrie.aufloesen(ergebnis.flaechen, geometrie.zuordnung_aus_gebieten(
            [g for g in gebiete if g.gebiet_id in heute], ebene))
        assert {k: v.geom_type for k, v in teile.items()} == dict.fromkeys(teile, "Polygon"), ebene  # zusammenhängend
    # unregelmäßig, kein Raster aus Quadraten
    for form in formen:
        assert shapely.get_num_coordinates(form) > 30 and form.area / form.envelope.area < 0.9
    # als schematisch gekennzeichnet: in der Datei und in der Quellenangabe jeder Karte
    kopf = json.loads((BEISPIEL / "gebiete.geojson").read_text(encoding="utf-8"))
    assert kopf["hinweis"] == "Geometrie schematisch, nicht amtlich" and "Nicht amtlich" in kopf["description"]
    assert {f["properties"]["hinweis"] for f in kopf["features"]} == {"Geometrie schematisch, nicht amtlich"}
    assert ergebnis.quelle == "Geometrie schematisch, nicht amtlich"
    # das Skript erzeugt dieselben Flächen
    neu = geometrie_beispiel.flaechen(gebiete)
    assert all(neu[k].symmetric_difference(v).area < 1.0 for k, v in ergebnis.flaechen.items())


# ---------------------------------------------------------------------------------------------------------------
# Berichtsausgaben der Beispieldaten


@pytest.fixture(scope="module")
def demo(beispiel_ausgaben):
    """Die Beispielausgaben 2022 (wie ausgeliefert) und 2020 (strenge Geheimhaltung, Fallzahlen bis 25) aus
    tests/conftest.py, geteilt mit den Tests der Sozialraumprofile."""
    return beispiel_ausgaben


def _indikatoren(paths, bericht_id: str) -> list[tuple[str, str]]:
    with duckdb.connect(str(paths.analyse), read_only=True) as con:
        return con.execute("select distinct indikator_id, einheit from bericht.indikatoren where bericht_id = ? "
                           "order by 1", [bericht_id]).fetchall()


def test_export_schreibt_alle_karten(demo):
    ziel = demo.exports / "sozialbericht_2022"
    indikatoren = _indikatoren(demo, "2022")
    assert len(indikatoren) == 20
    erwartet = {f"{i}_{ebene}.{endung}" for i, _ in indikatoren for ebene in ("sozialraum", "gebiet")
                for endung in ("png", "svg")} | {"sozialindex.png", "sozialindex.svg"}
    assert {p.name for p in (ziel / "karten").iterdir()} == erwartet
    for png in (ziel / "karten").glob("*.png"):
        with Image.open(png) as bild:
            assert bild.info["dpi"] == pytest.approx((300, 300), abs=0.01), png.name
            assert bild.size[0] == round(16 / 2.54 * 300), png.name  # 16 cm breit
    # im Manifest wie jede andere Datei, mit Prüfsumme
    manifest = json.loads((ziel / "manifest.json").read_text(encoding="utf-8"))
    karten_im_manifest = {n for n in manifest["dateien"] if n.startswith("karten/")}
    assert karten_im_manifest == {f"karten/{n}" for n in erwartet}
    # Quellenzeile jeder Karte: Datenquelle, Geometrie schematisch, Stichtag
    for svg in (ziel / "karten").glob("*.svg"):
        fuss = " ".join(svg_texte(svg)[-12:])
        alle = " ".join(svg_texte(svg))
        assert "Geometrie schematisch, nicht" in alle and "Stichtag 31.12.2022." in alle, svg.name
        assert "Quelle:" in alle and "eigene Berechnung (Sozialplanung)" in alle, (svg.name, fuss)
    sgb2 = " ".join(svg_texte(ziel / "karten" / "sgb2_quote_gebiet.svg"))
    assert "Statistik der Bundesagentur für Arbeit (SGB II)" in sgb2 and "SGB-II-Quote in %" in sgb2
    index = svg_texte(ziel / "karten" / "sozialindex.svg")
    assert "Status-/Dynamik-Index" in index and "4 sehr niedrig" in index and "3 −" in index
    # Blatt Info nennt Karten und Geometrie
    info = {r[0]: r[1] for r in openpyxl.load_workbook(ziel / "sozialbericht_2022.xlsx")["Info"].iter_rows(
        min_row=3, max_col=2, values_only=True) if r[0]}
    assert info["Karten"].startswith("41 Karten in karten/ (PNG mit 300 dpi")
    assert info["Geometrie"].startswith("gebiete.geojson (Geometrie schematisch, nicht amtlich): 25 Gebiete mit Form")


def test_keine_karte_zeigt_einen_gesperrten_wert(demo):
    """Ausgabe 2020 mit Sperrung bis 25: jede Beschriftung zeigt genau den veröffentlichten Wert oder „*“; die
    Klassen der Legende zählen nur veröffentlichte Werte. (PNG und SVG entstehen aus derselben Figur.)"""
    ordner = demo.exports / "sozialbericht_2020" / "karten"
    einheiten = dict(_indikatoren(demo, "2020"))
    gesperrt_gesamt = {"sozialraum": 0, "gebiet": 0}
    with duckdb.connect(str(demo.analyse), read_only=True) as con:
        for tabelle, ebene in (("indikatoren", "sozialraum"), ("indikatoren_gebiete", "gebiet")):
            zeilen = con.execute(
                f"select b.indikator_id, b.raum_id, b.wert, list_contains(b.gesperrte_spalten, 'wert'), m.wert "
                f"from bericht.{tabelle} as b inner join mart.indikator_werte as m on m.gebiet_id = b.raum_id "
                "and m.ebene = b.ebene and m.indikator_id = b.indikator_id and m.stichtag = '2020-12-31' "
                "where b.bericht_id = '2020' and b.ebene = ?", [ebene]).fetchall()
            for indikator_id, einheit in einheiten.items():
                _, stellen = karten._einheit_texte("", einheit)
                kurz = "%" if einheit == "%" else ""
                svg = svg_beschriftungen(ordner / f"{indikator_id}_{ebene}.svg")
                veroeffentlicht = 0
                for _, raum_id, wert, gesperrt, wahr in (z for z in zeilen if z[0] == indikator_id):
                    gezeigt = svg[karten.svg_id("beschriftung", raum_id)][-1]
                    if gesperrt:
                        gesperrt_gesamt[ebene] += 1
                        assert wert is None and wahr is not None and gezeigt == "*", (indikator_id, raum_id)
                    else:
                        veroeffentlicht += 1
                        assert gezeigt == karten.zahl_de(wert, stellen, kurz), (indikator_id, raum_id)
                legende = [t for t in svg_texte(ordner / f"{indikator_id}_{ebene}.svg")
                           if t.endswith(")") and t.rpartition(" (")[2][:-1].isdigit()]
                assert sum(int(t.rpartition(" (")[2][:-1]) for t in legende) == veroeffentlicht, indikator_id
    assert gesperrt_gesamt["gebiet"] > 50 and gesperrt_gesamt["sozialraum"] > 0
    assert "gesperrt (Geheimhaltung) (*)" in svg_texte(ordner / "kinderarmut_u15_gebiet.svg")


def test_sperrungen_der_sozialraeume_gleich_in_beiden_tabellen(demo):
    """Ein Sozialraum, der in „Indikatoren“ gesperrt ist (auch sekundär), ist es auch in „Indikatoren nach
    Gebieten“ – sonst stünde der Wert in der einen Tabelle offen."""
    with duckdb.connect(str(demo.analyse), read_only=True) as con:
        unterschiede = con.execute(
            "select a.indikator_id, a.raum_id, a.gesperrte_spalten, b.gesperrte_spalten "
            "from bericht.indikatoren as a inner join bericht.indikatoren_gebiete as b using (bericht_id, "
            "indikator_id, ebene, raum_id) where a.ebene = 'sozialraum' and "
            "list_contains(a.gesperrte_spalten, 'wert') <> list_contains(b.gesperrte_spalten, 'wert')").fetchall()
        gesperrt = con.execute("select count(*) from bericht.indikatoren where bericht_id = '2020' and "
                               "ebene = 'sozialraum' and list_contains(gesperrte_spalten, 'wert')").fetchall()[0][0]
    assert unterschiede == [] and gesperrt > 0
