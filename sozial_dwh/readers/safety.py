"""Prüfungen, bevor eine Datei gelesen wird (DESIGN §5.1, §9).

Was hier abgewiesen wird, erreicht nie den eigentlichen Leser (python-calamine):

- mit Kennwort verschlüsselte Arbeitsmappen (OLE-Verbunddatei mit „EncryptedPackage“) und altes
  Excel-Format (.xls, ebenfalls OLE) – jeweils mit eigener Meldung;
- Dateien, die keine gültige ZIP-Datei sind (abgebrochene Kopie, beschädigt);
- „ZIP-Bomben“: Arbeitsmappen, deren entpackte Größe weit über jeder echten Tabelle liegt – geprüft
  allein am Inhaltsverzeichnis der ZIP-Datei, bevor irgendetwas entpackt wird;
- Formelzellen ohne gespeicherten Wert (xlsx/xlsm, von Programmen geschrieben, die Formeln nicht
  berechnen): calamine läse sie als leer. Die Blatt-XML wird dafür gestreamt gelesen, der Speicherbedarf
  bleibt auch bei großen Blättern klein.

Dazu `unfinished_files`: welche Dateien im Eingang gerade noch geschrieben werden oder geöffnet sind.
"""

from __future__ import annotations

import os
import posixpath
import re
import time
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

MAX_ENTPACKT_MB_ENV = "SOZIAL_DWH_MAX_ENTPACKT_MB"
DEFAULT_MAX_ENTPACKT_MB = 500
# Ein Eintrag, der entpackt größer ist als RATIO_MIN_BYTES und dabei mehr als MAX_RATIO-fach
# komprimiert war, besteht praktisch nur aus Wiederholungen: echte Tabellenblätter erreichen ~10–50.
MAX_RATIO = 200
RATIO_MIN_BYTES = 20 * 1024 * 1024

SCHREIBPAUSE_ENV = "SOZIAL_DWH_SCHREIBPAUSE_S"
DEFAULT_SCHREIBPAUSE_S = 1.0
# Nur Dateien, die in den letzten Sekunden geändert wurden, werden ein zweites Mal angesehen.
RECENT_S = 5.0

MAX_FORMULA_CELLS_LISTED = 10
WHOLE_READ_BYTES = 32 * 1024 * 1024  # Blatt-XML bis zu dieser Größe in einem Stück nach Formeln durchsuchen
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")


class UnsafeFile(Exception):
    """Die Datei wird nicht geöffnet; die Nachricht ist deutsch und sagt, was zu tun ist."""


def max_entpackt_bytes() -> int:
    """Grenze der entpackten Größe einer Arbeitsmappe in Bytes (`SOZIAL_DWH_MAX_ENTPACKT_MB`, Standard 500)."""
    value = os.environ.get(MAX_ENTPACKT_MB_ENV, "").strip()
    try:
        megabytes = float(value.replace(",", ".")) if value else DEFAULT_MAX_ENTPACKT_MB
    except ValueError:
        megabytes = DEFAULT_MAX_ENTPACKT_MB
    return int(megabytes * 1024 * 1024)


def _de(number: float, digits: int = 1) -> str:
    """Zahl in deutscher Schreibweise: 1.234,5"""
    return f"{number:,.{digits}f}".replace(",", "X").replace(".", ",").replace("X", ".")


def _mb(size: int) -> str:
    return f"{_de(size / (1024 * 1024))} MB"


def _size(size: int) -> str:
    return _mb(size) if size >= 1024 * 1024 else f"{_de(size / 1024)} KB"


# --- Dateiinhalt vor dem Lesen -------------------------------------------------------------------


def check_before_reading(path: Path, formeln: bool = True) -> None:
    """Wirft UnsafeFile, wenn die Arbeitsmappe nicht geöffnet werden darf oder kann.

    Für .xlsx/.xlsm/.ods; .xls und andere OLE-Dateien bekommen eigene Meldungen. `formeln=False` lässt die Suche
    nach Formeln ohne Wert aus (sie entpackt jedes Blatt): für Zugriffe, die keine Datenblätter lesen.
    """
    suffix = path.suffix.lower()
    with path.open("rb") as handle:
        head = handle.read(8)
    if not head:
        raise UnsafeFile(
            "Die Datei ist leer (0 Bytes). Vermutlich ist das Speichern oder Kopieren abgebrochen. "
            "Bitte die Datei erneut speichern bzw. kopieren und wieder in den Eingangsordner legen."
        )
    if head == OLE_MAGIC:
        _reject_ole(path, suffix)
    if suffix not in (".xlsx", ".xlsm", ".ods", ".csv"):
        return  # andere Endungen weist der Leser mit seiner eigenen Meldung ab
    if suffix == ".csv":
        limit = max_entpackt_bytes()
        size = path.stat().st_size
        if size > limit:
            raise UnsafeFile(
                f"Die CSV-Datei ist {_mb(size)} groß, mehr als die Grenze von {_mb(limit)} "
                f"(einstellbar mit {MAX_ENTPACKT_MB_ENV}). So groß ist keine Tabelle dieser Quellen; "
                "bitte prüfen, ob die richtige Datei exportiert wurde, oder sie aufteilen."
            )
        return
    if not head.startswith(ZIP_MAGIC[:2]) or not zipfile.is_zipfile(path):
        raise UnsafeFile(
            f"Die Datei ist keine gültige {suffix or 'Arbeitsmappe'}-Datei: sie ist beschädigt oder unvollständig "
            "(z. B. abgebrochene Kopie, abgebrochener Download oder nur umbenannt). Bitte die Datei in Excel "
            "oder LibreOffice öffnen, als .xlsx neu speichern und erneut in den Eingangsordner legen."
        )
    try:
        with zipfile.ZipFile(path) as archive:
            _check_sizes(archive)
            if suffix == ".ods":
                _check_ods_encryption(archive)
            if suffix in (".xlsx", ".xlsm") and formeln:
                _check_formulas(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ET.ParseError, KeyError, OSError,
            NotImplementedError, RuntimeError, zlib.error) as exc:
        raise UnsafeFile(
            f"Die Arbeitsmappe ist beschädigt (technische Angabe: {type(exc).__name__}: {exc}). Bitte die Datei "
            "erneut aus der Quelle speichern bzw. kopieren (oder in Excel/LibreOffice öffnen und neu speichern) "
            "und erneut in den Eingangsordner legen."
        ) from exc


def ole_stream_names(path: Path, max_sectors: int = 100_000) -> set[str]:
    """Namen der Einträge im Verzeichnis einer OLE-Verbunddatei (MS-CFB), ohne Fremdbibliothek.

    Liest nur den Kopf, die FAT und die Verzeichnissektoren; bei Unstimmigkeiten bricht es ab und
    gibt zurück, was bis dahin gefunden wurde.
    """
    names: set[str] = set()
    size_on_disk = path.stat().st_size

    def u32(data: bytes, offset: int) -> int:
        return int.from_bytes(data[offset:offset + 4], "little")

    with path.open("rb") as handle:
        header = handle.read(512)
        if len(header) < 512 or header[:8] != OLE_MAGIC:
            return names
        shift = int.from_bytes(header[30:32], "little")
        if shift not in (9, 12):
            return names
        sector = 1 << shift

        def read_sector(number: int) -> bytes:
            handle.seek((number + 1) * sector)
            return handle.read(sector)

        per_sector = sector // 4
        fat_sectors = [u32(header, 76 + 4 * i) for i in range(109)]
        difat, difat_count = u32(header, 68), u32(header, 72)
        for _ in range(min(difat_count, max_sectors)):  # weitere DIFAT-Sektoren (nur bei sehr großen Dateien)
            if difat >= 0xFFFFFFFA or (difat + 1) * sector >= size_on_disk:
                break
            data = read_sector(difat)
            fat_sectors += [u32(data, 4 * i) for i in range(per_sector - 1)]
            difat = u32(data, 4 * (per_sector - 1))
        fat: list[int] = []
        for number in fat_sectors[: u32(header, 44)]:
            if number >= 0xFFFFFFFA or (number + 1) * sector >= size_on_disk:
                break
            data = read_sector(number)
            fat += [u32(data, 4 * i) for i in range(per_sector)]
        current, seen = u32(header, 48), set()
        while current < 0xFFFFFFFA and current not in seen and len(seen) < max_sectors:
            seen.add(current)
            data = read_sector(current)
            for offset in range(0, len(data) - 127, 128):
                length = int.from_bytes(data[offset + 64:offset + 66], "little")
                if 2 <= length <= 64 and data[offset + 66] in (1, 2, 5):  # Speicher, Strom, Wurzel
                    names.add(data[offset:offset + length - 2].decode("utf-16-le", errors="replace"))
            current = fat[current] if current < len(fat) else 0xFFFFFFFE
    return names


def _reject_ole(path: Path, suffix: str) -> None:
    if "EncryptedPackage" in ole_stream_names(path):
        raise UnsafeFile(
            "Die Arbeitsmappe ist mit Kennwort geschützt (verschlüsselt) und kann nicht gelesen werden. "
            "Bitte in Excel öffnen, unter Datei > Informationen > Arbeitsmappe schützen das Kennwort entfernen "
            "(bzw. beim Speichern unter Tools > Allgemeine Optionen das Kennwortfeld leeren), ohne Kennwort "
            "speichern und erneut in den Eingangsordner legen."
        )
    raise UnsafeFile(
        f"Die Datei ist im alten Excel-Format .xls (Excel 97–2003){'' if suffix == '.xls' else f', auch wenn sie „{suffix}“ heißt'}. "
        "Dieses Format wird nicht gelesen. Bitte in Excel öffnen, über „Speichern unter“ als "
        "„Excel-Arbeitsmappe (*.xlsx)“ speichern und die .xlsx-Datei in den Eingangsordner legen."
    )


def _check_sizes(archive: zipfile.ZipFile) -> None:
    """Entpackte Größe und Kompressionsrate allein aus dem Inhaltsverzeichnis – nichts wird entpackt."""
    limit = max_entpackt_bytes()
    entries = archive.infolist()
    total = sum(info.file_size for info in entries)
    if total > limit:
        raise UnsafeFile(
            f"Die Arbeitsmappe wäre entpackt {_mb(total)} groß (gepackt {_size(sum(i.compress_size for i in entries))}), "
            f"mehr als die Grenze von {_mb(limit)} (einstellbar mit {MAX_ENTPACKT_MB_ENV}). So groß ist keine "
            "echte Tabelle dieser Quellen; die Datei wurde nicht geöffnet. Bitte prüfen, ob die richtige Datei "
            "exportiert wurde (leere, aber formatierte Millionen Zeilen? dann nur den Datenbereich kopieren und "
            "als neue Arbeitsmappe speichern)."
        )
    for info in entries:
        if info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            factor = f"{info.file_size // max(info.compress_size, 1):,}".replace(",", ".")
            raise UnsafeFile(
                f"Die Arbeitsmappe enthält den Teil „{info.filename}“, der entpackt {_mb(info.file_size)} groß wäre, "
                f"gepackt aber nur {_size(info.compress_size)} (Faktor {factor}). Das ist keine echte Tabelle, "
                "sondern fast nur Wiederholung (möglicherweise eine „ZIP-Bombe“); die Datei wurde nicht geöffnet. "
                "Bitte nur den Datenbereich in eine neue Arbeitsmappe kopieren, speichern und erneut in den "
                "Eingangsordner legen."
            )


def _check_ods_encryption(archive: zipfile.ZipFile) -> None:
    try:
        manifest = archive.getinfo("META-INF/manifest.xml")
    except KeyError:
        return
    with archive.open(manifest) as handle:
        if b"encryption-data" in handle.read(manifest.file_size + 1):
            raise UnsafeFile(
                "Die Tabelle ist mit Kennwort geschützt (verschlüsselt) und kann nicht gelesen werden. Bitte in "
                "LibreOffice öffnen, ohne Kennwort speichern (Datei > Speichern unter, „Mit Kennwort speichern“ "
                "abwählen) und erneut in den Eingangsordner legen."
            )


# --- Formeln ohne gespeicherten Wert -------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _sheet_parts(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(Blattname, Pfad der Blatt-XML im ZIP) in der Reihenfolge der Arbeitsmappe."""
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names:
        return [(Path(n).stem, n) for n in sorted(names) if re.fullmatch(r"xl/worksheets/[^/]+\.xml", n)]
    targets: dict[str, str] = {}
    if "xl/_rels/workbook.xml.rels" in names:
        with archive.open("xl/_rels/workbook.xml.rels") as handle:
            for _, element in ET.iterparse(handle):
                if _local(element.tag) == "Relationship" and element.get("Id") and element.get("Target"):
                    target = element.get("Target", "")
                    part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                        posixpath.join("xl", target))
                    targets[element.get("Id", "")] = part
                element.clear()
    sheets = []
    with archive.open("xl/workbook.xml") as handle:
        for _, element in ET.iterparse(handle):
            if _local(element.tag) == "sheet":
                rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
                part = targets.get(rid or "")
                if part in names:
                    sheets.append((element.get("name", part), part))
            if _local(element.tag) != "sheets":
                element.clear()
    return sheets


def _has_formula(archive: zipfile.ZipFile, part: str, chunk: int = 1 << 20) -> bool:
    """Schneller Vorab-Blick: kommt überhaupt ein <f>-Element vor? (große Blätter blockweise, fester Speicherbedarf)"""
    if archive.getinfo(part).file_size <= WHOLE_READ_BYTES:  # in einem Stück: schneller als blockweise
        return _formula_tag_in(archive.read(part))
    tail = b""
    with archive.open(part) as handle:
        while block := handle.read(chunk):
            if _formula_tag_in(tail + block):
                return True
            tail = block[-64:]
    return False


_NAME_END = frozenset(b" \t\r\n/>")
_MAX_CANDIDATES = 10_000


def _formula_tag_in(data: bytes) -> bool:
    """Wie `_FORMULA_TAG.search(data)`, aber schnell: der reguläre Ausdruck läuft nur um die wenigen Stellen mit
    „f“ zwischen „<“/„:“ und Leerraum, „/“ oder „>“ (in Blatt-XML selten; sonst wäre er über Megabytes langsam)."""
    start, candidates = 0, 0
    while (index := data.find(b"f", start)) != -1:
        start = index + 1
        if index and data[index - 1] in b"<:" and index + 1 < len(data) and data[index + 1] in _NAME_END:
            candidates += 1
            if candidates > _MAX_CANDIDATES:  # ungewöhnlich viele Kandidaten: doch der ganze Text
                return _FORMULA_TAG.search(data) is not None
            if _FORMULA_TAG.search(data, max(0, index - 1024), index + 2):
                return True
    return False


def formulas_without_value(archive: zipfile.ZipFile, part: str) -> tuple[list[str], int]:
    """Zellen mit Formel, aber ohne gespeicherten Wert: (erste Zellbezüge, Anzahl insgesamt)."""
    cells: list[str] = []
    count = 0
    container = None  # <sheetData>: fertige Zeilen werden daraus entfernt, der Baum bleibt klein
    with archive.open(part) as handle:
        for event, element in ET.iterparse(handle, events=("start", "end")):
            name = _local(element.tag)
            if event == "start":
                if name == "sheetData":
                    container = element
                continue
            if name == "c":
                has_formula = has_value = False
                for child in element:
                    child_name = _local(child.tag)
                    if child_name == "f":
                        has_formula = True
                    elif child_name == "is":  # Text direkt in der Zelle
                        has_value = True
                    elif child_name == "v":
                        # leeres <v> ist nur bei Textergebnis (t="str") ein echter Wert: die leere Zeichenkette
                        has_value = bool(child.text) or element.get("t") in ("str", "inlineStr")
                if has_formula and not has_value:
                    count += 1
                    if len(cells) < MAX_FORMULA_CELLS_LISTED:
                        cells.append(element.get("r") or "?")
                element.clear()
            elif name == "row" and container is not None:
                container.clear()
    return cells, count


def _check_formulas(archive: zipfile.ZipFile) -> None:
    problems = []
    total = 0
    for sheet, part in _sheet_parts(archive):
        try:
            if not _has_formula(archive, part):
                continue
            cells, count = formulas_without_value(archive, part)
        except NotImplementedError:
            continue  # Kompressionsverfahren, das Python nicht kennt: den Leser entscheiden lassen
        except (zipfile.BadZipFile, EOFError, ET.ParseError, zlib.error) as exc:
            raise UnsafeFile(
                f"Die Arbeitsmappe ist beschädigt: Blatt „{sheet}“ (Teil „{part}“) lässt sich nicht entpacken oder "
                f"lesen (technische Angabe: {exc}). Bitte die Datei erneut aus der Quelle speichern bzw. kopieren "
                "(oder in Excel/LibreOffice öffnen und neu speichern) und erneut in den Eingangsordner legen."
            ) from exc
        if not count:
            continue
        total += count
        listed = ", ".join(cells) + (f" … (insgesamt {count})" if count > len(cells) else "")
        word = "Zelle" if count == 1 else "Zellen"
        problems.append(f"Blatt „{sheet}“, {word} {listed}")
    if problems:
        what = "Formel ohne gespeicherten Wert" if total == 1 else "Formeln ohne gespeicherten Wert"
        raise UnsafeFile(
            f"{'; '.join(problems)}: {what}. Die Datei wurde von einem Programm geschrieben, das Formeln nicht "
            "berechnet, deshalb stehen dort keine Ergebnisse. Bitte die Datei in Excel (oder LibreOffice) öffnen, "
            "neu berechnen (F9) und speichern – oder die Formeln durch Werte ersetzen – und erneut in den "
            "Eingangsordner legen."
        )


# --- Dateien, die noch geschrieben werden --------------------------------------------------------


def schreibpause_s() -> float:
    """Wartezeit der zweiten Größenprüfung (`SOZIAL_DWH_SCHREIBPAUSE_S`, Standard 1 s; 0 = nicht prüfen)."""
    value = os.environ.get(SCHREIBPAUSE_ENV, "").strip()
    try:
        return max(0.0, float(value.replace(",", "."))) if value else DEFAULT_SCHREIBPAUSE_S
    except ValueError:
        return DEFAULT_SCHREIBPAUSE_S


def lock_files(path: Path) -> list[Path]:
    """Sperrdateien von Excel (`~$name`, bei langen Namen `~$` statt der ersten zwei Zeichen) und LibreOffice."""
    name = path.name
    candidates = {f"~${name}", f"~${name[2:]}", f".~lock.{name}#"}
    return [path.with_name(c) for c in sorted(candidates) if path.with_name(c).exists()]


def unfinished_files(files: Iterable[Path], pause_s: float | None = None,
                     sleep: Callable[[float], None] = time.sleep) -> dict[Path, str]:
    """Dateien, die gerade noch geschrieben werden oder in einem Programm geöffnet sind -> Grund (deutsch).

    Eine Datei mit Sperrdatei daneben ist geöffnet. Eine Datei, die in den letzten Sekunden geändert
    wurde, wird nach `pause_s` Sekunden ein zweites Mal angesehen: hat sich Größe oder Änderungszeit
    geändert (oder ist sie verschwunden), wird sie gerade noch geschrieben.
    """
    pause_s = schreibpause_s() if pause_s is None else pause_s
    reasons: dict[Path, str] = {}
    first: dict[Path, os.stat_result] = {}
    for path in files:
        locks = lock_files(path)
        if locks:
            reasons[path] = (
                f"ist noch geöffnet (Sperrdatei „{locks[0].name}“ daneben) – wird noch geschrieben – beim nächsten "
                "Lauf geladen. Bitte die Datei in Excel/LibreOffice schließen; bleibt die Sperrdatei danach "
                "liegen, sie löschen."
            )
            continue
        try:
            first[path] = path.stat()
        except FileNotFoundError:
            reasons[path] = "ist während der Prüfung verschwunden oder umbenannt worden – beim nächsten Lauf geladen."
    if pause_s <= 0:
        return reasons
    now = time.time()
    recent = {p: st for p, st in first.items() if abs(now - st.st_mtime) < max(RECENT_S, 2 * pause_s)}
    if not recent:
        return reasons
    sleep(pause_s)
    for path, before in recent.items():
        try:
            after = path.stat()
        except FileNotFoundError:
            reasons[path] = "ist während der Prüfung verschwunden oder umbenannt worden – beim nächsten Lauf geladen."
            continue
        if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
            seconds = f"{pause_s:g}".replace(".", ",")
            reasons[path] = (
                f"wird noch geschrieben (Größe {_de(before.st_size, 0)} → {_de(after.st_size, 0)} Bytes binnen "
                f"{seconds} s) – beim nächsten Lauf geladen. Die Datei bleibt unverändert im Eingangsordner."
            )
    return reasons
