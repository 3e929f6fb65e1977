"""Dagsters Ereignisprotokoll mit offen gehaltenen Verbindungen (`pipelines/instanz.py`, Issue 17).

Echte Dagster-Instanzen auf der Platte (angelegt wie von `sozial-dwh`), echte Läufe, echte SQLite-Dateien:
- die Instanz des Projekts nimmt das Protokoll ab Werk; ein Lauf landet vollständig darin und ist aus einer zweiten
  Instanz (wie der Oberfläche) lesbar, samt der letzten Materialisierung im Index; geschrieben wird im WAL-Modus mit
  `synchronous = NORMAL`;
- wer einen Lauf verfolgt (die Oberfläche über `watch`), erfährt von neuen Ereignissen, obwohl der schreibende
  Prozess seine Verbindung offen hält;
- höchstens `OFFENE_DATEIEN` Dateien offen; `wipe` löscht die Dateien der Läufe und das Protokoll schreibt danach weiter.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import dagster as dg
import pytest

from pipelines.instanz import OFFENE_DATEIEN, SqliteEreignisprotokoll
from sozial_dwh import config
from sozial_dwh.config import REPO_ROOT


@dg.asset
def zahl() -> int:
    return 7


@dg.asset
def doppelt(zahl: int) -> int:
    return 2 * zahl


@pytest.fixture()
def instanz_ordner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    ordner = config.dagster_instanz_anlegen(tmp_path / "dagster")
    monkeypatch.setenv("DAGSTER_HOME", str(ordner))
    return ordner


def _lauf(instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    return dg.materialize([zahl, doppelt], instance=instance)


def test_instanz_des_projekts_speichert_den_lauf_vollstaendig(instanz_ordner: Path) -> None:
    with dg.DagsterInstance.from_config(str(instanz_ordner)) as instance:
        assert type(instance.event_log_storage) is SqliteEreignisprotokoll
        result = _lauf(instance)
        assert result.success
        arten = [e.dagster_event.event_type for e in instance.all_logs(result.run_id) if e.is_dagster_event]
        # Festschreiben ohne fsync (WAL mit synchronous = NORMAL, SQLite: 0 OFF, 1 NORMAL, 2 FULL), Datei und Index
        for shard in (result.run_id, "index"):
            with instance.event_log_storage._connect(shard) as conn:
                assert conn.exec_driver_sql("pragma synchronous").scalar() == 1
                assert conn.exec_driver_sql("pragma journal_mode").scalar() == "wal"
    # eine zweite Instanz auf denselben Dateien (wie die Oberfläche, die den Lauf danach zeigt)
    with dg.DagsterInstance.from_config(str(instanz_ordner)) as zweite:
        gelesen = [e.dagster_event.event_type for e in zweite.all_logs(result.run_id) if e.is_dagster_event]
        assert gelesen == arten
        # zwei Assets: je „geplant“ und „materialisiert“, zwei Schritte mit Start und Erfolg, Lauf Start und Erfolg
        for art, anzahl in ((dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED, 2),
                            (dg.DagsterEventType.ASSET_MATERIALIZATION, 2), (dg.DagsterEventType.STEP_START, 2),
                            (dg.DagsterEventType.STEP_SUCCESS, 2), (dg.DagsterEventType.RUN_SUCCESS, 1)):
            assert gelesen.count(art) == anzahl, art
        letzte = zweite.get_latest_materialization_event(dg.AssetKey("doppelt"))  # aus dem Index
        assert letzte is not None and letzte.run_id == result.run_id
    assert (instanz_ordner / "history" / "runs" / f"{result.run_id}.db").exists()


def test_wer_den_lauf_verfolgt_erfaehrt_neue_ereignisse(instanz_ordner: Path) -> None:
    with dg.DagsterInstance.from_config(str(instanz_ordner)) as schreiber, \
            dg.DagsterInstance.from_config(str(instanz_ordner)) as oberflaeche:
        run = schreiber.create_run_for_job(dg.define_asset_job("j", [zahl]).resolve(
            asset_graph=dg.Definitions(assets=[zahl]).resolve_asset_graph()))
        schreiber.report_engine_event("erste Zeile", run)  # die Datei des Laufs gibt es, die Verbindung bleibt offen
        angekommen: list[str] = []
        neu = threading.Event()

        def rueckruf(eintrag, _cursor):
            angekommen.append(eintrag.message)
            if eintrag.message == "zweite Zeile":
                neu.set()

        cursor = oberflaeche.event_log_storage.get_records_for_run(run.run_id).cursor
        oberflaeche.event_log_storage.watch(run.run_id, cursor, rueckruf)
        try:
            schreiber.report_engine_event("zweite Zeile", run)
            assert neu.wait(timeout=20), f"keine Nachricht an den Beobachter, angekommen: {angekommen}"
        finally:
            oberflaeche.event_log_storage.end_watch(run.run_id, rueckruf)
        assert "erste Zeile" not in angekommen  # ab dem Cursor, nicht von vorn


def test_offene_dateien_begrenzt_und_wipe(instanz_ordner: Path) -> None:
    with dg.DagsterInstance.from_config(str(instanz_ordner)) as instance:
        laeufe = [_lauf(instance).run_id for _ in range(OFFENE_DATEIEN + 2)]
        protokoll = instance.event_log_storage
        assert isinstance(protokoll, SqliteEreignisprotokoll)
        assert len(protokoll._engines) <= OFFENE_DATEIEN
        # der älteste Lauf ist nicht mehr offen, lässt sich aber weiter lesen
        assert any(e.is_dagster_event for e in instance.all_logs(laeufe[0]))
        protokoll.wipe()
        assert not list((instanz_ordner / "history" / "runs").glob(f"{laeufe[-1]}.db"))
        neu = _lauf(instance)
        assert neu.success and instance.all_logs(neu.run_id)


def test_fruehere_vorgabe_wird_ersetzt_geaenderte_bleibt(tmp_path: Path) -> None:
    # die dagster.yaml, die die Fassung vor dem eigenen Ereignisprotokoll ab Werk schrieb (Commit 8bb6aca): die
    # heutige ohne den letzten Block
    frueher = config.DAGSTER_YAML.split("# Dagsters Protokoll der Läufe")[0]
    assert "event_log_storage" not in frueher and "max_concurrent_runs: 1" in frueher
    alt = tmp_path / "alt"
    alt.mkdir()
    (alt / "dagster.yaml").write_text(frueher, encoding="utf-8")
    config.dagster_instanz_anlegen(alt)
    assert (alt / "dagster.yaml").read_text(encoding="utf-8") == config.DAGSTER_YAML
    # von Hand geändert: bleibt, wie sie ist
    eigen = tmp_path / "eigen"
    eigen.mkdir()
    (eigen / "dagster.yaml").write_text(frueher + "# von Hand ergänzt\n", encoding="utf-8")
    config.dagster_instanz_anlegen(eigen)
    assert (eigen / "dagster.yaml").read_text(encoding="utf-8") == frueher + "# von Hand ergänzt\n"


def test_tabellen_gemerkt_neue_gefunden_wipe_vergisst(instanz_ordner: Path) -> None:
    with dg.DagsterInstance.from_config(str(instanz_ordner)) as instance:
        assert _lauf(instance).success
        protokoll = instance.event_log_storage
        assert isinstance(protokoll, SqliteEreignisprotokoll)
        # die Fragen eines Laufs sind gemerkt (Dagster stellte sie je Ereignis mit neuer Engine)
        assert ("asset_event_tags",) in protokoll._vorhanden
        assert ("asset_keys", "last_materialization_timestamp") in protokoll._vorhanden
        assert protokoll.has_table("asset_check_executions") and protokoll.supports_asset_checks
        # was es nicht gibt, bleibt nicht gemerkt: eine später angelegte Tabelle wird gefunden
        assert not protokoll.has_table("spaeter_angelegt")
        with protokoll._connect("index") as conn:
            conn.exec_driver_sql("create table spaeter_angelegt (x integer)")
        assert protokoll.has_table("spaeter_angelegt")
        protokoll.wipe()  # löscht die Läufe (ob die Tabelle danach noch da ist, entscheidet Dagster):
        # die Antwort muss zur Datei passen, nicht zum Gemerkten
        with sqlite3.connect(instanz_ordner / "history" / "runs" / "index.db") as direkt:
            gibt_es = direkt.execute("select count(*) from sqlite_master where name = 'spaeter_angelegt'").fetchone()[0]
        assert protokoll.has_table("spaeter_angelegt") is bool(gibt_es)
        # nach dem Löschen legt Dagster den Index neu an; ein Lauf landet wieder ganz darin
        neu = _lauf(instance)
        assert neu.success
        assert instance.get_latest_materialization_event(dg.AssetKey("doppelt")).run_id == neu.run_id


def test_am_ende_des_prozesses_kein_wal_liegen_gelassen(instanz_ordner: Path) -> None:
    # ein eigener Prozess wie `sozial-dwh run`: Definitions geladen (gc.freeze), ein Lauf, Ende ohne dispose
    code = textwrap.dedent(f"""
        import dagster as dg
        import pipelines.definitions  # noqa: F401 (friert die geladenen Objekte ein, wie jeder Lauf des Projekts)
        from tests.test_instanz import doppelt, zahl
        instance = dg.DagsterInstance.from_config({str(instanz_ordner)!r})
        assert dg.materialize([zahl, doppelt], instance=instance).success
        print(len(instance.event_log_storage._engines))
    """)
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert int(proc.stdout.split()[-1]) >= 2  # Lauf und Index waren bis zum Ende offen
    laeufe = instanz_ordner / "history" / "runs"
    assert list(laeufe.glob("*.db")) and not list(laeufe.glob("*.db-wal")), sorted(p.name for p in laeufe.iterdir())
