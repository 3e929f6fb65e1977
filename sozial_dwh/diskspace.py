"""Freier Speicherplatz: vor dem Lauf prüfen, eine volle Platte im Lauf erkennen und auf Deutsch melden (architektur.md §9).

Ein Lauf braucht Platz für die Arbeitskopie des Warehouse, die neue Analysekopie, die Ablage der Eingangsdateien in
`archive/` bzw. `rejected/` und eine Reserve für das Wachsen der Datenbank. Reicht er schon vor dem Start nicht, beginnt
der Lauf gar nicht (`require_free_space`). Läuft die Platte während des Laufs voll, scheitert er wie bei jedem anderen
Fehler: die Arbeitskopie wird verworfen, Warehouse und Analysekopie bleiben unverändert, die Dateien bleiben im
Eingang; `is_disk_full` erkennt den Grund in jeder Schicht (Betriebssystem, DuckDB, SQLite der Dagster-Instanz), und
`disk_full_message` sagt, welcher Ordner wie viel Platz hat und wie viel ein Lauf etwa braucht.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from sozial_dwh.config import Paths

RESERVE_MIN_BYTES = 32 * 1024 * 1024
_MESSAGES = ("no space left on device", "database or disk is full", "disk quota exceeded", "disk full",
             "not enough space on the disk")
_ERRNOS = {errno.ENOSPC, errno.EDQUOT}


class DiskFull(RuntimeError):
    """Zu wenig Speicherplatz; die Nachricht ist deutsch und nennt Ordner, freien und benötigten Platz."""


def _mb(size: float) -> str:
    """Größe für Menschen: 1,5 MB oder 340,0 KB (deutsche Schreibweise)."""
    value, unit = (size / (1024 * 1024), "MB") if size >= 1024 * 1024 or size == 0 else (size / 1024, "KB")
    return f"{value:,.1f} {unit}".replace(",", "X").replace(".", ",").replace("X", ".")


def is_disk_full(exc: BaseException | None) -> bool:
    """Ist `exc` (oder eine seiner Ursachen) eine volle Platte bzw. ein ausgeschöpftes Kontingent?"""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, DiskFull) or (isinstance(exc, OSError) and exc.errno in _ERRNOS):
            return True
        if any(text in str(exc).lower() for text in _MESSAGES):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def text_says_disk_full(text: str) -> bool:
    """Wie `is_disk_full`, für eine Fehlermeldung als Text (z. B. aus einem Dagster-Ereignis)."""
    lowered = text.lower()
    return any(message in lowered for message in _MESSAGES) or "errno 28" in lowered


# SQLite (die Dagster-Instanz) meldet eine volle Platte manchmal nur als „disk I/O error“ (das Journal ließ sich nicht
# schreiben). Das gilt dann als volle Platte, wenn auf einem der Laufwerke tatsächlich kaum noch Platz ist.
LOW_FREE_BYTES = 4 * 1024 * 1024
_IO_ERRORS = ("disk i/o error", "input/output error", "i/o error")


def looks_like_disk_full(exc: BaseException | None, text: str, folders: list[Path]) -> bool:
    """Volle Platte nach Ausnahme oder Meldungstext – oder ein Ein-/Ausgabefehler, während ein Ordner fast voll ist."""
    if is_disk_full(exc) or text_says_disk_full(text):
        return True
    if not any(message in text.lower() for message in _IO_ERRORS):
        return False
    for folder in folders:
        try:
            if free_bytes(folder) < LOW_FREE_BYTES:
                return True
        except OSError:
            continue
    return False


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _inbox_bytes(paths: Paths) -> int:
    if not paths.inbox.exists():
        return 0
    total = 0
    with os.scandir(paths.inbox) as entries:
        for entry in entries:
            try:
                if entry.is_file(follow_symlinks=False):
                    total += entry.stat(follow_symlinks=False).st_size
            except OSError:
                continue
    return total


@dataclass
class Need:
    """Platzbedarf eines Laufs auf einem Dateisystem."""

    folder: Path
    parts: list[tuple[str, int]]

    @property
    def total(self) -> int:
        return sum(size for _, size in self.parts)

    def describe(self) -> str:
        return ", ".join(f"{what} {_mb(size)}" for what, size in self.parts if size)


def _existing(folder: Path) -> Path:
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    return folder


def run_needs(paths: Paths) -> list[Need]:
    """Platzbedarf eines Laufs je Dateisystem (Ordner des Warehouse, der Ablage)."""
    warehouse = _size(paths.warehouse) + _size(paths.warehouse.with_name(paths.warehouse.name + ".wal"))
    reserve = max(RESERVE_MIN_BYTES, warehouse // 4)
    wanted = [
        (paths.warehouse_dir, "Arbeitskopie des Warehouse", warehouse),
        (paths.warehouse_dir, "neue Analysekopie", warehouse),
        (paths.warehouse_dir, "Reserve für das Wachsen der Datenbank", reserve),
        (paths.archive, "Ablage der Eingangsdateien", _inbox_bytes(paths)),
    ]
    needs: dict[int, tuple[list[Path], list[tuple[str, int]]]] = {}
    for folder, what, size in wanted:
        folders, parts = needs.setdefault(_existing(folder).stat().st_dev, ([], []))
        folders.append(folder)
        parts.append((what, size))
    # je Laufwerk ein Ordner, der alles Betroffene enthält (meist SOZIAL_DWH_HOME)
    return [Need(Path(os.path.commonpath(folders)) if len(set(folders)) > 1 else folders[0], parts)
            for folders, parts in needs.values()]


def free_bytes(folder: Path) -> int:
    return shutil.disk_usage(_existing(folder)).free


def require_free_space(paths: Paths) -> None:
    """Wirft DiskFull, wenn ein Lauf absehbar nicht genug Platz hat (vor dem Anlegen der Arbeitskopie)."""
    for need in run_needs(paths):
        free = free_bytes(need.folder)
        if free < need.total:
            raise DiskFull(
                f"Zu wenig freier Speicherplatz für den Lauf im Ordner {need.folder}: frei sind {_mb(free)}, gebraucht "
                f"werden etwa {_mb(need.total)} ({need.describe()}). Der Lauf wurde nicht begonnen; Warehouse und "
                "Analysekopie sind unverändert, die Dateien bleiben im Eingang. Bitte auf diesem Laufwerk Platz "
                f"schaffen (mindestens {_mb(need.total - free)}, z. B. alte Exporte oder Sicherungen verschieben) und "
                "den Lauf erneut starten."
            )


def disk_full_message(paths: Paths, technisch: str = "", dagster_home: Path | None = None) -> str:
    """Deutsche Meldung zu einer vollen Platte im Lauf: welche Ordner wie viel Platz haben, was ein Lauf braucht."""
    lines = []
    for need in run_needs(paths):
        with contextlib.suppress(OSError):
            lines.append(f"Ordner {need.folder}: frei {_mb(free_bytes(need.folder))}, ein Lauf braucht dort etwa "
                         f"{_mb(need.total)} ({need.describe()})")
    if dagster_home is not None:
        with contextlib.suppress(OSError):
            lines.append(f"Ordner {dagster_home} (Dagster-Instanz, DAGSTER_HOME: Protokolle der Läufe): frei "
                         f"{_mb(free_bytes(dagster_home))}")
    detail = f" (technische Angabe: {technisch.strip()})" if technisch.strip() else ""
    return (
        f"Kein Speicherplatz mehr frei: der Lauf konnte nicht weiterschreiben{detail}. Warehouse und Analysekopie "
        "sind unverändert, die Dateien bleiben im Eingang und werden beim nächsten Lauf geladen. Bitte Platz "
        "schaffen (z. B. alte Exporte oder Sicherungen verschieben) und den Lauf erneut starten; er räumt die Reste "
        "dieses Laufs selbst weg. Freier Platz jetzt – " + "; ".join(lines) + "."
    )

