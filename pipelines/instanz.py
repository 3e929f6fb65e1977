"""Dagsters Ereignisprotokoll auf SQLite, mit offen gehaltenen Verbindungen (architektur.md §11.1).

Ein Lauf schreibt einige hundert Ereignisse (Start und Ende jedes Schritts, je Asset „geplant“ und „materialisiert“,
jede Prüfung, jede Protokollzeile). Dagsters `SqliteEventLogStorage` baut für jedes Ereignis bis zu drei
SQLAlchemy-Engines und SQLite-Verbindungen neu auf und schließt sie wieder. Gemessen mit dem Beispiel (eine Gemeinde,
670 Ereignisse): 6,6 s Schreiben der Ereignisse in einem Lauf von 17,6 s; mit offen gehaltenen Verbindungen 1,7 s in
einem Lauf von 10,8 s. Was gespeichert wird, ändert sich nicht: dieselben Tabellen, dieselben Dateien (eine je Lauf
und der Index), derselbe Modus (WAL, den Dagster beim Anlegen setzt), dieselbe Sicherheit beim Schreiben.

`SqliteEreignisprotokoll` hält je Datei eine Engine mit einem kleinen Vorrat an Verbindungen; höchstens
`OFFENE_DATEIEN` Dateien zugleich (die Oberfläche liest die Protokolle vieler Läufe), die älteste wird geschlossen.
Ob es eine Tabelle des Index (oder eine Spalte von `asset_keys`) gibt, fragte Dagster bei fast jedem Ereignis über
eine eigens gebaute Engine; hier über die offene, und was es gibt, bleibt gemerkt (`has_table`).
Die Instanz des Projekts (`sozial_dwh.config.DAGSTER_YAML`) nimmt es ab Werk; wer PostgreSQL nimmt, braucht es nicht.

Jede Verbindung schreibt mit `synchronous = NORMAL` (SQLite-Vorgabe ist FULL): im WAL-Modus wartet ein Festschreiben
dann nicht auf die Platte (fsync), erst das Zurückschreiben des Logs tut es. Die Datei bleibt in jedem Fall
unbeschädigt; stürzt der Prozess ab (auch `kill -9`), fehlt nichts, was festgeschrieben war – nur ein Stromausfall kann
die letzten Ereignisse des Protokolls kosten (das Warehouse ist eine eigene Datei mit eigener Sicherung). Gemessen
(die 644 Ereignisse eines Laufs des Beispiels, je viermal in eine leere Instanz geschrieben): 1,52–1,81 s mit FULL,
0,96–1,48 s mit NORMAL.
"""

import contextlib
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME, SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

OFFENE_DATEIEN = 8


class SqliteEreignisprotokoll(SqliteEventLogStorage):
    """Wie `SqliteEventLogStorage`, aber je Datei (Lauf oder Index) eine Engine, die offen bleibt.

    Konfiguration in `dagster.yaml`: `base_dir` wie bei Dagster; fehlt es, `$DAGSTER_HOME/history/runs` (dort legt
    Dagster das Protokoll ab Werk ab)."""

    def __init__(self, base_dir: str | None = None, inst_data: ConfigurableClassData | None = None):
        if base_dir is None:
            home = os.environ.get("DAGSTER_HOME")
            if not home:
                raise RuntimeError("Für das Ereignisprotokoll fehlt der Ordner: weder `base_dir` in dagster.yaml noch "
                                   "die Umgebungsvariable DAGSTER_HOME ist gesetzt.")
            base_dir = os.path.join(home, "history", "runs")
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._engines_lock = threading.Lock()
        # Spätestens am Ende des Prozesses alle Verbindungen schließen: erst das schreibt das WAL jeder Datei zurück und
        # löscht `<Datei>.db-wal` (bis 4 MB je Datei). Nicht der Müllsammlung überlassen – die Objekte können in
        # Zyklen hängen, die sie am Ende nicht mehr durchgeht (gemessen mit `gc.freeze`: je Lauf blieben 1,6–4 MB
        # liegen, bis DAGSTER_HOME voll war).
        self._schliessen = weakref.finalize(self, _alle_schliessen, self._engines, self._engines_lock)
        self._vorhanden: set[tuple[str, ...]] = set()  # Tabellen und Spalten des Index, die es gibt (`has_table`)
        super().__init__(base_dir=base_dir, inst_data=inst_data)

    @classmethod
    def config_type(cls) -> dict:
        from dagster._config import Field, StringSource

        return {"base_dir": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None, config_value: dict) -> "SqliteEreignisprotokoll":
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        with self._engines_lock:
            engine = self._engines.get(shard)
            if engine is not None:
                self._engines.move_to_end(shard)
                return engine
            # SQLAlchemys Vorgabe für SQLite-Dateien: ein Vorrat an Verbindungen, die nach Gebrauch offen bleiben
            # (eine ruhende Verbindung hält keine Sperre); Dagsters Lock unten lässt je Objekt eine zugleich arbeiten
            engine = create_engine(self.conn_string_for_shard(shard), pool_size=1, max_overflow=2,
                                   connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
            event.listen(engine, "connect", _schnell_festschreiben)
            self._engines[shard] = engine
            while len(self._engines) > OFFENE_DATEIEN:
                _, alt = self._engines.popitem(last=False)
                alt.dispose()
            return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn:
                vorher = conn.connection.dbapi_connection.total_changes
                with conn.begin():
                    yield conn
                geschrieben = conn.connection.dbapi_connection.total_changes != vorher
            if geschrieben and shard != INDEX_SHARD_NAME:
                # Wer einen laufenden Lauf verfolgt (die Oberfläche), wartet auf eine Änderung seiner Datei
                # (`SqliteEventLogStorageWatchdog`). Im WAL-Modus landet das Geschriebene bei offener Verbindung erst
                # in `<Lauf>.db-wal`; Dagster schloss die Verbindung und schrieb es damit zurück. Hier meldet die
                # geänderte Zeit der Datei das neue Ereignis.
                with contextlib.suppress(FileNotFoundError):
                    os.utime(self.path_for_shard(shard))

    def has_table(self, table_name: str) -> bool:
        """Gibt es die Tabelle im Index? Dagster fragt es bei fast jedem Ereignis (Tags, Partitionen, Prüfungen) und
        baute dafür jedes Mal eine Engine und eine Verbindung neu auf; hier über die offene Engine, und was es gibt,
        bleibt gemerkt (Tabellen verschwinden nur mit `wipe`; eine neu angelegte findet die nächste Frage)."""
        if (table_name,) in self._vorhanden:
            return True
        engine = self._engine(INDEX_SHARD_NAME)
        with engine.connect() as conn:
            vorhanden = bool(engine.dialect.has_table(conn, table_name))
        if vorhanden:
            self._vorhanden.add((table_name,))
        return vorhanden

    def _has_asset_key_col_on_connection(self, conn: Connection, column_name: str) -> bool:
        """Hat die Tabelle `asset_keys` die Spalte? (Dagster liest dafür bei jedem Asset-Ereignis alle Spalten.)"""
        if ("asset_keys", column_name) in self._vorhanden:
            return True
        vorhanden = super()._has_asset_key_col_on_connection(conn, column_name)
        if vorhanden:
            self._vorhanden.add(("asset_keys", column_name))
        return vorhanden

    def wipe(self) -> None:
        self._vorhanden.clear()
        with self._engines_lock:  # die Dateien der Läufe werden gelöscht: ihre Verbindungen vorher schließen
            for shard in [s for s in self._engines if s != INDEX_SHARD_NAME]:
                self._engines.pop(shard).dispose()
        super().wipe()

    def dispose(self) -> None:
        self._schliessen()
        super().dispose()


def _alle_schliessen(engines: OrderedDict[str, Engine], sperre: threading.Lock) -> None:
    with sperre:
        while engines:
            engines.popitem()[1].dispose()


def _schnell_festschreiben(dbapi_connection, _record) -> None:
    """Jede neue SQLite-Verbindung: Festschreiben ohne fsync im WAL-Modus (siehe Moduldokumentation)."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("pragma synchronous = NORMAL")
    finally:
        cursor.close()
