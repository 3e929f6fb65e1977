"""Bevölkerungsleser an echten Dateien: beide Layouts, Titel/Fußnoten, Summenzeilen, Quarantäne."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sozial_dwh.ingest import inspect_file
from sozial_dwh.reference import GebietMatcher, load_gebiete
from tests.fixtures import (
    WIDE_2022_TOTAL,
    make_reference,
    wide_2022_rows,
    write_long_2019,
    write_wide_2022,
    write_xlsx,
)


@pytest.fixture
def matcher(tmp_path: Path) -> GebietMatcher:
    return GebietMatcher(load_gebiete(make_reference(tmp_path / "ref")))


def cells(verdict) -> dict[tuple, int | None]:
    return {
        (r["gebiet_id"], r["alter_von"], r["alter_bis"], r["geschlecht"], r["staatsangehoerigkeit"],
         r["migrationshintergrund"]): r["anzahl"]
        for r in verdict.result.records
    }


def test_wide_layout(tmp_path: Path, matcher: GebietMatcher):
    verdict = inspect_file(write_wide_2022(tmp_path), matcher)
    assert verdict.ok, verdict.fehler
    assert verdict.quelle == "bevoelkerung" and verdict.stichtag == dt.date(2022, 12, 31)
    got = cells(verdict)
    # 3 Gebiete × 11 Spalten; die Zeile „Stadt insgesamt“ wird nicht geladen
    assert len(got) == 33
    assert got[("A1", 0, None, "insgesamt", "insgesamt", "insgesamt")] == 1000  # aus dem Text „1.000“
    assert got[("A1", 6, 17, "insgesamt", "insgesamt", "insgesamt")] == 100
    assert got[("B3", 65, None, "insgesamt", "insgesamt", "insgesamt")] == 400
    assert got[("A2", 0, None, "w", "insgesamt", "insgesamt")] == 250
    assert got[("A2", 0, None, "insgesamt", "nichtdeutsch", "insgesamt")] == 25
    assert got[("B3", 0, None, "insgesamt", "insgesamt", "ja")] == 200
    assert not any(m.startswith("Warnung") for m in verdict.result.meldungen)
    assert verdict.result.records[0]["blatt"] == "Strukturtabelle" and verdict.result.records[0]["zeile"] == 5


def test_long_layout_csv_windows_1252(tmp_path: Path, matcher: GebietMatcher):
    verdict = inspect_file(write_long_2019(tmp_path), matcher)
    assert verdict.ok, verdict.fehler
    got = cells(verdict)
    assert len(got) == 4 * 4 * 2  # Gebiete × Bänder × Geschlecht
    assert got[("B2", 25, 64, "w", "insgesamt", "insgesamt")] == 200
    assert got[("A1", 0, 17, "m", "insgesamt", "insgesamt")] == 90
    assert not any(m.startswith("Warnung") for m in verdict.result.meldungen)


def test_total_row_mismatch_is_reported(tmp_path: Path, matcher: GebietMatcher):
    rows = wide_2022_rows()
    total_row = next(i for i, r in enumerate(rows) if r and r[0] == "Stadt insgesamt")
    rows[total_row] = ["Stadt insgesamt", None, WIDE_2022_TOTAL[0] + 7, *WIDE_2022_TOTAL[1:]]
    verdict = inspect_file(write_xlsx(tmp_path / "bevoelkerung_2022-12-31.xlsx", {"T": rows}), matcher)
    warnings = [m for m in verdict.result.meldungen if m.startswith("Warnung: Summenzeile")]
    # 3.507 laut Datei gegen 1.000 + 500 + 2.000 = 3.500
    assert warnings == [
        "Warnung: Summenzeile 8 (alle Alter) nennt 3.507, die Gebiete ergeben 3.500. "
        "Die Gebietswerte werden geladen; bitte die Quelle prüfen."
    ]
    # die Summenzeile passt auch nicht zu ihren eigenen Teilen (1.730 + 1.770 = 3.500)
    assert "Warnung: Zeile 8: Insgesamt = 3507, aber männlich + weiblich = 3500." in verdict.result.meldungen


def test_wide_row_parts_checked(tmp_path: Path, matcher: GebietMatcher):
    values = {"A1": [1000, 480, 519, 30, 40, 100, 30, 600, 200, 150, 300]}  # 480 + 519 ≠ 1000
    rows = wide_2022_rows(values)
    rows = [r for r in rows if not (r and r[0] == "Stadt insgesamt")]
    verdict = inspect_file(write_xlsx(tmp_path / "bevoelkerung_2022-12-31.xlsx", {"T": rows}), matcher)
    assert any("männlich + weiblich = 999" in m for m in verdict.result.meldungen)


def test_bad_rows_are_quarantined_with_position(tmp_path: Path, matcher: GebietMatcher):
    rows = [
        ["Bevölkerung nach Alter"],
        ["Gebiet", "Altersgruppe", "Geschlecht", "Anzahl"],
        ["A1", "0-17", "m", 10],
        ["A1", "0-17", "m", 11],  # dieselbe Zelle doppelt
        ["A1", "18+", "m", "zwölf"],  # keine Zahl
        ["A1", "irgendwann", "m", 3],  # Alter nicht lesbar
        ["A1", "18+", "q", 3],  # unbekanntes Geschlecht
        ["A2", "18+", "w", "*"],  # gesperrt: NULL mit Kennzeichen, wird geladen
        ["Stadt insgesamt", "0-17", "m", 10],
    ]
    verdict = inspect_file(write_xlsx(tmp_path / "bevoelkerung_2022-12-31.xlsx", {"Daten": rows}), matcher)
    assert verdict.ok
    reasons = {(q.zeile, q.spalte): q.grund for q in verdict.result.quarantine}
    assert set(reasons) == {(4, "D"), (5, "D"), (6, "B"), (7, None)}
    assert "doppelt" in reasons[(4, "D")] and "Zeile 3" in reasons[(4, "D")]
    assert "keine Zahl" in reasons[(5, "D")]
    assert "Altersangabe" in reasons[(6, "B")]
    assert "„q“" in reasons[(7, None)]
    suppressed = [r for r in verdict.result.records if r["gebiet_id"] == "A2"]
    assert suppressed[0]["anzahl"] is None and suppressed[0]["kennzeichen"] == "gesperrt"


@pytest.mark.parametrize(("name", "sheets", "message"), [
    ("bevoelkerung_2022-12-31.xlsx", {"Leer": [["nur ein Titel"]]}, "Bevölkerung: keine Kopfzeile gefunden"),
    ("bevoelkerung_2022-12-31.xlsx", {"T": [["Titel"], ["Gebiet", "Alter", "Personenzahl"], ["A1", 3, 4]]},
     "Pflichtspalte „Anzahl“ fehlt (Blatt „T“, Kopfzeile 2; gefunden: „Gebiet“, „Alter“)"),
    ("daten.xlsx", {"T": [["Gebiet", "Alter", "Anzahl"], ["A1", 3, 4]]}, "Stichtag unbekannt"),
    ("unbekannt.xlsx", {"T": [["Spalte 1", "Spalte 2"], [1, 2]]}, "Quelle nicht erkannt"),
    ("bevoelkerung_2099-12-31.xlsx", {"T": [["Gebiet", "Alter", "Anzahl"], ["A1", 3, 4]]}, "in der Zukunft"),
])
def test_rejected_files(tmp_path: Path, matcher: GebietMatcher, name, sheets, message):
    verdict = inspect_file(write_xlsx(tmp_path / name, sheets), matcher)
    assert not verdict.ok
    assert message in " ".join(verdict.fehler)


def test_info_sheet_and_header_signature(tmp_path: Path, matcher: GebietMatcher):
    sheets = {
        "Info": [["Quelle", "bevoelkerung"], ["Stichtag", "31.12.2021"], ["Gemeinde", "Teststadt"]],
        "Tabelle": [["Gebiet", "Alter", "Anzahl"], ["A1 Altstadt", "0-17", 5], ["A1 Altstadt", "18+", 50]],
    }
    verdict = inspect_file(write_xlsx(tmp_path / "Einwohner.xlsx", sheets), matcher)
    assert verdict.ok and verdict.stichtag == dt.date(2021, 12, 31) and verdict.gemeinde == "09999999"
    # ohne Info und ohne Namensschema: Erkennung an der Kopfzeile, Stichtag aus der Spalte
    rows = [["Stichtag", "Gebiet", "Alter", "Anzahl"], ["31.12.2020", "A2", "0-17", 5]]
    verdict = inspect_file(write_xlsx(tmp_path / "export.xlsx", {"T": rows}), matcher)
    assert verdict.ok and verdict.quelle == "bevoelkerung" and verdict.stichtag == dt.date(2020, 12, 31)


def test_corrupt_workbook_rejected(tmp_path: Path, matcher: GebietMatcher):
    path = write_wide_2022(tmp_path)
    path.write_bytes(path.read_bytes()[:300])  # abgeschnitten
    verdict = inspect_file(path, matcher)
    assert not verdict.ok and "beschädigt" in verdict.fehler[0]
