"""Eingangsordner verarbeiten: erkennen, lesen, registrieren, ablegen – nichts geht verloren (architektur.md §5.1, §9).

Jede Datei endet als Zeile in `ops.dateien` und byte-gleich in `archive/` (geladen) oder `rejected/`
(abgelehnt, mit `<name>.fehler.txt`). Eine Datei wird erst aus dem Eingang entfernt, wenn ihre Kopie
geprüft und der Datenbankeintrag festgeschrieben ist. Im Dagster-Lauf (Arbeitskopie, siehe
`sozial_dwh.warehouse.RunCopy`) wird sie dafür nur vorgemerkt (`remove`) und erst gelöscht, wenn der ganze
Lauf übernommen ist: bricht er ab, liegt sie noch im Eingang, und der nächste Lauf lädt sie.

Eine schlechte Datei hält nie die anderen oder einen späteren Lauf auf (architektur.md §5.1): was immer bei einer Datei
geschieht, endet in ihrer eigenen Ablehnung mit deutscher Meldung. Verknüpfungen (symbolische Links), Ordner und
Sonderdateien (Pipe, Gerät, Socket) im Eingang werden registriert und abgelehnt, ohne sie zu öffnen oder ihnen zu
folgen; sie werden – wie unlesbare Dateien – unverändert nach `rejected/` verschoben, erst wenn der Lauf übernommen
ist. Zu lange Dateinamen werden für die Ablage gekürzt (Endung bleibt, dazu ein kurzer Prüfsummen-Anhang); Register
und Fehlerbericht nennen den ursprünglichen Namen. Nur eine volle Platte beendet den Lauf (dann hätte auch die
Ablehnung keinen Platz): er wird verworfen und meldet es auf Deutsch (`sozial_dwh.diskspace`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import gc
import getpass
import hashlib
import math
import os
import re
import secrets
import shutil
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from sozial_dwh import config
from sozial_dwh.config import Paths
from sozial_dwh.diskspace import DiskFull, is_disk_full
from sozial_dwh.einfuegen import zeilen_einfuegen
from sozial_dwh.parsing import CellError, code_text, norm, parse_date
from sozial_dwh.profile import Profil, Profile
from sozial_dwh.readers.safety import unfinished_files
from sozial_dwh.readers.workbook import (
    FileRejected,
    Sheet,
    hidden_sheets_of,
    read_info_sheet,
    read_sheets,
    reader_failed,
    vorauslesen,
)
from sozial_dwh.reference import GebietMatcher
from sozial_dwh.sources import READERS, ReadContext, ReadResult, lieferprofile, profil_leser
from sozial_dwh.sources.profiliert import ProfilLeser, erkennt
from sozial_dwh.sources.zellen import CellStore, insert_rows
from sozial_dwh.sources.zellen import release as release_cells

_FILENAME = re.compile(r"^(?P<quelle>[a-z0-9]+)_(?P<datum>\d{4}-\d{2}-\d{2}|\d{2}\.\d{2}\.\d{4})")
IGNORED_PREFIXES = ("~$", ".", "~")
# Weitere Schreibweisen der Quelle im Blatt „Info“
QUELLE_ALIASES = {
    "einwohner": "bevoelkerung", "sgbii": "sgb2", "grundsicherungfuerarbeitsuchende": "sgb2",
    "arbeitslosigkeit": "arbeitslose", "mindestsicherung": "grundsicherung", "sgbxii": "grundsicherung",
    "kindertagesbetreuung": "kita", "kindertageseinrichtungen": "kita", "sozialraumkonferenz": "konferenz",
    "merkmal": "merkmale", "weiteremerkmale": "merkmale",
}


@dataclass
class Verdict:
    """Ergebnis der Prüfung einer Datei, ohne etwas zu laden."""

    path: Path
    quelle: str | None = None
    result: ReadResult | None = None
    fehler: list[str] = field(default_factory=list)
    gemeinde: str | None = None
    profil: str | None = None  # Name des Lieferprofils, nach dem die Datei gelesen wurde

    @property
    def ok(self) -> bool:
        return not self.fehler

    @property
    def stichtag(self) -> dt.date | None:
        return max(self.result.stichtage) if self.result and self.result.stichtage else None

    @property
    def lieferung(self) -> Lieferung:
        """Quelle und Stichtage, wie das Lesen sie gefunden hat."""
        return Lieferung(self.quelle, tuple(sorted(self.result.stichtage)) if self.result else ())


@dataclass(frozen=True)
class Lieferung:
    """Quelle und Stichtage einer Datei im Eingang (`erkenne_lieferung`).

    `im_inhalt`: Blatt „Info“ und Dateiname nennen Quelle oder Stichtag nicht, erst die Datenblätter zeigen sie (und
    die wurden nicht gelesen). Quelle None sonst: die Datei ist nicht lesbar, der Lauf lehnt sie mit Meldung ab.
    """

    quelle: str | None
    stichtage: tuple[dt.date, ...] = ()
    im_inhalt: bool = False


# SHA-256 -> Datei, die vor dem Lauf schon ganz gelesen wurde (nur innerhalb von `vorab_gelesen`)
_vorab: dict[str, Verdict] | None = None


@contextlib.contextmanager
def vorab_gelesen() -> Iterator[None]:
    """Für einen Lauf im selben Prozess (`sozial-dwh run`): eine Datei, die schon vor dem Lauf ganz gelesen werden
    musste (ihr Stichtag steht erst im Inhalt, `erkenne_lieferung(..., inhalt=True)`), merkt sich der Prozess je
    SHA-256; das Laden nimmt dieses Ergebnis, statt die Datenblätter ein zweites Mal zu lesen. Ungenutztes wird am
    Ende freigegeben."""
    global _vorab
    if _vorab is not None:  # schon aktiv (verschachtelt): der äußere Rahmen gibt frei
        yield
        return
    _vorab = {}
    try:
        yield
    finally:
        gemerkt, _vorab = _vorab, None
        for verdict in gemerkt.values():
            if verdict.result:
                verdict.result.close()
        release_cells()


def sha256_of(path: Path) -> str:
    """SHA-256 einer gewöhnlichen Datei. Öffnet nie eine Pipe oder ein Gerät (das Öffnen einer Pipe bliebe hängen)
    und folgt keiner Verknüpfung; beides ergibt OSError."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags)
    with open(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(errno.EINVAL, "keine gewöhnliche Datei", str(path))
        digest = hashlib.sha256()
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def display_name(path: Path | str) -> str:
    """Der Dateiname als Text für Register und Meldungen. Nicht als UTF-8 lesbare Bytes (z. B. ein „ö“ aus einem
    Windows-Netzlaufwerk in Latin-1) werden „�“ – in DuckDB und in Protokollen ist nur gültiger Text erlaubt."""
    name = path.name if isinstance(path, Path) else path
    return os.fsencode(name).decode("utf-8", "replace")


def _info(sheets: list[Sheet]) -> dict[str, object]:
    for sheet in sheets:
        if norm(sheet.name) == "info":
            return {norm(row[0]): row[1] for row in sheet.rows if len(row) >= 2 and row[0] is not None}
    return {}


def detect(path: Path, sheets: list[Sheet], matcher: GebietMatcher, profile: Profile | None = None,
           profil: str | None = None) -> tuple[str, ReadContext]:
    """Quelle, Lieferprofil, Stichtag und Gemeinde bestimmen: Blatt „Info“ (Profil, Quelle), ein Lieferprofil, das die
    Datei erkennt, dann Dateiname, dann Kopfzeilen-Signatur der eingebauten Layouts."""
    info = _info(sheets)
    if profil:
        info["profil"] = profil  # `check --profil NAME`: wie eine Zeile „Profil“ im Blatt „Info“
    ctx = ReadContext(dateiname=path.name, matcher=matcher, blatt=info.get("blatt"))
    profile = profile if profile is not None else lieferprofile(config.reference_dir())
    quelle = None
    if info.get("quelle"):
        quelle = norm(info["quelle"])
        quelle = QUELLE_ALIASES.get(quelle, quelle)
        if quelle not in READERS:
            raise FileRejected(
                f"Blatt „Info“: Quelle „{info['quelle']}“ ist unbekannt. Erlaubt: {', '.join(sorted(READERS))}."
            )
    profil = _profil_der_datei(path, sheets, info, quelle, profile)
    if profil is not None:
        if quelle is not None and quelle != profil.quelle:
            raise FileRejected(f"Blatt „Info“ nennt die Quelle {quelle}, das Lieferprofil {profil.datei.name} die "
                               f"Quelle {profil.quelle}. Bitte eines von beiden berichtigen.")
        quelle = profil.quelle
        if profil.layout != "standard":
            ctx.profil = profil
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
        if quelle is not None and profil is not None and match["quelle"] != quelle:
            raise FileRejected(f"Der Dateiname nennt die Quelle {match['quelle']}, das Lieferprofil "
                               f"{profil.datei.name} die Quelle {quelle}. Bitte die Datei umbenennen.")
        quelle = quelle or match["quelle"]
        try:
            im_namen = parse_date(match["datum"])
        except CellError as exc:
            raise FileRejected(f"Dateiname: {exc}.") from exc
        if ctx.stichtag is None:
            ctx.stichtag, ctx.stichtag_herkunft = im_namen, "Dateiname"
        elif ctx.stichtag != im_namen:  # nie raten, welcher gilt (architektur.md §5.1)
            raise FileRejected(
                f"Stichtag widersprüchlich: Blatt „Info“ nennt {ctx.stichtag:%d.%m.%Y}, der Dateiname "
                f"{im_namen:%d.%m.%Y}. Bitte eines von beiden berichtigen und die Datei erneut in den Eingang legen."
            )
    if ctx.profil is not None:
        ProfilLeser.orte(ctx.profil, ctx)  # Stichtag und Gemeinde des Profils (ohne die Datenblätter zu lesen)
    if quelle is None:
        quelle = detect_by_header(sheets, profile)
    ctx.quelle = quelle
    return quelle, ctx


def _profil_der_datei(path: Path, sheets: list[Sheet], info: dict, quelle: str | None, profile: Profile
                      ) -> Profil | None:
    """Das Lieferprofil der Datei: das im Blatt „Info“ genannte, sonst das eine eigene Profil, das sie erkennt (zwei
    sind mehrdeutig); None: kein eigenes Profil, die eingebauten Layouts der Quelle gelten."""
    if info.get("profil") is not None and str(info["profil"]).strip():
        name = str(info["profil"]).strip()
        if name not in profile.profile:
            vorhanden = ", ".join(sorted(profile.profile)) or "keine"
            raise FileRejected(f"Blatt „Info“ nennt das Lieferprofil „{name}“, das es nicht gibt (vorhanden: "
                               f"{vorhanden}; Ordner lieferprofile/ im Referenzordner).{profile.hinweis()}")
        return profile.profile[name]
    passend = [p for p in profile.eigene if (quelle is None or p.quelle == quelle) and erkennt(p, path.name, sheets)]
    if len(passend) > 1:
        raise FileRejected("Mehrere Lieferprofile erkennen diese Datei: " + ", ".join(p.datei.name for p in passend)
                           + " (Schlüssel „erkennen“). Welches gilt, wird nicht geraten: bitte im Blatt „Info“ eine "
                           "Zeile „Profil“ mit dem Namen ergänzen oder „erkennen“ in den Profilen enger fassen.")
    return passend[0] if passend else None


def detect_by_header(sheets: list[Sheet], profile: Profile | None = None) -> str:
    """Quelle an der Kopfzeile erkennen. Passen mehrere Quellen, gewinnt die mit mehr erkannten Spalten
    im selben Blatt; gleich viele oder Treffer in verschiedenen Blättern sind mehrdeutig."""
    found = {name: sig for name, reader in READERS.items() if (sig := reader.signature(sheets))}
    if not found:
        raise FileRejected(
            "Quelle nicht erkannt: kein Blatt „Info“ mit „Quelle“, kein Dateiname wie "
            "„bevoelkerung_2022-12-31.xlsx“ und keine bekannte Kopfzeile. "
            f"Bekannte Quellen: {', '.join(sorted(READERS))}. Vorlagen: `sozial-dwh templates`. Für ein "
            "eigenes Layout: `sozial-dwh profil entwurf DATEI` schreibt den Entwurf eines Lieferprofils."
            + (profile.hinweis() if profile else "")
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


def erkenne_lieferung(path: Path, matcher: GebietMatcher, inhalt: bool = False) -> Lieferung:
    """Quelle und Stichtag einer Datei, ohne sie zu laden (vor einem Lauf, im Sensor, in einem Lauf je Stichtag).

    Stehen Quelle und Stichtag im Blatt „Info“ oder im Dateinamen, genügt das: dann wird nur das Blatt „Info“
    gelesen, nicht die Datenblätter. Sonst ist `im_inhalt` wahr; mit `inhalt` wird die Datei dann einmal ganz
    gelesen, um die Stichtage zu finden (innerhalb von `vorab_gelesen` für das Laden gemerkt).
    Scheitert das an der Datei selbst (unlesbar, unerwarteter Fehler), ist die Quelle None: die Datei hält so keinen
    Lauf auf, der Lauf lehnt sie mit Meldung ab.
    """
    try:
        lieferung = _erkenne_lieferung(path, matcher)
        if not (inhalt and lieferung.im_inhalt):
            return lieferung
        sha = sha256_of(path) if _vorab is not None else None  # vor dem Lesen: die Prüfsumme der gelesenen Bytes
        verdict = inspect_file(path, matcher)
    except BaseException as exc:
        if not reader_failed(exc):
            raise
        return Lieferung(None)
    gefunden = verdict.lieferung
    if verdict.result is not None:
        if sha is None or sha in _vorab:
            verdict.result.close()
        else:
            for rows in verdict.result.tables.values():
                if isinstance(rows, CellStore):
                    rows.flush()  # bis zum Laden in DuckDB (mit Speichergrenze), nicht im Python-Puffer
            _vorab[sha] = verdict
    return gefunden


def _erkenne_lieferung(path: Path, matcher: GebietMatcher) -> Lieferung:
    """Wie `erkenne_lieferung`, ohne Schutz gegen unerwartete Fehler.

    Lehnt schon das Blatt „Info“ die Datei ab (Format, Kennwort, ZIP-Bombe, unbekannte Quelle, Stichtag im Widerspruch
    zum Dateinamen), lehnte sie auch das Laden ab: Quelle None. Fehlt Quelle oder Stichtag in Blatt „Info“ und
    Dateiname, zeigt sie erst der Inhalt (`im_inhalt`).
    """
    try:
        info = read_info_sheet(path)
        match = _FILENAME.match(path.name.lower())
        if (match and match["quelle"] in READERS) or _info([info] if info else []).get("quelle"):
            quelle, ctx = detect(path, [info] if info else [], matcher)
            if ctx.stichtag is not None:
                return Lieferung(quelle, (ctx.stichtag,))
    except FileRejected:
        return Lieferung(None)
    return Lieferung(None, im_inhalt=True)


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


def inspect_file(path: Path, matcher: GebietMatcher, today: dt.date | None = None, profile: Profile | None = None,
                 profil: str | None = None) -> Verdict:
    """Liest und prüft eine Datei vollständig, ohne sie zu laden (für `check` und den Lauf). `profile`: die
    Lieferprofile (sonst die des Referenzordners aus der Umgebung); `profil` erzwingt eines (`check --profil`)."""
    with _ohne_zyklische_sammlung():
        return _inspect(path, matcher, today, profile, profil)


def _inspect(path: Path, matcher: GebietMatcher, today: dt.date | None, profile: Profile | None = None,
             profil: str | None = None) -> Verdict:
    verdict = Verdict(path)
    try:
        sheets = read_sheets(path)
        verdict.quelle, ctx = detect(path, sheets, matcher, profile, profil)
        if today:
            ctx.heute = today
        reader = profil_leser(ctx.profil) if ctx.profil is not None else READERS[verdict.quelle]
        verdict.result = reader.read(sheets, ctx)
        verdict.profil = ctx.profil.name if ctx.profil is not None else None
        if hidden_sheets_of(sheets):
            verdict.result.meldungen.append(f"Hinweis: {sheets.hidden_note()}")
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


QUARANTAENE_GENANNT = 20  # so viele Fundstellen nennt `describe_quarantine`, danach „… und N weitere Zeilen“


def quarantaene_meldungen(anzahl: int, limit: int = QUARANTAENE_GENANNT) -> int:
    """Wie viele Zeilen am Ende von `ops.dateien.meldungen` einer geladenen Datei mit `anzahl` Quarantänezeilen
    `describe_quarantine` geschrieben hat (die übrigen davor sind Hinweise des Lesers, z. B. zu Summenzeilen)."""
    return min(anzahl, limit) + (1 if anzahl > limit else 0)


def describe_quarantine(result: ReadResult, path: Path | None = None, limit: int = QUARANTAENE_GENANNT) -> list[str]:
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
    # Rohtabellen, die in diesem Lauf schon eine Spalte gebiet_id haben (`missing_areas`; einmal gefragt genügt)
    mit_gebieten: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class InboxEntry:
    """Ein Eintrag im Eingangsordner und seine Art, bestimmt ohne Verknüpfungen zu folgen (lstat)."""

    path: Path
    kind: str  # file, symlink, directory, fifo, device, socket


def _kind(mode: int) -> str:
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "device"


def inbox_entries(paths: Paths) -> list[InboxEntry]:
    """Alle Einträge im Eingang in Namensreihenfolge, ohne Sperrdateien (`~$…`, `.~lock…`) und versteckte."""
    if not paths.inbox.exists():
        return []
    entries = []
    with os.scandir(paths.inbox) as found:
        for entry in found:
            if entry.name.startswith(IGNORED_PREFIXES):
                continue
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
            except FileNotFoundError:
                continue
            entries.append(InboxEntry(paths.inbox / entry.name, _kind(mode)))
    return sorted(entries, key=lambda e: e.path.name)


def inbox_files(paths: Paths) -> list[Path]:
    """Gewöhnliche Dateien im Eingang in Namensreihenfolge (keine Verknüpfungen, Ordner oder Sonderdateien)."""
    return [entry.path for entry in inbox_entries(paths) if entry.kind == "file"]


# Entfernt einen verarbeiteten Eintrag aus dem Eingang: (Pfad, SHA-256, Ziel). Ohne Ziel ist er abgelegt (eine
# geprüfte Kopie liegt in archive/ oder rejected/) und wird gelöscht; mit Ziel wird er dorthin verschoben
# (Verknüpfung, Ordner, Sonderdatei, unlesbare Datei: nichts davon wird gelesen oder kopiert). Standard: sofort.
RemoveFromInbox = Callable[..., None]


def _unlink(path: Path, sha: str, move_to: Path | None = None) -> None:
    if move_to is None:
        path.unlink()
    else:
        move_entry(path, move_to)


def move_entry(path: Path, target: Path) -> None:
    """Verschiebt einen Eintrag des Eingangs unverändert (als Verknüpfung, Ordner, Sonderdatei), ohne ihn zu lesen.

    Liegt das Ziel auf einem anderen Laufwerk, wird kopiert – Verknüpfungen als Verknüpfung, Ordner samt Inhalt
    (Verknüpfungen darin als Verknüpfungen). Eine Pipe oder ein Gerät hat keinen Inhalt, der verloren ginge: sie
    werden dann nur entfernt (ein Gerät zu lesen könnte nie enden).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    if os.path.lexists(target):
        target = target.with_name(f"{target.name}.{secrets.token_hex(4)}")
    try:
        os.rename(path, target)
        return
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
    mode = os.lstat(path).st_mode
    if stat.S_ISLNK(mode):
        os.symlink(os.readlink(path), target)
        path.unlink()
    elif stat.S_ISDIR(mode):
        shutil.copytree(path, target, symlinks=True)
        shutil.rmtree(path)
    elif stat.S_ISREG(mode):
        shutil.copy2(path, target)
        path.unlink()
    else:
        path.unlink()


# Liefert zu einer Datei und ihrer SHA-256 das schon Gelesene (oder None: dann wird sie hier gelesen)
Vorab = Callable[[Path, str], "Verdict | None"]


FORTSCHRITT_JE_DATEI_BIS = 100
FORTSCHRITT_ABSTAND_S = 1.0


def ingest_inbox(paths: Paths, con: duckdb.DuckDBPyConnection, matcher: GebietMatcher,
                 progress=None, pause_s: float | None = None,
                 sleep: Callable[[float], None] = time.sleep, remove: RemoveFromInbox = _unlink,
                 auswahl: Callable[[Lieferung], bool] | None = None,
                 vorab: Vorab | None = None) -> IngestSummary:
    """Verarbeitet alle Einträge im Eingang in Namensreihenfolge.

    Dateien, die gerade noch geschrieben werden oder in Excel/LibreOffice geöffnet sind, werden in diesem
    Lauf übersprungen (`summary.in_arbeit`): sie bleiben unberührt im Eingang, nichts wird registriert.
    `pause_s` ist die Wartezeit der zweiten Größenprüfung (Standard: `SOZIAL_DWH_SCHREIBPAUSE_S` oder 1 s).
    `remove` entfernt einen fertig verarbeiteten (abgelegten und registrierten) Eintrag aus dem Eingang; der Lauf
    übergibt hier `RunCopy.defer_inbox_removal`, damit erst nach der Übernahme gelöscht oder verschoben wird.
    `auswahl` (Lauf für einen Stichtag) entscheidet je Datei an Quelle und Stichtagen, ob sie jetzt geladen wird;
    die übrigen bleiben unberührt im Eingang (`summary.zurueckgestellt`). Zeigt erst der Inhalt Quelle oder Stichtag,
    entscheidet sie nach dem Lesen – die Datei wird dafür nicht zweimal gelesen.
    `vorab`: liefert zu (Datei, SHA-256) das schon Gelesene, etwa aus einem Ordner, in den andere Prozesse die Dateien
    dieses Laufs gelesen haben (`sozial_dwh.gelesen.vorab_aus`); eine Datei, zu deren Bytes es nichts gibt, wird hier
    gelesen.
    Verknüpfungen, Ordner und Sonderdateien werden in jedem Lauf abgelehnt (auch in einem Lauf für einen Stichtag).
    Ein unerwarteter Fehler bei einem Eintrag lehnt diesen ab (`summary.abgelehnt`), die übrigen laufen weiter;
    nur eine volle Platte (`DiskFull`) beendet den Lauf.
    """
    summary = IngestSummary()
    entries = inbox_entries(paths)
    candidates = [entry.path for entry in entries if entry.kind == "file"]
    unfinished = unfinished_files(candidates, pause_s=pause_s, sleep=sleep)
    for path, grund in unfinished.items():
        meldung = f"{display_name(path)}: {grund}"
        summary.in_arbeit.append(display_name(path))
        summary.in_arbeit_meldungen.append(meldung)
        if progress:
            progress(meldung)
    files = [p for p in candidates if p not in unfinished]
    nach_lesen: set[Path] = set()  # Quelle oder Stichtag erst im Inhalt: `auswahl` entscheidet nach dem Lesen
    if auswahl is not None:
        lieferungen = {p: erkenne_lieferung(p, matcher) for p in files}
        nach_lesen = {p for p, lieferung in lieferungen.items() if lieferung.im_inhalt}
        kept = [p for p in files if p in nach_lesen or auswahl(lieferungen[p])]
        summary.zurueckgestellt = [display_name(p) for p in files if p not in kept]
        files = kept
    todo = sorted([(path, "file") for path in files] + [(e.path, e.kind) for e in entries if e.kind != "file"],
                  key=lambda item: item[0].name)
    # Arbeitsmappen liest ein Faden im Voraus (`vorauslesen`) – nicht, wenn andere Prozesse sie schon gelesen haben
    with vorauslesen([path for path, kind in todo if kind == "file"] if vorab is None else []) as voraus:
        _eintraege(paths, con, matcher, todo, summary, progress, remove, auswahl, nach_lesen, vorab, voraus)
    return summary


def _eintraege(paths: Paths, con: duckdb.DuckDBPyConnection, matcher: GebietMatcher, todo: list[tuple[Path, str]],
               summary: IngestSummary, progress, remove: RemoveFromInbox,
               auswahl: Callable[[Lieferung], bool] | None, nach_lesen: set[Path], vorab: Vorab | None,
               voraus) -> None:
    gemeldet = -math.inf
    for number, (path, kind) in enumerate(todo, start=1):
        voraus.bei(path)
        # je Datei eine Zeile; bei vielen Dateien höchstens eine je FORTSCHRITT_ABSTAND_S (jede Zeile ist ein
        # Ereignis in Dagsters Protokoll, rund 2 ms) und die letzte
        if progress and (len(todo) <= FORTSCHRITT_JE_DATEI_BIS or number == len(todo)
                         or time.monotonic() - gemeldet >= FORTSCHRITT_ABSTAND_S):
            progress(f"[{number}/{len(todo)}] {display_name(path)}")
            gemeldet = time.monotonic()
        try:
            if kind == "file":
                ingest_file(paths, con, matcher, path, summary, remove=remove,
                            auswahl=auswahl if path in nach_lesen else None, vorab=vorab)
            else:
                _reject_entry(paths, con, path, kind, summary, remove)
        except BaseException as exc:
            if not reader_failed(exc):
                raise  # Abbruch des Laufs (Strg+C, Beenden durch Dagster)
            if is_disk_full(exc):
                raise _disk_full(paths, path, exc) from exc
            _reject_after_error(paths, con, path, exc, summary, remove)


def _disk_full(paths: Paths, path: Path, exc: BaseException) -> DiskFull:
    from sozial_dwh.diskspace import disk_full_message

    if isinstance(exc, DiskFull):
        return exc
    return DiskFull(f"Beim Ablegen von „{display_name(path)}“: " + disk_full_message(paths, f"{type(exc).__name__}: {exc}"))


def ingest_file(paths: Paths, con: duckdb.DuckDBPyConnection, matcher: GebietMatcher, path: Path,
                summary: IngestSummary, remove: RemoveFromInbox = _unlink,
                auswahl: Callable[[Lieferung], bool] | None = None, vorab: Vorab | None = None) -> None:
    """Eine Datei laden oder ablehnen. Mit `auswahl` bleibt sie im Eingang, wenn das Gelesene nicht zum Lauf passt.

    Das Gelesene kommt, wenn vorhanden, aus `vorab_gelesen` (dieser Prozess), sonst von `vorab` (z. B. in einem
    anderen Prozess für genau diese Bytes gelesen, `sozial_dwh.gelesen`), sonst liest die Funktion die Datei selbst."""
    if display_name(path) != path.name:
        _reject_unreadable_name(paths, con, path, summary, remove)
        return
    sha = sha256_of(path)
    known = con.execute(
        "select datei_id, ablage, dateiname, quelle, stichtag, geladen_am from ops.dateien where sha256 = ? "
        "and status in ('geladen', 'ersetzt') order by datei_id limit 1", [sha]
    ).fetchall()
    if known and known[0][1] and Path(known[0][1]).exists() and sha256_of(Path(known[0][1])) == sha:
        _reject_duplicate(paths, con, path, sha, known[0], summary, remove)  # byte-gleiche Kopie liegt im Archiv
        return
    verdict = ((_vorab.pop(sha, None) if _vorab else None)
               or (vorab(path, sha) if vorab is not None else None)
               or inspect_file(path, matcher, profile=lieferprofile(paths.reference)))
    if auswahl is not None and not auswahl(verdict.lieferung):  # erst der Inhalt zeigt: Datei für einen anderen Lauf
        if verdict.result:
            verdict.result.close()
        summary.zurueckgestellt.append(display_name(path))
        return
    if verdict.ok:
        verdict.fehler += missing_areas(con, verdict, matcher, summary.mit_gebieten)
    now = dt.datetime.now().replace(microsecond=0)
    size = path.stat().st_size
    if not verdict.ok:
        meldungen = verdict.fehler + (describe_quarantine(verdict.result, path) if verdict.result else [])
        _reject(paths, con, path, remove, meldungen, sha, quelle=verdict.quelle, stichtag=verdict.stichtag, size=size)
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
        einfuegen = getattr(result.quarantine, "insert_into", None)  # in einem anderen Prozess gelesen (Parquet)
        if einfuegen is not None:
            einfuegen(con, datei_id, verdict.quelle)
        elif result.quarantine:
            zeilen_einfuegen(
                con, "quarantine.zeilen", ["datei_id", "quelle", "blatt", "zeile", "spalte", "grund", "wert"],
                [[datei_id, verdict.quelle, q.blatt, q.zeile, q.spalte, q.grund, q.wert] for q in result.quarantine])
        con.execute(
            "insert into ops.dateien (datei_id, dateiname, sha256, quelle, stichtag, stichtage, gemeinde, status, "
            "meldungen, geladen_am, groesse_bytes, ablage, zeilen_geladen, zeilen_quarantaene) "
            "values (?, ?, ?, ?, ?, ?, ?, 'geladen', ?, ?, ?, ?, ?, ?)",
            [datei_id, path.name, sha, verdict.quelle, max(stichtage), stichtage, verdict.gemeinde,
             "\n".join(meldungen), now, size, str(target), result.row_count, len(result.quarantine)],
        )
        # Eine neuere Datei derselben Quelle und Gemeinde, die alle Stichtage einer älteren abdeckt, ersetzt sie –
        # bei Quellen, deren Lieferungen sich nach einer Spalte teilen (merkmale: je Merkmal), nur, wenn sie auch alle
        # Teile der älteren enthält (eine Wohngeld-Lieferung ersetzt keine Lieferung der Fläche).
        teil, teil_sql, teil_params = _lieferteil(verdict.quelle), "", []
        if teil is not None:
            table, column = teil  # Namen aus dem Code des Lesers, nie aus der Datei
            teil_sql = (f" and datei_id not in (select alt.datei_id from {table} as alt where alt.{column} not in "
                        f"(select {column} from {table} where datei_id = ?))")
            teil_params = [datei_id]
        con.execute(
            "update ops.dateien set status = 'ersetzt', ersetzt_durch = ? "
            "where quelle = ? and status = 'geladen' and datei_id <> ? and gemeinde is not distinct from ? "
            "and list_has_all(?, stichtage)" + teil_sql,
            [datei_id, verdict.quelle, datei_id, verdict.gemeinde, stichtage, *teil_params],
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


MAX_GEBIETE_GENANNT = 12


def _lieferteil(quelle: str | None) -> tuple[str, str] | None:
    """(Rohtabelle, Spalte), nach der sich die Lieferungen einer Quelle teilen (merkmale: je Merkmal), sonst None."""
    reader = READERS.get(quelle) if quelle else None
    column = getattr(reader, "lieferung_je", None)
    return (reader.raw_tables[0], column) if column else None


def missing_areas(con: duckdb.DuckDBPyConnection, verdict: Verdict, matcher: GebietMatcher,
                  mit_gebieten: set[str]) -> list[str]:
    """Eine Lieferung, die eine frühere derselben Quelle, Gemeinde und desselben Stichtags ersetzt, muss mindestens
    deren Gebiete enthalten (architektur.md §5.1). Sonst schrumpfte die Gemeinde still auf die gelieferten Gebiete (eine
    „Korrektur“ für 2 von 26 Gebieten). Teilen sich die Lieferungen einer Quelle (merkmale: je Merkmal), gilt das je
    Teil. `mit_gebieten`: Rohtabellen, von denen in diesem Lauf schon feststeht, dass sie `gebiet_id` haben (wird
    ergänzt). Gibt die Meldungen zurück (leer: vollständig)."""
    reader = READERS[verdict.quelle]
    table = reader.raw_tables[0]
    if verdict.result is None:
        return []
    # Ohne frühere geladene Lieferung derselben Quelle, Gemeinde und eines der Stichtage ist nichts zu vergleichen (so
    # bei jedem ersten Aufbau): dann nicht jede Zeile der Datei nach ihren Gebieten durchgehen (Beispiel: 0,15 s je Lauf)
    if not con.execute("select exists (select 1 from ops.dateien where quelle = ? and status = 'geladen' "
                       "and gemeinde is not distinct from ? and list_has_any(stichtage, ?))",
                       [verdict.quelle, verdict.gemeinde, sorted(verdict.result.stichtage)]).fetchall()[0][0]:
        return []
    if table not in mit_gebieten:
        if not warehouse_table_has(con, table, "gebiet_id"):
            return []
        mit_gebieten.add(table)
    teil = _lieferteil(verdict.quelle)
    if teil is None:
        lieferungen = {(stichtag, None): gebiete for stichtag, gebiete in verdict.result.gebiete_je_stichtag().items()}
    else:
        lieferungen = verdict.result.gebiete_je_stichtag_und(teil[1])
    meldungen = []
    for (stichtag, wert), gebiete in sorted(lieferungen.items()):
        # Tabellen- und Spaltennamen aus dem Code des Lesers, nie aus der Datei
        im_teil = "" if teil is None else f" and {teil[1]} = ?"
        frueher = con.execute(
            "select datei_id, dateiname from ops.dateien as d where quelle = ? and status = 'geladen' "
            "and gemeinde is not distinct from ? and list_contains(stichtage, ?) "
            + ("" if teil is None else f"and exists (select 1 from {table} where datei_id = d.datei_id "
                                       f"and stichtag = ?{im_teil}) ")
            + "order by datei_id desc limit 1",
            [verdict.quelle, verdict.gemeinde, stichtag, *(() if teil is None else (stichtag, wert))]).fetchall()
        if not frueher:
            continue
        datei_id, dateiname = frueher[0]
        alte = {r[0] for r in con.execute(
            f"select distinct gebiet_id from {table} where datei_id = ? and stichtag = ?{im_teil}",
            [datei_id, stichtag, *(() if teil is None else (wert,))]).fetchall()}
        fehlen = sorted(alte - gebiete)
        if not fehlen:
            continue
        genannt = ", ".join(_gebiet_text(matcher, g) for g in fehlen[:MAX_GEBIETE_GENANNT])
        if len(fehlen) > MAX_GEBIETE_GENANNT:
            genannt += f" … (insgesamt {len(fehlen)})"
        fuer = f"den Stichtag {stichtag:%d.%m.%Y}" + ("" if teil is None else f" und {teil[1].capitalize()} {wert}")
        meldungen.append(
            f"Diese Datei ersetzte für {fuer} die früher geladene Datei {dateiname} "
            f"(Nr. {datei_id}), enthält aber {len(fehlen)} ihrer {len(alte)} Gebiete nicht: {genannt}. Eine Korrektur "
            "muss alle Gebiete der früheren Lieferung enthalten – sonst fehlten diese danach in Sozialraum, "
            "Stadtbezirk und Gemeinde. Bitte die vollständige Datei (alle Gebiete) liefern."
        )
    return meldungen


def _gebiet_text(matcher: GebietMatcher, gebiet_id: str) -> str:
    gebiet = matcher.by_id.get(gebiet_id)
    if gebiet is None:
        return gebiet_id  # Pseudo-Gebiet „ohne Zuordnung“
    return f"{gebiet_id} {gebiet.name}"


def warehouse_table_has(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    schema, name = table.split(".")
    return bool(con.execute("select count(*) from duckdb_columns() where schema_name = ? and table_name = ? "
                            "and column_name = ?", [schema, name, column]).fetchall()[0][0])



# --- Ablehnen und Ablegen --------------------------------------------------------------------------

REPORT_SUFFIX = ".fehler.txt"
# Kopien entstehen unter einem versteckten Namen und werden erst fertig geprüft umbenannt: eine abgebrochene Kopie
# (volle Platte, Absturz) liegt nie unter dem Ablagenamen; der nächste Lauf räumt sie weg (warehouse.recover).
PARTIAL_PREFIX = ".sozial_dwh-teil-"
PARTIAL_SUFFIX = ".tmp"


def _reject(paths: Paths, con: duckdb.DuckDBPyConnection, path: Path, remove: RemoveFromInbox,
            meldungen: list[str], sha: str, *, quelle: str | None = None, stichtag: dt.date | None = None,
            size: int | None = None, zu_tun: list[str] | None = None, target: Path | None = None,
            move: bool = False) -> Path:
    """Ablage in `rejected/` (geprüfte Kopie, oder mit `move` erst nach der Übernahme verschoben), Fehlerbericht,
    Registerzeile `abgelehnt`, Entfernen aus dem Eingang vormerken. Gibt den Ablageort zurück."""
    name = display_name(path)
    target = target or _free_name(paths.rejected, name, sha)
    if not move:
        _copy_verified(path, target, sha)
    _write_error_report(target, name, meldungen, paths, zu_tun)
    con.execute(
        "insert into ops.dateien (datei_id, dateiname, sha256, quelle, stichtag, status, meldungen, geladen_am, "
        "groesse_bytes, ablage) values (nextval('ops.datei_id_seq'), ?, ?, ?, ?, 'abgelehnt', ?, ?, ?, ?)",
        [name, sha, quelle, stichtag, "\n".join(meldungen), dt.datetime.now().replace(microsecond=0), size,
         str(target)],
    )
    if move:
        remove(path, sha, target)
    else:
        remove(path, sha)
    return target


def _reject_duplicate(paths: Paths, con: duckdb.DuckDBPyConnection, path: Path, sha: str, known: tuple,
                      summary: IngestSummary, remove: RemoveFromInbox) -> None:
    """Byte-gleich mit einer schon geladenen Datei: nicht noch einmal laden, aber registrieren und sagen, womit."""
    datei_id, _, frueher, quelle, stichtag, geladen_am = known
    name = display_name(path)
    inhalt = ", ".join(filter(None, [f"Quelle {quelle}" if quelle else "",
                                     f"Stichtag {stichtag:%d.%m.%Y}" if stichtag else ""]))
    damals = f"Nr. {datei_id}, geladen am {geladen_am:%d.%m.%Y}" + (f", {inhalt}" if inhalt else "")
    if frueher == path.name:
        meldung = (f"Diese Datei wurde bereits geladen ({damals}); sie ist byte-gleich mit der damaligen Lieferung "
                   "und wurde nicht noch einmal geladen.")
        zu_tun = ["  Nichts – die Daten stehen bereits im Warehouse. War eine korrigierte Fassung gemeint, bitte diese",
                  "  in den Eingangsordner legen:", f"  {paths.inbox}"]
    else:
        meldung = (f"Die Datei ist byte-gleich mit der schon geladenen Datei „{frueher}“ ({damals}) und wurde nicht "
                   "noch einmal geladen.")
        genannt = _stichtag_im_namen(name)
        if genannt is not None and stichtag is not None and genannt != stichtag:
            meldung += (f" Der Dateiname nennt aber den Stichtag {genannt:%d.%m.%Y}: vermutlich wurde die Datei zum "
                        f"{stichtag:%d.%m.%Y} kopiert und nur umbenannt.")
        zu_tun = ["  Die gemeinte Datei" + (f" (die Lieferung zum Stichtag {genannt:%d.%m.%Y})" if genannt else "")
                  + " in den Eingangsordner legen:", f"  {paths.inbox}",
                  "  Ist es wirklich dieselbe Lieferung, ist nichts zu tun."]
        summary.doppelt_meldungen.append(f"{name}: {meldung}")
    _reject(paths, con, path, remove, [meldung], sha, quelle=quelle, stichtag=stichtag, size=path.stat().st_size,
            zu_tun=zu_tun)
    summary.doppelt.append(name)


def _stichtag_im_namen(name: str) -> dt.date | None:
    match = _FILENAME.match(name.lower())
    try:
        return parse_date(match["datum"]) if match else None
    except CellError:
        return None


def _reject_unreadable_name(paths: Paths, con: duckdb.DuckDBPyConnection, path: Path, summary: IngestSummary,
                            remove: RemoveFromInbox) -> None:
    name = display_name(path)
    meldung = (f"Der Dateiname „{name}“ ist nicht als UTF-8 lesbar (technisch: {os.fsencode(path.name)!r}); er "
               "stammt vermutlich von einem Laufwerk mit anderer Zeichenkodierung. Die Datei wurde nicht gelesen; "
               "abgelegt ist sie unter dem Namen mit „�“.")
    zu_tun = ["  Bitte die Datei umbenennen (Umlaute sind erlaubt, wenn sie richtig ankommen) und erneut in den",
              "  Eingangsordner legen:", f"  {paths.inbox}"]
    sha = sha256_of(path)
    _reject(paths, con, path, remove, [meldung], sha, size=path.stat().st_size, zu_tun=zu_tun)
    summary.abgelehnt.append(name)


_ARTEN = {"fifo": "eine benannte Pipe (FIFO)", "device": "eine Gerätedatei", "socket": "ein Socket"}


def _reject_entry(paths: Paths, con: duckdb.DuckDBPyConnection, path: Path, kind: str, summary: IngestSummary,
                  remove: RemoveFromInbox) -> None:
    """Verknüpfung, Ordner oder Sonderdatei: registrieren und ablehnen, ohne zu lesen, zu öffnen oder zu folgen."""
    name = display_name(path)
    sha = ""
    if kind == "symlink":
        link = os.readlink(path)
        sha = hashlib.sha256(os.fsencode(link)).hexdigest()  # Prüfsumme des Link-Texts, nicht des Ziels
    target = _free_name(paths.rejected, name, sha)
    if kind == "symlink":
        meldung = (f"„{name}“ ist keine Datei, sondern eine Verknüpfung (symbolischer Link) auf "
                   f"„{display_name(link)}“. Verknüpfungen werden nicht verfolgt: das Ziel wurde weder gelesen noch "
                   "kopiert.")
        zu_tun = ["  Bitte die Datei selbst (keine Verknüpfung darauf) in den Eingangsordner kopieren:",
                  f"  {paths.inbox}", f"  Die Verknüpfung liegt unverändert unter {target}."]
    elif kind == "directory":
        anzahl, groesse, beispiele = _folder_content(path)
        inhalt = ("leer" if not anzahl else f"{anzahl} {'Datei' if anzahl == 1 else 'Dateien'}, {_bytes_text(groesse)}"
                  + (", z. B. " + ", ".join(f"„{b}“" for b in beispiele) if beispiele else ""))
        meldung = (f"„{name}“ ist ein Ordner ({inhalt}), keine Datei. Dateien in Unterordnern des Eingangs werden "
                   "nicht gelesen.")
        zu_tun = ["  Bitte die Dateien direkt in den Eingangsordner legen, nicht in einen Unterordner:",
                  f"  {paths.inbox}", f"  Der Ordner liegt mit seinem ganzen Inhalt unverändert unter {target}."]
    else:
        meldung = (f"„{name}“ ist keine gewöhnliche Datei, sondern {_ARTEN[kind]}. Sie wurde nicht geöffnet: so etwas "
                   "enthält keine Tabelle, und schon das Öffnen könnte den Lauf anhalten.")
        zu_tun = ["  Bitte nur Dateien (.xlsx, .xlsm, .ods, .csv) in den Eingangsordner legen:", f"  {paths.inbox}"]
    _reject(paths, con, path, remove, [meldung], sha, size=os.lstat(path).st_size if kind != "directory" else None,
            zu_tun=zu_tun, target=target, move=True)
    summary.abgelehnt.append(name)


def _reject_after_error(paths: Paths, con: duckdb.DuckDBPyConnection, path: Path, exc: BaseException,
                        summary: IngestSummary, remove: RemoveFromInbox) -> None:
    """Ein unerwarteter Fehler bei genau einer Datei: sie wird mit der technischen Ursache abgelehnt.

    Lässt sie sich nicht lesen (keine Berechtigung), wird sie nach der Übernahme unverändert nach `rejected/`
    verschoben statt kopiert."""
    with contextlib.suppress(duckdb.Error):
        con.execute("rollback")  # eine offene Transaktion des Ladens ist verworfen, falls es noch eine gibt
    name = display_name(path)
    technisch = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, PermissionError):
        meldung = f"Die Datei kann nicht gelesen werden: keine Leseberechtigung (technische Angabe: {technisch})."
        zu_tun = [f"  Bitte die Zugriffsrechte prüfen – das Programm läuft als Benutzer „{_user()}“ und muss die",
                  "  Datei lesen dürfen – und die Datei erneut in den Eingangsordner legen:", f"  {paths.inbox}"]
    else:
        meldung = (f"Beim Verarbeiten dieser Datei trat ein unerwarteter Fehler auf (technische Angabe: {technisch}). "
                   "Nichts aus dieser Datei wurde geladen; die übrigen Dateien des Laufs wurden weiter verarbeitet.")
        zu_tun = ["  Die Datei mit `sozial-dwh check DATEI` prüfen. Tritt der Fehler wieder auf, bitte die Datei und",
                  "  diesen Bericht an die Betreuung des Warehouse geben."]
    try:
        sha = sha256_of(path)
    except OSError:
        sha = ""
    try:
        size = os.lstat(path).st_size
    except OSError:
        size = None
    _reject(paths, con, path, remove, [meldung], sha, size=size, zu_tun=zu_tun, move=not sha)
    summary.abgelehnt.append(name)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid()) if hasattr(os, "getuid") else "?"


def _bytes_text(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size / 1024:,.1f} KB".replace(",", "X").replace(".", ",").replace("X", ".")
    return f"{size / (1024 * 1024):,.1f} MB".replace(",", "X").replace(".", ",").replace("X", ".")


def _folder_content(path: Path, limit: int = 10_000) -> tuple[int, int, list[str]]:
    """Zahl und Größe der gewöhnlichen Dateien in einem Ordner (ohne Verknüpfungen zu folgen) und bis zu drei
    Beispiele."""
    count = size = 0
    examples: list[str] = []
    for root, _, files in os.walk(path):  # os.walk folgt keinen Verknüpfungen auf Ordner
        for name in sorted(files):
            try:
                info = os.lstat(os.path.join(root, name))
            except OSError:
                continue
            if not stat.S_ISREG(info.st_mode):
                continue
            count += 1
            size += info.st_size
            if len(examples) < 3:
                examples.append(display_name(os.path.relpath(os.path.join(root, name), path)))
            if count >= limit:
                return count, size, examples
    return count, size, examples


def _name_max(folder: Path) -> int:
    """Längste Dateinamen (in Bytes), die das Dateisystem des Ordners erlaubt (Linux meist 255)."""
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (AttributeError, ValueError, OSError):
        return 255


def _split_suffix(name: str) -> tuple[str, str]:
    suffix = Path(name).suffix
    if not suffix or len(suffix) > 16 or suffix == name:
        return name, ""
    return name[: -len(suffix)], suffix


def _fit_name(name: str, limit: int, tag: str) -> str:
    """`name`, wenn er höchstens `limit` Bytes lang ist; sonst gekürzt: Anfang, „-“, `tag`, Endung."""
    if len(os.fsencode(name)) <= limit:
        return name
    stem, suffix = _split_suffix(name)
    tail = f"-{tag}{suffix}"
    room = limit - len(os.fsencode(tail))
    if room < 8:
        tail, room = f"-{tag}", limit - len(tag) - 1
    return os.fsencode(stem)[:room].decode("utf-8", "ignore") + tail  # nur ganze Zeichen


def _taken(target: Path, sha: str) -> bool:
    """Belegt, außer von einer gewöhnlichen Datei mit genau diesen Bytes (dann ist es dieselbe Ablage)."""
    if not os.path.lexists(target):
        return False
    try:
        return not (sha and stat.S_ISREG(os.lstat(target).st_mode) and sha256_of(target) == sha)
    except OSError:
        return True


def _free_name(folder: Path, name: str, sha: str) -> Path:
    """Ablageort für `name` in `folder`: der Name selbst, wenn er frei ist (oder dort schon dieselben Bytes liegen);
    sonst mit Prüfsummen-Anhang. Zu lange Namen werden gekürzt, so dass auch „<name>.fehler.txt“ noch passt."""
    folder.mkdir(parents=True, exist_ok=True)
    limit = _name_max(folder) - len(os.fsencode(REPORT_SUFFIX))
    tag = sha[:12] if sha else secrets.token_hex(6)
    target = folder / _fit_name(name, limit, tag)
    if not _taken(target, sha):
        return target
    stem, suffix = _split_suffix(name)
    target = folder / _fit_name(f"{stem}.{tag}{suffix}", limit, tag)
    counter = 2
    while _taken(target, sha):
        target = folder / _fit_name(f"{stem}.{tag}-{counter}{suffix}", limit, f"{tag}-{counter}")
        counter += 1
    return target


def _partial(target: Path) -> Path:
    return target.with_name(f"{PARTIAL_PREFIX}{secrets.token_hex(8)}{PARTIAL_SUFFIX}")


def _copy_verified(source: Path, target: Path, sha: str) -> None:
    """Kopiert byte-gleich (geprüft) nach `target`; unter dem Ablagenamen liegt nie eine halbe Kopie."""
    partial = _partial(target)
    try:
        shutil.copy2(source, partial)
        if sha256_of(partial) != sha:
            raise OSError(f"Kopie von {source} nach {target} ist nicht byte-gleich; die Datei bleibt im Eingang.")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _write_error_report(target: Path, original: str, meldungen: list[str], paths: Paths,
                        zu_tun: list[str] | None = None) -> None:
    text = [
        f"Datei: {original}",
        *([f"Abgelegt als: {target.name}" + (" (gekürzt: der Name war länger, als das Dateisystem erlaubt)"
                                              if len(os.fsencode(original)) > len(os.fsencode(target.name)) else "")]
          if target.name != original else []),
        f"Geprüft am: {dt.datetime.now():%d.%m.%Y %H:%M}",
        "Ergebnis: abgelehnt – nichts aus dieser Datei wurde geladen.",
        "",
        "Was ist falsch:",
        *[f"  - {m}" for m in meldungen],
        "",
        "Was ist zu tun:",
        *(zu_tun or [
            "  Datei korrigieren (oder die passende Vorlage aus `sozial-dwh templates` verwenden),",
            "  mit `sozial-dwh check DATEI` prüfen und erneut in den Eingangsordner legen:",
            f"  {paths.inbox}",
        ]),
        "",
    ]
    report = target.with_name(target.name + REPORT_SUFFIX)
    partial = _partial(report)
    try:
        partial.write_text("\n".join(text), encoding="utf-8")
        os.replace(partial, report)
    finally:
        partial.unlink(missing_ok=True)
