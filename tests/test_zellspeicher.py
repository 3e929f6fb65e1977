"""Zellspeicher (`sozial_dwh.sources.zellen`): lange Dateien stückweise über DuckDB statt als Python-Dicts.

Eine Datei, in kleinen Stücken gelesen (7 Zellen je Stück, dazu kleine Blöcke), muss genau dasselbe ergeben wie
in einem Stück: dieselben Zellen in derselben Reihenfolge, dieselbe Quarantäne mit Fundstelle – auch für eine
doppelte Zelle, deren erste in einem früheren Stück steht –, dieselben Warnungen (Summenzeilen, Randsummen) und
derselbe abgeleitete Wert „ohne Zuordnung“. Und eingefügt ins Warehouse dieselben Zeilen.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sozial_dwh import warehouse
from sozial_dwh.config import Paths
from sozial_dwh.ingest import IngestSummary, ingest_file, inspect_file
from sozial_dwh.parsing import AgeBand
from sozial_dwh.readers import table as table_module
from sozial_dwh.reference import GebietMatcher, load_gebiete
from sozial_dwh.sources import zellen
from tests.fixtures import GEBIETE_CSV, WIDE_2022_TOTAL, make_reference, wide_2022_rows, write_xlsx

KOPF = ["Gebiet", "Altersgruppe", "Geschlecht", "Staatsangehörigkeit", "Anzahl"]
ZEILEN = [  # ab Zeile 2; Stücke zu 7 Zellen: die Grenzen liegen zwischen gelesenen Zellen, nicht Dateizeilen
    ["A1", "unter 18", "m", "deutsch", 10],  # 2
    ["A1", "unter 18", "w", "deutsch", 11],  # 3
    ["A1", "18 bis 64", "m", "deutsch", 20],  # 4
    ["A1", "18 bis 64", "w", "deutsch", 21],  # 5
    ["A1", "65 und älter", "m", "deutsch", 5],  # 6
    ["A1", "65 und älter", "w", "deutsch", 6],  # 7
    ["A1", "insgesamt", "m", "deutsch", 35],  # 8: 10 + 20 + 5 stimmt
    ["A1", "insgesamt", "w", "deutsch", 40],  # 9: 11 + 21 + 6 = 38 -> Warnung (Altersgruppen)
    ["A1", "insgesamt", "insgesamt", "deutsch", 75],  # 10: 35 + 40 stimmt
    ["A1", "unter 18", "insgesamt", "deutsch", 22],  # 11: 10 + 11 = 21 -> Warnung (Geschlecht)
    ["A1", "unter 18", "m", "deutsch", 99],  # 12: dieselbe Zelle wie Zeile 2 (früheres Stück) -> Quarantäne
    ["X9", "unter 18", "m", "deutsch", 5],  # 13: unbekanntes Gebiet -> Quarantäne
    ["A2", "unter 18", "m", "deutsch", 4],  # 14
    ["A2", "unter 18", "w", "deutsch", 7],  # 15
    ["A2", "unter 18", "w", "deutsch", 8],  # 16: dieselbe Zelle wie Zeile 15 (selbes Stück) -> Quarantäne
    ["A2", "18 bis 64", "m", "deutsch", "*"],  # 17: gesperrt
    ["A2", "18 bis 64", "w", "deutsch", 8],  # 18
    ["A2", "18 bis 64", "insgesamt", "deutsch", 50],  # 19: ein Teil gesperrt -> keine Aussage
    ["A1", "65 und älter", "m", "nichtdeutsch", 2],  # 20
    ["A1", "65 und älter", "m", "insgesamt", 9],  # 21: 5 + 2 = 7 -> Warnung (Staatsangehörigkeit)
    ["ohne Zuordnung", "unter 18", "m", "deutsch", "*"],  # 22: aus der Gesamtsumme abgeleitet: 30 - 10 - 4 = 16
    ["Insgesamt", "unter 18", "m", "deutsch", 30],  # 23: Summenzeile, stimmt mit dem abgeleiteten Wert
    ["Insgesamt", "unter 18", "w", "deutsch", 20],  # 24: 11 + 7 = 18 -> Warnung (Summenzeile)
    ["A1", "unter 18", "m", "deutsch", 10],  # 25: noch einmal dieselbe Zelle wie Zeile 2
    ["Quelle: Testdaten"],  # 26: Fußnote
]


@pytest.fixture
def matcher(tmp_path: Path) -> GebietMatcher:
    return GebietMatcher(load_gebiete(make_reference(tmp_path / "ref")))


def _write(folder: Path, art: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if art == "xlsx":
        return write_xlsx(folder / "bevoelkerung_2022-12-31.xlsx", {"Bevölkerung": [KOPF, *ZEILEN]})
    path = folder / "bevoelkerung_2022-12-31.csv"
    path.write_text("\n".join(";".join(str(v) for v in row) for row in [KOPF, *ZEILEN]) + "\n", encoding="utf-8")
    return path


def _lesen(path: Path, matcher: GebietMatcher, monkeypatch: pytest.MonkeyPatch, stueck: int | None,
           block: int | None) -> dict:
    """Alles, was ein Lesen ergibt, in vergleichbarer Form; dazu die größte Zahl Zellen, die Python je hielt."""
    with monkeypatch.context() as patch:
        gehalten: list[int] = []
        flush = zellen.CellStore.flush

        def beobachtet(store: zellen.CellStore) -> None:
            gehalten.append(store.buffered)
            flush(store)

        patch.setattr(zellen.CellStore, "flush", beobachtet)
        if stueck is not None:
            patch.setattr(zellen, "CHUNK_ROWS", stueck)
        if block is not None:
            patch.setattr(table_module, "BLOCK_ROWS", block)
        verdict = inspect_file(path, matcher)
        assert verdict.ok, verdict.fehler
        result = verdict.result
        gelesen = {
            "zellen": result.records,
            "quarantaene": [(q.blatt, q.zeile, q.spalte, q.grund, q.wert) for q in result.quarantine],
            "meldungen": result.meldungen,
            "stichtage": result.stichtage,
            "gemeinden": result.gemeinden,
            "anzahl": result.row_count,
        }
        result.close()
    return {**gelesen, "hoechstens_gehalten": max(gehalten, default=0)}


@pytest.mark.parametrize("art", ["csv", "xlsx"])
def test_stueckweise_gleich_wie_in_einem_stueck(tmp_path: Path, matcher: GebietMatcher, art: str, monkeypatch):
    path = _write(tmp_path / art, art)
    ganz = _lesen(path, matcher, monkeypatch, stueck=None, block=None)

    # von Hand: Zellen, Quarantäne, Warnungen
    got = {(r["zeile"], r["gebiet_id"], r["alter_von"], r["alter_bis"], r["geschlecht"],
            r["staatsangehoerigkeit"]): (r["anzahl"], r["kennzeichen"]) for r in ganz["zellen"]}
    assert [r["zeile"] for r in ganz["zellen"]] == [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 15, 17, 18, 19, 20, 21, 22]
    assert got[(22, "09999999-oZ", 0, 17, "m", "deutsch")] == (16, "aus Gesamtsumme abgeleitet")
    assert got[(2, "A1", 0, 17, "m", "deutsch")] == (10, None)
    assert got[(17, "A2", 18, 64, "m", "deutsch")][0] is None
    assert all(r["spalte"] == "E" and r["stichtag"] == dt.date(2022, 12, 31) for r in ganz["zellen"])
    assert ganz["anzahl"] == 18
    assert [(zeile, spalte) for _, zeile, spalte, _, _ in ganz["quarantaene"]] == [
        (12, "E"), (13, "A"), (16, "E"), (25, "E")]
    doppelt = [(zeile, grund, wert) for _, zeile, _, grund, wert in ganz["quarantaene"] if "doppelt" in grund]
    assert [(zeile, wert) for zeile, _, wert in doppelt] == [(12, "99"), (16, "8"), (25, "10")]
    assert ["schon in Zeile 2" in grund for _, grund, _ in doppelt] == [True, False, True]
    assert "schon in Zeile 15" in doppelt[1][1]
    u18 = AgeBand(0, 17).label()
    warnungen = [m for m in ganz["meldungen"] if m.startswith("Warnung")]
    assert warnungen == [
        "Warnung: Zeile 9 (Gebiet A1, alle Alter, Geschlecht w, Staatsangehörigkeit deutsch) nennt insgesamt 40, "
        "die Altersgruppen ergeben 38. Die gelieferten Werte werden geladen; bitte die Quelle prüfen.",
        f"Warnung: Zeile 11 (Gebiet A1, Alter {u18}, Staatsangehörigkeit deutsch) nennt insgesamt 22, "
        "männlich + weiblich (+ divers) ergeben 21. Die gelieferten Werte werden geladen; bitte die Quelle prüfen.",
        f"Warnung: Zeile 21 (Gebiet A1, Alter {AgeBand(65, None).label()}, Geschlecht m) nennt insgesamt 9, "
        "deutsch + nichtdeutsch ergeben 7. Die gelieferten Werte werden geladen; bitte die Quelle prüfen.",
        f"Warnung: Summenzeile 24 (Alter {u18}, Geschlecht w, Staatsangehörigkeit deutsch) nennt 20, die Gebiete "
        "ergeben 18. Die Gebietswerte werden geladen; bitte die Quelle prüfen.",
    ]
    assert ganz["meldungen"][0].endswith("18 Zellen gelesen.")
    assert ganz["gemeinden"] == {"09999999"} and ganz["stichtage"] == {dt.date(2022, 12, 31)}

    # stückweise: genau dasselbe, und Python hielt nie mehr als ein Stück
    for stueck, block in [(7, None), (7, 3), (1, 1), (5, 7)]:
        teile = _lesen(path, matcher, monkeypatch, stueck=stueck, block=block)
        assert teile["hoechstens_gehalten"] <= stueck
        assert {k: v for k, v in teile.items() if k != "hoechstens_gehalten"} == \
               {k: v for k, v in ganz.items() if k != "hoechstens_gehalten"}, (stueck, block)


def test_stueckweise_ins_warehouse(tmp_path: Path, matcher: GebietMatcher, monkeypatch):
    """Eingefügt wird, was gelesen wurde: dieselben Zellen und dieselbe Quarantäne, auch bei kleinen Stücken."""
    path = _write(tmp_path / "eingabe", "csv")
    ganz = _lesen(path, matcher, monkeypatch, stueck=None, block=None)
    paths = Paths.from_env(tmp_path / "home", tmp_path / "ref")
    paths.ensure()
    monkeypatch.setattr(zellen, "CHUNK_ROWS", 7)
    with warehouse.connect(paths) as con:
        summary = IngestSummary()
        ingest_file(paths, con, matcher, path, summary)
        assert summary.geladen == [path.name]
        spalten = list(ganz["zellen"][0])
        rows = con.execute(f"select {', '.join(spalten)} from raw.bevoelkerung order by zeile").fetchall()
        assert [dict(zip(spalten, row, strict=True)) for row in rows] == ganz["zellen"]
        quarantaene = con.execute(
            "select blatt, zeile, spalte, grund, wert from quarantine.zeilen order by zeile").fetchall()
        assert quarantaene == ganz["quarantaene"]
        assert con.execute("select zeilen_geladen, zeilen_quarantaene from ops.dateien").fetchall() == [(18, 4)]


AKG = {"A1": "999990101", "A2": "999990102", "B1": "999990201", "B2": "999990202", "B3": "999990203"}


def _kleine_dateien(folder: Path) -> dict[str, Path]:
    """Kleine Dateien, deren Summenzeilen ohne DuckDB geprüft werden, solange alles im Puffer liegt."""
    folder.mkdir(parents=True, exist_ok=True)
    breit = wide_2022_rows()
    summe = next(i for i, r in enumerate(breit) if r and r[0] == "Stadt insgesamt")
    breit[summe] = ["Stadt insgesamt", None, WIDE_2022_TOTAL[0] + 7, *WIDE_2022_TOTAL[1:]]  # 3.507 statt 3.500
    return {
        "breit": write_xlsx(folder / "bevoelkerung_2022-12-31.xlsx", {"T": breit}),
        # AkG: Teilsumme (Bereich 9999901 = A1 + A2), „keine Angabe“ gesperrt und aus der Gesamtsumme abgeleitet,
        # eine Teil- und eine Gesamtsumme, die nicht passen
        "akg": write_xlsx(folder / "sgb2_2022-12-31.xlsx", {"Daten": [
            ["Berichtsmonat", "Gemeindeschlüssel", "Gebietsschlüssel", "Gebietsname", "Bedarfsgemeinschaften",
             "Leistungsberechtigte", "ELB"],
            ["Dezember 2022", "09999999", "999990101", "Altstadt", 50, 100, 70],
            ["Dezember 2022", "09999999", "999990102", "Bahnhof", 10, 20, "*"],
            ["Dezember 2022", "09999999", "9999901SUM", "Mitte zusammen", 60, 121, 72],
            ["Dezember 2022", "09999999", 999990203, "Berg-Bach", 40, 80, 60],
            ["Dezember 2022", "09999999", None, "keine Angabe", 3, "*", "*"],
            ["Dezember 2022", "09999999", "SUMSUMSUM", "Teststadt insgesamt", 104, 205, 133],
        ]}),
    }


@pytest.fixture
def akg_matcher(tmp_path: Path) -> GebietMatcher:
    reference = make_reference(tmp_path / "ref_akg")
    lines = GEBIETE_CSV.strip().splitlines()
    rows = [lines[0] + ",akg_code"] + [f"{line},{AKG[line.split(',')[0]]}" for line in lines[1:]]
    (reference / "gebiete.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return GebietMatcher(load_gebiete(reference))


@pytest.mark.parametrize("art", ["breit", "akg"])
def test_kleine_datei_im_puffer_wie_in_duckdb(tmp_path: Path, akg_matcher: GebietMatcher, art: str, monkeypatch):
    """Summenzeilen einer kleinen Datei prüft der Sammler ohne DuckDB (`_sum_parts_buffer`); in Stücken zu einer
    Zelle geht dieselbe Datei durch DuckDB (`_sum_parts`). Beide Wege müssen dasselbe ergeben."""
    path = _kleine_dateien(tmp_path / "dateien")[art]
    im_puffer = _lesen(path, akg_matcher, monkeypatch, stueck=None, block=None)
    in_duckdb = _lesen(path, akg_matcher, monkeypatch, stueck=1, block=None)
    assert im_puffer["hoechstens_gehalten"] == 0 and in_duckdb["hoechstens_gehalten"] == 1  # Puffer nie geschrieben
    assert {k: v for k, v in in_duckdb.items() if k != "hoechstens_gehalten"} == \
           {k: v for k, v in im_puffer.items() if k != "hoechstens_gehalten"}
    warnungen = [m for m in im_puffer["meldungen"] if m.startswith("Warnung: Summenzeile")]
    if art == "breit":
        assert warnungen == ["Warnung: Summenzeile 8 (alle Alter) nennt 3.507, die Gebiete ergeben 3.500. "
                             "Die Gebietswerte werden geladen; bitte die Quelle prüfen."]
        return
    zellen_akg = {(r["gebiet_id"], r["merkmal"]): (r["anzahl"], r["kennzeichen"]) for r in im_puffer["zellen"]}
    assert zellen_akg[("09999999-oZ", "leistungsberechtigte")] == (5, "aus Gesamtsumme abgeleitet")
    assert zellen_akg[("09999999-oZ", "elb")][0] is None  # zwei gesperrte Felder: nicht ableitbar
    assert [w.split(" nennt ")[1].split(". ")[0] for w in warnungen] == [
        "121, die Gebiete ergeben 120",  # Teilsumme Mitte (A1 + A2)
        "104, die Gebiete ergeben 103",  # Gesamtsumme Bedarfsgemeinschaften
    ]
