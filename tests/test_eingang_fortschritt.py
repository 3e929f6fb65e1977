"""Fortschritt des Eingangs (sozial_dwh.ingest.ingest_inbox): je Datei eine Zeile, bei vielen Dateien höchstens eine
je Sekunde und die letzte – jede Zeile ist im Lauf ein Ereignis in Dagsters Protokoll (Issue 17). Geladen wird
trotzdem jede Datei."""

from __future__ import annotations

import re

import pytest

from sozial_dwh import ingest, warehouse
from sozial_dwh.config import Paths
from sozial_dwh.reference import GebietMatcher, load_gebiete
from tests import test_konferenz_modell as basis


def _eingang(home: Paths) -> tuple[list[str], ingest.IngestSummary]:
    zeilen: list[str] = []
    with warehouse.connect(home) as con:
        summary = ingest.ingest_inbox(home, con, GebietMatcher(load_gebiete(home.reference)), pause_s=0,
                                      progress=zeilen.append)
    return [z for z in zeilen if re.match(r"\[\d+/\d+\] ", z)], summary


def test_wenige_dateien_je_datei_eine_zeile(home: Paths):
    basis.write_statistics(home.inbox)
    dateien = sorted(p.name for p in home.inbox.iterdir())
    zeilen, summary = _eingang(home)
    assert zeilen == [f"[{n}/{len(dateien)}] {name}" for n, name in enumerate(dateien, start=1)]
    assert sorted(summary.geladen) == dateien


def test_viele_dateien_erste_und_letzte(home: Paths, monkeypatch: pytest.MonkeyPatch):
    # als wären es viele Dateien (Schwelle 2) und als verginge zwischen zwei Dateien keine Sekunde (Abstand 1 h)
    monkeypatch.setattr(ingest, "FORTSCHRITT_JE_DATEI_BIS", 2)
    monkeypatch.setattr(ingest, "FORTSCHRITT_ABSTAND_S", 3600.0)
    basis.write_statistics(home.inbox)
    dateien = sorted(p.name for p in home.inbox.iterdir())
    assert len(dateien) > 2
    zeilen, summary = _eingang(home)
    assert zeilen == [f"[1/{len(dateien)}] {dateien[0]}", f"[{len(dateien)}/{len(dateien)}] {dateien[-1]}"]
    assert sorted(summary.geladen) == dateien  # keine Datei weniger geladen
