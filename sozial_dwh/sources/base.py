"""Gemeinsame Bausteine der Quell-Leser: Kontext, Ergebnis, Quarantänezeilen."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

from sozial_dwh.readers.workbook import Sheet
from sozial_dwh.reference import GebietMatcher
from sozial_dwh.sources.zellen import CellStore


@dataclass(frozen=True)
class QuarantineRow:
    """Eine zurückgehaltene Zeile mit Fundstelle und Grund."""

    blatt: str
    zeile: int
    spalte: str | None
    grund: str
    wert: str | None = None


@dataclass
class ReadContext:
    dateiname: str
    matcher: GebietMatcher
    quelle: str | None = None
    stichtag: dt.date | None = None  # aus Info-Blatt oder Dateiname
    stichtag_herkunft: str = ""  # woher `stichtag` kommt, für Meldungen („Blatt „Info““, „Dateiname“)
    gemeinde: str | None = None  # AGS aus dem Info-Blatt
    blatt: object = None  # Blatt „Info“, Zeile „Blatt“: welches Blatt die Daten hält (wenn mehrere in Frage kommen)
    heute: dt.date = field(default_factory=dt.date.today)
    profil: object = None  # Lieferprofil (`sozial_dwh.profile.Profil`), nach dem die Datei gelesen wird


@dataclass
class ReadResult:
    """Was ein Leser aus einer Datei gewonnen hat. Die Zeilen einer Rohtabelle sind eine Liste von Dicts (kleine
    Tabellen) oder ein Zellspeicher (`CellStore`, Würfelzellen in DuckDB): beide zählen mit `len` und liefern beim
    Durchlaufen Dicts. `close` gibt die Zellspeicher frei."""

    tables: dict[str, list[dict] | CellStore] = field(default_factory=dict)  # Rohtabelle -> Zeilen
    quarantine: list[QuarantineRow] = field(default_factory=list)
    meldungen: list[str] = field(default_factory=list)
    stichtage: set[dt.date] = field(default_factory=set)
    gemeinden: set[str] = field(default_factory=set)

    @property
    def records(self) -> list[dict]:
        """Alle gelesenen Zeilen über alle Rohtabellen als Liste (holt Zellspeicher ganz in den Speicher: für
        Tests und kleine Dateien; sonst `row_count` oder die Tabellen selbst)."""
        return [record for rows in self.tables.values() for record in rows]

    def gebiete_je_stichtag(self) -> dict[dt.date, set[str]]:
        """Welche Gebiete die Datei je Stichtag liefert (für die Prüfung, ob eine Korrektur vollständig ist)."""
        found: dict[dt.date, set[str]] = {}
        for rows in self.tables.values():  # Zeile für Zeile, auch aus dem Zellspeicher: nie alle auf einmal
            for record in rows:
                if record.get("gebiet_id") is not None and record.get("stichtag") is not None:
                    found.setdefault(record["stichtag"], set()).add(record["gebiet_id"])
        return found

    def gebiete_je_stichtag_und(self, spalte: str) -> dict[tuple, set[str]]:
        """Welche Gebiete die Datei je (Stichtag, Wert von `spalte`) liefert: für Quellen, deren Lieferungen sich
        nach einer Spalte teilen (merkmale: je Merkmal)."""
        found: dict[tuple, set[str]] = {}
        for rows in self.tables.values():  # Zeile für Zeile, auch aus dem Zellspeicher: nie alle auf einmal
            for record in rows:
                found.setdefault((record["stichtag"], record[spalte]), set()).add(record["gebiet_id"])
        return found

    @property
    def row_count(self) -> int:
        """Zahl der gelesenen Zeilen über alle Rohtabellen."""
        return sum(len(rows) for rows in self.tables.values())

    def close(self) -> None:
        for rows in self.tables.values():
            if isinstance(rows, CellStore):
                rows.close()

    def quarantine_row(self, blatt: str, zeile: int, spalte: str | None, grund: str, wert: object = None) -> None:
        self.quarantine.append(QuarantineRow(blatt, zeile, spalte, grund, None if wert is None else str(wert)))


class SourceReader(Protocol):
    """Schnittstelle eines Quell-Lesers. `quelle` ist der Name aus architektur.md §5.2."""

    quelle: str
    raw_tables: tuple[str, ...]

    def matches(self, sheets: list[Sheet]) -> bool:
        """Passt die Kopfzeile eines Blatts zu dieser Quelle (Erkennung an der Kopfzeilen-Signatur)?"""
        ...

    def signature(self, sheets: list[Sheet]) -> tuple[str, int] | None:
        """(Blatt, Zahl erkannter Spalten) der passenden Kopfzeile, sonst None; "" als Blatt = ganze Mappe."""
        ...

    def read(self, sheets: list[Sheet], ctx: ReadContext) -> ReadResult:
        """Liest die Datei; wirft FileRejected bei Fehlern, die die ganze Datei betreffen."""
        ...
