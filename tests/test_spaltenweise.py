"""Spaltenweises Lesen langer Tabellen (`Table.blocks`): glatte Zeilen in einem Zug, auffällige einzeln.

Beide Wege müssen genau dasselbe ergeben wie das Lesen Zeile für Zeile: dieselben Zellen in derselben
Reihenfolge, dieselbe Quarantäne mit Zeile und Spalte. Die Dateien mischen glatte Zeilen mit allem, was den
genauen Weg braucht (Fußnote, Leerzeile, Summenzeile, DIN-Zeichen, unbekanntes Gebiet, doppelte Zelle vor und
nach anderen Zeilen, Wahrheitswert in einer Zahlenspalte), und werden mit verschiedenen Blockgrößen gelesen –
auch so, dass ein Duplikat im nächsten Block steht.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sozial_dwh.ingest import inspect_file
from sozial_dwh.readers import table as table_module
from sozial_dwh.reference import GebietMatcher, load_gebiete
from tests.fixtures import make_reference, write_xlsx

BLOCKGROESSEN = [None, 1, 2, 3, 5]  # None = Vorgabe (ein Block für die ganze Tabelle)


@pytest.fixture
def matcher(tmp_path: Path) -> GebietMatcher:
    return GebietMatcher(load_gebiete(make_reference(tmp_path / "ref")))


def _lesen(path: Path, matcher: GebietMatcher, blockgroesse: int | None, monkeypatch: pytest.MonkeyPatch):
    if blockgroesse is not None:
        monkeypatch.setattr(table_module, "BLOCK_ROWS", blockgroesse)
    verdict = inspect_file(path, matcher)
    assert verdict.ok, verdict.fehler
    return verdict.result


@pytest.mark.parametrize("blockgroesse", BLOCKGROESSEN)
def test_bevoelkerung_langformat_gemischt(tmp_path: Path, matcher: GebietMatcher, blockgroesse, monkeypatch):
    path = write_xlsx(tmp_path / "bevoelkerung_2022-12-31.xlsx", {"Bevölkerung": [
        ["Einwohner nach Alter und Geschlecht"],  # Zeile 1: Titel
        ["Gebiet", "Alter", "Geschlecht", "Anzahl"],  # Zeile 2: Kopf
        ["A1", 0, "m", 10],  # 3
        ["A1", 0, "w", 12],  # 4
        ["A1", 1, "m", "1.234"],  # 5: Zahl als deutscher Text
        ["A1", 1, "w", "*"],  # 6: gesperrt -> NULL mit Kennzeichen
        [],  # 7: Leerzeile
        ["X9", 0, "m", 5],  # 8: unbekanntes Gebiet -> Quarantäne (A)
        ["A2", 0, "m", 7],  # 9
        ["A2", 0, "m", 8],  # 10: dieselbe Zelle wie Zeile 9 -> Quarantäne (D)
        ["A2", 0, "w", "–"],  # 11: DIN-Strich = 0
        ["Insgesamt", 0, "m", 21],  # 12: Summenzeile, A1 10 + A2 7 + B3 4 (Zeile 15) = 21 passt
        ["A1", "abc", "m", 3],  # 13: Alter unlesbar -> Quarantäne (B)
        ["A1", 0, "m", 99],  # 14: dieselbe Zelle wie Zeile 3 -> Quarantäne (D)
        ["B3", 0, "m", 4],  # 15
        ["A2", 1, "m", True],  # 16: Wahrheitswert statt Zahl -> Quarantäne (D)
        ["Quelle: Einwohnermeldeamt"],  # 17: Fußnote
    ]})
    result = _lesen(path, matcher, blockgroesse, monkeypatch)
    got = [(r["zeile"], r["gebiet_id"], r["alter_von"], r["alter_bis"], r["geschlecht"], r["anzahl"])
           for r in result.records]
    assert got == [
        (3, "A1", 0, 0, "m", 10),
        (4, "A1", 0, 0, "w", 12),
        (5, "A1", 1, 1, "m", 1234),
        (6, "A1", 1, 1, "w", None),
        (9, "A2", 0, 0, "m", 7),
        (11, "A2", 0, 0, "w", 0),
        (15, "B3", 0, 0, "m", 4),
    ]
    assert all(r["spalte"] == "D" and r["blatt"] == "Bevölkerung" and r["stichtag"] == dt.date(2022, 12, 31)
               and r["staatsangehoerigkeit"] == "insgesamt" for r in result.records)
    gesperrt = result.records[3]
    assert gesperrt["kennzeichen"] and gesperrt["kennzeichen"] != "leer"
    assert [r["kennzeichen"] for i, r in enumerate(result.records) if i != 3] == [None] * 6
    assert [(q.zeile, q.spalte) for q in result.quarantine] == [(8, "A"), (10, "D"), (13, "B"), (14, "D"), (16, "D")]
    assert "schon in Zeile 9" in result.quarantine[1].grund and "schon in Zeile 3" in result.quarantine[3].grund
    assert not any(m.startswith("Warnung") for m in result.meldungen)  # Summenzeile 12 stimmt
    assert result.gemeinden == {"09999999"} and result.stichtage == {dt.date(2022, 12, 31)}


@pytest.mark.parametrize("blockgroesse", BLOCKGROESSEN)
def test_sgb2_personen_gemischt(tmp_path: Path, matcher: GebietMatcher, blockgroesse, monkeypatch):
    path = write_xlsx(tmp_path / "sgb2_2022-12-31.xlsx", {"Personen": [
        ["BG-Nummer", "Person-Nummer", "Alter", "Geschlecht", "Status", "Staatsangehörigkeit",
         "Alleinerziehend", "Gebiet"],  # Zeile 1
        ["BG1", "P1", 34, "w", "ELB", "deutsch", "ja", "A1"],  # 2
        ["BG1", "P2", 4, "m", "NEF", "deutsch", "ja", "A1"],  # 3
        ["BG2", "P3", 130, "m", "ELB", "deutsch", "nein", "A1"],  # 4: Alter > 120 -> Quarantäne (C)
        ["BG2", None, 40, "m", "ELB", "deutsch", "nein", "A1"],  # 5: Person-Nummer fehlt -> Quarantäne (B)
        ["BG3", "P4", 16, "w", None, "deutsch", "nein", "A2"],  # 6: Status fehlt -> Quarantäne (E)
        ["BG3", "P5", 17, "w", "Sonstige", "deutsch", "nein", "A2"],  # 7: zählt nur als LB (und unter 18)
        ["BG1", "P1", 34, "w", "ELB", "deutsch", "ja", "A1"],  # 8: Person doppelt -> Quarantäne (B)
        [None, None, None, None, None, None, None, "Insgesamt"],  # 9: Summenzeile -> Quarantäne (H)
        ["BG4", "P6", 8, "m", "NEF", "nichtdeutsch", True, "A2"],  # 10: Wahrheitswert: nicht „ja“
        ["Quelle: Jobcenter, eigene Auszählung"],  # 11: Fußnote
    ]})
    result = _lesen(path, matcher, blockgroesse, monkeypatch)
    got = {(r["gebiet_id"], r["merkmal"]): r["anzahl"] for r in result.records}
    merkmale = ("leistungsberechtigte", "bedarfsgemeinschaften", "elb", "nef", "nef_u15", "lb_u18",
                "bg_alleinerziehend")
    # A1: P1 (34, ELB), P2 (4, NEF) in BG1 (alleinerziehend): LB 2, BG 1, ELB 1, NEF 1, NEF u15 1, u18 1, AE-BG 1
    assert [got[("A1", m)] for m in merkmale] == [2, 1, 1, 1, 1, 1, 1]
    # A2: P5 (17, Sonstige) in BG3, P6 (8, NEF) in BG4: LB 2, BG 2, ELB 0, NEF 1, NEF u15 1, u18 2, AE-BG 0
    assert [got[("A2", m)] for m in merkmale] == [2, 2, 0, 1, 1, 2, 0]
    assert [(q.zeile, q.spalte) for q in result.quarantine] == [(4, "C"), (5, "B"), (6, "E"), (8, "B"), (9, "H")]
    assert "schon in Zeile 2" in result.quarantine[3].grund
    assert "4 Personenzeilen zu 2 Gebieten" in " ".join(result.meldungen)
