"""Schlechte Eingaben: jede endet mit einer klaren deutschen Meldung, und nichts geht verloren (architektur.md §5.1, §9).

Jeder Test schreibt eine echte Datei in den Eingang, lässt die echte Verarbeitung (`ingest_inbox`) gegen eine
temporäre DuckDB laufen und prüft
  (a) die Meldung (was, wo, was tun) in `ops.dateien.meldungen` und – bei Ablehnung – in `<name>.fehler.txt`,
  (b) die byte-gleiche Kopie (SHA-256) in `rejected/` bzw. `archive/bevoelkerung/`,
  (c) die Zeile in `ops.dateien` mit dem richtigen Status,
  (d) bei Zeilenfehlern die Quarantänezeilen mit Grund/Zeile/Spalte und die übrigen, von Hand nachgerechneten Werte.
"""

from __future__ import annotations

import hashlib
import io
import os
import time
import zipfile
from pathlib import Path

import duckdb
import olefile
import openpyxl
import pytest
from msoffcrypto.format.ooxml import OOXMLFile

from sozial_dwh import warehouse
from sozial_dwh.config import Paths
from sozial_dwh.ingest import IngestSummary, ingest_inbox
from sozial_dwh.reference import GebietMatcher, load_gebiete
from tests.fixtures import write_xlsx

NAME = "bevoelkerung_2022-12-31.xlsx"
HEADER = ["Gebiet", "Alter", "Anzahl"]
# gültiger Inhalt: A1 0–17 = 10, A1 18+ = 90, A2 0–17 = 20 (zusammen 120)
GOOD_ROWS = [HEADER, ["A1", "0-17", 10], ["A1", "18+", 90], ["A2", "0-17", 20]]


# --- Hilfen --------------------------------------------------------------------------------------


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def good_xlsx_bytes(tmp_path: Path, rows: list[list[object]] | None = None) -> bytes:
    path = write_xlsx(tmp_path / "vorlage.xlsx", {"Daten": rows or GOOD_ROWS})
    data = path.read_bytes()
    path.unlink()
    return data


def age(path: Path, seconds: float = 3600) -> Path:
    """Änderungszeit in die Vergangenheit setzen: die Datei ist fertig geschrieben (keine Wartezeit nötig)."""
    past = time.time() - seconds
    os.utime(path, (past, past))
    return path


def drop(home: Paths, name: str, data: bytes) -> Path:
    path = home.inbox / name
    path.write_bytes(data)
    return age(path)


def run(home: Paths, **kwargs) -> IngestSummary:
    matcher = GebietMatcher(load_gebiete(home.reference))
    kwargs.setdefault("pause_s", 0)
    with warehouse.connect(home) as con:
        return ingest_inbox(home, con, matcher, **kwargs)


def query(home: Paths, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def dateien(home: Paths) -> list[tuple]:
    return query(home, "select dateiname, status, sha256, ablage, meldungen, quelle from ops.dateien order by datei_id")


def assert_rejected(home: Paths, name: str, data: bytes, *words: str) -> str:
    """Abgelehnt: Register-Zeile, byte-gleiche Kopie, Fehlerbericht – gibt die Meldungen zurück."""
    assert not (home.inbox / name).exists()
    rows = dateien(home)
    assert [(r[0], r[1]) for r in rows] == [(name, "abgelehnt")]
    _, _, digest, ablage, meldungen, _ = rows[0]
    copy = home.rejected / name
    assert Path(ablage) == copy
    assert digest == sha(data) == sha(copy.read_bytes())
    report = (home.rejected / f"{name}.fehler.txt").read_text(encoding="utf-8")
    assert f"Datei: {name}" in report and "abgelehnt" in report and "Was ist zu tun" in report
    for word in words:
        assert word in meldungen, (word, meldungen)
        assert word in report, (word, report)
    assert query(home, "select count(*) from raw.bevoelkerung") == [(0,)]
    return meldungen


def assert_loaded(home: Paths, name: str, data: bytes) -> str:
    assert not (home.inbox / name).exists()
    rows = dateien(home)
    assert [(r[0], r[1], r[5]) for r in rows] == [(name, "geladen", "bevoelkerung")]
    _, _, digest, ablage, meldungen, _ = rows[0]
    copy = home.archive / "bevoelkerung" / name
    assert Path(ablage) == copy
    assert digest == sha(data) == sha(copy.read_bytes())
    assert not (home.rejected / name).exists()
    return meldungen


def loaded_cells(home: Paths) -> dict[tuple, int]:
    rows = query(home, "select gebiet_id, alter_von, alter_bis, anzahl from raw.bevoelkerung")
    return {(g, von, bis): n for g, von, bis, n in rows}


def quarantined(home: Paths) -> list[tuple]:
    return query(home, "select blatt, zeile, spalte, grund, wert from quarantine.zeilen order by zeile")


# --- Dateiebene: die ganze Datei wird abgelehnt ------------------------------------------------------


def test_truncated_xlsx_rejected(home: Paths, tmp_path: Path):
    full = good_xlsx_bytes(tmp_path)
    data = full[: len(full) // 2]  # abgebrochene Kopie: das Inhaltsverzeichnis am Ende fehlt
    drop(home, NAME, data)
    summary = run(home)
    assert summary.abgelehnt == [NAME]
    assert_rejected(home, NAME, data, "beschädigt oder unvollständig", "abgebrochene Kopie", "neu speichern")


def test_corrupt_xlsx_rejected(home: Paths, tmp_path: Path):
    full = bytearray(good_xlsx_bytes(tmp_path))
    # Bytes mitten in den gepackten Daten des Tabellenblatts überschreiben (Inhaltsverzeichnis intakt)
    info = zipfile.ZipFile(io.BytesIO(bytes(full))).getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    full[start + 5: start + 25] = b"\xff" * 20
    data = bytes(full)
    drop(home, NAME, data)
    run(home)
    assert_rejected(home, NAME, data, "Die Arbeitsmappe ist beschädigt: Blatt „Daten“",
                    "lässt sich nicht entpacken", "erneut aus der Quelle speichern bzw. kopieren")


def test_random_bytes_named_xlsx_rejected(home: Paths):
    data = b"Das ist keine Arbeitsmappe, sondern Text mit falscher Endung.\n" * 10
    drop(home, NAME, data)
    run(home)
    assert_rejected(home, NAME, data, "keine gültige .xlsx-Datei", "als .xlsx neu speichern")


def encrypt(data: bytes, password: str = "geheim") -> bytes:
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    return out.getvalue()


def test_password_protected_xlsx_rejected(home: Paths, tmp_path: Path):
    data = encrypt(good_xlsx_bytes(tmp_path))
    assert data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # echte OLE-Verbunddatei mit EncryptedPackage
    assert olefile.OleFileIO(io.BytesIO(data)).exists("EncryptedPackage")
    drop(home, NAME, data)
    run(home)
    meldungen = assert_rejected(home, NAME, data, "mit Kennwort geschützt", "ohne Kennwort speichern")
    assert "Excel-Format .xls" not in meldungen


def test_password_protected_ods_rejected(home: Paths):
    """LibreOffice verschlüsselt die Teile im ZIP und vermerkt das im Manifest (manifest:encryption-data)."""
    name = "bevoelkerung_2022-12-31.ods"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", os.urandom(2000), zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml" manifest:size="9000">'
            '<manifest:encryption-data manifest:checksum-type="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#sha256-1k" '
            'manifest:checksum="AAAA"><manifest:algorithm manifest:algorithm-name="http://www.w3.org/2001/04/xmlenc#aes256-cbc" '
            'manifest:initialisation-vector="AAAA"/></manifest:encryption-data></manifest:file-entry></manifest:manifest>'
        ), zipfile.ZIP_DEFLATED)
    data = out.getvalue()
    drop(home, name, data)
    run(home)
    assert_rejected(home, name, data, "mit Kennwort geschützt", "ohne Kennwort speichern")


def old_xls_bytes(tmp_path: Path) -> bytes:
    """Eine OLE-Verbunddatei mit einem Strom „Workbook“ (so sieht .xls von außen aus), ohne Verschlüsselung."""
    data = bytearray(encrypt(good_xlsx_bytes(tmp_path)))
    name = "EncryptedPackage".encode("utf-16-le") + b"\0\0"
    at = data.index(name)
    entry = "Workbook".encode("utf-16-le") + b"\0\0"
    data[at: at + 64] = entry.ljust(64, b"\0")
    data[at + 64: at + 66] = len(entry).to_bytes(2, "little")
    data = bytes(data)
    ole = olefile.OleFileIO(io.BytesIO(data))
    assert ole.exists("Workbook") and not ole.exists("EncryptedPackage")
    return data


def test_old_xls_rejected_with_own_message(home: Paths, tmp_path: Path):
    data = old_xls_bytes(tmp_path)
    name = "bevoelkerung_2022-12-31.xls"
    drop(home, name, data)
    run(home)
    meldungen = assert_rejected(home, name, data, "alten Excel-Format .xls", "als „Excel-Arbeitsmappe (*.xlsx)“ speichern")
    assert "Kennwort" not in meldungen


def test_old_xls_named_xlsx_rejected(home: Paths, tmp_path: Path):
    data = old_xls_bytes(tmp_path)
    drop(home, NAME, data)
    run(home)
    assert_rejected(home, NAME, data, "alten Excel-Format .xls", "auch wenn sie „.xlsx“ heißt", "(*.xlsx)")


def test_empty_workbook_rejected(home: Paths, tmp_path: Path):
    workbook = openpyxl.Workbook()
    workbook.active.title = "Tabelle1"
    workbook.save(tmp_path / "leer.xlsx")
    data = (tmp_path / "leer.xlsx").read_bytes()
    drop(home, NAME, data)
    run(home)
    assert_rejected(home, NAME, data, "Die Arbeitsmappe ist leer", "Blätter: „Tabelle1“", "Datei mit den Daten erneut")


def test_zero_byte_file_rejected(home: Paths):
    drop(home, NAME, b"")
    run(home)
    assert_rejected(home, NAME, b"", "Die Datei ist leer (0 Bytes)", "erneut speichern")


def test_unsupported_extension_rejected(home: Paths):
    name = "bevoelkerung_2022-12-31.pdf"
    data = b"%PDF-1.4\n% Bericht\n"
    drop(home, name, data)
    run(home)
    assert_rejected(home, name, data, "Dateiformat „.pdf“ wird nicht unterstützt", "als .xlsx, .xlsm, .ods oder .csv")


def test_missing_required_column_named(home: Paths, tmp_path: Path):
    data = good_xlsx_bytes(tmp_path, [["Gebiet", "Alter", "Bemerkung"], ["A1", "0-17", "zehn"]])
    drop(home, NAME, data)
    run(home)
    assert_rejected(home, NAME, data, "Pflichtspalte „Anzahl“ fehlt", "Blatt „Daten“, Kopfzeile 1",
                    "Spalte ergänzen oder umbenennen")


def test_future_stichtag_rejected(home: Paths, tmp_path: Path):
    name = "bevoelkerung_2099-12-31.xlsx"
    data = good_xlsx_bytes(tmp_path)
    drop(home, name, data)
    run(home)
    assert_rejected(home, name, data, "Stichtag 31.12.2099 liegt in der Zukunft", "Stichtag", "korrigieren")


# --- Formeln ohne gespeicherten Wert ---------------------------------------------------------------


def test_formula_without_cached_value_rejected(home: Paths, tmp_path: Path):
    # openpyxl schreibt Formeln, berechnet sie aber nicht: <c r="C3"><f>C2*9</f><v/></c>
    rows = [HEADER, ["A1", "0-17", 10], ["A1", "18+", "=C2*9"], ["A2", "0-17", 20], ["A2", "18+", "=SUM(C2:C4)"]]
    data = good_xlsx_bytes(tmp_path, rows)
    drop(home, NAME, data)
    run(home)
    assert_rejected(home, NAME, data, "Blatt „Daten“, Zellen C3, C5: Formeln ohne gespeicherten Wert",
                    "in Excel (oder LibreOffice) öffnen, neu berechnen (F9) und speichern")


def rewrite_sheet(data: bytes, change) -> bytes:
    """Die Arbeitsmappe mit geändertem XML des ersten Blatts neu packen."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = change(content)
            target.writestr(info.filename, content)
    return out.getvalue()


def test_formula_with_cached_value_loads(home: Paths, tmp_path: Path):
    # wie von Excel gespeichert: Formel mit Ergebnis; dazu eine Formel mit leerem Text als Ergebnis (t="str")
    rows = [[*HEADER, "Hinweis"], ["A1", "0-17", 10, '=""'], ["A1", "18+", "=C2*9"], ["A2", "0-17", 20]]
    xml_fixed = rewrite_sheet(
        good_xlsx_bytes(tmp_path, rows),
        lambda xml: xml.replace(b"<f>C2*9</f><v />", b"<f>C2*9</f><v>90</v>")
        .replace(b'<c r="D2"><f>""</f><v />', b'<c r="D2" t="str"><f>""</f><v></v>'),
    )
    assert b"<v>90</v>" in zipfile.ZipFile(io.BytesIO(xml_fixed)).read("xl/worksheets/sheet1.xml")
    drop(home, NAME, xml_fixed)
    run(home)
    assert_loaded(home, NAME, xml_fixed)
    assert loaded_cells(home) == {("A1", 0, 17): 10, ("A1", 18, None): 90, ("A2", 0, 17): 20}
    assert quarantined(home) == []


# --- ZIP-Bombe: abgelehnt, bevor etwas entpackt wird -------------------------------------------------


def bomb(valid: bytes, padding_mb: int) -> bytes:
    """Gültige Arbeitsmappe, deren Blatt-XML `padding_mb` MB Leerzeichen enthält (gepackt nur wenige KB)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(valid)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info.filename, content)
                continue
            head, tail = content.split(b"<sheetData>", 1)
            with target.open(info.filename, "w") as handle:  # blockweise: der Test bleibt leicht
                handle.write(head + b"<sheetData>")
                block = b" " * (1 << 20)
                for _ in range(padding_mb):
                    handle.write(block)
                handle.write(tail)
    return out.getvalue()


def test_zip_bomb_rejected_before_parsing(home: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SOZIAL_DWH_MAX_ENTPACKT_MB", "5")
    data = bomb(good_xlsx_bytes(tmp_path), padding_mb=50)
    assert len(data) < 1024 * 1024  # gepackt klein, entpackt über 50 MB
    drop(home, NAME, data)
    run(home)
    # die Meldung stammt aus dem Inhaltsverzeichnis der ZIP-Datei (entpackte Größe), nicht vom Leser
    meldungen = assert_rejected(home, NAME, data, "entpackt 50,0 MB groß", "Grenze von 5,0 MB",
                                "SOZIAL_DWH_MAX_ENTPACKT_MB", "wurde nicht geöffnet")
    assert "lässt sich nicht öffnen" not in meldungen


def test_absurd_compression_ratio_rejected(home: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("SOZIAL_DWH_MAX_ENTPACKT_MB", raising=False)  # Standardgrenze 500 MB greift nicht
    data = bomb(good_xlsx_bytes(tmp_path), padding_mb=30)
    drop(home, NAME, data)
    run(home)
    assert_rejected(home, NAME, data, "„xl/worksheets/sheet1.xml“", "entpackt 30,0 MB", "ZIP-Bombe",
                    "wurde nicht geöffnet")


def test_same_bomb_below_limit_would_be_read(home: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Gegenprobe: dieselbe Bauart mit wenig Füllung ist eine gültige Arbeitsmappe und wird geladen."""
    monkeypatch.setenv("SOZIAL_DWH_MAX_ENTPACKT_MB", "5")
    data = bomb(good_xlsx_bytes(tmp_path), padding_mb=1)
    drop(home, NAME, data)
    run(home)
    assert_loaded(home, NAME, data)
    assert sum(loaded_cells(home).values()) == 120


def test_oversized_csv_rejected(home: Paths, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SOZIAL_DWH_MAX_ENTPACKT_MB", "1")
    name = "bevoelkerung_2022-12-31.csv"
    data = ("Gebiet;Alter;Anzahl\r\n" + "A1;0-17;10\r\n" * 200_000).encode("utf-8")  # 2,3 MB
    drop(home, name, data)
    run(home)
    assert_rejected(home, name, data, "Die CSV-Datei ist 2,3 MB groß", "Grenze von 1,0 MB", "SOZIAL_DWH_MAX_ENTPACKT_MB")


# --- Zeilenebene: Zeilen in Quarantäne, der Rest wird geladen ----------------------------------------


def row_fault(home: Paths, tmp_path: Path, extra: list[object]) -> tuple[str, list[tuple]]:
    data = good_xlsx_bytes(tmp_path, [*GOOD_ROWS, extra])
    drop(home, NAME, data)
    summary = run(home)
    assert summary.geladen == [NAME] and summary.quarantaene_zeilen == 1
    meldungen = assert_loaded(home, NAME, data)
    # die drei gültigen Zeilen: A1 0–17 = 10, A1 18+ = 90, A2 0–17 = 20
    assert loaded_cells(home) == {("A1", 0, 17): 10, ("A1", 18, None): 90, ("A2", 0, 17): 20}
    assert query(home, "select zeilen_geladen, zeilen_quarantaene from ops.dateien") == [(3, 1)]
    return meldungen, quarantined(home)


def test_unknown_area_quarantined_rest_loaded(home: Paths, tmp_path: Path):
    meldungen, rows = row_fault(home, tmp_path, ["Z9", "18+", 5])
    assert len(rows) == 1
    blatt, zeile, spalte, grund, wert = rows[0]
    assert (blatt, zeile, spalte, wert) == ("Daten", 5, "A", "Z9")
    assert "Z9" in grund and "unbekannt" in grund
    assert "Blatt „Daten“, Zeile 5, Spalte A:" in meldungen and "Z9" in meldungen


def test_negative_count_quarantined(home: Paths, tmp_path: Path):
    meldungen, rows = row_fault(home, tmp_path, ["A2", "18+", -3])
    assert [r[:3] for r in rows] == [("Daten", 5, "C")]
    assert "negativ" in rows[0][3] and "0 oder größer" in rows[0][3]
    assert "Blatt „Daten“, Zeile 5, Spalte C: Anzahl:" in meldungen


def test_non_numeric_count_quarantined(home: Paths, tmp_path: Path):
    meldungen, rows = row_fault(home, tmp_path, ["A2", "18+", "viele"])
    assert [r[:3] for r in rows] == [("Daten", 5, "C")]
    assert rows[0][3].startswith("Anzahl:") and rows[0][4] == "viele"
    assert "Blatt „Daten“, Zeile 5, Spalte C" in meldungen and "„viele“" in meldungen


def test_duplicate_cube_cell_second_quarantined(home: Paths, tmp_path: Path):
    # A1 0–17 steht schon in Zeile 2 mit 10; die Wiederholung mit 11 in Zeile 5 wird zurückgehalten
    meldungen, rows = row_fault(home, tmp_path, ["A1", "0 bis 17", 11])
    assert [r[:3] for r in rows] == [("Daten", 5, "C")]
    assert "doppelt" in rows[0][3] and "schon in Zeile 2" in rows[0][3] and "die erste gilt" in rows[0][3]
    assert rows[0][4] == "11"
    assert "Blatt „Daten“, Zeile 5, Spalte C: Dieselbe Zelle steht doppelt" in meldungen


# --- Dateien, die beim Start des Laufs noch geschrieben werden ---------------------------------------


def test_file_still_being_written_is_skipped_then_loaded(home: Paths, tmp_path: Path):
    data = good_xlsx_bytes(tmp_path)
    path = home.inbox / NAME
    path.write_bytes(data[:1000])  # das kopierende Programm hat erst den Anfang geschrieben (Änderungszeit: jetzt)

    def copy_goes_on(seconds: float) -> None:  # während der Prüfpause schreibt es weiter
        with path.open("ab") as handle:
            handle.write(data[1000:])

    progress: list[str] = []
    summary = run(home, pause_s=0.5, sleep=copy_goes_on, progress=progress.append)
    assert summary.in_arbeit == [NAME] and not summary.geladen and not summary.abgelehnt
    assert summary.in_arbeit_meldungen[0].startswith(f"{NAME}: wird noch geschrieben (Größe 1.000 → ")
    assert "beim nächsten Lauf geladen" in summary.in_arbeit_meldungen[0]
    assert any(NAME in line and "wird noch geschrieben" in line for line in progress)
    # nichts registriert, nichts verschoben: die Datei liegt unverändert im Eingang
    assert query(home, "select count(*) from ops.dateien") == [(0,)]
    assert path.read_bytes() == data
    assert not any(home.rejected.iterdir()) and not (home.archive / "bevoelkerung").exists()

    # nächster Lauf: die Datei ist fertig (und ändert sich nicht mehr) -> geladen
    age(path)
    summary = run(home, pause_s=0.5, sleep=lambda seconds: None)
    assert summary.geladen == [NAME] and summary.in_arbeit == []
    assert_loaded(home, NAME, data)
    assert sum(loaded_cells(home).values()) == 120


def test_recent_but_finished_file_loaded_in_same_run(home: Paths, tmp_path: Path):
    data = good_xlsx_bytes(tmp_path)
    (home.inbox / NAME).write_bytes(data)  # gerade eben geschrieben, ändert sich aber nicht mehr
    waited: list[float] = []
    summary = run(home, pause_s=0.05, sleep=lambda s: (waited.append(s), time.sleep(s)))
    assert waited == [0.05]  # die zweite Prüfung hat stattgefunden
    assert summary.geladen == [NAME] and summary.in_arbeit == []
    assert_loaded(home, NAME, data)


def test_file_open_in_excel_is_skipped(home: Paths, tmp_path: Path):
    data = good_xlsx_bytes(tmp_path)
    path = drop(home, NAME, data)
    lock = home.inbox / f"~${NAME}"  # Excels Besitzerdatei, solange die Mappe geöffnet ist
    lock.write_bytes(b"\x0bStatistikstelle" + b" " * 40)
    summary = run(home)
    assert summary.in_arbeit == [NAME] and not summary.geladen and not summary.abgelehnt
    assert f"Sperrdatei „~${NAME}“" in summary.in_arbeit_meldungen[0]
    assert "beim nächsten Lauf geladen" in summary.in_arbeit_meldungen[0]
    assert query(home, "select count(*) from ops.dateien") == [(0,)]
    assert path.read_bytes() == data and lock.exists()

    lock.unlink()  # Excel geschlossen
    summary = run(home)
    assert summary.geladen == [NAME]
    assert_loaded(home, NAME, data)


def test_valid_file_loads_with_hand_computed_numbers(home: Paths, tmp_path: Path):
    """Gegenprobe zu allen obigen: die unveränderte Datei wird geladen."""
    data = good_xlsx_bytes(tmp_path)
    drop(home, NAME, data)
    run(home)
    meldungen = assert_loaded(home, NAME, data)
    assert "Blatt „Daten“, Kopfzeile 1, Layout lang: 3 Zellen gelesen." in meldungen
    assert loaded_cells(home) == {("A1", 0, 17): 10, ("A1", 18, None): 90, ("A2", 0, 17): 20}
    assert quarantined(home) == []


def test_same_bytes_under_another_name_not_loaded_twice_but_reported(home: Paths, tmp_path: Path):
    data = good_xlsx_bytes(tmp_path)
    drop(home, "bevoelkerung_2022-12-31.xlsx", data)
    run(home)
    copy = "bevoelkerung_2022-12-31 (Kopie).xlsx"
    drop(home, copy, data)
    summary = run(home)
    assert summary.doppelt == [copy]
    assert "byte-gleich" in summary.doppelt_meldungen[0] and "bevoelkerung_2022-12-31.xlsx" in summary.doppelt_meldungen[0]
    assert not any(home.inbox.iterdir())  # die gleiche Kopie liegt im Archiv
    assert sha((home.archive / "bevoelkerung" / "bevoelkerung_2022-12-31.xlsx").read_bytes()) == sha(data)
    # nicht noch einmal geladen, aber registriert (jede gesehene Datei steht im Register) und abgelehnt mit dem Namen
    # der früheren Datei; die Bytes liegen wie bei jeder Ablehnung auch in rejected/, mit Fehlerbericht
    rows = dateien(home)
    assert [(r[0], r[1], r[5]) for r in rows] == [("bevoelkerung_2022-12-31.xlsx", "geladen", "bevoelkerung"),
                                                  (copy, "abgelehnt", "bevoelkerung")]
    assert rows[1][2] == rows[0][2] == sha(data) == sha((home.rejected / copy).read_bytes())
    assert Path(rows[1][3]) == home.rejected / copy
    assert "byte-gleich mit der schon geladenen Datei „bevoelkerung_2022-12-31.xlsx“ (Nr. 1," in rows[1][4]
    assert "nicht noch einmal geladen" in (home.rejected / f"{copy}.fehler.txt").read_text(encoding="utf-8")
    assert sum(loaded_cells(home).values()) == 120  # einmal geladen, nicht zweimal
