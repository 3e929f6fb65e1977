"""Sozialraumprofile der Berichtsausgaben (architektur.md §10.1) an den Beispieldaten: je Sozialraum der heutigen
Gliederung `profile/<id>.pdf` (A4, Typst) und `.html` (ohne externe Verweise), nur veröffentlichte Werte.

- Ausgabe 2022 wie ausgeliefert: Dateien, A4, Name und eine von Hand nachgerechnete Zahl im PDF, HTML ohne
  Verweise nach außen, Manifest und Blatt Info.
- Ausgabe 2020 mit strenger Geheimhaltung (Fallzahlen bis 25, `beispiel_ausgaben` in tests/conftest.py): jede
  gesperrte Zelle erscheint im Profil als „*“, ihr wahrer Wert (aus dem ungesperrten Mart) nicht.
- Das Profil hängt nur an den veröffentlichten Tabellen: aus `bericht.*` (gesperrte Zellen NULL) neu gesetzt,
  entstehen byte-gleiche Dateien – das belegt zugleich, dass die Ausgabe reproduzierbar ist.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest
from pypdf import PdfReader

from sozial_dwh.bericht import ausgabe as ausgabe_mod
from sozial_dwh.bericht import sozialraumprofile as sp
from sozial_dwh.bericht.dateien import FUSSNOTE_GESPERRT

ZAHL = re.compile(r"(?<![\d.,])[+−]?\d{1,3}(?:\.\d{3})*(?:,\d+)?(?![\d.,]*\d)")


@pytest.fixture(scope="module")
def demo(beispiel_ausgaben):
    return beispiel_ausgaben


def sozialraeume(paths) -> dict[str, str]:
    """Sozialräume der heutigen Gliederung (Schlüssel -> Name), unabhängig vom Modul aus dim_gebiet gelesen."""
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        return dict(con.execute(
            "select s.gebiet_id, s.name from core.dim_gebiet as s where s.ebene = 'sozialraum' and exists (select 1 "
            "from core.dim_gebiet as g where g.ebene = 'gebiet' and g.gebiet_id = g.aktuell_id and not g.ist_pseudo "
            "and g.sozialraum_id = s.gebiet_id) order by 1").fetchall())


def pdf_text(pfad: Path) -> str:
    # Typst legt für den Bindestrich ein weiches Trennzeichen in die Textebene; zum Vergleichen zurück
    return "\n".join(seite.extract_text() for seite in PdfReader(pfad).pages).replace("\u00ad", "-")


class Sichtbar(HTMLParser):
    """Sichtbarer Text einer HTML-Seite (ohne <style>), dazu je Tabellenzeile mit `data-kennung` ihre Zellen."""

    def __init__(self) -> None:
        super().__init__()
        self.teile: list[str] = []
        self.zeilen: dict[str, dict[str, str]] = {}
        self.verlauf: dict[tuple[str, str], list[str]] = {}
        self._style = False
        self._zeile: str | None = None
        self._reihe: tuple[str, str] | None = None
        self._spalte: str | None = None
        self._zelle: list[str] | None = None
        self.verweise: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for name in ("src", "href", "xlink:href", "action", "data"):
            if name in a:
                self.verweise.append((tag, name, a[name] or ""))
        self._style = self._style or tag == "style"
        if tag == "tr":
            self._zeile = a.get("data-kennung")
            self._reihe = (a["data-reihe"], a["data-raum"]) if "data-reihe" in a else None
        if tag == "td" and (self._zeile and "data-spalte" in a or self._reihe and "data-stichtag" in a):
            self._spalte, self._zelle = a.get("data-spalte"), []

    def handle_endtag(self, tag):
        if tag == "style":
            self._style = False
        if tag == "td" and self._zelle is not None:
            text = "".join(self._zelle).strip()
            if self._zeile:
                self.zeilen.setdefault(self._zeile, {})[self._spalte] = text
            else:
                self.verlauf.setdefault(self._reihe, []).append(text)
            self._zelle = None

    def handle_data(self, data):
        if not self._style:
            self.teile.append(data)
            if self._zelle is not None:
                self._zelle.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.teile).split())


def lies_html(pfad: Path) -> Sichtbar:
    parser = Sichtbar()
    parser.feed(pfad.read_text(encoding="utf-8"))
    return parser


# ---------------------------------------------------------------------------------------------------------------
# Ausgabe 2022


def test_je_sozialraum_ein_profil_als_pdf_und_html(demo):
    ziel = demo.exports / "sozialbericht_2022"
    raeume = sozialraeume(demo)
    assert len(raeume) == 9
    assert {p.name for p in (ziel / "profile").iterdir()} == {f"{k}.{e}" for k in raeume for e in ("pdf", "html")}
    manifest = json.loads((ziel / "manifest.json").read_text(encoding="utf-8"))
    assert {n for n in manifest["dateien"] if n.startswith("profile/")} == {
        f"profile/{k}.{e}" for k in raeume for e in ("pdf", "html")}
    info = {r[0]: r[1] for r in openpyxl.load_workbook(ziel / "sozialbericht_2022.xlsx")["Info"].iter_rows(
        min_row=3, max_col=2, values_only=True) if r[0]}
    assert info["Sozialraumprofile"].startswith("9 Sozialraumprofile in profile/")
    for kennung, name in raeume.items():
        text = pdf_text(ziel / "profile" / f"{kennung}.pdf")
        assert f"Sozialraumprofil {name}" in text and "Gemeinde Iserlohn" in text, kennung
        assert "Stichtag 31.12.2022" in text and "Veränderungen gegenüber 31.12.2020 (Ausgabe 2020)" in text
        html = lies_html(ziel / "profile" / f"{kennung}.html").text
        assert f"Sozialraumprofil {name}" in html and "Entwicklung über 5 Stichtage" in html, kennung


def test_jede_seite_ist_a4(demo):
    for pdf in sorted((demo.exports / "sozialbericht_2022" / "profile").glob("*.pdf")):
        seiten = PdfReader(pdf).pages
        assert 1 <= len(seiten) <= 3, pdf.name
        for seite in seiten:
            breite, hoehe = float(seite.mediabox.width), float(seite.mediabox.height)
            assert breite == pytest.approx(595, abs=1) and hoehe == pytest.approx(842, abs=1), pdf.name


def test_zahlen_im_pdf_von_hand_nachgerechnet(demo):
    ziel = demo.exports / "sozialbericht_2022"
    # Veröffentlichte Tabelle „Bevölkerung“, Zeile Zentrum (SR01): Einwohner 8838, unter 18 Jahre 1641.
    # Anteil der unter 18-Jährigen = 1641 / 8838 × 100 = 18,567… % -> „18,6“
    zeile = next(z.split(";") for z in (ziel / "bevoelkerung.csv").read_text(encoding="utf-8-sig").splitlines()
                 if z.startswith("SR01;"))
    assert zeile[:3] == ["SR01", "Zentrum", "8838"] and zeile[4] == "1641"
    text = pdf_text(ziel / "profile" / "SR01.pdf")
    assert "Sozialraumprofil Zentrum" in text
    assert re.search(r"Anteil der unter 18-Jährigen % 18,6 ", text), text
    # Einwohner mit Tausenderpunkt, Gemeinde daneben: 8.838 (Summe der neun Sozialräume in der Tabelle)
    einwohner = sum(int(z.split(";")[2]) for z in (ziel / "bevoelkerung.csv").read_text(
        encoding="utf-8-sig").splitlines()[1:] if z.startswith("SR"))
    assert f"8.838 (Gemeinde {einwohner:,})".replace(",", ".") in text
    # Sozialindex Zentrum laut Tabelle: Statusindex 1,225, Klasse niedrig (3) / stabil (±) -> Klassencode „3 ±“
    assert "3 ± niedrig / stabil" in text and "Statusindex 1,225" in text


def test_html_ohne_verweise_nach_aussen(demo):
    for html in sorted((demo.exports / "sozialbericht_2022" / "profile").glob("*.html")):
        roh = html.read_text(encoding="utf-8")
        seite = lies_html(html)
        assert seite.verweise == [], html.name  # kein src, href: nichts wird nachgeladen, nichts verlinkt
        assert "<script" not in roh and "<link" not in roh and "@import" not in roh and "url(" not in roh
        assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", roh), html.name
        assert "<svg" in roh and "@page { size: A4" in roh and '<html lang="de">' in roh


def test_aus_den_veroeffentlichten_tabellen_byte_gleich(demo):
    """Aus `bericht.*` (gesperrte Zellen NULL, gesperrte_spalten) neu gesetzt: dieselben Bytes wie im Export. Das
    Profil braucht also nichts, was die Tabellen nicht veröffentlichen, und der Satz ist reproduzierbar."""
    ziel = demo.exports / "sozialbericht_2022" / "profile"
    with duckdb.connect(str(demo.warehouse), read_only=True) as con:
        ausgabe = ausgabe_mod.lade_ausgabe(con, "2022")
        tabellen = _tabellen_der_ausgabe(con)
        quellen = {q: ausgabe_mod._quellen_namen(con, ausgabe).get(q, q)
                   for q in {r[0] for r in ausgabe_mod._quellen_rows(con, ausgabe)}}
        grundlagen = sp.grundlagen(con, ausgabe, tabellen, quellen)
    setzer = sp.Setzer()
    for kennung in ("SR01", "SR04"):
        daten = sp.profil_daten(grundlagen, kennung)
        assert setzer.html_text(daten) == (ziel / f"{kennung}.html").read_text(encoding="utf-8")
        assert setzer.pdf(daten) == (ziel / f"{kennung}.pdf").read_bytes(), kennung
    # als Datum trägt das PDF nur das der Ausgabe (Entwurf: der Stichtag), nie die Uhrzeit des Laufs
    datum = PdfReader(ziel / "SR01.pdf").metadata.creation_date
    assert datum.date() == dt.date(2022, 12, 31) and (datum.hour, datum.minute) == (0, 0)


def test_in_zwei_faeden_gesetzt_byte_gleich(demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Ab `FAEDEN_AB` Profilen setzen zwei Fäden die PDFs (ein Kreis hat Tausende): hier schon ab einem, auf dieselben
    Profile wie im Export (dort nacheinander, das Beispiel hat weniger als 20 Sozialräume) – dieselben Bytes."""
    monkeypatch.setattr(sp, "FAEDEN_AB", 1)
    ziel = demo.exports / "sozialbericht_2022" / "profile"
    with duckdb.connect(str(demo.warehouse), read_only=True) as con:
        ausgabe = ausgabe_mod.lade_ausgabe(con, "2022")
        quellen = {q: ausgabe_mod._quellen_namen(con, ausgabe).get(q, q)
                   for q in {r[0] for r in ausgabe_mod._quellen_rows(con, ausgabe)}}
        ergebnis = sp.profile_der_ausgabe(con, ausgabe, _tabellen_der_ausgabe(con), tmp_path, quellen)
    namen = sorted(p.name for p in ergebnis.pfade)
    assert namen == sorted(p.name for p in ziel.iterdir()) and len(namen) == 2 * len(sozialraeume(demo))
    assert all((tmp_path / "profile" / n).read_bytes() == (ziel / n).read_bytes() for n in namen)


def test_lagekarte_zeigt_nur_die_eigene_gemeinde(demo):
    """Hält das Warehouse mehrere Gemeinden (ein Kreis), zeigt die Lagekarte eines Sozialraums ihn in seiner Gemeinde:
    ein Sozialraum einer anderen Gemeinde, 50 km östlich, ändert an der Karte von SR01 nichts (vorher: ein Pfad mehr
    und ein Ausschnitt über beide Gemeinden)."""
    from shapely import affinity

    with duckdb.connect(str(demo.warehouse), read_only=True) as con:
        ausgabe = ausgabe_mod.lade_ausgabe(con, "2022")
        g = sp.grundlagen(con, ausgabe, _tabellen_der_ausgabe(con), {})
    vorher = sp.profil_daten(g, "SR01")["karte"]
    # Pfade: die übrigen Sozialräume, SR01 zweimal (Fläche, Umriss), seine Gebiete, der Gemeindeumriss, Maßstab, Nordpfeil
    eigene = len([k for k in g.gebiete.loc[g.gebiete["sozialraum_id"] == "SR01", "gebiet_id"] if k in g.formen_gebiete])
    assert vorher.count("<path") == (len(g.formen_sr) - 1) + 2 + eigene + 1 + 2
    fremd = affinity.translate(g.formen_sr["SR01"], xoff=50_000)
    nachbar = pd.DataFrame([{"gebiet_id": "2101", "sozialraum_id": "G002-SR01", "sozialraum": "Zentrum – Nachbargemeinde",
                             "gemeinde_id": "09999999", "gemeinde": "Nachbargemeinde"}])
    mit_nachbar = dataclasses.replace(g, formen_sr={**g.formen_sr, "G002-SR01": fremd},
                                      gebiete=pd.concat([g.gebiete, nachbar], ignore_index=True))
    assert sp.profil_daten(mit_nachbar, "SR01")["karte"] == vorher


def _tabellen_der_ausgabe(con) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Die veröffentlichten Tabellen der Ausgabe 2022 aus `bericht.*` (gesperrte Zellen NULL) mit ihrer Sperrmaske."""
    tabellen = {}
    for name in ("indikatoren", "zeitreihe", "sozialindex", "konferenz", "massnahmen"):
        frame = con.execute(f"select * exclude (bericht_id) from bericht.{name} where bericht_id = '2022' "
                            "order by all desc").df()
        gesperrt = frame.pop("gesperrte_spalten")
        tabellen[name] = (frame, pd.DataFrame({c: [c in list(x) for x in gesperrt] for c in frame.columns},
                                              index=frame.index))
    return tabellen


def test_fehler_beim_setzen_haelt_die_ausgabe_nicht_auf(tmp_path: Path):
    meldungen = []
    ergebnis = sp.zeichnen(None, None, [], tmp_path, {}, meldungen.append)
    assert ergebnis.pfade == [] and not (tmp_path / "profile").exists()
    zeile = dict(ergebnis.info_zeilen())["Sozialraumprofile"]
    assert zeile.startswith("Die Sozialraumprofile konnten nicht erstellt werden (")
    assert "die übrige Ausgabe ist vollständig" in meldungen[0]


# ---------------------------------------------------------------------------------------------------------------
# Ausgabe 2020, strenge Geheimhaltung


def test_kein_profil_zeigt_einen_gesperrten_wert(demo):
    """Für jede gesperrte Zelle, die ein Profil zeigt (Kennzahlen des Sozialraums und seiner Gemeinde, Verlauf):
    in der Zeile steht „*“, der wahre Wert (aus dem ungesperrten Mart, so formatiert, wie das Profil ihn zeigen
    würde) nirgends in der Zeile; im PDF kommt er nicht öfter vor als im HTML (beide aus denselben Daten), die
    Fußnote der Tabellen steht in beiden."""
    ordner = demo.exports / "sozialbericht_2020" / "profile"
    raeume = sozialraeume(demo)
    with duckdb.connect(str(demo.warehouse), read_only=True) as con:
        kennzahlen = con.execute(
            "select b.indikator_id, b.ebene, b.raum_id, b.gemeinde_id, b.einheit, "
            "list_contains(b.gesperrte_spalten, 'wert'), list_contains(b.gesperrte_spalten, 'veraenderung_bericht'), "
            "m.wert, m.veraenderung_bericht, b.wert, b.veraenderung_bericht "
            "from bericht.indikatoren as b inner join mart.indikator_werte as m "
            "on m.gebiet_id = b.raum_id and m.ebene = b.ebene and m.indikator_id = b.indikator_id "
            "and m.stichtag = date '2020-12-31' where b.bericht_id = '2020'").fetchall()
        verlauf = con.execute(
            "select b.stichtag, b.ebene, b.raum_id, m.indikator_id, list_contains(b.gesperrte_spalten, "
            "m.indikator_id), m.wert from bericht.zeitreihe as b inner join mart.indikator_werte as m "
            "on m.gebiet_id = b.raum_id and m.ebene = b.ebene and m.stichtag = b.stichtag "
            "and m.indikator_id in ('sgb2_quote', 'arbeitslosenanteil') where b.bericht_id = '2020'").fetchall()
        stichtage = [r[0] for r in con.execute(
            "select distinct stichtag from bericht.zeitreihe where bericht_id = '2020' order by 1 desc limit 5"
        ).fetchall()][::-1]
    gemeinde = {r[2]: r[3] for r in kennzahlen if r[1] == "sozialraum"}
    gesperrt_gezeigt = 0
    for kennung in raeume:
        seite = lies_html(ordner / f"{kennung}.html")
        pdf_zahlen = collections.Counter(ZAHL.findall(pdf_text(ordner / f"{kennung}.pdf")))
        html_zahlen = collections.Counter(ZAHL.findall(seite.text))
        wahre = []
        for indikator_id, ebene, raum_id, gemeinde_id, einheit, g_wert, g_ver, wert, ver, b_wert, b_ver in kennzahlen:
            if not (raum_id == kennung or ebene == "gemeinde" and gemeinde_id == gemeinde[kennung]):
                continue
            stellen = sp.stellen_fuer(einheit)
            zeile = seite.zeilen[indikator_id]
            spalten = ("wert", "veraenderung") if ebene == "sozialraum" else ("gemeinde", "gemeinde_veraenderung")
            for spalte, gesperrt, wahr, veroeffentlicht, vorzeichen in zip(
                    spalten, (g_wert, g_ver), (wert, ver), (b_wert, b_ver), (False, True), strict=True):
                if not gesperrt:
                    assert zeile[spalte] == sp.zelle(veroeffentlicht, False, stellen, vorzeichen), (kennung, spalte)
                    continue
                gesperrt_gezeigt += 1
                text = sp.zelle(wahr, False, stellen, vorzeichen)
                assert zeile[spalte] == "*", (kennung, indikator_id, spalte)
                wahre.append((indikator_id, text))
        # Jede Zahlenzelle der Zeile ist damit „*“ oder ihr veröffentlichter Wert: ein wahrer Wert kann in der Zeile
        # nur stehen, wo er zufällig einem veröffentlichten Wert gleicht (nicht zurückrechenbar).
        for stichtag, _ebene, raum_id, indikator_id, gesperrt, wahr in verlauf:
            raum = "sozialraum" if raum_id == kennung else "gemeinde" if raum_id == gemeinde[kennung] else None
            if stichtag not in stichtage or raum is None:
                continue
            reihe = seite.verlauf[(str(["sgb2_quote", "arbeitslosenanteil"].index(indikator_id)), raum)]
            text = sp.zelle(wahr, False, 1)
            if not gesperrt:
                assert reihe[stichtage.index(stichtag)] == text, (kennung, indikator_id, stichtag)
                continue
            gesperrt_gezeigt += 1
            assert reihe[stichtage.index(stichtag)] == "*", (kennung, indikator_id, stichtag)
            wahre.append(("verlauf", text))
        if wahre:
            assert FUSSNOTE_GESPERRT in seite.text and FUSSNOTE_GESPERRT in " ".join(
                pdf_text(ordner / f"{kennung}.pdf").split()), kennung
            for _, text in wahre:
                # ganze Zahlen ohne Komma kämen im PDF auch als Seitenzahl vor; alle gezeigten Quoten haben eines
                if "," in text:
                    assert pdf_zahlen[text] <= html_zahlen[text], (kennung, text)
    assert gesperrt_gezeigt > 0  # die strenge Ausgabe sperrt auf Sozialraumebene wirklich etwas (hier 5 Zellen)


def test_sehr_strenge_geheimhaltung_aus_den_tabellen(demo, tmp_path: Path):
    """Dieselbe Prüfung mit vielen Sperrungen: die Tabellen der Ausgabe 2022 wie in `ausgabe.baue` gebildet, aber
    mit Fallzahlen bis 400 gesperrt (auf Sozialraumebene sind dann viele Zähler klein). Je gesperrter Zelle: im
    Profil „*“, der ungesperrte Wert des Datenrahmens nicht in der Zeile; gezeichnet wird er auch nicht (die
    Punkte der Verlaufsgrafik sind die veröffentlichten Werte)."""
    from sozial_dwh.bericht.geheimhaltung import sperren, uebernehmen
    from sozial_dwh.bericht.tabellen import TABELLEN

    with duckdb.connect(str(demo.warehouse), read_only=True) as con:
        ausgabe = ausgabe_mod.lade_ausgabe(con, "2022")
        tabellen, bisher = [], {}
        for t in TABELLEN:
            frame = con.execute((ausgabe_mod.BERICHT_SQL / f"{t.name}.sql").read_text(encoding="utf-8"),
                                {"stichtag": ausgabe.stichtag}).df()[[s.name for s in t.spalten]]
            vorgabe = uebernehmen(frame, *bisher[t.sperre_wie[0]], t.sperre_wie[1]) if t.sperre_wie else None
            maske = sperren(frame, t, 400, vorgabe)
            tabellen.append((t, frame, maske))
            bisher[t.name] = (frame, maske)
        ergebnis = sp.zeichnen(con, ausgabe, tabellen, tmp_path, {})
    assert ergebnis.hinweise == [] and len(ergebnis.pfade) == 18
    frame, maske = bisher["indikatoren"]
    reihe, reihe_maske = bisher["zeitreihe"]
    stichtage = sorted(set(pd.to_datetime(reihe["stichtag"])))[-5:]
    gemeinde = dict(zip(frame.loc[frame["ebene"] == "sozialraum", "raum_id"],
                        frame.loc[frame["ebene"] == "sozialraum", "gemeinde_id"], strict=False))
    gezaehlt = 0
    for kennung in sozialraeume(demo):
        seite = lies_html(tmp_path / "profile" / f"{kennung}.html")
        svg = (tmp_path / "profile" / f"{kennung}.html").read_text(encoding="utf-8")
        for i in frame.index:
            ebene, raum_id = frame.at[i, "ebene"], frame.at[i, "raum_id"]
            if not (raum_id == kennung or ebene == "gemeinde" and raum_id == gemeinde[kennung]):
                continue
            zeile = seite.zeilen[frame.at[i, "indikator_id"]]
            stellen = sp.stellen_fuer(frame.at[i, "einheit"])
            spalten = ("wert", "veraenderung") if ebene == "sozialraum" else ("gemeinde", "gemeinde_veraenderung")
            for spalte, quelle, vorzeichen in zip(spalten, ("wert", "veraenderung_bericht"), (False, True),
                                                  strict=True):
                if maske.at[i, quelle]:
                    gezaehlt += 1
                    wahr = sp.zelle(frame.at[i, quelle], False, stellen, vorzeichen)
                    assert zeile[spalte] == "*", (kennung, i, spalte, wahr)
                else:
                    assert zeile[spalte] == sp.zelle(frame.at[i, quelle], False, stellen, vorzeichen)
        for j in reihe.index:
            t = pd.Timestamp(reihe.at[j, "stichtag"])
            raum = ("sozialraum" if reihe.at[j, "raum_id"] == kennung else "gemeinde"
                    if reihe.at[j, "raum_id"] == gemeinde[kennung] else None)
            if raum is None or t not in stichtage:
                continue
            for nr, spalte in enumerate(("sgb2_quote", "arbeitslosenanteil")):
                gezeigt = seite.verlauf[(str(nr), raum)][stichtage.index(t)]
                if reihe_maske.at[j, spalte]:
                    gezaehlt += 1
                    assert gezeigt == "*", (kennung, t, spalte)
                else:
                    assert gezeigt == sp.zelle(reihe.at[j, spalte], False, 1)
        # Punkte der Grafik: so viele wie veröffentlichte Werte (Kreise: Sozialraum, Quadrate: Gemeinde)
        punkte = svg.count("<circle") + svg.count('<rect x=')
        werte = sum(1 for (_, _), zellen in seite.verlauf.items() for z in zellen if z not in ("*", sp.KEIN_WERT))
        assert punkte == werte, kennung
    assert gezaehlt > 50
