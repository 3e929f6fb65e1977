"""Was `make run` und die übrigen Befehle ohne `SOZIAL_DWH_HOME` ins Repository schreiben (`data/…`), ignoriert git.

In einem frischen git-Repository mit der `.gitignore` des Projekts und `SOZIAL_DWH_HOME=<repo>/data` (also dort,
wo ohne die Variable geschrieben wird) laufen die Befehle wirklich: `demo` (auch `--scale 2` mit seiner
Gebietsgliederung), `run` mit einer geladenen und einer abgelehnten Datei, `export`, `templates`. Danach zeigt
`git status --porcelain` nichts – auch nichts, was im aktuellen Ordner entstanden wäre.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from sozial_dwh import config
from sozial_dwh.cli import main
from tests.fixtures import make_reference, write_wide_2022


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="git fehlt")
def test_geschriebenes_ist_ignoriert(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(config.REPO_ROOT / ".gitignore", repo / ".gitignore")
    git(repo, "init", "-q")
    git(repo, "add", ".gitignore")
    git(repo, "-c", "user.name=Test", "-c", "user.email=test@example.invalid", "commit", "-q", "-m", "gitignore")
    monkeypatch.chdir(repo)
    monkeypatch.setenv("SOZIAL_DWH_HOME", str(repo / "data"))
    monkeypatch.setenv("SOZIAL_DWH_REFERENCE", str(make_reference(tmp_path / "ref")))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)  # wie `make run`: die Instanz entsteht unter data/dagster
    monkeypatch.setenv("SOZIAL_DWH_SCHREIBPAUSE_S", "0")

    # demo --scale 2 schreibt die Gebietsgliederung nach data/referenz_2_gemeinden (die Dateien hier nach außen)
    assert main(["demo", "--scale", "2", "--inbox", str(tmp_path / "demo")]) == 0
    (repo / "data" / "inbox").mkdir(parents=True)
    write_wide_2022(repo / "data" / "inbox")
    (repo / "data" / "inbox" / "notizen.txt").write_text("keine Tabelle", encoding="utf-8")
    assert main(["run"]) == 0
    assert main(["export", "--bericht", "2022"]) == 0
    assert main(["templates"]) == 0
    capsys.readouterr()

    geschrieben = sorted(p.name for p in (repo / "data").iterdir())
    assert {"archive", "dagster", "exports", "inbox", "logs", "pruefberichte", "referenz_2_gemeinden", "rejected",
            "templates", "warehouse"} <= set(geschrieben), geschrieben
    assert git(repo, "status", "--porcelain", "--untracked-files=all", "--ignored=no") == ""
