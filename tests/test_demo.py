"""Beispieldaten (sozial_dwh.demo): deterministisch, jede Quelle aus architektur.md §5.2, Summen stimmig, realistische
Größenordnungen gegenüber der erzeugten Bevölkerung, Gebietsreform 401/402 -> 403, jede Datei besteht `inspect_file`.

Die Größenordnungen werden direkt aus den Dateien gelesen (nicht über die Leser), damit dieser Test die Beispieldaten
prüft und nicht die Leser; dass die Leser die Dateien sauber laden, prüft `test_every_file_passes_inspection`.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter, defaultdict
from pathlib import Path

import openpyxl
import pytest

from sozial_dwh import config
from sozial_dwh.demo import Truth, build_truth, write_demo
from sozial_dwh.ingest import inspect_file
from sozial_dwh.reference import GebietMatcher, load_gebiete
from sozial_dwh.sources import READERS

REFERENCE = config.REPO_ROOT / "data" / "reference"
WIDE_FILES = {
    2020: "bevoelkerung_2020-12-31.xlsx",
    2021: "bevoelkerung_2021-12-31.xlsx",
    2022: "Strukturdaten Einwohner 2022.xlsx",
}
N_BANDS = 11
YEARS = range(2018, 2023)
STICHTAG = {year: dt.date(year, 12, 31) for year in YEARS}

SGB2_FILES = {
    2018: "sgb2_2018-12-31.xlsx", 2019: "sgb2_2019-12-31.xlsx", 2020: "sgb2_2020-12-31.csv",
    2021: "sgb2_2021-12-31.xlsx", 2022: "sgb2_2022-12-31.csv",
}
ALO_FILES = {
    2018: "arbeitslose_2018-12-31.xlsx", 2019: "arbeitslose_2019-12-31.csv", 2020: "arbeitslose_2020-12-31.xlsx",
    2021: "arbeitslose_2021-12-31.xlsx", 2022: "Arbeitsmarkt kleinräumig Dezember 2022.xlsx",
}
GRUSI_FILES = {year: f"grundsicherung_{year}-12-31.{'csv' if year == 2019 else 'xlsx'}" for year in YEARS}
KITA_FILES = {year: f"kita_{year}-03-01.xlsx" for year in range(2019, 2024)}
KONFERENZ_FILES = ("konferenz_2022-09-21.xlsx", "konferenz_2023-03-15.xlsx")
EXPECTED_SOURCES = {
    "bevoelkerung": {"bevoelkerung_2018-12-31.xlsx", "bevoelkerung_2019-12-31.csv", *WIDE_FILES.values()},
    "sgb2": set(SGB2_FILES.values()),
    "arbeitslose": set(ALO_FILES.values()),
    "grundsicherung": set(GRUSI_FILES.values()),
    "kita": set(KITA_FILES.values()),
    "konferenz": set(KONFERENZ_FILES),
    "merkmale": {"Wohngeld nach Gebieten 2018-2022.xlsx"},  # alle fünf Stichtage in einer Datei
}
SGB2_MERKMALE = ("bg", "lb", "elb", "nef", "nef_u15", "lb_u18", "bg_ae")
SEKTOREN = {"soziale Einrichtung", "Glaubensgemeinschaft", "Wohnungsgesellschaft", "freie Wohlfahrtspflege",
            "Verwaltung", "Politik", "Schule", "Kita", "Verein", "Sonstige"}
HANDLUNGSFELDER = {"Kinderbetreuung", "Bildung", "Mobilität/ÖPNV", "Ehrenamt", "Vernetzung/Koordination", "Wohnen",
                   "Gesundheit/Pflege", "Senioren", "Integration", "Armut/Teilhabe", "Jugend", "Sonstiges"}
STATUS = {"vorgeschlagen", "beschlossen", "in Umsetzung", "umgesetzt", "verworfen"}


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("inbox")
    write_demo(folder, REFERENCE)
    return folder


@pytest.fixture(scope="module")
def truth() -> Truth:
    return build_truth(REFERENCE)


# --------------------------------------------------------------------------- Hilfen


def _cell_values(path: Path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
    finally:
        wb.close()


def _as_int(value: object) -> int:
    return value if isinstance(value, int) else int(str(value).replace(".", ""))


def _num(value: object) -> int | None:
    """Zahl aus Zelle oder deutschem Text; `*` (BA-Geheimhaltung) -> None, `–` -> 0, leer -> None."""
    if value is None or value == "" or value in ("*", "."):
        return None
    if value in ("–", "-"):
        return 0
    return _as_int(value)


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


def _reference_rows() -> list[dict[str, str]]:
    with (REFERENCE / "gebiete.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _gebiete_by_sozialraum(sozialraum_id: str) -> set[int]:
    return {int(row["gebiet_id"]) for row in _reference_rows() if row["sozialraum_id"] == sozialraum_id}


def _gebiete_in_file(path: Path) -> set[str]:
    """Gebietsnummern, wie sie in der jeweiligen Datei stehen (Langformat: "101 Name")."""
    if path.suffix == ".csv":
        lines = path.read_text(encoding="cp1252").splitlines()[2:]
        return {line.split(";")[0] for line in lines if line.split(";")[0].isdigit()}
    if path.name.startswith("bevoelkerung_2018"):
        rows = _cell_values(path)["Bevölkerung"][4:]
        return {str(row[0]).split(" ")[0] for row in rows if row[0] and str(row[0])[0].isdigit()}
    return {str(key) for key in _wide_table(path)[0]}


def _sheet_rows(path: Path) -> list[list[object]]:
    """Zeilen des ersten Datenblatts (ohne „Info“) bzw. der CSV-Datei."""
    if path.suffix == ".csv":
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252")
        return [[None if cell == "" else cell for cell in row] for row in csv.reader(text.splitlines(), delimiter=";")]
    sheets = _cell_values(path)
    name = next(n for n in sheets if n != "Info")
    return [list(row) for row in sheets[name]]


def _table(path: Path, first_header: str) -> tuple[list[object], list[list[object]]]:
    """Kopfzeile (erste Zelle = `first_header`) und Datenzeilen bis zur ersten Leer- oder Fußnotenzeile."""
    rows = _sheet_rows(path)
    start = next(i for i, row in enumerate(rows) if row and row[0] == first_header)
    data = []
    for row in rows[start + 1:]:
        if sum(value is not None for value in row) <= 1:
            break
        data.append(row)
    return rows[start], data


def _is_total(label: object) -> bool:
    return str(label).lower().endswith("insgesamt") or str(label).endswith("SUM")


def _gebiet_id(label: object) -> str:
    """„101 Zentrum-Nord“, 101 oder „101“ -> „101“."""
    return str(label).split(" ")[0]


def _residents(truth: Truth, year: int, lo: int, hi: int, gebiete: set[str] | None = None) -> int:
    day = STICHTAG[year]
    return sum(int(truth.counts[a.gebiet_id, day][lo:hi + 1].sum()) for a in truth.valid_areas(day)
               if gebiete is None or a.gebiet_id in gebiete)


def _level_areas(truth: Truth, year: int, level: str) -> set[str]:
    return {a.gebiet_id for a in truth.valid_areas(STICHTAG[year]) if truth.level(a) == level}


def _sgb2(path: Path) -> tuple[dict[str, dict[str, int | None]], dict[str, int]]:
    """SGB II je Gebiet und Stadtsumme, für alle drei Layouts. Die Stadtsumme enthält „keine Angabe“."""
    areas: dict[str, dict[str, int | None]] = {}
    if path.name.endswith("2022-12-31.csv"):  # Personendatensätze
        _, rows = _table(path, "BG-Nummer")
        for area, people in _group(rows, key=7).items():
            areas[area] = {
                "bg": len({p[0] for p in people}), "lb": len(people),
                "elb": sum(p[4] == "ELB" for p in people), "nef": sum(p[4] == "NEF" for p in people),
                "nef_u15": sum(p[4] == "NEF" and int(p[2]) < 15 for p in people),
                "lb_u18": sum(int(p[2]) < 18 for p in people),
                "bg_ae": len({p[0] for p in people if p[6] == "ja"}),
            }
        return areas, {m: sum(v[m] for v in areas.values()) for m in SGB2_MERKMALE}
    if path.name.startswith("sgb2_2021"):  # AkG-Layout
        akg = {row["akg_code"]: row["gebiet_id"] for row in _reference_rows()}
        _, rows = _table(path, "Berichtsmonat")
        total: dict[str, int] = {}
        for row in rows:
            values = dict(zip(SGB2_MERKMALE, (_num(v) for v in row[4:11]), strict=True))
            if row[2] == "SUMSUMSUM":
                total = {k: v for k, v in values.items() if v is not None}
            elif row[2] and str(row[2]).endswith("SUM"):
                continue
            else:
                areas[akg[row[2]] if row[2] else "keine Angabe"] = values
        return areas, total
    first = "Gebiets-Nr" if path.suffix == ".csv" else _sheet_header_start(path)
    _, rows = _table(path, first)
    total = {}
    for row in rows:
        values = dict(zip(SGB2_MERKMALE, (_num(v) for v in row[1:8]), strict=True))
        if _is_total(row[0]):
            total = {k: v for k, v in values.items() if v is not None}
        else:
            areas[_gebiet_id(row[0])] = values
    return areas, total


def _sheet_header_start(path: Path) -> str:
    rows = _sheet_rows(path)
    return next(row[0] for row in rows if row and row[0] in ("Gebiet", "statistischer Bezirk"))


def _group(rows: list[list[object]], key: int) -> dict[str, list[list[object]]]:
    groups: dict[str, list[list[object]]] = defaultdict(list)
    for row in rows:
        groups[str(row[key])].append(row)
    return groups


def _arbeitslose(path: Path) -> tuple[dict[str, dict[tuple[str, str], int | None]], dict[tuple[str, str], int]]:
    """Arbeitslose je Gebiet und Stadt: {(Rechtskreis, Merkmal): Anzahl}, lang oder breit."""
    header, rows = _table(path, "Gebiet")
    areas: dict[str, dict[tuple[str, str], int | None]] = defaultdict(dict)
    total: dict[tuple[str, str], int] = {}
    if "Rechtskreis" in header:
        for gebiet, kreis, merkmal, anzahl in (row[:4] for row in rows):
            target = total if _is_total(gebiet) else areas[_gebiet_id(gebiet)]
            target[kreis, merkmal] = _num(anzahl)
    else:
        keys = [("insgesamt", "insgesamt"), ("SGB II", "insgesamt"), ("SGB III", "insgesamt"),
                ("insgesamt", "langzeitarbeitslos"), ("insgesamt", "unter 25"), ("insgesamt", "55 und älter")]
        for row in rows:
            target = total if _is_total(row[0]) else areas[_gebiet_id(row[0])]
            target.update(zip(keys, (_num(v) for v in row[2:8]), strict=True))
    return dict(areas), total


def _grundsicherung(path: Path) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """Leistungsart -> Anzahl je Gebiet und Stadt (nur Zellen „alle Alter“)."""
    first = "Bezirk-Nr" if path.name.startswith("grundsicherung_2020") else "Gebiet"
    header, rows = _table(path, first)
    areas: dict[str, dict[str, int]] = defaultdict(dict)
    total: dict[str, int] = {}
    if "Leistungsart" in header:
        for row in rows:
            if "Altersgruppe" in header and row[2] != "insgesamt":
                continue
            target = total if _is_total(row[0]) else areas[_gebiet_id(row[0])]
            target[row[1]] = _num(row[-1])
    else:
        for row in rows:
            target = total if _is_total(row[0]) else areas[_gebiet_id(row[0])]
            target.update(zip(header[1:5], (_num(v) for v in row[1:5]), strict=True))
    return dict(areas), total


# --------------------------------------------------------------------------- Dateien, Determinismus


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


def test_every_source_is_present(inbox: Path) -> None:
    names = {p.name for p in inbox.iterdir()}
    assert names == set().union(*EXPECTED_SOURCES.values())
    assert set(EXPECTED_SOURCES) == set(READERS)  # jede Quelle aus architektur.md §5.2 hat Beispieldaten


def test_file_sizes_moderate(inbox: Path) -> None:
    assert sum(p.stat().st_size for p in inbox.iterdir()) < 2_000_000
    assert max(p.stat().st_size for p in inbox.iterdir()) < 700_000


def test_every_file_passes_inspection(inbox: Path) -> None:
    """Jede Datei wird erkannt, als richtige Quelle gelesen, ohne Quarantäne und ohne Summenwarnung."""
    matcher = GebietMatcher(load_gebiete(REFERENCE))
    source_of = {name: quelle for quelle, names in EXPECTED_SOURCES.items() for name in names}
    for path in sorted(inbox.iterdir()):
        verdict = inspect_file(path, matcher)
        assert verdict.ok, (path.name, verdict.fehler)
        assert verdict.quelle == source_of[path.name], path.name
        assert verdict.result.quarantine == [], (path.name, verdict.result.quarantine[:3])
        assert not [m for m in verdict.result.meldungen if m.startswith("Warnung")], path.name
        assert verdict.gemeinde == "05962024", path.name


# --------------------------------------------------------------------------- Bevölkerung (unverändert)


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


def test_other_sources_use_areas_valid_at_stichtag(inbox: Path, truth: Truth) -> None:
    """Jede Gebietsstatistik nennt genau die am Stichtag gültigen Gebiete (ab 2020: 403 statt 401/402)."""
    for year in YEARS:
        valid = {a.gebiet_id for a in truth.valid_areas(STICHTAG[year])}
        assert set(_sgb2(inbox / SGB2_FILES[year])[0]) - {"keine Angabe"} == valid, year
        assert set(_arbeitslose(inbox / ALO_FILES[year])[0]) == valid, year
        assert set(_grundsicherung(inbox / GRUSI_FILES[year])[0]) == valid, year
    for year, name in KITA_FILES.items():
        _, rows = _table(inbox / name, "Einrichtung")
        day = dt.date(year, 3, 1)
        valid = {a.gebiet_id for a in truth.valid_areas(day)}
        assert {_gebiet_id(row[2]) for row in rows if not _is_total(row[0])} <= valid, year


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


# --------------------------------------------------------------------------- SGB II


def test_akg_code_in_reference() -> None:
    rows = _reference_rows()
    codes = [row["akg_code"] for row in rows]
    assert all(re.fullmatch(r"\d{9}", code) for code in codes)
    assert len(set(codes)) == len(codes)
    assert all(row["akg_code"].endswith(row["gebiet_id"].zfill(3)) for row in rows)


@pytest.mark.parametrize("year", YEARS)
def test_sgb2_magnitudes(inbox: Path, truth: Truth, year: int) -> None:
    areas, total = _sgb2(inbox / SGB2_FILES[year])
    # Summenzeile = Summe der Gebiete (+ „keine Angabe“); Spalten mit `*` sind nur nach unten begrenzt.
    for merkmal in SGB2_MERKMALE:
        known = [v[merkmal] for v in areas.values()]
        if None in known:
            assert total[merkmal] > sum(v for v in known if v is not None), merkmal
        else:
            assert total[merkmal] == sum(known), merkmal
    # SGB-II-Quote (LB je Einwohner unter 65): Stadt ≈ 10 % (Iserlohn-typisch 9-11 %); Sozialräume mit Profil
    # „hoch“ etwa doppelt so hoch (≈ 18-22 %), „niedrig“ weniger als die Hälfte (≈ 4-6 %).
    lb = total["lb"]
    assert 0.09 <= lb / _residents(truth, year, 0, 64) <= 0.11
    for level, (lo, hi) in {"hoch": (0.17, 0.23), "niedrig": (0.035, 0.065)}.items():
        gebiete = _level_areas(truth, year, level)
        assert lo <= sum(areas[g]["lb"] for g in gebiete) / _residents(truth, year, 0, 64, gebiete) <= hi, level
    for gebiet, values in areas.items():
        if gebiet != "keine Angabe":
            assert values["lb"] < 0.3 * _residents(truth, year, 0, 64, {gebiet}), gebiet  # nie mehr LB als Einwohner
    # Aufbau: ELB ≈ 70 % der LB, NEF unter 15 ≈ 25 %, Ø 1,9 Personen je BG, 17 % Alleinerziehenden-BG.
    assert 0.66 <= total["elb"] / lb <= 0.76
    assert total["elb"] + total["nef"] == lb
    assert 0.21 <= total["nef_u15"] / lb <= 0.29
    assert total["nef_u15"] <= total["lb_u18"] <= total["nef"] + total["lb_u18"]
    assert 1.8 <= lb / total["bg"] <= 2.0
    assert 0.14 <= total["bg_ae"] / total["bg"] <= 0.20


def test_sgb2_akg_layout(inbox: Path) -> None:
    header, rows = _table(inbox / SGB2_FILES[2021], "Berichtsmonat")
    assert header[:4] == ["Berichtsmonat", "Gemeindeschlüssel", "Gebietsschlüssel", "Gebietsname"]
    assert {row[0] for row in rows} == {"Dezember 2021"} and {row[1] for row in rows} == {"05962024"}
    codes = [row[2] for row in rows]
    assert codes[-1] == "SUMSUMSUM" and any(re.fullmatch(r"\d{6}SUM", str(c)) for c in codes)
    keine_angabe = [row for row in rows if row[3] == "keine Angabe"]
    assert len(keine_angabe) == 1 and keine_angabe[0][2] is None
    assert "*" in keine_angabe[0]  # kleine Zahlen gesperrt
    # Stadtbezirkssummen: je Präfix die Summe seiner Gebiete (ohne „keine Angabe“), wo nichts gesperrt ist.
    for row in rows:
        if re.fullmatch(r"\d{6}SUM", str(row[2])):
            parts = [r for r in rows if r[2] and str(r[2])[:6] == row[2][:6] and r[2] != row[2]]
            lb = [_num(r[5]) for r in parts]
            assert parts and None not in lb and sum(lb) == row[5], row[2]


def test_sgb2_person_records(inbox: Path) -> None:
    header, rows = _table(inbox / SGB2_FILES[2022], "BG-Nummer")
    assert header == ["BG-Nummer", "Person-Nummer", "Alter", "Geschlecht", "Status", "Staatsangehörigkeit",
                      "Alleinerziehend", "Gebiet"]
    assert len({row[1] for row in rows}) == len(rows)  # Person-Nummer eindeutig
    for bg, people in _group(rows, key=0).items():
        assert len({p[7] for p in people}) == 1, bg  # eine BG wohnt in einem Gebiet
        assert any(p[4] == "ELB" for p in people), bg  # jede BG hat eine erwerbsfähige Person
        for person in people:
            age = int(person[2])
            assert person[4] in ("ELB", "NEF") and 0 <= age <= 64
            assert person[4] == "NEF" or age >= 15  # ELB sind 15-64
            if age < 15:
                assert person[4] == "NEF"
            if person[6] == "ja":  # Alleinerziehende: erwachsen, mit Kind in der BG
                assert age >= 18 and any(int(p[2]) < 18 for p in people), bg
    nef = [int(row[2]) for row in rows if row[4] == "NEF"]
    assert sum(age < 15 for age in nef) / len(nef) > 0.8  # NEF sind meist Kinder unter 15


# --------------------------------------------------------------------------- Arbeitslose, Mindestsicherung


@pytest.mark.parametrize("year", YEARS)
def test_arbeitslose_magnitudes(inbox: Path, truth: Truth, year: int) -> None:
    areas, total = _arbeitslose(inbox / ALO_FILES[year])
    for key, value in total.items():
        known = [cells[key] for cells in areas.values()]
        assert value == sum(known) if None not in known else value > sum(v for v in known if v is not None), key
    # Arbeitslose ≈ 6-7 % der 15- bis 64-Jährigen (2020 Corona-Spitze), gut zwei Drittel im SGB II,
    # ≈ 40 % langzeitarbeitslos; SGB II + SGB III = insgesamt.
    insgesamt = total["insgesamt", "insgesamt"]
    assert 0.055 <= insgesamt / _residents(truth, year, 15, 64) <= 0.075
    assert total["SGB II", "insgesamt"] + total["SGB III", "insgesamt"] == insgesamt
    assert 0.55 <= total["SGB II", "insgesamt"] / insgesamt <= 0.72
    assert 0.33 <= total["insgesamt", "langzeitarbeitslos"] / insgesamt <= 0.50
    assert total["insgesamt", "unter 25"] < 0.05 * _residents(truth, year, 15, 24)
    # Arbeitslose im SGB II sind erwerbsfähige Leistungsberechtigte: nie mehr als ELB im Gebiet.
    elb = _sgb2(inbox / SGB2_FILES[year])[0]
    for gebiet, cells in areas.items():
        assert (cells["SGB II", "insgesamt"] or 0) <= (elb[gebiet]["elb"] or 0) + 2, gebiet


@pytest.mark.parametrize("year", YEARS)
def test_grundsicherung_magnitudes(inbox: Path, truth: Truth, year: int) -> None:
    areas, total = _grundsicherung(inbox / GRUSI_FILES[year])
    labels = ("Grundsicherung im Alter", "Grundsicherung bei Erwerbsminderung", "Hilfe zum Lebensunterhalt",
              "AsylbLG Regelleistungen")
    assert set(total) == set(labels)
    for label in labels:
        assert total[label] == sum(cells[label] for cells in areas.values()), label
    # Grundsicherung im Alter ≈ 3-4 % der Einwohner ab 65, in Gebieten mit hohem Bedarf häufiger.
    assert 0.03 <= total["Grundsicherung im Alter"] / _residents(truth, year, 65, 100) <= 0.04
    hoch, niedrig = _level_areas(truth, year, "hoch"), _level_areas(truth, year, "niedrig")

    def rate(gebiete: set[str]) -> float:
        return sum(areas[g]["Grundsicherung im Alter"] for g in gebiete) / _residents(truth, year, 65, 100, gebiete)

    assert rate(hoch) > 1.5 * rate(niedrig)
    # Mindestsicherungsquote ≈ 10-12 %: SGB II + SGB XII + AsylbLG je Einwohner.
    lb = _sgb2(inbox / SGB2_FILES[year])[1]["lb"]
    assert 0.09 <= (lb + sum(total.values())) / _residents(truth, year, 0, 100) <= 0.13


# --------------------------------------------------------------------------- Kindertagesbetreuung


@pytest.mark.parametrize("year", sorted(KITA_FILES))
def test_kita_magnitudes(inbox: Path, truth: Truth, year: int) -> None:
    header, rows = _table(inbox / KITA_FILES[year], "Einrichtung")
    assert header == ["Einrichtung", "Träger", "Gebiet", "Plätze U3", "Plätze Ü3", "Adresse"]
    facilities = [row for row in rows if not _is_total(row[0])]
    total = next(row for row in rows if _is_total(row[0]))
    assert 50 <= len(facilities) <= 62
    assert len({row[0] for row in facilities}) == len(facilities)
    assert any(row[3] is None for row in facilities)  # Einrichtungen ohne U3-Gruppe: Zelle leer
    u3 = sum(_num(row[3]) or 0 for row in facilities)
    ue3 = sum(_num(row[4]) for row in facilities)
    assert [u3, ue3] == [total[3], total[4]]
    # Versorgung zum 01.03. gegenüber den Kindern am 31.12. davor: U3 ≈ 30-35 % (Ausbau über die Jahre),
    # Ü3 ≈ 90-95 %; in den Gebieten mit hohem Bedarf niedriger als in der Stadt.
    population = year - 1
    assert 0.29 <= u3 / _residents(truth, population, 0, 2) <= 0.36
    assert 0.90 <= ue3 / _residents(truth, population, 3, 5) <= 0.95
    # Plätze in Gebieten mit hohem Bedarf (Gebiete sind dort seit 2000 unverändert, also direkt vergleichbar).
    hoch = _level_areas(truth, population, "hoch")
    u3_hoch = sum(_num(row[3]) or 0 for row in facilities if _gebiet_id(row[2]) in hoch)
    assert u3_hoch / _residents(truth, population, 0, 2, hoch) < u3 / _residents(truth, population, 0, 2)
    if year == 2023:
        assert 0.30 <= u3 / _residents(truth, population, 0, 2) <= 0.35


def test_kita_places_grow(inbox: Path) -> None:
    places = []
    for name in KITA_FILES.values():
        _, rows = _table(inbox / name, "Einrichtung")
        places.append(next(_num(row[3]) for row in rows if _is_total(row[0])))
    assert places[-1] > places[0]


# --------------------------------------------------------------------------- Sozialraumkonferenz


def _konferenz(path: Path) -> dict[str, tuple[list[object], list[list[object]]]]:
    sheets = _cell_values(path)
    return {name: (list(rows[0]), [list(r) for r in rows[1:] if any(v is not None for v in r)])
            for name, rows in sheets.items()}


def test_konferenz_workbooks(inbox: Path) -> None:
    reference = _reference_rows()
    raeume = {row["sozialraum_id"] for row in reference} | {row["sozialraum"] for row in reference} | {"Gesamtstadt"}
    profil = {row["sozialraum_id"]: row["bedarf"] for row in csv.DictReader((REFERENCE / "demo_profil.csv").open())}
    hoch_names = {row["sozialraum"] for row in reference if profil[row["sozialraum_id"]] == "hoch"}
    findings: dict[int, str] = {}
    measures: dict[int, list[str]] = defaultdict(list)
    for name in KONFERENZ_FILES:
        book = _konferenz(inbox / name)
        assert list(book) == ["Veranstaltung", "Teilnehmende", "Arbeitsgruppen", "Ergebnisse", "Maßnahmen"]
        veranstaltung = {row[0]: row[1] for row in [book["Veranstaltung"][0], *book["Veranstaltung"][1]]}
        assert {"Titel", "Datum", "Ort", "Format", "Sozialräume"} <= set(veranstaltung)
        genannt = {part.strip() for part in veranstaltung["Sozialräume"].split(",")}
        assert genannt <= raeume
        if name == KONFERENZ_FILES[0]:
            assert genannt == hoch_names  # die Sozialräume mit hohem Bedarf laut Profil
        header, teilnehmende = book["Teilnehmende"]
        assert header == ["Name", "Vorname", "E-Mail", "Organisation", "Sektor", "Sozialraum"]
        assert 55 <= len(teilnehmende) <= 90
        assert {row[4] for row in teilnehmende} <= SEKTOREN and {row[5] for row in teilnehmende} <= raeume
        assert all(row[2].endswith(".example") for row in teilnehmende)  # erfundene Adressen
        assert {row[1] for row in book["Arbeitsgruppen"][1]} <= raeume
        header, ergebnisse = book["Ergebnisse"]
        assert header == ["Nr", "AG", "Sozialraum", "Handlungsfeld", "Art", "Beschreibung", "Priorität"]
        for nr, _, raum, feld, art, text, prio in ergebnisse:
            assert nr not in findings  # Nummern über beide Konferenzen eindeutig
            findings[nr] = f"{feld}|{art}|{text}"
            assert raum in raeume and feld in HANDLUNGSFELDER
            assert art in ("Bedarf", "Ressource", "Maßnahmenvorschlag") and prio in (None, 1, 2, 3)
        header, rows = book["Maßnahmen"]
        assert header == ["Nr", "Bezug Ergebnis", "Titel", "Zuständig", "Status", "Termin", "Gremium"]
        assert len({row[0] for row in rows}) == len(rows)
        for nr, bezug, *_, status, termin, _gremium in rows:
            assert status in STATUS and (termin is None or isinstance(termin, dt.datetime))
            assert all(int(part) in findings for part in str(bezug).split(", "))
            measures[nr].append(status)
    texts = " ".join(findings.values())
    for topic in ("Betreuungsplätze", "ÖPNV", "Ehrenamtliche", "Koordination"):
        assert topic in texts, topic
    # Folgekonferenz: einige Maßnahmen der ersten mit neuem Stand, darunter umgesetzt und verworfen.
    repeated = {nr: states for nr, states in measures.items() if len(states) == 2}
    assert len(repeated) >= 4 and all(a != b for a, b in repeated.values())
    assert {"umgesetzt", "verworfen"} <= {b for _, b in repeated.values()}
    # offene Bedarfe: nicht jeder Bedarf hat eine Maßnahme
    assert Counter(text.split("|")[1] for text in findings.values())["Bedarf"] > len(measures) / 2
