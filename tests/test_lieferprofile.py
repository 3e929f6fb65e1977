"""Lieferprofile (architektur.md §5.4): echte Dateien anderer Städte laden über die mitgelieferten Beispielprofile, ohne Code.

Quellen der echten Dateien (unverändert in ../shared/real/, siehe dortige README):
- Köln: Offene Daten Köln, Datensatz „bevoelkerung“ (Einwohner 2005–2012 je Stadtteil), wiederveröffentlicht im
  GitHub-Repository KoelnAPI/data, data/structure/bevoelkerung/bevoelkerung.csv; Datenlizenz Deutschland / CC BY.
- Hamburg: Statistikamt Nord, „Daten für die Stadtteilprofile 2014“, wiederveröffentlicht im GitHub-Repository
  DJCordhose/big-data-visualization, data/Daten_fuer_die_Stadtteilprofile_2014.csv; Datenlizenz Deutschland
  Namensnennung 2.0.

Die erwarteten Zahlen sind von Hand aus den Dateien abgelesen (Zeilen daneben zitiert). Dazu: fehlerhafte Profile
(Meldung nennt Datei und Schlüssel), Altersgruppen mit zwei Zahlen ohne Angabe im Profil (abgelehnt mit der Frage),
überlappende Altersgruppen (nie doppelt gezählt), zwei Profile für eine Datei (mehrdeutig).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.ausfuehren import alles_ausfuehren
from sozial_dwh import config
from sozial_dwh.config import Paths
from sozial_dwh.ingest import inspect_file
from sozial_dwh.profile import ProfilFehler, lade_profil
from sozial_dwh.reference import GebietMatcher, load_gebiete
from sozial_dwh.sources import lieferprofile, wuerfel_dimensionen
from tests.fixtures import make_reference, write_xlsx
from tests.test_vertrauen import fertig, geladen, query, sha_vorher

BEISPIELE = config.REPO_ROOT / "beispiele"
REAL = BEISPIELE  # byte-gleiche Kopien der Dateien aus ../shared/real/ (beispiele/README.md nennt die Quellen)
GETEILT = config.REPO_ROOT.parent / "shared" / "real"


def home_mit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reference: Path) -> Paths:
    """Ein leeres SOZIAL_DWH_HOME mit dem Referenzordner `reference` und eigener Dagster-Instanz."""
    monkeypatch.setenv("SOZIAL_DWH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SOZIAL_DWH_REFERENCE", str(reference))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.setenv("SOZIAL_DWH_SCHREIBPAUSE_S", "0")
    (tmp_path / "dagster").mkdir()
    return Paths.from_env().ensure()


def beispiel_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stadt: str) -> Paths:
    """Referenzordner wie in README „Neue Lieferung einbinden“: data/reference, Gebietsgliederung und Profile aus
    beispiele/<stadt>/."""
    reference = tmp_path / "reference"
    shutil.copytree(config.REPO_ROOT / "data" / "reference", reference)
    shutil.copy(BEISPIELE / stadt / "gebiete.csv", reference / "gebiete.csv")
    shutil.copytree(BEISPIELE / stadt / "lieferprofile", reference / "lieferprofile", dirs_exist_ok=True)
    return home_mit(tmp_path, monkeypatch, reference)


def lauf() -> None:
    assert alles_ausfuehren(dg.DagsterInstance.ephemeral(), raise_on_error=False).success


def mart(home: Paths, indikator: str, stichtag: str) -> dict[tuple[str, str], tuple]:
    rows = query(home.analyse, "select ebene, gebiet_id, wert, zaehler, nenner, hinweis from mart.indikator_werte "
                               "where indikator_id = ? and stichtag = ?", [indikator, stichtag])
    return {(r[0], r[1]): r[2:] for r in rows}


# --- echte Dateien ---------------------------------------------------------------------------------


def test_koeln_long_table_loads_through_example_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    home = beispiel_home(tmp_path, monkeypatch, "koeln")
    datei = fertig(Path(shutil.copy(REAL / "koeln" / "bevoelkerung.csv", home.inbox / "bevoelkerung.csv")))
    lauf()
    meldungen, datei_id = geladen(home, "bevoelkerung.csv", sha_vorher(datei))
    assert "Lieferprofil koeln_bevoelkerung.yaml" in meldungen
    assert query(home.warehouse, "select count(*) from quarantine.zeilen where datei_id = ?", [datei_id]) == [(0,)]
    # 86 Stadtteile × 8 Jahre × 18 Zellen (insgesamt; m, w; 13 Altersgruppen; Migrationshintergrund; Ausländer)
    assert query(home.warehouse, "select count(*) from raw.bevoelkerung where datei_id = ?", [datei_id]) == [
        (86 * 8 * 18,)]
    assert query(home.warehouse, "select count(distinct stichtag) from core.dim_stichtag") == [(8,)]

    werte = mart(home, "bev_insgesamt", "2012-12-31")
    # Zeilen 010.005.2012.101 … 105: 27.515 + 38.416 + 17.922 + 28.555 + 15.419 = 127.827,
    # und die eigene Bezirkszeile 010.005.2012.001 (Innenstadt) nennt 127.827.0
    assert werte[("stadtbezirk", "SB-INNENSTADT")][0] == 27_515 + 38_416 + 17_922 + 28_555 + 15_419 == 127_827
    # Zeile 010.005.2012.000 (Stadt Köln): 1044555.0
    assert werte[("gemeinde", "05315000")][0] == 1_044_555
    # Altstadt/Süd 2012, Zeilen 010.020.2012.101.010 … 050: 521 + 356 + 394 + 487 + 370 = 2.128 unter 18 Jahren
    u18 = mart(home, "anteil_u18", "2012-12-31")[("gebiet", "101")]
    assert u18[1:3] == (2_128, 27_515)
    assert u18[0] == pytest.approx(2_128 / 27_515 * 100)  # 7,734 %
    # 0 bis 19 Jahre lässt sich aus Kölns Bändern (15 - < 18, 18 - < 25) nicht abgrenzen: NULL mit Hinweis
    jugend = mart(home, "jugendquotient", "2012-12-31")[("gebiet", "101")]
    assert jugend[0] is None and "Altersgliederung" in jugend[3]


def test_hamburg_profile_table_loads_with_names_and_spaced_numbers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    home = beispiel_home(tmp_path, monkeypatch, "hamburg")
    name = "stadtteilprofile_2014.csv"
    datei = fertig(Path(shutil.copy(REAL / "hamburg" / name, home.inbox / name)))
    lauf()
    meldungen, datei_id = geladen(home, name, sha_vorher(datei))
    assert query(home.warehouse, "select count(*) from quarantine.zeilen where datei_id = ?", [datei_id]) == [(0,)]
    # Die Datei nennt für den Bezirk Hamburg-Mitte (Zeile 101) 289 876 Einwohner, ihre Stadtteile (Zeilen 2–17)
    # ergeben 283 099: das meldet die Prüfung der Summenzeilen, geladen werden die Stadtteile.
    assert "Summenzeile 101 (alle Alter) nennt 289.876, die Gebiete ergeben 283.099" in meldungen
    u18 = mart(home, "anteil_u18", "2013-12-31")
    # Zeile 2: „Hamburg-Altstadt; 1 675 ; 162 ; 9,7“ – 162 / 1 675 = 9,67 % (die Datei rundet auf 9,7)
    assert u18[("gebiet", "001")][1:3] == (162, 1_675)
    assert round(u18[("gebiet", "001")][0], 1) == 9.7
    # Zeile 32: Stadtteil „Eimsbüttel“ (56 097; 6 791 unter 18) heißt wie sein Bezirk (Zeile 103): das Profil nennt
    # die Summenzeilen (ab Zeile 101), also ist Zeile 32 der Stadtteil und Zeile 103 eine geprüfte Summe.
    assert u18[("gebiet", "031")][1:3] == (6_791, 56_097)
    # Bezirk Altona (Zeile 102): 259 897 Einwohner, 44 559 unter 18 – die Stadtteile ergeben genau das
    assert u18[("stadtbezirk", "SB-ALTONA")][1:3] == (44_559, 259_897)
    assert "Summenzeile 102" not in meldungen


@pytest.mark.skipif(not GETEILT.is_dir(), reason="../shared/real liegt nicht neben diesem Klon")
@pytest.mark.parametrize("datei", ["koeln/bevoelkerung.csv", "hamburg/stadtteilprofile_2014.csv"])
def test_example_files_are_unchanged_copies(datei: str):
    """Die Beispieldateien im Repository sind byte-gleich mit den veröffentlichten Dateien."""
    assert (BEISPIELE / datei).read_bytes() == (GETEILT / datei).read_bytes()


def test_profiles_need_few_lines():
    """README nennt die Zahl der Profilzeilen je Beispiel (Ziel: etwa 25 oder weniger)."""
    for datei, hoechstens in (("koeln/lieferprofile/koeln_bevoelkerung.yaml", 25),
                              ("hamburg/lieferprofile/hamburg_stadtteile.yaml", 25)):
        zeilen = [z for z in (BEISPIELE / datei).read_text(encoding="utf-8").splitlines() if z.strip()]
        assert len(zeilen) <= hoechstens, (datei, len(zeilen))


# --- fehlerhafte Profile ---------------------------------------------------------------------------

GUT = """profil: test_breit
quelle: bevoelkerung
erkennen: {spalten: [Bezirk, Einwohner gesamt]}
stichtag: 2022-12-31
gebiet: {spalte: Bezirk}
layout: breit
spalten:
  Einwohner gesamt: {}
"""


@pytest.mark.parametrize(("ersetzen", "durch", "schluessel", "wort"), [
    ("layout: breit", "layout: breit\nsplaten: {}", "splaten", "unbekannter Schlüssel"),
    ("Einwohner gesamt: {}", "Einwohner gesamt: {familienstand: ledig}", "spalten: Einwohner gesamt",
     "kein Merkmal „familienstand“"),
    ("Einwohner gesamt: {}", "\"/E_E(\\\\d\\\\d/\": {alter: $1}", "spalten: /E_E(\\d\\d/", "lässt sich nicht übersetzen"),
    ("quelle: bevoelkerung", "quelle: wohngeld", "quelle", "keine Quelle"),
    ("stichtag: 2022-12-31", "stichtag: {spalte: Jahr, formt: \"%Y\"}", "stichtag", "unbekannt: formt"),
])
def test_broken_profile_names_file_and_key(tmp_path: Path, ersetzen: str, durch: str, schluessel: str, wort: str):
    datei = tmp_path / "test_breit.yaml"
    datei.write_text(GUT.replace(ersetzen, durch), encoding="utf-8")
    with pytest.raises(ProfilFehler) as fehler:
        lade_profil(datei, wuerfel_dimensionen())
    text = str(fehler.value)
    assert text.startswith(f"Lieferprofil test_breit.yaml, Schlüssel „{schluessel}“"), text
    assert wort in text


def referenz_mit(tmp_path: Path, profile: dict[str, str]) -> Path:
    reference = make_reference(tmp_path / "reference")
    (reference / "lieferprofile").mkdir()
    for name, text in profile.items():
        (reference / "lieferprofile" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return reference


def pruefe(reference: Path, datei: Path, profil: str | None = None):
    return inspect_file(datei, GebietMatcher(load_gebiete(reference)), profile=lieferprofile(reference), profil=profil)


def test_two_profiles_claiming_one_file_are_ambiguous(tmp_path: Path):
    zweites = GUT.replace("profil: test_breit", "profil: test_zwei")
    reference = referenz_mit(tmp_path, {"test_breit": GUT, "test_zwei": zweites})
    datei = write_xlsx(tmp_path / "einwohner.xlsx", {"Daten": [["Bezirk", "Einwohner gesamt"], ["A1", 10]]})
    verdict = pruefe(reference, datei)
    assert not verdict.ok
    assert ("Mehrere Lieferprofile erkennen diese Datei: test_breit.yaml, test_zwei.yaml (Schlüssel „erkennen“)"
            in verdict.fehler[0])
    # Blatt „Info“ mit „Profil“ (hier wie `check --profil`) entscheidet
    assert pruefe(reference, datei, profil="test_zwei").ok


def test_broken_profile_is_named_when_no_other_profile_fits(tmp_path: Path):
    kaputt = GUT.replace("layout: breit", "layout: quer")
    reference = referenz_mit(tmp_path, {"test_breit": kaputt})
    datei = write_xlsx(tmp_path / "einwohner.xlsx", {"Daten": [["Bezirk", "Einwohner gesamt"], ["A1", 10]]})
    verdict = pruefe(reference, datei)
    assert not verdict.ok
    assert "Lieferprofil test_breit.yaml, Schlüssel „layout“: „quer“ ist unbekannt" in verdict.fehler[0]


# --- Altersgruppen ---------------------------------------------------------------------------------

ALTER = """profil: test_alter
quelle: bevoelkerung
erkennen: {spalten: [Bezirk, Einwohner gesamt]}
stichtag: 2022-12-31
gebiet: {spalte: Bezirk}
layout: breit
spalten:
  Einwohner gesamt: {}
  "/^(\\\\d+)-(\\\\d+)$/": {alter: "$1-$2"}
  unter 18: {alter: $0}
"""


def test_two_number_age_labels_without_declaration_are_rejected_with_the_question(tmp_path: Path):
    reference = referenz_mit(tmp_path, {"test_alter": ALTER})
    datei = write_xlsx(tmp_path / "einwohner.xlsx", {"Daten": [["Bezirk", "Einwohner gesamt", "6-15"],
                                                               ["A1", 100, 12]]})
    verdict = pruefe(reference, datei)
    assert not verdict.ok
    text = verdict.fehler[0]
    assert "Spalte C („6-15“): „6-15“ ist eine Altersgruppe mit zwei Zahlen" in text
    assert "Einschließlich (6 bis 15 Jahre) oder „bis unter“ (6 bis 14 Jahre)?" in text
    assert "altersgruppen: bis_unter" in text and "test_alter.yaml" in text

    (reference / "lieferprofile" / "test_alter.yaml").write_text(ALTER + "altersgruppen: bis_unter\n", encoding="utf-8")
    verdict = pruefe(reference, datei)
    assert verdict.ok, verdict.fehler
    baender = {(r["alter_von"], r["alter_bis"]): r["anzahl"] for r in verdict.result.records}
    assert baender == {(0, None): 100, (6, 14): 12}


def test_overlapping_age_bands_are_never_double_counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Bänder 0–17, 0–9 und 5–14 zugleich (einschließlich): 0 bis 17 steht als eigenes Band da; 0 bis 14 ließe sich
    nur aus 0–9 und 5–14 bilden, die sich überlappen (5 bis 9 doppelt) – die Größe bleibt unbekannt, nie 12 + 9."""
    reference = referenz_mit(tmp_path, {"test_alter": ALTER.replace("stichtag: 2022-12-31\n", "stichtag: 2022-12-31\n"
                                                                     "altersgruppen: einschliesslich\n")})
    home = home_mit(tmp_path, monkeypatch, reference)
    rows = [["Bezirk", "Einwohner gesamt", "unter 18", "0-9", "5-14"]]
    rows += [[gebiet, 100, 20, 12, 9] for gebiet in ("A1", "A2", "B3")]
    fertig(write_xlsx(home.inbox / "einwohner.xlsx", {"Daten": rows}))
    lauf()
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        groessen = dict(con.execute("select groesse, anzahl from core.groessen_bevoelkerung where gebiet_id = 'A1' "
                                    "and groesse in ('bev_u18', 'bev_u15', 'bev_alle')").fetchall())
        hinweis = con.execute("select hinweis from core.groessen_bevoelkerung where gebiet_id = 'A1' "
                              "and groesse = 'bev_u15'").fetchall()[0][0]
    assert groessen == {"bev_alle": 100, "bev_u18": 20, "bev_u15": None}
    assert "0 bis 14" in hinweis
    # anteil_u18 = 20 / 100 je Gebiet; in der Gemeinde (A1 + A2 + B3) 60 / 300
    u18 = mart(home, "anteil_u18", "2022-12-31")
    assert u18[("gemeinde", "09999999")][1:3] == (60, 300)


def test_unmapped_values_and_columns_are_reported_not_dropped(tmp_path: Path):
    lang = """profil: test_lang
quelle: bevoelkerung
erkennen: {spalten: [Bezirk, Merkmal, Wert]}
stichtag: 2022-12-31
gebiet: {spalte: Bezirk}
layout: lang
wert: Wert
zeilen:
  spalte: Merkmal
  werte:
    Einwohner: {}
    Frauen: {geschlecht: w}
    Haushalte: ignorieren
"""
    reference = referenz_mit(tmp_path, {"test_lang": lang, "test_breit": GUT})
    datei = write_xlsx(tmp_path / "lang.xlsx", {"Daten": [["Bezirk", "Merkmal", "Wert"], ["A1", "Einwohner", 100],
                                                          ["A1", "Frauen", 51], ["A1", "Haushalte", 48],
                                                          ["A1", "Männer", 49]]})
    verdict = pruefe(reference, datei)
    assert verdict.ok
    assert [(q.zeile, q.spalte, q.wert) for q in verdict.result.quarantine] == [(5, "B", "Männer")]
    assert "unter „zeilen“ nicht zugeordnet" in verdict.result.quarantine[0].grund
    assert "1 Zeilen mit Werten, die das Profil ignoriert" in verdict.result.meldungen[0]

    breit = write_xlsx(tmp_path / "breit.xlsx", {"Daten": [["Bezirk", "Einwohner gesamt", "Frauen"], ["A1", 100, 51]]})
    verdict = pruefe(reference, breit)
    assert verdict.ok
    assert any("weder unter „spalten“ zugeordnet noch unter „ignorieren“ genannt, nicht geladen: C „Frauen“" in m
               for m in verdict.result.meldungen)


# --- Quelle merkmale über ein Profil ---------------------------------------------------------------

MERKMALE = """profil: test_merkmale
quelle: merkmale
erkennen: {spalten: [Bezirk, Haushalte mit Wohngeld, Saldo, Miete]}
stichtag: 2022-12-31
gebiet: {spalte: Bezirk}
layout: breit
spalten:
  Haushalte mit Wohngeld: {merkmal: wohngeld_haushalte}
  Saldo: {merkmal: Wanderungssaldo}
  Miete: {merkmal: angebotsmiete_qm}
"""


def test_merkmale_through_a_profile_read_by_their_art(tmp_path: Path):
    """Eine Datei der Quelle merkmale nach einem Profil: Kennung oder Name aus merkmale.csv, gelesen nach der Art
    (anzahl ≥ 0, saldo mit Vorzeichen, wert als Dezimalzahl); eine negative Anzahl geht in Quarantäne."""
    reference = referenz_mit(tmp_path, {"test_merkmale": MERKMALE})
    rows = [["Bezirk", "Haushalte mit Wohngeld", "Saldo", "Miete"],
            ["A1", 12, "-7", "7,85"],
            ["A2", -3, 4, "8,10"]]
    verdict = pruefe(reference, write_xlsx(tmp_path / "wohnen.xlsx", {"Daten": rows}))
    assert verdict.ok, verdict.fehler
    werte = {(r["gebiet_id"], r["merkmal"]): r["wert"] for r in verdict.result.records}
    assert werte == {("A1", "wohngeld_haushalte"): 12, ("A1", "wanderungssaldo"): -7, ("A1", "angebotsmiete_qm"): 7.85,
                     ("A2", "wanderungssaldo"): 4, ("A2", "angebotsmiete_qm"): 8.1}
    [zeile] = verdict.result.quarantine
    assert (zeile.zeile, zeile.spalte) == (3, "B") and "Art „anzahl“" in zeile.grund

    unbekannt = MERKMALE.replace("{merkmal: angebotsmiete_qm}", "{merkmal: kaltmiete}")
    (reference / "lieferprofile" / "test_merkmale.yaml").write_text(unbekannt, encoding="utf-8")
    verdict = pruefe(reference, tmp_path / "wohnen.xlsx")
    assert not verdict.ok
    assert "Merkmal „kaltmiete“ ist nicht in merkmale.csv erklärt" in verdict.fehler[0]


def test_new_source_with_profile_and_indicator_from_reference_files_only(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch):
    """Eine neue Statistik (Schulabgänge ohne Abschluss) und ein Indikator darauf – nur Referenzdateien: ein
    Lieferprofil, eine Zeile in merkmale.csv, eine in groessen.csv, eine in indikatoren.csv. Kein Python, kein SQL.

    Lieferung (eigenes Layout der Schulverwaltung, Stichtag im Dateinamen):
        Schulbezirk  Abgänge gesamt  davon ohne Abschluss     Einwohner (Testgliederung, wide 2022)
        A1           40              4                          1000
        A2           20              1                           500
        B3           50              6                          2000
    Indikator ohne_abschluss_je_1000 = ohne Abschluss je 1.000 Einwohner:
        A1 4/1000×1000 = 4; A2 1/500×1000 = 2; B3 6/2000×1000 = 3;
        SRA (A1, A2) 5/1500×1000 = 3,3333; SRB (B3) 3; SB-NORD (A1, B3) 10/3000×1000 = 3,3333; SB-SUED (A2) 2;
        Gemeinde 11/3500×1000 = 3,1429.
    """
    from sozial_dwh.templates import write_templates
    from tests.fixtures import write_wide_2022
    from tests.test_merkmale import _anhaengen

    reference = make_reference(tmp_path / "reference")
    (reference / "lieferprofile").mkdir()
    (reference / "lieferprofile" / "schulabgaenge.yaml").write_text("""profil: schulabgaenge
beschreibung: Schulverwaltung, Abgänge nach Schulbezirk
quelle: merkmale
erkennen: {dateiname: "schulabgaenge_*.xlsx"}
stichtag: {dateiname: "_(?P<jahr>\\\\d{4})"}
gebiet: {spalte: Schulbezirk}
layout: breit
spalten:
  Abgänge gesamt: {merkmal: schulabgaenge}
  davon ohne Abschluss: {merkmal: schulabgaenge_ohne_abschluss}
""", encoding="utf-8")
    _anhaengen(reference / "merkmale.csv", [
        ["schulabgaenge", "Schulabgänge", "anzahl", "Personen", "Schulverwaltung", "Abgänge allgemeinbildender Schulen"],
        ["schulabgaenge_ohne_abschluss", "Schulabgänge ohne Abschluss", "anzahl", "Personen", "Schulverwaltung",
         "Abgänge ohne Ersten Schulabschluss"]])
    _anhaengen(reference / "groessen.csv", [[
        "ohne_abschluss", "merkmale", "Schulabgänge ohne Abschluss", "schulabgaenge_ohne_abschluss", "", "", "", "",
        "", "", "Abgänge ohne Abschluss (alle Alter)"]])
    _anhaengen(reference / "indikatoren.csv", [[
        "ohne_abschluss_je_1000", "Schulabgänge ohne Abschluss je 1.000 Einwohner", "je 1.000", "1", "merkmale",
        "ohne_abschluss", "bev_alle", "1000", "100", "Abgänge ohne Abschluss je 1.000 Einwohner"]])
    home = home_mit(tmp_path, monkeypatch, reference)
    write_wide_2022(home.inbox)
    fertig(write_xlsx(home.inbox / "schulabgaenge_2022.xlsx", {"Tabelle1": [
        ["Schulabgänge 2022 nach Schulbezirk"], [],
        ["Schulbezirk", "Abgänge gesamt", "davon ohne Abschluss"],
        ["A1", 40, 4], ["A2", 20, 1], ["B3", 50, 6]]}))
    instance = dg.DagsterInstance.get()
    assert alles_ausfuehren(instance, raise_on_error=False).success

    werte = mart(home, "ohne_abschluss_je_1000", "2022-12-31")
    erwartet = {("gebiet", "A1"): (4, 1000), ("gebiet", "A2"): (1, 500), ("gebiet", "B3"): (6, 2000),
                ("sozialraum", "SRA"): (5, 1500), ("sozialraum", "SRB"): (6, 2000),
                ("stadtbezirk", "SB-NORD"): (10, 3000), ("stadtbezirk", "SB-SUED"): (1, 500),
                ("gemeinde", "09999999"): (11, 3500)}
    assert {k: v[1:3] for k, v in werte.items()} == erwartet
    assert werte[("gemeinde", "09999999")][0] == pytest.approx(11 / 3500 * 1000)  # 3,1429
    assert "2022-12-31" in instance.get_dynamic_partitions("stichtag")
    assert query(home.analyse, "select quellen from core.dim_stichtag") == [("bevoelkerung, merkmale",)]
    [vorlage] = write_templates(tmp_path / "vorlagen", quellen=["merkmale"])
    import openpyxl
    texte = [str(c.value) for ws in openpyxl.load_workbook(vorlage).worksheets for r in ws.iter_rows() for c in r
             if c.value is not None]
    assert any("schulabgaenge_ohne_abschluss" in t or "Schulabgänge ohne Abschluss" in t for t in texte)
