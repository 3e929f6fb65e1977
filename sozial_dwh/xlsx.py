"""Arbeitsmappen reproduzierbar speichern: gleiche Inhalte ergeben gleiche Bytes.

openpyxl stempelt beim Speichern „geändert = jetzt“ und das Zip-Archiv die aktuelle Uhrzeit je Eintrag;
beides wird hier durch einen festen Zeitpunkt ersetzt. Die Datei entsteht neben dem Ziel und wird atomar
an ihren Platz gebracht (nie eine halbe Datei). Für Beispieldaten, Vorlagen und Berichtsausgaben.

Große Arbeitsmappen (Berichtsausgaben) entstehen beim Speichern Blatt für Blatt (`save_reproducible` mit
`blaetter`): ein Blatt wird erst angelegt, wenn das vorige geschrieben ist, und die Zeilen eines großen Blatts
kommen in Stücken, deren Zellen nach dem Schreiben verworfen werden. So hält openpyxl nie alle Zellen der Mappe
im Speicher (sie wüchsen mit der Zahl der Gemeinden, Issue 17); die Bytes sind dieselben wie beim Speichern der
ganzen Mappe auf einmal.
"""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter


@dataclass
class Blatt:
    """Ein angelegtes Blatt. Ohne `stuecke` stehen alle Zellen schon im Blatt. Mit `stuecke` stehen dort nur die
    ersten Zeilen; jeder Schritt des Iterators fügt die nächsten Zeilen hinzu, die danach geschrieben und verworfen
    werden. `dimension` ist dann der Bereich des ganzen Blatts (z. B. „A1:K6810“), der vor den Zeilen steht."""
    ws: Worksheet
    stuecke: Iterator[object] | None = None
    dimension: str | None = None


class _StueckSchreiber(WorksheetWriter):
    """Schreibt die Zeilen eines Blatts in Stücken und verwirft nach jedem Stück dessen Zellen."""

    def __init__(self, blatt: Blatt) -> None:
        super().__init__(blatt.ws)
        self.blatt = blatt
        self.groesste = (0, 0)  # (Zeile, Spalte) der geschriebenen Zellen: zur Prüfung von `dimension`

    def write_dimensions(self) -> None:
        self.xf.send(SheetDimension(self.blatt.dimension).to_tree())

    def _stueck(self, xf) -> None:
        for row_idx, row in self.rows():
            self.write_row(xf, row, row_idx)
            if row:
                self.groesste = (max(self.groesste[0], row_idx), max(self.groesste[1], row[-1].column))
        self.ws._cells.clear()
        self.ws.row_dimensions.clear()

    def write_rows(self) -> None:
        xf = self.xf.send(True)
        with xf.element("sheetData"):
            self._stueck(xf)
            for _ in self.blatt.stuecke:
                self._stueck(xf)
        self.xf.send(None)
        from openpyxl.utils import get_column_letter

        ist = f"A1:{get_column_letter(self.groesste[1])}{self.groesste[0]}"
        if ist != self.blatt.dimension:
            raise RuntimeError(f"Blatt {self.ws.title}: Bereich {ist}, angekündigt {self.blatt.dimension}")


class _BlattweiseSchreiber(ExcelWriter):
    """Wie `ExcelWriter`, aber die Blätter entstehen erst beim Schreiben, eines nach dem anderen."""

    def __init__(self, wb: Workbook, archive, blaetter: Iterable[Callable[[], Blatt]]) -> None:
        super().__init__(wb, archive)
        self.blaetter = blaetter

    def _write_worksheets(self) -> None:
        # wie ExcelWriter._write_worksheets (openpyxl 3.1) für Blätter ohne Zeichnungen, Kommentare, Tabellen und
        # Pivot-Tabellen; was das Blatt braucht, steht danach noch im Workbook (Titel, Druckbereiche, Filter)
        for idx, bauen in enumerate(self.blaetter, 1):
            blatt = bauen()
            ws = blatt.ws
            if ws._charts or ws._images or ws._comments or ws._tables or ws._pivots or ws.legacy_drawing:
                raise ValueError(f"Blatt {ws.title}: Zeichnungen, Kommentare und Tabellen schreibt nur ExcelWriter")
            ws._id = idx
            if blatt.stuecke is None:
                self.write_worksheet(ws)
            else:
                ws._drawing = None
                writer = _StueckSchreiber(blatt)
                writer.write()
                ws._rels = writer._rels
                self._archive.write(writer.out, ws.path[1:])
                self.manifest.append(ws)
                writer.cleanup()
            if ws._rels:
                self._archive.writestr(_rels_pfad(ws.path)[1:], _xml(ws._rels.to_tree()))
            ws._cells.clear()  # geschrieben: die Zellen braucht niemand mehr
            ws.row_dimensions.clear()


def _rels_pfad(pfad: str) -> str:
    from openpyxl.packaging.relationship import get_rels_path

    return get_rels_path(pfad)


def _xml(baum) -> bytes:
    from openpyxl.xml.functions import tostring

    return tostring(baum)


class _FesteZeit:
    """Das Zip-Archiv, wie ExcelWriter es benutzt, mit festem Zeitstempel und festen Rechten je Eintrag."""

    def __init__(self, archiv: zipfile.ZipFile, date_time: tuple[int, ...]) -> None:
        self.archiv = archiv
        self.date_time = date_time

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return info

    def writestr(self, name: str, data: bytes | str) -> None:
        self.archiv.writestr(self._info(name), data)

    def write(self, filename: str, arcname: str) -> None:
        """Eine Datei (ein geschriebenes Blatt) in Stücken übernehmen, nicht ganz in den Speicher."""
        info = self._info(arcname)
        info.file_size = Path(filename).stat().st_size
        with open(filename, "rb") as quelle, self.archiv.open(info, "w") as ziel:
            shutil.copyfileobj(quelle, ziel, 1 << 20)

    def namelist(self) -> list[str]:
        return self.archiv.namelist()


def save_reproducible(wb: Workbook, path: Path, timestamp: dt.datetime,
                      blaetter: Sequence[Callable[[], Blatt]] | None = None) -> Path:
    """Speichert `wb` nach `path` mit festem Dokument- und Archivzeitstempel; gibt `path` zurück. Mit `blaetter`
    (dann hat `wb` noch keine Blätter) legt jeder Aufruf eines Eintrags ein Blatt an, das gleich geschrieben wird."""
    wb.properties.created = timestamp
    wb.properties.modified = timestamp
    tmp = path.with_name(path.name + ".tmp")
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archiv:
            ziel = _FesteZeit(archiv, timestamp.timetuple()[:6])
            if blaetter is None:
                writer = ExcelWriter(wb, ziel)
            else:
                if wb.worksheets:
                    raise ValueError("save_reproducible mit `blaetter`: die Arbeitsmappe hat schon Blätter")
                writer = _BlattweiseSchreiber(wb, ziel, blaetter)
            writer.write_data()  # wie wb.save(), aber ohne „modified = jetzt“
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)
    return path
