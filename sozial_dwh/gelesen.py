"""Lesen und Laden getrennt (architektur.md §11.1, Schritt 1): das Ergebnis des Lesens einer Datei als Ordner.

`lesen_nach` liest eine Datei genau wie das Laden (`ingest.inspect_file`) und legt alles, was das Laden braucht,
unter `<ziel_ordner>/<sha256>/` ab, ohne das Warehouse anzufassen: jede Rohtabelle als Parquet-Datei (Würfelzellen
aus dem Zellspeicher schreibt DuckDB stückweise, keine Zelle geht durch Python), die Quarantäne als Parquet-Datei und
ein Manifest `gelesen.json` mit dem Befund (Quelle, Lieferprofil, Gemeinde, Stichtage, Fehler, Meldungen,
Zeilenzahlen, SHA-256 und Größe der gelesenen Bytes, Formatversion). So kann ein anderer Prozess lesen, als der, der
lädt: `lade_gelesen` macht aus dem Ordner wieder ein `Verdict`, dessen Tabellen direkt aus den Parquet-Dateien ins
Warehouse gehen (`sources.zellen.ParquetZeilen`), und `ingest.ingest_inbox(..., vorab=vorab_aus(ORDNER))` nimmt es für jede
Datei, deren Bytes (SHA-256) noch dieselben sind; sonst liest es selbst, wie bisher.

Der Ordner entsteht unter einem versteckten Namen und wird erst vollständig umbenannt: ein abgebrochenes Lesen
(Absturz, `kill -9`) hinterlässt nie einen halben Ordner unter `<sha256>`. Scheitert das Lesen an einem
unerwarteten Fehler, entsteht kein Ordner; das Laden liest dann selbst und lehnt die Datei wie bisher ab.

Manifest (`FORMAT` 1)::

    {"format": 1, "art": "sozial_dwh.gelesen",
     "datei": {"name", "pfad", "sha256", "groesse_bytes"}, "gelesen_am", "prozess",
     "quelle", "profil", "gemeinde", "ok", "fehler": [...],
     "lieferung": {"quelle", "stichtage": ["JJJJ-MM-TT", ...]},
     "ergebnis": null | {                            # null: die Datei wurde abgelehnt, bevor ein Leser lief
         "tabellen": {"raw.x": {"datei": "tabelle_1.parquet" | null, "zeilen", "spalten": {Name: DuckDB-Typ}}},
         "quarantaene": {"datei": "quarantaene.parquet" | null, "zeilen"},
         "meldungen": [...], "stichtage": [...], "gemeinden": [...], "zeilen"}}
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, overload

import pandas as pd

from sozial_dwh.config import Paths
from sozial_dwh.diskspace import is_disk_full
from sozial_dwh.reference import GebietMatcher
from sozial_dwh.sources.base import QuarantineRow, ReadResult
from sozial_dwh.sources.zellen import CHUNK_ROWS, CellStore, ParquetZeilen, _shared_database, unnest_select

if TYPE_CHECKING:
    from sozial_dwh.ingest import Verdict
    from sozial_dwh.profile import Profile

FORMAT = 1
ART = "sozial_dwh.gelesen"
MANIFEST = "gelesen.json"
QUARANTAENE = "quarantaene.parquet"
TEIL_PRAEFIX = ".teil-"  # Ordner im Entstehen: `.<sha256>.teil-…`
_QUARANTAENE_SPALTEN = {"blatt": "varchar", "zeile": "integer", "spalte": "varchar", "grund": "varchar",
                        "wert": "varchar"}


class DateiGeaendert(OSError):
    """Die Datei hat sich während des Lesens geändert: das Ergebnis gehört zu keinen festen Bytes und wird nicht
    abgelegt (das Laden liest sie dann selbst)."""


# --- Schreiben (Leseprozess) --------------------------------------------------------------------------


def lesen_nach(path: Path, ziel_ordner: Path, matcher: GebietMatcher, profile: Profile | None = None) -> Path:
    """Liest `path` wie das Laden (`inspect_file`) und legt das Ergebnis unter `<ziel_ordner>/<sha256>/` ab; gibt
    diesen Ordner zurück. Fasst das Warehouse nicht an. `profile`: die Lieferprofile (sonst die des Referenzordners
    aus der Umgebung). Wirft `DateiGeaendert`, wenn die Datei sich während des Lesens geändert hat, und jeden
    unerwarteten Fehler des Lesens (dann entsteht kein Ordner). Die Zellspeicher-Datenbank des Prozesses gibt der
    Aufrufer nach dem letzten Lesen frei (`sources.zellen.release`)."""
    from sozial_dwh.ingest import inspect_file, sha256_of

    vorher = _stand(path)
    sha = sha256_of(path)
    verdict = inspect_file(path, matcher, profile=profile)
    try:
        if _stand(path) != vorher:
            raise DateiGeaendert(f"„{path.name}“ hat sich während des Lesens geändert; das Ergebnis wird nicht "
                                 "abgelegt.")
        ziel_ordner.mkdir(parents=True, exist_ok=True)
        teil = Path(tempfile.mkdtemp(prefix=f".{sha}{TEIL_PRAEFIX}", dir=ziel_ordner))
        try:
            manifest = {
                "format": FORMAT, "art": ART,
                "datei": {"name": path.name, "pfad": str(path), "sha256": sha, "groesse_bytes": vorher[0]},
                "gelesen_am": dt.datetime.now().isoformat(timespec="seconds"), "prozess": os.getpid(),
                "quelle": verdict.quelle, "profil": verdict.profil, "gemeinde": verdict.gemeinde,
                "ok": verdict.ok, "fehler": list(verdict.fehler),
                "lieferung": {"quelle": verdict.lieferung.quelle,
                              "stichtage": [d.isoformat() for d in verdict.lieferung.stichtage]},
                "ergebnis": None if verdict.result is None else _ergebnis_schreiben(verdict.result, teil),
            }
            _json_schreiben(teil / MANIFEST, manifest)
            ziel = ziel_ordner / sha
            if ziel.exists():  # dieselben Bytes schon einmal gelesen: das neue Ergebnis gilt
                shutil.rmtree(ziel)
            os.replace(teil, ziel)
        finally:
            shutil.rmtree(teil, ignore_errors=True)
    finally:
        if verdict.result is not None:
            verdict.result.close()
    return ziel


def _stand(path: Path) -> tuple[int, int, int]:
    info = os.stat(path, follow_symlinks=False)
    return info.st_size, info.st_mtime_ns, info.st_ino


def _json_schreiben(pfad: Path, inhalt: dict) -> None:
    with open(pfad, "w", encoding="utf-8") as handle:
        json.dump(inhalt, handle, ensure_ascii=False, indent=1)
        handle.flush()
        os.fsync(handle.fileno())


def _ergebnis_schreiben(result: ReadResult, ordner: Path) -> dict:
    tabellen = {}
    for nummer, (table, rows) in enumerate(result.tables.items(), start=1):
        datei = f"tabelle_{nummer}.parquet"
        if not rows:
            spalten = dict(rows.spalten) if isinstance(rows, ParquetZeilen) else {}
            tabellen[table] = {"datei": None, "zeilen": 0, "spalten": spalten}
            continue
        if isinstance(rows, CellStore):
            spalten = rows.nach_parquet(ordner / datei)
        elif isinstance(rows, ParquetZeilen):  # schon gelesen (zweites Ablegen): die Datei selbst
            shutil.copyfile(rows.pfad, ordner / datei)
            spalten = dict(rows.spalten)
        else:
            spalten = _liste_nach_parquet(rows, table, ordner / datei)
        tabellen[table] = {"datei": datei, "zeilen": len(rows), "spalten": spalten}
    return {
        "tabellen": tabellen,
        "quarantaene": {"datei": _quarantaene_nach_parquet(result.quarantine, ordner / QUARANTAENE),
                        "zeilen": len(result.quarantine)},
        "meldungen": list(result.meldungen),
        "stichtage": sorted(d.isoformat() for d in result.stichtage),
        "gemeinden": sorted(result.gemeinden),
        "zeilen": result.row_count,
    }


@lru_cache(maxsize=1)
def _rohtabellen() -> dict[str, dict[str, str]]:
    """Spalten und Typen der Rohtabellen, wie das Warehouse sie anlegt (sql/init/warehouse.sql in einer leeren
    Datenbank im Arbeitsspeicher; je Prozess einmal)."""
    import duckdb

    from sozial_dwh.warehouse import INIT_SQL

    with duckdb.connect(":memory:") as con:
        con.execute(INIT_SQL.read_text(encoding="utf-8"))
        found: dict[str, dict[str, str]] = {}
        for schema, table, column, typ in con.execute(
                "select schema_name, table_name, column_name, data_type from duckdb_columns() "
                "where schema_name = 'raw' order by table_name, column_index").fetchall():
            found.setdefault(f"{schema}.{table}", {})[column] = typ
    return found


def _liste_nach_parquet(rows: list[dict], table: str, pfad: Path) -> dict[str, str]:
    """Zeilen als Dicts (kleine Tabellen: Kita, Konferenz) als Parquet-Datei mit den Typen der Rohtabelle: dieselbe
    Umwandlung wie beim Einfügen aus dem Prozessspeicher (`zellen.insert_rows`: DataFrame je Stück, Einfügen nach
    Spaltennamen). Spalten, die die Zeilen nicht nennen, bleiben weg (beim Laden gilt dann der Vorgabewert)."""
    typen = _rohtabellen().get(table)
    if typen is None:
        raise ValueError(f"Rohtabelle {table} ist im Warehouse nicht angelegt")
    namen: dict[str, None] = {}
    for record in rows:
        namen.update(dict.fromkeys(record))
    fremd = [name for name in namen if name not in typen]
    if fremd:
        raise ValueError(f"Rohtabelle {table} hat keine Spalte {', '.join(fremd)}")
    spalten = {name: typen[name] for name in namen}
    with _shared_database().cursor() as con:
        # Namen und Typen aus dem Code (Leser und warehouse.sql), nie aus der Datei
        con.execute(f"create temp table liste ({', '.join(f'{n} {t}' for n, t in spalten.items())})")
        for start in range(0, len(rows), CHUNK_ROWS):
            con.register("neue_zeilen", pd.DataFrame.from_records(rows[start:start + CHUNK_ROWS]))
            try:
                con.execute("insert into liste by name select * from neue_zeilen")
            finally:
                con.unregister("neue_zeilen")
        con.execute("copy liste to ? (format parquet)", [str(pfad)])
    return spalten


def _quarantaene_nach_parquet(quarantine: Sequence[QuarantineRow], pfad: Path) -> str | None:
    if not quarantine:
        return None
    if isinstance(quarantine, ParquetQuarantaene):
        shutil.copyfile(quarantine.pfad, pfad)
        return pfad.name
    with _shared_database().cursor() as con:
        con.execute(f"create temp table quarantaene ({', '.join(f'{n} {t}' for n, t in _QUARANTAENE_SPALTEN.items())})")
        for start in range(0, len(quarantine), CHUNK_ROWS):
            stueck = quarantine[start:start + CHUNK_ROWS]
            con.execute(f"insert into quarantaene {unnest_select(_QUARANTAENE_SPALTEN)}",
                        [[q.blatt for q in stueck], [q.zeile for q in stueck], [q.spalte for q in stueck],
                         [q.grund for q in stueck], [q.wert for q in stueck]])
        con.execute("copy quarantaene to ? (format parquet)", [str(pfad)])
    return pfad.name


# --- Laden (Warehouse-Prozess) ------------------------------------------------------------------------


class ParquetQuarantaene(Sequence[QuarantineRow]):
    """Die Quarantänezeilen aus einem abgelegten Ergebnis: Länge aus dem Manifest, Stücke (`[:20]` für die
    Meldungen) und Durchlaufen aus der Parquet-Datei; ins Warehouse direkt aus ihr (`insert_into`)."""

    def __init__(self, pfad: Path | None, zeilen: int):
        self.pfad = pfad
        self.zeilen = zeilen

    def __len__(self) -> int:
        return self.zeilen

    def __bool__(self) -> bool:
        return self.zeilen > 0

    @overload
    def __getitem__(self, index: int) -> QuarantineRow: ...

    @overload
    def __getitem__(self, index: slice) -> list[QuarantineRow]: ...

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(self.zeilen)
            if step != 1:
                return list(self)[index]
            return self._zeilen(start, max(0, stop - start))
        if index < 0:
            index += self.zeilen
        if not 0 <= index < self.zeilen:
            raise IndexError(index)
        return self._zeilen(index, 1)[0]

    def _zeilen(self, start: int, anzahl: int) -> list[QuarantineRow]:
        if self.pfad is None or not anzahl:
            return []
        with _shared_database().cursor() as con:
            rows = con.execute(f"select {', '.join(_QUARANTAENE_SPALTEN)} from read_parquet(?) limit ? offset ?",
                               [str(self.pfad), anzahl, start]).fetchall()
        return [QuarantineRow(*row) for row in rows]

    def __iter__(self) -> Iterator[QuarantineRow]:
        if self.pfad is None or not self.zeilen:
            return
        with _shared_database().cursor() as con:
            con.execute(f"select {', '.join(_QUARANTAENE_SPALTEN)} from read_parquet(?)", [str(self.pfad)])
            while rows := con.fetchmany(CHUNK_ROWS):
                for row in rows:
                    yield QuarantineRow(*row)

    def insert_into(self, con, datei_id: int, quelle: str | None) -> None:
        """In `quarantine.zeilen` einfügen, in der Reihenfolge der Datei."""
        if self.pfad is not None and self.zeilen:
            con.execute("insert into quarantine.zeilen (datei_id, quelle, blatt, zeile, spalte, grund, wert) "
                        "select ?::bigint, ?::varchar, blatt, zeile, spalte, grund, wert from read_parquet(?)",
                        [datei_id, quelle, str(self.pfad)])


class GelesenesErgebnis(ReadResult):
    """Ein `ReadResult` aus einem abgelegten Ergebnis: Tabellen als `ParquetZeilen`, Quarantäne als
    `ParquetQuarantaene`. Die Gebiete je Stichtag (Prüfung auf unvollständige Korrekturen) rechnet SQL über die
    Parquet-Dateien, statt Zeile für Zeile durch Python zu gehen."""

    def gebiete_je_stichtag(self) -> dict[dt.date, set[str]]:
        found: dict[dt.date, set[str]] = {}
        for rows in self.tables.values():
            if {"stichtag", "gebiet_id"} <= set(rows.columns):
                for stichtag, gebiet_id in rows.abfrage(
                        "select distinct stichtag, gebiet_id from {zeilen} "
                        "where stichtag is not null and gebiet_id is not null"):
                    found.setdefault(stichtag, set()).add(gebiet_id)
        return found

    def gebiete_je_stichtag_und(self, spalte: str) -> dict[tuple, set[str]]:
        found: dict[tuple, set[str]] = {}
        for rows in self.tables.values():
            if rows and spalte not in rows.columns:
                raise KeyError(spalte)
            # Spaltenname aus dem Code des Lesers, nie aus der Datei
            for stichtag, wert, gebiet_id in rows.abfrage(
                    f"select distinct stichtag, {spalte}, gebiet_id from {{zeilen}}"):
                found.setdefault((stichtag, wert), set()).add(gebiet_id)
        return found


def lade_gelesen(ordner: Path, path: Path | None = None) -> Verdict:
    """Das abgelegte Ergebnis in `ordner` als `Verdict` (wie `inspect_file` es geliefert hätte); `path`: die Datei
    im Eingang (sonst der Pfad, unter dem sie gelesen wurde). Wirft ValueError bei fremdem oder unbekanntem Format,
    OSError, wenn eine Datei fehlt."""
    from sozial_dwh.ingest import Verdict

    manifest = json.loads((ordner / MANIFEST).read_text(encoding="utf-8"))
    if manifest.get("art") != ART or manifest.get("format") != FORMAT:
        raise ValueError(f"{ordner / MANIFEST}: Format {manifest.get('format')!r} wird nicht unterstützt "
                         f"(erwartet {FORMAT})")
    verdict = Verdict(path or Path(manifest["datei"]["pfad"]), quelle=manifest["quelle"],
                      fehler=list(manifest["fehler"]), gemeinde=manifest["gemeinde"], profil=manifest["profil"])
    ergebnis = manifest["ergebnis"]
    if ergebnis is not None:
        def datei(name: str | None) -> Path | None:
            if name is None:
                return None
            pfad = ordner / name
            if not pfad.is_file():
                raise FileNotFoundError(f"{pfad} fehlt")
            return pfad

        verdict.result = GelesenesErgebnis(
            tables={table: ParquetZeilen(datei(t["datei"]), t["zeilen"], t["spalten"])
                    for table, t in ergebnis["tabellen"].items()},
            quarantine=ParquetQuarantaene(datei(ergebnis["quarantaene"]["datei"]), ergebnis["quarantaene"]["zeilen"]),
            meldungen=list(ergebnis["meldungen"]),
            stichtage={dt.date.fromisoformat(d) for d in ergebnis["stichtage"]},
            gemeinden=set(ergebnis["gemeinden"]),
        )
    return verdict


def sha256_des_ergebnisses(ordner: Path) -> str | None:
    """SHA-256 der Bytes, aus denen das Ergebnis in `ordner` gelesen wurde (None: kein lesbares Manifest)."""
    try:
        manifest = json.loads((ordner / MANIFEST).read_text(encoding="utf-8"))
        return manifest["datei"]["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def fuer_datei(gelesen: Path, path: Path, sha: str) -> Verdict | None:
    """Das Ergebnis für die Datei `path` mit dem SHA-256 `sha` aus dem Ordner `gelesen` eines Laufs, wenn es dort
    für genau diese Bytes liegt und lesbar ist; sonst None (dann liest der Aufrufer die Datei selbst)."""
    ordner = gelesen / sha
    if not (ordner / MANIFEST).is_file() or sha256_des_ergebnisses(ordner) != sha:
        return None
    try:
        return lade_gelesen(ordner, path)
    except (OSError, ValueError, KeyError, TypeError):
        return None


# --------------------------------------------------------------------------- Lesestränge eines Laufs


def lauf_ordner(paths: Paths, lauf_id: str) -> Path:
    """Der Ordner, in den die Leseschritte des Laufs `lauf_id` schreiben (`<home>/lauf/<lauf_id>/`)."""
    return paths.lauf_dir / re.sub(r"[^A-Za-z0-9_-]", "_", lauf_id)


def strang_dateien(dateien: list[Path], strang: int, straenge: int) -> list[Path]:
    """Die Dateien des Strangs `strang` (1 … `straenge`): nach Größe absteigend reihum verteilt, damit die
    Stränge etwa gleich viel zu lesen haben; jede Datei genau einem Strang."""
    groesse = {p: p.lstat().st_size for p in dateien}
    geordnet = sorted(dateien, key=lambda p: (-groesse[p], p.name))
    return geordnet[strang - 1::straenge]


@dataclass
class StrangErgebnis:
    gelesen: list[str] = field(default_factory=list)
    spaeter: list[str] = field(default_factory=list)  # beim Laden erneut zu lesen (Meldung steht in `meldungen`)
    meldungen: list[str] = field(default_factory=list)


def lies_strang(paths: Paths, lauf_id: str, strang: int, straenge: int, progress=None) -> StrangErgebnis:
    """Liest die Dateien eines Strangs aus dem Eingang nach `lauf_ordner` (architektur.md §11.1). Fasst das Warehouse
    nicht an und lehnt nichts ab: was hier nicht gelesen werden kann (Datei ändert sich gerade, unerwarteter Fehler),
    liest das Laden selbst noch einmal und meldet es dort wie bisher."""
    from sozial_dwh import ingest
    from sozial_dwh.ingest import display_name, inbox_entries, sha256_of
    from sozial_dwh.reference import GebietMatcher, load_gebiete
    from sozial_dwh.sources import lieferprofile, zellen

    ergebnis = StrangErgebnis()
    dateien = strang_dateien([e.path for e in inbox_entries(paths) if e.kind == "file"], strang, straenge)
    if ingest._vorab:  # im selben Prozess schon gelesen (Stichtag erst im Inhalt): das Laden nimmt jenes Ergebnis
        dateien = [p for p in dateien if sha256_of(p) not in ingest._vorab]
    if not dateien:
        return ergebnis
    matcher = GebietMatcher(load_gebiete(paths.reference))
    profile = lieferprofile(paths.reference)
    ziel = lauf_ordner(paths, lauf_id)
    try:
        ziel.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if is_disk_full(exc):  # volle Platte: meldet die Kommandozeile mit Ordnern und Platz (sozial_dwh.diskspace)
            raise
        # ohne Verkettung: die Konsole nennt sonst die englische Meldung des Betriebssystems (pipelines/runner.py)
        raise RuntimeError(f"Der Lesestrang kann das Gelesene nicht unter {ziel} ablegen: {_os_grund(exc)} "
                           f"(Fehlernummer {exc.errno}). Bitte prüfen, ob {paths.lauf_dir} ein beschreibbarer Ordner "
                           "mit freiem Platz ist; danach den Lauf neu starten.") from None
    try:
        for nummer, path in enumerate(dateien, start=1):
            if progress:
                progress(f"[{nummer}/{len(dateien)}] {display_name(path)}")
            try:
                lesen_nach(path, ziel, matcher, profile)
                ergebnis.gelesen.append(display_name(path))
            except Exception as exc:  # das Laden liest die Datei selbst und meldet, was daran ist
                ergebnis.spaeter.append(display_name(path))
                ergebnis.meldungen.append(f"{display_name(path)}: wird beim Laden gelesen ({type(exc).__name__}: "
                                          f"{str(exc).splitlines()[0] if str(exc) else ''})")
    finally:
        zellen.release()
    return ergebnis


def _os_grund(exc: OSError) -> str:
    """Der Grund eines Fehlers des Betriebssystems auf Deutsch (sonst seine eigene Meldung)."""
    gruende = {errno.ENOTDIR: "ein Teil des Pfads ist eine Datei, kein Ordner",
               errno.EEXIST: "dort liegt schon eine Datei", errno.EACCES: "keine Schreibrechte",
               errno.EPERM: "keine Schreibrechte", errno.EROFS: "die Platte ist schreibgeschützt"}
    return gruende.get(exc.errno, exc.strerror or str(exc))


def vorab_aus(ordner: Path):
    """Für `ingest.ingest_inbox(..., vorab=…)`: das in `ordner` Gelesene zu einer Datei und ihrer SHA-256."""
    def vorab(path: Path, sha: str):
        return fuer_datei(ordner, path, sha)

    return vorab
