"""Ein Lauf in mehreren Prozessen (Issue 17, architektur.md §11.1): Dagsters Multiprozess-Executor über
`pipelines/executor.py`, gestartet wie von der Kommandozeile (`sozial-dwh run --prozesse 2`, eigener Prozess,
Dagster-Instanz auf der Platte).

- Dasselbe Ergebnis wie ein Lauf in einem Prozess (ganze `mart.indikator_werte`, Dateiregister), die Schritte liefen
  wirklich in anderen Prozessen (Lesestränge ohne Tag der Schreiber), keine Reste von Arbeitskopie, Gelesenem und Sperre.
- `kill -9` an den steuernden Prozess mitten im Lauf: Warehouse und Analysekopie bleiben byte-gleich, die Dateien
  im Eingang; der nächste Lauf räumt auf und lädt alles.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.assets.lesen import STRAENGE
from pipelines.ausfuehren import alles_ausfuehren
from pipelines.constants import SCHREIBT
from pipelines.fortschritt import PROTOKOLL_ORDNER
from sozial_dwh import config
from sozial_dwh.config import Paths
from sozial_dwh.warehouse import LOCK_NAME, RUN_PREFIX
from tests import test_konferenz_modell as basis
from tests.conftest import setup_home


def _umgebung(paths: Paths) -> dict[str, str]:
    return {**os.environ, "SOZIAL_DWH_HOME": str(paths.home), "SOZIAL_DWH_REFERENCE": str(paths.reference),
            "DAGSTER_HOME": str(paths.home.parent / "dagster"), "SOZIAL_DWH_SCHREIBPAUSE_S": "0"}


def _cli(paths: Paths, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sozial_dwh", *args], env=_umgebung(paths), cwd=config.REPO_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def _werte(paths: Paths) -> list[tuple]:
    with duckdb.connect(str(paths.analyse), read_only=True) as con:
        return con.execute("select stichtag, ebene, gebiet_id, indikator_id, wert, zaehler, nenner "
                           "from mart.indikator_werte order by all").fetchall()


def _dateien(paths: Paths) -> list[tuple]:
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        return con.execute("select dateiname, status, zeilen_geladen, zeilen_quarantaene from ops.dateien "
                           "order by dateiname").fetchall()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _reste(paths: Paths) -> list[str]:
    return sorted(p.name for p in paths.warehouse_dir.iterdir() if p.name.startswith(RUN_PREFIX))


def test_lauf_in_zwei_prozessen_gleich_wie_in_einem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # derselbe Eingang zweimal: einmal alles in diesem Prozess (`prozesse=1`), einmal `sozial-dwh run` ab Werk –
    # auf einem Rechner mit mindestens 2 Kernen lesen die Lesestränge dann in eigenen Prozessen (Multiprozess-Executor)
    einer = setup_home(tmp_path / "einer", monkeypatch)
    basis.write_statistics(einer.inbox)
    assert alles_ausfuehren(dg.DagsterInstance.get(), einer, prozesse=1).success

    zwei = setup_home(tmp_path / "zwei", monkeypatch)
    basis.write_statistics(zwei.inbox)
    # so entscheidet pipelines/executor.py `prozesse_automatisch`; die Testdaten sind klein, die Schwelle daher 0 MB
    monkeypatch.setenv("SOZIAL_DWH_PROZESSE_AB_MB", "0")
    mehrere = min(os.cpu_count() or 1, STRAENGE) >= 2
    proc = _cli(zwei, "run", *([] if mehrere else ["--prozesse", "2"]))
    ausgabe, _ = proc.communicate(timeout=900)
    assert proc.returncode == 0, ausgabe[-3000:]
    assert "Lauf erfolgreich" in ausgabe
    # Fortschritt mit einer Nummerfolge, auch für die Schritte in anderen Prozessen (der steuernde Prozess schreibt)
    # (die Zeilen „[1/1] Berichtsausgabe bauen“ der Entwürfe danach zählen nicht mit)
    zeilen = [(int(n), int(m)) for n, m in re.findall(r"^\[\s*(\d+)/(\d+)\]", ausgabe, re.MULTILINE)]
    gesamt = max(m for _, m in zeilen)
    assert gesamt == 20 and sorted(n for n, m in zeilen if m == gesamt) == list(range(1, 21))
    # je Berichtsausgabe (2020 und 2022 in berichte.csv des Beispiels) ihre Zeile; der Fortschritt schreibt an Dagsters
    # Mitschnitt der Schritte vorbei (dessen `tail -F` verlor die letzte Zeile eines Laufs mitunter): keine
    # Fortschrittszeile in den Compute-Logs
    assert len(re.findall(r"^\[1/1\] Berichtsausgabe bauen – ", ausgabe, re.MULTILINE)) == 2
    mitschnitte = list((zwei.home.parent / "dagster" / "storage").rglob("compute_logs/*.err"))
    assert mitschnitte and not any("Berichtsausgabe bauen" in p.read_text(encoding="utf-8", errors="replace")
                                   or "rechnen und prüfen –" in p.read_text(encoding="utf-8", errors="replace")
                                   for p in mitschnitte)
    assert "DEBUG" not in ausgabe

    assert _werte(zwei) == _werte(einer) and len(_werte(zwei)) > 100
    assert _dateien(zwei) == _dateien(einer)
    assert not any(zwei.inbox.iterdir())
    assert _reste(zwei) == [] and (zwei.warehouse_dir / LOCK_NAME).read_text(encoding="utf-8") == ""
    assert not zwei.lauf_dir.exists() or not any(zwei.lauf_dir.iterdir())
    # Die Lesestränge liefen in eigenen Prozessen (je einer), alle Schritte, die das Warehouse schreiben, danach im
    # Prozess der Kommandozeile (dem steuernden); ob die Stränge gleichzeitig liefen, ist eine Frage der Zeit und gehört
    # in den Benchmark (parallel_speedup), nicht in einen Test
    instanz = dg.DagsterInstance.from_config(str(zwei.home.parent / "dagster"))
    [lauf] = [r for r in instanz.get_runs() if r.job_name == "alles"]
    # Great Expectations lud und prüfte in einem eigenen Prozess (sozial_dwh.validation.pruefprozess), nicht in dem
    # der Kommandozeile und keinem der Lesestränge
    [pruefprozess] = [int(m[1]) for e in instanz.all_logs(lauf.run_id)
                      if (m := re.search(r"im Prüfprozess \(PID (\d+)\)", e.message or ""))]
    pid = {e.step_key: e.dagster_event.pid for e in instanz.all_logs(lauf.run_id,
                                                                    of_type=dg.DagsterEventType.STEP_START)}
    tags = {s.key: s.tags for s in instanz.get_execution_plan_snapshot(lauf.execution_plan_snapshot_id).steps}
    lesen = {k for k in tags if k.startswith("ops__lesen_")}
    assert len(lesen) == STRAENGE and all(SCHREIBT not in tags[k] for k in lesen)
    assert all(tags[k].get(SCHREIBT) == "warehouse" for k in tags if k not in lesen)
    assert set(pid) == set(tags)
    assert len({pid[k] for k in lesen}) == STRAENGE and proc.pid not in {pid[k] for k in lesen}
    assert {pid[k] for k in pid if k not in lesen} == {proc.pid}
    assert pruefprozess not in set(pid.values()) | {proc.pid}


def test_kill_9_an_den_steuernden_prozess(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    paths = setup_home(tmp_path / "lauf", monkeypatch)
    basis.write_statistics(paths.inbox)
    assert alles_ausfuehren(dg.DagsterInstance.get(), paths).success  # ein fertiges Warehouse
    vorher = {p: _sha(p) for p in (paths.warehouse, paths.analyse)}
    werte = _werte(paths)
    # eine neue Lieferung (2023), dann mitten im Lauf kill -9 an den steuernden Prozess
    from tests.test_partitionen import D23, write_population

    write_population(paths.inbox, D23)
    neu = sorted(p.name for p in paths.inbox.iterdir())
    proc = _cli(paths, "run", "--prozesse", "2")
    frist = time.monotonic() + 300
    while time.monotonic() < frist and not any(paths.warehouse_dir.glob(f"{RUN_PREFIX}*.duckdb")):
        time.sleep(0.05)  # die Arbeitskopie ist angelegt: ein Schritt schreibt gerade
    assert proc.poll() is None, proc.communicate()[0][-3000:]
    time.sleep(1.0)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    time.sleep(3)  # ein Schrittprozess, der noch läuft, schreibt nur in die Arbeitskopie, die nie übernommen wird
    if _lebt(proc.pid):
        os.killpg(proc.pid, signal.SIGKILL)

    assert {p: _sha(p) for p in vorher} == vorher  # nichts übernommen
    assert sorted(p.name for p in paths.inbox.iterdir()) == neu  # die Lieferung liegt noch im Eingang

    # der nächste Lauf (wieder in zwei Prozessen) räumt auf und lädt die Lieferung
    proc = _cli(paths, "run", "--prozesse", "2")
    ausgabe, _ = proc.communicate(timeout=900)
    assert proc.returncode == 0, ausgabe[-3000:]
    assert _reste(paths) == [] and not any(paths.inbox.iterdir())
    assert not any(paths.lauf_dir.iterdir())  # auch das Gelesene des abgebrochenen Laufs ist weg
    nachher = _werte(paths)
    assert [w for w in nachher if str(w[0]) != str(D23)] == werte
    assert any(str(w[0]) == str(D23) for w in nachher)


def test_gescheiterter_lesestrang_aendert_nichts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # Ein Strang kann sein Gelesenes nicht ablegen (unter `lauf` liegt eine Datei statt eines Ordners – wie eine volle
    # oder schreibgeschützte Platte, aber ohne Mock): der Lauf endet mit Exit-Code 1 und einer deutschen Meldung, die
    # Schritt und Ursache nennt; Warehouse, Analysekopie, Register und Eingang bleiben, wie sie waren.
    paths = setup_home(tmp_path / "lauf", monkeypatch)
    basis.write_statistics(paths.inbox)
    assert alles_ausfuehren(dg.DagsterInstance.get(), paths, prozesse=1).success
    vorher = {p: _sha(p) for p in (paths.warehouse, paths.analyse)}
    register = _dateien(paths)
    from tests.test_partitionen import D23, write_population

    write_population(paths.inbox, D23)
    neu = sorted(p.name for p in paths.inbox.iterdir())
    if paths.lauf_dir.exists():
        paths.lauf_dir.rmdir()  # leer nach dem ersten Lauf
    paths.lauf_dir.write_text("kein Ordner\n", encoding="utf-8")

    proc = _cli(paths, "run", "--prozesse", "2")
    ausgabe, _ = proc.communicate(timeout=900)
    assert proc.returncode == 1, ausgabe[-3000:]
    assert "FEHLER in Schritt „Dateien lesen (Strang" in ausgabe, ausgabe[-3000:]
    assert "kann das Gelesene nicht unter" in ausgabe and "ein Teil des Pfads ist eine Datei, kein Ordner" in ausgabe
    assert "Warehouse und Analysekopie bleiben im vorherigen Stand" in ausgabe
    assert "Ein Lesestrang ist gescheitert" in _protokoll(paths), ausgabe[-3000:]
    assert {p: _sha(p) for p in vorher} == vorher
    assert _dateien(paths) == register
    assert sorted(p.name for p in paths.inbox.iterdir()) == neu
    assert _reste(paths) == [] and (paths.warehouse_dir / LOCK_NAME).read_text(encoding="utf-8") == ""

    # Ursache behoben: der nächste Lauf lädt die Lieferung
    paths.lauf_dir.unlink()
    proc = _cli(paths, "run", "--prozesse", "2")
    ausgabe, _ = proc.communicate(timeout=900)
    assert proc.returncode == 0, ausgabe[-3000:]
    assert not any(paths.inbox.iterdir()) and any(str(w[0]) == str(D23) for w in _werte(paths))


def _protokoll(paths: Paths) -> str:
    """Alle Protokolldateien der Kommandozeile (`logs/lauf_<Zeit>.log`)."""
    dateien = sorted((paths.home / PROTOKOLL_ORDNER).glob("lauf_*.log"))
    return "".join(p.read_text(encoding="utf-8", errors="replace") for p in dateien)


def _lebt(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except OSError:
        return False
    return True


def test_prozesse_falsch_angegeben(home: Paths, monkeypatch: pytest.MonkeyPatch, capsys):
    from sozial_dwh.cli import main

    assert main(["run", "--prozesse", "0"]) == 2
    assert "--prozesse: mindestens 1." in capsys.readouterr().err
    monkeypatch.setenv("SOZIAL_DWH_PROZESSE", "zwei")
    assert main(["run"]) == 2
    assert "SOZIAL_DWH_PROZESSE='zwei' ist keine ganze Zahl." in capsys.readouterr().err
    assert not home.warehouse.exists()  # nichts gelaufen
