"""Modelle in Stücken (Kopfzeile `-- Stücke:`, Issue 17): core.groessen_bevoelkerung rechnet seine rekursive Abfrage
je Gruppe von Gebieten, damit der Speicher nicht mit der Zahl der Gemeinden wächst. Das Ergebnis muss genau dasselbe
sein wie auf einmal gerechnet – ganz und je Stichtag (Partition)."""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from sozial_dwh import warehouse
from sozial_dwh.config import REPO_ROOT, SQL_DIR
from sozial_dwh.models import Stuecke, model_sql, stuecke_nach

MODELL = SQL_DIR / "core" / "groessen_bevoelkerung.sql"
FACT = SQL_DIR / "core" / "fact_bevoelkerung.sql"
STAGING = SQL_DIR / "staging" / "stg_bevoelkerung.sql"
STICHTAGE = [dt.date(2022, 12, 31), dt.date(2023, 12, 31)]
GEBIETE = [f"G{n:02d}" for n in range(1, 31)]


def _anzahl(gebiet_nr: int, alter: int) -> int:
    return (gebiet_nr + alter) % 7 + 1


@pytest.fixture
def con(tmp_path: Path):
    """Ein Warehouse mit erklärten Größen (data/reference/groessen.csv) und einem Bevölkerungswürfel: 30 Gebiete ×
    2 Stichtage, Einzeljahre 0–99 und „100 und älter“; in G03 die Jahre 3–5 nur als Band, in G04 das Alter 10 gesperrt
    (NULL); je Gebiet die Summe aller Altersjahre."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema raw; create schema core")
    con.execute("create table raw.ref_groessen as select * from read_csv(?, all_varchar = true, header = true)",
                [str(REPO_ROOT / "data" / "reference" / "groessen.csv")])
    zeilen = []
    for stichtag in STICHTAGE:
        for nr, gebiet in enumerate(GEBIETE, start=1):
            jahre = [(a, a, _anzahl(nr, a)) for a in range(100)] + [(100, None, 2)]
            if gebiet == "G03":
                jahre = [j for j in jahre if not 3 <= j[0] <= 5] + [(3, 5, 30)]
            if gebiet == "G04":
                jahre = [(a, b, None if a == 10 else n) for a, b, n in jahre]
            gesamt = sum(n or 0 for _, _, n in jahre)
            for von, bis, anzahl in [*jahre, (0, None, gesamt)]:
                zeilen.append((stichtag, gebiet, von, bis, "insgesamt", "insgesamt", "insgesamt", anzahl))
    wuerfel = pd.DataFrame(zeilen, columns=["stichtag", "gebiet_id", "alter_von", "alter_bis", "geschlecht",
                                            "staatsangehoerigkeit", "migrationshintergrund", "anzahl"])
    con.register("wuerfel", wuerfel)
    con.execute("create table core.fact_bevoelkerung as select stichtag::date as stichtag, gebiet_id, "
                "alter_von::integer as alter_von, alter_bis::integer as alter_bis, geschlecht, staatsangehoerigkeit, "
                "migrationshintergrund, anzahl::bigint as anzahl from wuerfel")
    con.unregister("wuerfel")
    yield con
    con.close()


def _alles(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("select * from core.groessen_bevoelkerung order by all").fetchall()


def _auf_einmal(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Die Modelldatei wie ein Analyst sie ausführt: ohne Variablen, also auf einmal."""
    con.execute(model_sql(MODELL))
    return _alles(con)


def test_kopfzeilen_der_modelle():
    # die rekursive Abfrage mit der Vorgabe des Runners, die beiden Stufen davor mit eigener Zahl je Stück
    assert stuecke_nach(MODELL, model_sql(MODELL)) == Stuecke("core.fact_bevoelkerung", None)
    assert stuecke_nach(FACT, model_sql(FACT)) == Stuecke("staging.stg_bevoelkerung", 100_000)
    assert stuecke_nach(STAGING, model_sql(STAGING)) == Stuecke("raw.bevoelkerung", 250_000)


def _mit_kleinen_stuecken(pfad: Path, ziel: Path, zeilen: int) -> Path:
    """Die Modelldatei mit „je <zeilen> Zeilen“ in der Kopfzeile (so rechnen auch kleine Testdaten in Stücken)."""
    sql = re.sub(r"je [\d.]+ Zeilen", f"je {zeilen} Zeilen", pfad.read_text(encoding="utf-8"), count=1)
    assert f"je {zeilen} Zeilen" in sql
    ziel.write_text(sql, encoding="utf-8")
    return ziel


def _in_stuecken_wie_auf_einmal(con: duckdb.DuckDBPyConnection, modell: Path, tmp_path: Path, zeilen: int,
                                caplog) -> list[tuple]:
    """Das Modell auf einmal (wie ein Analyst die Datei ausführt), dann vom Runner in Stücken zu `zeilen` Zeilen:
    dieselben Zeilen. Gibt sie zurück."""
    tabelle = f"{modell.parent.name}.{modell.stem}"  # Modell im Repository, nie Eingabe
    con.execute(model_sql(modell))
    erwartet = con.execute(f"select * from {tabelle} order by all").fetchall()
    with caplog.at_level(logging.INFO, logger="sozial_dwh.warehouse"):
        warehouse.run_sql_file(con, _mit_kleinen_stuecken(modell, tmp_path / modell.name, zeilen))
    assert con.execute(f"select * from {tabelle} order by all").fetchall() == erwartet
    return erwartet


def test_fact_bevoelkerung_in_stuecken(tmp_path: Path, caplog):
    """Randsummen je Gebiet und Stichtag: in Stücken nach Gebiet dasselbe wie auf einmal."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema staging; create schema core")
    # 40 Gebiete × 2 Altersjahre × m/w/(Gebiet 7: auch d), deutsch/nichtdeutsch, ohne Summen der Quelle:
    # 40 × 2 × 2 × 2 = 320 Zeilen + 4 Zeilen „d“ in G07
    con.execute("""
        create table staging.stg_bevoelkerung as
        select date '2022-12-31' as stichtag, 'G' || lpad(g::varchar, 2, '0') as gebiet_id, a as alter_von,
               a as alter_bis, s as geschlecht, n as staatsangehoerigkeit, 'insgesamt' as migrationshintergrund,
               (g + a + length(s) + length(n))::bigint as anzahl, 1 as datei_id
        from range(1, 41) t(g), range(0, 2) u(a), (values ('m'), ('w')) v(s),
             (values ('deutsch'), ('nichtdeutsch')) w(n)
        union all
        select date '2022-12-31', 'G07', a, a, 'd', n, 'insgesamt', 1, 1
        from range(0, 2) u(a), (values ('deutsch'), ('nichtdeutsch')) w(n)
    """)
    erwartet = _in_stuecken_wie_auf_einmal(con, FACT, tmp_path, 50, caplog)
    assert "core.fact_bevoelkerung: 324 Zeilen von staging.stg_bevoelkerung in 7 Stücken" in caplog.text
    # je Gebiet und Alter: 4 gelieferte Zellen, 2 Summen über das Geschlecht (deutsch, nichtdeutsch), 3 über die
    # Staatsangehörigkeit (m, w, insgesamt) = 9 Zellen; G07 dazu 2 gelieferte „d“ und deren Summe = 12;
    # 39 × 2 × 9 + 2 × 12 = 726
    assert len(erwartet) == 726
    # Handrechnung G01, Alter 0, insgesamt/insgesamt: m-deutsch (1+0+1+7) + w-deutsch (1+0+1+7)
    # + m-nichtdeutsch (1+0+1+12) + w-nichtdeutsch (1+0+1+12) = 9 + 9 + 14 + 14 = 46; in G07 zählt „d“ mit (+1 +1)
    summe = ("select anzahl, abgeleitet from core.fact_bevoelkerung where gebiet_id = ? and alter_von = 0 "
             "and geschlecht = 'insgesamt' and staatsangehoerigkeit = 'insgesamt'")
    assert con.execute(summe, ["G01"]).fetchall() == [(46, True)]
    assert con.execute(summe, ["G07"]).fetchall() == [(46 + 4 * 6 + 2, True)]
    con.close()


def test_stg_bevoelkerung_in_stuecken_nach_gemeinde(tmp_path: Path, caplog):
    """Die jüngste Lieferung einer Gemeinde gilt für alle ihre Gebiete – auch in Stücken. Gestückelt würde nach Gemeinde,
    nicht nach Gebiet: sonst behielte ein Gebiet, das nur die ältere Lieferung nennt, deren Zeilen."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema raw; create schema core; create schema ops; create schema staging")
    con.execute("create table ops.dateien as select * from (values (1, 'bevoelkerung', 'geladen'), "
                "(2, 'bevoelkerung', 'geladen'), (3, 'bevoelkerung', 'geladen')) t(datei_id, quelle, status)")
    # 12 Gemeinden (M01 … M12) mit je 3 Gebieten
    con.execute("create table core.dim_gebiet as select 'M' || lpad(m::varchar, 2, '0') || '-' || g as gebiet_id, "
                "'M' || lpad(m::varchar, 2, '0') as gemeinde_id, false as ist_pseudo, 'gebiet' as ebene "
                "from range(1, 13) t(m), range(1, 4) u(g)")
    # Datei 1: alle Gebiete aller Gemeinden (36 Zeilen); Datei 2: später, nur M01-1 und M01-2 (die Gemeinde M01 neu
    # geliefert, ohne M01-3); Datei 3: später, alle Gebiete von M02
    con.execute("""
        create table raw.bevoelkerung as
        select date '2022-12-31' as stichtag, gebiet_id, 0 as alter_von, null::integer as alter_bis,
               'insgesamt' as geschlecht, 'insgesamt' as staatsangehoerigkeit, 'insgesamt' as migrationshintergrund,
               (10 * datei_id)::bigint as anzahl, null::varchar as kennzeichen, datei_id, 'Tabelle1' as blatt,
               row_number() over () as zeile, 'C' as spalte
        from (select gebiet_id, 1 as datei_id from core.dim_gebiet
              union all select gebiet_id, 2 from core.dim_gebiet where gebiet_id in ('M01-1', 'M01-2')
              union all select gebiet_id, 3 from core.dim_gebiet where gemeinde_id = 'M02')
    """)
    _in_stuecken_wie_auf_einmal(con, STAGING, tmp_path, 10, caplog)
    assert "staging.stg_bevoelkerung: 41 Zeilen von raw.bevoelkerung in 5 Stücken" in caplog.text
    # Handrechnung: M01 nur aus Datei 2 (2 Gebiete, M01-3 fehlt), M02 aus Datei 3 (3), die übrigen 10 Gemeinden aus
    # Datei 1 (30) = 35 Zeilen; Summe 2 × 20 + 3 × 30 + 30 × 10 = 430
    assert con.execute("select count(*), sum(anzahl) from staging.stg_bevoelkerung").fetchall() == [(35, 430)]
    assert con.execute("select count(*) from staging.stg_bevoelkerung where gebiet_id = 'M01-3'").fetchall() == [(0,)]
    con.close()


def test_in_stuecken_dasselbe_wie_auf_einmal(con, monkeypatch, caplog):
    erwartet = _auf_einmal(con)
    # 30 Gebiete × 2 Stichtage × 102 Zeilen (G03: 100) = 6.116 Zeilen; zu je 500 Zeilen sind das 13 Stücke
    zeilen = con.execute("select count(*) from core.fact_bevoelkerung").fetchall()[0][0]
    assert zeilen == 2 * (29 * 102 + 100)
    monkeypatch.setattr(warehouse, "STUECK_ZEILEN", 500)
    con.execute("drop table core.groessen_bevoelkerung")
    with caplog.at_level(logging.INFO, logger="sozial_dwh.warehouse"):
        warehouse.run_sql_file(con, MODELL)
    assert "core.groessen_bevoelkerung: 6.116 Zeilen von core.fact_bevoelkerung in 13 Stücken" in caplog.text
    assert _alles(con) == erwartet
    # keine Variable bleibt gesetzt, die eine spätere Abfrage derselben Verbindung filtern würde
    assert con.execute("select getvariable('stuecke'), getvariable('stueck'), getvariable('stichtage')"
                       ).fetchall() == [(None, None, None)]

    # Handrechnung G01 (Nr. 1), 2022: unter 3 = Alter 0, 1, 2 mit (1 + Alter) % 7 + 1 = 2 + 3 + 4 = 9
    werte = dict(con.execute("select groesse, anzahl from core.groessen_bevoelkerung where gebiet_id = 'G01' "
                             "and stichtag = ?", [STICHTAGE[0]]).fetchall())
    assert werte["bev_u3"] == 9
    # G03: 3 bis 5 nur als Band (30); G04: Alter 10 gesperrt → unter 15 gesperrt, Hinweis statt Zahl
    g03 = con.execute("select anzahl from core.groessen_bevoelkerung where gebiet_id = 'G03' and groesse = 'bev_3_5' "
                      "and stichtag = ?", [STICHTAGE[0]]).fetchall()
    assert g03 == [(30,)]
    g04 = con.execute("select anzahl, hinweis from core.groessen_bevoelkerung where gebiet_id = 'G04' "
                      "and groesse = 'bev_u15' and stichtag = ?", [STICHTAGE[0]]).fetchall()
    assert g04 == [(None, "Wert in der Quelle gesperrt oder unbekannt")]


def test_partition_in_stuecken(con, monkeypatch, caplog):
    erwartet = _auf_einmal(con)
    # ein Gebiet des zweiten Stichtags ändert sich; nur dieser Stichtag wird neu gebaut
    con.execute("update core.fact_bevoelkerung set anzahl = anzahl + 1000 where gebiet_id = 'G01' "
                "and stichtag = ? and alter_von = 0 and alter_bis = 0", [STICHTAGE[1]])
    monkeypatch.setattr(warehouse, "STUECK_ZEILEN", 1000)
    with caplog.at_level(logging.INFO, logger="sozial_dwh.warehouse"):
        zaehler = warehouse.run_sql_partition(con, MODELL, [STICHTAGE[1]])
    # nur die 3.058 Zeilen des Stichtags zählen: 4 Stücke zu 1.000
    assert "core.groessen_bevoelkerung: 3.058 Zeilen von core.fact_bevoelkerung in 4 Stücken" in caplog.text
    groessen = len({r[2] for r in erwartet})
    assert zaehler == {STICHTAGE[1]: 30 * groessen}
    nachher = _alles(con)
    # der erste Stichtag unverändert; der zweite wie auf einmal gerechnet mit der Änderung
    assert [r for r in nachher if r[0] == STICHTAGE[0]] == [r for r in erwartet if r[0] == STICHTAGE[0]]
    neu = _auf_einmal(con)
    assert nachher == neu
    # Handrechnung: G01 unter 3 im zweiten Stichtag = 9 + 1000
    assert [r[3] for r in nachher if r[0] == STICHTAGE[1] and r[1] == "G01" and r[2] == "bev_u3"] == [1009]


@pytest.mark.parametrize(("sql", "meldung"), [
    ("-- Stücke: core.fact_bevoelkerung\ncreate or replace table core.t as\nselect * from core.fact_bevoelkerung;",
     "aber das SQL liest getvariable('stueck') und getvariable('stuecke') nicht"),
    ("-- Stücke: core.andere\ncreate or replace table core.t as\nselect * from core.fact_bevoelkerung "
     "where getvariable('stuecke') is null or hash(gebiet_id) % getvariable('stuecke') = getvariable('stueck');",
     "aber das Modell liest core.andere nicht"),
    ("-- Stücke: irgendwas\ncreate or replace table core.t as select 1;",
     "nennt keine Tabelle <schema>.<tabelle>"),
])
def test_kopfzeile_ohne_filter_abgewiesen(tmp_path: Path, sql: str, meldung: str):
    """Eine Kopfzeile, deren SQL nicht nach Stücken filtert, vervielfachte die Zeilen – abgewiesen, mit Meldung."""
    datei = tmp_path / "t.sql"
    datei.write_text(sql, encoding="utf-8")
    with pytest.raises(ValueError, match="Stücke") as fehler:
        stuecke_nach(datei, sql)
    assert meldung in str(fehler.value)
