"""Prüfungen, bevor eine Datei gelesen wird (architektur.md §5.1, §9).

Was hier abgewiesen wird, erreicht nie den eigentlichen Leser (python-calamine):

- mit Kennwort verschlüsselte Arbeitsmappen (OLE-Verbunddatei mit „EncryptedPackage“) und altes
  Excel-Format (.xls, ebenfalls OLE) – jeweils mit eigener Meldung;
- Dateien, die keine gültige ZIP-Datei sind (abgebrochene Kopie, beschädigt);
- „ZIP-Bomben“: Arbeitsmappen, deren entpackte Größe weit über jeder echten Tabelle liegt. Zuerst zählen die
  Angaben im Inhaltsverzeichnis der ZIP-Datei; danach wird jeder Teil tatsächlich entpackt – blockweise, mit
  festem Speicherbedarf und Abbruch, sobald er mehr Bytes liefert, als das Inhaltsverzeichnis angibt, oder die
  Grenze bzw. die Kompressionsrate überschreitet. Den Größenangaben der Datei wird also nie vertraut;
- Blätter, deren Zellen ein riesiges Rechteck aufspannen (eine versehentliche Eingabe in XFD1048576):
  python-calamine legt für jedes Blatt das ganze Rechteck vom ersten bis zum letzten Wert im Speicher an
  (32 Bytes je Zelle, bei XFD1048576 also 512 GiB – der Prozess bricht ab). Das Rechteck wird deshalb beim
  Entpacken aus den Zellbezügen bestimmt (xlsx: `r="XFD1048576"`, auch Zellen ohne Bezug; ods:
  `number-columns-repeated`/`number-rows-repeated`), nie aus der Angabe `<dimension>`;
- Formelzellen ohne gespeicherten Wert (xlsx/xlsm, von Programmen geschrieben, die Formeln nicht
  berechnen): calamine läse sie als leer.

Größe, Rechteck und Formeln werden im selben Durchgang geprüft: jeder Teil wird einmal entpackt (ein zweites
Mal nur bei ungewöhnlich geschriebenen oder sehr großen Blättern und bei Blättern mit Formeln).

Dazu `unfinished_files`: welche Dateien im Eingang gerade noch geschrieben werden oder geöffnet sind.
"""

from __future__ import annotations

import functools
import html
import os
import posixpath
import re
import struct
import time
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
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

MAX_ZELLEN_ENV = "SOZIAL_DWH_MAX_ZELLEN"
# Zellen im Rechteck vom ersten bis zum letzten Wert eines Blatts (und aller gelesenen Blätter einer Arbeitsmappe
# zusammen): python-calamine hält es dicht im Speicher, 32 Bytes je Zelle, 30 Mio. Zellen also knapp 1 GB. Jedes
# Blatt bis Spalte Z passt hinein, auch in voller Excel-Höhe (26 × 1.048.576 = 27,3 Mio.), ebenso 1.000 Spalten
# mal 30.000 Zeilen; die größten Lieferungen im Benchmark (N = 50) haben unter 0,1 Mio.
DEFAULT_MAX_ZELLEN = 30_000_000

MAX_FORMULA_CELLS_LISTED = 10
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")

ENTPACK_BLOCK = 1 << 20  # so viele entpackte Bytes auf einmal: der Speicherbedarf bleibt fest
LESE_BLOCK = 1 << 16
MAX_TAG_BYTES = 16 * 1024 * 1024  # ein einzelnes XML-Element, länger als das, ist keine Tabelle


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


def max_zellen() -> int:
    """Grenze des Zellrechtecks je Arbeitsmappe (`SOZIAL_DWH_MAX_ZELLEN`, Standard 30.000.000)."""
    value = os.environ.get(MAX_ZELLEN_ENV, "").strip().replace(".", "").replace("_", "")
    try:
        return max(1, int(float(value.replace(",", ".")))) if value else DEFAULT_MAX_ZELLEN
    except ValueError:
        return DEFAULT_MAX_ZELLEN


def _de(number: float, digits: int = 1) -> str:
    """Zahl in deutscher Schreibweise: 1.234,5"""
    return f"{number:,.{digits}f}".replace(",", "X").replace(".", ",").replace("X", ".")


def _mb(size: int) -> str:
    return f"{_de(size / (1024 * 1024))} MB"


def _size(size: int) -> str:
    return _mb(size) if size >= 1024 * 1024 else f"{_de(size / 1024)} KB"


# --- Dateiinhalt vor dem Lesen -------------------------------------------------------------------


def check_before_reading(path: Path, formeln: bool = True, blaetter: Callable[[str], bool] | None = None) -> None:
    """Wirft UnsafeFile, wenn die Arbeitsmappe nicht geöffnet werden darf oder kann.

    Für .xlsx/.xlsm/.ods; .xls und andere OLE-Dateien bekommen eigene Meldungen. `formeln=False` lässt die Suche
    nach Formeln ohne Wert aus. `blaetter` wählt die Blätter, die danach gelesen werden (Standard: alle): die
    Blatt-XML der übrigen wird dann nicht entpackt (xlsx; python-calamine öffnet nur die angeforderten Blätter).
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
            _Pruefung(path, archive, suffix, formeln, blaetter).run()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ET.ParseError, KeyError, OSError,
            NotImplementedError, RuntimeError, zlib.error, struct.error) as exc:
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


# --- Tatsächlich entpacken: Größe, Rechteck der Zellen, Formeln ----------------------------------


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


def column_name(number: int) -> str:
    """1 -> A, 26 -> Z, 27 -> AA (Spaltenbezeichnung wie in Excel und LibreOffice)."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters or "?"


def cell_name(row: int, col: int) -> str:
    return f"{column_name(col)}{row}"


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + char - 64
    return number


@dataclass
class Box:
    """Rechteck der Zellen mit Wert (Zeilen und Spalten ab 1) und die Zellen, die es am weitesten aufspannen."""

    min_row: int = 0
    max_row: int = 0
    min_col: int = 0
    max_col: int = 0
    row_cell: tuple[int, int] = (0, 0)  # Zelle mit der größten Zeile
    col_cell: tuple[int, int] = (0, 0)  # Zelle mit der größten Spalte

    def add(self, row: int, col: int, rows: int = 1, cols: int = 1) -> None:
        last_row, last_col = row + rows - 1, col + cols - 1
        if not self.max_row:
            self.min_row, self.min_col = row, col
            self.max_row, self.max_col = last_row, last_col
            self.row_cell = self.col_cell = (last_row, last_col)
            return
        self.min_row, self.min_col = min(self.min_row, row), min(self.min_col, col)
        if last_row > self.max_row:
            self.max_row, self.row_cell = last_row, (last_row, last_col)
        if last_col > self.max_col:
            self.max_col, self.col_cell = last_col, (last_row, last_col)

    @property
    def rows(self) -> int:
        return self.max_row - self.min_row + 1 if self.max_row else 0

    @property
    def cols(self) -> int:
        return self.max_col - self.min_col + 1 if self.max_row else 0

    @property
    def cells(self) -> int:
        return self.rows * self.cols

    @property
    def area(self) -> str:
        return f"{cell_name(self.min_row, self.min_col)}:{cell_name(self.max_row, self.max_col)}"


class _Budget:
    """Tatsächlich entpackte Bytes aller Teile einer Arbeitsmappe gegen die Grenze."""

    def __init__(self) -> None:
        self.limit = max_entpackt_bytes()
        self.total = 0


def _entry_chunks(handle, info: zipfile.ZipInfo, budget: _Budget) -> Iterator[bytes]:
    """Entpackt einen Teil blockweise (höchstens `ENTPACK_BLOCK` Bytes auf einmal), ohne den Größenangaben zu trauen.

    Gelesen wird, was auch python-calamine liest: die gepackten Bytes ab dem lokalen Kopf, so viele, wie das
    Inhaltsverzeichnis angibt. Abbruch, sobald mehr herauskommt, als das Inhaltsverzeichnis angibt (dann lügt
    es), oder die Grenze bzw. die Kompressionsrate überschritten ist.
    """
    name = info.filename
    if info.flag_bits & 0x1:
        raise UnsafeFile(
            f"Der Teil „{name}“ der Arbeitsmappe ist verschlüsselt; so speichern Excel und LibreOffice keine Datei. "
            "Die Datei wurde nicht geöffnet. Bitte die Datei in Excel oder LibreOffice öffnen, ohne Kennwort neu "
            "speichern und erneut in den Eingangsordner legen."
        )
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise UnsafeFile(
            f"Der Teil „{name}“ der Arbeitsmappe ist mit einem ungewöhnlichen Verfahren gepackt (Nr. "
            f"{info.compress_type}), das Excel und LibreOffice nicht verwenden; die Datei wurde nicht geöffnet. Bitte "
            "die Datei in Excel oder LibreOffice öffnen, neu speichern und erneut in den Eingangsordner legen."
        )
    handle.seek(info.header_offset)
    header = handle.read(30)
    if len(header) < 30 or header[:4] != ZIP_MAGIC:
        raise zipfile.BadZipFile(f"lokaler Kopf des Teils „{name}“ fehlt")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    handle.seek(info.header_offset + 30 + name_length + extra_length)
    left = info.compress_size
    produced = 0
    decompressor = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    pending = b""
    while True:
        if decompressor is not None and decompressor.eof:
            break
        if not pending:
            if left <= 0:
                if decompressor is not None:
                    raise zipfile.BadZipFile(f"gepackte Daten des Teils „{name}“ enden vorzeitig")
                break
            pending = handle.read(min(left, LESE_BLOCK if decompressor is not None else ENTPACK_BLOCK))
            if not pending:
                raise zipfile.BadZipFile(f"Teil „{name}“ ist abgeschnitten")
            left -= len(pending)
        if decompressor is None:
            block, pending = pending, b""
        else:
            block = decompressor.decompress(pending, ENTPACK_BLOCK)
            pending = decompressor.unconsumed_tail
        if not block:
            continue
        produced += len(block)
        budget.total += len(block)
        _check_produced(info, produced, budget)
        yield block
    if produced != info.file_size:
        raise UnsafeFile(
            f"Die Arbeitsmappe ist beschädigt: der Teil „{name}“ ist laut Inhaltsverzeichnis der ZIP-Datei entpackt "
            f"{_size(info.file_size)} groß, tatsächlich aber {_size(produced)}. Die Datei wurde nicht geöffnet. Bitte "
            "die Datei erneut aus der Quelle speichern bzw. kopieren (oder in Excel/LibreOffice öffnen und neu "
            "speichern) und erneut in den Eingangsordner legen."
        )


def _check_produced(info: zipfile.ZipInfo, produced: int, budget: _Budget) -> None:
    name = info.filename
    if produced > info.file_size:
        raise UnsafeFile(
            f"Die Arbeitsmappe enthält den Teil „{name}“, der laut Inhaltsverzeichnis der ZIP-Datei entpackt "
            f"{_size(info.file_size)} groß ist, tatsächlich aber mehr liefert (das Entpacken wurde nach "
            f"{_size(produced)} abgebrochen). Solche falschen Größenangaben hat keine von Excel oder LibreOffice "
            "gespeicherte Datei (möglicherweise eine „ZIP-Bombe“); die Datei wurde nicht geöffnet. Bitte die Datei "
            "erneut aus der Quelle speichern bzw. kopieren (oder in Excel/LibreOffice öffnen und neu speichern) und "
            "erneut in den Eingangsordner legen."
        )
    if budget.total > budget.limit:
        raise UnsafeFile(
            f"Die Arbeitsmappe ist entpackt mehr als {_mb(budget.limit)} groß, mehr als die Grenze (einstellbar mit "
            f"{MAX_ENTPACKT_MB_ENV}); das Entpacken wurde beim Teil „{name}“ abgebrochen. So groß ist keine echte "
            "Tabelle dieser Quellen; die Datei wurde nicht geöffnet. Bitte prüfen, ob die richtige Datei exportiert "
            "wurde (leere, aber formatierte Millionen Zeilen? dann nur den Datenbereich kopieren und als neue "
            "Arbeitsmappe speichern)."
        )
    if produced > RATIO_MIN_BYTES and produced > MAX_RATIO * max(info.compress_size, 1):
        factor = f"{produced // max(info.compress_size, 1):,}".replace(",", ".")
        raise UnsafeFile(
            f"Die Arbeitsmappe enthält den Teil „{name}“, der entpackt mehr als {_mb(produced)} groß ist, gepackt "
            f"aber nur {_size(info.compress_size)} (Faktor über {factor}). Das ist keine echte Tabelle, sondern fast "
            "nur Wiederholung (möglicherweise eine „ZIP-Bombe“); die Datei wurde nicht geöffnet. Bitte nur den "
            "Datenbereich in eine neue Arbeitsmappe kopieren, speichern und erneut in den Eingangsordner legen."
        )


def _complete_tags(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Entpackte XML-Blöcke so zerschnitten, dass kein Element-Tag über zwei Stücke reicht."""
    carry = b""
    for chunk in chunks:
        data = carry + chunk if carry else chunk
        start = data.rfind(b"<")
        if start == -1 or data.find(b">", start) != -1:
            carry = b""
            yield data
            continue
        carry = data[start:]
        if len(carry) > MAX_TAG_BYTES:
            raise UnsafeFile(
                f"Die Arbeitsmappe enthält ein einzelnes XML-Element von mehr als {_mb(MAX_TAG_BYTES)}; so sieht keine "
                "Tabelle aus, die Datei wurde nicht geöffnet. Bitte die Datei in Excel oder LibreOffice öffnen, neu "
                "speichern und erneut in den Eingangsordner legen."
            )
        if start:
            yield data[:start]
    if carry:
        yield carry


# xlsx, schneller Weg: Excel, LibreOffice, openpyxl und die üblichen Bibliotheken schreiben jede Zelle als
# <c r="B7" …>. Gesucht wird nur nach Zellen, die davon abweichen oder weiter reichen als bisher gesehen
# (ein regulärer Ausdruck über den Block, ohne Python-Schleife je Zelle). Aus den längsten Bezügen folgt eine
# obere Schranke des Rechtecks: Spalten bis Z, ZZ oder XFD, Zeilen bis 9, 99, 999, …
_COLUMN_BOUND = {1: 26, 2: 702, 3: 16384}
_REGULAR_CELL = re.compile(rb'<c r="([A-Za-z]+)([0-9]+)"')
_PREFIXED_CELL = re.compile(rb":c[\s/>]")


@functools.lru_cache(maxsize=64)
def _other_cells(letters: int, digits: int) -> re.Pattern[bytes]:
    """Zellen, die nicht als <c r="…"> mit höchstens `letters` Buchstaben und `digits` Ziffern beginnen.

    So einfach wie möglich (der Ausdruck läuft über jede Zelle jedes Blatts): `[A-Za-z]` statt `[A-Za-z]{1,1}`;
    `[\\s/>]` am Ende lässt andere Elemente wie <col> und <cfRule> gar nicht erst treffen."""
    column = rb"[A-Za-z]" if letters == 1 else rb"[A-Za-z]{1,%d}" % letters
    return re.compile(rb'<c(?! r="' + column + rb'[0-9]{1,%d}")[\s/>]' % digits)


class _XlsxFastScan:
    """Ein Blatt beim Entpacken: obere Schranke des Rechtecks oder `exact` (genau nachzählen), Formeln ja/nein."""

    def __init__(self, limit: int, formeln: bool) -> None:
        self.limit = limit
        self.formeln = formeln
        self.letters = self.digits = 1
        self.exact = False
        self.formula = False

    @property
    def bound(self) -> int:
        return _COLUMN_BOUND[self.letters] * (10 ** self.digits - 1)

    def feed(self, data: bytes) -> None:
        if self.formeln and not self.formula and _formula_tag_in(data):
            self.formula = True
        if self.exact:
            return
        if _PREFIXED_CELL.search(data):  # <x:c …>: Namensraum-Präfix, genau nachzählen
            self.exact = True
            return
        pattern = _other_cells(self.letters, self.digits)
        position = 0
        while (match := pattern.search(data, position)) is not None:
            ref = _REGULAR_CELL.match(data, match.start())
            if ref is None:  # ohne Bezug, andere Reihenfolge der Attribute, andere Anführungszeichen
                self.exact = True
                return
            self.letters = max(self.letters, len(ref[1]))
            self.digits = max(self.digits, len(ref[2]))
            if self.letters > 3 or self.bound > self.limit:
                self.exact = True
                return
            pattern = _other_cells(self.letters, self.digits)
            position = match.start()


# Genau nachzählen (xlsx): jedes <row>, <c>, <v>, <is> wie python-calamine: Zellen ohne Bezug stehen rechts
# neben der vorigen, Zeilen ohne Nummer unter der vorigen; nur Zellen mit Wert spannen das Rechteck auf.
_ATTRIBUTES = rb'((?:[^>"\']|"[^"]*"|\'[^\']*\')*)'
_XLSX_TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]*:)?(row|c|v|is)(?=[\s/>])" + _ATTRIBUTES + rb">")
_R_ATTRIBUTE = re.compile(rb'(?:^|\s)r\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_CELL_REF = re.compile(rb"\s*([A-Za-z]+)([0-9]+)\s*$")


def _attribute(pattern: re.Pattern[bytes], attributes: bytes) -> bytes | None:
    match = pattern.search(attributes)
    return None if match is None else (match[1] if match[1] is not None else match[2])


class _XlsxExactScan:
    def __init__(self) -> None:
        self.box = Box()
        self.row = 0
        self.col = 0
        self.pending: tuple[int, int] | None = None

    def feed(self, data: bytes) -> None:
        for closing, name, attributes in _XLSX_TAG.findall(data):
            if closing:
                if name == b"c":
                    self.pending = None
                continue
            if name == b"row":
                number = _attribute(_R_ATTRIBUTE, attributes)
                self.row = int(number) if number is not None and number.strip().isdigit() else self.row + 1
                self.col = 0
            elif name == b"c":
                row, col = self.row, self.col + 1
                ref = _attribute(_R_ATTRIBUTE, attributes)
                if ref is not None and (match := _CELL_REF.match(ref)):
                    row, col = int(match[2]), _column_number(match[1])
                self.col = col
                self.pending = None if attributes.rstrip().endswith(b"/") or row < 1 or col < 1 else (row, col)
            elif self.pending is not None:  # <v> oder <is>: die Zelle hat einen Wert
                self.box.add(*self.pending)
                self.pending = None


# ods: content.xml enthält alle Blätter; Wiederholungen (number-columns-repeated, number-rows-repeated) zählen
# so oft, wie sie angegeben sind. Leere Zellen (ohne Wert und Inhalt) spannen nichts auf.
_ODS_TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]*:)?(table-row|table-cell|covered-table-cell|table)(?=[\s/>])"
                      + _ATTRIBUTES + rb">")


@functools.lru_cache(maxsize=8)
def _ods_attribute(name: bytes) -> re.Pattern[bytes]:
    return re.compile(rb'(?:^|\s)(?:[\w.-]+:)?' + name + rb'\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')


def _repeat(attributes: bytes, name: bytes) -> int:
    value = _attribute(_ods_attribute(name), attributes)
    return int(value) if value is not None and value.strip().isdigit() and int(value) > 0 else 1


class _OdsScan:
    def __init__(self) -> None:
        self.sheets: list[tuple[str, Box]] = []
        self.depth = 0
        self.row = 0
        self.rows = 1
        self.col = 0
        self.row_cols: tuple[int, int] | None = None

    def feed(self, data: bytes) -> None:
        for closing, name, attributes in _ODS_TAG.findall(data):
            empty = attributes.rstrip().endswith(b"/")
            if name == b"table":
                if closing:
                    self.depth -= 1
                elif not empty:
                    self.depth += 1
                    if self.depth == 1:
                        title = _attribute(_ods_attribute(b"name"), attributes) or b""
                        self.sheets.append((html.unescape(title.decode("utf-8", "replace")), Box()))
                        self.row = 0
                continue
            if self.depth != 1:
                continue  # Tabellen in Zellen (veraltet) gehören nicht zum Blatt
            if name == b"table-row":
                if closing:
                    self._end_row()
                    continue
                self.rows, self.col, self.row_cols = _repeat(attributes, b"number-rows-repeated"), 0, None
                if empty:
                    self._end_row()
                continue
            if closing:
                continue
            repeat = _repeat(attributes, b"number-columns-repeated")
            first = self.col + 1
            self.col += repeat
            if not empty or _attribute(_ods_attribute(b"value-type"), attributes) is not None:
                low, high = self.row_cols or (first, first)
                self.row_cols = (min(low, first), max(high, self.col))

    def _end_row(self) -> None:
        if self.row_cols is not None and self.sheets:
            low, high = self.row_cols
            self.sheets[-1][1].add(self.row + 1, low, rows=self.rows, cols=high - low + 1)
        self.row += self.rows
        self.rows, self.row_cols = 1, None


def _cells(number: int) -> str:
    return f"{number:,}".replace(",", ".")


class _Pruefung:
    """Ein Durchgang über alle Teile einer Arbeitsmappe (siehe Moduldokumentation)."""

    def __init__(self, path: Path, archive: zipfile.ZipFile, suffix: str, formeln: bool,
                 blaetter: Callable[[str], bool] | None) -> None:
        self.path = path
        self.archive = archive
        self.ods = suffix == ".ods"
        self.formeln = formeln and not self.ods
        self.blaetter = blaetter
        self.limit = max_zellen()

    def run(self) -> None:
        sheets: dict[str, str] = {}  # Teil -> Blattname (nur die Blätter, die gelesen werden)
        skip: set[str] = set()
        if not self.ods:
            for name, part in _sheet_parts(self.archive):
                if self.blaetter is None or self.blaetter(name):
                    sheets[part] = name
                else:
                    skip.add(part)  # wird nicht gelesen, also auch nicht entpackt
        budget = _Budget()
        fast: list[tuple[str, zipfile.ZipInfo, _XlsxFastScan]] = []
        boxes: list[tuple[str, Box]] = []
        with self.path.open("rb") as handle:
            for info in self.archive.infolist():
                if info.filename in skip:
                    continue
                chunks = _entry_chunks(handle, info, budget)
                if info.filename in sheets:
                    scan = _XlsxFastScan(self.limit, self.formeln)
                    self._consume(scan, chunks, sheets[info.filename], info.filename)
                    fast.append((sheets[info.filename], info, scan))
                elif self.ods and info.filename == "content.xml":
                    ods = _OdsScan()
                    self._consume(ods, chunks, None, info.filename)
                    boxes += ods.sheets
                else:
                    for _ in chunks:
                        pass
            if fast:
                boxes += self._xlsx_boxes(handle, fast)
        self._check_boxes(boxes)
        if self.formeln:
            self._check_formulas([(name, info.filename) for name, info, scan in fast if scan.formula])

    def _consume(self, scan, chunks: Iterator[bytes], sheet: str | None, part: str) -> None:
        try:
            for data in _complete_tags(chunks):
                scan.feed(data)
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
            where = f"Blatt „{sheet}“ (Teil „{part}“)" if sheet else f"der Teil „{part}“"
            raise UnsafeFile(
                f"Die Arbeitsmappe ist beschädigt: {where} lässt sich nicht entpacken oder lesen (technische "
                f"Angabe: {exc}). Bitte die Datei erneut aus der Quelle speichern bzw. kopieren (oder in "
                "Excel/LibreOffice öffnen und neu speichern) und erneut in den Eingangsordner legen."
            ) from exc

    def _exact(self, handle, sheet: str, info: zipfile.ZipInfo) -> Box:
        scan = _XlsxExactScan()
        self._consume(scan, _entry_chunks(handle, info, _Budget()), sheet, info.filename)
        return scan.box

    def _xlsx_boxes(self, handle, fast: list[tuple[str, zipfile.ZipInfo, _XlsxFastScan]]) -> list[tuple[str, Box]]:
        """Genaue Rechtecke, wo die Schranke nicht reicht: für ungewöhnlich geschriebene oder sehr große Blätter und,
        wenn die Schranken zusammen über der Grenze liegen, für die größten, bis es reicht."""
        exact: dict[int, Box] = {}
        for index, (sheet, info, scan) in enumerate(fast):
            if scan.exact:
                exact[index] = self._exact(handle, sheet, info)
                self._check_boxes([(sheet, exact[index])])
        open_bounds = sorted((i for i in range(len(fast)) if i not in exact), key=lambda i: -fast[i][2].bound)
        while open_bounds and (sum(b.cells for b in exact.values())
                               + sum(fast[i][2].bound for i in open_bounds)) > self.limit:
            index = open_bounds.pop(0)
            exact[index] = self._exact(handle, fast[index][0], fast[index][1])
        return [(fast[i][0], exact[i]) for i in sorted(exact)]

    def _check_boxes(self, boxes: list[tuple[str, Box]]) -> None:
        limit = _cells(self.limit)
        for sheet, box in boxes:
            if box.cells <= self.limit:
                continue
            if box.row_cell == box.col_cell:
                far = cell_name(*box.row_cell)
                reicht, loeschen = f"reicht bis Zelle {far}", f"die Zelle {far}"
            else:
                row_cell, col_cell = cell_name(*box.row_cell), cell_name(*box.col_cell)
                reicht = (f"reicht bis Zeile {_cells(box.max_row)} (Zelle {row_cell}) und bis Spalte "
                          f"{column_name(box.max_col)} (Zelle {col_cell})")
                loeschen = "die Werte, die weit außerhalb der Tabelle stehen,"
            raise UnsafeFile(
                f"Blatt „{sheet}“ {reicht}: vom ersten bis zum letzten Wert sind das {_cells(box.cols)} Spalten × "
                f"{_cells(box.rows)} Zeilen = {_cells(box.cells)} Zellen (Bereich {box.area}), mehr als die Grenze von "
                f"{limit} Zellen (einstellbar mit {MAX_ZELLEN_ENV}). Vermutlich eine versehentliche Eingabe weit "
                f"außerhalb der Tabelle; die Datei wurde nicht geöffnet. Bitte {loeschen} löschen (Strg+Ende springt "
                "zur letzten benutzten Zelle), speichern und die Datei erneut in den Eingangsordner legen."
            )
        total = sum(box.cells for _, box in boxes)
        if total > self.limit:
            listed = ", ".join(f"„{sheet}“ ({box.area}, {_cells(box.cells)} Zellen)" for sheet, box in boxes if box.cells)
            raise UnsafeFile(
                f"Die Blätter {listed} spannen zusammen {_cells(total)} Zellen auf, mehr als die Grenze von {limit} "
                f"Zellen (einstellbar mit {MAX_ZELLEN_ENV}); beim Lesen stünden sie alle zugleich im Speicher. Die "
                "Datei wurde nicht geöffnet. Bitte prüfen, ob versehentlich Werte weit außerhalb der Tabellen stehen "
                "(Strg+Ende springt zur letzten benutzten Zelle eines Blatts) und sie löschen, oder die Blätter auf "
                "mehrere Dateien verteilen; dann erneut in den Eingangsordner legen."
            )

    def _check_formulas(self, sheets: list[tuple[str, str]]) -> None:
        problems = []
        total = 0
        for sheet, part in sheets:
            try:
                cells, count = formulas_without_value(self.archive, part)
            except (zipfile.BadZipFile, EOFError, ET.ParseError, zlib.error) as exc:
                raise UnsafeFile(
                    f"Die Arbeitsmappe ist beschädigt: Blatt „{sheet}“ (Teil „{part}“) lässt sich nicht entpacken "
                    f"oder lesen (technische Angabe: {exc}). Bitte die Datei erneut aus der Quelle speichern bzw. "
                    "kopieren (oder in Excel/LibreOffice öffnen und neu speichern) und erneut in den Eingangsordner "
                    "legen."
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
    return [path.with_name(c) for c in sorted(candidates) if _exists(path.with_name(c))]


def _exists(path: Path) -> bool:
    """Wie `Path.exists`, aber ein Name, der für das Dateisystem zu lang ist, existiert einfach nicht."""
    try:
        return os.path.lexists(path)
    except (OSError, ValueError):
        return False


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
