"""Ende zu Ende: die echten Definitions materialisieren gegen eine temporäre DuckDB-Datei.

Alle erwarteten Zahlen sind von Hand aus tests/fixtures.py nachgerechnet (Rechnung im Kommentar).
"""

from __future__ import annotations

import hashlib

import dagster as dg
import duckdb
import pytest

from pipelines.ausfuehren import alles_ausfuehren
from sozial_dwh.config import Paths
from tests.fixtures import write_long_2019, write_wide_2022, write_xlsx

AGS = "09999999"


def run_all() -> dg.ExecuteInProcessResult:
    result = alles_ausfuehren(instance=dg.DagsterInstance.ephemeral())
    assert result.success
    return result


def values(paths: Paths, indikator: str, stichtag: str) -> dict[tuple[str, str], tuple]:
    with duckdb.connect(str(paths.analyse), read_only=True) as con:
        rows = con.execute(
            "select ebene, gebiet_id, wert, zaehler, nenner, wert_gemeinde, abweichung, veraenderung, hinweis "
            "from mart.indikator_werte where indikator_id = ? and stichtag = ?", [indikator, stichtag]
        ).fetchall()
    return {(r[0], r[1]): r[2:] for r in rows}


@pytest.fixture
def loaded(home: Paths) -> Paths:
    write_long_2019(home.inbox)
    write_wide_2022(home.inbox)
    run_all()
    return home


def test_hand_computed_shares_at_all_levels(loaded: Paths):
    u18 = values(loaded, "anteil_u18", "2022-12-31")
    # u18 = unter 3 + 3 bis 5 + 6 bis 17: A1 30+40+100 = 170 von 1000; A2 10+20+50 = 80 von 500;
    # B3 60+60+280 = 400 von 2000
    assert u18[("gebiet", "A1")][:3] == (pytest.approx(17.0), 170, 1000)
    assert u18[("gebiet", "A2")][:3] == (pytest.approx(16.0), 80, 500)
    assert u18[("gebiet", "B3")][:3] == (pytest.approx(20.0), 400, 2000)
    # Sozialraum SRA = A1 + A2: (170 + 80) / (1000 + 500) = 250 / 1500 = 16,667 % (nicht Mittel der Quoten: 16,5)
    assert u18[("sozialraum", "SRA")][:3] == (pytest.approx(100 * 250 / 1500), 250, 1500)
    # Stadtbezirk Nord = A1 + B3: 570 / 3000 = 19 %; Süd = A2: 16 %
    assert u18[("stadtbezirk", "SB-NORD")][:3] == (pytest.approx(19.0), 570, 3000)
    assert u18[("stadtbezirk", "SB-SUED")][:3] == (pytest.approx(16.0), 80, 500)
    # Gemeinde: 650 / 3500 = 18,571 %
    gemeinde = u18[("gemeinde", AGS)]
    assert gemeinde[:3] == (pytest.approx(100 * 650 / 3500), 650, 3500)
    # wert_gemeinde und abweichung für SRA: 16,667 − 18,571 = −1,905 Prozentpunkte
    assert u18[("sozialraum", "SRA")][3] == pytest.approx(100 * 650 / 3500)
    assert u18[("sozialraum", "SRA")][4] == pytest.approx(100 * 250 / 1500 - 100 * 650 / 3500)


def test_quotients_and_other_shares(loaded: Paths):
    # Jugendquotient Gemeinde 2022: u20 = 650 + 100 (18–19) = 750; 20–64 = 2050 -> 750 / 2050 × 100 = 36,585
    jq = values(loaded, "jugendquotient", "2022-12-31")
    assert jq[("gemeinde", AGS)][:3] == (pytest.approx(750 / 2050 * 100), 750, 2050)
    # A1: u20 = 170 + 30 = 200; 20–64 = 600 -> 33,333
    assert jq[("gebiet", "A1")][0] == pytest.approx(200 / 600 * 100)
    # Altenquotient Gemeinde: 700 / 2050 × 100 = 34,146
    assert values(loaded, "altenquotient", "2022-12-31")[("gemeinde", AGS)][0] == pytest.approx(700 / 2050 * 100)
    # Anteil 65+: 700 / 3500 = 20 %; Ausländeranteil 275 / 3500 = 7,857 %; Migration 560 / 3500 = 16 %
    assert values(loaded, "anteil_65plus", "2022-12-31")[("gemeinde", AGS)][0] == pytest.approx(20.0)
    assert values(loaded, "auslaenderanteil", "2022-12-31")[("gemeinde", AGS)][0] == pytest.approx(100 * 275 / 3500)
    assert values(loaded, "migrationsanteil", "2022-12-31")[("gemeinde", AGS)][0] == pytest.approx(16.0)
    # bev_insgesamt: eine Anzahl, ohne Nenner und ohne Abweichung
    bev = values(loaded, "bev_insgesamt", "2022-12-31")
    assert bev[("gemeinde", AGS)][:3] == (3500, 3500, None)
    assert bev[("gebiet", "A1")][4] is None


def test_long_layout_with_derived_totals_and_age_band_rule(loaded: Paths):
    bev = values(loaded, "bev_insgesamt", "2019-12-31")
    # Summe der Bänder × Geschlecht: A1 = 170 + 80 + 550 + 200 = 1000; B1 = 200 + 100 + 600 + 200 = 1100
    assert bev[("gebiet", "A1")][0] == 1000
    assert bev[("gebiet", "B1")][0] == 1100
    assert bev[("gemeinde", AGS)][0] == 1000 + 500 + 1100 + 700
    # anteil_u18 2019 ist bildbar: (170 + 85 + 200 + 100) / 3300
    assert values(loaded, "anteil_u18", "2019-12-31")[("gemeinde", AGS)][0] == pytest.approx(100 * 555 / 3300)
    # Die Bänder (unter 18, 18–24, 25–64, 65+) erlauben weder „unter 20“ noch „20 bis 64“: NULL mit Hinweis
    jq = values(loaded, "jugendquotient", "2019-12-31")
    for key in [("gebiet", "A1"), ("sozialraum", "SRA"), ("gemeinde", AGS)]:
        wert, zaehler, nenner, *_, hinweis = jq[key]
        assert wert is None and zaehler is None and nenner is None
        assert "Altersgliederung der Quelle erlaubt keine Abgrenzung 0 bis 19 Jahre" in hinweis
    ausl = values(loaded, "auslaenderanteil", "2019-12-31")[("gemeinde", AGS)]
    assert ausl[0] is None and "Staatsangehörigkeit in der Quelle nicht ausgewiesen" in ausl[-1]


def test_retired_areas_shown_on_successor_and_kept_for_their_years(loaded: Paths):
    bev = values(loaded, "bev_insgesamt", "2019-12-31")
    # B3 gab es 2019 noch nicht: B1 + B2 = 1100 + 700 = 1800, mit Hinweis auf die Umrechnung
    assert bev[("gebiet", "B3")][0] == 1800
    assert "umgerechnet aus B1, B2" in bev[("gebiet", "B3")][-1]
    assert bev[("gebiet", "B2")][0] == 700
    # höhere Ebenen auf heutiger Gliederung: Bezirk Nord 2019 = A1 + B3 (= B1 + B2) = 1000 + 1800
    assert bev[("stadtbezirk", "SB-NORD")][0] == 2800
    assert bev[("stadtbezirk", "SB-SUED")][0] == 500
    # Veränderung zum vorherigen Stichtag: B3 2000 − 1800 = 200; Gemeinde anteil_u18 18,571 − 16,818
    assert values(loaded, "bev_insgesamt", "2022-12-31")[("gebiet", "B3")][5] == 200
    change = values(loaded, "anteil_u18", "2022-12-31")[("gemeinde", AGS)][5]
    assert change == pytest.approx(100 * 650 / 3500 - 100 * 555 / 3300)
    assert ("gebiet", "B1") not in values(loaded, "bev_insgesamt", "2022-12-31")


def test_fact_table_has_explicit_insgesamt(loaded: Paths):
    with duckdb.connect(str(loaded.analyse), read_only=True) as con:
        # 2019 liefert nur m/w je Band; „insgesamt“ wird abgeleitet: A1 unter 18 = 90 + 80
        row = con.execute(
            "select anzahl, abgeleitet from core.fact_bevoelkerung where stichtag = '2019-12-31' and gebiet_id = 'A1' "
            "and alter_von = 0 and alter_bis = 17 and geschlecht = 'insgesamt' "
            "and staatsangehoerigkeit = 'insgesamt' and migrationshintergrund = 'insgesamt'"
        ).fetchall()
        assert row == [(170, True)]
        levels = {r[0] for r in con.execute("select distinct ebene from core.dim_gebiet").fetchall()}
        assert levels == {"gebiet", "sozialraum", "stadtbezirk", "gemeinde"}
        assert con.execute("select aktuell_id from core.dim_gebiet where gebiet_id = 'B2'").fetchall() == [("B3",)]


def test_files_registered_and_archived_byte_for_byte(home: Paths):
    wide = write_wide_2022(home.inbox)
    content = wide.read_bytes()
    original = hashlib.sha256(content).hexdigest()
    bad = home.inbox / "notizen.txt"
    bad.write_text("keine Tabelle", encoding="utf-8")
    run_all()
    assert not any(home.inbox.iterdir())
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        rows = con.execute("select dateiname, status, sha256, ablage, meldungen from ops.dateien order by dateiname").fetchall()
    assert [(r[0], r[1]) for r in rows] == [("bevoelkerung_2022-12-31.xlsx", "geladen"), ("notizen.txt", "abgelehnt")]
    archived = home.archive / "bevoelkerung" / "bevoelkerung_2022-12-31.xlsx"
    assert rows[0][2] == original == hashlib.sha256(archived.read_bytes()).hexdigest()
    assert (home.rejected / "notizen.txt").read_text(encoding="utf-8") == "keine Tabelle"
    report = (home.rejected / "notizen.txt.fehler.txt").read_text(encoding="utf-8")
    assert "Dateiformat „.txt“ wird nicht unterstützt" in report and "Was ist zu tun" in report

    # dieselbe Datei (gleiche Bytes, auch unter anderem Namen) noch einmal: nicht doppelt geladen, aber registriert
    # (abgelehnt mit Verweis auf die geladene Datei)
    (home.inbox / "kopie.xlsx").write_bytes(content)
    run_all()
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        assert con.execute("select dateiname, status, sha256 from ops.dateien where datei_id > 2").fetchall() == [
            ("kopie.xlsx", "abgelehnt", original)]
        assert con.execute("select count(*) from raw.bevoelkerung").fetchall() == [(3 * 11,)]


def test_newer_file_supersedes_older(home: Paths):
    write_wide_2022(home.inbox)
    run_all()
    corrected = {k: list(v) for k, v in {
        "A1": [1000, 480, 520, 30, 40, 100, 30, 600, 200, 150, 300],
        "A2": [500, 250, 250, 10, 20, 50, 20, 300, 100, 25, 60],
        "B3": [2000, 1000, 1000, 60, 60, 280, 50, 1150, 400, 100, 200],
    }.items()}
    corrected["A2"][9] = 35  # Ausländer in A2 korrigiert: 25 -> 35
    write_wide_2022(home.inbox, name="bevoelkerung_2022-12-31_korrigiert.xlsx", values=corrected)
    run_all()
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        status = con.execute("select dateiname, status, ersetzt_durch from ops.dateien order by datei_id").fetchall()
    assert status == [("bevoelkerung_2022-12-31.xlsx", "ersetzt", 2), ("bevoelkerung_2022-12-31_korrigiert.xlsx", "geladen", None)]
    # Ausländer A2 jetzt 35 von 500 = 7 %
    assert values(home, "auslaenderanteil", "2022-12-31")[("gebiet", "A2")][0] == pytest.approx(7.0)


def test_unknown_area_quarantined_rest_loaded(home: Paths):
    rows = [["Gebiet", "Alter", "Anzahl"], ["A1", "0-17", 10], ["A1", "18+", 90], ["Z9", "0-17", 5], ["A2", "0-17", "-3"]]
    write_xlsx(home.inbox / "bevoelkerung_2022-12-31.xlsx", {"Daten": rows})
    run_all()
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        quarantined = con.execute("select blatt, zeile, spalte, grund from quarantine.zeilen order by zeile").fetchall()
        loaded = con.execute("select count(*) from raw.bevoelkerung").fetchall()[0][0]
    assert loaded == 2
    assert quarantined[0][:3] == ("Daten", 4, "A") and "Z9" in quarantined[0][3] and "unbekannt" in quarantined[0][3]
    assert quarantined[1][:3] == ("Daten", 5, "C") and "negativ" in quarantined[1][3]
