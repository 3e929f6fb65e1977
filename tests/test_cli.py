"""Die Kommandozeile wie ein neuer Nutzer: demo, run, check – mit der Beispiel-Gebietsgliederung."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import openpyxl
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
    # 5 Bevölkerung, 5 SGB II, 5 Arbeitslose, 5 Mindestsicherung, 5 Kita, 2 Konferenz, 1 Merkmale (Wohngeld 2018–2022)
    assert len(files) == 28
    assert main(["run"]) == 0
    out = capsys.readouterr().out
    assert "Dateien: 28 geladen, 0 abgelehnt" in out and str(example_home.warehouse) in out
    assert re.search(r"^Prüfungen: \d+ bestanden, 0 Warnungen, 0 Fehler$", out, re.M)
    # 20 Statistik-Indikatoren (mit wohngeld_je_1000 aus der Quelle merkmale) an 5 Stichtagen (31.12.2018–2022) plus
    # bedarfe_anzahl an den 2 Konferenzterminen (21.09.2022, 15.03.2023); Ebenen Gebiet, Sozialraum, Stadtbezirk, Gemeinde
    assert "Indikatoren mit Werten: 21 Indikatoren, 5 Stichtage (dazu 2 Konferenztermine), 4 Ebenen" in out
    # je Ausgabe (ohne manifest.json): 10 CSV + 3 PNG + 1 Arbeitsmappe, dazu 2 × 20 Indikatorkarten + Sozialindex
    assert "sozialbericht_2022: 14 Dateien (dazu manifest.json), 41 Karten in karten/ (je PNG und SVG)" in out
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
        null_gemeinde = con.execute("select distinct indikator_id, ebene, hinweis from mart.indikator_werte "
                                    "where wert is null and ebene = 'gemeinde'").fetchall()
        quellen = con.execute("select quelle, count(*) from ops.dateien where status = 'geladen' "
                              "group by quelle order by quelle").fetchall()
        failed_checks = con.execute("select pruefung, beobachtet from ops.pruefungen "
                                    "where not erfolgreich and schwere = 'fehler'").fetchall()
        quarantined = con.execute("select count(*) from quarantine.zeilen").fetchall()[0][0]
        has_403_2018 = con.execute(
            "select count(*) from mart.indikator_werte where gebiet_id = '403' and stichtag = '2018-12-31'"
        ).fetchall()[0][0]
        # Datenwörterbuch: jede mart-Tabelle und jede mart-Spalte trägt einen deutschen Kommentar
        ohne_kommentar = con.execute(
            "select table_name, column_name from duckdb_columns() where schema_name = 'mart' "
            "and (comment is null or comment = '') union all select table_name, null from duckdb_tables() "
            "where schema_name = 'mart' and (comment is null or comment = '')").fetchall()
        mart_tabellen = con.execute("select count(*) from duckdb_tables() where schema_name = 'mart'").fetchall()[0][0]
        sozialindex = con.execute(
            "select stichtag, count(*), count(*) filter (where statusklasse in ('hoch', 'mittel', 'niedrig', "
            "'sehr niedrig') and dynamikklasse in ('positiv', 'stabil', 'negativ') and gesamtgruppe between 1 and 12) "
            "from mart.sozialindex group by stichtag order by stichtag").fetchall()
        konferenz = con.execute(
            "select (select count(*) from mart.bedarfe), (select count(*) from mart.bedarfe where art = 'Bedarf'), "
            "(select count(*) from mart.bedarfe where bestaetigt is not null), "
            "(select count(*) from mart.massnahmen where zeilenart = 'Maßnahme' and len(ergebnis_ids) > 0), "
            "(select count(*) from mart.massnahmen where meldungen > 1), "
            "(select count(*) from mart.massnahmen as m, unnest(m.ergebnis_ids) as u(e) "
            " where e not in (select ergebnis_id from mart.bedarfe)), "
            "(select sum(wert) from mart.indikator_werte where indikator_id = 'bedarfe_anzahl' and ebene = 'gemeinde')"
        ).fetchall()[0]
    assert ohne_kommentar == [] and mart_tabellen >= 5
    # Beispielkonferenzen: 2022 drei Sozialräume + Gesamtstadt (je 6 bzw. 5 Ergebnisse), 2023 drei Sozialräume
    # + Gesamtstadt (je 4); Maßnahmen verweisen nur auf vorhandene Ergebnisse, einige mit Sachstand aus 2023
    bedarfe, davon_bedarf, bewertet, verknuepft, mit_verlauf, verwaist, anzahl = konferenz
    assert bedarfe == 3 * 6 + 5 + 4 * 4 and davon_bedarf == anzahl and bewertet > 10
    assert verknuepft > 10 and mit_verlauf > 3 and verwaist == 0
    # 9 Sozialräume; 2018/2019 fehlt der Vergleichswert zwei Jahre zuvor (Beispieldaten beginnen 2018)
    assert [(str(t), n, ok) for t, n, ok in sozialindex] == [
        ("2020-12-31", 9, 9), ("2021-12-31", 9, 9), ("2022-12-31", 9, 9)]
    coverage = {(i, e): n for i, e, n in rows}
    # alle Indikatoren des Katalogs außer bedarfe_anzahl (kommt mit dem Konferenzmodell) an allen vier Ebenen
    # für alle fünf Stichtage
    with (example_home.reference / "indikatoren.csv").open(encoding="utf-8") as handle:
        katalog = [line.split(",")[0] for line in handle.read().splitlines()[1:]]
    alle = [i for i in katalog if i != "bedarfe_anzahl"]
    assert set(SEVEN) <= set(alle) and len(alle) == 20
    # Im AkG-Layout 2021 sind Fälle „ohne Zuordnung“ mit 1–2 Personen gesperrt („*“); sie werden aus der
    # Gesamtsumme der Datei abgeleitet, so hat auch die Gemeinde jeden Wert.
    for indikator in alle:
        for ebene in ("gebiet", "sozialraum", "stadtbezirk", "gemeinde"):
            assert coverage.get((indikator, ebene)) == 5, (indikator, ebene)
    assert null_gemeinde == []
    # bedarfe_anzahl: je Konferenz (2) für ihre Sozialräume und die Gemeinde
    assert coverage[("bedarfe_anzahl", "gemeinde")] == 2 and coverage[("bedarfe_anzahl", "sozialraum")] == 2
    assert len(total) == 5 and all(93_000 <= wert <= 95_000 for _, wert in total)
    assert statuses == [("geladen",)]
    # alle sieben Quellen geladen; die Beispieldaten bestehen alle Fehler-Prüfungen, nichts in Quarantäne
    assert quellen == [("arbeitslose", 5), ("bevoelkerung", 5), ("grundsicherung", 5), ("kita", 5),
                       ("konferenz", 2), ("merkmale", 1), ("sgb2", 5)]
    assert failed_checks == [] and quarantined == 0
    assert has_403_2018 == len(alle)
    # Berichtsausgaben: run baut beide (2020 freigegeben, 2022 Entwurf); export baut 2022 erneut
    assert main(["export", "--bericht", "2022"]) == 0
    ziel = example_home.exports / "sozialbericht_2022"
    namen = sorted(p.name for p in ziel.iterdir())
    assert len([n for n in namen if n.endswith(".csv")]) >= 5 and len([n for n in namen if n.endswith(".png")]) == 3
    blaetter = openpyxl.load_workbook(ziel / "sozialbericht_2022.xlsx", read_only=True).sheetnames
    assert blaetter[0] == "Info" and blaetter[-1] == "Methodik" and len(blaetter) - 2 >= 5
    assert main(["export", "--bericht", "1999"]) == 1
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
