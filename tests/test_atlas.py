"""Der Atlas einer Berichtsausgabe, `atlas/index.html` (architektur.md §10.1), an den Beispieldaten.

- Die Datei steht in jeder Ausgabe (auch im Manifest und im Blatt Info) und verweist auf nichts außerhalb ihrer
  selbst (keine Adresse, kein src=, kein href=, kein Nachladen).
- Das JSON enthält jeden Indikator × jede Ebene × jeden Stichtag bis zum Stichtag der Ausgabe.
- Ein Wert, von Hand aus dem Mart gerechnet, ist der Wert im Atlas.
- Kein gesperrter Wert steht in der Datei (Ausgabe 2020 mit strenger Geheimhaltung, Fallzahlen bis 25): wo der Atlas
  sperrt, ist der Wert null mit `"gesperrt": true`, und der Wert aus dem Mart steht nicht in seinem Eintrag; was die
  Tabellen der Ausgabe sperren, sperrt auch der Atlas; keine Summengruppe (auch Stadtbezirke) hat genau eine
  gesperrte Zelle.
- Im echten Browser (Chromium über Playwright, wie tests/test_browser.py): keine Fehler in der Konsole, keine Anfrage
  außer file://, Auswahl nur mit der Tastatur, Angaben zur Fläche nach Tab und Eingabetaste, Rangliste nach Polarität.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import duckdb
import openpyxl
import pytest

from sozial_dwh.bericht import atlas, karten
from tests.test_browser import CHROMIUM, _voraussetzungen

EBENEN = ("sozialraum", "gebiet", "stadtbezirk")


@pytest.fixture(scope="module")
def demo(beispiel_ausgaben):
    """Die Beispielausgaben 2022 (wie ausgeliefert) und 2020 (strenge Geheimhaltung, Fallzahlen bis 25) aus
    tests/conftest.py, geteilt mit den Tests der Karten und der Sozialraumprofile."""
    return beispiel_ausgaben
STICHTAG = {"2022": dt.date(2022, 12, 31), "2020": dt.date(2020, 12, 31)}


def atlas_html(paths, bericht_id: str) -> str:
    return (paths.exports / f"sozialbericht_{bericht_id}" / "atlas" / "index.html").read_text(encoding="utf-8")


def atlas_daten(paths, bericht_id: str) -> dict:
    treffer = re.search(r'<script type="application/json" id="atlas-daten">(.*?)</script>',
                        atlas_html(paths, bericht_id), re.S)
    assert treffer, "kein JSON im Atlas"
    return json.loads(treffer.group(1))


def mart(paths, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(paths.analyse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_atlas_in_jeder_ausgabe(demo):
    for bericht_id in ("2022", "2020"):
        ziel = demo.exports / f"sozialbericht_{bericht_id}"
        assert (ziel / "atlas" / "index.html").is_file()
        manifest = json.loads((ziel / "manifest.json").read_text(encoding="utf-8"))
        assert "atlas/index.html" in manifest["dateien"]
        info = {r[0]: r[1] for r in openpyxl.load_workbook(ziel / f"sozialbericht_{bericht_id}.xlsx")["Info"]
                .iter_rows(min_row=3, max_col=2, values_only=True) if r[0]}
        assert info["Atlas"].startswith("atlas/index.html: Atlas zum Öffnen im Browser"), info["Atlas"]
        assert "Ebenen Sozialräume, Gebiete, Stadtbezirke" in info["Atlas"]


def test_keine_verweise_nach_aussen(demo):
    html = atlas_html(demo, "2022")
    assert html.startswith("<!DOCTYPE html>\n<html lang=\"de\">")
    assert re.findall(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", html, re.I) == []
    assert re.findall(r"\b(?:src|href|xlink:href|action)\s*=", html, re.I) == []
    assert re.findall(r"url\((?!#)", html) == []  # nur eigene Muster: url(#muster-…)
    assert re.findall(r"\bfetch\(|XMLHttpRequest|import\(|<link\b|<iframe\b|@import", html) == []
    # nur zwei Skripte, beide in der Datei: das JSON und das Programm
    assert len(re.findall(r"<script\b", html)) == 2


def test_json_hat_jeden_indikator_jede_ebene_jeden_stichtag(demo):
    for bericht_id, stichtag in STICHTAG.items():
        daten = atlas_daten(demo, bericht_id)
        erwartet = mart(demo, "select indikator_id, ebene, stichtag, list(distinct gebiet_id order by gebiet_id) "
                              "from mart.indikator_werte where stichtag <= ? and indikator_id <> 'bedarfe_anzahl' "
                              "and ebene in ('sozialraum', 'gebiet', 'stadtbezirk') group by all", [stichtag])
        assert len(erwartet) == 20 * 3 * (5 if bericht_id == "2022" else 3)
        assert [e["id"] for e in daten["ebenen"]] == list(EBENEN)
        assert {i["id"] for i in daten["indikatoren"]} == {e[0] for e in erwartet}
        assert [s["id"] for s in daten["stichtage"]] == sorted({e[2].isoformat() for e in erwartet})
        assert daten["stichtage"][-1]["text"] == f"{stichtag:%d.%m.%Y}"
        heutige = {r[0] for r in mart(demo, "select gebiet_id from core.dim_gebiet where ebene = 'gebiet' "
                                            "and gebiet_id = aktuell_id and not ist_pseudo")}
        for indikator_id, ebene, tag, raeume in erwartet:
            eintraege = daten["werte"][indikator_id][tag.isoformat()][ebene]
            # Gebiete der heutigen Gliederung (aufgelöste Gebiete zählen im Mart für ihren Nachfolger)
            soll = [r for r in raeume if ebene != "gebiet" or r in heutige]
            assert sorted(eintraege) == soll, (indikator_id, ebene, tag)
            for eintrag in eintraege.values():
                assert set(eintrag) >= {"wert", "zaehler", "nenner", "gesperrt"}
        # Steckbrief aus dem Katalog
        sgb2 = next(i for i in daten["indikatoren"] if i["id"] == "sgb2_quote")
        assert sgb2["polaritaet"] == 1 and sgb2["formel"] == "Wert = Zähler / Nenner × 100"
        assert sgb2["nenner"] == "Einwohner von 0 bis 64 Jahren" and sgb2["min_nenner"].startswith("100")
        assert "Statistik der Bundesagentur für Arbeit (SGB II)" in sgb2["quelle"]
        assert sgb2["definition"].startswith("Leistungsberechtigte nach dem SGB II je 100 Einwohner unter 65")


def test_wert_von_hand_aus_dem_mart(demo):
    """SGB-II-Quote im Sozialraum SR01 am 31.12.2021 (eine frühere Ausgabe als 2022, also aus der Zeitreihe):
    Summe der Leistungsberechtigten seiner heutigen Gebiete / Summe ihrer Einwohner unter 65 × 100."""
    gebiete = [r[0] for r in mart(demo, "select gebiet_id from core.dim_gebiet where ebene = 'gebiet' and "
                                        "sozialraum_id = 'SR01' and gebiet_id = aktuell_id and not ist_pseudo")]
    assert len(gebiete) >= 2
    zaehler, nenner = mart(demo, "select sum(zaehler), sum(nenner) from mart.indikator_werte where "
                                 "indikator_id = 'sgb2_quote' and ebene = 'gebiet' and stichtag = '2021-12-31' "
                                 "and list_contains(?, gebiet_id)", [gebiete])[0]
    von_hand = zaehler / nenner * 100  # Quote aus summierten Zählern und Nennern, nie ein Mittel der Gebietsquoten
    eintrag = atlas_daten(demo, "2022")["werte"]["sgb2_quote"]["2021-12-31"]["sozialraum"]["SR01"]
    assert eintrag["gesperrt"] is False
    assert (eintrag["zaehler"], eintrag["nenner"]) == (zaehler, nenner)
    assert eintrag["wert"] == pytest.approx(von_hand, abs=1e-6)


def _wie_gezeigt(x: float) -> set[float]:
    """Ein Wert und seine Rundungen auf 1 bis 6 Nachkommastellen, wie sie im JSON stehen könnten."""
    return {float(x), *(round(float(x), n) for n in range(1, 7))}


def test_kein_gesperrter_wert_im_atlas(demo):
    """Ausgabe 2020, Fallzahlen bis 25 gesperrt: je Zelle mit Sperrung ist der Wert null und gekennzeichnet, und weder
    der Wert noch (wo gesperrt) Zähler oder Nenner aus dem Mart stehen in ihrem Eintrag."""
    daten = atlas_daten(demo, "2020")
    roh = {(i, s.isoformat(), e, g): (w, z, n) for i, s, e, g, w, z, n in mart(
        demo, "select indikator_id, stichtag, ebene, gebiet_id, wert, zaehler, nenner from mart.indikator_werte "
              "where stichtag <= '2020-12-31'")}
    gesperrt = {e: 0 for e in EBENEN}
    stichtage_mit_sperren = set()
    for indikator_id, je_tag in daten["werte"].items():
        for tag, je_ebene in je_tag.items():
            for ebene, eintraege in je_ebene.items():
                for raum_id, eintrag in eintraege.items():
                    wert, zaehler, nenner = roh[(indikator_id, tag, ebene, raum_id)]
                    zelle = (indikator_id, tag, ebene, raum_id)
                    if eintrag["gesperrt"]:
                        gesperrt[ebene] += 1
                        stichtage_mit_sperren.add(tag)
                        assert eintrag["wert"] is None and eintrag.get("zustand") == "gesperrt", zelle
                        assert set(eintrag) <= {"wert", "zaehler", "nenner", "gesperrt", "zustand"}, zelle
                        if wert is not None:  # auch nicht gerundet im Eintrag der Zelle
                            assert not {eintrag["zaehler"], eintrag["nenner"]} & _wie_gezeigt(wert), zelle
                            text = json.dumps(eintrag)
                            for x in _wie_gezeigt(wert) - {round(wert)}:
                                assert not re.search(rf"(?<![\d.]){re.escape(json.dumps(x))}(?!\d)", text), zelle
                    if eintrag["zaehler"] is None and zaehler is not None:
                        assert eintrag["gesperrt"] and zaehler not in {eintrag["nenner"]}, zelle
                    if eintrag["zaehler"] is not None:
                        assert eintrag["zaehler"] == zaehler and not 1 <= zaehler <= 25
                    if eintrag["nenner"] is not None:
                        assert eintrag["nenner"] == nenner and not 1 <= nenner <= 25
    assert gesperrt["gebiet"] > 100 and gesperrt["sozialraum"] > 0 and gesperrt["stadtbezirk"] > 0, gesperrt
    assert stichtage_mit_sperren == {"2018-12-31", "2019-12-31", "2020-12-31"}
    # Was die Tabellen der Ausgabe sperren (auch sekundär), sperrt der Atlas am Stichtag der Ausgabe auch
    for tabelle, ebene in (("indikatoren", "sozialraum"), ("indikatoren_gebiete", "gebiet")):
        zeilen = mart(demo, f"select indikator_id, raum_id from bericht.{tabelle} where bericht_id = '2020' and "
                            "ebene = ? and list_contains(gesperrte_spalten, 'wert')", [ebene])
        assert zeilen
        for indikator_id, raum_id in zeilen:
            assert daten["werte"][indikator_id]["2020-12-31"][ebene][raum_id]["gesperrt"], (tabelle, raum_id)


def test_keine_summengruppe_mit_genau_einer_sperrung(demo):
    """Sekundäre Sperrung mit den Summen: Gebiete → Sozialraum, Gebiete → Stadtbezirk, Sozialräume → Gemeinde,
    Stadtbezirke → Gemeinde. Wäre in einer Gruppe genau eine Fallzahl verborgen, ließe sie sich zurückrechnen."""
    daten = atlas_daten(demo, "2020")
    zuordnung = mart(demo, "select gebiet_id, sozialraum_id, stadtbezirk_id from core.dim_gebiet where "
                           "ebene = 'gebiet' and gebiet_id = aktuell_id and not ist_pseudo")
    roh = {(i, s.isoformat(), e, g): (z, n) for i, s, e, g, z, n in mart(
        demo, "select indikator_id, stichtag, ebene, gebiet_id, zaehler, nenner from mart.indikator_werte "
              "where stichtag <= '2020-12-31'")}
    gemeinde = daten["gemeinden"][0]["id"]
    geprueft = 0
    for indikator_id, je_tag in daten["werte"].items():
        for tag, je_ebene in je_tag.items():
            veroeffentlicht = {**{("gemeinde", r): e for r, e in daten["gemeindewerte"][indikator_id][tag].items()},
                               **{(ebene, r): e for ebene, eintraege in je_ebene.items() for r, e in eintraege.items()}}
            gruppen = [  # (Summe, Teile)
                *((("sozialraum", sr), [("gebiet", g) for g, s, _ in zuordnung if s == sr])
                  for sr in sorted({s for _, s, _ in zuordnung})),
                *((("stadtbezirk", sb), [("gebiet", g) for g, _, b in zuordnung if b == sb])
                  for sb in sorted({b for _, _, b in zuordnung})),
                (("gemeinde", gemeinde), [("sozialraum", r) for r in je_ebene["sozialraum"]]),
                (("gemeinde", gemeinde), [("stadtbezirk", r) for r in je_ebene["stadtbezirk"]]),
            ]
            for summe, teile in gruppen:
                for spalte, k in (("zaehler", 0), ("nenner", 1)):
                    if (indikator_id, tag, *summe) not in roh or roh[(indikator_id, tag, *summe)][k] is None:
                        continue  # ohne Summe keine Gleichung
                    zellen = [summe, *(t for t in teile if (indikator_id, tag, *t) in roh)]
                    # verborgen: das Mart hat die Fallzahl, der Atlas zeigt sie nicht
                    verborgen = [veroeffentlicht[z][spalte] is None and roh[(indikator_id, tag, *z)][k] is not None
                                 for z in zellen]
                    assert sum(verborgen) != 1, (indikator_id, tag, summe, spalte, verborgen)
                    geprueft += 1
    assert geprueft > 1000
    # Dieselben Gebiete auf zwei Ebenen (im Beispiel: Stadtbezirk Hennen = Sozialraum Hennen): dieselbe Sperrung
    umfang: dict[tuple[str, str], frozenset[str]] = {}
    for g, sr, sb in zuordnung:
        for schluessel in (("gebiet", g), ("sozialraum", sr), ("stadtbezirk", sb)):
            umfang[schluessel] = umfang.get(schluessel, frozenset()) | {g}
    paare = [(a, b) for a in umfang for b in umfang if a[0] < b[0] and umfang[a] == umfang[b]]
    assert (("sozialraum", "SR06"), ("stadtbezirk", "SB-HENNEN")) in [(b, a) for a, b in paare] + paare
    for indikator_id, je_tag in daten["werte"].items():
        for tag, je_ebene in je_tag.items():
            for (ea, ra), (eb, rb) in paare:
                if ra in je_ebene[ea] and rb in je_ebene[eb]:
                    assert je_ebene[ea][ra]["gesperrt"] == je_ebene[eb][rb]["gesperrt"], (indikator_id, tag, ra, rb)


# ---------------------------------------------------------------------------------------------------------------
# Im Browser


@pytest.fixture
def browser():
    _voraussetzungen("des Atlas")
    from playwright.sync_api import sync_playwright

    args = ["--disable-background-networking", "--disable-dev-shm-usage"]
    if os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium startet als root nur ohne Sandbox
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=args)
        try:
            yield b
        finally:
            b.close()


def _aktiv(page) -> str:
    return page.evaluate("document.activeElement.id")


def test_atlas_im_browser_mit_der_tastatur(demo, browser, tmp_path: Path):
    datei = demo.exports / "sozialbericht_2022" / "atlas" / "index.html"
    daten = atlas_daten(demo, "2022")
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    konsole, anfragen = [], []
    page.on("console", lambda m: konsole.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: konsole.append(f"pageerror: {e}"))
    page.on("request", lambda r: anfragen.append(r.url))
    page.goto(datei.as_uri())
    page.wait_for_selector("#rangliste tbody tr")

    # Nur Tastatur: Tab zum Indikator, Pfeil nach unten; Tab zum Stichtag, Pfeil nach oben (ein Jahr früher)
    page.keyboard.press("Tab")
    assert _aktiv(page) == "wahl-indikator"
    vorher = page.eval_on_selector("#wahl-indikator", "e => e.value")
    page.keyboard.press("ArrowDown")
    indikator_id = page.eval_on_selector("#wahl-indikator", "e => e.value")
    assert indikator_id != vorher and indikator_id == daten["indikatoren"][1]["id"]
    page.keyboard.press("Tab")
    assert _aktiv(page) == "wahl-stichtag"
    page.keyboard.press("ArrowUp")
    tag = page.eval_on_selector("#wahl-stichtag", "e => e.value")
    assert tag == daten["stichtage"][-2]["id"]
    page.keyboard.press("Tab")
    assert _aktiv(page) == "wahl-ebene"
    # weiter zur ersten Fläche der Karte, Eingabetaste zeigt ihre Angaben
    page.keyboard.press("Tab")
    raum_id = page.evaluate("document.activeElement.getAttribute('data-raum')")
    assert raum_id == daten["raeume"]["sozialraum"][0]["id"]
    assert page.evaluate("document.activeElement.getAttribute('role')") == "button"
    page.keyboard.press("Enter")
    indikator = next(i for i in daten["indikatoren"] if i["id"] == indikator_id)
    eintrag = daten["werte"][indikator_id][tag]["sozialraum"][raum_id]
    name = daten["raeume"]["sozialraum"][0]["name"]
    details = page.inner_text("#details")
    assert name in details
    assert eintrag["wert"] is not None  # ein veröffentlichter Wert: mit Dezimalkomma gezeigt
    erwartet = karten.zahl_de(eintrag["wert"], indikator["stellen"], indikator["einheit"])
    assert erwartet in details and re.search(r"\d,\d", erwartet), (erwartet, details)
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert label == f"{name}: {erwartet}"
    # Steckbrief des gewählten Indikators: Definition, Zähler/Nenner, Quelle
    steckbrief = page.inner_text("#steckbrief")
    for feld in ("definition", "zaehler", "nenner", "quelle"):
        assert indikator[feld] in steckbrief, feld
    page.screenshot(path=str(tmp_path / "atlas.png"), full_page=True)

    # Rangliste: erste Zeile = höchster (Polarität −1: niedrigster) veröffentlichter Wert
    werte = {r: e["wert"] for r, e in daten["werte"][indikator_id][tag]["sozialraum"].items()
             if e["wert"] is not None}
    bester = (min if indikator["polaritaet"] < 0 else max)(werte.values())
    erste = page.locator("#rangliste tbody tr").first
    assert erste.get_attribute("data-raum") in {r for r, w in werte.items() if w == bester}
    assert erste.locator("td").nth(2).inner_text() == karten.zahl_de(bester, indikator["stellen"],
                                                                     indikator["einheit"])

    # Mit der Maus: Ebene „Gebiete“, ein Gebiet in der Karte anklicken – Name und Wert wie im JSON
    page.select_option("#wahl-ebene", "gebiet")
    gebiet = next(g for g in daten["raeume"]["gebiet"] if g["form"]
                  and daten["werte"][indikator_id][tag]["gebiet"][g["id"]]["wert"] is not None)
    page.locator(f"svg [data-raum='{gebiet['id']}']").first.click()
    details = page.inner_text("#details")
    wert = daten["werte"][indikator_id][tag]["gebiet"][gebiet["id"]]["wert"]
    assert gebiet["name"] in details and karten.zahl_de(wert, indikator["stellen"], indikator["einheit"]) in details


    assert konsole == []
    assert anfragen and all(u.startswith("file://") for u in anfragen), anfragen


def test_json_kann_das_skript_nicht_schliessen():
    text = atlas.json_fuer_html({"name": "</script><script>alert(1)</script><!--", "x": "a & b"})
    assert "</" not in text and "<!--" not in text and "<" not in text
    assert json.loads(text) == {"name": "</script><script>alert(1)</script><!--", "x": "a & b"}


def test_atlas_reproduzierbar(demo, tmp_path: Path):
    """Noch einmal gebaut, aus demselben Warehouse: Byte für Byte dieselbe Datei (keine Zeitstempel, feste Folgen)."""
    from sozial_dwh.bericht import ausgabe

    with duckdb.connect(str(demo.analyse), read_only=True) as con:
        a = ausgabe.lade_ausgabe(con, "2020")
        ergebnis = atlas.atlas_der_ausgabe(con, a, tmp_path, ausgabe._quellen_namen(con, a))
    assert ergebnis.pfade == [tmp_path / "atlas" / "index.html"]
    assert ergebnis.pfade[0].read_bytes() == (demo.exports / "sozialbericht_2020" / "atlas" / "index.html").read_bytes()
