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
