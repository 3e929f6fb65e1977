"""Eine schlechte Datei hält nie die anderen oder einen späteren Lauf auf (architektur.md §5.1, §9; Issue „Numbers you can
trust“, Klassen 10 und 11).

Jeder Test legt echte Einträge in den Eingang – Dateien (xlsx über openpyxl oder von Hand gepackt, ods, csv),
Verknüpfungen, Ordner, Pipes – und lässt die echte Verarbeitung laufen (`ingest_inbox` gegen eine temporäre DuckDB,
ein echter Dagster-Lauf oder `sozial-dwh run` im Unterprozess). Geprüft werden
  (a) die deutsche Meldung (was, wo, was tun) im Register und im Fehlerbericht,
  (b) die aufbewahrten Bytes (SHA-256 der Kopie) – bei Verknüpfungen, Pipes und Geräten, dass nichts gelesen wurde,
  (c) die Zeile in `ops.dateien`,
  (d) dass die andere, gute Datei desselben Laufs mit von Hand nachgerechneten Zahlen geladen ist,
  (e) dass ein zweiter Lauf gelingt.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import textwrap
import zipfile
import zlib
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import pytest

from pipelines.bench_bombe import lying_bomb
from pipelines.runner import run_all
from sozial_dwh import warehouse
from sozial_dwh.config import REPO_ROOT, Paths
from sozial_dwh.ingest import IngestSummary, Lieferung, erkenne_lieferung, ingest_inbox, inspect_file
from sozial_dwh.readers.workbook import read_sheets
from sozial_dwh.reference import GebietMatcher, load_gebiete
from tests.fixtures import write_ods, write_xlsx
from tests.test_bad_input import HEADER, drop, good_xlsx_bytes, query, run, sha

GOOD = "bevoelkerung_2022-12-31.xlsx"
# die gute Datei jedes Laufs: A1 0–17 = 10, A1 18+ = 90, A2 0–17 = 20
GOOD_CELLS = {("A1", 0, 17): 10, ("A1", 18, None): 90, ("A2", 0, 17): 20}
NEXT = "bevoelkerung_2021-12-31.xlsx"
NEXT_ROWS = [HEADER, ["A1", "0-17", 11], ["A2", "0-17", 22]]
NEXT_CELLS = {("A1", 0, 17): 11, ("A2", 0, 17): 22}
MARKE = b"DIESE BYTES DARF NIEMAND LESEN\n"


# --- Hilfen --------------------------------------------------------------------------------------


def row(home: Paths, name: str) -> dict:
    rows = query(home, "select status, sha256, ablage, meldungen, quelle, stichtag, groesse_bytes from ops.dateien "
                       "where dateiname = ? order by datei_id", [name])
    assert len(rows) == 1, (name, rows)
    keys = ("status", "sha256", "ablage", "meldungen", "quelle", "stichtag", "groesse_bytes")
    return dict(zip(keys, rows[0], strict=True))


def cells_of(home: Paths, name: str) -> dict[tuple, int]:
    rows = query(home, "select r.gebiet_id, r.alter_von, r.alter_bis, r.anzahl from raw.bevoelkerung as r "
                       "join ops.dateien as d using (datei_id) where d.dateiname = ?", [name])
    return {(g, von, bis): n for g, von, bis, n in rows}


def report_of(ablage: str | Path) -> str:
    path = Path(ablage)
    return path.with_name(path.name + ".fehler.txt").read_text(encoding="utf-8")


def assert_rejected(home: Paths, name: str, *words: str) -> dict:
    """Registriert als abgelehnt, Fehlerbericht mit Originalnamen und allen Wörtern; gibt die Registerzeile zurück."""
    entry = row(home, name)
    assert entry["status"] == "abgelehnt"
    text = report_of(entry["ablage"])
    print(f"\n--- Fehlerbericht für {name!r} ---\n{text}")  # so liest ihn die Statistikstelle (pytest -s)
    assert f"Datei: {name}" in text and "Ergebnis: abgelehnt" in text and "Was ist zu tun:" in text
    for word in words:
        assert word in entry["meldungen"] or word in text, (word, text)
    return entry


def drop_good(home: Paths, tmp_path: Path) -> bytes:
    return drop(home, GOOD, good_xlsx_bytes(tmp_path)).read_bytes()


def assert_good_loaded(home: Paths, data: bytes) -> None:
    entry = row(home, GOOD)
    assert entry["status"] == "geladen" and entry["quelle"] == "bevoelkerung"
    assert entry["sha256"] == sha(data) == sha((home.archive / "bevoelkerung" / GOOD).read_bytes())
    assert cells_of(home, GOOD) == GOOD_CELLS


def second_run_ok(home: Paths, tmp_path: Path, **kwargs) -> IngestSummary:
    """Der nächste Lauf: eine weitere gute Datei wird geladen, nichts von vorher wird erneut registriert."""
    before = query(home, "select count(*) from ops.dateien")[0][0]
    drop(home, NEXT, good_xlsx_bytes(tmp_path, NEXT_ROWS))
    summary = run(home, **kwargs)
    assert summary.geladen == [NEXT] and summary.abgelehnt == []
    assert cells_of(home, NEXT) == NEXT_CELLS
    assert query(home, "select count(*) from ops.dateien")[0][0] == before + 1
    assert not any(home.inbox.iterdir())
    return summary


def matcher(home: Paths) -> GebietMatcher:
    return GebietMatcher(load_gebiete(home.reference))


def repack(data: bytes, part: str, change) -> bytes:
    """Arbeitsmappe mit geänderter XML eines Teils neu packen."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            target.writestr(info.filename, change(content) if info.filename == part else content)
    return out.getvalue()


def with_cells(data: bytes, xml: bytes) -> bytes:
    """Die gute Arbeitsmappe mit zusätzlichen Zeilen/Zellen (roh, wie ein anderes Programm sie schreibt)."""
    return repack(data, "xl/worksheets/sheet1.xml", lambda content: content.replace(b"</sheetData>", xml + b"</sheetData>"))


# --- Dateiname länger, als das Dateisystem erlaubt ---------------------------------------------------------


def long_name(prefix: str, suffix: str, total_bytes: int = 250) -> str:
    name = prefix
    while len((name + "ä" + suffix).encode()) <= total_bytes:
        name += "ä"
    name += "_" * (total_bytes - len((name + suffix).encode()))
    assert len((name + suffix).encode()) == total_bytes
    return name + suffix


def test_name_of_250_bytes_rejected_under_short_stored_name(home: Paths, tmp_path: Path):
    # 250 Bytes (Umlaute: 2 Bytes je Zeichen) – „<name>.fehler.txt“ wären 261 Bytes, mehr als NAME_MAX (255)
    name = long_name("bevoelkerung_2022-12-31_Übersicht_Ämter_", ".xlsx")
    bad = drop(home, name, good_xlsx_bytes(tmp_path, [["Gebiet", "Alter", "Bemerkung"], ["A1", "0-17", "zehn"]]))
    data = bad.read_bytes()
    good = drop_good(home, tmp_path)

    summary = run(home)

    assert summary.abgelehnt == [name] and summary.geladen == [GOOD]
    entry = assert_rejected(home, name, "Pflichtspalte „Anzahl“ fehlt", "Abgelegt als:", "gekürzt")
    stored = Path(entry["ablage"])
    # kurz genug für den Fehlerbericht daneben, Endung bleibt, ein kurzer Prüfsummen-Anhang macht ihn eindeutig
    assert stored.parent == home.rejected and stored.suffix == ".xlsx"
    assert len(os.fsencode(stored.name + ".fehler.txt")) <= 255
    assert sha(data)[:12] in stored.name and stored.name.startswith("bevoelkerung_2022-12-31_Übersicht_Ämter_ää")
    assert entry["sha256"] == sha(data) == sha(stored.read_bytes())
    assert f"Abgelegt als: {stored.name}" in report_of(stored)
    assert_good_loaded(home, good)
    second_run_ok(home, tmp_path)


def test_loaded_file_with_long_name_archived_under_short_name(home: Paths, tmp_path: Path):
    name = long_name("bevoelkerung_2022-12-31_", ".xlsx", total_bytes=255)
    data = drop(home, name, good_xlsx_bytes(tmp_path)).read_bytes()
    summary = run(home)
    assert summary.geladen == [name]
    entry = row(home, name)  # im Register der ursprüngliche Name
    stored = Path(entry["ablage"])
    assert entry["status"] == "geladen" and stored.parent == home.archive / "bevoelkerung"
    assert stored.name != name and stored.suffix == ".xlsx" and sha(data)[:12] in stored.name
    assert sha(stored.read_bytes()) == sha(data)
    assert cells_of(home, name) == GOOD_CELLS
    second_run_ok(home, tmp_path)


# --- Eine Zelle weit außerhalb der Tabelle ---------------------------------------------------------------


def stray_cell_xlsx(tmp_path: Path) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Daten"
    for values in [HEADER, ["A1", "0-17", 10], ["A1", "18+", 90], ["A2", "0-17", 20]]:
        sheet.append(values)
    sheet["XFD1048576"] = "x"  # versehentlich: Strg+Ende, ein Buchstabe, Speichern
    workbook.save(tmp_path / "streu.xlsx")
    return (tmp_path / "streu.xlsx").read_bytes()


def test_stray_cell_at_xfd1048576_rejected_before_reading(home: Paths, tmp_path: Path):
    data = stray_cell_xlsx(tmp_path)
    assert len(data) < 8 * 1024  # eine kleine Datei – python-calamine legte 16.384 × 1.048.576 Zellen an (512 GiB)
    name = "bevoelkerung_2020-12-31.xlsx"
    path = drop(home, name, data)
    # die Erkennung vor dem Lauf (Sensor, Stichtage im Eingang) öffnet nur das Blatt „Info“ bzw. liest den Namen
    assert erkenne_lieferung(path, matcher(home), inhalt=True) == Lieferung("bevoelkerung", (dt.date(2020, 12, 31),))
    good = drop_good(home, tmp_path)

    summary = run(home)

    assert summary.abgelehnt == [name] and summary.geladen == [GOOD]
    entry = assert_rejected(
        home, name, "Blatt „Daten“ reicht bis Zelle XFD1048576", "16.384 Spalten × 1.048.576 Zeilen",
        "17.179.869.184 Zellen", "Grenze von 30.000.000 Zellen", "SOZIAL_DWH_MAX_ZELLEN",
        "versehentliche Eingabe", "Bitte die Zelle XFD1048576 löschen", "Strg+Ende")
    assert entry["sha256"] == sha(data) == sha(Path(entry["ablage"]).read_bytes())
    assert_good_loaded(home, good)
    second_run_ok(home, tmp_path)


# So schreiben andere Programme Zellen (python-calamine liest alle): ohne Bezug (rechts neben der vorigen, in der
# Zeile ihres <row>), Bezug in einfachen Anführungszeichen, Namensraum-Präfix, andere Reihenfolge der Attribute,
# kleingeschriebener Bezug. Jede Variante spannt dasselbe Rechteck bis XFD1048576 auf.
FAR_CELLS = {
    "ohne_bezug": b'<row r="1048576">' + b"<c/>" * 16383 + b'<c t="n"><v>1</v></c></row>',
    "einfache_anfuehrungszeichen": b"<row r='1048576'><c r='XFD1048576' t='n'><v>1</v></c></row>",
    "praefix": b'<row r="1048576"><x:c xmlns:x="urn:irgendwas" r="XFD1048576" t="n"><x:v>1</x:v></x:c></row>',
    "andere_reihenfolge": b'<row r="1048576"><c t="n" s="0" r="XFD1048576"><v>1</v></c></row>',
    "kleingeschrieben": b'<row r="1048576"><c r="xfd1048576" t="n"><v>1</v></c></row>',
    "leerer_text": b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t></t></is></c></row>',
}


@pytest.mark.parametrize("variant", sorted(FAR_CELLS))
def test_far_cell_found_however_the_xml_is_written(home: Paths, tmp_path: Path, variant: str):
    path = tmp_path / GOOD
    path.write_bytes(with_cells(good_xlsx_bytes(tmp_path), FAR_CELLS[variant]))
    verdict = inspect_file(path, matcher(home))
    assert len(verdict.fehler) == 1, verdict.fehler
    assert verdict.fehler[0].startswith("Blatt „Daten“ reicht bis Zelle XFD1048576:"), verdict.fehler


@pytest.mark.parametrize("xml", [
    b'<row r="40"><c r="A40" s="1"/><c r="XFD40" s="1"/></row>',  # nur formatiert, ohne Wert: liest calamine nicht
    b'<row r="1048576" customHeight="1" ht="20"/>',  # leere, aber formatierte Zeile ganz unten
], ids=["formatierte_leere_zelle", "formatierte_leere_zeile"])
def test_formatted_empty_cells_far_out_do_not_count(home: Paths, tmp_path: Path, xml: bytes):
    path = tmp_path / GOOD
    path.write_bytes(with_cells(good_xlsx_bytes(tmp_path), xml))
    verdict = inspect_file(path, matcher(home))
    assert verdict.ok, verdict.fehler
    assert sorted(r["anzahl"] for r in verdict.result.records) == [10, 20, 90]


def test_cell_limit_configurable_and_applies_to_all_sheets_together(home: Paths, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch):
    """python-calamine hält alle gelesenen Blätter zugleich: die Grenze gilt je Blatt und für alle zusammen."""
    rows = [HEADER, *[[f"A{i % 2 + 1}", f"{i}-{i}", i] for i in range(29)]]  # 30 Zeilen × 3 Spalten = 90 Zellen
    path = write_xlsx(tmp_path / GOOD, {"Daten": rows})
    two = write_xlsx(tmp_path / "zwei.xlsx", {"Daten": rows, "Kopie": rows})
    monkeypatch.setenv("SOZIAL_DWH_MAX_ZELLEN", "100")
    assert inspect_file(path, matcher(home)).ok
    fehler = inspect_file(two, matcher(home)).fehler
    assert fehler == [
        "Die Blätter „Daten“ (A1:C30, 90 Zellen), „Kopie“ (A1:C30, 90 Zellen) spannen zusammen 180 Zellen auf, mehr "
        "als die Grenze von 100 Zellen (einstellbar mit SOZIAL_DWH_MAX_ZELLEN); beim Lesen stünden sie alle zugleich "
        "im Speicher. Die Datei wurde nicht geöffnet. Bitte prüfen, ob versehentlich Werte weit außerhalb der Tabellen "
        "stehen (Strg+Ende springt zur letzten benutzten Zelle eines Blatts) und sie löschen, oder die Blätter auf "
        "mehrere Dateien verteilen; dann erneut in den Eingangsordner legen."]
    monkeypatch.setenv("SOZIAL_DWH_MAX_ZELLEN", "80")
    fehler = inspect_file(path, matcher(home)).fehler
    assert fehler and fehler[0].startswith("Blatt „Daten“ reicht bis Zeile 30 (Zelle A30) und bis Spalte C "
                                           "(Zelle C1): vom ersten bis zum letzten Wert sind das 3 Spalten × 30 Zeilen "
                                           "= 90 Zellen (Bereich A1:C30), mehr als die Grenze von 80 Zellen")


def test_wide_and_deep_real_tables_pass_the_default_limit(tmp_path: Path):
    """Gegenprobe: 40 Spalten (bis AN) und 12.000 Zeilen (fünfstellige Zeilennummern) sind eine echte Tabelle; die
    Schranke aus den längsten Bezügen (702 × 99.999) reicht hier nicht, das Rechteck wird genau gezählt."""
    rows = [[f"Spalte {c}" for c in range(40)], *[[r, *range(39)] for r in range(12_000)]]
    path = write_xlsx(tmp_path / "breit.xlsx", {"Daten": rows})
    (sheet,) = read_sheets(path)
    last = list(sheet.iter_rows())[-1]
    assert last[0] == 11_999 and last[-1] == 38 and len(last) == 40


# --- ods: Wiederholungen weit hinaus ---------------------------------------------------------------------------


def ods_with(path: Path, extra_rows: str) -> Path:
    """Die gute Tabelle als .ods, mit zusätzlichen Zeilen (roh, z. B. mit number-rows-repeated)."""
    write_ods(path, {"Daten": [HEADER, ["A1", "0-17", 10], ["A1", "18+", 90], ["A2", "0-17", 20]]})
    path.write_bytes(repack(path.read_bytes(), "content.xml", lambda content: content.replace(
        b"</table:table>", extra_rows.encode() + b"</table:table>")))
    return path


EMPTY_TO_THE_END = ('<table:table-row table:number-rows-repeated="1048572">'
                    '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>')
VALUE_FAR_OUT = ('<table:table-row table:number-rows-repeated="1048571">'
                 '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
                 '<table:table-row><table:table-cell table:number-columns-repeated="16383"/>'
                 '<table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>'
                 "</table:table-row>")


def test_ods_value_far_out_rejected_empty_repeats_loaded(home: Paths, tmp_path: Path):
    """LibreOffice schreibt leere Zeilen und Spalten bis ans Blattende als Wiederholung: das ist kein Rechteck.
    Ein Wert dahinter schon (python-calamine bräche mit englischer Meldung ab: „Cell limit exceeded“)."""
    name = "bevoelkerung_2020-12-31.ods"
    bad = ods_with(home.inbox / name, VALUE_FAR_OUT)
    data = bad.read_bytes()
    good = ods_with(home.inbox / "bevoelkerung_2022-12-31.ods", EMPTY_TO_THE_END)
    good_data = good.read_bytes()
    for path in (bad, good):
        os.utime(path, (0, 0))

    summary = run(home)

    assert summary.abgelehnt == [name] and summary.geladen == [good.name]
    entry = assert_rejected(home, name, "Blatt „Daten“ reicht bis Zelle XFD1048576",
                            "16.384 Spalten × 1.048.576 Zeilen", "Bitte die Zelle XFD1048576 löschen")
    assert entry["sha256"] == sha(data) == sha(Path(entry["ablage"]).read_bytes())
    assert cells_of(home, good.name) == GOOD_CELLS
    assert row(home, good.name)["sha256"] == sha(good_data)
    second_run_ok(home, tmp_path)


# --- ZIP-Bombe mit falschen Größenangaben ---------------------------------------------------------------------


def test_zip_bomb_with_lying_sizes_rejected_before_reading(home: Paths, tmp_path: Path):
    data = lying_bomb(good_xlsx_bytes(tmp_path), gib=64 / 1024)  # 64 MB Leerzeichen mehr als angegeben
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml")
    assert info.file_size < 2048 and len(data) < 200 * 1024  # laut Inhaltsverzeichnis klein, gepackt klein
    packed = data[info.header_offset + 30 + len(info.filename):][:info.compress_size]
    assert len(zlib.decompressobj(-15).decompress(packed)) > 64 * 1024 * 1024  # tatsächlich über 64 MB
    name = "bevoelkerung_2020-12-31.xlsx"
    drop(home, name, data)
    good = drop_good(home, tmp_path)

    summary = run(home)

    assert summary.abgelehnt == [name] and summary.geladen == [GOOD]
    entry = assert_rejected(home, name, "„xl/worksheets/sheet1.xml“", "laut Inhaltsverzeichnis der ZIP-Datei entpackt",
                            "tatsächlich aber mehr", "abgebrochen", "ZIP-Bombe", "wurde nicht geöffnet")
    assert "lässt sich nicht öffnen" not in entry["meldungen"]  # nicht erst python-calamine hat es gemerkt
    assert entry["sha256"] == sha(data) == sha(Path(entry["ablage"]).read_bytes())
    assert_good_loaded(home, good)
    second_run_ok(home, tmp_path)


# --- Verknüpfungen, Ordner, Pipes, Geräte -------------------------------------------------------------------


def marked_fifo(path: Path) -> tuple[int, int]:
    """Eine Pipe mit Inhalt: (Leseseite, Schreibseite), beide offen. Liest jemand anderes daraus, fehlt die Marke."""
    os.mkfifo(path)
    reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    writer = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    os.write(writer, MARKE)
    return reader, writer


def assert_fifo_unread(reader: int, writer: int) -> None:
    try:
        assert os.read(reader, 4096) == MARKE  # noch alles da: niemand hat gelesen
    finally:
        os.close(reader)
        os.close(writer)


@pytest.mark.parametrize("target", ["/etc/passwd", "pipe"], ids=["passwd", "pipe"])
def test_symlink_registered_and_rejected_as_link_target_never_read(home: Paths, tmp_path: Path, target: str):
    name = "bevoelkerung_2020-12-31.xlsx"
    fifo = None
    if target == "pipe":
        target = str(tmp_path / "pipe")
        fifo = marked_fifo(Path(target))
    before = Path(target).lstat()
    (home.inbox / name).symlink_to(target)
    good = drop_good(home, tmp_path)

    summary = run(home)

    assert summary.abgelehnt == [name] and summary.geladen == [GOOD]
    entry = assert_rejected(home, name, f"„{name}“ ist keine Datei, sondern eine Verknüpfung (symbolischer Link) "
                                        f"auf „{target}“", "weder gelesen noch kopiert",
                            "die Datei selbst (keine Verknüpfung darauf)")
    # registriert mit der Prüfsumme des Link-Texts; abgelegt wird die Verknüpfung selbst, keine Kopie des Ziels
    assert entry["sha256"] == sha(target.encode()) and entry["quelle"] is None
    stored = Path(entry["ablage"])
    assert stored == home.rejected / name and stored.is_symlink() and os.readlink(stored) == target
    assert not (home.inbox / name).exists() and not (home.inbox / name).is_symlink()
    assert Path(target).lstat().st_ino == before.st_ino
    if fifo:
        assert_fifo_unread(*fifo)
    assert_good_loaded(home, good)
    second_run_ok(home, tmp_path)


def test_folder_registered_rejected_and_moved_with_its_content(home: Paths, tmp_path: Path):
    folder = home.inbox / "Lieferung Mai"
    (folder / "alt").mkdir(parents=True)
    inner = {
        "bevoelkerung_2020-12-31.xlsx": good_xlsx_bytes(tmp_path),
        "sgb2_2020-12-31.csv": "Gebiet;BG\r\nA1;3\r\n".encode("cp1252"),
        "alt/notiz.txt": "Bitte prüfen".encode(),
    }
    for relative, content in inner.items():
        (folder / relative).write_bytes(content)
    (folder / "verweis").symlink_to("/etc/passwd")
    good = drop_good(home, tmp_path)

    summary = run(home)

    assert summary.abgelehnt == ["Lieferung Mai"] and summary.geladen == [GOOD]
    entry = assert_rejected(home, "Lieferung Mai", "„Lieferung Mai“ ist ein Ordner (3 Dateien",
                            "z. B. „bevoelkerung_2020-12-31.xlsx“, „sgb2_2020-12-31.csv“, „alt/notiz.txt“",
                            "keine Datei", "Dateien in Unterordnern des Eingangs werden nicht gelesen",
                            "direkt in den Eingangsordner legen, nicht in einen Unterordner",
                            "mit seinem ganzen Inhalt unverändert")
    moved = Path(entry["ablage"])
    assert moved == home.rejected / "Lieferung Mai" and moved.is_dir() and not folder.exists()
    for relative, content in inner.items():  # nichts verloren, nichts verändert
        assert sha((moved / relative).read_bytes()) == sha(content)
    assert os.readlink(moved / "verweis") == "/etc/passwd"
    assert entry["sha256"] == "" and entry["quelle"] is None
    assert query(home, "select count(*) from ops.dateien where dateiname like '%2020-12-31%'") == [(0,)]
    assert_good_loaded(home, good)
    second_run_ok(home, tmp_path)


def _make_special(path: Path, kind: str):
    if kind == "pipe":
        return marked_fifo(path)
    if kind == "socket":
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        # relativ zum Ordner: ein Socket-Pfad darf höchstens 107 Bytes lang sein (unter pytest-xdist sind die
        # temporären Ordner länger)
        with contextlib.chdir(path.parent):
            server.bind(path.name)
        return server
    if os.geteuid() != 0:
        pytest.skip("Gerätedateien kann nur root anlegen (mknod); Pipe und Socket prüfen denselben Weg")
    os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # wie /dev/zero: Lesen endete nie
    return None


@pytest.mark.parametrize("kind,wording", [
    ("pipe", "eine benannte Pipe (FIFO)"), ("socket", "ein Socket"), ("device", "eine Gerätedatei"),
])
def test_pipe_socket_device_never_opened_registered_and_rejected(home: Paths, tmp_path: Path, kind: str, wording: str):
    name = "bevoelkerung_2020-12-31.csv"
    handle = _make_special(home.inbox / name, kind)
    mode = (home.inbox / name).lstat().st_mode
    good = drop_good(home, tmp_path)

    summary = run(home)

    assert summary.abgelehnt == [name] and summary.geladen == [GOOD]
    entry = assert_rejected(home, name, f"„{name}“ ist keine gewöhnliche Datei, sondern {wording}",
                            "Sie wurde nicht geöffnet", "nur Dateien (.xlsx, .xlsm, .ods, .csv)")
    moved = Path(entry["ablage"])
    assert moved == home.rejected / name and moved.lstat().st_mode == mode  # unverändert verschoben
    assert entry["sha256"] == "" and entry["quelle"] is None
    if kind == "pipe":
        assert_fifo_unread(*handle)
    elif kind == "socket":
        handle.close()
    assert_good_loaded(home, good)
    second_run_ok(home, tmp_path)


# --- Unlesbare Datei und unlesbarer Name ------------------------------------------------------------------

# Der Eingang im eigenen Prozess: als root in einem Benutzer-Namensraum ohne Zuordnung (unshare --user), dort gelten
# die Zugriffsrechte auch für root; sonst direkt.
INGEST = textwrap.dedent("""
    import json, os, sys
    import duckdb
    from sozial_dwh import warehouse
    from sozial_dwh.config import Paths
    from sozial_dwh.ingest import ingest_inbox
    from sozial_dwh.reference import GebietMatcher, load_gebiete
    paths = Paths.from_env()
    with warehouse.connect(paths) as con:
        summary = ingest_inbox(paths, con, GebietMatcher(load_gebiete(paths.reference)), pause_s=0)
    print(json.dumps({"geladen": summary.geladen, "abgelehnt": summary.abgelehnt, "uid": os.geteuid()}))
""")


def ingest_without_privileges() -> dict:
    command = [sys.executable, "-c", INGEST]
    if os.geteuid() == 0:
        assert shutil.which("unshare"), "als root braucht dieser Test unshare (util-linux), um ohne Vorrechte zu lesen"
        command = ["unshare", "--user", *command]
    proc = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, env=dict(os.environ))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_unreadable_file_rejected_with_cause_and_moved_unchanged(home: Paths, tmp_path: Path):
    name = "bevoelkerung_2020-12-31.xlsx"
    data = good_xlsx_bytes(tmp_path)
    path = drop(home, name, data)
    path.chmod(0)
    good = drop_good(home, tmp_path)

    result = ingest_without_privileges()

    assert result["abgelehnt"] == [name] and result["geladen"] == [GOOD]
    entry = assert_rejected(home, name, "Die Datei kann nicht gelesen werden: keine Leseberechtigung",
                            "PermissionError", "Permission denied", "Bitte die Zugriffsrechte prüfen",
                            "das Programm läuft als Benutzer")
    moved = Path(entry["ablage"])
    assert moved == home.rejected / name and not path.exists()
    moved.chmod(0o644)
    assert sha(moved.read_bytes()) == sha(data)  # verschoben, nicht gelesen: die Bytes sind unverändert
    assert entry["sha256"] == ""
    assert_good_loaded(home, good)
    second_run_ok(home, tmp_path)


def test_file_name_not_utf8_rejected_other_file_loaded(home: Paths, tmp_path: Path):
    raw = os.fsdecode(b"bev\xf6lkerung_2020-12-31.xlsx")  # „ö“ in Latin-1, z. B. von einem alten Netzlaufwerk
    data = good_xlsx_bytes(tmp_path)
    drop(home, raw, data)
    good = drop_good(home, tmp_path)

    summary = run(home)

    shown = "bev\ufffdlkerung_2020-12-31.xlsx"
    assert summary.abgelehnt == [shown] and summary.geladen == [GOOD]
    entry = assert_rejected(home, shown, "ist nicht als UTF-8 lesbar", r"b'bev\xf6lkerung_2020-12-31.xlsx'",
                            "Bitte die Datei umbenennen")
    assert entry["sha256"] == sha(data) == sha(Path(entry["ablage"]).read_bytes())
    assert_good_loaded(home, good)
    second_run_ok(home, tmp_path)


# --- Byte-gleich unter dem Namen eines anderen Stichtags -----------------------------------------------------


def test_copy_under_other_stichtag_name_registered_and_rejected_naming_the_loaded_file(home: Paths, tmp_path: Path):
    data = good_xlsx_bytes(tmp_path, [HEADER, ["A1", "0-17", 7], ["A2", "0-17", 8]])
    drop(home, "bevoelkerung_2018-12-31.xlsx", data)
    assert run(home).geladen == ["bevoelkerung_2018-12-31.xlsx"]
    copy = "bevoelkerung_2019-12-31.xlsx"
    drop(home, copy, data)  # versehentlich die Datei von 2018 kopiert und umbenannt
    good = drop_good(home, tmp_path)

    summary = run(home)

    assert summary.doppelt == [copy] and summary.geladen == [GOOD]
    entry = assert_rejected(
        home, copy, "byte-gleich mit der schon geladenen Datei „bevoelkerung_2018-12-31.xlsx“ (Nr. 1, geladen am",
        "Stichtag 31.12.2018", "nicht noch einmal geladen", "Der Dateiname nennt aber den Stichtag 31.12.2019",
        "vermutlich wurde die Datei zum 31.12.2018 kopiert und nur umbenannt",
        "Die gemeinte Datei (die Lieferung zum Stichtag 31.12.2019) in den Eingangsordner legen")
    assert entry["sha256"] == sha(data) == sha(Path(entry["ablage"]).read_bytes())
    assert entry["quelle"] == "bevoelkerung" and entry["stichtag"] == dt.date(2018, 12, 31)
    assert cells_of(home, copy) == {}  # nicht geladen
    assert cells_of(home, "bevoelkerung_2018-12-31.xlsx") == {("A1", 0, 17): 7, ("A2", 0, 17): 8}  # nicht doppelt
    assert query(home, "select count(*) from raw.bevoelkerung where stichtag = '2019-12-31'") == [(0,)]
    assert_good_loaded(home, good)
    second_run_ok(home, tmp_path)


# --- Verschieben erst nach der Übernahme des Laufs -------------------------------------------------------


def test_links_folders_pipes_leave_the_inbox_only_when_the_run_is_promoted(home: Paths, tmp_path: Path):
    (home.inbox / "verweis.xlsx").symlink_to("/etc/passwd")
    (home.inbox / "Ordner").mkdir()
    (home.inbox / "Ordner" / "a.csv").write_text("x", encoding="utf-8")
    os.mkfifo(home.inbox / "pipe.csv")
    good = drop_good(home, tmp_path)
    names = sorted(p.name for p in home.inbox.iterdir())

    def ingest_in_run(run_id: str) -> warehouse.RunCopy:
        copy = warehouse.RunCopy(home, run_id)
        with copy.connect() as con:
            run_summary = ingest_inbox(home, con, matcher(home), pause_s=0, remove=copy.defer_inbox_removal)
        assert run_summary.abgelehnt == ["Ordner", "pipe.csv", "verweis.xlsx"] and run_summary.geladen == [GOOD]
        return copy

    aborted = ingest_in_run("abgebrochen")
    assert sorted(p.name for p in home.inbox.iterdir()) == names  # noch nichts verschoben
    aborted.discard()
    aborted.release()
    assert sorted(p.name for p in home.inbox.iterdir()) == names  # verworfen: alles bleibt für den nächsten Lauf

    promoted = ingest_in_run("uebernommen")
    promoted.promote()
    promoted.release()
    assert not any(home.inbox.iterdir())
    assert (home.rejected / "verweis.xlsx").is_symlink() and (home.rejected / "Ordner" / "a.csv").exists()
    assert stat.S_ISFIFO((home.rejected / "pipe.csv").lstat().st_mode)
    assert [r[0] for r in query(home, "select status from ops.dateien where dateiname in "
                                      "('verweis.xlsx', 'Ordner', 'pipe.csv')")] == ["abgelehnt"] * 3
    assert_good_loaded(home, good)


def test_sensor_starts_a_run_for_a_folder_or_link_without_opening_anything(home: Paths, tmp_path: Path):
    """Liegt nur ein Ordner, eine Verknüpfung oder eine Pipe im Eingang, startet der Sensor trotzdem einen Lauf über
    alle Stichtage (der sie ablehnt) – statt sie stumm liegen zu lassen; gelesen wird dabei nichts."""
    from pipelines.sensors import auswerten

    (home.inbox / "Ordner").mkdir()
    (home.inbox / "verweis.xlsx").symlink_to(tmp_path / "pipe")
    reader, writer = marked_fifo(tmp_path / "pipe")  # das Ziel der Verknüpfung: eine Pipe mit Inhalt
    instance = dg.DagsterInstance.ephemeral()
    ergebnis = auswerten(instance, None, home, jetzt=9e9)
    assert isinstance(ergebnis, dg.SensorResult)
    [anfrage] = ergebnis.run_requests
    assert anfrage.job_name == "alles" and anfrage.tags["sozial_dwh/dateien"] == "Ordner, verweis.xlsx"
    assert isinstance(auswerten(instance, ergebnis.cursor, home, jetzt=9e9), dg.SkipReason)  # gemerkt
    assert_fifo_unread(reader, writer)


@pytest.fixture
def fast_instance(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dg.DagsterInstance, "get", staticmethod(dg.DagsterInstance.ephemeral))


def test_real_run_with_every_kind_of_bad_entry_succeeds(home: Paths, tmp_path: Path, fast_instance):
    """Ein ganzer Lauf (Job „alles“ wie `sozial-dwh run`): vor dem Lauf werden die Stichtage im Eingang erkannt
    (auch an der Datei mit der Streuzelle), dann alles abgelehnt außer der guten Datei, und der Lauf gelingt."""
    drop(home, "bevoelkerung_2020-12-31.xlsx", stray_cell_xlsx(tmp_path))
    (home.inbox / "bevoelkerung_2019-12-31.xlsx").symlink_to("/etc/passwd")
    (home.inbox / "Unterordner").mkdir()
    (home.inbox / "Unterordner" / GOOD).write_bytes(good_xlsx_bytes(tmp_path))
    os.mkfifo(home.inbox / "bevoelkerung_2018-12-31.csv")
    long = long_name("bevoelkerung_2017-12-31_", ".pdf")
    drop(home, long, b"%PDF-1.4\n")
    good = drop_good(home, tmp_path)
    messages: list[str] = []

    assert run_all(home, progress=messages.append) == 0, messages[-20:]

    status = dict(query(home, "select dateiname, status from ops.dateien"))
    assert status == {GOOD: "geladen", "bevoelkerung_2020-12-31.xlsx": "abgelehnt",
                      "bevoelkerung_2019-12-31.xlsx": "abgelehnt", "Unterordner": "abgelehnt",
                      "bevoelkerung_2018-12-31.csv": "abgelehnt", long: "abgelehnt"}
    assert not any(home.inbox.iterdir())
    assert_good_loaded(home, good)
    with duckdb.connect(str(home.analyse), read_only=True) as con:  # die Analysekopie zeigt den Lauf
        assert con.execute("select count(*) from ops.dateien where status = 'abgelehnt'").fetchall() == [(5,)]
    drop(home, NEXT, good_xlsx_bytes(tmp_path, NEXT_ROWS))
    assert run_all(home, progress=messages.append) == 0, messages[-20:]
    assert cells_of(home, NEXT) == NEXT_CELLS


# --- Volle Platte: ein echtes, kleines Dateisystem ------------------------------------------------------------

# Läuft in einem eigenen Mount-Namensraum (unshare) mit zwei tmpfs: SOZIAL_DWH_HOME (160 MB) und DAGSTER_HOME
# (32 MB). Jeder Lauf ist `sozial-dwh run` als Unterprozess. Ergebnis als JSON für die Prüfungen im Test.
TREIBER = textwrap.dedent(r"""
    import hashlib, json, os, re, shutil, subprocess, sys, tempfile, time
    from pathlib import Path

    home_fs, dagster_fs, reference, inputs, result_file = map(Path, sys.argv[1:6])
    home = home_fs / "home"
    (home / "inbox").mkdir(parents=True)
    env = {**os.environ, "SOZIAL_DWH_HOME": str(home), "SOZIAL_DWH_REFERENCE": str(reference),
           "DAGSTER_HOME": str(dagster_fs), "SOZIAL_DWH_SCHREIBPAUSE_S": "0", "PYTHONUNBUFFERED": "1"}
    result = {}

    def sha(path):
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()

    def fill(fs, leave=0):
        # belegt den Platz bis auf `leave` Bytes (tmpfs vergibt ganze Seiten)
        with open(fs / "fuellung", "ab") as handle:
            for block in (1 << 20, 1 << 12):
                try:
                    while shutil.disk_usage(fs).free - block >= leave:
                        handle.write(b"\0" * block)
                        handle.flush()
                except OSError:
                    pass

    def run(fill_when=None):
        # fill_when: sobald eine Zeile von Dagsters Protokoll des Laufs (logs/lauf_<Zeit>.log) passt
        logs = home / "logs"
        vorher = set(logs.glob("lauf_*.log")) if logs.exists() else set()
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            proc = subprocess.Popen([sys.executable, "-m", "sozial_dwh", "run"], env=env, stdout=out, stderr=err)
            while proc.poll() is None:
                neu = [p for p in logs.glob("lauf_*.log") if p not in vorher] if fill_when and logs.exists() else []
                if neu and re.search(fill_when, neu[0].read_text(encoding="utf-8", errors="replace")):
                    fill(home_fs)
                    fill_when = None
                time.sleep(0.01)
            out.seek(0)
            err.seek(0)
            return {"rc": proc.returncode, "stderr": err.read().decode("utf-8", "replace"),
                    "stdout": out.read().decode("utf-8", "replace")}

    def state():
        folder = home / "warehouse"
        partial = [str(p.relative_to(home)) for p in home.rglob(".sozial_dwh-teil-*")]
        return {"warehouse": sha(folder / "sozial_dwh.duckdb"), "analyse": sha(folder / "sozial_dwh_analyse.duckdb"),
                "lauf_dateien": sorted(p.name for p in folder.iterdir() if p.name.startswith(".lauf-")),
                "eingang": sorted(p.name for p in (home / "inbox").iterdir()), "halbe_kopien": partial}

    shutil.copy(inputs / "bevoelkerung_2019-12-31.csv", home / "inbox")
    result["aufbau"] = run()
    result["vorher"] = state()
    shutil.copy(inputs / "bevoelkerung_2022-12-31.xlsx", home / "inbox")

    # A: schon vor dem Lauf zu wenig Platz
    sys.path.insert(0, os.getcwd())
    from sozial_dwh.config import Paths
    from sozial_dwh.diskspace import run_needs
    need = run_needs(Paths.from_env(home, reference))[0].total
    fill(home_fs, leave=need // 2)
    result["a_frei"], result["a_bedarf"] = shutil.disk_usage(home_fs).free, need
    result["a"] = run()
    result["a_nachher"] = state()
    (home_fs / "fuellung").unlink()

    # B: die Platte läuft mitten im Lauf voll (sobald der Eingang mit der ersten Datei beginnt)
    result["b"] = run(fill_when=r" - eingang - \[1/1\] ")
    result["b_nachher"] = state()
    (home_fs / "fuellung").unlink()
    # wie nach einem Absturz beim Kopieren: eine halbe Kopie in der Ablage (die eigenen Kopien räumen sich sonst selbst weg)
    (home / "archive" / "bevoelkerung" / ".sozial_dwh-teil-0123456789abcdef.tmp").write_bytes(b"PK\3\4halb")

    # D: die Dagster-Instanz (SQLite in DAGSTER_HOME) kann nicht mehr schreiben
    fill(dagster_fs)
    result["d"] = run()
    result["d_nachher"] = state()
    (dagster_fs / "fuellung").unlink()

    # danach: Platz ist wieder da, der nächste Lauf gelingt und räumt auf
    result["danach"] = run()
    result["danach_zustand"] = state()
    import duckdb
    with duckdb.connect(str(home / "warehouse" / "sozial_dwh_analyse.duckdb"), read_only=True) as con:
        result["dateien"] = con.execute("select dateiname, status from ops.dateien order by datei_id").fetchall()
    Path(result_file).write_text(json.dumps(result), encoding="utf-8")
""")


def test_full_disk_german_message_state_kept_next_run_cleans_up(tmp_path: Path):
    if not shutil.which("unshare") or subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "true"],
                                                     capture_output=True).returncode != 0:
        pytest.fail("Dieser Test braucht ein kleines echtes Dateisystem: `unshare --user --map-root-user --mount` "
                    "(util-linux, Benutzer-Namensräume) ist hier nicht möglich.")
    from tests.fixtures import make_reference, write_long_2019, write_wide_2022

    reference = make_reference(tmp_path / "reference")
    inputs = tmp_path / "eingabe"
    inputs.mkdir()
    write_long_2019(inputs)
    write_wide_2022(inputs)
    home_fs, dagster_fs = tmp_path / "home_fs", tmp_path / "dagster_fs"
    home_fs.mkdir()
    dagster_fs.mkdir()
    (tmp_path / "treiber.py").write_text(TREIBER, encoding="utf-8")
    result_file = tmp_path / "ergebnis.json"
    script = (f"mount -t tmpfs -o size=160M tmpfs '{home_fs}' && mount -t tmpfs -o size=32M tmpfs '{dagster_fs}' && "
              f"exec '{sys.executable}' '{tmp_path / 'treiber.py'}' '{home_fs}' '{dagster_fs}' '{reference}' "
              f"'{inputs}' '{result_file}'")
    proc = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script], cwd=REPO_ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0 and result_file.exists(), proc.stderr[-4000:]
    r = json.loads(result_file.read_text(encoding="utf-8"))
    home = home_fs / "home"
    for step in ("a", "b", "d", "danach"):
        print(f"\n--- {step}: Exit {r[step]['rc']} ---\n" + "\n".join(
            line for line in r[step]["stderr"].splitlines() if line.startswith(("FEHLER", "Lauf gescheitert"))))

    assert r["aufbau"]["rc"] == 0, r["aufbau"]["stderr"][-3000:]
    before = r["vorher"]
    unchanged = {"warehouse": before["warehouse"], "analyse": before["analyse"]}

    # A: der Lauf beginnt gar nicht – Ordner, freier und benötigter Platz auf Deutsch
    a = r["a"]["stderr"]
    assert r["a"]["rc"] == 1
    assert f"Zu wenig freier Speicherplatz für den Lauf im Ordner {home}: frei sind " in a, a[-3000:]
    assert "gebraucht werden etwa" in a and "Arbeitskopie des Warehouse" in a and "Bitte auf diesem Laufwerk Platz" in a
    assert "Traceback" not in a
    assert {k: r["a_nachher"][k] for k in unchanged} == unchanged
    assert r["a_nachher"]["eingang"] == ["bevoelkerung_2022-12-31.xlsx"] and r["a_nachher"]["lauf_dateien"] == []

    # B: voll mitten im Lauf – verworfen, deutsch, nichts verändert, Datei bleibt im Eingang
    b = r["b"]["stderr"]
    assert r["b"]["rc"] == 1
    assert "Kein Speicherplatz mehr frei" in b and f"Ordner {home}: frei " in b, b[-4000:]
    assert "Warehouse und Analysekopie sind unverändert" in b and "Traceback" not in b
    assert {k: r["b_nachher"][k] for k in unchanged} == unchanged
    assert r["b_nachher"]["eingang"] == ["bevoelkerung_2022-12-31.xlsx"]
    assert r["b_nachher"]["halbe_kopien"] == []  # die eigene halbe Kopie ist beim Abbruch weggeräumt

    # D: die Dagster-Instanz schreibt nicht mehr – ebenfalls deutsch, mit dem Ordner DAGSTER_HOME
    d = r["d"]["stderr"]
    assert r["d"]["rc"] == 1
    assert "Kein Speicherplatz mehr frei" in d and f"Ordner {dagster_fs} (Dagster-Instanz, DAGSTER_HOME" in d, d[-4000:]
    assert {k: r["d_nachher"][k] for k in unchanged} == unchanged
    assert r["d_nachher"]["eingang"] == ["bevoelkerung_2022-12-31.xlsx"]

    # danach: der Lauf gelingt, lädt die Datei genau einmal und räumt alle Reste weg
    assert r["danach"]["rc"] == 0, r["danach"]["stderr"][-4000:]
    after = r["danach_zustand"]
    assert after["eingang"] == [] and after["lauf_dateien"] == [] and after["halbe_kopien"] == []
    assert after["warehouse"] != before["warehouse"] and after["analyse"] != before["analyse"]
    assert r["dateien"] == [["bevoelkerung_2019-12-31.csv", "geladen"], ["bevoelkerung_2022-12-31.xlsx", "geladen"]]


def test_bench_bombe_measures_a_run_with_and_without_the_bomb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys):
    """`sozial-dwh bench --bombe GIB`: zwei echte Läufe; die Bombe wird von der Vorabprüfung abgelehnt, die gute
    Datei geladen, und für beide Läufe steht der höchste Speicherbedarf im Ergebnis (die Zahl selbst misst der
    Benchmark, nicht dieser Test)."""
    from sozial_dwh.cli import main

    monkeypatch.delenv("SOZIAL_DWH_HOME", raising=False)
    out = tmp_path / "bombe.json"
    assert main(["bench", "--bombe", "0.05", "--json", str(out), "--ordner", str(tmp_path)]) == 0
    ergebnis = json.loads(out.read_text(encoding="utf-8"))
    assert ergebnis["bombe_gib"] == 0.05 and ergebnis["bombe_angegeben_bytes"] < 10 * 1024 * 1024
    assert ergebnis["ohne_bombe"]["dateien"] == [["bevoelkerung_2021-12-31.xlsx", "geladen"]]
    assert ergebnis["mit_bombe"]["dateien"] == [["bevoelkerung_2020-12-31.xlsx", "abgelehnt"],
                                                ["bevoelkerung_2021-12-31.xlsx", "geladen"]]
    assert "laut Inhaltsverzeichnis der ZIP-Datei" in ergebnis["mit_bombe"]["bombe_meldung"]
    assert ergebnis["ohne_bombe"]["peak_rss_mb"] > 0 and ergebnis["mit_bombe"]["peak_rss_mb"] > 0
    assert "Speicher eines Laufs mit ZIP-Bombe" in capsys.readouterr().out
    assert not any(tmp_path.glob("sozial_dwh_bombe_*"))  # Arbeitsordner aufgeräumt
