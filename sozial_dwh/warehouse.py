"""Zugriff auf die DuckDB-Datei des Warehouse und auf die SQL-Modelle in `sql/`.

Ein Lauf ändert das Warehouse nie direkt (architektur.md §4, §9). Er arbeitet auf einer Arbeitskopie
`warehouse/.lauf-<lauf_id>.duckdb` (`RunCopy`), die erst am Ende mit `os.replace` an die Stelle von
`sozial_dwh.duckdb` tritt. Stirbt der Prozess vorher (Absturz, `kill -9`, Stromausfall), bleibt nur eine
verwaiste Arbeitskopie liegen; der nächste Lauf räumt sie weg (`recover`). Dateien aus dem Eingang werden
erst nach der Übernahme gelöscht, bis dahin liegen sie im Eingang *und* als Kopie in `archive/`/`rejected/`.

Dateien im Ordner `warehouse/` je Lauf (Reihenfolge des Entstehens):

- `.lauf-<id>.duckdb.kopie`: die Kopie des Warehouse, während sie geschrieben wird;
- `.lauf-<id>.duckdb` (und `.wal`): die Arbeitskopie. Solange sie existiert, ist der Lauf **nicht** übernommen;
- `.lauf-<id>.eingang`: Eingangsdateien (Name, SHA-256), die nach der Übernahme aus dem Eingang entfernt werden –
  Verknüpfungen, Ordner, Sonderdateien und unlesbare Dateien (mit Ziel und Dateikennung) nach `rejected/` verschoben;
- `.lauf-<id>.analyse` (und `.wal`, solange sie geschrieben wird): die vorbereitete Analysekopie, die nach der
  Übernahme `sozial_dwh_analyse.duckdb` ersetzt.

`.lauf.lock` sorgt dafür, dass immer nur ein Lauf arbeitet (zwei Läufe auf zwei Kopien würden sich beim
Übernehmen gegenseitig überschreiben).

Läuft ein Lauf in mehreren Prozessen (Dagsters Multiprozess-Executor, architektur.md §11.1), hält der Prozess, der
den Lauf steuert, die Sperre für den ganzen Lauf (`RunCopy(..., besitzer=True).sperren()`) und schreibt
`AUSFUEHRUNG_PROZESSE` dazu. Die Schritte desselben Laufs in anderen Prozessen schließen sich dann an
(`angeschlossen`): sie nehmen die Sperre nicht, legen die Arbeitskopie an oder öffnen sie, entscheiden aber nicht über
Übernahme oder Verwerfen – das tut der steuernde Prozess am Ende (oder der Schritt `ops/analysekopie`). Der Stand
des Warehouse beim Kopieren steht dafür in `.lauf-<id>.herkunft`. Stirbt der steuernde Prozess, gibt das
Betriebssystem die Sperre frei, und der nächste Lauf räumt auf wie nach einem Absturz.

Die Analysekopie ist im älteren Speicherformat `ANALYSE_SPEICHERVERSION`, damit auch die DuckDB-Shell und der
JDBC-Treiber öffnen können, die ein Analyst selbst installiert, und trägt die deutschen Kommentare des
Datenwörterbuchs (`sozial_dwh.kommentare`). Ein Warehouse, das in diesem Format angelegt ist (jedes neue, `_open`),
bekommt die Kommentare am Ende des Laufs selbst, und die Analysekopie ist eine Byte-Kopie der eingecheckten
Arbeitskopie (`_analyse_vorbereiten`, `_analyse_als_kopie`). Ein Warehouse im neueren Format (angelegt vor dem
1.12.2026) behält es; seine Analysekopie schreibt `write_analysis_copy` Tabelle für Tabelle neu.

Vor dem Anlegen der Arbeitskopie wird der freie Platz geprüft (`sozial_dwh.diskspace.require_free_space`); reicht er
nicht, beginnt der Lauf nicht und sagt, in welchem Ordner wie viel fehlt. Läuft die Platte im Lauf voll, wird die
Arbeitskopie verworfen; Reste (Arbeitskopien, halbe Kopien in `archive/` und `rejected/`) räumt der nächste Lauf weg.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, TypeVar

import duckdb

from sozial_dwh import diskspace
from sozial_dwh.config import SQL_DIR, Paths
from sozial_dwh.kommentare import kommentieren
from sozial_dwh.models import model_sql, stuecke_nach

INIT_SQL = SQL_DIR / "init" / "warehouse.sql"

_log = logging.getLogger(__name__)
T = TypeVar("T")

SPEICHER_ENV = "SOZIAL_DWH_DUCKDB_SPEICHER"
# DuckDB belegt bis zur Grenze, was es bekommt: die Grenze ist der Speicher der Modelle bei vielen Gemeinden
# (Issue 17: er wächst nicht mit ihrer Zahl). `fact_bevoelkerung` lagert aus (Stufen „not materialized“) und kommt
# bei 50 Gemeinden mit 128 MB aus; `groessen_bevoelkerung` (rekursiv, nicht auslagerbar) rechnet in Stücken
# (`_stueckweise`, je Stück gut 200 MB), die lange CSV mit 2 Mio. Zeilen braucht mehr – deshalb bleibt die Grenze bei
# 448 MB. Gemessen (Sitzung 9): mit 256 MB reicht sie `fact_bevoelkerung` bei 20 Gemeinden nicht mehr.
SPEICHER_STANDARD = "448MB"

RUN_PREFIX = ".lauf-"
LOCK_NAME = ".lauf.lock"
_RUN_FILE = re.compile(
    r"^\.lauf-(?P<lauf>[A-Za-z0-9_-]+)\.(?P<art>duckdb|duckdb\.wal|duckdb\.kopie|eingang|analyse|analyse\.wal|herkunft)$")
# So steht in `.lauf.lock`, dass der Lauf in mehreren Prozessen läuft und sein steuernder Prozess die Sperre hält
AUSFUEHRUNG_PROZESSE = "Ausführung in mehreren Prozessen"
_OLD_TMP = re.compile(r"^\.analyse-.*\.duckdb\.tmp(\.wal)?$")  # Reste von publish_analysis_copy

# Speicherformat der Analysekopie (architektur.md §4). Das Warehouse schreibt DuckDB 2.x im neuesten Format (Speicherversion
# 69), das ältere DuckDB-Versionen nicht lesen. Die Analysekopie entsteht deshalb im Format von DuckDB 1.4.0
# (Speicherversion 67): das lesen DuckDB 1.4 (LTS) und 1.5 (CLI aus `pip install duckdb-cli`, JDBC-Treiber in DBeaver,
# Python, R) und jede neuere Version. Zuordnung Version -> Speicherversion: duckdb/duckdb, src/storage/version_map.json
# (v1.4.x -> 67, v1.5.x -> 68); Option STORAGE_VERSION von ATTACH: duckdb/duckdb#15794.
ANALYSE_SPEICHERVERSION = "v1.4.0"


class WarehouseBusy(RuntimeError):
    """Ein anderer Lauf arbeitet gerade am Warehouse."""


class WarehouseChanged(RuntimeError):
    """Das Warehouse wurde während eines Laufs von außen verändert; der Lauf wird nicht übernommen."""


def connect(paths: Paths, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Verbindung direkt zum Warehouse (ohne Arbeitskopie); legt Ordner und Grundgerüst an, wenn sie fehlen.

    Für Werkzeuge und Tests. Die Dagster-Läufe arbeiten über `RunCopy` auf einer Arbeitskopie.
    """
    if read_only:
        return duckdb.connect(str(paths.warehouse), read_only=True)
    paths.ensure()
    return _open(paths.warehouse)


def duckdb_speicher() -> str:
    """Arbeitsspeicher, den DuckDB für das Warehouse höchstens belegt (`SOZIAL_DWH_DUCKDB_SPEICHER`, Standard
    `SPEICHER_STANDARD`). Darüber lagert DuckDB Zwischenergebnisse auf die Platte aus (Ordner `<datei>.tmp` neben
    der Datenbank): ein Lauf braucht so nicht mehr Speicher, weil die Tabellen wachsen (architektur.md §11)."""
    return os.environ.get(SPEICHER_ENV, "").strip() or SPEICHER_STANDARD


def _open(path: Path) -> duckdb.DuckDBPyConnection:
    # Eine neue Datei entsteht im Speicherformat der Analysekopie: dann ist die Analysekopie eine Byte-Kopie
    # (`_analyse_vorbereiten`). Eine vorhandene Datei behält ihr Format.
    con = duckdb.connect(str(path), config={"storage_compatibility_version": ANALYSE_SPEICHERVERSION})
    try:
        con.execute("set memory_limit = ?", [duckdb_speicher()])
    except duckdb.Error as exc:
        con.close()
        raise ValueError(f"{SPEICHER_ENV} = „{duckdb_speicher()}“ ist keine Speichergröße (z. B. 512MB oder 2GB): "
                         f"{exc}") from exc
    con.execute(INIT_SQL.read_text(encoding="utf-8"))
    return con


def run_sql_file(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Führt eine Modelldatei (ein oder mehrere Statements) in einer Transaktion aus; mit Kopfzeile `-- Stücke:`
    in Stücken (`_stueckweise`)."""
    sql = model_sql(path)
    if stuecke_nach(path, sql) is not None:
        _stueckweise(con, path, sql, None)
        return

    def ausfuehren() -> None:
        con.execute("begin transaction")
        try:
            con.execute(sql)
            con.execute("commit")
        except Exception:
            _rollback(con)
            raise

    _ueber_speichergrenze(con, path, ausfuehren)


def _ueber_speichergrenze(con: duckdb.DuckDBPyConnection, path: Path, ausfuehren: Callable[[], T]) -> T:
    """`ausfuehren` (eine Transaktion); reicht die Speichergrenze nicht (`duckdb_speicher`), einmal ohne sie.

    DuckDB lagert fast alles auf die Platte aus, nicht aber z. B. die Zwischenstände rekursiver Abfragen
    (`groessen_bevoelkerung` bei Millionen Einzeljahren über mehrere Stichtage). Dann scheitert der Lauf nicht,
    sondern braucht für dieses Modell mehr Speicher; die Warnung nennt es.
    """
    try:
        return ausfuehren()
    except duckdb.OutOfMemoryException:
        grenze = duckdb_speicher()
        _log.warning(f"{path.name}: die Speichergrenze von {grenze} ({SPEICHER_ENV}) reicht nicht; das Modell wird "
                     "ohne Grenze wiederholt. Für weniger Speicher die Grenze erhöhen oder das Modell prüfen.")
        con.execute("reset memory_limit")
        try:
            return ausfuehren()
        finally:
            con.execute("set memory_limit = ?", [grenze])


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Transaktion zurücknehmen, ohne den eigentlichen Fehler zu verdecken: scheitert das Festschreiben (z. B. volle
    Platte), hat DuckDB sie schon verworfen, und „rollback“ meldete nur „no transaction is active“."""
    with contextlib.suppress(duckdb.Error):
        con.execute("rollback")


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(con.execute(
        "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?", [schema, table]
    ).fetchall()[0][0])


def table_row_count(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> int:
    if not table_exists(con, schema, table):
        return 0
    # Bezeichner stammen aus dem Code (Modellnamen), nie aus Benutzereingaben.
    return con.execute(f'select count(*) from "{schema}"."{table}"').fetchall()[0][0]


# Ein Warehouse gilt als aufgebaut, wenn ein Lauf über alles bis zum Mart gekommen ist.
AUFGEBAUT_TABELLE = ("mart", "indikator_werte")


def ist_aufgebaut(con: duckdb.DuckDBPyConnection) -> bool:
    """Hat das Warehouse hinter `con` schon einen ganzen Aufbau (Dimensionen, Fakten, Mart)?"""
    return table_exists(con, *AUFGEBAUT_TABELLE)


def warehouse_aufgebaut(paths: Paths) -> bool:
    """Wie `ist_aufgebaut`, direkt an der Warehouse-Datei (nur lesend; False, wenn es sie nicht gibt)."""
    if not paths.warehouse.exists():
        return False
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        return ist_aufgebaut(con)


def publish_analysis_copy(paths: Paths) -> Path:
    """Ersetzt die Analysekopie atomar durch eine Kopie des Warehouse (architektur.md §4), ohne Arbeitskopie.

    Die Kopie entsteht zuerst als temporäre Datei im selben Ordner und wird dann mit `os.replace`
    an ihren Platz gebracht: Lesende sehen entweder die alte oder die neue Datei, nie eine halbe.
    """
    _checkpoint(paths.warehouse)
    handle, tmp_name = tempfile.mkstemp(prefix=".analyse-", suffix=".duckdb.tmp", dir=paths.warehouse_dir)
    os.close(handle)
    tmp = Path(tmp_name)
    try:
        write_analysis_copy(paths.warehouse, tmp)
        os.replace(tmp, paths.analyse)
        _fsync_dir(paths.warehouse_dir)
    finally:
        tmp.unlink(missing_ok=True)
        _wal(tmp).unlink(missing_ok=True)
    return paths.analyse


def write_analysis_copy(source: Path, target: Path) -> list[str]:
    """Schreibt die Analysekopie von `source` nach `target`: alle Schemas, Tabellen und Daten im Speicherformat
    `ANALYSE_SPEICHERVERSION`, dazu die Kommentare des Datenwörterbuchs, auf die Platte geschrieben und mit den
    Zugriffsrechten der Quelle. `source` muss geschlossen und eingecheckt sein (kein `.wal`).

    Gibt die Tabellen und Spalten zurück, die danach noch keinen Kommentar haben (sollte leer sein).
    """
    target.unlink(missing_ok=True)  # ATTACH soll eine neue Datei anlegen, nie eine vorhandene fortschreiben
    _wal(target).unlink(missing_ok=True)
    spill = target.with_name(target.name + ".tmp")
    con = duckdb.connect()  # im Speicher; Quelle und Ziel werden angehängt
    fertig = False
    try:
        con.execute("set memory_limit = ?", [duckdb_speicher()])
        con.execute("set temp_directory = ?", [str(spill)])  # sonst legte DuckDB „.tmp“ im aktuellen Ordner an
        con.execute("attach ? as quelle (read_only)", [str(source)])
        # Die Speicherversion ist eine Konstante im Code, kein Wert von außen.
        con.execute(f"attach ? as analysekopie (storage_version '{ANALYSE_SPEICHERVERSION}')", [str(target)])
        con.execute("copy from database quelle to analysekopie")
        con.execute("detach quelle")
        ohne_kommentar = kommentieren(con, "analysekopie")
        con.execute("checkpoint analysekopie")
        con.execute("detach analysekopie")
        fertig = True
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
        if not fertig:  # halbe Kopie nie liegen lassen
            target.unlink(missing_ok=True)
            _wal(target).unlink(missing_ok=True)
    if _wal(target).exists():
        raise RuntimeError(f"Analysekopie {target} ist nicht vollständig geschrieben (Write-Ahead-Log liegt noch daneben).")
    os.chmod(target, stat.S_IMODE(source.stat().st_mode))  # Lesende brauchen dieselben Rechte wie beim Warehouse
    _fsync_file(target)
    return ohne_kommentar


# --- Arbeitskopie je Lauf ------------------------------------------------------------------------


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _stamp(path: Path) -> tuple[int, int, int] | None:
    """Identität und Stand einer Datei (Inode, Größe, Änderungszeit); None, wenn sie fehlt."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _speicherformat(con: duckdb.DuckDBPyConnection) -> str:
    """Speicherformat der Datenbank der Verbindung, z. B. „v1.4.0+“ (Tag `storage_version` in `duckdb_databases()`)."""
    tags = con.execute("select tags from duckdb_databases() where database_name = current_database()").fetchall()
    return (tags[0][0] or {}).get("storage_version", "") if tags else ""


def _analyse_vorbereiten(path: Path) -> tuple[bool, list[str]]:
    """Vor dem Veröffentlichen der Analysekopie: die Kommentare des Datenwörterbuchs in die (geschlossene)
    Arbeitskopie selbst schreiben und einchecken. Gibt zurück, ob die Datei im Format der Analysekopie ist (dann ist
    die Analysekopie eine Byte-Kopie, `_analyse_als_kopie`) und was danach noch ohne Kommentar ist.

    Gemessen (Beispiel, eine Gemeinde, 81 Tabellen): Kopieren Tabelle für Tabelle (`write_analysis_copy`) 0,25 s,
    die Byte-Kopie wenige Millisekunden; bei vielen Gemeinden wächst der Unterschied mit der Größe der Datei."""
    con = duckdb.connect(str(path))
    try:
        ohne_kommentar = kommentieren(con, con.execute("select current_database()").fetchall()[0][0])
        con.execute("checkpoint")
        bytegleich = _speicherformat(con) == f"{ANALYSE_SPEICHERVERSION}+"
    finally:
        con.close()
    return bytegleich, ohne_kommentar


def _analyse_als_kopie(source: Path, target: Path) -> None:
    """Die Analysekopie als Byte-Kopie von `source` (eingecheckt, im Format `ANALYSE_SPEICHERVERSION`, mit
    Kommentaren: `_analyse_vorbereiten`), auf der Platte und mit den Zugriffsrechten der Quelle."""
    if _wal(source).exists():
        raise RuntimeError(f"{source} ist nicht eingecheckt (Write-Ahead-Log liegt noch daneben).")
    target.unlink(missing_ok=True)
    _wal(target).unlink(missing_ok=True)
    try:
        shutil.copyfile(source, target)
        os.chmod(target, stat.S_IMODE(source.stat().st_mode))  # Lesende brauchen dieselben Rechte wie beim Warehouse
        _fsync_file(target)
    except BaseException:
        target.unlink(missing_ok=True)  # halbe Kopie nie liegen lassen
        raise


def _checkpoint(path: Path) -> None:
    """Schreibt das Write-Ahead-Log einer Datenbank in die Datei selbst (danach gibt es kein `.wal` mehr)."""
    con = duckdb.connect(str(path))
    try:
        con.execute("checkpoint")
    finally:
        con.close()


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":  # Windows kennt kein fsync auf Ordnern
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_durable(source: Path, target: Path) -> None:
    """Kopiert byte-gleich und auf die Platte geschrieben, mit den Zugriffsrechten der Quelle."""
    shutil.copyfile(source, target)
    os.chmod(target, stat.S_IMODE(source.stat().st_mode))  # mkstemp legt 0600 an; Lesende brauchen Zugriff
    _fsync_file(target)


def _try_lock(handle: IO) -> bool:
    """Exklusive Sperre auf eine offene Datei, ohne zu warten. Wird mit dem Schließen der Datei frei."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _remove_from_inbox(paths: Paths, list_file: Path) -> list[str]:
    """Entfernt die vorgemerkten Dateien aus dem Eingang, wenn sie noch dieselben Bytes haben; verschiebt die
    vorgemerkten Verknüpfungen, Ordner, Sonderdateien und unlesbaren Dateien nach `rejected/`, wenn unter dem Namen
    noch derselbe Eintrag liegt (gleiche Dateikennung).

    Scheitert das Löschen (z. B. Datei gesperrt), bleibt der Eintrag für den nächsten Lauf stehen.
    """
    from sozial_dwh.ingest import move_entry, sha256_of

    removed: list[str] = []
    if not list_file.exists():
        return removed
    remaining = []
    for line in list_file.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:  # halb geschriebene Zeile: die Datei bleibt im Eingang, nichts geht verloren
            continue
        path = paths.inbox / entry["name"]
        try:
            # Liegt unter dem Namen inzwischen eine andere Datei, bleibt sie für den nächsten Lauf liegen.
            if "ziel" in entry:
                if os.path.lexists(path) and _identity(path) == entry.get("kennung"):
                    move_entry(path, Path(entry["ziel"]))
                    removed.append(entry["name"])
            elif path.is_file() and not path.is_symlink() and sha256_of(path) == entry["sha256"]:
                path.unlink()
                removed.append(entry["name"])
        except OSError:
            remaining.append(line)
    if remaining:
        list_file.write_text("\n".join(remaining) + "\n", encoding="utf-8")
    else:
        list_file.unlink()
    return removed


def _identity(path: Path) -> list[int]:
    """Gerät und Inode eines Eintrags, ohne Verknüpfungen zu folgen (für das spätere Verschieben)."""
    st = os.lstat(path)
    return [st.st_dev, st.st_ino]


def _remove_partial_copies(paths: Paths) -> int:
    """Löscht halbe Kopien in `archive/` und `rejected/` (abgebrochen durch volle Platte oder Absturz)."""
    from sozial_dwh.ingest import PARTIAL_PREFIX, PARTIAL_SUFFIX

    pattern = f"{PARTIAL_PREFIX}*{PARTIAL_SUFFIX}"
    found = [*paths.rejected.glob(pattern), *paths.archive.glob(pattern), *paths.archive.glob(f"*/{pattern}")]
    for partial in found:
        partial.unlink(missing_ok=True)
    return len(found)


def recover(paths: Paths, keep: str | None = None) -> list[str]:
    """Räumt Reste früherer Läufe weg und gibt an, was geschehen ist (deutsche Meldungen).

    Nur aufrufen, wenn die Sperre `.lauf.lock` gehalten wird (sonst könnte ein laufender Lauf betroffen sein).
    - Arbeitskopie noch da: der Lauf wurde nicht übernommen (abgebrochen) -> alle seine Dateien löschen; seine
      Eingangsdateien liegen noch im Eingang und werden neu geladen.
    - Arbeitskopie weg, aber Eingangsliste oder Analysekopie da: der Lauf wurde übernommen, ist aber vor dem
      Aufräumen gestorben -> Analysekopie einsetzen und Eingang aufräumen.
    """
    folder = paths.warehouse_dir
    if not folder.exists():
        return []
    runs: dict[str, set[str]] = {}
    meldungen = []
    halbe = _remove_partial_copies(paths)
    if halbe:
        meldungen.append(f"{halbe} halbe Kopie(n) in archive/ bzw. rejected/ aus einem abgebrochenen Lauf gelöscht.")
    for entry in folder.iterdir():
        match = _RUN_FILE.match(entry.name)
        if match and match["lauf"] != keep:
            runs.setdefault(match["lauf"], set()).add(match["art"])
        elif _OLD_TMP.match(entry.name):
            entry.unlink(missing_ok=True)
    if paths.lauf_dir.is_dir():  # Gelesenes abgebrochener Läufe (sozial_dwh.gelesen)
        for ordner in paths.lauf_dir.iterdir():
            if ordner.name != keep:
                shutil.rmtree(ordner, ignore_errors=True)
    for lauf, arten in sorted(runs.items()):
        files = {art: folder / f"{RUN_PREFIX}{lauf}.{art}" for art in
                 ("duckdb", "duckdb.wal", "duckdb.kopie", "eingang", "analyse", "analyse.wal", "herkunft")}
        if "duckdb" in arten:
            for art in ("eingang", "herkunft", "analyse.wal", "analyse", "duckdb.kopie", "duckdb.wal",
                        "duckdb"):  # Arbeitskopie zuletzt
                files[art].unlink(missing_ok=True)
            meldungen.append(f"Arbeitskopie des abgebrochenen Laufs {lauf} verworfen; das Warehouse war nicht "
                             "verändert, seine Eingangsdateien werden neu geladen.")
            continue
        files["duckdb.kopie"].unlink(missing_ok=True)
        files["duckdb.wal"].unlink(missing_ok=True)
        files["herkunft"].unlink(missing_ok=True)
        if "analyse.wal" in arten:  # nicht fertig geschrieben: nie veröffentlichen, der nächste Lauf schreibt neu
            files["analyse"].unlink(missing_ok=True)
            files["analyse.wal"].unlink(missing_ok=True)
            arten.discard("analyse")
        if "analyse" in arten:
            try:
                os.replace(files["analyse"], paths.analyse)
                _fsync_dir(folder)
                meldungen.append(f"Analysekopie des Laufs {lauf} nachträglich veröffentlicht.")
            except OSError as exc:  # z. B. unter Windows geöffnet: der nächste erfolgreiche Lauf ersetzt sie
                files["analyse"].unlink(missing_ok=True)
                meldungen.append(f"Analysekopie des Laufs {lauf} konnte nicht nachträglich veröffentlicht werden ({exc}).")
        if "eingang" in arten:
            removed = _remove_from_inbox(paths, files["eingang"])
            meldungen.append(f"Übernahme des Laufs {lauf} abgeschlossen: {len(removed)} Dateien aus dem Eingang entfernt.")
    return meldungen


class RunCopy:
    """Die Arbeitskopie des Warehouse für genau einen Lauf.

    `start()` (auch implizit über `connect()`) nimmt die Sperre, räumt Reste früherer Läufe weg und kopiert das
    Warehouse. `promote()` bringt die Arbeitskopie an die Stelle des Warehouse (und veröffentlicht auf Wunsch die
    Analysekopie), `discard()` verwirft sie, `release()` gibt die Sperre frei. Alles in einem Prozess: die
    Dagster-Definitions verwenden den In-Process-Executor.
    """

    def __init__(self, paths: Paths, run_id: str, log=None, besitzer: bool = False) -> None:
        self.paths = paths
        self.run_id = re.sub(r"[^A-Za-z0-9_-]", "_", run_id)
        self._log = log
        self._lock: IO | None = None
        self._origin: tuple[int, int, int] | None = None
        self._origin_known = False
        self._besitzer = besitzer  # steuert einen Lauf in mehreren Prozessen (hält die Sperre für alle Schritte)
        self.angeschlossen = False  # Schritt eines solchen Laufs in einem anderen Prozess
        self._anker: duckdb.DuckDBPyConnection | None = None  # offene Datenbank der Arbeitskopie (`connect`)

    def sperren(self) -> None:
        """Nur die Sperre nehmen und Reste früherer Läufe wegräumen (der steuernde Prozess eines Laufs in mehreren
        Prozessen; die Arbeitskopie legt der erste Schritt an, der sie braucht)."""
        self._sperre_nehmen()

    def _file(self, art: str) -> Path:
        return self.paths.warehouse_dir / f"{RUN_PREFIX}{self.run_id}.{art}"

    @property
    def path(self) -> Path:
        return self._file("duckdb")

    @property
    def gestartet(self) -> bool:
        """Hat dieses Objekt die Arbeitskopie angefasst (Sperre genommen oder sich dem Lauf angeschlossen)?"""
        return self._lock is not None or self.angeschlossen

    @property
    def pending(self) -> bool:
        """Gibt es eine Arbeitskopie, die weder übernommen noch verworfen ist?"""
        return self.path.exists()

    def _say(self, message: str) -> None:
        if self._log:
            self._log(message)

    def _sperre_nehmen(self) -> None:
        if self._lock is not None or self.angeschlossen:
            return
        self.paths.ensure()
        handle = open(self.paths.warehouse_dir / LOCK_NAME, "a+", encoding="utf-8")
        handle.seek(0)  # Windows sperrt ab der aktuellen Position: immer Byte 0
        if not _try_lock(handle):
            try:
                owner = handle.read().strip() or "unbekannt"
            except OSError:
                owner = "unbekannt"
            handle.close()
            if not self._besitzer and owner.startswith(f"Lauf {self.run_id},") and AUSFUEHRUNG_PROZESSE in owner:
                self.angeschlossen = True  # derselbe Lauf, gesteuert von einem anderen Prozess, der die Sperre hält
                return
            raise WarehouseBusy(
                f"Ein anderer Lauf arbeitet gerade am Warehouse ({owner}). Es kann immer nur ein Lauf "
                "arbeiten; bitte warten, bis er fertig ist, und dann erneut starten."
            )
        try:
            vorher = handle.read().strip()
        except OSError:
            vorher = ""
        if not self._besitzer and vorher.startswith(f"Lauf {self.run_id},") and AUSFUEHRUNG_PROZESSE in vorher:
            # Ein Schritt eines Laufs in mehreren Prozessen, dessen steuernder Prozess nicht mehr lebt (sonst hielte
            # er die Sperre): nichts mehr schreiben, der nächste Lauf verwirft die Arbeitskopie.
            handle.close()
            raise WarehouseBusy(f"Der Lauf {self.run_id} wurde abgebrochen (sein steuernder Prozess lebt nicht mehr); "
                                "dieser Schritt schreibt nichts mehr. Der nächste Lauf räumt auf.")
        handle.seek(0)
        handle.truncate()
        handle.write(f"Lauf {self.run_id}, Prozess {os.getpid()}"
                     + (f", {AUSFUEHRUNG_PROZESSE}" if self._besitzer else "") + "\n")
        handle.flush()
        self._lock = handle
        for meldung in recover(self.paths, keep=self.run_id):
            self._say(meldung)

    def start(self) -> Path:
        """Sperre nehmen (oder sich dem steuernden Prozess des Laufs anschließen) und die Arbeitskopie anlegen
        (einmal je Lauf; weitere Aufrufe tun nichts)."""
        self._sperre_nehmen()
        if not self.path.exists():
            self._create()
        elif not self._origin_known:
            self._herkunft_lesen()
        return self.path

    def _herkunft_lesen(self) -> None:
        """Der Stand des Warehouse beim Anlegen der Arbeitskopie, von einem anderen Prozess desselben Laufs."""
        try:
            wert = json.loads(self._file("herkunft").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return  # unbekannt: dann prüft `promote` den Stand nicht (wie vor dieser Datei)
        self._origin = tuple(wert) if wert is not None else None
        self._origin_known = True

    def _create(self) -> None:
        diskspace.require_free_space(self.paths)
        warehouse = self.paths.warehouse
        partial = self._file("duckdb.kopie")
        if warehouse.exists():
            if _wal(warehouse).exists():  # ein direkter Schreiber ist abgestürzt: Log erst einarbeiten
                _checkpoint(warehouse)
            self._origin = _stamp(warehouse)
            try:
                _copy_durable(warehouse, partial)
            except BaseException:
                partial.unlink(missing_ok=True)
                raise
            os.replace(partial, self.path)
            _fsync_dir(self.paths.warehouse_dir)
        else:
            self._origin = None
            _open(self.path).close()
        self._origin_known = True
        # für die übrigen Prozesse desselben Laufs (Ausführung in mehreren Prozessen)
        self._file("herkunft").write_text(json.dumps(self._origin), encoding="utf-8")

    def connect(self) -> duckdb.DuckDBPyConnection:
        """Verbindung zur Arbeitskopie (legt sie beim ersten Aufruf an).

        Alle Verbindungen eines Prozesses hängen an einer Verbindung, die bis zum Übernehmen oder Verwerfen offen
        bleibt (`_anker`; jede weitere ist ein `cursor()` mit eigener Transaktion und eigenen Temp-Tabellen). Die Datei
        wird so einmal je Lauf geöffnet, eingerichtet (`INIT_SQL`) und geschlossen, nicht je Schritt: gemessen an der
        Arbeitskopie des Beispiels (19 MB, 80 Tabellen) kostete das je Schritt 23 ms Öffnen, 11 ms Einrichten und
        6 ms Schließen mit Checkpoint, bei 16 Schritten 0,6 s. Was DuckDB zwischen den Schritten behält, begrenzt die
        Speichergrenze (`duckdb_speicher`)."""
        self.start()
        if self._anker is None:
            self._anker = _open(self.path)
        return self._anker.cursor()

    def _anker_schliessen(self) -> None:
        """Die offene Datenbank der Arbeitskopie schließen (vor Checkpoint, Übernahme, Verwerfen, Freigabe)."""
        anker, self._anker = self._anker, None
        if anker is not None:
            anker.close()

    def defer_inbox_removal(self, path: Path, sha256: str, move_to: Path | None = None) -> None:
        """Merkt eine Eingangsdatei vor: sie wird erst gelöscht (mit `move_to`: dorthin verschoben), wenn der Lauf
        übernommen ist."""
        entry: dict = {"name": path.name, "sha256": sha256}
        if move_to is not None:
            entry |= {"ziel": str(move_to), "kennung": _identity(path)}
        # JSON nur in ASCII: auch ein Name, der kein gültiges UTF-8 ist, kommt so unverändert zurück
        with open(self._file("eingang"), "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def promote(self, publish_analysis: bool = False) -> Path | None:
        """Übernimmt die Arbeitskopie als Warehouse; mit `publish_analysis` auch als neue Analysekopie.

        Gibt den Pfad der Analysekopie zurück (oder None). Ohne Arbeitskopie geschieht nichts.
        """
        self._anker_schliessen()
        if not self.pending:
            return None
        if not self._origin_known:
            self._herkunft_lesen()
        bytegleich, ohne_kommentar = False, []
        if publish_analysis:  # Kommentare in die Arbeitskopie selbst, eingecheckt
            bytegleich, ohne_kommentar = _analyse_vorbereiten(self.path)
        else:
            _checkpoint(self.path)
        if _wal(self.path).exists():
            raise RuntimeError(f"Arbeitskopie {self.path} ist noch geöffnet (Write-Ahead-Log nicht eingearbeitet).")
        warehouse = self.paths.warehouse
        if self._origin_known and (_stamp(warehouse) != self._origin or _wal(warehouse).exists()):
            raise WarehouseChanged(
                f"Das Warehouse {warehouse} wurde während des Laufs von einem anderen Programm verändert. Die "
                "Ergebnisse dieses Laufs werden nicht übernommen, damit nichts überschrieben wird; die Dateien "
                "bleiben im Eingang. Bitte den Lauf wiederholen."
            )
        _fsync_file(self.path)
        analyse = self._file("analyse")
        if publish_analysis:
            if bytegleich:
                _analyse_als_kopie(self.path, analyse)
            else:
                ohne_kommentar = write_analysis_copy(self.path, analyse)
            if ohne_kommentar:
                meldung = ("Analysekopie: ohne deutschen Kommentar (bitte in sql/kommentare/ ergänzen): "
                           + ", ".join(ohne_kommentar))
                if self._log:
                    self._say(meldung)
                else:
                    _log.warning(meldung)
        os.replace(self.path, warehouse)  # ab hier gilt der Lauf als übernommen
        _fsync_dir(self.paths.warehouse_dir)
        self._origin, self._origin_known = _stamp(warehouse), True
        if publish_analysis:
            try:
                os.replace(analyse, self.paths.analyse)
            except OSError as exc:
                raise OSError(
                    f"Das Warehouse ist übernommen, aber die Analysekopie {self.paths.analyse} konnte nicht ersetzt "
                    f"werden ({exc}). Ist sie in einem Programm ohne Schreibschutz geöffnet? Der nächste Lauf "
                    "versucht es erneut."
                ) from exc
            _fsync_dir(self.paths.warehouse_dir)
        _remove_from_inbox(self.paths, self._file("eingang"))
        self._file("herkunft").unlink(missing_ok=True)
        return self.paths.analyse if publish_analysis else None

    def discard(self) -> None:
        """Verwirft die Arbeitskopie: das Warehouse bleibt im vorherigen Stand, die Eingangsdateien bleiben liegen."""
        self._anker_schliessen()
        for art in ("eingang", "herkunft", "analyse.wal", "analyse", "duckdb.kopie", "duckdb.wal", "duckdb"):
            self._file(art).unlink(missing_ok=True)

    def release(self) -> None:
        self._anker_schliessen()
        if self._lock is not None:
            with contextlib.suppress(OSError):
                self._lock.seek(0)
                self._lock.truncate()
            self._lock.close()
            self._lock = None


_CREATE_AS = re.compile(r"^\s*create\s+or\s+replace\s+table\s+([a-z_]+\.[a-z0-9_]+)\s+as\s+", re.IGNORECASE)
_LEADING_COMMENTS = re.compile(r"^(\s*--[^\n]*\n)+")

# Zeilen der Tabelle aus `-- Stücke:` je Stück, wenn die Kopfzeile keine Zahl nennt (sozial_dwh.models.STUECKE_MARKER).
# Gemessen an core.groessen_bevoelkerung mit 14,6 Mio. Zeilen (200 Gemeinden, Speichergrenze 448 MB): in einem Stück
# 5,3 s und 591 MB; in 15 Stücken (1 Mio.) 3,5 s und 343 MB; in 30 Stücken 4,9 s und 293 MB. Mit 2,2 Mio. Zeilen
# (30 Gemeinden; höchster Speicher des Prozesses, Sitzung 10): 1 Mio. je Stück 0,38 s / 222 MB, 250.000 0,49 s /
# 161 MB, 100.000 0,71 s / 137 MB. Je Stück wird die ganze Tabelle durchsucht; 250.000 hält den Speicher eines
# Stücks klein, ohne dass das Durchsuchen zählt.
STUECK_ZEILEN = 250_000


def _zerlegen(con: duckdb.DuckDBPyConnection, path: Path, sql: str) -> tuple[str, str, list]:
    """Tabelle und `select` des ersten Statements („create or replace table <schema>.<tabelle> as select …“) des
    Textes `sql` der Modelldatei `path`, dazu alle Statements."""
    statements = con.extract_statements(sql)
    query = _LEADING_COMMENTS.sub("", statements[0].query)
    match = _CREATE_AS.match(query)
    if not match:
        raise ValueError(f"{path}: beginnt nicht mit „create or replace table <schema>.<tabelle> as“.")
    return match.group(1), query[match.end():].rstrip().rstrip(";"), statements


def run_sql_partition(con: duckdb.DuckDBPyConnection, path: Path, stichtage: list) -> dict:
    """Baut nur die Zeilen bestimmter Stichtage einer nach Stichtag partitionierten Modelldatei neu.

    Die Datei bleibt ein gewöhnliches `create or replace table … as select …` (ohne Partition läuft sie ganz).
    Hier wird ihr `select` genommen: die Zeilen der Stichtage werden gelöscht und neu eingefügt, alle anderen
    Stichtage bleiben unberührt. Alles in einer Transaktion. Gibt {stichtag: zeilen} zurück.

    Die Stichtage stehen dem SQL dabei als `getvariable('stichtage')` zur Verfügung (sonst NULL): DuckDB schiebt den
    Filter nicht in jede Abfrage hinein (z. B. nicht in rekursive), ein Modell kann ihn so selbst früh anwenden.
    """
    return _stueckweise(con, path, model_sql(path), stichtage)


def _stueckweise(con: duckdb.DuckDBPyConnection, path: Path, sql: str, stichtage: list | None) -> dict:
    """Das `select` des Textes `sql` der Modelldatei `path` in eine Tabelle: ganz (`stichtage` None: Tabelle neu)
    oder für die Stichtage (deren Zeilen ersetzt), und mit Kopfzeile `-- Stücke:` in Stücken zu etwa
    `STUECK_ZEILEN` Zeilen der dort genannten Tabelle. Eine Transaktion. Gibt {stichtag: zeilen} der Stichtage zurück
    (ganz: {})."""
    table, select, statements = _zerlegen(con, path, sql)
    nach = stuecke_nach(path, sql)
    nur_stichtage = " where stichtag in (select unnest(?))" if stichtage is not None else ""
    binden = [stichtage] if stichtage is not None else []

    def ausfuehren() -> dict:
        # Tabellennamen aus der Modelldatei im Repository, nie aus Benutzereingaben; Stichtage gebunden.
        con.execute("begin transaction")
        try:
            if stichtage is None:
                con.execute(f"create or replace table {table} as select * from ({select}) where false")
            else:
                con.execute("set variable stichtage = ?", [stichtage])
                exists = con.execute("select count(*) from duckdb_tables() where schema_name || '.' || table_name = ?",
                                     [table]).fetchall()[0][0]
                if not exists:
                    con.execute(f"create table {table} as select * from ({select}) where false")
                con.execute(f"delete from {table}{nur_stichtage}", binden)
            stuecke = 1
            if nach:
                zeilen = con.execute(f"select count(*) from {nach.tabelle}{nur_stichtage}", binden).fetchall()[0][0]
                stuecke = max(1, -(-zeilen // (nach.zeilen or STUECK_ZEILEN)))
                _log.info(f"{table}: {zeilen:,} Zeilen von {nach.tabelle} in {stuecke} Stücken".replace(",", "."))
                con.execute("set variable stuecke = ?", [stuecke])
            for stueck in range(stuecke):
                if nach:
                    con.execute("set variable stueck = ?", [stueck])
                con.execute(f"insert into {table} by name select * from ({select}){nur_stichtage}", binden)
            for statement in statements[1:]:
                con.execute(statement.query)
            counts = dict(con.execute(f"select stichtag, count(*) from {table} where stichtag in (select unnest(?)) "
                                      "group by stichtag", [stichtage]).fetchall()) if stichtage is not None else {}
            con.execute("commit")
        except Exception:
            _rollback(con)
            raise
        finally:
            for variable in ("stichtage", "stuecke", "stueck"):
                with contextlib.suppress(duckdb.Error):
                    con.execute(f"reset variable {variable}")
        return counts

    return _ueber_speichergrenze(con, path, ausfuehren)
