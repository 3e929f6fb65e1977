"""`sozial-dwh run` wie eine Sachbearbeiterin: Fortschritt auf Deutsch, Dagsters Protokoll in einer Datei, eine
Zusammenfassung, deren Zahlen mit Prüfbericht und Tabellen übereinstimmen – auch beim ersten Lauf ohne ladbare Datei.

Echte Läufe über die Kommandozeile (`main`), echte Dagster-Instanz (SQLite in $DAGSTER_HOME), echte Dateien.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import duckdb

from sozial_dwh.cli import main
from sozial_dwh.config import Paths
from sozial_dwh.ingest import inspect_file
from sozial_dwh.reference import GebietMatcher, load_gebiete
from sozial_dwh.zusammenfassung import lauf_zahlen, lauf_zeilen
from tests.fixtures import write_long_2019, write_wide_2022

SAETZE = ("Dateien:", "Quarantäne:", "Summenabweichungen:", "Prüfungen:")


def saetze_konsole(out: str) -> dict[str, str]:
    return {satz: next(z for z in out.splitlines() if z.startswith(satz)) for satz in SAETZE}


def saetze_pruefbericht(paths: Paths) -> dict[str, str]:
    text = (paths.home / "pruefberichte" / "pruefbericht_aktuell.html").read_text(encoding="utf-8")
    punkte = [html.unescape(p) for p in re.findall(r"<li class='(?:ok|warnung)'>(.*?)</li>", text)]
    return {satz: next(p for p in punkte if p.startswith(satz)) for satz in SAETZE}


def tabelle(paths: Paths, sql: str) -> list[tuple]:
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def lieferung_2019(inbox: Path) -> Path:
    """Bevölkerung 2019 im Langformat mit einer Summenabweichung (Stadt insgesamt, unter 18, männlich: 281 statt
    90 + 40 + 100 + 50 = 280) und einer Zeile für ein unbekanntes Gebiet (Quarantäne beim Lesen)."""
    path = write_long_2019(inbox)
    text = path.read_bytes().decode("cp1252")
    assert "Stadt insgesamt;unter 18;männlich;280" in text
    text = text.replace("Stadt insgesamt;unter 18;männlich;280", "Stadt insgesamt;unter 18;männlich;281")
    text = text.replace("A1;unter 18;männlich;90", "A1;unter 18;männlich;90\r\nXX;unter 18;männlich;5")
    path.write_bytes(text.encode("cp1252"))
    return path


def test_zahlen_gleich_in_konsole_pruefbericht_und_tabellen(home: Paths, capsys):
    # Lauf 1: eine gute Datei
    write_wide_2022(home.inbox)
    assert main(["run"]) == 0
    capsys.readouterr()
    # Ein Fehler, den erst eine Prüfung findet (so, als hätte ihn ein älterer Leser durchgelassen): Geschlecht „x“
    # ist nicht zulässig, die Prüfung bevoelkerung_geschlecht_zulaessig verschiebt die Zeile in die Quarantäne
    with duckdb.connect(str(home.warehouse)) as con:
        datei_id = con.execute("select datei_id from ops.dateien").fetchall()[0][0]
        con.execute("insert into raw.bevoelkerung (datei_id, blatt, zeile, stichtag, gebiet_id, alter_von, alter_bis, "
                    "geschlecht, staatsangehoerigkeit, migrationshintergrund, anzahl) values "
                    "(?, 'Test', 99, '2022-12-31', 'A2', 0, 14, 'x', 'insgesamt', 'insgesamt', 5)", [datei_id])
    # Lauf 2: eine Datei mit Summenabweichung und Quarantäne beim Lesen, eine abgelehnte Datei
    neu = lieferung_2019(home.inbox)
    verdict = inspect_file(neu, GebietMatcher(load_gebiete(home.reference)))
    assert verdict.ok and any("Summenzeile" in m and "281" in m for m in verdict.result.meldungen)
    verdict.result.close()
    (home.inbox / "notizen.txt").write_text("keine Tabelle", encoding="utf-8")

    assert main(["run"]) == 0
    captured = capsys.readouterr()
    konsole = saetze_konsole(captured.out)

    # die Zahlen aus den Tabellen, unabhängig gezählt
    lesen = tabelle(home, "select count(*) from quarantine.zeilen as q join ops.dateien as d using (datei_id) "
                          "where d.dateiname = 'bevoelkerung_2019-12-31.csv' and q.pruefung is null")[0][0]
    pruefung = tabelle(home, "select count(*) from quarantine.zeilen where pruefung = 'bevoelkerung_geschlecht_zulaessig'")
    insgesamt = tabelle(home, "select count(*) from quarantine.zeilen")[0][0]
    summen = tabelle(home, "select meldungen from ops.dateien where dateiname = 'bevoelkerung_2019-12-31.csv'")[0][0]
    abgelehnt = tabelle(home, "select dateiname from ops.dateien where status = 'abgelehnt'")
    assert lesen >= 1 and pruefung == [(1,)] and abgelehnt == [("notizen.txt",)]
    assert [z for z in summen.splitlines() if "Summenzeile" in z] and "ergeben 280" in summen

    assert konsole["Dateien:"] == "Dateien: 1 geladen, 1 abgelehnt"
    assert konsole["Quarantäne:"] == (f"Quarantäne: {lesen + 1} Zeilen aus diesem Lauf ({lesen} beim Lesen, 1 durch "
                                      f"Prüfungen); quarantine.zeilen hat insgesamt {insgesamt} Zeilen")
    assert konsole["Summenabweichungen:"].startswith("Summenabweichungen: 1 (")
    # Konsole und Prüfbericht sagen dasselbe, Wort für Wort – und dasselbe wie die Bibliotheksfunktion
    assert saetze_pruefbericht(home) == konsole
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        zahlen = lauf_zahlen(con)
    assert dict(zip(SAETZE, lauf_zeilen(zahlen), strict=True)) == konsole
    assert zahlen["quarantaene_pruefungen"] == 1 and zahlen["summenabweichungen"] == 1
    # benannt: die abgelehnte Datei mit Grund und Fehlerbericht, die Summenzeile, die Quarantäne je Datei und Prüfung
    assert re.search(r"^    notizen\.txt: .*Dateiformat.* -> Fehlerbericht .*notizen\.txt\.fehler\.txt$", captured.out, re.M)
    assert re.search(r"^    bevoelkerung_2019-12-31\.csv: Summenzeile .* nennt 281, die Gebiete ergeben 280", captured.out,
                     re.M)
    assert f"    bevoelkerung_2019-12-31.csv: {lesen} Zeile" in captured.out
    assert "    Prüfung bevoelkerung_geschlecht_zulaessig (staging.stg_bevoelkerung): 1 Zeile" in captured.out

    # Fortschritt auf Deutsch auf stderr, Dagsters englisches Protokoll in der Datei
    err = captured.err
    schritte = [(int(n), int(m), name) for n, m, name in
                re.findall(r"^\[\s*(\d+)/(\d+)\] (.+) – (?:\d+,\d s|\d+ min \d\d s)$", err, re.M) if m != "1"]
    gesamt = schritte[0][1]
    # jede Nummer einmal, in der Reihenfolge der Schritte
    assert gesamt > 15 and sorted(n for n, m, _ in schritte) == list(range(1, gesamt + 1))
    namen = [name for _, _, name in schritte]
    assert {"Referenzdaten laden", "Eingang lesen",
            "staging.stg_bevoelkerung und 2 weitere Tabellen rechnen und prüfen",
            "Analysekopie veröffentlichen"} <= set(namen)
    # ein kleiner Eingang läuft in einem Prozess: die Lesestränge täten nichts und sind nicht eingeplant
    assert not [name for name in namen if name.startswith("Dateien lesen (Strang")]
    assert "[1/1] Berichtsausgabe bauen – " in err
    for englisch in (" - INFO - ", " - DEBUG - ", "STEP_START", "Telemetry", "dagster - "):
        assert englisch not in err and englisch not in captured.out
    protokoll = Path(re.search(r"^Protokoll: +(\S+)$", captured.out, re.M)[1])
    assert protokoll.parent == home.home / "logs" and protokoll.name.startswith("lauf_")
    text = protokoll.read_text(encoding="utf-8")
    assert "STEP_START" in text and "RUN_SUCCESS" in text and "Lauf gestartet" in text
    # die Instanz, die das Projekt anlegt, sendet keine Telemetrie (und zeigt keinen Hinweis darauf)
    assert "enabled: false" in (Path(os.environ["DAGSTER_HOME"]) / "dagster.yaml").read_text(encoding="utf-8")

    # export: ebenso Fortschritt und Protokoll
    assert main(["export", "--bericht", "2022"]) == 0
    err = capsys.readouterr().err
    assert "[1/1] Berichtsausgabe bauen – " in err and " - DEBUG - " not in err
    assert Path(re.search(r"^Protokoll: (\S+)$", err, re.M)[1]).name.startswith("export_")


def test_erster_lauf_ohne_ladbare_datei(home: Paths, capsys):
    # leerer Eingang, leeres Warehouse
    assert main(["run"]) == 0
    captured = capsys.readouterr()
    assert "Noch keine Daten im Warehouse." in captured.out and "Im Eingang lag keine Datei" in captured.out
    assert "Traceback" not in captured.err + captured.out

    # die erste Lieferung einer neuen Stadt in einem noch nicht beschriebenen Layout: alles abgelehnt
    (home.inbox / "bevoelkerung_2023-12-31.csv").write_text("Stadtteil;Personen gesamt\nNord;1000\n", encoding="utf-8")
    (home.inbox / "neu.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    assert main(["run"]) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    assert "Dateien: 0 geladen, 2 abgelehnt" in captured.out
    assert "Keine Datei ließ sich laden: alle 2 wurden abgelehnt" in captured.out
    assert "sozial-dwh profil entwurf" in captured.out
    assert re.search(r"^\d+ Schritte übersprungen", captured.err, re.M)
    # nichts halb gebaut: keine Staging-, Fakten- oder Mart-Tabellen, keine Analysekopie, keine Berichtsausgabe;
    # übernommen sind Dateiregister und Referenzdaten, die Dateien liegen mit Fehlerbericht in rejected/
    gebaut = tabelle(home, "select schema_name || '.' || table_name from duckdb_tables() where schema_name in "
                           "('staging', 'mart', 'bericht') or table_name like 'fact_%' or table_name like 'groessen_%'")
    assert gebaut == []
    assert not home.analyse.exists() and not any(home.exports.iterdir())
    assert tabelle(home, "select dateiname, status from ops.dateien order by dateiname") == [
        ("bevoelkerung_2023-12-31.csv", "abgelehnt"), ("neu.csv", "abgelehnt")]
    assert (home.rejected / "neu.csv.fehler.txt").exists() and not any(home.inbox.iterdir())
    # eine Berichtsausgabe lässt sich noch nicht bauen: deutsch gesagt, kein halber Export
    assert main(["export", "--bericht", "2022"]) == 1
    assert "noch keine Daten" in capsys.readouterr().err and not any(home.exports.iterdir())

    # die nächste, ladbare Lieferung baut alles auf
    write_wide_2022(home.inbox)
    assert main(["run"]) == 0
    out = capsys.readouterr().out
    assert "Dateien: 1 geladen, 0 abgelehnt" in out and "Indikatoren mit Werten:" in out
    assert home.analyse.exists()
