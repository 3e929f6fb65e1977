"""Kleine, von Hand nachrechenbare Testdaten: eine Gebietsgliederung und echte xlsx/csv-Dateien.

Teststadt (AGS 09999999), Gebiete:
  A1 (Sozialraum SRA, Bezirk Nord), A2 (SRA, Süd),
  B1 (SRB, Nord, bis 2019), B2 (SRB, Süd, bis 2019) -> Nachfolger B3 (SRB, Nord, ab 2020).
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl

from sozial_dwh import config

GEBIETE_CSV = """gebiet_id,name,sozialraum_id,sozialraum,stadtbezirk,gemeinde_ags,gemeinde,gueltig_ab,gueltig_bis,nachfolger_id
A1,Altstadt,SRA,Mitte,Nord,09999999,Teststadt,2000-01-01,,
A2,Bahnhof,SRA,Mitte,Süd,09999999,Teststadt,2000-01-01,,
B1,Berg,SRB,Land,Nord,09999999,Teststadt,2000-01-01,2019-12-31,B3
B2,Bach,SRB,Land,Süd,09999999,Teststadt,2000-01-01,2019-12-31,B3
B3,Berg-Bach,SRB,Land,Nord,09999999,Teststadt,2020-01-01,,
"""

WIDE_HEADER = ["Gebiet", "Bezeichnung", "Einwohner\ninsgesamt", "männlich", "weiblich", "unter 3", "3 bis 5",
               "6 bis 17", "18 bis 19", "20 bis 64", "65 und älter", "Ausländer/-innen", "mit Migrations-\nhintergrund"]
# 31.12.2022: Insgesamt, m, w, u3, 3-5, 6-17, 18-19, 20-64, 65+, Ausländer, Migrationshintergrund
WIDE_2022 = {
    "A1": [1000, 480, 520, 30, 40, 100, 30, 600, 200, 150, 300],
    "A2": [500, 250, 250, 10, 20, 50, 20, 300, 100, 25, 60],
    "B3": [2000, 1000, 1000, 60, 60, 280, 50, 1150, 400, 100, 200],
}
WIDE_2022_TOTAL = [3500, 1730, 1770, 100, 120, 430, 100, 2050, 700, 275, 560]

# 31.12.2019, langes Layout: Altersgruppe × Geschlecht (m, w). Bänder erlauben u18 und 65+, aber nicht u20/20-64.
LONG_BANDS = ["unter 18", "18 bis 24", "25 bis 64", "65 und älter"]
LONG_2019 = {
    "A1": [(90, 80), (40, 40), (280, 270), (90, 110)],  # 1000
    "A2": [(40, 45), (20, 25), (130, 140), (50, 50)],  # 500
    "B1": [(100, 100), (50, 50), (300, 300), (100, 100)],  # 1100
    "B2": [(50, 50), (30, 20), (200, 200), (100, 50)],  # 700
}


def make_reference(folder: Path) -> Path:
    """Referenzordner mit der Test-Gebietsgliederung und dem echten Indikatorenkatalog (mit Merkmalen und Größen)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "gebiete.csv").write_text(GEBIETE_CSV, encoding="utf-8")
    for name in sorted(p.name for p in (config.REPO_ROOT / "data" / "reference").glob("*.csv")
                       if p.name != "gebiete.csv"):  # alle Referenzdateien außer der Gebietsgliederung
        shutil.copy(config.REPO_ROOT / "data" / "reference" / name, folder / name)
    return folder


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def wide_2022_rows(values: dict[str, list[int]] | None = None) -> list[list[object]]:
    values = values or WIDE_2022
    rows: list[list[object]] = [
        ["Bevölkerungsstruktur nach Gebieten"],
        ["Stand: 31.12.2022"],
        [],
        WIDE_HEADER,
    ]
    names = {"A1": "Altstadt", "A2": "Bahnhof", "B3": "Berg-Bach"}
    for gebiet, numbers in values.items():
        cells: list[object] = list(numbers)
        if gebiet == "A1":
            cells[0] = "1.000"  # deutscher Zahlentext
        rows.append([gebiet, names[gebiet], *cells])
    rows.append(["Stadt insgesamt", None, *WIDE_2022_TOTAL])
    rows.append([])
    rows.append(["Quelle: Melderegister, Hauptwohnsitze"])
    return rows


def write_wide_2022(folder: Path, name: str = "bevoelkerung_2022-12-31.xlsx",
                    values: dict[str, list[int]] | None = None) -> Path:
    return write_xlsx(folder / name, {"Strukturtabelle": wide_2022_rows(values)})


def write_long_2019(folder: Path, name: str = "bevoelkerung_2019-12-31.csv") -> Path:
    lines = ["Bevölkerung am 31.12.2019;;;", "Bereich;Altersgruppe;Geschlecht;Einwohner"]
    totals: dict[tuple[str, str], int] = {}
    for gebiet, bands in LONG_2019.items():
        for band, (male, female) in zip(LONG_BANDS, bands, strict=True):
            lines.append(f"{gebiet};{band};männlich;{male}")
            lines.append(f"{gebiet};{band};weiblich;{female}")
            totals[(band, "männlich")] = totals.get((band, "männlich"), 0) + male
            totals[(band, "weiblich")] = totals.get((band, "weiblich"), 0) + female
    for (band, sex), value in totals.items():
        lines.append(f"Stadt insgesamt;{band};{sex};{value:,}".replace(",", "."))
    lines.append("Quelle: Melderegister;;;")
    path = folder / name
    path.write_bytes("\r\n".join(lines).encode("cp1252"))
    return path


def write_ods(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """Eine kleine, echte OpenDocument-Tabelle (.ods) – so, wie LibreOffice sie im Kern speichert."""
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    body = []
    for name, rows in sheets.items():
        body.append(f'<table:table table:name="{escape(name)}">')
        for row in rows:
            cells = []
            for value in row:
                if value is None:
                    cells.append("<table:table-cell/>")
                elif isinstance(value, int | float):
                    cells.append(f'<table:table-cell office:value-type="float" office:value="{value}">'
                                 f"<text:p>{value}</text:p></table:table-cell>")
                else:
                    cells.append(f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}'
                                 "</text:p></table:table-cell>")
            body.append(f"<table:table-row>{''.join(cells)}</table:table-row>")
        body.append("</table:table>")
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.2">'
               f"<office:body><office:spreadsheet>{''.join(body)}</office:spreadsheet></office:body>"
               "</office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet",
                         compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path
