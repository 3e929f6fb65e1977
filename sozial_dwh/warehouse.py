"""Zugriff auf die DuckDB-Datei des Warehouse und auf die SQL-Modelle in `sql/`."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import duckdb

from sozial_dwh.config import SQL_DIR, Paths

INIT_SQL = SQL_DIR / "init" / "warehouse.sql"


def connect(paths: Paths, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Verbindung zum Warehouse; legt Ordner und Grundgerüst an, wenn sie fehlen."""
    if read_only:
        return duckdb.connect(str(paths.warehouse), read_only=True)
    paths.ensure()
    con = duckdb.connect(str(paths.warehouse))
    con.execute(INIT_SQL.read_text(encoding="utf-8"))
    return con


def run_sql_file(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Führt eine Modelldatei (ein oder mehrere Statements) in einer Transaktion aus."""
    sql = path.read_text(encoding="utf-8")
    con.execute("begin transaction")
    try:
        con.execute(sql)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def table_row_count(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> int:
    found = con.execute(
        "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?", [schema, table]
    ).fetchall()[0][0]
    if not found:
        return 0
    # Bezeichner stammen aus dem Code (Modellnamen), nie aus Benutzereingaben.
    return con.execute(f'select count(*) from "{schema}"."{table}"').fetchall()[0][0]


def publish_analysis_copy(paths: Paths) -> Path:
    """Ersetzt die Analysekopie atomar durch eine Kopie des Warehouse (DESIGN §4).

    Die Kopie entsteht zuerst als temporäre Datei im selben Ordner und wird dann mit `os.replace`
    an ihren Platz gebracht: Lesende sehen entweder die alte oder die neue Datei, nie eine halbe.
    """
    con = duckdb.connect(str(paths.warehouse))
    try:
        con.execute("checkpoint")
    finally:
        con.close()
    handle, tmp_name = tempfile.mkstemp(prefix=".analyse-", suffix=".duckdb.tmp", dir=paths.warehouse_dir)
    os.close(handle)
    try:
        shutil.copyfile(paths.warehouse, tmp_name)
        os.replace(tmp_name, paths.analyse)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return paths.analyse
