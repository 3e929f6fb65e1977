"""Die Kommandozeile wie ein neuer Nutzer: demo, run, check – mit der Beispiel-Gebietsgliederung."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from sozial_dwh import config
from sozial_dwh.cli import main
from sozial_dwh.config import Paths
from tests.fixtures import write_wide_2022, write_xlsx

SEVEN = ["bev_insgesamt", "anteil_u18", "anteil_65plus", "jugendquotient", "altenquotient",
         "auslaenderanteil", "migrationsanteil"]


@pytest.fixture
def example_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Paths:
    monkeypatch.setenv("SOZIAL_DWH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SOZIAL_DWH_REFERENCE", raising=False)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    return Paths.from_env()


def test_demo_then_run_gives_seven_indicators_at_four_levels(example_home: Paths, capsys):
    assert main(["demo", "--nur-wenn-leer"]) == 0
    files = list(example_home.inbox.iterdir())
    assert len(files) == 27  # 5 Bevölkerung, 5 SGB II, 5 Arbeitslose, 5 Mindestsicherung, 5 Kita, 2 Konferenz
    assert main(["run"]) == 0
    out = capsys.readouterr().out
    assert "geladen: 27" in out and str(example_home.warehouse) in out
    assert "0 Fehler" in out and "Prüfungen:" in out
    with duckdb.connect(str(example_home.analyse), read_only=True) as con:
        rows = con.execute(
            "select indikator_id, ebene, count(distinct stichtag) from mart.indikator_werte "
            "where wert is not null group by all"
        ).fetchall()
        total = con.execute(
            "select stichtag, wert from mart.indikator_werte where indikator_id = 'bev_insgesamt' "
            "and ebene = 'gemeinde' order by stichtag"
        ).fetchall()
        statuses = con.execute("select distinct status from ops.dateien").fetchall()
        quellen = con.execute("select quelle, count(*) from ops.dateien where status = 'geladen' "
                              "group by quelle order by quelle").fetchall()
        failed_checks = con.execute("select pruefung, beobachtet from ops.pruefungen "
                                    "where not erfolgreich and schwere = 'fehler'").fetchall()
        quarantined = con.execute("select count(*) from quarantine.zeilen").fetchall()[0][0]
        has_403_2018 = con.execute(
            "select count(*) from mart.indikator_werte where gebiet_id = '403' and stichtag = '2018-12-31'"
        ).fetchall()[0][0]
    coverage = {(i, e): n for i, e, n in rows}
    for indikator in SEVEN:
        for ebene in ("gebiet", "sozialraum", "stadtbezirk", "gemeinde"):
            assert coverage.get((indikator, ebene)) == 5, (indikator, ebene)
    assert len(total) == 5 and all(93_000 <= wert <= 95_000 for _, wert in total)
    assert statuses == [("geladen",)]
    # alle sechs Quellen geladen; die Beispieldaten bestehen alle Fehler-Prüfungen, nichts in Quarantäne
    assert quellen == [("arbeitslose", 5), ("bevoelkerung", 5), ("grundsicherung", 5), ("kita", 5),
                       ("konferenz", 2), ("sgb2", 5)]
    assert failed_checks == [] and quarantined == 0
    assert has_403_2018 == len(SEVEN)
    # ein zweiter Lauf ohne neue Dateien ändert nichts und gelingt
    assert main(["demo", "--nur-wenn-leer"]) == 0
    assert not any(example_home.inbox.iterdir())
    assert main(["run"]) == 0


def test_check_exit_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    from tests.fixtures import make_reference

    monkeypatch.setenv("SOZIAL_DWH_REFERENCE", str(make_reference(tmp_path / "ref")))
    good = write_wide_2022(tmp_path)
    bad = write_xlsx(tmp_path / "bevoelkerung_2022-12-31_leer.xlsx", {"T": [["nur Text"]]})
    assert main(["check", str(good)]) == 0
    assert "OK" in capsys.readouterr().out
    assert main(["check", str(good), str(bad)]) == 1
    assert "ABGELEHNT" in capsys.readouterr().out
    with pytest.raises(SystemExit) as usage:
        main(["check"])
    assert usage.value.code == 2
    assert main(["check", str(tmp_path / "gibt-es-nicht.xlsx")]) == 2


def test_reference_default_is_repository(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("SOZIAL_DWH_REFERENCE", raising=False)
    monkeypatch.delenv("SOZIAL_DWH_HOME", raising=False)
    assert config.reference_dir() == config.REPO_ROOT / "data" / "reference"
    assert Paths.from_env().warehouse == config.REPO_ROOT / "data" / "warehouse" / "sozial_dwh.duckdb"
