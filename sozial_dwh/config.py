"""Pfade des Warehouse (architektur.md §4).

Alles wird bei Aufruf aus der Umgebung gelesen, nie beim Import: Tests und Dagster-Ressourcen
können `SOZIAL_DWH_HOME` setzen, bevor die erste Datei angefasst wird.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = REPO_ROOT / "sql"

WAREHOUSE_FILE = "sozial_dwh.duckdb"
ANALYSE_FILE = "sozial_dwh_analyse.duckdb"


def home() -> Path:
    """`$SOZIAL_DWH_HOME`, sonst der Ordner `data/` des Repositorys."""
    value = os.environ.get("SOZIAL_DWH_HOME")
    return Path(value).expanduser().resolve() if value else REPO_ROOT / "data"


def reference_dir() -> Path:
    """`$SOZIAL_DWH_REFERENCE`, sonst `data/reference/` des Repositorys."""
    value = os.environ.get("SOZIAL_DWH_REFERENCE")
    return Path(value).expanduser().resolve() if value else REPO_ROOT / "data" / "reference"


@dataclass(frozen=True)
class Paths:
    """Alle Ordner unter einem Home-Verzeichnis."""

    home: Path
    reference: Path

    @classmethod
    def from_env(cls, home_dir: str | Path | None = None, reference: str | Path | None = None) -> Paths:
        return cls(
            home=Path(home_dir).resolve() if home_dir else home(),
            reference=Path(reference).resolve() if reference else reference_dir(),
        )

    @property
    def inbox(self) -> Path:
        return self.home / "inbox"

    @property
    def archive(self) -> Path:
        return self.home / "archive"

    @property
    def rejected(self) -> Path:
        return self.home / "rejected"

    @property
    def warehouse_dir(self) -> Path:
        return self.home / "warehouse"

    @property
    def lauf_dir(self) -> Path:
        """Was die Leseschritte eines Laufs gelesen haben (`lauf/<lauf_id>/<sha256>/`, sozial_dwh.gelesen); der
        Eingang lädt es und löscht den Ordner danach."""
        return self.home / "lauf"

    @property
    def exports(self) -> Path:
        return self.home / "exports"

    @property
    def warehouse(self) -> Path:
        return self.warehouse_dir / WAREHOUSE_FILE

    @property
    def analyse(self) -> Path:
        return self.warehouse_dir / ANALYSE_FILE

    def ensure(self) -> Paths:
        for folder in (self.inbox, self.archive, self.rejected, self.warehouse_dir, self.exports):
            folder.mkdir(parents=True, exist_ok=True)
        return self


# Die lokale Dagster-Instanz, die das Projekt anlegt: Dagsters Standardwerte, aber ohne Telemetrie (und ohne
# Dagsters englischen Hinweis darauf beim ersten Lauf).
DAGSTER_YAML = """# Lokale Dagster-Instanz (Standard). Betrieb mit PostgreSQL: README, Abschnitt „Betrieb“.
telemetry:
  enabled: false
# Das Warehouse hat genau einen Schreiber: Läufe aus Oberfläche, Zeitplänen und Sensoren (etwa die Entwürfe nach
# einem Lauf) warten in der Warteschlange, statt gleichzeitig zu starten und an der Sperre zu scheitern.
concurrency:
  runs:
    max_concurrent_runs: 1
# Dagsters eigene Konsolenzeilen ab INFO: die Leseprozesse eines Laufs in mehreren Prozessen schrieben sonst je
# Schritt eine englische DEBUG-Zeile zwischen den Fortschritt der Kommandozeile (das Protokoll enthält alles).
python_logs:
  python_log_level: INFO
# Dagsters Protokoll der Läufe auf SQLite, mit offen gehaltenen Verbindungen statt einer neuen je Ereignis
# (pipelines/instanz.py; ein Lauf des Beispiels 11 s statt 18 s). Ablage wie ab Werk: history/runs/.
event_log_storage:
  module: pipelines.instanz
  class: SqliteEreignisprotokoll
  config: {}
"""


# SHA-256 (die ersten 16 Zeichen) der `dagster.yaml`, die frühere Fassungen ab Werk schrieben
_FRUEHERE_VORGABEN = frozenset({"cdd9d0c394018073", "c0d083469cfff995", "ccd26e700a8cd8e1"})


def dagster_instanz_anlegen(folder: Path) -> Path:
    """Legt `folder` als Dagster-Instanz an (für `DAGSTER_HOME`) und gibt ihn zurück.

    Fehlt `dagster.yaml`, enthält sie keine Einstellung (so legten frühere Fassungen sie an) oder ist sie genau die
    Vorgabe einer früheren Fassung, schreibt das Projekt seine: Standardwerte, Telemetrie aus. Eine `dagster.yaml`,
    die jemand geändert hat, bleibt, wie sie ist."""
    folder.mkdir(parents=True, exist_ok=True)
    yaml = folder / "dagster.yaml"
    text = yaml.read_text(encoding="utf-8") if yaml.exists() else ""
    leer = not any(zeile.strip() and not zeile.lstrip().startswith("#") for zeile in text.splitlines())
    if leer or hashlib.sha256(text.encode("utf-8")).hexdigest()[:16] in _FRUEHERE_VORGABEN:
        yaml.write_text(DAGSTER_YAML, encoding="utf-8")
    return folder
