"""Speicher der Modelle wächst nicht über die Grenze des Warehouse (Issue 17): große Zwischenstufen eines Modells
darf DuckDB nicht materialisieren – ein materialisierter CTE bleibt ganz im Speicher und lässt sich nicht auslagern."""

import re

import duckdb

from sozial_dwh.config import SQL_DIR

# Stufen von fact_bevoelkerung, die (fast) so viele Zeilen haben wie der ganze Bevölkerungswürfel
GROSSE_STUFEN = ("quelle", "stufe_1", "stufe_2")


def _plan(con: duckdb.DuckDBPyConnection, datei: str) -> str:
    sql = (SQL_DIR / datei).read_text(encoding="utf-8")
    abfrage = sql[re.search(r"^with\b", sql, re.MULTILINE).start():]
    return con.execute("explain " + abfrage).fetchall()[0][1]


def test_fact_bevoelkerung_materialisiert_keine_grosse_stufe():
    con = duckdb.connect()
    con.execute("create schema staging")
    con.execute(
        "create table staging.stg_bevoelkerung (stichtag date, gebiet_id varchar, alter_von integer, alter_bis integer, "
        "geschlecht varchar, staatsangehoerigkeit varchar, migrationshintergrund varchar, anzahl bigint, "
        "datei_id bigint)")
    plan = _plan(con, "core/fact_bevoelkerung.sql")
    materialisiert = set(re.findall(r"CTE Name: (\w+)", plan))
    assert materialisiert, "Plan ohne CTE – Prüfung greift nicht mehr; bitte anpassen"
    assert not materialisiert & set(GROSSE_STUFEN), (
        f"fact_bevoelkerung materialisiert {sorted(materialisiert & set(GROSSE_STUFEN))}: DuckDB hielte diese Stufen "
        "ganz im Speicher (Issue 17); bitte „as not materialized“ schreiben.")
