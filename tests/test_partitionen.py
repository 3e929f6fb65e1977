"""Partitionen nach Stichtag und Eingangssensor (architektur.md §11) an echten Läufen.

Teststadt mit Bevölkerung und SGB II zum 31.12.2021 und 31.12.2022 (wie tests/test_konferenz_modell.py).
Dann kommt eine Lieferung zum 31.12.2023: der Sensor startet einen Lauf nur für diese Partition; Staging und
Core werden nur für 2023 neu gebaut (die Zeilen von 2021/2022 bleiben physisch unberührt, gleiche rowid),
Mart und Analysekopie danach neu.
"""

from __future__ import annotations

import collections
import datetime as dt
import os
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.ausfuehren import alles_ausfuehren
from pipelines.definitions import defs
from pipelines.partitions import STICHTAGE
from pipelines.sensors import auswerten
from sozial_dwh import ingest
from sozial_dwh.config import Paths
from sozial_dwh.readers import workbook
from tests import test_konferenz_modell as basis
from tests.fixtures import write_xlsx
from tests.test_bericht import write_sgb2

D23 = dt.date(2023, 12, 31)


def write_population(inbox, day: dt.date) -> None:
    rows = [[f"Stand {day:%d.%m.%Y}"], ["Gebiet", "Altersgruppe", "Geschlecht", "Anzahl"]]
    for gebiet, werte in basis.POP.items():
        for band, anzahl in zip(basis.BANDS, werte, strict=True):
            rows += [[gebiet, band, "männlich", anzahl // 2], [gebiet, band, "weiblich", anzahl // 2]]
    write_xlsx(inbox / f"bevoelkerung_{day}.xlsx", {"Daten": rows})


def write_population_ohne_namen(inbox, day: dt.date, name: str) -> Path:
    """Wie `write_population`, aber der Stichtag steht nur in einer Spalte: weder Dateiname noch Blatt „Info“ nennen
    Quelle oder Stichtag, erst der Inhalt."""
    rows = [["Stichtag", "Gebiet", "Altersgruppe", "Geschlecht", "Anzahl"]]
    for gebiet, werte in basis.POP.items():
        for band, anzahl in zip(basis.BANDS, werte, strict=True):
            rows += [[f"{day:%d.%m.%Y}", gebiet, band, g, anzahl // 2] for g in ("männlich", "weiblich")]
    return write_xlsx(inbox / name, {"Daten": rows})


@pytest.fixture
def gelesen(monkeypatch: pytest.MonkeyPatch) -> collections.Counter:
    """Zählt je Datei, wie oft ihre Datenblätter gelesen werden (`read_sheets`, die echte Funktion; das Blatt „Info“
    allein zählt nicht)."""
    zaehler: collections.Counter = collections.Counter()
    original = workbook.read_sheets

    def read_sheets(path):
        zaehler[Path(path).name] += 1
        return original(path)

    monkeypatch.setattr(workbook, "read_sheets", read_sheets)
    monkeypatch.setattr(ingest, "read_sheets", read_sheets)
    return zaehler


def rowids(paths: Paths, table: str) -> dict[str, list[int]]:
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        rows = con.execute(f"select stichtag, list(rowid order by rowid) from {table} group by stichtag").fetchall()
    return {str(s): ids for s, ids in rows}


def alt(paths: Paths) -> float:
    """Alle Dateien im Eingang als „fertig geschrieben“ markieren (älter als die Schreibpause)."""
    stamp = time.time() - 60
    for p in paths.inbox.iterdir():
        os.utime(p, (stamp, stamp))
    return time.time()


@pytest.fixture
def zwei_jahre(home: Paths) -> tuple[Paths, dg.DagsterInstance]:
    basis.write_statistics(home.inbox)
    instance = dg.DagsterInstance.ephemeral()
    assert alles_ausfuehren(instance).success
    assert instance.get_dynamic_partitions(STICHTAGE.name) == ["2021-12-31", "2022-12-31"]
    return home, instance


def test_full_run_marks_every_stichtag_partition(zwei_jahre):
    _, instance = zwei_jahre
    for key in (["staging", "stg_sgb2"], ["core", "fact_bevoelkerung"], ["core", "groessen_mindestsicherung"]):
        assert instance.get_materialized_partitions(dg.AssetKey(key)) == {"2021-12-31", "2022-12-31"}, key


def test_new_stichtag_file_materialises_only_its_partition(zwei_jahre):
    paths, instance = zwei_jahre
    vorher = {t: rowids(paths, t) for t in ("staging.stg_sgb2", "core.fact_sgb2", "core.groessen_bevoelkerung")}
    write_population(paths.inbox, D23)
    write_sgb2(paths.inbox, D23, basis.SGB2)
    jetzt = alt(paths)

    ergebnis = auswerten(instance, None, paths, jetzt=jetzt)
    assert isinstance(ergebnis, dg.SensorResult)
    [anfrage] = ergebnis.run_requests
    assert (anfrage.job_name, anfrage.partition_key) == ("stichtag_lauf", "2023-12-31")
    assert [r.partition_keys for r in ergebnis.dynamic_partitions_requests] == [["2023-12-31"]]

    instance.add_dynamic_partitions(STICHTAGE.name, ["2023-12-31"])
    result = defs.resolve_job_def("stichtag_lauf").execute_in_process(instance=instance, partition_key="2023-12-31")
    assert result.success
    materialisiert = {(tuple(e.asset_key.path), e.partition) for e in result.get_asset_materialization_events()}
    partitioniert = {k for k, p in materialisiert if p is not None}
    # nur die Partition 2023 der partitionierten Assets …
    assert {p for _, p in materialisiert if p is not None} == {"2023-12-31"}
    assert {("staging", "stg_sgb2"), ("core", "fact_bevoelkerung"), ("core", "groessen_sgb2")} <= partitioniert
    # … und die nachgelagerten, nicht partitionierten Assets – sonst nichts (der Eingang mit seinen Rohtabellen)
    graph = defs.resolve_asset_graph()
    nachgelagert = {tuple(k.path) for k in dg.AssetSelection.assets(
        *(k for k in graph.get_all_asset_keys() if graph.get(k).partitions_def == STICHTAGE)).downstream().resolve(graph)}
    ungeteilt = {k for k, p in materialisiert if p is None}
    assert {("mart", "indikator_werte"), ("ops", "analysekopie")} <= ungeteilt
    eingang = {k for k in ungeteilt if k[0] in ("raw", "ops", "quarantine") and k != ("ops", "analysekopie")}
    assert ungeteilt - eingang <= nachgelagert
    assert not {k for k, _ in materialisiert} & {("raw", "ref_gebiete"), ("staging", "stg_kita"), ("core", "fact_kita"),
                                                 ("staging", "stg_konferenz_ergebnisse"), ("core", "dim_gebiet")}
    # Zeilen von 2021 und 2022 physisch unberührt, 2023 neu
    for table, ids in vorher.items():
        nachher = rowids(paths, table)
        assert {s: nachher[s] for s in ids} == ids, table
        assert "2023-12-31" in nachher, table
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        # die Prüfungen dieses Laufs sahen nur die Zeilen von 2023 (die übrigen Stichtage sind schon geprüft)
        [(geprueft,)] = con.execute("select zeilen from ops.pruefungen where lauf_id = ? and "
                                    "pruefung = 'sgb2_anzahl_nicht_negativ'", [result.run_id]).fetchall()
        [(neu, alle)] = con.execute("select count(*) filter (where stichtag = ?), count(*) from staging.stg_sgb2",
                                    [D23]).fetchall()
    assert geprueft == neu and 0 < neu < alle
    with duckdb.connect(str(paths.analyse), read_only=True) as con:
        # SGB-II-Quote SRA 2023: (120 + 40) / (800 + 400) = 13,33 %
        wert = con.execute("select wert from mart.indikator_werte where indikator_id = 'sgb2_quote' and "
                           "gebiet_id = 'SRA' and stichtag = ?", [D23]).fetchall()
    assert wert == [(pytest.approx(160 / 1200 * 100),)]
    assert not any(paths.inbox.iterdir())


def test_partition_run_leaves_other_stichtage_in_inbox(zwei_jahre):
    paths, instance = zwei_jahre
    write_sgb2(paths.inbox, D23, basis.SGB2)
    write_sgb2(paths.inbox, dt.date(2024, 12, 31), basis.SGB2)
    jetzt = alt(paths)
    # zwei Stichtage -> ein Lauf über alle Partitionen (Bereich), nicht zwei konkurrierende Läufe
    ergebnis = auswerten(instance, None, paths, jetzt=jetzt)
    [anfrage] = ergebnis.run_requests
    assert anfrage.job_name == "alles"
    assert (anfrage.tags["dagster/asset_partition_range_start"], anfrage.tags["dagster/asset_partition_range_end"]) \
        == ("2021-12-31", "2024-12-31")
    # ein Lauf nur für 2023 lädt die Datei zu 2024 nicht: sie wartet im Eingang auf ihren Lauf; ebenso eine
    # Kita-Liste (Kita ist nicht partitioniert, ihre Tabellen rechnet nur „alles“)
    write_xlsx(paths.inbox / "kita_2023-03-01.xlsx", {"Kitas": [
        ["Einrichtung", "Träger", "Gebiet", "Plätze U3", "Plätze Ü3"], ["Kita Neu", "Stadt", "A1", 30, 60]]})
    instance.add_dynamic_partitions(STICHTAGE.name, ["2023-12-31"])
    result = defs.resolve_job_def("stichtag_lauf").execute_in_process(instance=instance, partition_key="2023-12-31")
    assert result.success
    assert sorted(p.name for p in paths.inbox.iterdir()) == ["kita_2023-03-01.xlsx", "sgb2_2024-12-31.xlsx"]
    gelaufen = {e.step_key for e in result.all_events if e.is_step_success}
    assert "modelle_sgb2" in gelaufen and "modelle_dim_stichtag" in gelaufen
    assert not gelaufen & {"modelle_kita", "modelle_konferenz_ergebnisse", "referenzdaten"}
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from raw.kita where stichtag = date '2023-03-01'").fetchall() == [(0,)]


def test_stichtag_run_needs_a_built_warehouse(home: Paths):
    """Erste Lieferung in ein leeres Warehouse: der Sensor startet „alles“; ein Stichtag-Lauf von Hand scheitert
    mit einer Meldung, was zu tun ist, und lässt Warehouse und Eingang unverändert."""
    instance = dg.DagsterInstance.ephemeral()
    write_sgb2(home.inbox, D23, basis.SGB2)
    ergebnis = auswerten(instance, None, home, jetzt=alt(home))
    [anfrage] = ergebnis.run_requests
    assert anfrage.job_name == "alles"
    instance.add_dynamic_partitions(STICHTAGE.name, ["2023-12-31"])
    result = defs.resolve_job_def("stichtag_lauf").execute_in_process(
        instance=instance, partition_key="2023-12-31", raise_on_error=False)
    assert not result.success
    [fehler] = [e.event_specific_data.error for e in result.all_events if e.is_step_failure]
    assert "noch nicht aufgebaut" in fehler.message and "„alles“" in fehler.message
    assert [p.name for p in home.inbox.iterdir()] == ["sgb2_2023-12-31.xlsx"]
    assert not home.warehouse.exists()  # die Arbeitskopie ist verworfen, ein Warehouse gab es vorher nicht


def test_sensor_cursor_and_files_still_being_written(zwei_jahre, monkeypatch: pytest.MonkeyPatch):
    paths, instance = zwei_jahre
    write_sgb2(paths.inbox, D23, basis.SGB2)
    # gerade geschrieben (jünger als die Schreibpause): nichts starten, nichts merken
    monkeypatch.setenv("SOZIAL_DWH_SCHREIBPAUSE_S", "5")
    warten = auswerten(instance, None, paths, jetzt=time.time())
    assert isinstance(warten, dg.SkipReason) and "Noch in Arbeit" in warten.skip_message
    jetzt = alt(paths)
    erster = auswerten(instance, None, paths, jetzt=jetzt)
    assert isinstance(erster, dg.SensorResult) and len(erster.run_requests) == 1
    # derselbe Cursor (z. B. nach einem Neustart aus der Instanz gelesen): kein zweiter Lauf
    zweiter = auswerten(instance, erster.cursor, paths, jetzt=jetzt)
    assert isinstance(zweiter, dg.SkipReason)
    # geänderte Datei (korrigierte Lieferung, gleicher Name): neuer Lauf
    write_sgb2(paths.inbox, D23, dict(basis.SGB2, A1=[61, 121, 81, 40, 36, 40, 10]))
    jetzt = alt(paths)
    dritter = auswerten(instance, erster.cursor, paths, jetzt=jetzt)
    assert isinstance(dritter, dg.SensorResult) and dritter.run_requests[0].partition_key == "2023-12-31"


def test_definitions_have_partitions_sensor_and_schedule():
    graph = defs.resolve_asset_graph()
    partitioniert = [k for k in graph.get_all_asset_keys() if graph.get(k).partitions_def == STICHTAGE]
    assert len(partitioniert) >= 10
    assert defs.resolve_sensor_def("eingang_sensor").default_status == dg.DefaultSensorStatus.STOPPED


def test_failing_step_names_the_files_and_the_fix(zwei_jahre):
    paths, instance = zwei_jahre
    # Eine kaputte Rohtabelle (Spalte fehlt, wie nach einem fehlerhaften Handimport): stg_sgb2 scheitert
    with duckdb.connect(str(paths.warehouse)) as con:
        con.execute("alter table raw.sgb2 drop column merkmal")
        vorher = con.execute("select count(*) from mart.indikator_werte").fetchall()
    result = alles_ausfuehren(instance, raise_on_error=False)
    assert not result.success
    [fehler] = [e.event_specific_data.error for e in result.all_events
                if e.is_step_failure and e.step_key == "modelle_sgb2"]
    text = fehler.message
    assert "staging.stg_sgb2" in text and "sgb2_2022-12-31.xlsx" in text and "sozial-dwh check" in text
    # der Lauf wird verworfen: die Tabellen bleiben im Stand vor dem Lauf (keine halb neu berechneten)
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from mart.indikator_werte").fetchall() == vorher


def test_schedule_runs_alles_over_all_stichtag_partitions(zwei_jahre):
    zeitplan = defs.resolve_schedule_def("sgb2_mai")
    # eine Instanz mit Verweis (wie im Dagster-Daemon); die Stichtage kommen aus dem Warehouse
    with dg.instance_for_test() as instance:
        kontext = dg.build_schedule_context(instance=instance,
                                            scheduled_execution_time=dt.datetime(2025, 5, 20, 6, 0))
        [anfrage] = zeitplan.evaluate_tick(kontext).run_requests
    assert anfrage.tags["dagster/asset_partition_range_start"] == "2021-12-31"
    assert anfrage.tags["dagster/asset_partition_range_end"] == "2022-12-31"


def test_full_run_reads_every_file_once(zwei_jahre, gelesen):
    """Ein Lauf über alles liest jede Datei einmal: auch eine, deren Stichtag erst der Inhalt zeigt – die Vorbereitung
    liest sie, um ihren Stichtag als Partition anzumelden, und das Laden nimmt dieses Ergebnis."""
    paths, instance = zwei_jahre
    write_population(paths.inbox, D23)
    write_population_ohne_namen(paths.inbox, dt.date(2024, 12, 31), "Einwohner Lieferung.xlsx")
    gelesen.clear()
    assert alles_ausfuehren(instance).success
    assert gelesen == {"bevoelkerung_2023-12-31.xlsx": 1, "Einwohner Lieferung.xlsx": 1}
    assert instance.get_dynamic_partitions(STICHTAGE.name)[-2:] == ["2023-12-31", "2024-12-31"]
    with duckdb.connect(str(paths.analyse), read_only=True) as con:
        assert con.execute("select count(*) from core.fact_bevoelkerung where stichtag = date '2024-12-31'"
                           ).fetchall()[0][0] > 0
    assert not ingest._vorab  # nach dem Lauf ist nichts mehr gemerkt


def test_sensor_and_stichtag_run_read_each_file_once(zwei_jahre, gelesen):
    """Der Sensor liest eine Datei ohne Stichtag in Name und Blatt „Info“ einmal (nicht zweimal). Ein Lauf für einen
    Stichtag liest sie ebenfalls nur einmal: passt ihr Inhalt nicht zu seinem Stichtag, bleibt sie im Eingang."""
    paths, instance = zwei_jahre
    write_population_ohne_namen(paths.inbox, D23, "Einwohner 2023.xlsx")
    write_population_ohne_namen(paths.inbox, dt.date(2024, 12, 31), "Einwohner 2024.xlsx")
    gelesen.clear()
    ergebnis = auswerten(instance, None, paths, jetzt=alt(paths))
    assert gelesen == {"Einwohner 2023.xlsx": 1, "Einwohner 2024.xlsx": 1}
    assert [r.partition_keys for r in ergebnis.dynamic_partitions_requests] == [["2023-12-31", "2024-12-31"]]
    instance.add_dynamic_partitions(STICHTAGE.name, ["2023-12-31", "2024-12-31"])
    gelesen.clear()
    result = defs.resolve_job_def("stichtag_lauf").execute_in_process(instance=instance, partition_key="2023-12-31")
    assert result.success
    assert gelesen == {"Einwohner 2023.xlsx": 1, "Einwohner 2024.xlsx": 1}
    assert [p.name for p in paths.inbox.iterdir()] == ["Einwohner 2024.xlsx"]
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        assert con.execute("select distinct stichtag from raw.bevoelkerung where stichtag > date '2022-12-31'"
                           ).fetchall() == [(D23,)]


def test_rejected_file_leaves_no_stichtag_partition(zwei_jahre):
    """Eine Datei mit Datum im Namen, die abgelehnt wird (Pflichtspalte fehlt): ihr Stichtag wird vor dem Lauf
    angemeldet (der Lauf über alles braucht ihn im Bereich), danach aber wieder abgemeldet – in der Oberfläche
    erscheint keine Partition 2023 ohne Daten. Die Datei liegt mit Fehlerbericht in rejected/."""
    paths, instance = zwei_jahre
    name = "bevoelkerung_2023-12-31.xlsx"
    write_xlsx(paths.inbox / name, {"Daten": [["Gebiet", "Alter", "Bemerkung"], ["A1", "0-17", "zehn"]]})
    alt(paths)
    result = alles_ausfuehren(instance)
    assert result.success
    assert instance.get_dynamic_partitions(STICHTAGE.name) == ["2021-12-31", "2022-12-31"]
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        assert con.execute("select status from ops.dateien where dateiname = ?", [name]).fetchall() == [("abgelehnt",)]
        assert con.execute("select count(*) from raw.bevoelkerung where stichtag = ?", [D23]).fetchall() == [(0,)]
    assert list(paths.rejected.glob(f"*{name}")) and list(paths.rejected.glob(f"*{name}.fehler.txt"))


def test_sensor_after_ui_run_removes_stichtag_of_rejected_file(zwei_jahre):
    """Ein Lauf aus der Oberfläche (hier: ein Lauf mit dem Anlass „Eingang“ wie vom Sensor) hat den Stichtag einer
    abgelehnten Datei angemeldet; der Sensor `entwuerfe_nach_lauf` meldet ihn danach ab, 2021 und 2022 bleiben."""
    from pipelines.sensors import entwuerfe_anfragen

    paths, instance = zwei_jahre
    instance.add_dynamic_partitions(STICHTAGE.name, ["2023-12-31"])  # wie der Eingangssensor vor dem Lauf
    [lauf] = instance.get_runs(limit=1)
    lauf = lauf.with_tags({"sozial_dwh/anlass": "Eingang"})
    ergebnis = entwuerfe_anfragen(instance, lauf, paths)
    assert isinstance(ergebnis, dg.SensorResult)
    loeschen = [r for r in ergebnis.dynamic_partitions_requests if isinstance(r, dg.DeleteDynamicPartitionsRequest)]
    assert [(r.partitions_def_name, list(r.partition_keys)) for r in loeschen] == [("stichtag", ["2023-12-31"])]
