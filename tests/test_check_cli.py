"""`sozial-dwh check` an kaputten Arbeitsmappen: Exit 1 mit deutscher Meldung, 0 bei gültigen, 2 bei Aufruffehlern.

Geprüft wird im selben Prozess (`sozial_dwh.cli.main`) an echten Dateien; `check` lädt nichts und lässt
die Dateien, wo sie sind.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from sozial_dwh.cli import main
from tests.fixtures import make_reference, write_xlsx
from tests.test_bad_input import GOOD_ROWS, HEADER, bomb, encrypt, good_xlsx_bytes

NAME = "bevoelkerung_2022-12-31.xlsx"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOZIAL_DWH_REFERENCE", str(make_reference(tmp_path / "ref")))
    monkeypatch.setenv("SOZIAL_DWH_HOME", str(tmp_path / "home"))
    folder = tmp_path / "pruefen"
    folder.mkdir()
    return folder


def broken_files(folder: Path, tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Je kaputter Datei: Pfad und ein Stück der erwarteten Meldung."""
    good = good_xlsx_bytes(tmp_path)
    files = {
        "abgeschnitten": (good[: len(good) // 2], "beschädigt oder unvollständig"),
        "kennwort": (encrypt(good), "mit Kennwort geschützt"),
        "formel": (good_xlsx_bytes(tmp_path, [HEADER, ["A1", "0-17", "=1+1"]]),
                   "Blatt „Daten“, Zelle C2: Formel ohne gespeicherten Wert"),
        "bombe": (bomb(good, padding_mb=20), "wäre entpackt 20,0 MB groß"),
        "ohne_anzahl": (good_xlsx_bytes(tmp_path, [["Gebiet", "Alter"], ["A1", "0-17"]]), "Pflichtspalte „Anzahl“ fehlt"),
    }
    result = {}
    for label, (data, words) in files.items():
        sub = folder / label
        sub.mkdir()
        (sub / NAME).write_bytes(data)
        result[label] = (sub / NAME, words)
    return result


def test_check_valid_workbook_exit_0(folder: Path, capsys):
    path = write_xlsx(folder / NAME, {"Daten": GOOD_ROWS})
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"OK        {path}: Quelle bevoelkerung, Stichtag 31.12.2022, 3 Zellen, 0 Zeilen in Quarantäne" in out
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before  # unverändert, nicht verschoben


@pytest.mark.parametrize("label", ["abgeschnitten", "kennwort", "formel", "bombe", "ohne_anzahl"])
def test_check_broken_workbook_exit_1(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys,
                                      label: str):
    monkeypatch.setenv("SOZIAL_DWH_MAX_ENTPACKT_MB", "5")
    path, words = broken_files(folder, tmp_path)[label]
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"ABGELEHNT {path}" in out
    assert words in out
    assert path.exists()  # `check` lädt nichts und verschiebt nichts
    assert not (tmp_path / "home" / "warehouse").exists()


def test_check_mixed_files_exit_1_with_one_verdict_each(folder: Path, tmp_path: Path, capsys):
    good = write_xlsx(folder / NAME, {"Daten": GOOD_ROWS})
    truncated = folder / "bevoelkerung_2021-12-31.xlsx"
    truncated.write_bytes(good.read_bytes()[:500])
    assert main(["check", str(good), str(truncated)]) == 1
    out = capsys.readouterr().out
    assert out.count("OK        ") == 1 and out.count("ABGELEHNT ") == 1


def test_check_usage_errors_exit_2(folder: Path, capsys):
    with pytest.raises(SystemExit) as no_file:
        main(["check"])
    assert no_file.value.code == 2
    assert "Aufruf fehlerhaft" in capsys.readouterr().err
    with pytest.raises(SystemExit) as unknown_option:
        main(["check", "--gibt-es-nicht", str(folder / NAME)])
    assert unknown_option.value.code == 2
    assert main(["check", str(folder / "fehlt.xlsx")]) == 2
    assert "Datei nicht gefunden" in capsys.readouterr().err
    assert main([]) == 2


def test_csv_rows_are_located_by_row_and_column_not_sheet(folder: Path, capsys):
    """Eine CSV-Datei hat keine Blätter: die Fundstelle nennt Zeile und Spalte (Zeile 3 = zweite Datenzeile)."""
    path = folder / "bevoelkerung_2022-12-31.csv"
    path.write_text("Gebiet;Altersgruppe;Anzahl\nA1;0-17;100\nX9;0-17;5\n", encoding="utf-8")
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Zeile 3, Spalte A: Gebiet „X9“ ist in der Gebietsgliederung unbekannt" in out
    assert "Blatt" not in out
