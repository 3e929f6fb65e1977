"""Zahlen, denen man trauen kann: unfreundliche Dateien geben nie einen stillen falschen Wert (architektur.md §5.1).

Jede Klasse aus dem Issue „Numbers you can trust“ mit echten Dateien (xlsx, csv, ods), die der Test schreibt:
1. Stichtage in beliebiger Reihenfolge (alle Reihenfolgen, über mehrere Läufe) und widersprüchliche Stichtage,
2. Zahlen, die vom Gebietsschema abhängen („3,000“), Prozent in Anzahlspalten, Tausender mit Leerzeichen,
3. ausgeblendete Blätter, zwei Datenblätter, zwei Spalten für dieselbe Angabe,
4. fehlende optionale Spalten (nie die Werte einer Nachbarspalte, nie 0 statt unbekannt),
5. unvollständige Korrekturen,
6. Zwischensummen mit dem Namen eines Gebiets,
7. Langformat: „insgesamt“ gegen die Summe der Teile.
Geprüft werden Meldung (was, wo, was tun), byte-gleiche Kopie, Registerzeile und – in echten Dagster-Läufen –
dass kein falscher Wert in mart.indikator_werte ankommt. Alle Zahlen sind von Hand nachgerechnet (Kommentare).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import os
import time
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import pytest

from pipelines.ausfuehren import alles_ausfuehren
from sozial_dwh import warehouse
from sozial_dwh.config import Paths
from sozial_dwh.ingest import IngestSummary, ingest_inbox
from sozial_dwh.reference import GebietMatcher, load_gebiete
from tests.conftest import setup_home
from tests.fixtures import GEBIETE_CSV, write_ods, write_wide_2022, write_xlsx

AGS = "09999999"


# --- Hilfen --------------------------------------------------------------------------------------


def sha(path_or_bytes) -> str:
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()
    return hashlib.sha256(data).hexdigest()


_ORIGINAL: dict[Path, str] = {}  # SHA-256 jeder Datei, wie der Test sie in den Eingang gelegt hat


def fertig(path: Path) -> Path:
    """Änderungszeit in die Vergangenheit: die Datei gilt als fertig geschrieben. Merkt sich ihre SHA-256."""
    past = time.time() - 3600
    os.utime(path, (past, past))
    _ORIGINAL[path] = sha(path)
    return path


def sha_vorher(path: Path) -> str:
    """SHA-256 der Datei, wie sie in den Eingang gelegt wurde (sie ist nach dem Lauf dort nicht mehr)."""
    return _ORIGINAL[path]


def csv_datei(folder: Path, name: str, lines: list[str], encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes("\r\n".join(lines).encode(encoding))
    return fertig(path)


def eingang(home: Paths) -> IngestSummary:
    matcher = GebietMatcher(load_gebiete(home.reference))
    with warehouse.connect(home) as con:
        return ingest_inbox(home, con, matcher, pause_s=0)


def query(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def registerzeile(home: Paths, name: str) -> tuple:
    rows = query(home.warehouse, "select status, sha256, ablage, meldungen, datei_id from ops.dateien "
                                 "where dateiname = ?", [name])
    assert len(rows) == 1, rows
    return rows[0]


def abgelehnt(home: Paths, name: str, original_sha: str, *worte: str) -> str:
    """Abgelehnt mit Registerzeile, byte-gleicher Kopie und Fehlerbericht; nichts aus der Datei in raw."""
    status, digest, ablage, meldungen, datei_id = registerzeile(home, name)
    assert status == "abgelehnt", meldungen
    assert digest == original_sha == sha(ablage)
    assert Path(ablage).parent == home.rejected
    bericht = Path(ablage + ".fehler.txt").read_text(encoding="utf-8")
    for wort in worte:
        assert wort in meldungen, (wort, meldungen)
        assert wort in bericht, (wort, bericht)
    for table in ("raw.bevoelkerung", "raw.sgb2", "raw.kita"):
        assert query(home.warehouse, f"select count(*) from {table} where datei_id = ?", [datei_id]) == [(0,)]
    return meldungen


def geladen(home: Paths, name: str, original_sha: str) -> tuple[str, int]:
    status, digest, ablage, meldungen, datei_id = registerzeile(home, name)
    assert status == "geladen", meldungen
    assert digest == original_sha == sha(ablage)
    return meldungen, datei_id


def quarantaene(home: Paths, datei_id: int) -> list[tuple]:
    return query(home.warehouse, "select blatt, zeile, spalte, grund, wert from quarantine.zeilen where datei_id = ? "
                                 "order by zeile", [datei_id])


def zellen(home: Paths, datei_id: int) -> dict[tuple, int | None]:
    rows = query(home.warehouse, "select gebiet_id, alter_von, alter_bis, geschlecht, anzahl from raw.bevoelkerung "
                                 "where datei_id = ?", [datei_id])
    return {(g, von, bis, sex): n for g, von, bis, sex, n in rows}


def lauf(instance: dg.DagsterInstance) -> None:
    result = alles_ausfuehren(instance, raise_on_error=False)
    assert result.success


def mart(home: Paths, indikator: str, stichtag: str) -> dict[tuple[str, str], tuple]:
    rows = query(home.analyse, "select ebene, gebiet_id, wert, zaehler, nenner, hinweis from mart.indikator_werte "
                               "where indikator_id = ? and stichtag = ?", [indikator, stichtag])
    return {(r[0], r[1]): r[2:] for r in rows}


def langform(gebiete: dict[str, tuple[int, int, int]], stichtag_spalte: str | None = None) -> list[list[object]]:
    """Langformat je Gebiet: unter 18, 18 bis 64, 65 und älter (Geschlecht insgesamt)."""
    kopf = ["Gebiet", "Altersgruppe", "Anzahl"] + (["Stichtag"] if stichtag_spalte else [])
    rows: list[list[object]] = [kopf]
    for gebiet, werte in gebiete.items():
        for band, wert in zip(("unter 18", "18 bis 64", "65 und älter"), werte, strict=True):
            rows.append([gebiet, band, wert] + ([stichtag_spalte] if stichtag_spalte else []))
    return rows


# --- 1. Stichtage in jeder Reihenfolge -----------------------------------------------------------

# Bevölkerung (unter 18, 18–64, 65+) je Gebiet. B1/B2 gelten bis 2019, B3 ab 2020.
LIEFERUNGEN = {
    "bevoelkerung_2018-12-31.xlsx": {"A1": (200, 600, 200), "A2": (100, 300, 100), "B1": (150, 400, 150),
                                     "B2": (50, 200, 50)},  # 1000 + 500 + 700 + 300 = 2500, unter 18: 500
    "bevoelkerung_2019-12-31.xlsx": {"A1": (210, 600, 200), "A2": (100, 310, 100), "B1": (150, 400, 160),
                                     "B2": (50, 200, 60)},  # 1010 + 510 + 710 + 310 = 2540
    # Korrektur 2019: A1 unter 18 = 220 statt 210 -> 1020 + 510 + 710 + 310 = 2550, unter 18: 220+100+150+50 = 520
    "bevoelkerung_2019-12-31_korrektur.xlsx": {"A1": (220, 600, 200), "A2": (100, 310, 100), "B1": (150, 400, 160),
                                               "B2": (50, 200, 60)},
    "bevoelkerung_2020-12-31.xlsx": {"A1": (220, 610, 200), "A2": (100, 300, 110),
                                     "B3": (200, 600, 210)},  # 1030 + 510 + 1010 = 2550
}
ORIGINAL, KORREKTUR = "bevoelkerung_2019-12-31.xlsx", "bevoelkerung_2019-12-31_korrektur.xlsx"
# Eine Korrektur ist die spätere Lieferung: sie kommt nach dem Original (sonst wäre das Original die Korrektur).
REIHENFOLGEN = [order for order in itertools.permutations(LIEFERUNGEN)
                if order.index(ORIGINAL) < order.index(KORREKTUR)]


def alle_werte(home: Paths) -> list[tuple]:
    rows = query(home.analyse, "select stichtag, ebene, gebiet_id, indikator_id, wert, zaehler, nenner, veraenderung "
                               "from mart.indikator_werte order by all")
    return [tuple(round(v, 9) if isinstance(v, float) else v for v in row) for row in rows]


def liefere_nacheinander(base: Path, reihenfolge, monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    home = setup_home(base, monkeypatch)
    instance = dg.DagsterInstance.ephemeral()
    for name in reihenfolge:  # je Datei ein eigener Lauf
        fertig(write_xlsx(home.inbox / name, {"Daten": langform(LIEFERUNGEN[name])}))
        lauf(instance)
    status = dict(query(home.warehouse, "select dateiname, status from ops.dateien"))
    assert status == {**dict.fromkeys(LIEFERUNGEN, "geladen"), ORIGINAL: "ersetzt"}
    return alle_werte(home)


def test_stichtage_in_every_order_give_the_same_mart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    assert len(REIHENFOLGEN) == 12  # 4! / 2
    erwartet = liefere_nacheinander(tmp_path / "der_reihe_nach", REIHENFOLGEN[0], monkeypatch)
    werte = {(s, e, g, i): (w, z, n, v) for s, e, g, i, w, z, n, v in erwartet}
    # Handrechnung (Gemeinde): Einwohner 2018 = 2500, 2019 = 2550 (Korrektur, nicht 2540), 2020 = 2550
    assert werte[(dt.date(2018, 12, 31), "gemeinde", AGS, "bev_insgesamt")][0] == 2500
    assert werte[(dt.date(2019, 12, 31), "gemeinde", AGS, "bev_insgesamt")][0] == 2550
    assert werte[(dt.date(2019, 12, 31), "gemeinde", AGS, "bev_insgesamt")][3] == 50  # Veränderung 2550 − 2500
    assert werte[(dt.date(2020, 12, 31), "gemeinde", AGS, "bev_insgesamt")][3] == 0
    # Anteil unter 18 am 31.12.2019: 520 / 2550 (korrigiert); Gebiet A1: 220 / 1020
    assert werte[(dt.date(2019, 12, 31), "gemeinde", AGS, "anteil_u18")][:3] == (
        round(100 * 520 / 2550, 9), 520, 2550)
    assert werte[(dt.date(2019, 12, 31), "gebiet", "A1", "anteil_u18")][:3] == (round(100 * 220 / 1020, 9), 220, 1020)
    for nummer, reihenfolge in enumerate(REIHENFOLGEN[1:], start=1):
        assert liefere_nacheinander(tmp_path / f"reihenfolge_{nummer}", reihenfolge, monkeypatch) == erwartet, \
            reihenfolge


def test_stichtag_in_info_differs_from_file_name(home: Paths):
    # Blatt „Info“ sagt 2018, der Dateiname 2019: welcher gilt, wird nicht geraten
    path = fertig(write_xlsx(home.inbox / "bevoelkerung_2019-12-31.xlsx", {
        "Info": [["Quelle", "Bevölkerung"], ["Stichtag", "31.12.2018"]],
        "Daten": langform({"A1": (1, 2, 3)})}))
    original = sha(path)
    summary = eingang(home)
    assert summary.abgelehnt == ["bevoelkerung_2019-12-31.xlsx"]
    abgelehnt(home, path.name, original, "Stichtag widersprüchlich", "Blatt „Info“ nennt 31.12.2018",
              "der Dateiname 31.12.2019", "berichtigen")


@pytest.mark.parametrize("format_", ["csv", "ods"])
def test_stichtag_column_differs_from_file_name(home: Paths, format_: str):
    # Spalte „Stichtag“ nennt 2018, der Dateiname 2019 – auch der spaltenweise Weg darf nicht still 2018 laden
    rows = langform({"A1": (10, 20, 30), "A2": (1, 2, 3)}, stichtag_spalte="31.12.2018")
    name = f"bevoelkerung_2019-12-31.{format_}"
    if format_ == "csv":
        path = csv_datei(home.inbox, name, [";".join(map(str, row)) for row in rows], "cp1252")
    else:
        path = fertig(write_ods(home.inbox / name, {"Daten": rows}))
    original = sha(path)
    eingang(home)
    abgelehnt(home, name, original, "Stichtag widersprüchlich", "Zeile 2, Spalte D nennt 31.12.2018",
              "Dateiname nennt 31.12.2019")


# --- 2. Zahlen ------------------------------------------------------------------------------------


def test_locale_dependent_and_percent_counts_are_quarantined(home: Paths):
    # Komma-CSV: „3,000“ ist deutsch 3, englisch 3000 -> Quarantäne, nie 3 oder 3000; „12 %“ ist keine Anzahl;
    # „1 234“ mit schmalem geschütztem Leerzeichen (DIN 5008) ist 1234; „12 34“ ist keine Dreiergruppe
    lines = ["Gebiet,Altersgruppe,Anzahl", 'A1,unter 18,"3,000"', "A1,18 bis 64,12 %", "A1,65 und älter,\u202f1\u202f234",
             'A2,unter 18,"1 234"', "A2,18 bis 64,12 34", "A2,65 und älter,\u2009999"]
    path = csv_datei(home.inbox, "bevoelkerung_2022-12-31.csv", lines)
    assert eingang(home).geladen == [path.name]
    meldungen, datei_id = geladen(home, path.name, sha_vorher(path))
    got = zellen(home, datei_id)
    assert got == {("A1", 65, None, "insgesamt"): 1234, ("A2", 0, 17, "insgesamt"): 1234,
                   ("A2", 65, None, "insgesamt"): 999}
    q = quarantaene(home, datei_id)
    assert [(z, s) for _, z, s, _, _ in q] == [(2, "C"), (3, "C"), (6, "C")]
    assert "„3,000“ ist mehrdeutig: deutsch gelesen 3 (Dezimalkomma), englisch gelesen 3000" in q[0][3]
    assert "„12 %“ ist eine Prozentangabe" in q[1][3]
    assert "„12 34“ ist keine Zahl" in q[2][3]
    assert "Zeile 2, Spalte C: Anzahl: „3,000“ ist mehrdeutig" in meldungen  # CSV: ohne Blatt


def test_invisible_character_is_named_in_the_message(home: Paths, tmp_path: Path):
    # ein Breite-null-Leerzeichen ist unsichtbar: die Meldung muss es benennen, sonst sieht niemand den Fehler
    path = fertig(write_xlsx(home.inbox / "bevoelkerung_2022-12-31.xlsx", {"Daten": [
        ["Gebiet", "Alter", "Anzahl"], ["A1", "0-17", "1\u200b234"], ["A2", "0-17", 7]]}))
    eingang(home)
    _, datei_id = geladen(home, path.name, sha_vorher(path))
    assert zellen(home, datei_id) == {("A2", 0, 17, "insgesamt"): 7}
    (_, zeile, spalte, grund, _), = quarantaene(home, datei_id)
    assert (zeile, spalte) == (2, "C")
    assert "(enthält Breite-null-Leerzeichen U+200B) ist keine Zahl" in grund


def test_ods_comma_thousands_quarantined(home: Paths):
    path = fertig(write_ods(home.inbox / "bevoelkerung_2022-12-31.ods", {"Tabelle1": [
        ["Gebiet", "Alter", "Anzahl"], ["A1", "0-17", "2,500"], ["A2", "0-17", "1.500"], ["A2", "18+", "1,234,567"]]}))
    eingang(home)
    _, datei_id = geladen(home, path.name, sha_vorher(path))
    assert zellen(home, datei_id) == {("A2", 0, 17, "insgesamt"): 1500}  # „1.500“: deutscher Tausenderpunkt
    gruende = [g for _, _, _, g, _ in quarantaene(home, datei_id)]
    assert "mehrdeutig" in gruende[0] and "englischer Schreibweise" in gruende[1]


# --- 3. Blätter und Spalten -----------------------------------------------------------------------


def test_hidden_sheet_is_never_read(home: Paths):
    # das ausgeblendete Blatt „2021“ mit den Vorjahreszahlen steht vorne; gelesen wird nur das sichtbare „2022“
    workbook = openpyxl.Workbook()
    alt = workbook.active
    alt.title = "2021"
    for row in langform({"A1": (9, 9, 9), "A2": (9, 9, 9)}):
        alt.append(row)
    alt.sheet_state = "hidden"
    neu = workbook.create_sheet("2022")
    for row in langform({"A1": (100, 200, 300), "A2": (10, 20, 30)}):
        neu.append(row)
    path = home.inbox / "bevoelkerung_2022-12-31.xlsx"
    workbook.save(path)
    fertig(path)
    eingang(home)
    meldungen, datei_id = geladen(home, path.name, sha_vorher(path))
    assert zellen(home, datei_id) == {("A1", 0, 17, "insgesamt"): 100, ("A1", 18, 64, "insgesamt"): 200,
                                      ("A1", 65, None, "insgesamt"): 300, ("A2", 0, 17, "insgesamt"): 10,
                                      ("A2", 18, 64, "insgesamt"): 20, ("A2", 65, None, "insgesamt"): 30}
    assert "Ausgeblendete Blätter werden nie gelesen (architektur.md §5.1): „2021“" in meldungen


def test_two_visible_data_sheets_are_ambiguous_until_info_names_one(home: Paths):
    sheets = {"2021": langform({"A1": (9, 9, 9)}), "2022": langform({"A1": (1, 2, 3)})}
    path = fertig(write_xlsx(home.inbox / "bevoelkerung_2022-12-31.xlsx", sheets))
    original = sha(path)
    eingang(home)
    abgelehnt(home, path.name, original, "die Blätter „2021“ und „2022“ enthalten beide eine Tabelle",
              "nicht geraten", "Zeile „Blatt“")
    # dieselbe Datei mit Blatt „Info“, Zeile „Blatt: 2022“ wird geladen – aus dem genannten Blatt
    path = fertig(write_xlsx(home.inbox / "bevoelkerung_2022-12-31_blatt.xlsx",
                             {"Info": [["Quelle", "bevoelkerung"], ["Blatt", "2022"]], **sheets}))
    eingang(home)
    _, datei_id = geladen(home, path.name, sha_vorher(path))
    assert zellen(home, datei_id) == {("A1", 0, 17, "insgesamt"): 1, ("A1", 18, 64, "insgesamt"): 2,
                                      ("A1", 65, None, "insgesamt"): 3}


def test_two_columns_for_the_same_cell_are_rejected(home: Paths):
    # zwei Spalten „Insgesamt“, die alte ausgeblendet (Spalte C), die neue in D
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Gebiet", "Bezeichnung", "Insgesamt", "Insgesamt", "unter 18", "18 und älter"])
    sheet.append(["A1", "Altstadt", 990, 1000, 170, 830])
    sheet.column_dimensions["C"].hidden = True
    path = home.inbox / "bevoelkerung_2022-12-31.xlsx"
    workbook.save(path)
    fertig(path)
    original = sha(path)
    # und eine CSV mit „Gebiet“ und „Bezirk“ (beides Synonyme für das Gebiet)
    csv_path = csv_datei(home.inbox, "bevoelkerung_2021-12-31.csv", [
        "Bezirk;Gebiet;Altersgruppe;Anzahl", "Nord;A1;unter 18;5", "Süd;A2;unter 18;6"])
    csv_original = sha(csv_path)
    eingang(home)
    abgelehnt(home, path.name, original, "„Insgesamt“ steht in mehreren Spalten: C („Insgesamt“) und D („Insgesamt“)",
              "auch ausgeblendete Spalten")
    abgelehnt(home, csv_path.name, csv_original, "„Gebiet“ steht in mehreren Spalten: A („Bezirk“) und B („Gebiet“)")


# --- 4. Fehlende optionale Spalten -----------------------------------------------------------------


def test_remark_column_after_count_is_never_read_as_stichtag(home: Paths):
    # keine Spalte „Stichtag“ (er kommt aus dem Dateinamen); die Bemerkung hinter „Anzahl“ enthält Daten
    lines = ["Gebiet;Alter;Anzahl;Bemerkung"] + [f"A1;{a};{n};2018-12-31" for a, n in ((5, 11), (6, 12))] + [
        "A2;5;13;geschätzt"]
    path = csv_datei(home.inbox, "bevoelkerung_2022-12-31.csv", lines)
    eingang(home)
    _, datei_id = geladen(home, path.name, sha_vorher(path))
    assert query(home.warehouse, "select distinct stichtag from raw.bevoelkerung where datei_id = ?",
                 [datei_id]) == [(dt.date(2022, 12, 31),)]
    assert zellen(home, datei_id) == {("A1", 5, 5, "insgesamt"): 11, ("A1", 6, 6, "insgesamt"): 12,
                                      ("A2", 5, 5, "insgesamt"): 13}
    assert quarantaene(home, datei_id) == []


def personen(spalte_nach_status: str) -> list[list[object]]:
    """SGB-II-Personendatensätze 2022: A1 BG 1 (2 Personen), BG 2 (1); A2 BG 3 (1). Letzte Spalte = `ja` bei BG 1."""
    kopf = ["BG-Nummer", "Person-Nummer", "Alter", "Status", "Gebiet", spalte_nach_status]
    return [kopf, ["1", "11", 34, "ELB", "A1", "ja"], ["1", "12", 5, "NEF", "A1", "ja"],
            ["2", "21", 50, "ELB", "A1", "nein"], ["3", "31", 40, "ELB", "A2", "nein"]]


def test_missing_single_parent_column_is_unknown_not_read_from_neighbour(home: Paths):
    # ohne „Alleinerziehend“, aber mit „Schwerbehindert“ danach: früher 1 von 2 BG in A1 = 50 % aus der falschen
    # Spalte; jetzt ist die Zahl unbekannt (NULL, Kennzeichen nicht_geliefert)
    path = fertig(write_xlsx(home.inbox / "sgb2_2022-12-31.xlsx", {"Personen": personen("Schwerbehindert")}))
    eingang(home)
    meldungen, datei_id = geladen(home, path.name, sha_vorher(path))
    rows = dict(((g, m), (n, k)) for g, m, n, k in query(
        home.warehouse, "select gebiet_id, merkmal, anzahl, kennzeichen from raw.sgb2 where datei_id = ?", [datei_id]))
    assert rows[("A1", "bg_alleinerziehend")] == (None, "nicht_geliefert")
    assert rows[("A2", "bg_alleinerziehend")] == (None, "nicht_geliefert")
    assert rows[("A1", "bedarfsgemeinschaften")] == (2, None) and rows[("A1", "leistungsberechtigte")] == (3, None)
    assert "Spalte „Alleinerziehend“ fehlt" in meldungen
    # mit der Spalte zählt BG 1 in A1 als alleinerziehend: 1
    path = fertig(write_xlsx(home.inbox / "sgb2_2021-12-31.xlsx", {"Personen": personen("Alleinerziehend")}))
    eingang(home)
    _, datei_id = geladen(home, path.name, sha_vorher(path))
    assert query(home.warehouse, "select anzahl from raw.sgb2 where datei_id = ? and gebiet_id = 'A1' "
                                 "and merkmal = 'bg_alleinerziehend'", [datei_id]) == [(1,)]


def kita(spalten: list[str], zeilen: list[list[object]]) -> dict[str, list[list[object]]]:
    return {"Einrichtungen": [["Einrichtung", "Träger", "Gebiet", *spalten], *zeilen]}


def test_missing_places_column_is_unknown_not_zero(home: Paths):
    path = fertig(write_xlsx(home.inbox / "kita_2023-03-01.xlsx", kita(["Plätze Ü3"], [
        ["Kita Sonne", "Stadt", "A1", 50], ["Kita Mond", "AWO", "A2", 25]])))
    eingang(home)
    meldungen, datei_id = geladen(home, path.name, sha_vorher(path))
    assert query(home.warehouse, "select einrichtung, plaetze_u3, kennzeichen_u3, plaetze_ue3 from raw.kita "
                                 "where datei_id = ? order by einrichtung", [datei_id]) == [
        ("Kita Mond", None, "nicht_geliefert", 25), ("Kita Sonne", None, "nicht_geliefert", 50)]
    assert "Spalte „Plätze U3“ fehlt; diese Plätze gelten als unbekannt (nicht 0)" in meldungen


def test_missing_optional_columns_reach_no_wrong_value_in_mart(home: Paths):
    """Ein echter Lauf: Bevölkerung 2022 (Fixture), SGB II ohne „Alleinerziehend“, Kita ohne „Plätze U3“,
    Bevölkerung 2021 mit „3,000“ in Gebiet A1 – nichts davon darf als plausible Zahl in mart ankommen."""
    write_wide_2022(home.inbox)
    fertig(write_xlsx(home.inbox / "sgb2_2022-12-31.xlsx", {"Personen": personen("Schwerbehindert")}))
    fertig(write_xlsx(home.inbox / "kita_2023-03-01.xlsx", kita(["Plätze Ü3"], [
        ["Kita Sonne", "Stadt", "A1", 50], ["Kita Mond", "AWO", "A2", 25]])))
    csv_datei(home.inbox, "bevoelkerung_2021-12-31.csv", [
        "Gebiet,Alter,Anzahl", 'A1,insgesamt,"3,000"', "A2,insgesamt,500", "B3,insgesamt,2000"])
    lauf(dg.DagsterInstance.ephemeral())
    # Alleinerziehende: unbekannt auf jeder Ebene (früher 50 % in A1 aus der Spalte „Schwerbehindert“)
    allein = mart(home, "alleinerziehende_bg", "2022-12-31")
    assert allein and all(wert is None for wert, *_ in allein.values())
    assert "nicht enthalten" in allein[("gemeinde", AGS)][3]
    # SGB-II-Quote bleibt berechenbar: A1 3 LB / 1000 – 1 Person unter 65 zählt hier nicht: alle 3 LB sind < 65;
    # Nenner Einwohner unter 65 in A1 = 1000 − 200 (65 und älter) = 800 -> 3 / 800 = 0,375 %
    assert mart(home, "sgb2_quote", "2022-12-31")[("gebiet", "A1")][:3] == (pytest.approx(100 * 3 / 800), 3, 800)
    # Kita U3: unbekannt, nicht 0 % – auch in Gebieten ohne Einrichtung und in der Gemeinde
    u3 = mart(home, "kita_versorgung_u3", "2022-12-31")
    assert u3 and all(wert is None for wert, *_ in u3.values()), u3
    # Kita Ü3: A1 50 Plätze / Kinder 3–5 (40) = 125 %; B3 ohne Einrichtung 0 Plätze / 60 = 0 %
    ue3 = mart(home, "kita_versorgung_ue3", "2022-12-31")
    assert ue3[("gebiet", "A1")][:3] == (pytest.approx(125.0), 50, 40)
    assert ue3[("gebiet", "B3")][:3] == (pytest.approx(0.0), 0, 60)
    # Bevölkerung 2021: A1 in Quarantäne -> A1 unbekannt, Sozialraum SRA und Gemeinde NULL (nicht 2500 ohne A1)
    bev = mart(home, "bev_insgesamt", "2021-12-31")
    assert bev[("gebiet", "A2")][0] == 500 and bev[("gebiet", "B3")][0] == 2000
    assert bev[("gebiet", "A1")][0] is None and "kein gültiger Wert" in bev[("gebiet", "A1")][3]
    assert bev[("sozialraum", "SRA")][0] is None and bev[("gemeinde", AGS)][0] is None
    assert bev[("sozialraum", "SRB")][0] == 2000  # SRB = B3, vollständig


# --- 5. Unvollständige Korrekturen ----------------------------------------------------------------


def test_partial_correction_is_rejected_and_names_missing_areas(home: Paths):
    voll = fertig(write_xlsx(home.inbox / "bevoelkerung_2019-12-31.xlsx",
                             {"Daten": langform(LIEFERUNGEN["bevoelkerung_2019-12-31.xlsx"])}))
    instance = dg.DagsterInstance.ephemeral()
    lauf(instance)
    # „Korrektur“ nur für A1 und A2: B1 und B2 fehlten danach in Sozialraum und Gemeinde
    teil = fertig(write_xlsx(home.inbox / "bevoelkerung_2019-12-31_korrektur.xlsx", {"Daten": langform({
        "A1": (220, 600, 200), "A2": (100, 310, 100)})}))
    original = sha(teil)
    lauf(instance)
    abgelehnt(home, teil.name, original, "enthält aber 2 ihrer 4 Gebiete nicht: B1 Berg, B2 Bach",
              "bevoelkerung_2019-12-31.xlsx", "vollständige Datei")
    assert registerzeile(home, voll.name)[0] == "geladen"
    # mart zeigt weiter die vollständige Lieferung: 1010 + 510 + 710 + 310 = 2540
    assert mart(home, "bev_insgesamt", "2019-12-31")[("gemeinde", AGS)][0] == 2540


# --- 6. Zwischensummen mit dem Namen eines Gebiets --------------------------------------------------


@pytest.fixture
def nord_ist_gebiet(home: Paths) -> Paths:
    """Gebietsgliederung, in der Gebiet B3 „Nord“ heißt – wie der Stadtbezirk Nord (A1 + B3)."""
    (home.reference / "gebiete.csv").write_text(GEBIETE_CSV.replace("B3,Berg-Bach,", "B3,Nord,"), encoding="utf-8")
    return home


def test_subtotal_with_an_area_name_is_not_loaded_as_that_area(nord_ist_gebiet: Paths):
    home = nord_ist_gebiet
    # Zeilen: A1, A2, B3 mit Nummer; darunter die Zwischensumme „Nord“ (Stadtbezirk Nord = A1 + B3 = 3000)
    path = fertig(write_xlsx(home.inbox / "bevoelkerung_2022-12-31.xlsx", {"Daten": [
        ["Gebiet", "Insgesamt", "unter 18", "18 und älter"],
        ["A1", 1000, 170, 830], ["B3", 2000, 400, 1600], ["Nord", 3000, 570, 2430],
        ["A2", 500, 80, 420], ["Süd", 500, 80, 420]]}))
    eingang(home)
    _, datei_id = geladen(home, path.name, sha_vorher(path))
    got = zellen(home, datei_id)
    assert got[("B3", 0, None, "insgesamt")] == 2000  # nicht 3000 aus der Zwischensumme
    assert {g for g, *_ in got} == {"A1", "A2", "B3"}
    q = quarantaene(home, datei_id)
    assert [(z, s) for _, z, s, _, _ in q] == [(4, "A"), (6, "A")]
    assert "„Nord“ ist der Name eines Gebiets und zugleich des Stadtbezirks Nord" in q[0][3]
    assert "(B3)" in q[0][3]
    assert "„Süd“ ist der Name des Stadtbezirks Süd, kein Gebiet: eine Zwischensumme wird nicht geladen" in q[1][3]


def test_area_named_like_a_district_by_name_only_is_never_guessed(nord_ist_gebiet: Paths):
    home = nord_ist_gebiet
    # nur Namen: „Nord“ (Gebiet B3) und „Nord“ (Zwischensumme) – keine der beiden Zeilen wird geraten
    path = csv_datei(home.inbox, "bevoelkerung_2022-12-31.csv", [
        "Gebiet;Alter;Anzahl", "Altstadt;insgesamt;1000", "Nord;insgesamt;2000", "Nord;insgesamt;3000",
        "Bahnhof;insgesamt;500"])
    eingang(home)
    _, datei_id = geladen(home, path.name, sha_vorher(path))
    assert zellen(home, datei_id) == {("A1", 0, None, "insgesamt"): 1000, ("A2", 0, None, "insgesamt"): 500}
    assert [z for _, z, *_ in quarantaene(home, datei_id)] == [3, 4]


# --- 7. Langformat: „insgesamt“ gegen die Teile -----------------------------------------------------


def test_long_layout_total_rows_are_checked_against_their_parts(home: Paths):
    lines = ["Gebiet;Altersgruppe;Geschlecht;Anzahl",
             "A1;insgesamt;;1000", "A1;unter 18;;170", "A1;18 und älter;;820",  # 170 + 820 = 990 ≠ 1000
             "A1;insgesamt;männlich;480", "A1;insgesamt;weiblich;510",  # 480 + 510 = 990 ≠ 1000
             "A2;insgesamt;;500", "A2;unter 18;;80", "A2;18 und älter;;420"]  # 80 + 420 = 500: stimmt
    path = csv_datei(home.inbox, "bevoelkerung_2022-12-31.csv", lines)
    eingang(home)
    meldungen, datei_id = geladen(home, path.name, sha_vorher(path))
    warnungen = [m for m in meldungen.splitlines() if m.startswith("Warnung")]
    assert warnungen == [
        "Warnung: Zeile 2 (Gebiet A1, alle Alter) nennt insgesamt 1000, die Altersgruppen ergeben 990. Die gelieferten "
        "Werte werden geladen; bitte die Quelle prüfen.",
        "Warnung: Zeile 2 (Gebiet A1, alle Alter) nennt insgesamt 1000, männlich + weiblich (+ divers) ergeben 990. "
        "Die gelieferten Werte werden geladen; bitte die Quelle prüfen.",
    ]
    assert zellen(home, datei_id)[("A1", 0, None, "insgesamt")] == 1000
