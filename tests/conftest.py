from __future__ import annotations

from pathlib import Path

import pytest

from sozial_dwh.config import Paths
from tests.fixtures import make_reference


def setup_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Paths:
    """Ein leeres SOZIAL_DWH_HOME mit der kleinen Test-Gebietsgliederung als Referenz."""
    reference = make_reference(tmp_path / "reference")
    monkeypatch.setenv("SOZIAL_DWH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SOZIAL_DWH_REFERENCE", str(reference))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.setenv("SOZIAL_DWH_SCHREIBPAUSE_S", "0")  # Dateien der Tests sind fertig geschrieben
    (tmp_path / "dagster").mkdir()
    return Paths.from_env().ensure()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Paths:
    return setup_home(tmp_path, monkeypatch)


@pytest.fixture(scope="module")
def module_home(tmp_path_factory: pytest.TempPathFactory):
    """Wie `home`, aber einmal je Testmodul: für Module, die einen Lauf nur lesend prüfen."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield setup_home(tmp_path_factory.mktemp("modul"), monkeypatch)


@pytest.fixture(scope="session")
def beispiel_ausgaben(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    """Die Beispieldaten, ein Lauf, dann `sozial-dwh export` für 2022 (wie ausgeliefert) und 2020 (strenge
    Geheimhaltung: Fallzahlen bis 25 gesperrt, damit auf allen Ebenen Werte gesperrt sind). Einmal je Testsitzung,
    geteilt von den Tests der Karten und der Sozialraumprofile; die Umgebung gilt nur während des Bauens, die Tests
    lesen die Dateien über die zurückgegebenen Pfade."""
    import shutil

    import dagster as dg

    from pipelines.ausfuehren import alles_ausfuehren
    from sozial_dwh import config
    from sozial_dwh.cli import main

    tmp = tmp_path_factory.mktemp("beispiel")
    referenz = tmp / "referenz"
    shutil.copytree(config.REPO_ROOT / "data" / "reference", referenz)
    berichte = (referenz / "berichte.csv").read_text(encoding="utf-8")
    (referenz / "berichte.csv").write_text(berichte.replace("2021-09-30,2\n", "2021-09-30,25\n"), encoding="utf-8")
    (tmp / "dagster").mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOZIAL_DWH_HOME", str(tmp / "home"))
        mp.setenv("SOZIAL_DWH_REFERENCE", str(referenz))
        mp.setenv("DAGSTER_HOME", str(tmp / "dagster"))
        mp.setenv("SOZIAL_DWH_SCHREIBPAUSE_S", "0")
        paths = config.Paths.from_env()
        assert main(["demo", "--inbox", str(paths.inbox)]) == 0
        assert alles_ausfuehren(dg.DagsterInstance.get(), paths).success
        assert main(["export", "--bericht", "2022"]) == 0
        assert main(["export", "--bericht", "2020"]) == 0
    return paths
