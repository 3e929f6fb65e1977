"""Die Zahlen eines Laufs – eine Wahrheit für Konsole, Prüfbericht und Dagster-Oberfläche (architektur.md §9).

`lauf_zahlen` zählt aus den Tabellen des Warehouse, nie aus dem Gedächtnis eines Laufs; `lauf_zeilen` macht daraus
die deutschen Sätze, die `sozial-dwh run` und der Prüfbericht gleich zeigen. Gezählt wird so:

- **Dateien**: die Zeilen von `ops.dateien` mit der `lauf_id` des Laufs, je Status (`geladen`, `abgelehnt`,
  `ersetzt`: in diesem Lauf geladen und von einer späteren Datei desselben Laufs ersetzt). Abgelehnt heißt auch:
  byte-gleich mit einer schon geladenen Datei.
- **Quarantäne**: die Zeilen in `quarantine.zeilen`, die beim Lesen der Dateien dieses Laufs zurückgehalten wurden,
  und die Zeilen, die Prüfungen dieses Laufs dorthin verschoben haben (`ops.pruefungen.quarantaene`). Dazu, wie viele
  Zeilen die Tabelle nach dem Lauf insgesamt hat (auch aus früheren Läufen).
- **Summenabweichungen**: Meldungen „Warnung: …“ der Dateien dieses Laufs (`ops.dateien.meldungen`), in denen eine
  Summenzeile oder ein Insgesamt-Wert nicht zur Summe seiner Teile passt (geladen sind die Einzelwerte). Die übrigen
  Warnungen beim Lesen zählen als „weitere Warnungen“.
- **Prüfungen**: `ops.pruefungen` des Laufs: bestanden, Warnungen und Fehler (nicht bestanden, nach Schwere).

Ohne `lauf_id` gilt der letzte Lauf, der Dateien registriert oder Prüfungen ausgeführt hat.
"""

from __future__ import annotations

import re

import duckdb

from sozial_dwh.warehouse import table_exists

# So beginnen die Warnungen der Leser, wenn eine gelieferte Summe nicht zu ihren Teilen passt
# (sources/cube.py, sources/kita.py: „Summenzeile …“; sources/bevoelkerung.py: „… nennt insgesamt …“,
# „Zeile 7: Insgesamt = …, aber …“).
SUMMEN_WARNUNG = re.compile(r"^Warnung: .*(Summenzeile|nennt insgesamt|Insgesamt = )")
# Die Leser nennen höchstens einige Abweichungen einzeln und fassen den Rest so zusammen.
WEITERE_ABWEICHUNGEN = re.compile(r"^… und (\d+) weitere Abweichungen")
BEISPIELE = 10  # so viele Einträge je Liste nennen die Texte einzeln


def _spalte(con: duckdb.DuckDBPyConnection, schema: str, table: str, column: str) -> bool:
    return bool(con.execute("select count(*) from duckdb_columns() where schema_name = ? and table_name = ? "
                            "and column_name = ?", [schema, table, column]).fetchall()[0][0])


def letzter_lauf(con: duckdb.DuckDBPyConnection) -> str | None:
    """Der letzte Lauf, der Dateien registriert oder Prüfungen ausgeführt hat (None: keiner)."""
    teile = []
    if table_exists(con, "ops", "dateien") and _spalte(con, "ops", "dateien", "lauf_id"):
        teile.append("select lauf_id, geladen_am as zeit from ops.dateien where lauf_id is not null")
    if table_exists(con, "ops", "pruefungen"):
        teile.append("select lauf_id, geprueft_am as zeit from ops.pruefungen where lauf_id is not null")
    if not teile:
        return None
    rows = con.execute(f"select lauf_id from ({' union all '.join(teile)}) order by zeit desc limit 1").fetchall()
    return rows[0][0] if rows else None


def lauf_zahlen(con: duckdb.DuckDBPyConnection, lauf_id: str | None = None) -> dict:
    """Dateien, Quarantäne, Summenabweichungen und Prüfungen eines Laufs (siehe Moduldokumentation).

    Nur lesend; fehlen Tabellen (leeres Warehouse), sind die Zahlen 0."""
    if lauf_id is None:
        lauf_id = letzter_lauf(con)
    zahlen: dict = {
        "lauf_id": lauf_id,
        "dateien": {"geladen": 0, "abgelehnt": 0, "ersetzt": 0},
        "abgelehnt": [],
        "quarantaene_lesen": 0,
        "quarantaene_pruefungen": 0,
        "quarantaene": 0,
        "quarantaene_tabelle": 0,
        "quarantaene_je_datei": [],
        "quarantaene_je_pruefung": [],
        "summenabweichungen": 0,
        "summenabweichungen_meldungen": [],
        "weitere_warnungen": 0,
        "weitere_warnungen_meldungen": [],
        "pruefungen": {"bestanden": 0, "warnungen": 0, "fehler": 0},
        "pruefungen_nicht_bestanden": [],
    }
    if table_exists(con, "quarantine", "zeilen"):
        zahlen["quarantaene_tabelle"] = con.execute("select count(*) from quarantine.zeilen").fetchall()[0][0]
    dateien = table_exists(con, "ops", "dateien") and _spalte(con, "ops", "dateien", "lauf_id")
    if dateien and lauf_id is not None:
        _dateien(con, lauf_id, zahlen)
    if table_exists(con, "ops", "pruefungen") and lauf_id is not None:
        _pruefungen(con, lauf_id, zahlen)
    zahlen["quarantaene"] = zahlen["quarantaene_lesen"] + zahlen["quarantaene_pruefungen"]
    return zahlen


def _dateien(con: duckdb.DuckDBPyConnection, lauf_id: str, zahlen: dict) -> None:
    for status, anzahl in con.execute("select status, count(*) from ops.dateien where lauf_id = ? group by status",
                                      [lauf_id]).fetchall():
        zahlen["dateien"][status] = anzahl
    for name, meldungen, ablage in con.execute(
            "select dateiname, meldungen, ablage from ops.dateien where lauf_id = ? and status = 'abgelehnt' "
            "order by datei_id", [lauf_id]).fetchall():
        grund = next((z.strip() for z in (meldungen or "").splitlines() if z.strip()), "ohne Angabe")
        zahlen["abgelehnt"].append({"datei": name, "grund": grund,
                                    "fehlerbericht": f"{ablage}.fehler.txt" if ablage else None})
    if table_exists(con, "quarantine", "zeilen"):
        je_datei = con.execute(
            "select d.dateiname, count(*) from quarantine.zeilen as q join ops.dateien as d using (datei_id) "
            "where d.lauf_id = ? and q.pruefung is null group by d.datei_id, d.dateiname order by d.datei_id",
            [lauf_id]).fetchall()
        zahlen["quarantaene_je_datei"] = [{"datei": name, "zeilen": anzahl} for name, anzahl in je_datei]
        zahlen["quarantaene_lesen"] = sum(anzahl for _, anzahl in je_datei)
    for name, meldungen in con.execute(
            "select dateiname, meldungen from ops.dateien where lauf_id = ? and status in ('geladen', 'ersetzt') "
            "order by datei_id", [lauf_id]).fetchall():
        summen = False  # „… und N weitere Abweichungen“ gehört zur Liste davor
        for zeile in (z.strip() for z in (meldungen or "").splitlines()):
            weitere = WEITERE_ABWEICHUNGEN.match(zeile)
            if SUMMEN_WARNUNG.match(zeile):
                summen = True
                zahlen["summenabweichungen"] += 1
                zahlen["summenabweichungen_meldungen"].append({"datei": name, "meldung": zeile})
            elif weitere and summen:
                zahlen["summenabweichungen"] += int(weitere[1])
                zahlen["summenabweichungen_meldungen"].append({"datei": name, "meldung": zeile})
            elif zeile.startswith("Warnung:"):
                summen = False
                zahlen["weitere_warnungen"] += 1
                zahlen["weitere_warnungen_meldungen"].append({"datei": name, "meldung": zeile})


def _pruefungen(con: duckdb.DuckDBPyConnection, lauf_id: str, zahlen: dict) -> None:
    bestanden, warnungen, fehler, quarantaene = con.execute(
        "select count(*) filter (where erfolgreich), count(*) filter (where not erfolgreich and schwere = 'warnung'), "
        "count(*) filter (where not erfolgreich and schwere = 'fehler'), coalesce(sum(quarantaene), 0) "
        "from ops.pruefungen where lauf_id = ?", [lauf_id]).fetchall()[0]
    zahlen["pruefungen"] = {"bestanden": bestanden, "warnungen": warnungen, "fehler": fehler}
    zahlen["quarantaene_pruefungen"] = int(quarantaene)
    zahlen["quarantaene_je_pruefung"] = [
        {"tabelle": tabelle, "pruefung": pruefung, "zeilen": int(anzahl)} for tabelle, pruefung, anzahl in con.execute(
            "select tabelle, pruefung, sum(quarantaene) from ops.pruefungen where lauf_id = ? and quarantaene > 0 "
            "group by all order by tabelle, pruefung", [lauf_id]).fetchall()]
    zahlen["pruefungen_nicht_bestanden"] = [
        {"tabelle": tabelle, "pruefung": pruefung, "schwere": schwere, "beobachtet": beobachtet}
        for tabelle, pruefung, schwere, beobachtet in con.execute(
            "select tabelle, pruefung, schwere, beobachtet from ops.pruefungen where lauf_id = ? and not erfolgreich "
            "order by schwere, tabelle, pruefung", [lauf_id]).fetchall()]


def zahl(n: int) -> str:
    """Ganze Zahl mit deutschem Tausenderpunkt: 73.012."""
    return f"{n:,}".replace(",", ".")


def anzahl(n: int, einzahl: str, mehrzahl: str) -> str:
    return f"{zahl(n)} {einzahl if n == 1 else mehrzahl}"


def _dateien_satz(zahlen: dict) -> str:
    d = zahlen["dateien"]
    dateien = [f"{zahl(d['geladen'])} geladen", f"{zahl(d['abgelehnt'])} abgelehnt"]
    if d.get("ersetzt"):
        dateien.append(f"{zahl(d['ersetzt'])} geladen und inzwischen ersetzt")
    return f"Dateien: {', '.join(dateien)}"


def _summen_satz(zahlen: dict) -> str:
    return (f"Summenabweichungen: {zahl(zahlen['summenabweichungen'])}"
            + (" (eine gelieferte Summe passt nicht zu ihren Teilen; geladen sind die Einzelwerte)"
               if zahlen["summenabweichungen"] else "")
            + (f"; weitere Warnungen beim Lesen: {zahl(zahlen['weitere_warnungen'])}"
               if zahlen["weitere_warnungen"] else ""))


def lauf_zeilen(zahlen: dict) -> list[str]:
    """Die Zahlen als deutsche Sätze – dieselben in der Konsole (`sozial-dwh run`) und im Prüfbericht."""
    p = zahlen["pruefungen"]
    return [
        _dateien_satz(zahlen),
        f"Quarantäne: {anzahl(zahlen['quarantaene'], 'Zeile', 'Zeilen')} aus diesem Lauf "
        f"({zahl(zahlen['quarantaene_lesen'])} beim Lesen, {zahl(zahlen['quarantaene_pruefungen'])} durch Prüfungen); "
        f"quarantine.zeilen hat insgesamt {anzahl(zahlen['quarantaene_tabelle'], 'Zeile', 'Zeilen')}",
        _summen_satz(zahlen),
        f"Prüfungen: {zahl(p['bestanden'])} bestanden, {anzahl(p['warnungen'], 'Warnung', 'Warnungen')}, "
        f"{zahl(p['fehler'])} Fehler",
    ]


def eingang_zeilen(zahlen: dict) -> list[str]:
    """Die Sätze, die schon nach dem Eingang feststehen (Check `eingang_vollstaendig_geladen` der Oberfläche):
    Dateien und Summenabweichungen wortgleich mit `lauf_zeilen`, die Quarantäne beim Lesen mit derselben Zahl wie
    dort „… beim Lesen“ (die Prüfungen laufen erst danach)."""
    return [_dateien_satz(zahlen),
            f"Quarantäne beim Lesen: {anzahl(zahlen['quarantaene_lesen'], 'Zeile', 'Zeilen')}",
            _summen_satz(zahlen)]


def lauf_einzelheiten(zahlen: dict, grenze: int = BEISPIELE) -> list[str]:
    """Was hinter den Zahlen steht, je Eintrag eine Zeile (eingerückt): abgelehnte Dateien mit Grund, Quarantäne je
    Datei und Prüfung, Summenabweichungen und weitere Warnungen, nicht bestandene Prüfungen."""
    zeilen: list[str] = []

    def liste(titel: str, eintraege: list[str]) -> None:
        if not eintraege:
            return
        zeilen.append(f"{titel}:")
        zeilen.extend(f"  {e}" for e in eintraege[:grenze])
        if len(eintraege) > grenze:
            zeilen.append(f"  … und {len(eintraege) - grenze} weitere")

    liste("Abgelehnt", [f"{a['datei']}: {a['grund']}" + (f" -> Fehlerbericht {a['fehlerbericht']}"
                                                          if a["fehlerbericht"] else "") for a in zahlen["abgelehnt"]])
    liste("In Quarantäne", [f"{q['datei']}: {anzahl(q['zeilen'], 'Zeile', 'Zeilen')} beim Lesen"
                            for q in zahlen["quarantaene_je_datei"]]
          + [f"Prüfung {q['pruefung']} ({q['tabelle']}): {anzahl(q['zeilen'], 'Zeile', 'Zeilen')}"
             for q in zahlen["quarantaene_je_pruefung"]])
    liste("Summenabweichungen", [f"{s['datei']}: {s['meldung'].removeprefix('Warnung: ')}"
                                 for s in zahlen["summenabweichungen_meldungen"]])
    liste("Weitere Warnungen beim Lesen", [f"{w['datei']}: {w['meldung'].removeprefix('Warnung: ')}"
                                           for w in zahlen["weitere_warnungen_meldungen"]])
    liste("Prüfungen nicht bestanden", [f"{f['pruefung']} ({f['tabelle']}, {f['schwere']}): {f['beobachtet']}"
                                        for f in zahlen["pruefungen_nicht_bestanden"]])
    return zeilen
