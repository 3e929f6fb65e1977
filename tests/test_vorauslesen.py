"""Arbeitsmappen im Voraus lesen (`sozial_dwh.readers.workbook.vorauslesen`): ein Faden entpackt die nächste
Arbeitsmappe, während der Lauf die vorige verarbeitet. Echte xlsx-Dateien, echtes calamine.

- das Ergebnis ist dasselbe wie ohne Vorauslesen, und es kommt wirklich aus dem Faden;
- eine Datei, die sich nach dem Vorauslesen ändert, wird neu gelesen (nie ein alter Inhalt);
- eine abgelehnte Datei meldet dieselbe Ablehnung wie ohne Vorauslesen;
- nach dem Block läuft kein Faden mehr, und ein Lauf durch den Eingang lädt dieselben Zahlen.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from sozial_dwh.readers import workbook
from sozial_dwh.readers.workbook import FileRejected, read_sheets, vorauslesen
from tests.fixtures import write_xlsx


def _zeilen(sheets) -> dict[str, list]:
    return {sheet.name: [list(row) for row in sheet.iter_rows()] for sheet in sheets}


def _fertig(leser, path: Path) -> None:
    leser._laufend[path].result(timeout=30)  # der Faden hat die Datei gelesen


def test_gleiches_ergebnis_aus_dem_faden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    a = write_xlsx(tmp_path / "a.xlsx", {"Daten": [["Gebiet", "Anzahl"], ["G01", 7], ["G02", 9]]})
    b = write_xlsx(tmp_path / "b.xlsx", {"Daten": [["Gebiet", "Anzahl"], ["G03", 11]]})
    erwartet = {p: _zeilen(read_sheets(p)) for p in (a, b)}
    gelesen_in: list[str] = []
    echt = workbook._read_sheets

    def merken(path: Path):
        gelesen_in.append(threading.current_thread().name)
        return echt(path)

    monkeypatch.setattr(workbook, "_read_sheets", merken)
    with vorauslesen([a, b]) as leser:
        leser.bei(a)  # stößt a und (voraus = 1) b an
        _fertig(leser, a)
        _fertig(leser, b)
        assert _zeilen(read_sheets(a)) == erwartet[a]
        leser.bei(b)
        assert _zeilen(read_sheets(b)) == erwartet[b]
    # beide im Faden gelesen, keine im Hauptfaden
    assert len(gelesen_in) == 2 and all(name.startswith("sozial_dwh-vorauslesen") for name in gelesen_in)
    assert not [t for t in threading.enumerate() if t.name.startswith("sozial_dwh-vorauslesen")]
    assert workbook._VORAUS is None


def test_geaenderte_datei_wird_neu_gelesen(tmp_path: Path):
    a = write_xlsx(tmp_path / "a.xlsx", {"Daten": [["Gebiet", "Anzahl"], ["G01", 7]]})
    with vorauslesen([a]) as leser:
        leser.bei(a)
        _fertig(leser, a)
        # nach dem Vorauslesen neu gespeichert: anderer Inhalt, andere Änderungszeit
        write_xlsx(a, {"Daten": [["Gebiet", "Anzahl"], ["G01", 8]]})
        os.utime(a, ns=(a.stat().st_atime_ns, a.stat().st_mtime_ns + 5_000_000_000))
        assert _zeilen(read_sheets(a)) == {"Daten": [["Gebiet", "Anzahl"], ["G01", 8.0]]}


def test_abgelehnte_datei_dieselbe_meldung(tmp_path: Path):
    kaputt = tmp_path / "kaputt.xlsx"
    kaputt.write_bytes(b"PK\x03\x04 das ist keine Arbeitsmappe")
    with pytest.raises(FileRejected) as direkt:
        read_sheets(kaputt)
    with vorauslesen([kaputt]) as leser:
        leser.bei(kaputt)
        _fertig(leser, kaputt)
        with pytest.raises(FileRejected) as vorab:
            read_sheets(kaputt)
    assert str(vorab.value) == str(direkt.value)


def test_csv_und_uebersprungene_dateien_liest_der_aufrufer(tmp_path: Path):
    csv_datei = tmp_path / "a.csv"
    csv_datei.write_text("Gebiet;Anzahl\nG01;7\n", encoding="utf-8")
    a = write_xlsx(tmp_path / "b.xlsx", {"Daten": [["Gebiet"], ["G01"]]})
    c = write_xlsx(tmp_path / "c.xlsx", {"Daten": [["Gebiet"], ["G02"]]})
    with vorauslesen([csv_datei, a, c]) as leser:
        leser.bei(csv_datei)
        assert list(leser._laufend) == [a]  # CSV nicht im Faden, die Arbeitsmappe danach schon
        leser.bei(c)  # b übersprungen (etwa schon bekannt): sein Ergebnis verfällt
        assert list(leser._laufend) == [c]
        assert _zeilen(read_sheets(a)) == {"Daten": [["Gebiet"], ["G01"]]}  # selbst gelesen
