"""Zeichenkodierung von CSV-Dateien: UTF-16 (Excels „Unicode-Text“, LE und BE mit BOM, Tabulator) lädt; eine
Datei, die sich mit keiner Kodierung lesen lässt, wird mit den versuchten Kodierungen abgelehnt.

Die Dateien schreibt der Test selbst, Byte für Byte so, wie Excel sie speichert.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.ausfuehren import alles_ausfuehren
from sozial_dwh.cli import main
from sozial_dwh.config import Paths
from sozial_dwh.ingest import inspect_file
from sozial_dwh.readers.workbook import FileRejected, read_sheets
from sozial_dwh.reference import GebietMatcher, load_gebiete
from tests.fixtures import write_long_2019


def unicode_text(semikolon_csv: Path, ziel: Path, bom: bytes, codec: str) -> Path:
    """Wie Excel „Speichern unter → Unicode-Text“: UTF-16 mit BOM, Tabulator als Trennzeichen, CRLF."""
    text = semikolon_csv.read_bytes().decode("cp1252").replace(";", "\t")
    ziel.write_bytes(bom + text.encode(codec))
    return ziel


@pytest.fixture
def vorlage(tmp_path: Path) -> Path:
    """Die Bevölkerung 2019 im Langformat als Windows-1252-CSV mit Semikolon (wie der Fachverfahrens-Export)."""
    (tmp_path / "vorlage").mkdir()
    return write_long_2019(tmp_path / "vorlage")


@pytest.mark.parametrize(("bom", "codec"), [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")])
def test_utf16_mit_bom_liest_wie_windows_1252(home: Paths, vorlage: Path, tmp_path: Path, bom: bytes, codec: str):
    datei = unicode_text(vorlage, tmp_path / "bevoelkerung_2019-12-31.csv", bom, codec)
    assert datei.read_bytes()[:2] == bom
    zeilen = read_sheets(datei)[0].rows
    assert zeilen[1] == ["Bereich", "Altersgruppe", "Geschlecht", "Einwohner"]
    assert zeilen[2] == ["A1", "unter 18", "männlich", "90"]  # Umlaut richtig gelesen, Tabulator getrennt
    matcher = GebietMatcher(load_gebiete(home.reference))
    utf16, cp1252 = inspect_file(datei, matcher), inspect_file(vorlage, matcher)
    assert utf16.ok, utf16.fehler
    assert (utf16.quelle, utf16.result.row_count, utf16.result.meldungen) == (
        cp1252.quelle, cp1252.result.row_count, cp1252.result.meldungen)
    utf16.result.close()
    cp1252.result.close()


def test_utf16_datei_laedt_im_lauf(home: Paths, vorlage: Path):
    unicode_text(vorlage, home.inbox / "bevoelkerung_2019-12-31.csv", codecs.BOM_UTF16_LE, "utf-16-le")
    assert alles_ausfuehren(dg.DagsterInstance.ephemeral()).success
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        status = con.execute("select dateiname, status from ops.dateien").fetchall()
        wert = con.execute("select wert from mart.indikator_werte where indikator_id = 'bev_insgesamt' "
                           "and ebene = 'gemeinde' and stichtag = '2019-12-31'").fetchall()
    assert status == [("bevoelkerung_2019-12-31.csv", "geladen")]
    assert wert == [(3300,)]  # A1 1000 + A2 500 + B1 1100 + B2 700 (tests/fixtures.py)


def test_nicht_lesbare_kodierung_nennt_die_versuchten(home: Paths, tmp_path: Path, capsys):
    # 0x81 und 0x9D gibt es weder in UTF-8 (als Anfang) noch in Windows-1252
    kaputt = tmp_path / "bevoelkerung_2020-12-31.csv"
    kaputt.write_bytes(b"Gebiet;Einwohner\r\nA1;1000\r\nA2\x81\x9d;500\r\n")
    with pytest.raises(FileRejected) as info:
        read_sheets(kaputt)
    meldung = str(info.value)
    assert "UTF-8" in meldung and "Windows-1252" in meldung and "81" in meldung
    assert main(["check", str(kaputt)]) == 1
    out = capsys.readouterr().out
    assert "ABGELEHNT" in out and "UTF-8" in out and "Windows-1252" in out

    # BOM für UTF-16, aber abgeschnitten (ungerade Zahl Bytes): die Meldung nennt UTF-16
    halb = tmp_path / "bevoelkerung_2021-12-31.csv"
    halb.write_bytes(codecs.BOM_UTF16_LE + "Gebiet\tEinwohner\r\nA1\t1000\r\n".encode("utf-16-le")[:-1])
    with pytest.raises(FileRejected) as info:
        read_sheets(halb)
    assert "UTF-16 LE" in str(info.value) and "Unicode-Text" in str(info.value)

    # im Lauf: abgelehnt, der Fehlerbericht nennt die versuchten Kodierungen
    (home.inbox / kaputt.name).write_bytes(kaputt.read_bytes())
    assert alles_ausfuehren(dg.DagsterInstance.ephemeral()).success
    bericht = (home.rejected / f"{kaputt.name}.fehler.txt").read_text(encoding="utf-8")
    assert "Windows-1252" in bericht and "UTF-8" in bericht


def test_txt_nennt_den_weg_ueber_csv(tmp_path: Path):
    datei = tmp_path / "bevoelkerung_2019-12-31.txt"
    datei.write_bytes(codecs.BOM_UTF16_LE + "Gebiet\tEinwohner\r\n".encode("utf-16-le"))
    with pytest.raises(FileRejected) as info:
        read_sheets(datei)
    assert "Unicode-Text" in str(info.value) and ".csv" in str(info.value)
