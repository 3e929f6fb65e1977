"""Arbeitsmappen reproduzierbar speichern: gleiche Inhalte ergeben gleiche Bytes.

openpyxl stempelt beim Speichern „geändert = jetzt“ und das Zip-Archiv die aktuelle Uhrzeit je Eintrag;
beides wird hier durch einen festen Zeitpunkt ersetzt. Die Datei entsteht neben dem Ziel und wird atomar
an ihren Platz gebracht (nie eine halbe Datei). Für Beispieldaten, Vorlagen und Berichtsausgaben.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter


def save_reproducible(wb: Workbook, path: Path, timestamp: dt.datetime) -> Path:
    """Speichert `wb` nach `path` mit festem Dokument- und Archivzeitstempel; gibt `path` zurück."""
    wb.properties.created = timestamp
    wb.properties.modified = timestamp
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).write_data()  # wie wb.save(), aber ohne „modified = jetzt“
    buffer.seek(0)
    date_time = timestamp.timetuple()[:6]
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(item.filename))
    tmp.replace(path)
    return path
