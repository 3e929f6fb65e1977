"""Leser der übrigen Quellen an echten Dateien: SGB II (drei Layouts), Arbeitslose, Mindestsicherung,
Kindertagesbetreuung und Konferenz-Arbeitsmappe – bis in die Rohtabellen einer echten DuckDB-Datei."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import duckdb
import pytest

from sozial_dwh import warehouse
from sozial_dwh.config import Paths
from sozial_dwh.ingest import IngestSummary, ingest_file, inspect_file
from sozial_dwh.reference import GebietMatcher, load_gebiete
from tests.fixtures import GEBIETE_CSV, make_reference, write_ods, write_xlsx

# Test-Gebietsgliederung mit AkG-Schlüsseln der Bundesagentur für Arbeit (9-stellig).
AKG = {"A1": "999990101", "A2": "999990102", "B1": "999990201", "B2": "999990202", "B3": "999990203"}


@pytest.fixture
def matcher(tmp_path: Path) -> GebietMatcher:
    reference = make_reference(tmp_path / "ref")
    lines = GEBIETE_CSV.strip().splitlines()
    rows = [lines[0] + ",akg_code"] + [f"{line},{AKG[line.split(',')[0]]}" for line in lines[1:]]
    (reference / "gebiete.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return GebietMatcher(load_gebiete(reference))


def cube(verdict, *dims: str) -> dict[tuple, int | None]:
    return {(r["gebiet_id"], *(r[d] for d in dims)): r["anzahl"] for r in verdict.result.records}


# --- SGB II ---------------------------------------------------------------------------------------

SGB2_HEADER = ["Gebiet", "Bedarfs-\ngemeinschaften", "Leistungs-\nberechtigte", "ELB", "NEF", "NEF u15",
               "LB unter 18", "Alleinerziehende BG"]


def test_sgb2_aggregated_with_symbols_and_total_row(tmp_path: Path, matcher: GebietMatcher):
    path = write_xlsx(tmp_path / "sgb2_2022-12-31.xlsx", {"SGB II": [
        ["Leistungsberechtigte nach SGB II, Dezember 2022"],
        [],
        SGB2_HEADER,
        ["A1 Altstadt", 50, 100, 70, 30, 25, 35, 9],
        ["A2", "10", "20", "14", "6", "5", "*", "–"],
        ["B3", 40, 80, 60, 20, 18, 24, 7],
        ["Stadt insgesamt", 100, 200, 144, 56, 48, ".", 16],
        ["Quelle: Bundesagentur für Arbeit"],
    ]})
    verdict = inspect_file(path, matcher)
    assert verdict.ok, verdict.fehler
    got = cube(verdict, "merkmal")
    # 3 Gebiete × 7 Merkmale; Summenzeile nicht geladen
    assert len(got) == 21
    assert got[("A1", "leistungsberechtigte")] == 100 and got[("A2", "elb")] == 14
    assert got[("A2", "lb_u18")] is None  # „*“ = vom Lieferanten gesperrt
    assert got[("A2", "bg_alleinerziehend")] == 0  # „–“ = genau null
    kennzeichen = {r["kennzeichen"] for r in verdict.result.records if r["gebiet_id"] == "A2" and r["merkmal"] == "lb_u18"}
    assert kennzeichen == {"gesperrt"}
    # Summenzeile: BG 50+10+40 = 100 ✓, LB 100+20+80 = 200 ✓, ELB 70+14+60 = 144 ✓, NEF 30+6+20 = 56 ✓,
    # NEF u15 25+5+18 = 48 ✓, Alleinerziehende 9+0+7 = 16 ✓ -> keine Warnung
    assert not [m for m in verdict.result.meldungen if m.startswith("Warnung")]


def test_sgb2_akg_layout_sum_rows_and_keine_angabe(tmp_path: Path, matcher: GebietMatcher):
    header = ["Berichtsmonat", "Gemeindeschlüssel", "Gebietsschlüssel", "Gebietsname", "Bedarfsgemeinschaften",
              "Leistungsberechtigte", "ELB"]
    path = write_xlsx(tmp_path / "BA_AkG_Teststadt.xlsx", {"Daten": [
        ["Statistik der Grundsicherung für Arbeitsuchende nach kleinräumigen Gebieten"],
        header,
        ["Dezember 2022", "09999999", "999990101", "Altstadt", 50, 100, 70],
        ["Dezember 2022", "09999999", "999990102", "Bahnhof", 10, 20, "*"],
        ["Dezember 2022", "09999999", "9999901SUM", "Mitte zusammen", 60, 120, 72],
        ["Dezember 2022", "09999999", 999990203, "Berg-Bach", 40, 80, 60],  # als Zahl gespeichert
        ["Dezember 2022", "09999999", None, "keine Angabe", 3, "*", "*"],
        ["Dezember 2022", "09999999", "SUMSUMSUM", "Teststadt insgesamt", 103, 205, 133],
    ]})
    verdict = inspect_file(path, matcher)
    assert verdict.ok, verdict.fehler
    assert verdict.quelle == "sgb2" and verdict.stichtag == dt.date(2022, 12, 31)  # Dezember -> Monatsende
    got = cube(verdict, "merkmal")
    assert got == {
        ("A1", "bedarfsgemeinschaften"): 50, ("A1", "leistungsberechtigte"): 100, ("A1", "elb"): 70,
        ("A2", "bedarfsgemeinschaften"): 10, ("A2", "leistungsberechtigte"): 20, ("A2", "elb"): None,
        ("B3", "bedarfsgemeinschaften"): 40, ("B3", "leistungsberechtigte"): 80, ("B3", "elb"): 60,
        # LB „keine Angabe“ gesperrt, aber als einziges Feld: Gesamtsumme 205 − (100 + 20 + 80) = 5.
        # ELB: zwei gesperrte Felder (Bahnhof und „keine Angabe“) -> nicht ableitbar, bleibt NULL.
        ("09999999-oZ", "bedarfsgemeinschaften"): 3, ("09999999-oZ", "leistungsberechtigte"): 5,
        ("09999999-oZ", "elb"): None,
    }
    kennzeichen = {(r["gebiet_id"], r["merkmal"]): r["kennzeichen"] for r in verdict.result.records}
    assert kennzeichen[("09999999-oZ", "leistungsberechtigte")] == "aus Gesamtsumme abgeleitet"
    assert kennzeichen[("09999999-oZ", "elb")] == "gesperrt"
    # 9999901SUM umfasst A1+A2: BG 60 ✓, LB 120 ✓. SUMSUMSUM: BG 50+10+40+3 = 103 ✓; LB 100+20+80+5 = 205 ✓;
    # ELB enthält gesperrte Felder und wird daher nicht geprüft.
    assert not [m for m in verdict.result.meldungen if m.startswith("Warnung")]


def test_sgb2_akg_total_mismatch_warns(tmp_path: Path, matcher: GebietMatcher):
    path = write_xlsx(tmp_path / "sgb2_2022-12-31.xlsx", {"Daten": [
        ["Berichtsmonat", "Gemeindeschlüssel", "Gebietsschlüssel", "Gebietsname", "Leistungsberechtigte"],
        ["202212", "09999999", "999990101", "Altstadt", 100],
        ["202212", "09999999", "999990102", "Bahnhof", 20],
        ["202212", "09999999", "SUMSUMSUM", "insgesamt", 130],  # 100 + 20 = 120, nicht 130
    ]})
    verdict = inspect_file(path, matcher)
    assert verdict.ok
    warnings = [m for m in verdict.result.meldungen if m.startswith("Warnung")]
    assert len(warnings) == 1 and "130" in warnings[0] and "120" in warnings[0]


def test_sgb2_person_records_aggregated_without_person_rows(tmp_path: Path, matcher: GebietMatcher):
    header = ["BG-Nummer", "Person-Nummer", "Alter", "Geschlecht", "Status", "Staatsangehörigkeit",
              "Alleinerziehend", "Gebiet"]
    persons = [
        # A1: BG 1 = alleinerziehende Mutter (ELB, 34) mit Kindern 4 und 16; BG 2 = Paar 50/52 (ELB)
        ["BG1", "P1", 34, "w", "ELB", "deutsch", "ja", "A1"],
        ["BG1", "P2", 4, "m", "NEF", "deutsch", "ja", "A1"],
        ["BG1", "P3", 16, "w", "ELB", "deutsch", "ja", "A1"],
        ["BG2", "P4", 50, "m", "ELB", "nichtdeutsch", "nein", "A1"],
        ["BG2", "P5", 52, "w", "ELB", "nichtdeutsch", "nein", "A1"],
        # A2: BG 3 = ELB 40 mit NEF 10
        ["BG3", "P6", 40, "m", "ELB", "deutsch", "nein", "A2"],
        ["BG3", "P7", 10, "m", "NEF", "deutsch", "nein", "A2"],
        ["BG3", "P7", 10, "m", "NEF", "deutsch", "nein", "A2"],  # doppelt -> Quarantäne
    ]
    path = write_xlsx(tmp_path / "sgb2_2022-12-31.xlsx", {"Personen": [header, *persons]})
    verdict = inspect_file(path, matcher)
    assert verdict.ok, verdict.fehler
    got = cube(verdict, "merkmal")
    # A1: LB 5, BG 2, ELB 4 (34, 16, 50, 52), NEF 1, NEF u15 1 (4 J.), LB u18 2 (4, 16), Alleinerz. BG 1 (BG1)
    assert [got[("A1", m)] for m in ("leistungsberechtigte", "bedarfsgemeinschaften", "elb", "nef", "nef_u15",
                                      "lb_u18", "bg_alleinerziehend")] == [5, 2, 4, 1, 1, 2, 1]
    # A2: LB 2, BG 1, ELB 1, NEF 1, NEF u15 1, LB u18 1, Alleinerz. 0
    assert [got[("A2", m)] for m in ("leistungsberechtigte", "bedarfsgemeinschaften", "elb", "nef", "nef_u15",
                                      "lb_u18", "bg_alleinerziehend")] == [2, 1, 1, 1, 1, 1, 0]
    assert [(q.zeile, q.spalte) for q in verdict.result.quarantine] == [(9, "B")]
    # keine Personenmerkmale in den Rohzeilen
    assert all(set(r) == {"blatt", "zeile", "spalte", "stichtag", "gebiet_id", "merkmal", "anzahl", "kennzeichen"}
               for r in verdict.result.records)


# --- Arbeitslose, Mindestsicherung ------------------------------------------------------------------

def test_arbeitslose_long_with_mixed_granularity(tmp_path: Path, matcher: GebietMatcher):
    path = write_xlsx(tmp_path / "arbeitslose_2022-12-31.xlsx", {"Arbeitslose": [
        ["Arbeitslose nach Rechtskreisen"],
        ["Gebiet", "Rechtskreis", "Merkmal", "Anzahl"],
        ["A1", "SGB II", "insgesamt", 40],
        ["A1", "SGB III", "insgesamt", 20],
        ["A1", "insgesamt", "unter 25", 6],
        ["A1", "insgesamt", "langzeitarbeitslos", "25"],
        ["A1", "SGB IV", "insgesamt", 1],  # unbekannter Rechtskreis -> Quarantäne
        ["X9", "SGB II", "insgesamt", 5],  # unbekanntes Gebiet -> Quarantäne
    ]})
    verdict = inspect_file(path, matcher)
    assert verdict.ok
    assert cube(verdict, "rechtskreis", "merkmal") == {
        ("A1", "sgb2", "insgesamt"): 40, ("A1", "sgb3", "insgesamt"): 20,
        ("A1", "insgesamt", "unter25"): 6, ("A1", "insgesamt", "langzeitarbeitslos"): 25,
    }
    assert sorted(q.zeile for q in verdict.result.quarantine) == [7, 8]


def test_arbeitslose_wide(tmp_path: Path, matcher: GebietMatcher):
    path = write_xlsx(tmp_path / "arbeitslose_2021-12-31.xlsx", {"Tabelle1": [
        ["Gebiet", "Arbeitslose insgesamt", "SGB II", "SGB III", "Langzeitarbeitslose", "unter 25", "55 und älter"],
        ["A1", 60, 40, 20, 25, 6, 12],
        ["Summe", 60, 40, 20, 25, 6, 12],
    ]})
    verdict = inspect_file(path, matcher)
    assert verdict.ok
    got = cube(verdict, "rechtskreis", "merkmal")
    assert got[("A1", "insgesamt", "insgesamt")] == 60 and got[("A1", "insgesamt", "55plus")] == 12
    assert len(got) == 6


def test_grundsicherung_long_with_age_groups(tmp_path: Path, matcher: GebietMatcher):
    path = write_xlsx(tmp_path / "grundsicherung_2022-12-31.xlsx", {"Mindestsicherung": [
        ["Gebiet", "Leistungsart", "Altersgruppe", "Anzahl"],
        ["A1", "Grundsicherung im Alter", None, 30],
        ["A1", "Grundsicherung bei Erwerbsminderung", "18 bis 64", 12],
        ["A1", "Hilfe zum Lebensunterhalt", None, 4],
        ["A1", "AsylbLG", None, "–"],
        ["A2", "Wohngeld", None, 5],  # keine Leistungsart der Mindestsicherung -> Quarantäne
    ]})
    verdict = inspect_file(path, matcher)
    assert verdict.ok
    assert cube(verdict, "leistungsart", "alter_von", "alter_bis") == {
        ("A1", "grusi_alter", 0, None): 30, ("A1", "grusi_em", 18, 64): 12, ("A1", "hlu", 0, None): 4,
        ("A1", "asylblg", 0, None): 0,
    }
    assert [q.zeile for q in verdict.result.quarantine] == [6]


# --- Kita ---------------------------------------------------------------------------------------------

def test_kita_facilities(tmp_path: Path, matcher: GebietMatcher):
    path = write_xlsx(tmp_path / "kita_2023-03-01.xlsx", {"Einrichtungen": [
        ["Kindertageseinrichtungen, Stand 01.03.2023"],
        ["Einrichtung", "Träger", "Gebiet", "Plätze U3", "Plätze Ü3", "Adresse"],
        ["Kita Sonnenschein", "Stadt", "A1", 12, 45, "Hauptstr. 1"],
        ["Ev. Kindergarten Arche", "ev. Kirche", "A2", None, 50, "Kirchweg 2"],  # ohne U3-Gruppe -> 0
        ["Kita Sonnenschein", "Stadt", "A1", 12, 45, "Hauptstr. 1"],  # doppelt -> Quarantäne
        ["Waldkita", "Elterninitiative", "B3", "-3", 20, None],  # negativ -> Quarantäne
        ["Summe", None, None, 12, 95, None],
    ]})
    verdict = inspect_file(path, matcher)
    assert verdict.ok, verdict.fehler
    assert verdict.stichtag == dt.date(2023, 3, 1)
    got = {(r["einrichtung"], r["gebiet_id"]): (r["plaetze_u3"], r["plaetze_ue3"]) for r in verdict.result.records}
    assert got == {("Kita Sonnenschein", "A1"): (12, 45), ("Ev. Kindergarten Arche", "A2"): (0, 50)}
    assert sorted((q.zeile, q.spalte) for q in verdict.result.quarantine) == [(5, "A"), (6, "D")]
    # Summe: U3 12 + 0 = 12 ✓, Ü3 45 + 50 = 95 ✓
    assert not [m for m in verdict.result.meldungen if m.startswith("Warnung")]
    assert any("1 leere Platzzahl" in m for m in verdict.result.meldungen)


# --- Konferenz ----------------------------------------------------------------------------------------

PERSONEN = [("Erika", "Mustermann", "erika.mustermann@example.org"), ("Max", "Beispiel", "m.beispiel@example.org")]


def konferenz_sheets() -> dict[str, list[list[object]]]:
    return {
        "Veranstaltung": [["Titel", "Sozialraumkonferenz Mitte"], ["Datum", "21.09.2022"], ["Ort", "Rathaus"],
                          ["Format", "Präsenz"], ["Sozialräume", "Mitte, SRB"]],
        "Teilnehmende": [
            ["Vorname", "Name", "E-Mail", "Organisation", "Sektor", "Sozialraum"],
            [*PERSONEN[0], "Diakonie", "freie Wohlfahrtspflege", "Mitte"],
            [*PERSONEN[1], "Stadt, Jugendamt", "Verwaltung", "Gesamtstadt"],
            ["Anna", "Privat", "anna@example.org", None, None, None],  # nur Person: nichts zu laden
        ],
        "Arbeitsgruppen": [["AG", "Sozialraum", "Thema"], ["AG 1", "SRA", "Kinder und Familie"],
                           ["AG 2", "Land", "Mobilität"]],
        "Ergebnisse": [
            ["Nr", "AG", "Sozialraum", "Handlungsfeld", "Art", "Beschreibung", "Priorität"],
            [1, "AG 1", "Mitte", "Kinderbetreuung", "Bedarf", "Zu wenige U3-Plätze, sagt Erika Mustermann", 1],
            [2, "AG 2", "SRB", "Mobilität/ÖPNV", "Bedarf", "Busse fahren abends nicht", 2],
            [3, "AG 1", "Gesamtstadt", "Vernetzung", "Maßnahmenvorschlag", "Koordinierungsstelle einrichten", 1],
            [4, "AG 2", "Mondsee", "Ehrenamt", "Ressource", "Vereine", 3],  # unbekannter Sozialraum
            [5, "AG 2", "SRB", "Astrologie", "Bedarf", "…", 2],  # Handlungsfeld nicht im Vokabular
        ],
        "Maßnahmen": [
            ["Nr", "Bezug Ergebnis", "Titel", "Zuständig", "Status", "Termin", "Gremium"],
            ["M1", "1, 3", "Ausbau U3", "Jugendamt (m.beispiel@example.org)", "beschlossen", "31.12.2023",
             "Sozialausschuss"],
            ["M2", 2, "Nachtbus prüfen", "Verkehrsplanung", "in Umsetzung", None, None],
            ["M3", 2, "Irgendwas", "x", "erledigt?", None, None],  # Status nicht im Vokabular
        ],
    }


def test_konferenz_workbook_read_and_loaded_without_person_data(home: Paths, matcher: GebietMatcher):
    path = write_xlsx(home.inbox / "konferenz_2022-09-21.xlsx", konferenz_sheets())
    verdict = inspect_file(path, matcher)
    assert verdict.ok, verdict.fehler
    assert verdict.quelle == "konferenz" and verdict.stichtag == dt.date(2022, 9, 21)
    tables = verdict.result.tables
    assert tables["raw.konferenz_veranstaltung"][0]["sozialraeume"] == ["SRA", "SRB"]
    assert [(r["organisation"], r["sektor"], r["raum_id"], r["raum_ebene"]) for r in tables["raw.konferenz_teilnehmende"]] == [
        ("Diakonie", "freie Wohlfahrtspflege", "SRA", "sozialraum"), ("Stadt, Jugendamt", "Verwaltung", "09999999", "gemeinde"),
    ]
    assert [(r["ag"], r["raum_id"]) for r in tables["raw.konferenz_arbeitsgruppen"]] == [("AG 1", "SRA"), ("AG 2", "SRB")]
    ergebnisse = tables["raw.konferenz_ergebnisse"]
    assert [(r["nr"], r["raum_id"], r["handlungsfeld"], r["art"], r["prioritaet"]) for r in ergebnisse] == [
        ("1", "SRA", "Kinderbetreuung", "Bedarf", 1), ("2", "SRB", "Mobilität/ÖPNV", "Bedarf", 2),
        ("3", "09999999", "Vernetzung/Koordination", "Maßnahmenvorschlag", 1),
    ]
    assert ergebnisse[0]["beschreibung"] == "Zu wenige U3-Plätze, sagt [Name entfernt] [Name entfernt]"
    massnahmen = tables["raw.konferenz_massnahmen"]
    assert [(r["nr"], r["bezug_ergebnis"], r["status"]) for r in massnahmen] == [
        ("M1", ["1", "3"], "beschlossen"), ("M2", ["2"], "in Umsetzung")]
    assert massnahmen[0]["zustaendig"] == "Jugendamt ([E-Mail entfernt])"
    assert sorted((q.blatt, q.zeile) for q in verdict.result.quarantine) == [
        ("Ergebnisse", 5), ("Ergebnisse", 6), ("Maßnahmen", 4)]

    # Laden in eine echte DuckDB-Datei; danach steht kein Name und keine E-Mail-Adresse in irgendeiner Textspalte.
    with warehouse.connect(home) as con:
        ingest_file(home, con, matcher, path, IngestSummary())
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        assert con.execute("select status from ops.dateien").fetchall() == [("geladen",)]
        assert con.execute("select count(*) from raw.konferenz_ergebnisse").fetchall() == [(3,)]
        assert con.execute("select bezug_ergebnis from raw.konferenz_massnahmen order by nr").fetchall()[0] == (["1", "3"],)
        columns = con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() "
            "where data_type in ('VARCHAR', 'VARCHAR[]') and database_name = current_database()"
        ).fetchall()
        texts = []
        for schema, table, column in columns:
            texts += [str(v[0]) for v in con.execute(f'select "{column}" from {schema}.{table}').fetchall()]
    blob = "\n".join(texts).lower()
    for vorname, name, mail in [*PERSONEN, ("Anna", "Privat", "anna@example.org")]:
        assert name.lower() not in blob and mail.lower() not in blob and vorname.lower() not in blob


def test_konferenz_detected_by_sheet_names(tmp_path: Path, matcher: GebietMatcher):
    path = write_xlsx(tmp_path / "Protokoll Konferenz.xlsx", konferenz_sheets())
    verdict = inspect_file(path, matcher)
    assert verdict.ok and verdict.quelle == "konferenz"
    assert verdict.stichtag == dt.date(2022, 9, 21)


# --- Erkennung der Quelle ------------------------------------------------------------------------------

def test_signature_prefers_the_more_specific_header(tmp_path: Path, matcher: GebietMatcher):
    # „Gebiet, Alter, Anzahl“ passt auch zur Bevölkerung (3 Spalten); mit „Leistungsart“ erkennt die
    # Mindestsicherung 4 Spalten und gewinnt.
    path = write_xlsx(tmp_path / "Auswertung.xlsx", {"Tabelle": [
        ["Stichtag", "Gebiet", "Leistungsart", "Alter", "Anzahl"],
        ["31.12.2022", "A1", "Grundsicherung im Alter", "65+", 30],
    ]})
    verdict = inspect_file(path, matcher)
    assert verdict.ok, verdict.fehler
    assert verdict.quelle == "grundsicherung"


def test_two_sources_in_one_workbook_are_ambiguous(tmp_path: Path, matcher: GebietMatcher):
    path = write_xlsx(tmp_path / "Sammelmappe.xlsx", {
        "Einwohner": [["Stichtag", "Gebiet", "Alter", "Anzahl"], ["31.12.2022", "A1", 5, 10]],
        "Arbeitslose": [["Stichtag", "Gebiet", "Rechtskreis", "Anzahl"], ["31.12.2022", "A1", "SGB II", 4]],
    })
    verdict = inspect_file(path, matcher)
    assert not verdict.ok
    message = verdict.fehler[0]
    assert "nicht eindeutig" in message and "bevoelkerung (Blatt „Einwohner“)" in message
    assert "arbeitslose (Blatt „Arbeitslose“)" in message and "Info" in message


def test_info_sheet_names_source_in_plain_words(tmp_path: Path, matcher: GebietMatcher):
    path = write_xlsx(tmp_path / "Lieferung.xlsx", {
        "Info": [["Quelle", "SGB II"], ["Stichtag", "31.12.2021"], ["Gemeinde", "Teststadt"]],
        "Daten": [["Gebiet", "LB"], ["A1", 100]],
    })
    verdict = inspect_file(path, matcher)
    assert verdict.ok, verdict.fehler
    assert verdict.quelle == "sgb2" and verdict.stichtag == dt.date(2021, 12, 31) and verdict.gemeinde == "09999999"


# --- Formate: ods, xlsm (nur Daten), CSV in UTF-8 mit Komma ------------------------------------------

ARBEITSLOSE_ROWS = [["Gebiet", "Rechtskreis", "Anzahl"], ["A1", "SGB II", 40], ["A2", "SGB III", 7]]


def test_ods_is_read(tmp_path: Path, matcher: GebietMatcher):
    verdict = inspect_file(write_ods(tmp_path / "arbeitslose_2022-12-31.ods", {"Daten": ARBEITSLOSE_ROWS}), matcher)
    assert verdict.ok, verdict.fehler
    assert cube(verdict, "rechtskreis", "merkmal") == {("A1", "sgb2", "insgesamt"): 40, ("A2", "sgb3", "insgesamt"): 7}


def test_xlsm_data_read_macros_ignored(tmp_path: Path, matcher: GebietMatcher):
    path = write_xlsx(tmp_path / "arbeitslose_2022-12-31.xlsm", {"Daten": ARBEITSLOSE_ROWS})
    with zipfile.ZipFile(path, "a") as archive:  # ein Makroprojekt: wird nie gelesen oder ausgeführt
        archive.writestr("xl/vbaProject.bin", b"Sub AutoOpen()\r\n  Kill \"C:\\*.*\"\r\nEnd Sub")
    verdict = inspect_file(path, matcher)
    assert verdict.ok, verdict.fehler
    assert cube(verdict, "rechtskreis", "merkmal")[("A1", "sgb2", "insgesamt")] == 40


def test_csv_utf8_with_commas_and_quoted_german_numbers(tmp_path: Path, matcher: GebietMatcher):
    path = tmp_path / "grundsicherung_2022-12-31.csv"
    path.write_text('Gebiet,Leistungsart,Anzahl\nA1,Grundsicherung im Alter,"1.234"\n'
                    'A2,Hilfe zum Lebensunterhalt,"2,0"\nQuelle: Sozialamt,,\n', encoding="utf-8")
    verdict = inspect_file(path, matcher)
    assert verdict.ok, verdict.fehler
    # „1.234“ = 1234 (Tausenderpunkt), „2,0“ = 2 (Dezimalkomma, ganzzahlig)
    assert cube(verdict, "leistungsart", "alter_von", "alter_bis") == {
        ("A1", "grusi_alter", 0, None): 1234, ("A2", "hlu", 0, None): 2}


def test_footnotes_of_official_statistics_are_skipped():
    from sozial_dwh.readers.table import is_footnote_row

    for text in ["– = nichts vorhanden", "- = nichts vorhanden", ". = Zahlenwert unbekannt oder geheim",
                 "* = aus Datenschutzgründen gesperrt", "x = Tabellenfach gesperrt", "… = Angabe fällt später an",
                 "© Statistik der Bundesagentur für Arbeit", "Quelle: Melderegister", "1) ohne Nebenwohnsitze"]:
        assert is_footnote_row([text, None]), text
    for row in [["101"], ["Zentrum-Nord"], ["A1", 5], ["Stadt insgesamt"]]:
        assert not is_footnote_row(row), row


def test_konferenz_veranstaltung_as_header_and_data_row(home: Paths, matcher: GebietMatcher):
    # „Titel“ in Spalte A ist hier eine Spaltenüberschrift, kein Schlüssel: der Titel ist der Wert darunter.
    sheets = konferenz_sheets()
    sheets["Veranstaltung"] = [["Titel", "Datum", "Ort", "Sozialräume"],
                               ["Konferenz Land", "15.03.2023", "Saalbau", "SRB"]]
    path = write_xlsx(home.inbox / "konferenz.xlsx", sheets)
    verdict = inspect_file(path, matcher)
    assert verdict.ok, verdict.fehler
    veranstaltung = verdict.result.tables["raw.konferenz_veranstaltung"][0]
    assert (veranstaltung["titel"], veranstaltung["datum"], veranstaltung["ort"], veranstaltung["sozialraeume"]) == (
        "Konferenz Land", dt.date(2023, 3, 15), "Saalbau", ["SRB"])
