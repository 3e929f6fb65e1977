"""`sozial_dwh.einfuegen.zeilen_einfuegen`: viele Zeilen in einer Anweisung (statt `executemany`, das je Zeile ausführt)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from sozial_dwh.einfuegen import zeilen_einfuegen


def test_zeilen_kommen_unveraendert_an_auch_leere_werte():
    zeit = dt.datetime(2026, 11, 30, 12, 0)
    with duckdb.connect() as con:
        con.execute("create table t (a varchar, b bigint, c timestamp, d boolean, e varchar)")
        zeilen = [["x", 1, zeit, True, None],
                  [None, None, zeit, False, "ü"],
                  [7, 3, None, None, "z"]]  # eine Zahl in einer Textspalte wird Text wie beim Binden einer Zeile
        zeilen_einfuegen(con, "t", ["a", "b", "c", "d", "e"], zeilen)
        assert con.execute("select * from t order by rowid").fetchall() == [
            ("x", 1, zeit, True, None), (None, None, zeit, False, "ü"), ("7", 3, None, None, "z")]
        zeilen_einfuegen(con, "t", ["a", "b", "c", "d", "e"], [])  # nichts einzufügen: nichts geschieht
        # Spalten nur teilweise genannt, eine Spalte ganz leer
        zeilen_einfuegen(con, "t", ["e", "b"], [["q", None], ["r", None]])
        assert con.execute("select count(*), count(b), string_agg(e, ',' order by e) from t "
                           "where a is null and c is null").fetchall() == [(2, 0, "q,r")]


def test_zeilen_ungleicher_laenge_werden_abgewiesen():
    with duckdb.connect() as con:
        con.execute("create table t (a varchar, b bigint)")
        with pytest.raises(ValueError):
            zeilen_einfuegen(con, "t", ["a", "b"], [["x", 1], ["y"]])
        assert con.execute("select count(*) from t").fetchall() == [(0,)]
