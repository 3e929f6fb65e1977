"""Eingangsordner verarbeiten: erkennen, lesen, registrieren, ablegen – nichts geht verloren (DESIGN §5.1, §9).

Jede Datei endet als Zeile in `ops.dateien` und byte-gleich in `archive/` (geladen) oder `rejected/`
(abgelehnt, mit `<name>.fehler.txt`). Eine Datei wird erst aus dem Eingang entfernt, wenn ihre Kopie
geprüft und der Datenbankeintrag festgeschrieben ist. Im Dagster-Lauf (Arbeitskopie, siehe
`sozial_dwh.warehouse.RunCopy`) wird sie dafür nur vorgemerkt (`remove`) und erst gelöscht, wenn der ganze
Lauf übernommen ist: bricht er ab, liegt sie noch im Eingang, und der nächste Lauf lädt sie.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import re
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from sozial_dwh.config import Paths
from sozial_dwh.parsing import CellError, code_text, norm, parse_date
from sozial_dwh.readers.safety import unfinished_files
from sozial_dwh.readers.workbook import FileRejected, Sheet, read_info_sheet, read_sheets
from sozial_dwh.reference import GebietMatcher
from sozial_dwh.sources import READERS, ReadContext, ReadResult
from sozial_dwh.sources.zellen import insert_rows

_FILENAME = re.compile(r"^(?P<quelle>[a-z0-9]+)_(?P<datum>\d{4}-\d{2}-\d{2}|\d{2}\.\d{2}\.\d{4})")
IGNORED_PREFIXES = ("~$", ".", "~")
# Weitere Schreibweisen der Quelle im Blatt „Info“
QUELLE_ALIASES = {
    "einwohner": "bevoelkerung", "sgbii": "sgb2", "grundsicherungfuerarbeitsuchende": "sgb2",
    "arbeitslosigkeit": "arbeitslose", "mindestsicherung": "grundsicherung", "sgbxii": "grundsicherung",
    "kindertagesbetreuung": "kita", "kindertageseinrichtungen": "kita", "sozialraumkonferenz": "konferenz",
}


@dataclass
class Verdict:
    """Ergebnis der Prüfung einer Datei, ohne etwas zu laden."""

    path: Path
    quelle: str | None = None
    result: ReadResult | None = None
    fehler: list[str] = field(default_factory=list)
    gemeinde: str | None = None

    @property
    def ok(self) -> bool:
        return not self.fehler

    @property
    def stichtag(self) -> dt.date | None:
        return max(self.result.stichtage) if self.result and self.result.stichtage else None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _info(sheets: list[Sheet]) -> dict[str, object]:
    for sheet in sheets:
        if norm(sheet.name) == "info":
            return {norm(row[0]): row[1] for row in sheet.rows if len(row) >= 2 and row[0] is not None}
    return {}


def detect(path: Path, sheets: list[Sheet], matcher: GebietMatcher) -> tuple[str, ReadContext]:
    """Quelle, Stichtag und Gemeinde bestimmen: Info-Blatt, dann Dateiname, dann Kopfzeilen-Signatur."""
    info = _info(sheets)
    ctx = ReadContext(dateiname=path.name, matcher=matcher)
    quelle = None
    if info.get("quelle"):
        quelle = norm(info["quelle"])
        quelle = QUELLE_ALIASES.get(quelle, quelle)
        if quelle not in READERS:
            raise FileRejected(
                f"Blatt „Info“: Quelle „{info['quelle']}“ ist unbekannt. Erlaubt: {', '.join(sorted(READERS))}."
            )
    if info.get("stichtag") is not None:
        try:
            ctx.stichtag = parse_date(info["stichtag"])
        except CellError as exc:
            raise FileRejected(f"Blatt „Info“, Stichtag: {exc}.") from exc
        ctx.stichtag_herkunft = "Blatt „Info“"
    if info.get("gemeinde") is not None:
        ctx.gemeinde = matcher.gemeinde_ags(info["gemeinde"])
        if ctx.gemeinde is None:
            raise FileRejected(
                f"Blatt „Info“: Gemeinde „{code_text(info['gemeinde'])}“ steht nicht in der Gebietsgliederung."
            )
    match = _FILENAME.match(path.name.lower())
    if match and match["quelle"] in READERS:
        quelle = quelle or match["quelle"]
        try:
            im_namen = parse_date(match["datum"])
        except CellError as exc:
            raise FileRejected(f"Dateiname: {exc}.") from exc
        if ctx.stichtag is None:
            ctx.stichtag, ctx.stichtag_herkunft = im_namen, "Dateiname"
        elif ctx.stichtag != im_namen:  # nie raten, welcher gilt (DESIGN §5.1)
            raise FileRejected(
                f"Stichtag widersprüchlich: Blatt „Info“ nennt {ctx.stichtag:%d.%m.%Y}, der Dateiname "
                f"{im_namen:%d.%m.%Y}. Bitte eines von beiden berichtigen und die Datei erneut in den Eingang legen."
            )
    if quelle is None:
        quelle = detect_by_header(sheets)
    ctx.quelle = quelle
    return quelle, ctx


def detect_by_header(sheets: list[Sheet]) -> str:
    """Quelle an der Kopfzeile erkennen. Passen mehrere Quellen, gewinnt die mit mehr erkannten Spalten
    im selben Blatt; gleich viele oder Treffer in verschiedenen Blättern sind mehrdeutig."""
    found = {name: sig for name, reader in READERS.items() if (sig := reader.signature(sheets))}
    if not found:
        raise FileRejected(
            "Quelle nicht erkannt: kein Blatt „Info“ mit „Quelle“, kein Dateiname wie "
            "„bevoelkerung_2022-12-31.xlsx“ und keine bekannte Kopfzeile. "
            f"Bekannte Quellen: {', '.join(sorted(READERS))}. Vorlagen: `sozial-dwh templates`."
        )
    best = max(score for _, score in found.values())
    winners = [name for name, (_, score) in found.items() if score == best]
    if len(winners) > 1 or len({blatt for blatt, _ in found.values()}) > 1:
        where = ", ".join(f"{name} (Blatt „{blatt}“)" if blatt else name for name, (blatt, _) in found.items())
        raise FileRejected(
            f"Quelle nicht eindeutig: die Kopfzeilen passen zu {where}. Bitte ein Blatt „Info“ mit „Quelle“ "
            "anlegen, die Datei nach dem Muster <quelle>_<JJJJ-MM-TT>.xlsx benennen oder je Quelle eine "
            "eigene Datei verwenden."
        )
    return winners[0]


def erkenne_lieferung(path: Path, matcher: GebietMatcher) -> tuple[str | None, list[dt.date]]:
    """Quelle und Stichtag(e) einer Datei, ohne sie zu laden (für Sensor und Läufe je Stichtag).

    Stehen Quelle und Stichtag im Blatt „Info“ oder im Dateinamen, genügt das: dann wird nur das Blatt „Info“
    gelesen, nicht die Datenblätter (vor jedem Lauf für jede Datei im Eingang; große Lieferungen kosteten sonst
    so viel wie ein zweites Lesen). Sonst wird die Datei gelesen. Ist sie nicht erkennbar, ist die Quelle None –
    ein Lauf lädt sie dann und legt sie mit Fehlerbericht ab.
    """
    try:
        info = read_info_sheet(path)
        match = _FILENAME.match(path.name.lower())
        if (match and match["quelle"] in READERS) or _info([info] if info else []).get("quelle"):
            quelle, ctx = detect(path, [info] if info else [], matcher)
            if ctx.stichtag is not None:
                return quelle, [ctx.stichtag]
    except FileRejected:
        pass  # wie bisher: die Datei ganz lesen (und so den Grund bestimmen)
    try:
        sheets = read_sheets(path)
        quelle, ctx = detect(path, sheets, matcher)
        if ctx.stichtag is not None:
            return quelle, [ctx.stichtag]
    except FileRejected:
        return None, []
    verdict = inspect_file(path, matcher)
    return verdict.quelle, sorted(verdict.result.stichtage) if verdict.result else []


@contextlib.contextmanager
def _ohne_zyklische_sammlung() -> Iterator[None]:
    """Beim Lesen einer Datei entstehen Zehntausende kurzlebige Objekte (Zeilen, Zellwerte, Würfelzellen) ohne
    Kreisbezüge: die Referenzzählung gibt sie frei. Die Sammelläufe des zyklischen Garbage Collectors, die so viele
    neue Objekte auslösen, finden nichts und kosteten rund 13 % der Lesezeit (Benchmark). Danach läuft er wieder."""
    an = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if an:
            gc.enable()


def inspect_file(path: Path, matcher: GebietMatcher, today: dt.date | None = None) -> Verdict:
    """Liest und prüft eine Datei vollständig, ohne sie zu laden (für `check` und den Lauf)."""
    with _ohne_zyklische_sammlung():
        return _inspect(path, matcher, today)


def _inspect(path: Path, matcher: GebietMatcher, today: dt.date | None) -> Verdict:
    verdict = Verdict(path)
    try:
        sheets = read_sheets(path)
        verdict.quelle, ctx = detect(path, sheets, matcher)
        if today:
            ctx.heute = today
        verdict.result = READERS[verdict.quelle].read(sheets, ctx)
        gemeinden = sorted(verdict.result.gemeinden | ({ctx.gemeinde} if ctx.gemeinde else set()))
        verdict.gemeinde = ",".join(gemeinden) or None
        if not verdict.result.row_count:
            verdict.fehler.append(
                "Keine einzige Zeile ist gültig; alle Zeilen wären in Quarantäne. Häufigste Gründe: "
                + "; ".join(_top_reasons(verdict.result))
            )
    except FileRejected as exc:
        verdict.fehler.append(str(exc))
    return verdict


def _top_reasons(result: ReadResult, limit: int = 3) -> list[str]:
    counts: dict[str, int] = {}
    for row in result.quarantine:
        counts[row.grund] = counts.get(row.grund, 0) + 1
    return [f"{grund} ({n}×)" for grund, n in sorted(counts.items(), key=lambda kv: -kv[1])[:limit]]


def describe_quarantine(result: ReadResult, path: Path | None = None, limit: int = 20) -> list[str]:
    """Fundstellen der Quarantäne für Menschen; eine CSV-Datei hat keine Blätter (nur Zeile und Spalte)."""
    csv_datei = path is not None and path.suffix.lower() == ".csv"
    lines = [
        ("" if csv_datei else f"Blatt „{q.blatt}“, ") + f"Zeile {q.zeile}" + (f", Spalte {q.spalte}" if q.spalte else "")
        + f": {q.grund}" + (f" (Wert: „{q.wert}“)" if q.wert not in (None, "") else "")
        for q in result.quarantine[:limit]
    ]
    if len(result.quarantine) > limit:
        lines.append(f"… und {len(result.quarantine) - limit} weitere Zeilen (siehe quarantine.zeilen).")
    return lines


@dataclass
class IngestSummary:
    geladen: list[str] = field(default_factory=list)
    abgelehnt: list[str] = field(default_factory=list)
    doppelt: list[str] = field(default_factory=list)
    quarantaene_zeilen: int = 0
    # noch in Arbeit (wird geschrieben oder ist geöffnet): bleibt unberührt im Eingang, nächster Lauf lädt sie
    in_arbeit: list[str] = field(default_factory=list)
    in_arbeit_meldungen: list[str] = field(default_factory=list)
    # byte-gleich mit einer geladenen Datei, aber unter anderem Namen: kein Fehler, aber erwähnenswert
    doppelt_meldungen: list[str] = field(default_factory=list)
    # in einem Lauf für einen anderen Stichtag nicht ausgewählt: bleibt unberührt im Eingang
    zurueckgestellt: list[str] = field(default_factory=list)


def inbox_files(paths: Paths) -> list[Path]:
    """Dateien im Eingang in Namensreihenfolge, ohne Sperrdateien (`~$…`, `.~lock…`) und versteckte Dateien."""
    if not paths.inbox.exists():
        return []
    return sorted(p for p in paths.inbox.iterdir() if p.is_file() and not p.name.startswith(IGNORED_PREFIXES))


# Entfernt eine verarbeitete Datei aus dem Eingang: (Pfad, SHA-256). Standard: sofort löschen.
RemoveFromInbox = Callable[[Path, str], None]


def _unlink(path: Path, sha: str) -> None:
    path.unlink()


def ingest_inbox(paths: Paths, con: duckdb.DuckDBPyConnection, matcher: GebietMatcher,
                 progress=None, pause_s: float | None = None,
                 sleep: Callable[[float], None] = time.sleep, remove: RemoveFromInbox = _unlink,
                 auswahl: Callable[[Path], bool] | None = None) -> IngestSummary:
    """Verarbeitet alle Dateien im Eingang in Namensreihenfolge.

    Dateien, die gerade noch geschrieben werden oder in Excel/LibreOffice geöffnet sind, werden in diesem
    Lauf übersprungen (`summary.in_arbeit`): sie bleiben unberührt im Eingang, nichts wird registriert.
    `pause_s` ist die Wartezeit der zweiten Größenprüfung (Standard: `SOZIAL_DWH_SCHREIBPAUSE_S` oder 1 s).
    `remove` entfernt eine fertig verarbeitete (abgelegte und registrierte) Datei aus dem Eingang; der Lauf
    übergibt hier `RunCopy.defer_inbox_removal`, damit erst nach der Übernahme gelöscht wird.
    """
    summary = IngestSummary()
    candidates = inbox_files(paths)
    unfinished = unfinished_files(candidates, pause_s=pause_s, sleep=sleep)
    for path, grund in unfinished.items():
        meldung = f"{path.name}: {grund}"
        summary.in_arbeit.append(path.name)
        summary.in_arbeit_meldungen.append(meldung)
        if progress:
            progress(meldung)
    files = [p for p in candidates if p not in unfinished]
    if auswahl is not None:
        summary.zurueckgestellt = [p.name for p in files if not auswahl(p)]
        files = [p for p in files if p.name not in summary.zurueckgestellt]
    for number, path in enumerate(files, start=1):
        if progress:
            progress(f"[{number}/{len(files)}] {path.name}")
        ingest_file(paths, con, matcher, path, summary, remove=remove)
    return summary


def ingest_file(paths: Paths, con: duckdb.DuckDBPyConnection, matcher: GebietMatcher, path: Path,
                summary: IngestSummary, remove: RemoveFromInbox = _unlink) -> None:
    sha = sha256_of(path)
    known = con.execute(
        "select datei_id, ablage, dateiname from ops.dateien where sha256 = ? and status in ('geladen', 'ersetzt') "
        "order by datei_id limit 1", [sha]
    ).fetchall()
    if known and known[0][1] and Path(known[0][1]).exists() and sha256_of(Path(known[0][1])) == sha:
        remove(path, sha)  # byte-gleiche Kopie liegt bereits im Archiv
        summary.doppelt.append(path.name)
        if known[0][2] != path.name:
            summary.doppelt_meldungen.append(
                f"{path.name} ist byte-gleich mit der schon geladenen Datei {known[0][2]} (Nr. {known[0][0]}) und wurde "
                "nicht noch einmal geladen. War eine andere Datei gemeint, bitte diese in den Eingang legen."
            )
        return
    verdict = inspect_file(path, matcher)
    now = dt.datetime.now().replace(microsecond=0)
    size = path.stat().st_size
    if not verdict.ok:
        target = _free_name(paths.rejected, path.name, sha)
        _copy_verified(path, target, sha)
        meldungen = verdict.fehler + (describe_quarantine(verdict.result, path) if verdict.result else [])
        _write_error_report(target, path.name, meldungen, paths)
        con.execute(
            "insert into ops.dateien (datei_id, dateiname, sha256, quelle, stichtag, status, meldungen, geladen_am, "
            "groesse_bytes, ablage) values (nextval('ops.datei_id_seq'), ?, ?, ?, ?, 'abgelehnt', ?, ?, ?, ?)",
            [path.name, sha, verdict.quelle, verdict.stichtag, "\n".join(meldungen), now, size, str(target)],
        )
        remove(path, sha)
        summary.abgelehnt.append(path.name)
        return
    result = verdict.result
    target = _free_name(paths.archive / verdict.quelle, path.name, sha)
    _copy_verified(path, target, sha)
    meldungen = result.meldungen + describe_quarantine(result, path)
    stichtage = sorted(result.stichtage)
    con.execute("begin transaction")
    try:
        datei_id = con.execute("select nextval('ops.datei_id_seq')").fetchall()[0][0]
        for table, rows in result.tables.items():
            if rows:
                insert_rows(con, table, rows, datei_id)  # Zellspeicher stückweise, ohne Umweg über Python
        if result.quarantine:
            con.executemany(
                "insert into quarantine.zeilen (datei_id, quelle, blatt, zeile, spalte, grund, wert) values (?, ?, ?, ?, ?, ?, ?)",
                [[datei_id, verdict.quelle, q.blatt, q.zeile, q.spalte, q.grund, q.wert] for q in result.quarantine],
            )
        con.execute(
            "insert into ops.dateien (datei_id, dateiname, sha256, quelle, stichtag, stichtage, gemeinde, status, "
            "meldungen, geladen_am, groesse_bytes, ablage, zeilen_geladen, zeilen_quarantaene) "
            "values (?, ?, ?, ?, ?, ?, ?, 'geladen', ?, ?, ?, ?, ?, ?)",
            [datei_id, path.name, sha, verdict.quelle, max(stichtage), stichtage, verdict.gemeinde,
             "\n".join(meldungen), now, size, str(target), result.row_count, len(result.quarantine)],
        )
        # Eine neuere Datei derselben Quelle und Gemeinde, die alle Stichtage einer älteren abdeckt, ersetzt sie.
        con.execute(
            "update ops.dateien set status = 'ersetzt', ersetzt_durch = ? "
            "where quelle = ? and status = 'geladen' and datei_id <> ? and gemeinde is not distinct from ? "
            "and list_has_all(?, stichtage)",
            [datei_id, verdict.quelle, datei_id, verdict.gemeinde, stichtage],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        result.close()
    remove(path, sha)
    summary.geladen.append(path.name)
    summary.quarantaene_zeilen += len(result.quarantine)


def _free_name(folder: Path, name: str, sha: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    if target.exists() and sha256_of(target) != sha:
        target = folder / f"{Path(name).stem}.{sha[:12]}{Path(name).suffix}"
    return target


def _copy_verified(source: Path, target: Path, sha: str) -> None:
    shutil.copy2(source, target)
    if sha256_of(target) != sha:
        raise OSError(f"Kopie von {source} nach {target} ist nicht byte-gleich; die Datei bleibt im Eingang.")


def _write_error_report(target: Path, original: str, meldungen: list[str], paths: Paths) -> None:
    text = [
        f"Datei: {original}",
        f"Geprüft am: {dt.datetime.now():%d.%m.%Y %H:%M}",
        "Ergebnis: abgelehnt – nichts aus dieser Datei wurde geladen.",
        "",
        "Was ist falsch:",
        *[f"  - {m}" for m in meldungen],
        "",
        "Was ist zu tun:",
        "  Datei korrigieren (oder die passende Vorlage aus `sozial-dwh templates` verwenden),",
        "  mit `sozial-dwh check DATEI` prüfen und erneut in den Eingangsordner legen:",
        f"  {paths.inbox}",
        "",
    ]
    target.with_name(target.name + ".fehler.txt").write_text("\n".join(text), encoding="utf-8")
