"""Analysten öffnen die Analysekopie mit ihren eigenen Werkzeugen (architektur.md §4, §7).

Nach einem echten Lauf mit den Beispieldaten:
- jede Tabelle und jede Spalte der Schemas core, mart, ops, quarantine und bericht trägt einen deutschen Kommentar;
- die Analysekopie ist im Speicherformat von DuckDB 1.4 geschrieben, und die DuckDB-Shell aus dem PyPI-Paket
  `duckdb-cli` (dev-Abhängigkeit, die neueste dort ist älter als die DuckDB des Projekts) öffnet sie
  schreibgeschützt und fragt mart.indikator_werte ab;
- `sozial-dwh sql` (echter Unterprozess) liest Anweisungen von stdin und endet mit 0, mit 1 bei einem Fehler;
- ein neues Warehouse entsteht im Format der Analysekopie und trägt die Kommentare selbst: die Analysekopie ist eine
  Byte-Kopie; ein Warehouse im neueren Format (angelegt vor dem 1.12.2026) behält es, seine Analysekopie wird wie
  bisher Tabelle für Tabelle geschrieben.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from sozial_dwh import warehouse
from sozial_dwh.cli import main
from sozial_dwh.config import REPO_ROOT, Paths
from sozial_dwh.kommentare import SCHEMAS, woerterbuch

EINE_ZAHL = "select count(*) as werte from mart.indikator_werte where indikator_id = 'sgb2_quote';"


@pytest.fixture(scope="module")
def beispiel(tmp_path_factory: pytest.TempPathFactory):
    """Ein Lauf wie `make run`: Beispieldaten in den Eingang, `sozial-dwh run` (Referenz aus data/reference)."""
    tmp = tmp_path_factory.mktemp("analysezugang")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("SOZIAL_DWH_HOME", str(tmp / "home"))
        monkeypatch.delenv("SOZIAL_DWH_REFERENCE", raising=False)
        monkeypatch.setenv("DAGSTER_HOME", str(tmp / "dagster"))
        paths = Paths.from_env()
        assert main(["demo", "--nur-wenn-leer"]) == 0
        assert main(["run"]) == 0
        yield paths


def _env(paths: Paths) -> dict[str, str]:
    return {**os.environ, "SOZIAL_DWH_HOME": str(paths.home), "PYTHONPATH": str(REPO_ROOT)}


def test_every_table_and_column_for_analysts_has_a_german_comment(beispiel: Paths):
    with duckdb.connect(str(beispiel.analyse), read_only=True) as con:
        spalten = con.execute(
            "select schema_name, count(*), count(*) filter (where coalesce(comment, '') <> '') from duckdb_columns() "
            "where schema_name in (select unnest(?)) group by all order by all", [list(SCHEMAS)]).fetchall()
        ohne = con.execute(
            "select schema_name || '.' || table_name || '.' || column_name from duckdb_columns() "
            "where schema_name in (select unnest(?)) and coalesce(comment, '') = '' "
            "union all select schema_name || '.' || table_name from duckdb_tables() "
            "where schema_name in (select unnest(?)) and coalesce(comment, '') = '' order by all",
            [list(SCHEMAS), list(SCHEMAS)]).fetchall()
        beispiele = dict(con.execute(
            "select schema_name || '.' || table_name || '.' || column_name, comment from duckdb_columns() "
            "where (schema_name, table_name, column_name) in (('core', 'fact_bevoelkerung', 'anzahl'), "
            "('ops', 'dateien', 'status'), ('mart', 'indikator_werte', 'wert'), ('bericht', 'bevoelkerung', "
            "'anteil_u18'))").fetchall())
    assert [r[0] for r in ohne] == []
    assert {s for s, _, _ in spalten} == set(SCHEMAS)
    assert all(gesamt == kommentiert > 0 for _, gesamt, kommentiert in spalten), spalten
    # aus dem Wörterbuch nach Namen, aus den Ausnahmen je Tabelle, vom Modell selbst (mart geht vor)
    assert beispiele["core.fact_bevoelkerung.anzahl"].startswith("Anzahl (Personen")
    assert beispiele["ops.dateien.status"].startswith("geladen, abgelehnt")
    assert beispiele["mart.indikator_werte.wert"].startswith("Wert des Indikators: Zähler / Nenner")
    assert "je 100 Einwohner" in beispiele["bericht.bevoelkerung.anteil_u18"]


def test_dictionary_has_one_entry_per_name():
    con = duckdb.connect()
    spalten = con.execute((REPO_ROOT / "sql" / "kommentare" / "spalten.sql").read_text(encoding="utf-8")).fetchall()
    ausnahmen = con.execute(
        (REPO_ROOT / "sql" / "kommentare" / "tabellenspalten.sql").read_text(encoding="utf-8")).fetchall()
    assert len({name for name, _ in spalten}) == len(spalten)
    assert len({(s, t, c) for s, t, c, _ in ausnahmen}) == len(ausnahmen)
    assert all(text.strip() for _, text in spalten) and all(text.strip() for *_, text in ausnahmen)
    namen, je_tabelle, tabellen = woerterbuch(con)
    assert namen["stichtag"] and je_tabelle[("ops", "dateien", "status")] and tabellen[("core", "dim_gebiet")]


def test_analysis_copy_is_written_for_older_duckdb_and_leaves_nothing_behind(beispiel: Paths):
    with duckdb.connect(str(beispiel.analyse), read_only=True) as con:
        tags = con.execute("select tags from duckdb_databases() where not internal").fetchall()[0][0]
        analyse = con.execute("select count(*) from mart.indikator_werte").fetchall()[0][0]
    with duckdb.connect(str(beispiel.warehouse), read_only=True) as con:
        original = con.execute("select count(*) from mart.indikator_werte").fetchall()[0][0]
    assert tags["storage_version"] == f"{warehouse.ANALYSE_SPEICHERVERSION}+"
    assert analyse == original > 0
    assert sorted(p.name for p in beispiel.warehouse_dir.iterdir()) == [
        ".lauf.lock", "sozial_dwh.duckdb", "sozial_dwh_analyse.duckdb"]


def _format(db: Path) -> str:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select tags from duckdb_databases() where database_name = current_database()"
                           ).fetchall()[0][0]["storage_version"]


def test_neues_warehouse_im_format_der_analysekopie_und_diese_als_byte_kopie(beispiel: Paths):
    assert _format(beispiel.warehouse) == f"{warehouse.ANALYSE_SPEICHERVERSION}+"
    assert beispiel.analyse.read_bytes() == beispiel.warehouse.read_bytes()
    assert beispiel.analyse.stat().st_mode == beispiel.warehouse.stat().st_mode
    with duckdb.connect(str(beispiel.warehouse), read_only=True) as con:  # die Kommentare stehen im Warehouse selbst
        ohne = con.execute("select count(*) from duckdb_columns() where schema_name in (select unnest(?)) and "
                           "comment is null", [list(SCHEMAS)]).fetchall()[0][0]
        mit = con.execute("select count(*) from duckdb_columns() where schema_name = 'mart' and comment is not null"
                          ).fetchall()[0][0]
    assert ohne == 0 and mit > 0


def test_aelteres_warehouse_behaelt_sein_format_analysekopie_wie_bisher(home: Paths):
    home.ensure()
    # so legte die Fassung vor dem 1.12.2026 das Warehouse an: DuckDB ohne Vorgabe, im neuesten Format
    with duckdb.connect(str(home.warehouse)) as con:
        con.execute(warehouse.INIT_SQL.read_text(encoding="utf-8"))
        con.execute("create table core.probe as select 'G01' as gebiet_id")
    alt = _format(home.warehouse)
    assert alt != f"{warehouse.ANALYSE_SPEICHERVERSION}+"
    kopie = warehouse.RunCopy(home, "aelter")
    con = kopie.connect()
    con.execute("insert into core.probe values ('G02')")
    con.close()
    try:
        assert kopie.promote(publish_analysis=True) == home.analyse
    finally:
        kopie.release()
    assert _format(home.warehouse) == alt
    assert _format(home.analyse) == f"{warehouse.ANALYSE_SPEICHERVERSION}+"
    with duckdb.connect(str(home.analyse), read_only=True) as con:
        assert con.execute("select gebiet_id from core.probe order by 1").fetchall() == [("G01",), ("G02",)]
        kommentar = con.execute("select comment from duckdb_columns() where table_name = 'probe' and "
                                "column_name = 'gebiet_id'").fetchall()[0][0]
    assert kommentar  # aus sql/kommentare/spalten.sql
    assert sorted(p.name for p in home.warehouse_dir.iterdir()) == [
        ".lauf.lock", "sozial_dwh.duckdb", "sozial_dwh_analyse.duckdb"]


def _duckdb_cli() -> tuple[Path, str]:
    """Das Programm `duckdb`, das `pip install duckdb-cli` installiert (Einstiegspunkt des Pakets), und seine Version."""
    try:
        version = importlib.metadata.version("duckdb-cli")
    except importlib.metadata.PackageNotFoundError:
        pytest.fail("duckdb-cli fehlt: pip install -e '.[dev]' (die DuckDB-Shell, die Analysten von PyPI bekommen)")
    programm = shutil.which("duckdb", path=str(Path(sys.executable).parent))
    assert programm, "duckdb-cli ist installiert, aber sein Programm `duckdb` liegt nicht neben Python"
    return Path(programm), version


def test_duckdb_cli_from_pypi_opens_analysis_copy_read_only(beispiel: Paths):
    programm, version = _duckdb_cli()
    gemeldet = subprocess.run([programm, "--version"], capture_output=True, text=True, timeout=60)
    assert gemeldet.returncode == 0 and version.split(".post")[0] in gemeldet.stdout, gemeldet
    abfrage = subprocess.run(
        [programm, "-readonly", "-csv", str(beispiel.analyse), "-c", EINE_ZAHL],
        capture_output=True, text=True, timeout=120, cwd=beispiel.home)
    assert abfrage.returncode == 0, f"duckdb-cli {version}: {abfrage.stderr}"
    with duckdb.connect(str(beispiel.analyse), read_only=True) as con:
        erwartet = con.execute(EINE_ZAHL).fetchall()[0][0]
    assert erwartet > 0 and abfrage.stdout.split() == ["werte", str(erwartet)]
    schreiben = subprocess.run(
        [programm, "-readonly", str(beispiel.analyse), "-c", "create table mart.versuch (a integer);"],
        capture_output=True, text=True, timeout=120, cwd=beispiel.home)
    assert schreiben.returncode != 0 and "read-only" in schreiben.stderr + schreiben.stdout


def test_sozial_dwh_sql_reads_statements_from_stdin(beispiel: Paths):
    eingabe = (f"{EINE_ZAHL}\n.tables\nselect comment\n  from duckdb_columns()\n"
               " where schema_name = 'ops' and table_name = 'dateien' and column_name = 'sha256';\n.quit\n")
    ergebnis = subprocess.run([sys.executable, "-m", "sozial_dwh", "sql"], input=eingabe, capture_output=True,
                              text=True, timeout=120, cwd=REPO_ROOT, env=_env(beispiel))
    assert ergebnis.returncode == 0, ergebnis.stderr
    with duckdb.connect(str(beispiel.analyse), read_only=True) as con:
        erwartet = con.execute(EINE_ZAHL).fetchall()[0][0]
    assert f" {erwartet} │" in ergebnis.stdout
    assert "indikator_werte" in ergebnis.stdout and "SHA-256-Prüfsumme" in ergebnis.stdout
    assert ergebnis.stderr == ""

    fehler = subprocess.run([sys.executable, "-m", "sozial_dwh", "sql"],
                            input="create table mart.versuch (a integer);\nselect 1;\n", capture_output=True,
                            text=True, timeout=120, cwd=REPO_ROOT, env=_env(beispiel))
    assert fehler.returncode == 1
    assert "schreibgeschützt" in fehler.stderr and " 1 │" in fehler.stdout  # die nächste Anweisung läuft


def test_sozial_dwh_sql_without_analysis_copy_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys):
    monkeypatch.setenv("SOZIAL_DWH_HOME", str(tmp_path / "leer"))
    assert main(["sql", "-c", "select 1;"]) == 1
    assert "sozial-dwh run" in capsys.readouterr().err


def test_half_written_analysis_copy_is_never_published(home: Paths):
    # Reste eines Laufs, dessen Analysekopie noch geschrieben wurde (Write-Ahead-Log daneben), und einer
    # abgebrochenen publish_analysis_copy: der nächste Lauf räumt sie weg, die Analysekopie bleibt, wie sie war
    home.analyse.write_bytes(b"alter Stand")
    for name in (".lauf-halb.analyse", ".lauf-halb.analyse.wal", ".analyse-x1.duckdb.tmp",
                 ".analyse-x1.duckdb.tmp.wal"):
        (home.warehouse_dir / name).write_bytes(b"halb")

    meldungen = warehouse.recover(home)

    assert sorted(p.name for p in home.warehouse_dir.iterdir()) == ["sozial_dwh_analyse.duckdb"]
    assert home.analyse.read_bytes() == b"alter Stand"
    assert not any("veröffentlicht" in m for m in meldungen)
