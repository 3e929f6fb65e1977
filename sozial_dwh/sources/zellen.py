"""Zellspeicher: die Zellen einer gelesenen Datei in DuckDB statt als Python-Dicts (DESIGN §11: Speicher begrenzt).

Ein Leser hält Zellen in Python nur stückweise: spaltenweise Listen bis `CHUNK_ROWS` Zellen, dann geht das Stück
in die temporäre DuckDB-Tabelle `zellen`. Was die ganze Datei sehen muss (doppelte Zellen, Summenzeilen,
Randsummen), rechnet SQL über diese Tabelle; ins Warehouse kommt sie über eine Parquet-Datei. So treibt die
Zeilenzahl einer Lieferung den Speicher nicht: Python hält höchstens ein Stück, DuckDB höchstens `SPEICHERGRENZE`
und lagert darüber in einen temporären Ordner aus.

Alle Zellspeicher eines Prozesses teilen eine DuckDB-Datenbank im Arbeitsspeicher. Jeder hat eine eigene
Verbindung (`cursor`) mit eigenen temporären Tabellen; darum heißen sie in jedem Speicher gleich (`zellen`) und
die Abfragen in sql/lesen/ können sie beim Namen nennen. Mit der Verbindung verschwinden die Tabellen.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from sozial_dwh.config import SQL_DIR

CHUNK_ROWS = 50_000  # Zellen je Stück, das in Python gesammelt und dann nach DuckDB geschrieben wird
SPEICHERGRENZE = "256MB"  # Arbeitsspeicher der Zellspeicher-Datenbank; darüber lagert DuckDB auf die Platte aus
LESEN_SQL = SQL_DIR / "lesen"

_INTEGER_TYPES = {"bigint", "integer"}
_database: tuple[int, duckdb.DuckDBPyConnection, Path] | None = None


def _shared_database() -> tuple[duckdb.DuckDBPyConnection, Path]:
    """Die Datenbank der Zellspeicher dieses Prozesses (beim ersten Gebrauch angelegt; nach `fork` neu)."""
    global _database
    if _database is None or _database[0] != os.getpid():
        folder = Path(tempfile.mkdtemp(prefix="sozial_dwh_zellen_"))
        atexit.register(shutil.rmtree, folder, True)
        con = duckdb.connect(":memory:", config={"memory_limit": SPEICHERGRENZE, "temp_directory": str(folder)})
        _database = (os.getpid(), con, folder)
    return _database[1], _database[2]


def lesen_sql(name: str) -> str:
    """Eine Abfrage aus sql/lesen/ (läuft im Zellspeicher, nicht im Warehouse)."""
    return (LESEN_SQL / f"{name}.sql").read_text(encoding="utf-8")


class CellStore:
    """Zellen einer Datei in der temporären Tabelle `zellen`, in der Reihenfolge `seq`.

    `columns` sind die Spalten der Rohtabelle (Name -> DuckDB-Typ), `intern` weitere Spalten nur für die
    Prüfungen beim Lesen; beide ohne `seq`, die laufende Nummer, die der Aufrufer vergibt (sie ordnet Zellen und
    Quarantäne in der Reihenfolge, in der sie gelesen wurden). Zeilen (`append`, `extend`) kommen in der
    Reihenfolge `(*columns, *intern)`.
    """

    def __init__(self, columns: dict[str, str], intern: dict[str, str] | None = None,
                 chunk_rows: int | None = None):
        self.columns = tuple(columns)
        self._types = {"seq": "bigint", **columns, **(intern or {})}
        self._chunk_rows = chunk_rows or CHUNK_ROWS
        database, self._folder = _shared_database()
        self._con = database.cursor()
        definition = ", ".join(f"{name} {typ}" for name, typ in self._types.items())  # Namen aus dem Code
        self._con.execute(f"create temp table zellen ({definition})")
        self._buffer: list[list] = [[] for _ in self._types]
        self._buffered = 0
        self._rows = 0

    # --- schreiben ---------------------------------------------------------------------------------

    def append(self, seq: int, row: Sequence) -> None:
        """Eine Zelle."""
        self._buffer[0].append(seq)
        for values, value in zip(self._buffer[1:], row, strict=True):
            values.append(value)
        self._added(1)

    def extend(self, seqs: Sequence[int], columns: Sequence[Iterable]) -> None:
        """Viele Zellen spaltenweise; eine Spalte darf ein endloser Iterator sein (`itertools.repeat`)."""
        start = 0
        while start < len(seqs):  # nie mehr als ein Stück im Puffer
            stop = min(len(seqs), start + self._chunk_rows - self._buffered)
            self._buffer[0].extend(seqs[start:stop])
            for values, column in zip(self._buffer[1:], columns, strict=True):
                before = len(values)
                values.extend(column[start:stop] if isinstance(column, Sequence)
                              else itertools.islice(column, stop - start))
                if len(values) - before != stop - start:
                    raise ValueError("Spalten verschieden lang")
            self._added(stop - start)
            start = stop

    def _added(self, count: int) -> None:
        self._buffered += count
        self._rows += count
        if self._buffered >= self._chunk_rows:
            self.flush()

    def flush(self) -> None:
        """Das gesammelte Stück nach DuckDB schreiben."""
        if not self._buffered:
            return
        frame = typed_frame(self._types, self._buffer)
        self._con.register("stueck", frame)
        try:
            self._con.execute("insert into zellen select * from stueck")
        finally:
            self._con.unregister("stueck")
        self._buffer = [[] for _ in self._types]
        self._buffered = 0

    def execute(self, sql: str, params: object = None) -> duckdb.DuckDBPyConnection:
        """Eine Abfrage über die Zellen (vorher wird das letzte Stück geschrieben)."""
        self.flush()
        return self._con.execute(sql, params)

    def register(self, name: str, frame: pd.DataFrame) -> None:
        """Eine kleine Tabelle (z. B. Summenzeilen) für die folgenden Abfragen."""
        self._con.register(name, frame)

    def delete(self, seqs: list[int]) -> None:
        """Zellen entfernen (z. B. doppelte, die in Quarantäne gehen)."""
        if seqs:
            self.execute("delete from zellen where seq in (select unnest(?))", [seqs])
            self._rows -= len(seqs)

    # --- lesen ---------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._rows

    def __bool__(self) -> bool:
        return self._rows > 0

    def __iter__(self) -> Iterator[dict]:
        """Die Zellen als Dicts der Rohtabellen-Spalten, in Lesereihenfolge (stückweise abgerufen)."""
        cursor = self.execute(f"select {', '.join(self.columns)} from zellen order by seq")
        try:
            while rows := cursor.fetchmany(self._chunk_rows):
                for row in rows:
                    yield dict(zip(self.columns, row, strict=True))
        finally:
            cursor.abort()  # nicht zu Ende gelesen: der Rest des Ergebnisses blockierte die Verbindung

    def insert_into(self, con: duckdb.DuckDBPyConnection, table: str, datei_id: int) -> int:
        """Die Zellen in die Warehouse-Tabelle `table` einfügen (mit `datei_id`), über eine Parquet-Datei: DuckDB
        schreibt und liest sie stückweise, keine Zelle geht durch Python. Gibt die Zahl der Zeilen zurück."""
        path = self._folder / f"{uuid.uuid4().hex}.parquet"
        try:
            self.execute(f"copy (select {', '.join(self.columns)} from zellen order by seq) to ? (format parquet)",
                         [str(path)])
            # Tabellenname aus dem Code des Lesers, nie aus der Datei
            con.execute(f"insert into {table} by name select ?::bigint as datei_id, * from read_parquet(?)",
                        [datei_id, str(path)])
        finally:
            path.unlink(missing_ok=True)
        return self._rows

    def close(self) -> None:
        """Verbindung schließen; die temporären Tabellen verschwinden mit ihr."""
        self._buffer = [[] for _ in self._types]
        self._buffered = 0
        self._con.close()


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: CellStore | list[dict], datei_id: int) -> None:
    """Zeilen eines Lesers in die Warehouse-Tabelle `table`: aus einem Zellspeicher oder einer Liste von Dicts
    (kleine Tabellen wie Kita-Einrichtungen und Konferenzblätter)."""
    if isinstance(rows, CellStore):
        rows.insert_into(con, table, datei_id)
        return
    for start in range(0, len(rows), CHUNK_ROWS):
        frame = pd.DataFrame.from_records(rows[start:start + CHUNK_ROWS])
        frame.insert(0, "datei_id", datei_id)
        con.register("neue_zeilen", frame)
        try:
            # Tabellenname aus dem Code des Lesers, nie aus der Datei
            con.execute(f"insert into {table} by name select * from neue_zeilen")
        finally:
            con.unregister("neue_zeilen")


def typed_frame(columns: dict[str, str], values: Sequence[Sequence]) -> pd.DataFrame:
    """Spalten (Name -> DuckDB-Typ) als DataFrame mit passenden Typen (ganze Zahlen mit None)."""
    return pd.DataFrame({name: _array(column if isinstance(column, list) else list(column), typ)
                         for (name, typ), column in zip(columns.items(), values, strict=True)})


def _array(values: list, typ: str) -> object:
    """Ganze Zahlen als int64 oder, mit Lücken, als nullbare Int64-Spalte (nie als Gleitkommazahlen), alles andere
    als Objekte."""
    if typ in _INTEGER_TYPES:
        return pd.array(values, dtype="Int64") if None in values else np.array(values, dtype=np.int64)
    return np.array(values, dtype=object) if values else np.empty(0, dtype=object)
