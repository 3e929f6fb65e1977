"""Ganze Läufe sind atomar: Warehouse und Analysekopie wechseln nur nach Erfolg den Stand (architektur.md §4, §9).

- Wer die Analysekopie schreibgeschützt offen hält (eigener Prozess), hält keinen Lauf auf und liest weiter
  seinen alten Stand; eine neue Verbindung sieht den neuen.
- Ein mit SIGKILL abgebrochener `sozial-dwh run` (echter Unterprozess, abgebrochen, sobald sein Protokoll
  zeigt, dass der Eingang verarbeitet wird bzw. verarbeitet ist) lässt Warehouse und Analysekopie
  byte-gleich zurück, die Dateien liegen noch im Eingang, und der nächste Lauf lädt sie genau einmal.
- Ein Schritt mit Fehler verwirft den Lauf; ein zweiter gleichzeitiger Lauf wird abgewiesen; eine Auswahl ohne
  `ops/analysekopie` wird am Ende übernommen, die Analysekopie bleibt; Reste eines übernommenen, aber vor dem
  Aufräumen gestorbenen Laufs werden vom nächsten Lauf fertig aufgeräumt.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.assets.ingest import eingang
from pipelines.definitions import defs
from pipelines.runner import run_all
from sozial_dwh import warehouse
from sozial_dwh.config import REPO_ROOT, Paths
from tests.fixtures import write_long_2019, write_wide_2022, write_xlsx

# Hält die Analysekopie schreibgeschützt offen und meldet auf jede Zeile von stdin ihren Stand (ohne Schlafen).
HOLDER = r"""
import json, sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
def stand():
    dateien = con.execute("select dateiname from ops.dateien order by datei_id").fetchall()
    werte = con.execute("select count(*), sum(hash(i)) from mart.indikator_werte as i").fetchall()[0]
    return {"dateien": [d[0] for d in dateien], "werte": [werte[0], str(werte[1])]}
print(json.dumps(stand()), flush=True)
for line in sys.stdin:
    if line.strip() == "ende":
        break
    print(json.dumps(stand()), flush=True)
"""


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fingerprint(db: Path) -> dict[str, tuple[int, str]]:
    """Zeilenzahl und Prüfsumme (Summe der Zeilen-Hashes) jeder Tabelle; öffnet die Datei schreibgeschützt."""
    with duckdb.connect(str(db), read_only=True) as con:
        tables = con.execute("select schema_name, table_name from duckdb_tables() order by all").fetchall()
        result = {}
        for schema, table in tables:
            count, checksum = con.execute(f'select count(*), sum(hash(t)) from "{schema}"."{table}" as t').fetchall()[0]
            result[f"{schema}.{table}"] = (count, str(checksum))
    return result


def dateien(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select datei_id, dateiname, sha256, status, ablage, ersetzt_durch from ops.dateien "
                           "order by datei_id").fetchall()


def run_files(paths: Paths) -> list[str]:
    return sorted(p.name for p in paths.warehouse_dir.iterdir() if p.name.startswith(warehouse.RUN_PREFIX))


@pytest.fixture(autouse=True)
def fast_instance(monkeypatch: pytest.MonkeyPatch) -> None:
    """`run_all` mit einer Dagster-Instanz im Speicher statt SQLite (halbiert die Laufzeit; der CLI-Test im
    Unterprozess nutzt die echte Instanz)."""
    monkeypatch.setattr(dg.DagsterInstance, "get", staticmethod(dg.DagsterInstance.ephemeral))


def run_ok(paths: Paths) -> None:
    """Ein Lauf wie `sozial-dwh run` (Job „alles“ im selben Prozess); er muss gelingen."""
    messages: list[str] = []
    assert run_all(paths, progress=messages.append) == 0, messages


def korrigiert(folder: Path) -> Path:
    values = {
        "A1": [1000, 480, 520, 30, 40, 100, 30, 600, 200, 150, 300],
        "A2": [500, 250, 250, 10, 20, 50, 20, 300, 100, 35, 60],
        "B3": [2000, 1000, 1000, 60, 60, 280, 50, 1150, 400, 100, 200],
    }
    return write_wide_2022(folder, name="bevoelkerung_2022-12-31_korrigiert.xlsx", values=values)


def test_run_and_ui_jobs_use_the_project_executor():
    # Übernehmen oder Verwerfen entscheidet der Abbau der Ressource (ein Prozess je Lauf, ab Werk) oder der
    # steuernde Prozess (mehrere Prozesse): beides kann nur der Executor des Projekts (pipelines/executor.py).
    jobs = [*defs.resolve_all_job_defs(), defs.resolve_implicit_global_asset_job_def()]
    assert "alles" in {job.name for job in jobs}
    assert {job.name: job.executor_def.name for job in jobs} == {job.name: "sozial_dwh" for job in jobs}
    feld = jobs[0].executor_def.config_schema.as_field().config_type.fields["prozesse"]
    assert feld.default_value == 0  # ab Werk automatisch: mehrere Prozesse, wo Instanz und Eingang es lohnen


def test_reader_holding_analysis_copy_does_not_block_run(home: Paths):
    write_long_2019(home.inbox)
    run_ok(home)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(home.analyse)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        before = json.loads(holder.stdout.readline() or holder.stderr.read())
        assert before["dateien"] == ["bevoelkerung_2019-12-31.csv"]
        old_inode = home.analyse.stat().st_ino

        write_wide_2022(home.inbox)
        run_ok(home)  # gelingt, obwohl ein anderer Prozess die Analysekopie offen hält

        assert home.analyse.stat().st_ino != old_inode  # ersetzt, nicht überschrieben
        with duckdb.connect(str(home.analyse), read_only=True) as con:
            names = [r[0] for r in con.execute("select dateiname from ops.dateien order by datei_id").fetchall()]
            werte = con.execute("select count(*) from mart.indikator_werte where stichtag = '2022-12-31'").fetchall()
        assert names == ["bevoelkerung_2019-12-31.csv", "bevoelkerung_2022-12-31.xlsx"]
        assert werte[0][0] > 0
        # die offene Verbindung liest weiter fehlerfrei ihren alten Stand
        holder.stdin.write("nochmal\n")
        holder.stdin.flush()
        assert json.loads(holder.stdout.readline() or holder.stderr.read()) == before
        holder.stdin.write("ende\n")
        holder.stdin.flush()
        assert holder.wait(timeout=30) == 0
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    assert oct(home.analyse.stat().st_mode & 0o777) == oct(home.warehouse.stat().st_mode & 0o777)


def _kill_when(paths: Paths, pattern: str) -> str:
    """Startet `sozial-dwh run` als Unterprozess und tötet ihn mit SIGKILL, sobald eine Zeile seines Protokolls
    (Dagsters Meldungen in `logs/lauf_<Zeit>.log`, während des Laufs geschrieben) passt."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    logs = paths.home / "logs"
    vorher = set(logs.glob("lauf_*.log")) if logs.exists() else set()
    text = ""
    with tempfile.TemporaryFile() as stderr:
        proc = subprocess.Popen([sys.executable, "-m", "sozial_dwh", "run"], cwd=REPO_ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=stderr)
        watchdog = threading.Timer(300, proc.kill)  # nur gegen Hängen; der Test wartet auf die Zeile, nicht auf Zeit
        watchdog.start()
        try:
            while proc.poll() is None:
                neu = [p for p in logs.glob("lauf_*.log") if p not in vorher] if logs.exists() else []
                text = neu[0].read_text(encoding="utf-8", errors="replace") if neu else ""
                if re.search(pattern, text):
                    os.kill(proc.pid, signal.SIGKILL)
                    break
                time.sleep(0.01)
            proc.wait(timeout=60)
        finally:
            watchdog.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        stderr.seek(0)
        ausgabe = stderr.read().decode("utf-8", "replace")
    assert proc.returncode == -signal.SIGKILL, ausgabe[-3000:] + text[-3000:]
    return text


@pytest.mark.parametrize("pattern", [
    r" - eingang - \[2/3\] ",  # mitten im Eingang: die erste Datei ist abgelegt und in der Arbeitskopie registriert
    r" - eingang - Eingang: 2 geladen, 1 abgelehnt",  # Eingang fertig, Staging beginnt
], ids=["mitten_im_eingang", "nach_dem_eingang"])
def test_killed_run_leaves_previous_state_and_loses_nothing(home: Paths, pattern: str):
    write_long_2019(home.inbox)
    run_ok(home)
    baseline_files = dateien(home.warehouse)
    baseline = fingerprint(home.warehouse)
    warehouse_sha, analyse_sha = sha(home.warehouse), sha(home.analyse)
    assert baseline["mart.indikator_werte"][0] > 0 and baseline == fingerprint(home.analyse)

    new = [write_wide_2022(home.inbox), korrigiert(home.inbox), home.inbox / "notizen.txt"]
    new[2].write_text("keine Tabelle", encoding="utf-8")
    inbox = {p.name: sha(p) for p in new}

    _kill_when(home, pattern)

    # mitten im Lauf getötet: die Arbeitskopie ist noch nicht übernommen
    assert any(name.endswith(".duckdb") for name in run_files(home)), run_files(home)
    # Warehouse und Analysekopie unverändert, byte-gleich, und öffnen sich fehlerfrei
    assert sha(home.warehouse) == warehouse_sha and sha(home.analyse) == analyse_sha
    assert dateien(home.warehouse) == baseline_files
    assert fingerprint(home.warehouse) == baseline
    assert fingerprint(home.analyse) == baseline
    # nichts verloren: alle Dateien des Laufs liegen noch (byte-gleich) im Eingang
    assert {p.name: sha(p) for p in home.inbox.iterdir()} == inbox

    run_ok(home)  # der nächste Lauf räumt die Arbeitskopie weg und lädt alles genau einmal

    assert run_files(home) == []
    assert not any(home.inbox.iterdir())
    rows = dateien(home.warehouse)
    assert [(r[1], r[3], r[5]) for r in rows] == [
        ("bevoelkerung_2019-12-31.csv", "geladen", None),
        ("bevoelkerung_2022-12-31.xlsx", "ersetzt", rows[2][0]),
        ("bevoelkerung_2022-12-31_korrigiert.xlsx", "geladen", None),
        ("notizen.txt", "abgelehnt", None),
    ]
    for _, name, digest, _, ablage, _ in rows[1:]:
        assert digest == inbox[name] == sha(Path(ablage))
    # keine Doppel im Archiv aus dem abgebrochenen Lauf
    archived = sorted(p.name for p in (home.archive / "bevoelkerung").iterdir())
    assert archived == ["bevoelkerung_2019-12-31.csv", "bevoelkerung_2022-12-31.xlsx",
                        "bevoelkerung_2022-12-31_korrigiert.xlsx"]
    assert sorted(p.name for p in home.rejected.iterdir()) == ["notizen.txt", "notizen.txt.fehler.txt"]
    after = fingerprint(home.analyse)
    assert after == fingerprint(home.warehouse)
    assert after["raw.bevoelkerung"][0] > baseline["raw.bevoelkerung"][0]


def test_failing_step_discards_whole_run(home: Paths, monkeypatch: pytest.MonkeyPatch):
    write_long_2019(home.inbox)
    run_ok(home)
    warehouse_sha, analyse_sha = sha(home.warehouse), sha(home.analyse)
    wide = write_wide_2022(home.inbox)

    original = warehouse.run_sql_file

    def broken(con, path: Path) -> None:
        if path.stem == "indikator_werte":
            raise RuntimeError("Festplatte voll (simuliert)")
        original(con, path)

    monkeypatch.setattr(warehouse, "run_sql_file", broken)
    messages: list[str] = []
    assert run_all(home, progress=messages.append) == 1
    text = "\n".join(messages)
    assert re.search(r"FEHLER in Schritt „[^“]* rechnen, Tabelle mart\.indikator_werte“: .*Festplatte voll \(simuliert\)", text), text
    assert "bleiben im vorherigen Stand" in text and "bleiben im Eingang" in text
    assert sha(home.warehouse) == warehouse_sha and sha(home.analyse) == analyse_sha
    assert [p.name for p in home.inbox.iterdir()] == [wide.name]
    assert run_files(home) == []  # verworfen, die Sperre ist frei: der nächste Lauf lädt die Datei


def test_second_run_is_refused_while_one_is_working(home: Paths):
    write_long_2019(home.inbox)
    other = warehouse.RunCopy(home, "anderer-lauf")
    other.start()
    try:
        messages: list[str] = []
        assert run_all(home, progress=messages.append) == 1
        assert "Ein anderer Lauf arbeitet gerade am Warehouse (Lauf anderer-lauf" in "\n".join(messages)
        assert other.pending  # die Arbeitskopie des anderen Laufs bleibt unberührt
        assert [p.name for p in home.inbox.iterdir()] == ["bevoelkerung_2019-12-31.csv"]
    finally:
        other.discard()
        other.release()
    assert run_files(home) == []
    nachher = warehouse.RunCopy(home, "nachher")  # die Sperre ist wieder frei
    nachher.start()
    nachher.discard()
    nachher.release()


def test_selection_without_publish_is_promoted_at_end(home: Paths):
    write_long_2019(home.inbox)
    run_ok(home)
    analyse_sha = sha(home.analyse)
    wide = write_wide_2022(home.inbox)
    job = defs.resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), asset_selection=list(eingang.keys))
    assert result.success
    assert [r[1] for r in dateien(home.warehouse)] == ["bevoelkerung_2019-12-31.csv", wide.name]
    assert not any(home.inbox.iterdir()) and run_files(home) == []
    assert sha(home.analyse) == analyse_sha  # nur ops/analysekopie ersetzt die Analysekopie


def test_recover_finishes_promoted_run_and_drops_unpromoted(home: Paths):
    # Lauf „fertig“: übernommen, dann vor dem Aufräumen gestorben (Eingangsliste und Analysekopie liegen noch da)
    done = write_xlsx(home.inbox / "a.xlsx", {"T": [["x"]]})
    changed = write_xlsx(home.inbox / "b.xlsx", {"T": [["y"]]})
    (home.warehouse_dir / ".lauf-fertig.eingang").write_text(
        json.dumps({"name": "a.xlsx", "sha256": sha(done)}) + "\n"
        + json.dumps({"name": "b.xlsx", "sha256": "0" * 64}) + "\n" + '{"name": "c.x', encoding="utf-8")
    with duckdb.connect(str(home.warehouse_dir / ".lauf-fertig.analyse")) as con:
        con.execute("create table t as select 42 as x")
    # Lauf „tot“: nie übernommen
    for suffix in ("duckdb", "duckdb.wal", "eingang", "analyse"):
        (home.warehouse_dir / f".lauf-tot.{suffix}").write_text("", encoding="utf-8")

    meldungen = warehouse.recover(home)

    assert not done.exists() and changed.exists()  # unter dem Namen liegt eine andere Datei: bleibt
    with duckdb.connect(str(home.analyse), read_only=True) as con:
        assert con.execute("select x from t").fetchall() == [(42,)]
    assert run_files(home) == []
    assert any("tot" in m and "verworfen" in m for m in meldungen)
    assert any("fertig" in m and "abgeschlossen" in m for m in meldungen)
