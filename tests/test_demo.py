"""Beispieldaten (sozial_dwh.demo): deterministisch, 5 Dateien, Summen stimmig, Gebietsreform 401/402 -> 403."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from sozial_dwh import config
from sozial_dwh.demo import write_demo

REFERENCE = config.REPO_ROOT / "data" / "reference"
WIDE_FILES = {
    2020: "bevoelkerung_2020-12-31.xlsx",
    2021: "bevoelkerung_2021-12-31.xlsx",
    2022: "Strukturdaten Einwohner 2022.xlsx",
}
N_BANDS = 11


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("inbox")
    write_demo(folder, REFERENCE)
    return folder


def _cell_values(path: Path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
    finally:
        wb.close()


def _as_int(value: object) -> int:
    return value if isinstance(value, int) else int(str(value).replace(".", ""))


def _wide_table(path: Path) -> tuple[dict[object, list[int]], list[int]]:
    """Gebietszeilen {Gebiet: Zahlen ab "Einwohner insgesamt"} und die Zeile "Stadt insgesamt"."""
    rows = _cell_values(path)["Strukturtabelle"]
    start = next(i for i, row in enumerate(rows) if row[0] == "Gebiet") + 1
    areas: dict[object, list[int]] = {}
    for row in rows[start:]:
        if row[0] == "Stadt insgesamt":
            return areas, [_as_int(v) for v in row[2:]]
        areas[row[0]] = [_as_int(v) for v in row[2:]]
    raise AssertionError("Zeile 'Stadt insgesamt' fehlt")


def _gebiete_by_sozialraum(sozialraum_id: str) -> set[int]:
    with (REFERENCE / "gebiete.csv").open(encoding="utf-8") as handle:
        return {int(row["gebiet_id"]) for row in csv.DictReader(handle) if row["sozialraum_id"] == sozialraum_id}


def _gebiete_in_file(path: Path) -> set[str]:
    """Gebietsnummern, wie sie in der jeweiligen Datei stehen (Langformat: "101 Name")."""
    if path.suffix == ".csv":
        lines = path.read_text(encoding="cp1252").splitlines()[2:]
        return {line.split(";")[0] for line in lines if line.split(";")[0].isdigit()}
    if path.name.startswith("bevoelkerung_2018"):
        rows = _cell_values(path)["Bevölkerung"][4:]
        return {str(row[0]).split(" ")[0] for row in rows if row[0] and str(row[0])[0].isdigit()}
    return {str(key) for key in _wide_table(path)[0]}


def test_deterministic(tmp_path: Path) -> None:
    first = write_demo(tmp_path / "a", REFERENCE)
    second = write_demo(tmp_path / "b", REFERENCE)
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second, strict=True):
        if a.suffix == ".csv":
            assert a.read_bytes() == b.read_bytes()
        else:
            assert _cell_values(a) == _cell_values(b), a.name
            assert a.read_bytes() == b.read_bytes(), a.name  # feste Zeitstempel -> bytegleich


def test_five_files(inbox: Path) -> None:
    names = sorted(p.name for p in inbox.iterdir())
    assert names == sorted([
        "bevoelkerung_2018-12-31.xlsx", "bevoelkerung_2019-12-31.csv", *WIDE_FILES.values(),
    ])


def test_city_total_2022(inbox: Path) -> None:
    areas, total = _wide_table(inbox / WIDE_FILES[2022])
    assert 93_000 <= total[0] <= 95_000
    assert total == [sum(column) for column in zip(*areas.values(), strict=True)]


def test_info_sheet_2022(inbox: Path) -> None:
    info = dict(_cell_values(inbox / WIDE_FILES[2022])["Info"])
    assert info == {"Quelle": "bevoelkerung", "Stichtag": "31.12.2022", "Gemeinde": "05962024", "Stand": "15.02.2023"}


@pytest.mark.parametrize("year", sorted(WIDE_FILES))
def test_wide_table_consistent(inbox: Path, year: int) -> None:
    areas, total = _wide_table(inbox / WIDE_FILES[year])
    assert 93_000 <= total[0] <= 95_000
    for gebiet, values in areas.items():
        insgesamt, maennlich, weiblich = values[:3]
        bands = values[3:3 + N_BANDS]
        assert sum(bands) == insgesamt, gebiet
        assert maennlich + weiblich == insgesamt, gebiet


def test_gebietsreform(inbox: Path) -> None:
    files = {
        2018: inbox / "bevoelkerung_2018-12-31.xlsx",
        2019: inbox / "bevoelkerung_2019-12-31.csv",
        **{year: inbox / name for year, name in WIDE_FILES.items()},
    }
    for year, path in files.items():
        gebiete = _gebiete_in_file(path)
        if year <= 2019:
            assert {"401", "402"} <= gebiete and "403" not in gebiete, year
        else:
            assert "403" in gebiete and not {"401", "402"} & gebiete, year


def test_long_csv_matches_wide_total(inbox: Path) -> None:
    lines = (inbox / "bevoelkerung_2019-12-31.csv").read_text(encoding="cp1252").splitlines()
    assert lines[0] == "Bevölkerung am 31.12.2019;;;;;"
    rows = [line.split(";") for line in lines[2:-1]]
    by_area = sum(_as_int(r[5]) for r in rows if r[0].isdigit() and r[1] != "insgesamt")
    city = sum(_as_int(r[5]) for r in rows if r[0] == "Stadt insgesamt")
    assert by_area == city
    assert 93_000 <= city <= 95_000


def test_need_level_shows(inbox: Path) -> None:
    areas, _ = _wide_table(inbox / WIDE_FILES[2022])

    def share_nichtdeutsch(sozialraum_id: str) -> float:
        rows = [values for gebiet, values in areas.items() if gebiet in _gebiete_by_sozialraum(sozialraum_id)]
        assert rows, sozialraum_id
        return sum(v[-2] for v in rows) / sum(v[0] for v in rows)

    assert share_nichtdeutsch("SR01") > share_nichtdeutsch("SR05")
