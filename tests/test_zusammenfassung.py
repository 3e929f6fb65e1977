"""`sozial_dwh.zusammenfassung.lauf_zahlen`: was je Lauf gezählt wird, an einem echten Warehouse (DuckDB-Datei mit
dem Grundgerüst aus sql/init/warehouse.sql) mit den Zeilen, die Eingang und Prüfungen schreiben.

Die Meldungen sind die der Leser (sources/cube.py, sources/kita.py, sources/bevoelkerung.py), wörtlich."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from sozial_dwh import warehouse
from sozial_dwh.config import Paths
from sozial_dwh.zusammenfassung import lauf_einzelheiten, lauf_zahlen, lauf_zeilen

FRUEHER, JETZT = dt.datetime(2026, 11, 1, 8, 0), dt.datetime(2026, 11, 2, 8, 0)
MELDUNGEN = "\n".join([
    "Blatt „Daten“, Kopfzeile 3, Layout lang: 120 Zellen gelesen.",
    "Warnung: Summenzeile 40 (Alter 0–17, männlich) nennt 3.875, die Gebiete ergeben 3.184. Die Gebietswerte werden "
    "geladen; bitte die Quelle prüfen.",
    "Warnung: Zeile 12 (Gebiet A1, alle Alter) nennt insgesamt 1000, die Altersgruppen ergeben 990. Die gelieferten "
    "Werte werden geladen; bitte die Quelle prüfen.",
    "… und 7 weitere Abweichungen.",
    "Warnung: Zeile 9: Insgesamt = 500, aber männlich + weiblich = 499.",
    "Warnung: Summenzeile 4 nennt 30 Plätze U3, die Einrichtungen ergeben 10. Die Einrichtungen werden geladen; "
    "bitte die Quelle prüfen.",
    "Warnung: Blatt „Teilnehmende“, Zeile 5, Spalte C: Sozialraum „Nordost“ ist unbekannt.",
    "Hinweis: Spalten nicht verwendet: Bezeichnung.",
])


@pytest.fixture
def con(home: Paths):
    with warehouse.connect(home) as con:
        datei = ("insert into ops.dateien (datei_id, dateiname, sha256, quelle, status, meldungen, geladen_am, ablage, "
                 "lauf_id) values (?, ?, 'x', 'bevoelkerung', ?, ?, ?, ?, ?)")
        con.execute(datei, [1, "alt.xlsx", "geladen", "Warnung: Summenzeile 3 nennt 5, die Gebiete ergeben 4.", FRUEHER,
                            "/a/alt.xlsx", "lauf-1"])
        con.execute(datei, [2, "neu.csv", "geladen", MELDUNGEN, JETZT, "/a/neu.csv", "lauf-2"])
        con.execute(datei, [3, "ersetzt.csv", "ersetzt", "", JETZT, "/a/ersetzt.csv", "lauf-2"])
        con.execute(datei, [4, "notizen.txt", "abgelehnt", "Dateiformat „.txt“ wird nicht unterstützt.\nzweite Zeile",
                            JETZT, "/r/notizen.txt", "lauf-2"])
        zeile = "insert into quarantine.zeilen (datei_id, quelle, zeile, grund, pruefung) values (?, 'bevoelkerung', 1, 'g', ?)"
        for datei_id, pruefung in [(1, None), (1, None), (2, None), (2, None), (2, None), (2, "bevoelkerung_x")]:
            con.execute(zeile, [datei_id, pruefung])
        pruefung = ("insert into ops.pruefungen (lauf_id, geprueft_am, tabelle, pruefung, schwere, blockierend, "
                    "erfolgreich, quarantaene, beobachtet) values ('lauf-2', ?, 'staging.stg_bevoelkerung', ?, ?, false, "
                    "?, ?, ?)")
        con.execute(pruefung, [JETZT, "bevoelkerung_x", "fehler", False, 1, "1 von 9 Zeilen verletzen die Regel"])
        con.execute(pruefung, [JETZT, "bevoelkerung_y", "warnung", False, 0, "2 von 9 Zeilen verletzen die Regel"])
        con.execute(pruefung, [JETZT, "bevoelkerung_z", "fehler", True, 0, "0 von 9 Zeilen verletzen die Regel"])
        yield con


def test_zahlen_eines_laufs(con):
    zahlen = lauf_zahlen(con, "lauf-2")
    assert zahlen["dateien"] == {"geladen": 1, "abgelehnt": 1, "ersetzt": 1}
    assert zahlen["abgelehnt"] == [{"datei": "notizen.txt", "grund": "Dateiformat „.txt“ wird nicht unterstützt.",
                                    "fehlerbericht": "/r/notizen.txt.fehler.txt"}]
    # Quarantäne: 3 Zeilen beim Lesen von neu.csv (die 2 von alt.xlsx gehören zu lauf-1), 1 durch die Prüfung
    assert (zahlen["quarantaene_lesen"], zahlen["quarantaene_pruefungen"], zahlen["quarantaene"],
            zahlen["quarantaene_tabelle"]) == (3, 1, 4, 6)
    # Summen: Summenzeile (Würfel), nennt insgesamt (+ 7 weitere), Insgesamt = (breit), Summenzeile (Kita)
    assert zahlen["summenabweichungen"] == 1 + 1 + 7 + 1 + 1
    assert len(zahlen["summenabweichungen_meldungen"]) == 5
    assert zahlen["weitere_warnungen"] == 1 and "Nordost" in zahlen["weitere_warnungen_meldungen"][0]["meldung"]
    assert zahlen["pruefungen"] == {"bestanden": 1, "warnungen": 1, "fehler": 1}
    assert lauf_zeilen(zahlen) == [
        "Dateien: 1 geladen, 1 abgelehnt, 1 geladen und inzwischen ersetzt",
        "Quarantäne: 4 Zeilen aus diesem Lauf (3 beim Lesen, 1 durch Prüfungen); quarantine.zeilen hat insgesamt "
        "6 Zeilen",
        "Summenabweichungen: 11 (eine gelieferte Summe passt nicht zu ihren Teilen; geladen sind die Einzelwerte); "
        "weitere Warnungen beim Lesen: 1",
        "Prüfungen: 1 bestanden, 1 Warnung, 1 Fehler",
    ]
    einzelheiten = lauf_einzelheiten(zahlen, grenze=3)
    assert "  notizen.txt: Dateiformat „.txt“ wird nicht unterstützt. -> Fehlerbericht /r/notizen.txt.fehler.txt" \
        in einzelheiten
    assert "  Prüfung bevoelkerung_x (staging.stg_bevoelkerung): 1 Zeile" in einzelheiten
    assert "  … und 2 weitere" in einzelheiten  # 5 Summenmeldungen, 3 genannt


def test_ohne_lauf_id_der_letzte_lauf_und_leeres_warehouse(con, tmp_path):
    assert lauf_zahlen(con)["lauf_id"] == "lauf-2"
    frueher = lauf_zahlen(con, "lauf-1")
    assert frueher["dateien"]["geladen"] == 1 and frueher["quarantaene_lesen"] == 2
    assert frueher["summenabweichungen"] == 1 and frueher["pruefungen"] == {"bestanden": 0, "warnungen": 0, "fehler": 0}
    # ein Warehouse ohne Tabellen (z. B. eine alte Analysekopie ohne lauf_id): Nullen, kein Fehler
    with duckdb.connect(str(tmp_path / "leer.duckdb")) as leer:
        zahlen = lauf_zahlen(leer)
    assert zahlen["lauf_id"] is None and zahlen["quarantaene"] == 0 and zahlen["dateien"]["abgelehnt"] == 0
