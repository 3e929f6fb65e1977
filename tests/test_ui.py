"""`sozial-dwh ui` als echter Prozess: die Oberfläche antwortet; nach SIGTERM oder SIGINT an `sozial-dwh ui` bleibt
kein Prozess zurück (`dagster dev`, Webserver, Daemon, Code-Server) und der Port antwortet nicht mehr.

Ohne englische Hinweise beim Start: keine Telemetrie-Meldung, keine Empfehlung von `dg dev`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from sozial_dwh import config
from tests.fixtures import make_reference

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir() or sys.platform == "win32",
                                reason="liest die Prozesse aus /proc (Linux)")


def freier_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()  # [Zustand, Elternprozess, Prozessgruppe, …]


def nachkommen(pid: int) -> set[int]:
    kinder: dict[int, list[int]] = {}
    for eintrag in Path("/proc").iterdir():
        if eintrag.name.isdigit() and (felder := _stat(int(eintrag.name))):
            kinder.setdefault(int(felder[1]), []).append(int(eintrag.name))
    gefunden, offen = set(), [pid]
    while offen:
        for kind in kinder.get(offen.pop(), []):
            if kind not in gefunden:
                gefunden.add(kind)
                offen.append(kind)
    return gefunden


def lebt(pid: int) -> bool:
    felder = _stat(pid)
    return felder is not None and felder[0] != "Z"  # ein Zombie ist beendet, nur noch nicht abgeholt


def befehlszeile(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def antwortet(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2) as antwort:
            return antwort.status == 200
    except OSError:
        return False


@pytest.mark.parametrize("signal_nummer", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_ui_beendet_alle_kindprozesse(tmp_path: Path, signal_nummer: int):
    port = freier_port()
    env = {**os.environ, "SOZIAL_DWH_HOME": str(tmp_path / "home"),
           "SOZIAL_DWH_REFERENCE": str(make_reference(tmp_path / "ref")), "PYTHONPATH": str(config.REPO_ROOT)}
    env.pop("DAGSTER_HOME", None)  # wie beim ersten Start: das Projekt legt die Instanz unter $SOZIAL_DWH_HOME an
    log = tmp_path / "ui.log"
    with log.open("wb") as ausgabe:
        proc = subprocess.Popen([sys.executable, "-m", "sozial_dwh", "ui", "--port", str(port)], env=env,
                                cwd=config.REPO_ROOT, stdout=ausgabe, stderr=subprocess.STDOUT)
    kinder: set[int] = set()
    try:
        ende = time.monotonic() + 240
        while not antwortet(port):
            assert proc.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < ende, "Oberfläche antwortet nicht:\n" + log.read_text(errors="replace")
            time.sleep(1)
        # bis Webserver und Daemon laufen (der Daemon startet neben dem Webserver)
        while not {"dagster_webserver", "dagster._daemon"} <= {
                teil for pid in nachkommen(proc.pid) for teil in befehlszeile(pid).split()}:
            assert time.monotonic() < ende, [befehlszeile(p) for p in nachkommen(proc.pid)]
            time.sleep(1)
        kinder = nachkommen(proc.pid)
        assert len(kinder) >= 3, [befehlszeile(p) for p in kinder]

        proc.send_signal(signal_nummer)
        assert proc.wait(timeout=120) == 0
        uebrig = {pid: befehlszeile(pid) for pid in kinder if lebt(pid)}
        assert not uebrig, uebrig
        assert not antwortet(port)
        with socket.socket() as sock, pytest.raises(OSError):
            sock.settimeout(2)
            sock.connect(("127.0.0.1", port))
    finally:
        if proc.poll() is None:  # Test gescheitert: nichts zurücklassen
            proc.kill()
            proc.wait()
        for pid in kinder | nachkommen(proc.pid):
            if lebt(pid):
                os.kill(pid, signal.SIGKILL)
    text = log.read_text(errors="replace")
    assert f"http://127.0.0.1:{port}" in text and "Beendet nach" in text
    for englisch in ("SupersessionWarning", "dg dev", "Telemetry"):
        assert englisch not in text, text
    assert "enabled: false" in (tmp_path / "home" / "dagster" / "dagster.yaml").read_text(encoding="utf-8")
