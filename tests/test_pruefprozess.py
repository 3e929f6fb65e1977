"""Der Prüfprozess (sozial_dwh.validation.pruefprozess, Issue 17): Great Expectations lädt und prüft in einem eigenen
Prozess. Geprüft: dieselben Ergebnisse wie im eigenen Prozess, Fehler kommen an, ein ausgefallenes Kind wird ersetzt
durch die Prüfung im eigenen Prozess (mit Warnung), und stirbt der Lauf, endet auch das Kind."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from sozial_dwh.config import REPO_ROOT
from sozial_dwh.validation import pruefen
from sozial_dwh.validation.pruefprozess import Pruefprozess, PruefprozessAusgefallen
from sozial_dwh.validation.regeln import Regel

REGELN = [
    Regel("probe_nicht_negativ", "staging.probe", "probe", "ExpectColumnValuesToBeBetween",
          {"column": "anzahl", "min_value": 0}, zeilenweise=True, spalte="anzahl"),
    Regel("probe_eindeutig", "staging.probe", "probe", "ExpectCompoundColumnsToBeUnique",
          {"column_list": ["gebiet_id", "stichtag"]}),
]
# 4 Zeilen: Anzahl -1 (Zeile 2) verletzt die erste Regel; G1/2022 kommt zweimal vor (Zeilen 1 und 3) – die zweite
FRAME = pd.DataFrame({"zeilen_id": [1, 2, 3, 4], "gebiet_id": ["G1", "G2", "G1", "G3"],
                      "stichtag": ["2022", "2022", "2022", "2022"], "anzahl": [4, -1, 0, 7]})


def _kurz(ergebnis: dict) -> dict:
    return {regel: (r["success"], r["result"].get("unexpected_count"),
                    sorted(i["zeilen_id"] for i in r["result"].get("unexpected_index_list") or []))
            for regel, r in ergebnis.items()}


@pytest.fixture
def prozess():
    pruefprozess = Pruefprozess()
    yield pruefprozess
    pruefprozess.beenden()


def _pruefdaten(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> pruefen._Stueck:
    """`frame` als Temp-Tabelle `pruefdaten` (wie `pruefen._stuecke` sie anlegt) und ein Stück über alle Zeilen."""
    con.register("frame", frame)
    con.execute("create or replace temp table pruefdaten as select * from frame")
    con.unregister("frame")
    return pruefen._Stueck("true", [], len(frame), list(frame.columns))


def test_gleiche_ergebnisse_wie_hier(prozess, tmp_path: Path):
    dort = _kurz(prozess.pruefen(FRAME, REGELN, {}, "probe"))
    assert dort == _kurz(pruefen.validieren_hier(FRAME, REGELN, {}, "probe"))
    assert dort == {"probe_nicht_negativ": (False, 1, [2]), "probe_eindeutig": (False, 2, [1, 3])}
    # so schickt der Lauf die Prüfdaten: als Parquet-Datei, die das Kind selbst liest
    with duckdb.connect() as con:
        _pruefdaten(con, FRAME)
        con.execute(f"copy pruefdaten to '{tmp_path / 'stueck.parquet'}' (format parquet)")
    assert _kurz(prozess.pruefen(tmp_path / "stueck.parquet", REGELN, {}, "probe")) == dort


def test_lauf_legt_kein_dataframe_an_und_raeumt_auf(monkeypatch, tmp_path: Path):
    """Mit Prüfprozess liest der Lauf die Prüfdaten nicht in pandas; die Datei des Stücks ist danach gelöscht."""
    monkeypatch.setattr(pruefen, "_kerne", lambda: 2)
    monkeypatch.setattr(pruefen, "_CONTEXT", None)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(pruefen, "DATEI_AB_ZEILEN", 1)  # sonst gingen die 4 Zeilen als DataFrame
    monkeypatch.setattr(duckdb.DuckDBPyConnection, "df", _kein_df, raising=False)
    assert pruefen.pruefprozess_starten()
    try:
        with duckdb.connect() as con:
            stueck = _pruefdaten(con, FRAME.assign(datei_id=7, blatt="Tabelle1", zeile=[2, 3, 4, 5]))
            ergebnis = pruefen._validate(con, stueck, REGELN, {}, "probe")
    finally:
        pruefen.pruefprozess_beenden()
    assert _kurz(ergebnis) == {"probe_nicht_negativ": (False, 1, [2]), "probe_eindeutig": (False, 2, [1, 3])}
    assert list(tmp_path.iterdir()) == []


def _kein_df(*_args, **_kwargs):
    raise AssertionError("Der Lauf legt mit Prüfprozess kein DataFrame der Prüfdaten an.")


def test_fehler_im_kind_kommt_an(prozess):
    falsch = [Regel("probe_unbekannt", "staging.probe", "probe", "ExpectGibtEsNicht", {"column": "anzahl"})]
    with pytest.raises(AttributeError, match="ExpectGibtEsNicht"):
        prozess.pruefen(FRAME, falsch, {}, "probe")
    # danach prüft derselbe Prozess weiter
    assert _kurz(prozess.pruefen(FRAME, REGELN[:1], {}, "probe")) == {"probe_nicht_negativ": (False, 1, [2])}


def test_ausgefallenes_kind_pruefung_hier(monkeypatch, caplog):
    monkeypatch.setattr(pruefen, "_kerne", lambda: 2)
    monkeypatch.setattr(pruefen, "_CONTEXT", None)
    assert pruefen.pruefprozess_starten()
    try:
        kind = pruefen._PRUEFPROZESS._proc
        kind.kill()  # wie vom Betriebssystem beendet
        kind.wait()
        with caplog.at_level(logging.WARNING, logger="sozial_dwh.validation.pruefen"), duckdb.connect() as con:
            ergebnis = pruefen._validate(con, _pruefdaten(con, FRAME), REGELN, {}, "probe")
        assert "Der Prüfprozess ist ausgefallen (beendet mit Exit-Code -9)" in caplog.text
        assert _kurz(ergebnis) == {"probe_nicht_negativ": (False, 1, [2]), "probe_eindeutig": (False, 2, [1, 3])}
        assert pruefen._PRUEFPROZESS is None
    finally:
        pruefen.pruefprozess_beenden()
    with pytest.raises(PruefprozessAusgefallen):  # die Klasse selbst meldet den Ausfall
        tot = Pruefprozess()
        tot._proc.kill()
        tot._proc.wait()
        tot.pruefen(FRAME, REGELN, {}, "probe")


ELTERN = """
import json, sys, time
from sozial_dwh.validation.pruefprozess import Pruefprozess
p = Pruefprozess()
print(json.dumps({"kind": p._proc.pid}), flush=True)
time.sleep(600)
"""


def test_kind_endet_mit_dem_lauf():
    eltern = subprocess.Popen([sys.executable, "-c", ELTERN], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    kind = json.loads(eltern.stdout.readline())["kind"]
    os.kill(eltern.pid, signal.SIGKILL)
    eltern.wait()
    frist = time.monotonic() + 60  # das Kind lädt evtl. noch GX, dann liest es das Ende seiner Eingabe
    while time.monotonic() < frist:
        try:
            os.kill(kind, 0)
        except ProcessLookupError:
            break
        if _zombie(kind):
            break
        time.sleep(0.2)
    else:
        os.kill(kind, signal.SIGKILL)
        pytest.fail("Der Prüfprozess lebt 60 s nach dem Tod des Laufs weiter.")


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().split(")")[-1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_nur_die_geprueften_spalten_gehen_hin():
    voll = FRAME.assign(datei_id=7, blatt="Tabelle1", zeile=[2, 3, 4, 5])
    spalten = list(voll.columns)
    # die Regeln prüfen anzahl, gebiet_id und stichtag; Datei, Blatt und Zeile bleiben im Lauf (für Beispiele)
    assert pruefen._noetige_spalten(spalten, REGELN) == ["zeilen_id", "gebiet_id", "stichtag", "anzahl"]
    # eine Regel mit einem anderen Argument (etwa einer Bedingung über Zeilen) bekommt alles
    bedingt = Regel("probe_bedingt", "staging.probe", "probe", "ExpectColumnValuesToBeBetween",
                    {"column": "anzahl", "min_value": 0, "row_condition": 'blatt=="Tabelle1"'})
    assert pruefen._noetige_spalten(spalten, [bedingt]) == spalten
    # und das Ergebnis ist dasselbe wie mit allen Spalten
    assert _kurz(pruefen.validieren_hier(voll[pruefen._noetige_spalten(spalten, REGELN)], REGELN, {}, "p")) == \
        _kurz(pruefen.validieren_hier(voll, REGELN, {}, "p"))


def test_bestandene_regel_ohne_zweite_validierung_verletzte_mit_zeilen(monkeypatch):
    formate: list[tuple[str, list[str]]] = []
    echt = pruefen._gx_validieren

    def mitschreiben(frame, regeln, parameter, name, format_):
        formate.append((format_, [r.id for r in regeln]))
        return echt(frame, regeln, parameter, name, format_)

    monkeypatch.setattr(pruefen, "_gx_validieren", mitschreiben)
    # Zeile 2 (Anzahl -1) verletzt die erste Regel; ohne Zeile 3 ist G1/2022 eindeutig: die zweite besteht
    frame = FRAME[FRAME.zeilen_id != 3]
    ergebnis = pruefen.validieren_hier(frame, REGELN, {}, "probe")
    # erst nur bestanden/nicht bestanden, dann die verletzte Regel allein mit ihren Zeilen
    assert formate == [("BOOLEAN_ONLY", ["probe_nicht_negativ", "probe_eindeutig"]),
                       ("COMPLETE", ["probe_nicht_negativ"])]
    assert _kurz(ergebnis) == {"probe_nicht_negativ": (False, 1, [2]), "probe_eindeutig": (True, 0, [])}
    assert ergebnis["probe_eindeutig"]["result"]["element_count"] == 3  # „0 von 3 Zeilen verletzen die Regel“
    # eine Regel, die einen Wert beobachtet statt Zeilen zu zählen: gleich im Format BASIC (nennt den Wert)
    formate.clear()
    zeilenzahl = Regel("probe_zeilen", "staging.probe", "probe", "ExpectTableRowCountToBeBetween",
                       {"min_value": 1, "max_value": 10})
    ergebnis = pruefen.validieren_hier(frame, [zeilenzahl], {}, "probe")
    assert formate == [("BASIC", ["probe_zeilen"])]
    assert ergebnis["probe_zeilen"]["success"] and ergebnis["probe_zeilen"]["result"]["observed_value"] == 3
    assert "unexpected_count" not in ergebnis["probe_zeilen"]["result"]  # der Bericht nennt den Wert, keine Zeilen
