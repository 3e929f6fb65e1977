"""Zellspeicher: die Zellen einer gelesenen Datei in DuckDB statt als Python-Dicts (architektur.md §11: Speicher begrenzt).

Ein Leser hält Zellen in Python nur stückweise: bis `CHUNK_ROWS` Zellen als Tupel, dann geht das Stück in die
temporäre DuckDB-Tabelle `zellen`. Was die ganze Datei sehen muss (doppelte Zellen, Summenzeilen,
Randsummen), rechnet SQL über diese Tabelle; ins Warehouse kommt sie über eine Parquet-Datei. So treibt die
Zeilenzahl einer Lieferung den Speicher nicht: Python hält höchstens ein Stück, DuckDB höchstens `SPEICHERGRENZE`
und lagert darüber in einen temporären Ordner aus.

Alle Zellspeicher eines Prozesses teilen eine DuckDB-Datenbank im Arbeitsspeicher. Jeder hat eine eigene
Verbindung (`cursor`) mit eigenen temporären Tabellen; darum heißen sie in jedem Speicher gleich (`zellen`) und
die Abfragen in sql/lesen/ können sie beim Namen nennen. Mit der Verbindung verschwinden die Tabellen.
"""

from __future__ import annotations

import bisect
import itertools
import os
import tempfile
import uuid
import weakref
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from sozial_dwh.config import SQL_DIR

CHUNK_ROWS = 50_000  # Zellen je Stück, das in Python gesammelt und dann nach DuckDB geschrieben wird
KLEIN = 2_000  # kleinere Stücke gehen als Listen-Parameter nach DuckDB, größere als DataFrame (je schneller)
SPEICHERGRENZE = "256MB"  # Arbeitsspeicher der Zellspeicher-Datenbank; darüber lagert DuckDB auf die Platte aus
LESEN_SQL = SQL_DIR / "lesen"

_INTEGER_TYPES = {"bigint", "integer"}
_database: tuple[int, duckdb.DuckDBPyConnection] | None = None
_open_stores = 0  # offene Zellspeicher dieses Prozesses (`release` schließt die Datenbank nur ohne)


def _shared_database() -> duckdb.DuckDBPyConnection:
    """Die Datenbank der Zellspeicher dieses Prozesses (beim ersten Gebrauch angelegt; nach `fork` neu)."""
    global _database, _open_stores
    if _database is None or _database[0] != os.getpid():
        # den Ordner zum Auslagern legt DuckDB erst an, wenn es ihn braucht, und entfernt ihn beim Schließen
        auslagern = Path(tempfile.gettempdir()) / f"sozial_dwh_zellen_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        # freigegebener Speicher geht bald an das System zurück, nicht erst bei 128 MB (Vorgabe)
        con = duckdb.connect(":memory:", config={
            "memory_limit": SPEICHERGRENZE, "temp_directory": str(auslagern), "allocator_flush_threshold": "16MB"})
        _database, _open_stores = (os.getpid(), con), 0
    return _database[1]


def release() -> None:
    """Die Datenbank der Zellspeicher schließen, wenn kein Zellspeicher mehr offen ist (nach dem Lesen aller
    Dateien eines Laufs): DuckDB gibt ihren Speicher erst so ganz zurück. Der nächste Zellspeicher legt sie neu an."""
    global _database
    if _database is None or _database[0] != os.getpid() or _open_stores:
        return
    _, con = _database
    _database = None
    con.close()


def lesen_sql(name: str) -> str:
    """Eine Abfrage aus sql/lesen/ (läuft im Zellspeicher, nicht im Warehouse)."""
    return (LESEN_SQL / f"{name}.sql").read_text(encoding="utf-8")


class CellStore:
    """Zellen einer Datei in der temporären Tabelle `zellen`, in der Reihenfolge `seq`.

    `columns` sind die Spalten der Rohtabelle (Name -> DuckDB-Typ), `intern` weitere Spalten nur für die
    Prüfungen beim Lesen; beide ohne `seq`, die laufende Nummer, die der Aufrufer vergibt (sie ordnet Zellen und
    Quarantäne in der Reihenfolge, in der sie gelesen wurden). Zeilen (`append`, `extend`) kommen in der
    Reihenfolge `(*columns, *intern)`.

    Die Verbindung zu DuckDB entsteht erst mit dem ersten Stück, das geschrieben werden muss (volles Stück oder
    eine Abfrage). Eine kleine Datei ohne Abfrage (keine Summenzeile, keine doppelte Zelle) braucht DuckDB nicht:
    ihre Zellen bleiben im Puffer und gehen von dort ins Warehouse – das spart je Datei einige Millisekunden.
    """

    def __init__(self, columns: dict[str, str], intern: dict[str, str] | None = None,
                 chunk_rows: int | None = None):
        self.columns = tuple(columns)
        self._types = {"seq": "bigint", **columns, **(intern or {})}
        self._chunk_rows = chunk_rows or CHUNK_ROWS
        self._con: duckdb.DuckDBPyConnection | None = None
        self._buffer: list[tuple] = []  # Zeilen (seq, *columns, *intern), höchstens ein Stück
        self._rows = 0

    def _connect(self) -> duckdb.DuckDBPyConnection:
        global _open_stores
        if self._con is None:
            self._con = _shared_database().cursor()
            _open_stores += 1
            # schließt die Verbindung auch, wenn niemand `close` aufruft (z. B. Ergebnis einer abgelehnten Datei)
            self._finalizer = weakref.finalize(self, _close, self._con)
            definition = ", ".join(f"{name} {typ}" for name, typ in self._types.items())  # Namen aus dem Code
            self._con.execute(f"create temp table zellen ({definition})")
        return self._con

    # --- schreiben ---------------------------------------------------------------------------------

    def append(self, seq: int, row: Sequence) -> None:
        """Eine Zelle."""
        self._buffer.append((seq, *row))
        self._rows += 1
        if len(self._buffer) >= self._chunk_rows:
            self.flush()

    def extend(self, seqs: Sequence[int], columns: Sequence[Iterable]) -> None:
        """Viele Zellen spaltenweise; eine Spalte darf ein endloser Iterator sein (`itertools.repeat`)."""
        if len(columns) != len(self._types) - 1:
            raise ValueError("falsche Zahl von Spalten")
        if any(isinstance(column, Sequence) and len(column) != len(seqs) for column in columns):
            raise ValueError("Spalten verschieden lang")
        start = 0
        while start < len(seqs):  # nie mehr als ein Stück im Puffer
            stop = min(len(seqs), start + self._chunk_rows - len(self._buffer))
            self._buffer.extend(zip(seqs[start:stop], *(column[start:stop] if isinstance(column, Sequence)
                                                         else itertools.islice(column, stop - start)
                                                         for column in columns), strict=True))
            self._rows += stop - start
            start = stop
            if len(self._buffer) >= self._chunk_rows:
                self.flush()

    def flush(self) -> None:
        """Das gesammelte Stück nach DuckDB schreiben."""
        if not self._buffer:
            return
        con = self._connect()
        values = [list(column) for column in zip(*self._buffer, strict=True)]
        if len(self._buffer) < KLEIN:
            con.execute(f"insert into zellen {unnest_select(self._types)}", values)
        else:
            con.register("stueck", typed_frame(self._types, values))
            try:
                con.execute("insert into zellen select * from stueck")
            finally:
                con.unregister("stueck")
        self._buffer = []

    def execute(self, sql: str, params: object = None) -> duckdb.DuckDBPyConnection:
        """Eine Abfrage über die Zellen (vorher wird das letzte Stück geschrieben)."""
        self.flush()
        return self._connect().execute(sql, params)

    def update(self, seq: int, **values: object) -> None:
        """Spalten einer Zelle ändern (z. B. einen abgeleiteten Wert eintragen); Spaltennamen aus dem Code."""
        if self._con is None:
            index = bisect.bisect_left(self._buffer, seq, key=lambda row: row[0])  # Puffer ist nach seq geordnet
            row = list(self._buffer[index])
            for name, value in values.items():
                row[list(self._types).index(name)] = value
            self._buffer[index] = tuple(row)
            return
        self.execute(f"update zellen set {', '.join(f'{name} = ?' for name in values)} where seq = ?",
                     [*values.values(), seq])

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

    @property
    def in_buffer(self) -> bool:
        """Liegen alle Zellen noch im Puffer (nie nach DuckDB geschrieben)? Dann gilt `buffer_rows`."""
        return self._con is None

    def buffer_rows(self) -> Iterator[tuple]:
        """Die Zeilen im Puffer: (seq, *columns, *intern), in Lesereihenfolge."""
        return iter(self._buffer)

    @property
    def buffered(self) -> int:
        """Zellen, die noch in Python liegen (höchstens ein Stück)."""
        return len(self._buffer)

    def __iter__(self) -> Iterator[dict]:
        """Die Zellen als Dicts der Rohtabellen-Spalten, in Lesereihenfolge (stückweise abgerufen)."""
        width = len(self.columns)
        if self._con is None:  # alles noch im Puffer, in Lesereihenfolge
            for row in list(self._buffer):
                yield dict(zip(self.columns, row[1:width + 1], strict=True))
            return
        cursor = self.execute(f"select {', '.join(self.columns)} from zellen order by seq")
        try:
            while rows := cursor.fetchmany(self._chunk_rows):
                for row in rows:
                    yield dict(zip(self.columns, row, strict=True))
        finally:
            cursor.abort()  # nicht zu Ende gelesen: der Rest des Ergebnisses blockierte die Verbindung

    def insert_into(self, con: duckdb.DuckDBPyConnection, table: str, datei_id: int) -> int:
        """Die Zellen in die Warehouse-Tabelle `table` einfügen (mit `datei_id`). Aus DuckDB über eine
        Parquet-Datei: DuckDB schreibt und liest sie stückweise, keine Zelle geht durch Python; liegt alles noch im
        Puffer (kleine Datei), direkt aus ihm. Gibt die Zahl der Zeilen zurück."""
        columns = {name: self._types[name] for name in self.columns}
        if self._con is None:
            values = list(zip(*self._buffer, strict=True))[1:len(columns) + 1] if self._buffer else [[]] * len(columns)
            con.register("neue_zeilen", typed_frame(columns, values))
            try:
                # Tabellenname aus dem Code des Lesers, nie aus der Datei
                con.execute(f"insert into {table} by name select ?::bigint as datei_id, * from neue_zeilen", [datei_id])
            finally:
                con.unregister("neue_zeilen")
            return self._rows
        handle, name = tempfile.mkstemp(prefix="sozial_dwh_zellen_", suffix=".parquet")
        os.close(handle)
        path = Path(name)
        try:
            self.execute(f"copy (select {', '.join(self.columns)} from zellen order by seq) to ? (format parquet)",
                         [str(path)])
            # Tabellenname aus dem Code des Lesers, nie aus der Datei
            con.execute(f"insert into {table} by name select ?::bigint as datei_id, * from read_parquet(?)",
                        [datei_id, str(path)])
        finally:
            path.unlink(missing_ok=True)
        return self._rows

    def nach_parquet(self, pfad: Path) -> dict[str, str]:
        """Die Zellen (Spalten der Rohtabelle, in Lesereihenfolge) als Parquet-Datei `pfad` schreiben, für das Laden
        in einem anderen Prozess (`sozial_dwh.gelesen`). DuckDB schreibt stückweise, keine Zelle geht durch Python
        (liegt alles noch im Puffer, geht es erst nach DuckDB). Gibt die Spalten zurück (Name -> DuckDB-Typ)."""
        self.execute(f"copy (select {', '.join(self.columns)} from zellen order by seq) to ? (format parquet)",
                     [str(pfad)])
        return {name: self._types[name] for name in self.columns}

    def close(self) -> None:
        """Puffer leeren und Verbindung schließen; die temporären Tabellen verschwinden mit ihr."""
        self._buffer = []
        if self._con is not None:
            self._finalizer()


def _close(con: duckdb.DuckDBPyConnection) -> None:
    global _open_stores
    con.close()
    _open_stores -= 1


class ParquetZeilen:
    """Die Zeilen einer Rohtabelle, die ein anderer Prozess gelesen und als Parquet-Datei abgelegt hat
    (`sozial_dwh.gelesen`). Wie ein Zellspeicher: `len` (aus dem Manifest, ohne die Datei zu öffnen), Durchlaufen
    als Dicts (stückweise), `insert_into` ins Warehouse direkt aus der Datei – keine Zeile geht durch Python.
    `pfad` None: die Tabelle ist leer (keine Datei)."""

    def __init__(self, pfad: Path | None, zeilen: int, spalten: dict[str, str]):
        self.pfad = pfad
        self.zeilen = zeilen
        self.columns = tuple(spalten)
        self.spalten = dict(spalten)

    def __len__(self) -> int:
        return self.zeilen

    def __bool__(self) -> bool:
        return self.zeilen > 0

    def __iter__(self) -> Iterator[dict]:
        if self.pfad is None or not self.zeilen:
            return
        with _shared_database().cursor() as cursor:
            cursor.execute(f"select {', '.join(self.columns)} from read_parquet(?)", [str(self.pfad)])
            while rows := cursor.fetchmany(CHUNK_ROWS):
                for row in rows:
                    yield dict(zip(self.columns, row, strict=True))

    def abfrage(self, sql: str, params: Sequence = ()) -> list[tuple]:
        """Eine Abfrage über die Zeilen; `sql` nennt sie `{zeilen}` (dort wird die Datei gelesen, ihr Pfad ist der
        erste Parameter, vor `params`). SQL aus dem Code, nie aus der Datei."""
        if self.pfad is None or not self.zeilen:
            return []
        with _shared_database().cursor() as cursor:
            return cursor.execute(sql.replace("{zeilen}", "read_parquet(?)"), [str(self.pfad), *params]).fetchall()

    def insert_into(self, con: duckdb.DuckDBPyConnection, table: str, datei_id: int) -> int:
        """Die Zeilen in die Warehouse-Tabelle `table` einfügen (mit `datei_id`), in der Reihenfolge der Datei."""
        if self.pfad is not None and self.zeilen:
            # Tabellenname aus dem Code des Lesers, nie aus der Datei
            con.execute(f"insert into {table} by name select ?::bigint as datei_id, * from read_parquet(?)",
                        [datei_id, str(self.pfad)])
        return self.zeilen


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: CellStore | ParquetZeilen | list[dict],
                datei_id: int) -> None:
    """Zeilen eines Lesers in die Warehouse-Tabelle `table`: aus einem Zellspeicher, aus einer Parquet-Datei eines
    anderen Prozesses (`ParquetZeilen`) oder einer Liste von Dicts (kleine Tabellen wie Kita-Einrichtungen und
    Konferenzblätter)."""
    if isinstance(rows, CellStore | ParquetZeilen):
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


def unnest_select(columns: dict[str, str]) -> str:
    """`select` über Spalten, die als Listen gebunden werden (je Spalte ein `?`, Name -> DuckDB-Typ): für wenige
    Zeilen schneller als ein DataFrame (Namen und Typen aus dem Code)."""
    return "select " + ", ".join(f"unnest(?::{typ}[]) as {name}" for name, typ in columns.items())


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
