"""Quelle `merkmale` und erklärte Größen (architektur.md §5.5) – echte Dateien, echter Lauf `sozial-dwh run`, echtes DuckDB.

Teststadt (tests/fixtures.py, AGS 09999999), am 31.12.2022 gültig: A1 (SRA, Nord), A2 (SRA, Süd), B3 (SRB, Nord).
Heutige Gliederung: SRA = A1 + A2, SRB = B3, SB-NORD = A1 + B3, SB-SUED = A2, Gemeinde = A1 + A2 + B3 + „keine Angabe“.
Einwohner 31.12.2022 (fixtures.WIDE_2022): A1 1000, A2 500, B3 2000 – SRA 1500, NORD 3000, Gemeinde 3500.

Lauf 1 (Modul-Fixture `lauf`), Eingang:
- merkmale_2022-12-31.xlsx, Blatt „Info“ (Quelle merkmale), breites Layout, eine Spalte je Merkmal:

      Gebiet           Wohngeldhaushalte  Wanderungssaldo  Angebotsmiete je m²  Bemerkung
      A1                              15              -14  7,85
      A2                               4                3  8.1 (Zahlzelle)
      B3                              26               -2  9,20
      keine Angabe                     3                1  (leer)
      Stadt insgesamt                 48              -12  8,40 (Art „wert“: nicht geladen, nicht verglichen)

  Wohngeldhaushalte: Art anzahl; Wanderungssaldo: Art saldo (negativ erlaubt); Angebotsmiete: Art wert (nicht
  summierbar); „Bemerkung“ ist kein Merkmal (gemeldet, nicht geladen).
- Wohngeld 2021.csv (Quelle an der Kopfzeile erkannt, Stichtag aus der Spalte): lang, 31.12.2021
  A1 -3 (negativ: Quarantäne), A2 6, B3 18.

Zusätzliche Indikatoren nur in der kopierten Referenz (indikatoren.csv), ohne Python und SQL:
  wohngeld_anzahl (wohngeld_hh, ohne Nenner), wanderung_je_1000 (wanderungssaldo / bev_alle × 1000),
  angebotsmiete (angebotsmiete_qm, wie geliefert), miete_je_einwohner (angebotsmiete_qm / bev_alle: nie bildbar).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import pytest

from sozial_dwh.cli import main
from sozial_dwh.config import Paths
from tests.conftest import setup_home
from tests.fixtures import write_wide_2022, write_xlsx

AGS = "09999999"
G, SR, SB, GEM = "gebiet", "sozialraum", "stadtbezirk", "gemeinde"
NORD, SUED = "SB-NORD", "SB-SUED"
S21, S22 = "2021-12-31", "2022-12-31"
EBENEN = [(G, "A1"), (G, "A2"), (G, "B3"), (SR, "SRA"), (SR, "SRB"), (SB, NORD), (SB, SUED), (GEM, AGS)]

ZUSATZ_INDIKATOREN = [
    ["wohngeld_anzahl", "Wohngeldhaushalte", "Haushalte", "1", "merkmale", "wohngeld_hh", "", "1", "0",
     "Haushalte mit Wohngeld (Anzahl)"],
    ["wanderung_je_1000", "Wanderungssaldo je 1.000 Einwohner", "je 1.000", "0", "merkmale", "wanderungssaldo",
     "bev_alle", "1000", "100", "Zuzüge minus Fortzüge je 1.000 Einwohner"],
    ["angebotsmiete", "Angebotsmiete je m²", "Euro je m²", "1", "merkmale", "angebotsmiete_qm", "", "1", "0",
     "Mittlere Angebotsmiete (nicht summierbar, nur für das gelieferte Gebiet)"],
    ["miete_je_einwohner", "Angebotsmiete je Einwohner (unzulässig)", "Euro", "0", "merkmale", "angebotsmiete_qm",
     "bev_alle", "1", "0", "Ein nicht summierbarer Wert in einer Quote: nie bildbar"],
]


def _anhaengen(path: Path, rows: list[list[str]]) -> None:
    """Zeilen an eine Referenz-CSV anhängen (so, wie eine Statistikstelle sie in Excel ergänzt)."""
    text = path.read_text(encoding="utf-8")
    with path.open("a", encoding="utf-8", newline="") as handle:
        if not text.endswith("\n"):
            handle.write("\n")
        csv.writer(handle, lineterminator="\n").writerows(rows)


def _run(paths: Paths) -> None:
    assert main(["run"]) == 0, "sozial-dwh run ist gescheitert"


def _werte(paths: Paths, stichtag: str, indikator: str) -> dict[tuple[str, str], tuple]:
    with duckdb.connect(str(paths.analyse), read_only=True) as con:
        rows = con.execute("select ebene, gebiet_id, wert, zaehler, nenner, hinweis from mart.indikator_werte "
                           "where stichtag = ? and indikator_id = ?", [stichtag, indikator]).fetchall()
    return {(r[0], r[1]): r[2:] for r in rows}


@pytest.fixture(scope="module")
def lauf(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Paths, dict[str, bytes]]]:
    base = tmp_path_factory.mktemp("merkmale")
    with pytest.MonkeyPatch.context() as mp:
        paths = setup_home(base, mp)
        _anhaengen(paths.reference / "indikatoren.csv", ZUSATZ_INDIKATOREN)
        write_wide_2022(paths.inbox)
        write_xlsx(paths.inbox / "merkmale_2022-12-31.xlsx", {
            "Info": [["Quelle", "merkmale"], ["Stichtag", "31.12.2022"]],
            "Merkmale": [
                ["Weitere Merkmale nach Gebieten"], [],
                ["Gebiet", "Bezeichnung", "Wohngeldhaushalte", "Wanderungssaldo", "Angebotsmiete je m²", "Bemerkung"],
                ["A1", "Altstadt", 15, -14, "7,85", None],
                ["A2", "Bahnhof", "4", "3", 8.1, None],
                ["B3", "Berg-Bach", 26, "-2", "9,20", "Neubaugebiet"],
                ["keine Angabe", None, 3, 1, None, None],
                ["Stadt insgesamt", None, 48, -12, "8,40", None],
                [], ["Quelle: Wohngeldstelle, Melderegister, Wohnungsmarktbeobachtung"],
            ]})
        (paths.inbox / "Wohngeld 2021.csv").write_bytes(
            "Stichtag;Gebiet;Merkmal;Anzahl\r\n31.12.2021;A1;Wohngeldhaushalte;-3\r\n"
            "31.12.2021;A2;Wohngeldhaushalte;6\r\n31.12.2021;B3;wohngeld_haushalte;18\r\n".encode("cp1252"))
        geschrieben = {p.name: p.read_bytes() for p in paths.inbox.iterdir()}
        _run(paths)
        yield paths, geschrieben


# --- (a) Werte auf allen vier Ebenen wie von Hand gerechnet -------------------------------------------------------

def test_wohngeld_je_1000_auf_allen_ebenen(lauf):
    paths, _ = lauf
    w = _werte(paths, S22, "wohngeld_je_1000")  # Katalog: Wohngeldhaushalte / Einwohner × 1000, min_nenner 100
    erwartet = {
        (G, "A1"): (15.0, 15, 1000),  # 15 / 1000 × 1000 = 15
        (G, "A2"): (8.0, 4, 500),  # 4 / 500 × 1000 = 8
        (G, "B3"): (13.0, 26, 2000),  # 26 / 2000 × 1000 = 13
        (SR, "SRA"): (12.6667, 19, 1500),  # (15+4) / (1000+500) × 1000 = 12,6667 (Mittel der Quoten wäre 11,5)
        (SR, "SRB"): (13.0, 26, 2000),  # B3
        (SB, NORD): (13.6667, 41, 3000),  # (15+26) / (1000+2000) × 1000 = 13,6667
        (SB, SUED): (8.0, 4, 500),  # A2
        (GEM, AGS): (13.7143, 48, 3500),  # (15+4+26 + 3 keine Angabe) / 3500 × 1000 = 13,7143
    }
    assert sorted(w) == sorted(erwartet)
    for einheit, (wert, zaehler, nenner) in erwartet.items():
        assert w[einheit][:3] == (pytest.approx(wert, abs=1e-4), zaehler, nenner), einheit


def test_saldo_wird_mit_vorzeichen_summiert(lauf):
    paths, _ = lauf
    w = _werte(paths, S22, "wanderung_je_1000")
    erwartet = {
        (G, "A1"): (-14.0, -14, 1000),  # -14 / 1000 × 1000 = -14
        (G, "A2"): (6.0, 3, 500),  # 3 / 500 × 1000 = 6
        (G, "B3"): (-1.0, -2, 2000),  # -2 / 2000 × 1000 = -1
        (SR, "SRA"): (-7.3333, -11, 1500),  # (-14+3) / 1500 × 1000 = -7,3333
        (SR, "SRB"): (-1.0, -2, 2000),
        (SB, NORD): (-5.3333, -16, 3000),  # (-14-2) / 3000 × 1000 = -5,3333
        (SB, SUED): (6.0, 3, 500),
        (GEM, AGS): (-3.4286, -12, 3500),  # (-14+3-2 + 1 keine Angabe) / 3500 × 1000 = -3,4286
    }
    assert sorted(w) == sorted(erwartet)
    for einheit, (wert, zaehler, nenner) in erwartet.items():
        assert w[einheit][:3] == (pytest.approx(wert, abs=1e-4), zaehler, nenner), einheit


def test_lieferung_registriert_und_gemeldet(lauf):
    paths, geschrieben = lauf
    with duckdb.connect(str(paths.analyse), read_only=True) as con:
        dateien = {r[0]: r[1:] for r in con.execute(
            "select dateiname, quelle, status, stichtage, zeilen_geladen, zeilen_quarantaene, meldungen, ablage "
            "from ops.dateien").fetchall()}
        zellen = con.execute("select merkmal, count(*), sum(wert) from core.fact_merkmale where stichtag = ? "
                             "group by merkmal order by merkmal", [S22]).fetchall()
    quelle, status, stichtage, geladen, quarantaene, meldungen, ablage = dateien["merkmale_2022-12-31.xlsx"]
    assert (quelle, status, stichtage, quarantaene) == ("merkmale", "geladen", [dt.date(2022, 12, 31)], 0)
    # 4 Wohngeld + 4 Saldo (A1, A2, B3, keine Angabe) + 3 Mieten (keine Angabe leer) = 11 Zellen
    assert geladen == 11
    assert zellen == [("angebotsmiete_qm", 3, pytest.approx(7.85 + 8.1 + 9.2)),
                      ("wanderungssaldo", 4, -12.0), ("wohngeld_haushalte", 4, 48.0)]
    assert "Spalte F („Bemerkung“) ist kein Merkmal aus merkmale.csv und wird nicht geladen" in meldungen
    assert "Summenzeile für angebotsmiete_qm (Angebotsmiete je m²)" in meldungen and "Art „wert“" in meldungen
    assert "Warnung" not in meldungen  # Summenzeilen der Anzahl (48) und des Saldos (-12) stimmen
    assert Path(ablage).read_bytes() == geschrieben["merkmale_2022-12-31.xlsx"]


# --- (b) Art „wert“ nie summiert; negative Anzahl in Quarantäne -------------------------------------------------

def test_wert_nur_fuer_das_gelieferte_gebiet(lauf):
    paths, _ = lauf
    w = _werte(paths, S22, "angebotsmiete")
    # geliefert für A1, A2, B3 – keine Zeile für Sozialraum, Stadtbezirk oder Gemeinde (weder Summe noch Mittel)
    assert {einheit: wert[:3] for einheit, wert in w.items()} == {
        (G, "A1"): (pytest.approx(7.85), None, None),
        (G, "A2"): (pytest.approx(8.1), None, None),
        (G, "B3"): (pytest.approx(9.2), None, None),
    }
    with duckdb.connect(str(paths.analyse), read_only=True) as con:
        oben = con.execute("select count(*) from mart.indikator_werte where indikator_id in "
                           "('angebotsmiete', 'miete_je_einwohner') and ebene <> 'gebiet'").fetchall()[0][0]
        groessen = con.execute("select gebiet_id, anzahl, wert, additiv from core.groessen_merkmale "
                               "where groesse = 'angebotsmiete_qm' order by gebiet_id").fetchall()
    assert oben == 0
    assert groessen == [("A1", None, pytest.approx(7.85), False), ("A2", None, pytest.approx(8.1), False),
                        ("B3", None, pytest.approx(9.2), False)]
    # in einer Quote geht ein nicht summierbarer Wert nie in Zähler oder Nenner ein
    quote = _werte(paths, S22, "miete_je_einwohner")
    assert sorted(quote) == [(G, "A1"), (G, "A2"), (G, "B3")]
    for wert, zaehler, _nenner, hinweis in quote.values():
        assert wert is None and zaehler is None
        assert "angebotsmiete_qm ist ein nicht summierbarer Wert (Art „wert“)" in hinweis


def test_negative_anzahl_in_quarantaene(lauf):
    paths, geschrieben = lauf
    with duckdb.connect(str(paths.analyse), read_only=True) as con:
        datei = con.execute("select datei_id, quelle, status, stichtage, zeilen_geladen, zeilen_quarantaene, ablage "
                            "from ops.dateien where dateiname = 'Wohngeld 2021.csv'").fetchall()
        datei_id, quelle, status, stichtage, geladen, quarantaene, ablage = datei[0]
        zurueck = con.execute("select quelle, zeile, spalte, grund, wert from quarantine.zeilen where datei_id = ?",
                              [datei_id]).fetchall()
        a1 = con.execute("select count(*) from core.fact_merkmale where stichtag = ? and gebiet_id = 'A1'",
                         [S21]).fetchall()[0][0]
    # Registerzeile: geladen (A2 und B3), eine Zeile in Quarantäne; Quelle an der Kopfzeile, Stichtag aus der Spalte
    assert (quelle, status, stichtage, geladen, quarantaene) == ("merkmale", "geladen", [dt.date(2021, 12, 31)], 2, 1)
    assert Path(ablage).read_bytes() == geschrieben["Wohngeld 2021.csv"]  # byte-gleich im Archiv
    assert len(zurueck) == 1
    q_quelle, zeile, spalte, grund, wert = zurueck[0]
    assert (q_quelle, zeile, spalte, wert) == ("merkmale", 2, "D", "-3")
    assert "ist negativ" in grund and "Art „anzahl“" in grund and "nur bei der Art „saldo“" in grund
    assert a1 == 0
    # kein Wert für A1 und nichts, was A1 enthält; A2 und B3 (und was nur aus ihnen besteht) wie geliefert
    w = _werte(paths, S21, "wohngeld_anzahl")
    for einheit in [(G, "A1"), (SR, "SRA"), (SB, NORD), (GEM, AGS)]:
        assert w[einheit][0] is None and w[einheit][1] is None, einheit
        assert "für Gebiet A1 kein gültiger Wert geliefert" in w[einheit][3], einheit
    assert w[(G, "A2")][:2] == (6.0, 6) and w[(SB, SUED)][:2] == (6.0, 6)  # SUED = A2
    assert w[(G, "B3")][:2] == (18.0, 18) and w[(SR, "SRB")][:2] == (18.0, 18)  # SRB = B3


# --- (c) neues Merkmal und Indikator nur über Referenzdateien -----------------------------------------------------

def test_neues_merkmal_nur_mit_referenzdateien(home: Paths):
    """Hilfen zur Erziehung: eine Zeile in merkmale.csv, eine in groessen.csv (unter 21 Jahren), eine in
    indikatoren.csv – kein Python, kein SQL. Lieferung (Quelle an der Kopfzeile erkannt, zwei Stichtage):

        Stichtag    Gebiet        Altersgruppe   Fälle
        31.12.2022  A1            unter 18          7   \\ 0–17 + 18–20 lückenlos: unter 21 = 9
        31.12.2022  A1            18 bis 20         2   /
        31.12.2022  A1            21 und älter      1   (nicht unter 21)
        31.12.2022  A2            unter 21          4   genau die Größe
        31.12.2022  B3            unter 18         10   \\ unter 21 = 13
        31.12.2022  B3            18 bis 20         3   /
        31.12.2022  keine Angabe  unter 21          1
        31.12.2021  A1, A2, B3    unter 21       5, 3, 9 (nur in dieser Lieferung: neuer Stichtag)
    """
    _anhaengen(home.reference / "merkmale.csv", [[
        "hze_faelle", "Hilfen zur Erziehung", "anzahl", "Fälle", "Jugendamt",
        "Laufende Hilfen zur Erziehung (§§ 27–35 SGB VIII) am Stichtag"]])
    _anhaengen(home.reference / "groessen.csv", [[
        "hze_u21", "merkmale", "Hilfen zur Erziehung unter 21", "hze_faelle", "", "", "", "0", "20", "",
        "Hilfen für junge Menschen unter 21 Jahren"]])
    _anhaengen(home.reference / "indikatoren.csv", [[
        "hze_je_1000", "Hilfen zur Erziehung je 1.000 Einwohner", "je 1.000", "1", "merkmale", "hze_u21", "bev_alle",
        "1000", "100", "Laufende Hilfen zur Erziehung für unter 21-Jährige je 1.000 Einwohner"]])
    write_wide_2022(home.inbox)
    zeilen = [("31.12.2022", "A1", "unter 18", 7), ("31.12.2022", "A1", "18 bis 20", 2),
              ("31.12.2022", "A1", "21 und älter", 1), ("31.12.2022", "A2", "unter 21", 4),
              ("31.12.2022", "B3", "unter 18", 10), ("31.12.2022", "B3", "18 bis 20", 3),
              ("31.12.2022", "keine Angabe", "unter 21", 1),
              ("31.12.2021", "A1", "unter 21", 5), ("31.12.2021", "A2", "unter 21", 3), ("31.12.2021", "B3", "unter 21", 9)]
    text = "Stichtag;Gebiet;Merkmal;Altersgruppe;Fälle\r\n" + "".join(
        f"{tag};{gebiet};Hilfen zur Erziehung;{band};{anzahl}\r\n" for tag, gebiet, band, anzahl in zeilen)
    (home.inbox / "hze_lieferung.csv").write_bytes(text.encode("utf-8"))
    _run(home)

    w = _werte(home, S22, "hze_je_1000")
    erwartet = {
        (G, "A1"): (9.0, 9, 1000),  # (7 + 2) / 1000 × 1000 = 9
        (G, "A2"): (8.0, 4, 500),  # 4 / 500 × 1000 = 8
        (G, "B3"): (6.5, 13, 2000),  # (10 + 3) / 2000 × 1000 = 6,5
        (SR, "SRA"): (8.6667, 13, 1500),  # (9+4) / 1500 × 1000 = 8,6667
        (SR, "SRB"): (6.5, 13, 2000),
        (SB, NORD): (7.3333, 22, 3000),  # (9+13) / 3000 × 1000 = 7,3333
        (SB, SUED): (8.0, 4, 500),
        (GEM, AGS): (7.7143, 27, 3500),  # (9+4+13 + 1 keine Angabe) / 3500 × 1000 = 7,7143
    }
    assert sorted(w) == sorted(erwartet)
    for einheit, (wert, zaehler, nenner) in erwartet.items():
        assert w[einheit][:3] == (pytest.approx(wert, abs=1e-4), zaehler, nenner), einheit

    with duckdb.connect(str(home.analyse), read_only=True) as con:
        stichtage = con.execute("select stichtag, quellen from core.dim_stichtag order by stichtag").fetchall()
        groesse = con.execute("select stichtag, gebiet_id, anzahl from core.groessen_merkmale where groesse = 'hze_u21' "
                              "order by stichtag, gebiet_id").fetchall()
        katalog = con.execute("select quelle, zaehler, nenner from core.dim_indikator where indikator_id = 'hze_je_1000'"
                              ).fetchall()
    # 31.12.2021 kommt nur aus der Merkmalslieferung: in dim_stichtag und als Partition
    assert stichtage == [(dt.date(2021, 12, 31), "merkmale"), (dt.date(2022, 12, 31), "bevoelkerung, merkmale")]
    d21, d22 = dt.date(2021, 12, 31), dt.date(2022, 12, 31)
    assert groesse == [(d21, "A1", 5), (d21, "A2", 3), (d21, "B3", 9),
                       (d22, f"{AGS}-oZ", 1), (d22, "A1", 9), (d22, "A2", 4), (d22, "B3", 13)]
    assert katalog == [("merkmale", "hze_u21", "bev_alle")]
    with dg.DagsterInstance.get() as instance:  # DAGSTER_HOME des Tests, dieselbe Instanz wie `sozial-dwh run`
        assert {S21, S22} <= set(instance.get_dynamic_partitions("stichtag"))
    # und eine Vorlage: vorlage_merkmale.xlsx nennt das neue Merkmal (aus merkmale.csv, nicht aus dem Code)
    from sozial_dwh.templates import write_templates

    [vorlage] = write_templates(home.home / "vorlagen", quellen=["merkmale"])
    mappe = openpyxl.load_workbook(vorlage)
    texte = [str(zelle.value) for blatt in mappe.worksheets for zeile in blatt.iter_rows() for zelle in zeile
             if zelle.value is not None]
    assert any("hze_faelle" in t or "Hilfen zur Erziehung" in t for t in texte)


# --- Prüfregeln, wenn sich der Katalog nach dem Laden ändert --------------------------------------------------------

def test_pruefregeln_nach_aenderung_des_katalogs(home: Paths):
    """Geladen wird nach dem Katalog von heute; ändert er sich, prüft der nächste Lauf die gespeicherten Zellen neu
    (Great Expectations auf staging.stg_merkmale): wird der Wanderungssaldo zur Art „anzahl“, ist -14 ein Fehler;
    fehlt die Angebotsmiete im Katalog, ist sie nicht mehr erklärt. Beides geht mit Regel in die Quarantäne."""
    write_xlsx(home.inbox / "merkmale_2022-12-31.xlsx", {"Werte": [
        ["Gebiet", "Wanderungssaldo", "Angebotsmiete je m²"],
        ["A1", -14, "7,85"], ["A2", 3, 8.1], ["B3", -2, "9,20"]]})
    _run(home)
    with duckdb.connect(str(home.analyse), read_only=True) as con:
        assert con.execute("select count(*) from staging.stg_merkmale").fetchall()[0][0] == 6
        assert con.execute("select count(*) from quarantine.zeilen").fetchall()[0][0] == 0

    katalog = home.reference / "merkmale.csv"
    zeilen = katalog.read_text(encoding="utf-8").splitlines()
    zeilen = [z.replace("wanderungssaldo,Wanderungssaldo,saldo,", "wanderungssaldo,Wanderungssaldo,anzahl,")
              for z in zeilen if not z.startswith("angebotsmiete_qm,")]
    katalog.write_text("\n".join(zeilen) + "\n", encoding="utf-8")
    _run(home)
    with duckdb.connect(str(home.analyse), read_only=True) as con:
        zurueck = con.execute("select pruefung, zeile, spalte, wert from quarantine.zeilen "
                              "order by pruefung, zeile").fetchall()
        bleiben = con.execute("select gebiet_id, merkmal, wert from staging.stg_merkmale order by gebiet_id").fetchall()
    # Zeilen 2 und 4 = A1 und B3 (Saldo -14 und -2 jetzt negative Anzahlen), Zeilen 2–4 = Angebotsmiete (nicht mehr
    # erklärt); übrig bleibt A2 mit 3
    assert zurueck == [("merkmale_anzahl_nicht_negativ", 2, "anzahl", "-14.0"),
                       ("merkmale_anzahl_nicht_negativ", 4, "anzahl", "-2.0"),
                       ("merkmale_merkmal_erklaert", 2, "merkmal", "angebotsmiete_qm"),
                       ("merkmale_merkmal_erklaert", 3, "merkmal", "angebotsmiete_qm"),
                       ("merkmale_merkmal_erklaert", 4, "merkmal", "angebotsmiete_qm")]
    assert bleiben == [("A2", "wanderungssaldo", 3.0)]


# --- Leser und Referenzdaten ohne Lauf ------------------------------------------------------------------------------

def _pruefen(path: Path, paths: Paths):
    from sozial_dwh.ingest import inspect_file
    from sozial_dwh.reference import GebietMatcher, load_gebiete

    return inspect_file(path, GebietMatcher(load_gebiete(paths.reference), paths.reference))


def test_kopfzeile_unterscheidet_merkmale_von_arbeitslosen(home: Paths, tmp_path: Path):
    """`Gebiet`, `Merkmal`, `Anzahl` ohne Blatt „Info“ und ohne Datum im Namen: die Werte entscheiden."""
    merkmale = tmp_path / "lieferung_a.csv"
    merkmale.write_text("Gebiet;Merkmal;Anzahl\nA1;Wohngeldhaushalte;12\nA2;wohngeld_haushalte;5\n", encoding="utf-8")
    arbeitslose = tmp_path / "lieferung_b.csv"
    arbeitslose.write_text("Gebiet;Merkmal;Anzahl\nA1;langzeitarbeitslos;12\nA2;unter 25;5\n", encoding="utf-8")
    assert _pruefen(merkmale, home).quelle == "merkmale"
    assert _pruefen(arbeitslose, home).quelle == "arbeitslose"


def test_zahlen_nach_der_art_des_merkmals(home: Paths, tmp_path: Path):
    path = tmp_path / "merkmale_2022-12-31.csv"
    path.write_text("Gebiet;Merkmal;Wert\n"
                    "A1;Angebotsmiete je m²;1.234\n"  # Art wert: deutsch 1234, englisch 1,234 – mehrdeutig
                    "A2;Angebotsmiete je m²;8,15\n"  # Art wert: 8,15
                    "B3;Angebotsmiete je m²;12,5 %\n"  # Art wert: 12,5
                    "A1;Wohngeldhaushalte;12,5\n"  # Art anzahl: keine ganze Zahl
                    "A2;Wanderungssaldo;3,000\n"  # Art saldo: deutsch 3, englisch 3000 – mehrdeutig
                    "B3;Wanderungssaldo;-7\n", encoding="utf-8")
    verdict = _pruefen(path, home)
    assert verdict.ok, verdict.fehler
    werte = {(r["gebiet_id"], r["merkmal"]): r["wert"] for r in verdict.result.records}
    assert werte == {("A2", "angebotsmiete_qm"): 8.15, ("B3", "angebotsmiete_qm"): 12.5,
                     ("B3", "wanderungssaldo"): -7.0}
    gruende = {q.zeile: q.grund for q in verdict.result.quarantine}
    assert sorted(gruende) == [2, 5, 6]
    assert "mehrdeutig" in gruende[2] and "Art „wert“" in gruende[2]
    assert "keine ganze Zahl" in gruende[5] and "Art „anzahl“" in gruende[5]
    assert "mehrdeutig" in gruende[6] and "Art „saldo“" in gruende[6]


def test_merkmal_in_zwei_spalten_wird_nicht_geraten(home: Paths, tmp_path: Path):
    path = write_xlsx(tmp_path / "merkmale_2022-12-31.xlsx", {"Daten": [
        ["Gebiet", "wohngeld_haushalte", "Wohngeldhaushalte"], ["A1", 12, 13]]})
    verdict = _pruefen(path, home)
    assert not verdict.ok
    assert "wohngeld_haushalte (Wohngeldhaushalte) steht in mehreren Spalten: B („wohngeld_haushalte“) und C" \
        in verdict.fehler[0]


@pytest.mark.parametrize(("datei", "zeile", "erwartet"), [
    ("merkmale.csv", "hze,HzE,durchschnitt,Fälle,Jugendamt,", "merkmale.csv, Zeile 5, Spalte art: „durchschnitt“ ist keine Art"),
    ("merkmale.csv", "wohngeld,Wohngeldhaushalte,anzahl,,,", "„Wohngeldhaushalte“ bezeichnet schon das Merkmal"),
    ("groessen.csv", "hze_u21,merkmale,HzE unter 21,hze_faelle,,,,0,20,,",
     "groessen.csv, Zeile 29, Spalte merkmal: „hze_faelle“ steht nicht in merkmale.csv"),
    ("groessen.csv", "alo_frauen,arbeitslose,Arbeitslose Frauen,insgesamt,w,,,,,,",
     "Spalte geschlecht: die Quelle arbeitslose wählt Größen nicht nach geschlecht aus"),
    ("groessen.csv", "bev_u18,bevoelkerung,doppelt,,,,,0,17,,", "Spalte groesse: „bev_u18“ ist schon in Zeile 6 erklärt"),
])
def test_fehler_in_den_referenzdateien_nennen_datei_zeile_spalte(home: Paths, datei: str, zeile: str, erwartet: str):
    from sozial_dwh.reference import ReferenceError, load_groessen

    _anhaengen(home.reference / datei, [zeile.split(",")])
    with pytest.raises(ReferenceError) as fehler:
        load_groessen(home.reference)
    assert erwartet in str(fehler.value)


def test_lieferungen_ersetzen_einander_je_merkmal(home: Paths):
    """Eine Datei je Merkmal (Stichtag 31.12.2022, in Namensreihenfolge geladen): eine neue Wohngeld-Lieferung ersetzt
    die frühere Wohngeld-Lieferung, nicht die des Saldos; eine Korrektur mit weniger Gebieten wird abgelehnt."""
    info = [["Quelle", "merkmale"], ["Stichtag", "31.12.2022"]]
    write_xlsx(home.inbox / "a_wohngeld.xlsx", {"Info": info, "Daten": [
        ["Gebiet", "Wohngeldhaushalte"], ["A1", 15], ["A2", 4], ["B3", 26]]})
    write_xlsx(home.inbox / "b_saldo.xlsx", {"Info": info, "Daten": [
        ["Gebiet", "Wanderungssaldo"], ["A1", -14], ["A2", 3], ["B3", -2]]})
    write_xlsx(home.inbox / "c_wohngeld_teil.xlsx", {"Info": info, "Daten": [["Gebiet", "Wohngeldhaushalte"], ["A1", 16]]})
    write_xlsx(home.inbox / "d_wohngeld_neu.xlsx", {"Info": info, "Daten": [
        ["Gebiet", "Wohngeldhaushalte"], ["A1", 17], ["A2", 5], ["B3", 27]]})
    _run(home)
    with duckdb.connect(str(home.analyse), read_only=True) as con:
        dateien = {r[0]: r[1:] for r in con.execute(
            "select dateiname, status, datei_id, ersetzt_durch, meldungen from ops.dateien").fetchall()}
        zellen = con.execute("select merkmal, gebiet_id, wert, datei_id from core.fact_merkmale "
                             "order by merkmal, gebiet_id").fetchall()
    a, b, c, d = (dateien[n] for n in ("a_wohngeld.xlsx", "b_saldo.xlsx", "c_wohngeld_teil.xlsx", "d_wohngeld_neu.xlsx"))
    assert (a[0], a[2]) == ("ersetzt", d[1])  # a ersetzt durch d (dasselbe Merkmal, alle Gebiete)
    assert (b[0], b[2]) == ("geladen", None)  # b bleibt: d enthält den Saldo nicht
    assert c[0] == "abgelehnt" and d[0] == "geladen"
    assert ("für den Stichtag 31.12.2022 und Merkmal wohngeld_haushalte die früher geladene Datei a_wohngeld.xlsx"
            in c[3]) and "enthält aber 2 ihrer 3 Gebiete nicht: A2 Bahnhof, B3 Berg-Bach" in c[3]
    assert zellen == [("wanderungssaldo", "A1", -14.0, b[1]), ("wanderungssaldo", "A2", 3.0, b[1]),
                      ("wanderungssaldo", "B3", -2.0, b[1]), ("wohngeld_haushalte", "A1", 17.0, d[1]),
                      ("wohngeld_haushalte", "A2", 5.0, d[1]), ("wohngeld_haushalte", "B3", 27.0, d[1])]
