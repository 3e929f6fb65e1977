"""Speichergrenze des Warehouse (`SOZIAL_DWH_DUCKDB_SPEICHER`): gesetzt für jede schreibende Verbindung, ein Modell,
das über sie hinaus müsste, scheitert nicht, sondern läuft einmal ohne Grenze (mit Warnung)."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import duckdb
import pytest

from sozial_dwh import warehouse
from sozial_dwh.config import Paths

# Mit 4 MB scheitert diese Abfrage sofort, ohne Grenze braucht sie einige MB.
REKURSIV = """
create or replace table core.{name} as
with recursive schritte(i, n) as (
    select range, 0 from range(100000)
    union all
    select i, n + 1 from schritte where n < 30
)
select date '2022-12-31' as stichtag, i, count(*) as glieder from schritte group by all;
"""


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    return Paths.from_env(tmp_path / "home", tmp_path / "ref")


def _grenze(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("select current_setting('memory_limit')").fetchall()[0][0]


def test_grenze_aus_der_umgebung(paths: Paths, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(warehouse.SPEICHER_ENV, raising=False)
    with warehouse.connect(paths) as con:
        standard = _grenze(con)
    monkeypatch.setenv(warehouse.SPEICHER_ENV, "300MB")
    with warehouse.connect(paths) as con:
        assert _grenze(con) != standard and _grenze(con).endswith("MiB")
    monkeypatch.setenv(warehouse.SPEICHER_ENV, "viel")
    with pytest.raises(ValueError, match="SOZIAL_DWH_DUCKDB_SPEICHER = „viel“ ist keine Speichergröße"):
        warehouse.connect(paths)


@pytest.mark.parametrize("art", ["datei", "partition"])
def test_modell_ueber_der_grenze_laeuft_ohne_grenze(paths: Paths, tmp_path: Path, monkeypatch, caplog, art: str):
    modell = tmp_path / "rekursiv.sql"
    modell.write_text(REKURSIV.format(name=f"rekursiv_{art}"), encoding="utf-8")
    with warehouse.connect(paths) as con:
        monkeypatch.setenv(warehouse.SPEICHER_ENV, "4MB")  # erst nach dem Anlegen der Schemas
        con.execute("set memory_limit = '4MB'")
        grenze = _grenze(con)
        with pytest.raises(duckdb.OutOfMemoryException):  # so scheiterte das Modell ohne den zweiten Versuch
            con.execute(modell.read_text(encoding="utf-8"))
        with caplog.at_level(logging.WARNING, logger="sozial_dwh.warehouse"):
            if art == "datei":
                warehouse.run_sql_file(con, modell)
            else:
                warehouse.run_sql_partition(con, modell, [dt.date(2022, 12, 31)])
        assert con.execute(f"select count(*), sum(glieder) from core.rekursiv_{art}").fetchall() == [(100000, 3100000)]
        assert _grenze(con) == grenze  # danach gilt die Grenze wieder
    assert "rekursiv.sql: die Speichergrenze von 4MB (SOZIAL_DWH_DUCKDB_SPEICHER) reicht nicht" in caplog.text
