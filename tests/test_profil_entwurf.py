"""`sozial-dwh profil entwurf`: der Entwurf eines Lieferprofils für eine Datei, die noch niemand beschrieben hat.

Echte Dateien (beispiele/, byte-gleich aus ../shared/real; Quellen in beispiele/README.md): Stadt Köln, Einwohner 2005–2012 (Offene Daten Köln, Datenlizenz
Deutschland / CC BY, über KoelnAPI/data) und Statistikamt Nord, Daten für die Stadtteilprofile 2014 (Datenlizenz
Deutschland Namensnennung 2.0, über DJCordhose/big-data-visualization). Der Test schreibt den Entwurf über die
Kommandozeile, beantwortet nur die Zeilen mit „# FRAGE:“ so, wie es eine Person aus der Dokumentation der Datei täte
(der Grund steht neben jeder Antwort), legt Profil und Gebietsgliederung des Beispiels (beispiele/<stadt>/) in einen
Referenzordner und prüft die geladenen Werte gegen eine Handrechnung aus der Datei. Dazu selbst geschriebene Dateien
(xlsx mit verbundenen Gruppentiteln, Berliner Registerspalten, lange CSV) und die Fehlerfälle.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
from pathlib import Path

import openpyxl
import pytest

from sozial_dwh import config
from sozial_dwh.cli import main
from sozial_dwh.ingest import inspect_file
from sozial_dwh.profil_entwurf import alter_im_text, deute
from sozial_dwh.profile import FRAGE_MARKE, ProfilFehler, lade_profil
from sozial_dwh.reference import GebietMatcher, load_gebiete
from sozial_dwh.sources import lieferprofile, wuerfel_dimensionen

REAL = config.REPO_ROOT / "beispiele"  # byte-gleiche Kopien aus ../shared/real (beispiele/README.md)
KOELN = REAL / "koeln" / "bevoelkerung.csv"
HAMBURG = REAL / "hamburg" / "stadtteilprofile_2014.csv"
BEISPIELE = config.REPO_ROOT / "beispiele"
echte_dateien = pytest.mark.skipif(not KOELN.is_file() or not HAMBURG.is_file(),
                                   reason="echte Dateien unter beispiele/ fehlen")


@pytest.fixture(autouse=True)
def demo_referenz(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Die Referenz des Repositorys (Gebietsgliederung des Beispiels Iserlohn): die Gebiete der neuen Datei kennt sie
    noch nicht – so, wie es beim ersten Kontakt mit einem neuen Layout ist."""
    ziel = tmp_path / "referenz_demo"
    shutil.copytree(config.REPO_ROOT / "data" / "reference", ziel)
    monkeypatch.setenv("SOZIAL_DWH_REFERENCE", str(ziel))
    return ziel


def entwurf(datei: Path, ziel: Path, *optionen: str) -> str:
    assert main(["profil", "entwurf", str(datei), "--ausgabe", str(ziel), *optionen]) == 0
    return ziel.read_text(encoding="utf-8")


def beantworte(text: str, antworten: dict[str, tuple[str, str]]) -> tuple[str, int]:
    """Ersetzt genau die Zeilen mit „# FRAGE:“ durch „Schlüssel: Antwort  # Grund“; jede Frage braucht eine Antwort,
    jede Antwort eine Frage. Alle anderen Zeilen bleiben, wie der Entwurf sie schrieb."""
    zeilen, geaendert, benutzt = [], 0, set()
    for zeile in text.splitlines():
        if FRAGE_MARKE not in zeile:
            zeilen.append(zeile)
            continue
        vorn = zeile.split("#", 1)[0].rstrip()
        einzug = vorn[:len(vorn) - len(vorn.lstrip())]
        schluessel = vorn.strip().split(":", 1)[0] if ":" in vorn else "#"
        assert schluessel in antworten, f"keine Antwort auf: {zeile}"
        wert, grund = antworten[schluessel]
        zeilen.append(f"{einzug}{schluessel}: {wert}  # {grund}")
        benutzt.add(schluessel)
        geaendert += 1
    assert benutzt == set(antworten), f"Antworten ohne Frage: {set(antworten) - benutzt}"
    return "\n".join(zeilen) + "\n", geaendert


def referenz(tmp_path: Path, gebiete: Path, profile: dict[str, str]) -> Path:
    """Referenzordner wie data/reference, mit eigener Gebietsgliederung und den Profilen unter lieferprofile/."""
    ziel = tmp_path / "referenz"
    shutil.copytree(config.REPO_ROOT / "data" / "reference", ziel)
    shutil.copy(gebiete, ziel / "gebiete.csv")
    (ziel / "lieferprofile").mkdir(exist_ok=True)
    for name, text in profile.items():
        (ziel / "lieferprofile" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return ziel


def lade(datei: Path, ref: Path, profil: str):
    verdict = inspect_file(datei, GebietMatcher(load_gebiete(ref)), profile=lieferprofile(ref), profil=profil)
    assert verdict.ok, verdict.fehler
    assert verdict.profil == profil
    return verdict


def zelle(records: list[dict], gebiet_id: str, stichtag: dt.date, alter_von: int = 0, alter_bis: int | None = None,
          **merkmale: str) -> int:
    gesucht = {"gebiet_id": gebiet_id, "stichtag": stichtag, "alter_von": alter_von, "alter_bis": alter_bis,
               "geschlecht": "insgesamt", "staatsangehoerigkeit": "insgesamt", "migrationshintergrund": "insgesamt",
               **merkmale}
    treffer = [r for r in records if all(r[k] == v for k, v in gesucht.items())]
    assert len(treffer) == 1, (gesucht, treffer)
    return treffer[0]["anzahl"]


# --- echte Dateien -------------------------------------------------------------------------------


@echte_dateien
def test_koeln_entwurf_eine_antwort_dann_laedt_die_datei(tmp_path: Path):
    text = entwurf(KOELN, tmp_path / "koeln_bevoelkerung.yaml")
    assert "layout: lang" in text and 'wert: "zahl"' in text and 'spalte: "zeile"' in text
    assert 'stichtag: {spalte: "jahr", format: "%Y"}' in text
    assert 'gebiet: {spalte: "raum_id"}' in text
    assert 'summenzeilen: {werte: ["/^00\\\\d$/"]}' in text  # 000 Stadt, 001–009 Stadtbezirke
    assert '"/^(\\\\d+) - < (\\\\d+)$/": {alter_von: "$1", alter_bis_unter: "$2"}' in text
    # Die Datei nennt keinen Gemeindeschlüssel, und die Gebietsgliederung kennt Köln noch nicht: eine Frage.
    beantwortet, geaendert = beantworte(text, {
        "gemeinde": ('"05315000"', "AGS der Stadt Köln laut Gemeindeverzeichnis; die Summenzeile 000 heißt "
                                   "„Stadt Köln“"),
    })
    assert geaendert == 1
    ref = referenz(tmp_path, BEISPIELE / "koeln" / "gebiete.csv", {"koeln_bevoelkerung": beantwortet})
    verdict = lade(KOELN, ref, "koeln_bevoelkerung")
    result = verdict.result
    assert verdict.gemeinde == "05315000"
    assert not result.quarantine
    assert result.stichtage == {dt.date(jahr, 12, 31) for jahr in range(2005, 2013)}
    # Handrechnung aus der Datei selbst
    with KOELN.open(encoding="utf-8", newline="") as handle:
        zeilen = list(csv.DictReader(handle))

    def aus_datei(tab: str, jahr: str, raum: str, zeile: str) -> int:
        treffer = [z for z in zeilen if (z["tab_id"], z["jahr"], z["raum_id"], z["zeile"]) == (tab, jahr, raum, zeile)]
        assert len(treffer) == 1
        return int(float(treffer[0]["zahl"]))

    records = result.records
    ende_2012 = dt.date(2012, 12, 31)
    einwohner_101 = aus_datei("005", "2012", "101", "Einwohner")
    assert einwohner_101 > 20_000  # Altstadt/Süd
    assert zelle(records, "101", ende_2012) == einwohner_101
    assert zelle(records, "101", ende_2012, 6, 9) == aus_datei("020", "2012", "101", "06 - < 10")
    assert zelle(records, "101", ende_2012, 75, None) == aus_datei("020", "2012", "101", "75 und älter")
    assert zelle(records, "101", ende_2012, geschlecht="w") == aus_datei("010", "2012", "101", "Weiblich")
    assert zelle(records, "101", ende_2012, staatsangehoerigkeit="nichtdeutsch") == \
        aus_datei("030", "2012", "101", "Ausländer")
    assert {r["gebiet_id"] for r in records} == {g.gebiet_id for g in load_gebiete(ref)}  # 000–009 nicht geladen
    result.close()


@echte_dateien
def test_hamburg_entwurf_zwei_antworten_dann_laedt_die_datei(tmp_path: Path, capsys):
    text = entwurf(HAMBURG, tmp_path / "hamburg_stadtteile.yaml")
    assert capsys.readouterr().out.startswith(f"Entwurf geschrieben: {tmp_path / 'hamburg_stadtteile.yaml'}")
    assert "layout: breit" in text and 'gebiet: {spalte: "Stadtgebiet", nach: name}' in text
    assert "summenzeilen: {ab_zeile: 101}" in text  # Bezirke und Hamburg in den Zeilen 101–108
    assert '"Unter 18-Jährige": {alter_von: 0, alter_bis_unter: 18}' in text
    assert '"65-Jährige und Ältere": {alter_von: 65}' in text
    assert '  - "Anteil der unter 18-Jährigen in %"' in text
    assert '  - "Unter 15-Jährige in Mindestsicherung (Dez 2013)"' in text  # keine Einwohnerzahl: ignoriert
    # jede Spalte der Datei steht im Entwurf
    with HAMBURG.open(encoding="utf-8") as handle:
        kopf = [t.strip() for t in handle.readline().rstrip("\n").split(";")]
    for ueberschrift in kopf:
        assert f'"{ueberschrift}"' in text, ueberschrift
    beantwortet, geaendert = beantworte(text, {
        "gemeinde": ('"02000000"', "AGS der Freien und Hansestadt Hamburg; die Summenzeile 108 heißt „Hamburg“"),
        "stichtag": ("2013-12-31", "Stadtteilprofile 2014 des Statistikamts Nord: Bevölkerung am 31.12.2013 "
                                   "(die übrigen Spalten nennen Dez 2013)"),
    })
    assert geaendert == 2
    ref = referenz(tmp_path, BEISPIELE / "hamburg" / "gebiete.csv", {"hamburg_stadtteile": beantwortet})
    verdict = lade(HAMBURG, ref, "hamburg_stadtteile")
    records = verdict.result.records
    stichtag = dt.date(2013, 12, 31)
    # Handrechnung: die Zeile „Hamburg-Altstadt“, Zahlen mit Leerzeichen als Tausendertrennzeichen
    with HAMBURG.open(encoding="utf-8", newline="") as handle:
        zeilen = {z[0]: z for z in csv.reader(handle, delimiter=";")}
    altstadt = dict(zip(kopf, zeilen["Hamburg-Altstadt"], strict=True))
    einwohner = int(altstadt["Bevölkerung"].replace(" ", ""))
    unter_18 = int(altstadt["Unter 18-Jährige"].replace(" ", ""))
    assert (einwohner, unter_18) == (1675, 162)
    assert zelle(records, "001", stichtag) == einwohner
    assert zelle(records, "001", stichtag, 0, 17) == unter_18
    assert zelle(records, "001", stichtag, 65, None) == int(altstadt["65-Jährige und Ältere"].replace(" ", ""))
    assert zelle(records, "001", stichtag, migrationshintergrund="ja") == 664
    assert {r["gebiet_id"] for r in records} == {g.gebiet_id for g in load_gebiete(ref)}  # Bezirke nicht geladen
    verdict.result.close()


@echte_dateien
def test_koeln_mit_bekannter_gebietsgliederung_ohne_frage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Kennt die Gebietsgliederung die Gebiete schon, ergibt sich auch die Gemeinde: der Entwurf lädt unverändert."""
    ref = referenz(tmp_path, BEISPIELE / "koeln" / "gebiete.csv", {})
    monkeypatch.setenv("SOZIAL_DWH_REFERENCE", str(ref))
    text = entwurf(KOELN, ref / "lieferprofile" / "koeln.yaml")
    assert FRAGE_MARKE not in text
    assert 'gemeinde: "05315000"' in text
    verdict = lade(KOELN, ref, "koeln")
    assert zelle(verdict.result.records, "101", dt.date(2005, 12, 31)) == 27732
    verdict.result.close()


# --- selbst geschriebene Dateien ------------------------------------------------------------------


def _zweizeilig(pfad: Path) -> Path:
    """Titel, Leerzeile, zwei Kopfzeilen mit verbundenen Gruppentiteln, Daten, Fußnote."""
    workbook = openpyxl.Workbook()
    blatt = workbook.active
    blatt.title = "Bevölkerung"
    blatt.append(["Einwohner nach Geschlecht und Altersgruppen am 31.12.2022"])
    blatt.append([])
    blatt.append(["Gebiet", "Insgesamt", "Geschlecht", None, "Altersgruppen", None, None])
    blatt.append([None, None, "männlich", "weiblich", "unter 6", "6-15", "65 und mehr"])
    for bereich in ("A3:A4", "B3:B4", "C3:D3", "E3:G3"):
        blatt.merge_cells(bereich)
    for gebiet, zahl in ((101, 1000), (102, 2000), (201, 1500)):
        blatt.append([gebiet, zahl, zahl // 2, zahl - zahl // 2, zahl // 10, zahl // 5, zahl // 4])
    blatt.append([])
    blatt.append(["Quelle: Einwohnermelderegister"])
    workbook.save(pfad)
    return pfad


def test_zweizeilige_kopfzeile_mit_verbundenen_zellen(tmp_path: Path):
    datei = _zweizeilig(tmp_path / "einwohner_gebiete.xlsx")
    text = entwurf(datei, tmp_path / "einwohner.yaml")
    assert "kopfzeilen: 2" in text and 'blatt: "Bevölkerung"' in text
    assert 'gebiet: {spalte: "Gebiet"}' in text
    assert '"Insgesamt": {}' in text
    assert '"Geschlecht männlich": {geschlecht: m}' in text
    assert '"Geschlecht weiblich": {geschlecht: w}' in text
    assert '"Altersgruppen unter 6": {alter_von: 0, alter_bis_unter: 6}' in text
    assert '"Altersgruppen 6-15": {alter: "6-15"}' in text
    assert '"Altersgruppen 65 und mehr": {alter_von: 65}' in text
    # die Gebiete 101, 102, 201 stehen in der Gebietsgliederung (Iserlohn): die Gemeinde ist keine Frage
    assert 'gemeinde: "05962024"' in text
    fragen = [z for z in text.splitlines() if FRAGE_MARKE in z]
    assert [z.split(":")[0] for z in fragen] == ["stichtag", "altersgruppen"]
    assert "31.12.2022" in fragen[0]  # der Titel nennt den Stand
    assert fragen[1].startswith("altersgruppen: einschliesslich_oder_bis_unter")
    beantwortet, geaendert = beantworte(text, {
        "stichtag": ("2022-12-31", "Titel: am 31.12.2022"),
        "altersgruppen": ("bis_unter", "Zeichenerklärung: 6-15 = 6 bis unter 15"),
    })
    assert geaendert == 2
    ref = referenz(tmp_path, config.REPO_ROOT / "data" / "reference" / "gebiete.csv", {"einwohner": beantwortet})
    verdict = lade(datei, ref, "einwohner")
    records = verdict.result.records
    stichtag = dt.date(2022, 12, 31)
    assert zelle(records, "102", stichtag) == 2000
    assert zelle(records, "102", stichtag, geschlecht="w") == 1000
    assert zelle(records, "102", stichtag, 0, 5) == 200
    assert zelle(records, "102", stichtag, 6, 14) == 400  # „6-15“ bis unter 15
    assert zelle(records, "102", stichtag, 65, None) == 500


def test_dreizeilige_kopfzeile(tmp_path: Path):
    workbook = openpyxl.Workbook()
    blatt = workbook.active
    blatt.title = "Tabelle 3"
    blatt.append(["Tabelle 3: Einwohner nach Staatsangehörigkeit und Geschlecht"])
    blatt.append(["Gebiet", "Einwohner", None, None, None])
    blatt.append([None, "Deutsche", None, "Ausländer", None])
    blatt.append([None, "männlich", "weiblich", "männlich", "weiblich"])
    for bereich in ("A2:A4", "B2:E2", "B3:C3", "D3:E3"):
        blatt.merge_cells(bereich)
    for gebiet in (101, 102, 201):
        blatt.append([gebiet, 10, 11, 3, 4])
    workbook.save(tmp_path / "tabelle3.xlsx")
    text = entwurf(tmp_path / "tabelle3.xlsx", tmp_path / "tabelle3.yaml")
    assert "kopfzeilen: 3" in text
    assert '"Einwohner Ausländer weiblich": {staatsangehoerigkeit: nichtdeutsch, geschlecht: w}' in text
    assert '"Einwohner Deutsche männlich": {staatsangehoerigkeit: deutsch, geschlecht: m}' in text


BERLIN_BAENDER = [(0, 1), (1, 2), (2, 3), (3, 5), (5, 6), (6, 7), (7, 8), (8, 10), (10, 12), (12, 14), (14, 15),
                  (15, 18), (18, 21), (21, 25), (25, 27), (27, 30), (30, 35), (35, 40), (40, 45), (45, 50), (50, 55),
                  (55, 60), (60, 63), (63, 65), (65, 67), (67, 70), (70, 75), (75, 80), (80, 85), (85, 90), (90, 95),
                  (95, 110)]
BERLIN_RAEUME = ["01011101", "01011102", "01011103", "01011104"]


def _berlin(pfad: Path) -> Path:
    """Wie die Berliner Einwohnerregisterstatistik: Planungsräume mit E_E (alle) und E_E00_01 … E_E95_110."""
    spalten = ["RAUMID", "BEZ", "E_E", *(f"E_E{a:02d}_{b:02d}" for a, b in BERLIN_BAENDER)]
    zeilen = [";".join(spalten)]
    for i, raum in enumerate(BERLIN_RAEUME):
        baender = [10 + i + k for k in range(len(BERLIN_BAENDER))]
        zeilen.append(";".join([raum, "01", str(sum(baender)), *map(str, baender)]))
    pfad.write_text("\n".join(zeilen) + "\n", encoding="utf-8")
    return pfad


def test_berliner_registerspalten_ergeben_ein_muster_und_die_altersfrage(tmp_path: Path):
    datei = _berlin(tmp_path / "EWR201812E_Matrix.csv")
    text = entwurf(datei, tmp_path / "berlin_ewr.yaml")
    assert "quelle: bevoelkerung" in text
    assert '  "/^E_E(\\\\d+)_(\\\\d+)$/": {alter: "$1-$2"}' in text
    assert 'stichtag: {dateiname: "(?<!\\\\d)(?P<jahr>\\\\d{4})(?P<monat>\\\\d{2})(?!\\\\d)"}' in text  # 201812
    fragen = {z.split(":")[0].strip(): z for z in text.splitlines() if FRAGE_MARKE in z}
    assert set(fragen) == {"gemeinde", "altersgruppen", '"E_E"'}
    assert "das passt zu bis_unter" in fragen["altersgruppen"]  # 00_01, dann ab 1
    beantwortet, geaendert = beantworte(text, {
        "gemeinde": ('"11000000"', "Land Berlin"),
        "altersgruppen": ("bis_unter", "Metadaten des Amts für Statistik: E_E00_01 = 0 bis unter 1"),
        '"E_E"': ("{}", "Einwohner insgesamt"),
    })
    assert geaendert == 3
    gebiete = tmp_path / "gebiete_berlin.csv"
    gebiete.write_text("gebiet_id,name,sozialraum_id,sozialraum,stadtbezirk,gemeinde_ags,gemeinde,gueltig_ab,"
                       "gueltig_bis,nachfolger_id,akg_code\n"
                       + "".join(f"{r},PLR {r},B01,Mitte,Mitte,11000000,Berlin,2000-01-01,,,\n" for r in BERLIN_RAEUME),
                       encoding="utf-8")
    ref = referenz(tmp_path, gebiete, {"berlin_ewr": beantwortet})
    records = lade(datei, ref, "berlin_ewr").result.records
    stichtag = dt.date(2018, 12, 31)
    assert zelle(records, "01011102", stichtag, 0, 0) == 11  # E_E00_01
    assert zelle(records, "01011102", stichtag, 95, 109) == 11 + len(BERLIN_BAENDER) - 1  # E_E95_110
    assert zelle(records, "01011102", stichtag) == sum(11 + k for k in range(len(BERLIN_BAENDER)))


def test_lange_csv_mit_merkmalsspalten(tmp_path: Path):
    datei = tmp_path / "einwohner_lang.csv"
    zeilen = ["Stadtteil;Jahr;Geschlecht;Altersgruppe;Einwohner"]
    for gebiet in ("101", "102"):
        for jahr in (2021, 2022):
            for geschlecht in ("männlich", "weiblich"):
                for k, gruppe in enumerate(("unter 6", "6-15", "15-65", "65 und mehr")):
                    zeilen.append(f"{gebiet};{jahr};{geschlecht};{gruppe};{100 * k + jahr - 2000}")
    datei.write_text("\n".join(zeilen) + "\n", encoding="utf-8")
    text = entwurf(datei, tmp_path / "lang.yaml")
    assert "layout: lang" in text and 'wert: "Einwohner"' in text
    assert 'stichtag: {spalte: "Jahr", format: "%Y"}' in text
    assert 'gebiet: {spalte: "Stadtteil"}' in text
    assert '  geschlecht: "Geschlecht"' in text and '  alter: "Altersgruppe"' in text
    frage = next(z for z in text.splitlines() if z.startswith("altersgruppen:"))
    assert FRAGE_MARKE in frage
    assert "das passt zu bis_unter" in frage  # 6-15, dann ab 15


def test_lange_csv_mit_vielen_werten_fragt_nach_dem_rest(tmp_path: Path):
    datei = tmp_path / "kennzahlen.csv"
    werte = ["Einwohner", *(f"Kennzahl {k}" for k in range(1, 81))]
    zeilen = ["Gebiet;Merkmal;Wert", *(f"{g};{w};{k}" for g in ("101", "102") for k, w in enumerate(werte))]
    datei.write_text("\n".join(zeilen) + "\n", encoding="utf-8")
    text = entwurf(datei, tmp_path / "kennzahlen.yaml", "--quelle", "bevoelkerung")
    assert '    "Einwohner": {}' in text
    assert '    "Kennzahl 59": ignorieren' in text and '"Kennzahl 60"' not in text.split("# Nicht gelesen")[0]
    frage = next(z for z in text.splitlines() if "weitere Werte" in z and FRAGE_MARKE in z)
    assert "21 weitere Werte von „Merkmal“ sind oben nicht aufgeführt (z. B. „Kennzahl 60“" in frage


def test_ohne_frage_liest_das_profil_die_beispieldateien_wie_die_eingebauten_layouts(tmp_path: Path):
    """Stellt der Entwurf keine Frage, muss er richtig sein: die Beispieldateien (`sozial-dwh demo`) ergeben nach dem
    Entwurf dieselben Zellen wie über die eingebauten Layouts der Quellen (architektur.md §5.2)."""
    from sozial_dwh.demo import write_demo
    from sozial_dwh.profil_entwurf import entwerfe
    from sozial_dwh.profile import Profile

    gebiete = load_gebiete(config.reference_dir())
    matcher = GebietMatcher(gebiete)
    verglichen = []
    for datei in write_demo(tmp_path / "eingang"):
        try:
            text = entwerfe(datei, gebiete=gebiete, profil="p").text
        except Exception as exc:  # noqa: BLE001 – jede Datei muss einen Entwurf oder „keine Tabelle“ ergeben
            assert type(exc).__name__ == "KeineTabelle", (datei.name, exc)
            continue
        if FRAGE_MARKE in text:
            continue
        ref = referenz(tmp_path / datei.stem, config.REPO_ROOT / "data" / "reference" / "gebiete.csv", {"p": text})
        eingebaut = inspect_file(datei, matcher, profile=Profile())
        profil = lade(datei, ref, "p")

        def zellen(verdict) -> set[tuple]:
            return {tuple(sorted((k, v) for k, v in r.items() if k not in ("blatt", "zeile", "spalte")))
                    for r in verdict.result.records}

        erwartet, gelesen = zellen(eingebaut), zellen(profil)
        assert gelesen <= erwartet, (datei.name, sorted(gelesen - erwartet)[:3])
        fehlend = erwartet - gelesen  # nur die Zeile „keine Angabe“ ohne Gebietsschlüssel: dort in Quarantäne
        assert all(dict(z)["gebiet_id"].endswith("-oZ") for z in fehlend), (datei.name, sorted(fehlend)[:3])
        assert not fehlend or profil.result.quarantine
        verglichen.append(datei.name)
    assert len(verglichen) >= 8, verglichen


def test_datei_ohne_tabelle_exit_1(tmp_path: Path, capsys):
    nur_text = tmp_path / "notiz.csv"
    nur_text.write_text("Protokoll der Sitzung\nAnwesend;Frau Muster;Herr Beispiel\nErgebnis;vertagt\n",
                        encoding="utf-8")
    assert main(["profil", "entwurf", str(nur_text), "--ausgabe", str(tmp_path / "x.yaml")]) == 1
    fehler = capsys.readouterr().err
    assert "Kein Entwurf geschrieben" in fehler and "keine Tabelle zu finden" in fehler
    assert not (tmp_path / "x.yaml").exists()
    mappe = tmp_path / "leer.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["Nur ein Titel"])
    workbook.active.append(["und ein Satz ohne Zahlen", "noch einer"])
    workbook.save(mappe)
    assert main(["profil", "entwurf", str(mappe), "--ausgabe", str(tmp_path / "y.yaml")]) == 1
    assert "Blätter: „Sheet“" in capsys.readouterr().err


def exit_code(argv: list[str]) -> int:
    """Exit-Code wie in der Shell: argparse beendet Aufruffehler mit SystemExit(2)."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code)


def test_aufruf_falsch_exit_2(tmp_path: Path, capsys):
    datei = _zweizeilig(tmp_path / "einwohner.xlsx")
    for argv in (["profil"], ["profil", "entwurf"], ["profil", "entwurf", str(tmp_path / "fehlt.xlsx")],
                 ["profil", "entwurf", str(datei), "--quelle", "wetter"], ["profil", "vorlage", str(datei)]):
        assert exit_code(argv) == 2, argv
    ausgabe = capsys.readouterr().err
    assert "Pflichtangabe fehlt: BEFEHL" in ausgabe and "Pflichtangabe fehlt: DATEI" in ausgabe
    assert "Datei nicht gefunden" in ausgabe and "„wetter“ ist keine Quelle" in ausgabe
    assert "unbekannte Auswahl" in ausgabe
    ziel = tmp_path / "einwohner.yaml"
    entwurf(datei, ziel)
    assert exit_code(["profil", "entwurf", str(datei), "--ausgabe", str(ziel)]) == 2  # nie überschreiben
    assert "nicht überschrieben" in capsys.readouterr().err


def test_offene_fragen_laden_nicht(tmp_path: Path):
    """Ein Entwurf mit unbeantworteter Frage lädt nie: die Meldung nennt Schlüssel und Zeile jeder Frage. Auch ohne
    die Markierung lehnt das Laden die Platzhalter ab (einschliesslich_oder_bis_unter, "AGS", offen)."""
    datei = _berlin(tmp_path / "EWR201812E_Matrix.csv")
    text = entwurf(datei, tmp_path / "berlin_ewr.yaml")
    dims = wuerfel_dimensionen()
    with pytest.raises(ProfilFehler) as fehler:
        lade_profil(tmp_path / "berlin_ewr.yaml", dims)
    meldung = str(fehler.value)
    assert meldung.startswith("Lieferprofil berlin_ewr.yaml, Schlüssel „gemeinde“: offene Frage aus dem Entwurf")
    assert "„altersgruppen“ (Zeile" in meldung and "„spalten: E_E“ (Zeile" in meldung
    # `check --profil` (hier: inspect_file mit erzwungenem Profil) lehnt die Datei ab und nennt das Profil und den Schlüssel
    ref = referenz(tmp_path, config.REPO_ROOT / "data" / "reference" / "gebiete.csv", {"berlin_ewr": text})
    verdict = inspect_file(datei, GebietMatcher(load_gebiete(ref)), profile=lieferprofile(ref), profil="berlin_ewr")
    assert not verdict.ok
    assert "berlin_ewr.yaml, Schlüssel „gemeinde“: offene Frage" in verdict.fehler[0]
    # Markierungen entfernt, Werte nicht beantwortet: die Werte selbst werden abgelehnt
    ohne_marke = re.sub(r"\s*#\s*FRAGE:.*$", "", text, flags=re.MULTILINE)
    for schluessel, ersatz in (("gemeinde", '"11000000"'), ("altersgruppen", "bis_unter"), (None, None)):
        pfad = tmp_path / "ohne" / "berlin_ewr.yaml"
        pfad.parent.mkdir(exist_ok=True)
        pfad.write_text(ohne_marke, encoding="utf-8")
        with pytest.raises(ProfilFehler) as fehler:
            lade_profil(pfad, dims)
        erwartet = {"gemeinde": "„gemeinde“: „AGS“ ist kein achtstelliger Gemeindeschlüssel",
                    "altersgruppen": "„altersgruppen“: „einschliesslich_oder_bis_unter“ ist unbekannt",
                    None: "„spalten: E_E“: erwartet Merkmal: Wert"}
        assert erwartet[schluessel] in str(fehler.value)
        if schluessel:
            ohne_marke = re.sub(rf"^{schluessel}: .*$", f"{schluessel}: {ersatz}", ohne_marke, flags=re.MULTILINE)


@pytest.mark.parametrize(("text", "erwartet"), [
    ("unter 6", ("unter", 0, 6)), ("6-15", ("zwei", 6, 15)), ("6 bis unter 15", ("bis_unter", 6, 15)),
    ("65 und mehr", ("offen", 65, None)), ("75+", ("offen", 75, None)), ("75 und älter", ("offen", 75, None)),
    ("E_E00_01", ("zwei", 0, 1)), ("00 - < 03", ("bis_unter", 0, 3)), ("65-Jährige und Ältere", ("offen", 65, None)),
    ("Unter 18-Jährige", ("unter", 0, 18)), ("17-Jährige", ("eins", 17, None)), ("Bevölkerung", None),
    ("Arbeitslose (Dez 2013)", None),
])
def test_altersangaben_in_ueberschriften(text: str, erwartet):
    alter, _ = alter_im_text(text)
    assert (alter.art, alter.von, alter.bis) == erwartet if erwartet else alter is None


@pytest.mark.parametrize(("text", "zelle_"), [
    ("Bevölkerung", {}), ("Einwohner insgesamt", {}), ("Ausländerinnen und Ausländer", {"staatsangehoerigkeit":
                                                                                        "nichtdeutsch"}),
    ("Bevölkerung mit Migrations-hintergrund", {"migrationshintergrund": "ja"}),
    ("Deutsche mit Migrationshintergrund", {"migrationshintergrund": "ja", "staatsangehoerigkeit": "deutsch"}),
    ("weibliche Einwohner unter 18 Jahren", {"alter_von": 0, "alter_bis_unter": 18, "geschlecht": "w"}),
    ("Unter 15-Jährige in Mindestsicherung (Dez 2013)", None), ("Haushalte mit Kindern", None), ("Aussiedler", None),
])
def test_ueberschrift_wird_zelle_oder_nicht(text: str, zelle_):
    assert deute(text, "bevoelkerung").koordinaten == zelle_
