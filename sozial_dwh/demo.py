"""Beispieldaten: deterministische, absichtlich unordentliche Statistik-Dateien für die Inbox.

Aus der Gebietsgliederung (`gebiete.csv`) und dem Bedarfsprofil (`demo_profil.csv`) wird eine
einzige "Wahrheit" erzeugt (Einwohner je Gebiet, Stichtag, Alter, Geschlecht, Staatsangehörigkeit
und Migrationshintergrund); alle Dateien sind daraus abgeleitet, ihre Summen passen zueinander.
Jede Quelle hat eine eigene private Funktion `_write_<quelle>`; `write_demo` ruft alle auf.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.writer.excel import ExcelWriter

from sozial_dwh import config

GEBIETE_FILE = "gebiete.csv"
PROFIL_FILE = "demo_profil.csv"

BEDARF_LEVELS = ("hoch", "mittel", "niedrig")
DEFAULT_BEDARF = "mittel"

STICHTAGE = tuple(dt.date(year, 12, 31) for year in range(2018, 2023))

# Feste Zeitstempel, damit die xlsx-Dateien bei jedem Lauf bytegleich sind.
FIXED_TIMESTAMP = dt.datetime(2023, 2, 15, 8, 0, 0)
_ZIP_DATE_TIME = (2023, 2, 15, 8, 0, 0)

# Größe der Stadt am ersten Stichtag und Entwicklung pro Jahr.
CITY_TARGET = 94_600
MIN_AREA_SIZE = 1_500
TREND_MEAN = -0.003
TREND_AREA_SD = 0.003
TREND_YEAR_SD = 0.002

MAX_AGE = 100  # "100 und älter"
AGES = np.arange(MAX_AGE + 1)

# Achsen des Zählwürfels counts[alter, geschlecht, staatsangehoerigkeit, migrationshintergrund].
SEXES = ("m", "w")
NATIONALITIES = ("deutsch", "nichtdeutsch")
MIGRATION = ("ja", "nein")
DEUTSCH, NICHTDEUTSCH = 0, 1
MIG_JA, MIG_NEIN = 0, 1

# Altersgruppen (von, bis einschließlich) mit Beschriftung in der CSV und im Strukturblatt.
AGE_BANDS: tuple[tuple[int, int, str, str], ...] = (
    (0, 2, "unter 3", "0 bis unter 3"),
    (3, 5, "3 bis 5", "3 bis unter 6"),
    (6, 9, "6 bis 9", "6 bis unter 10"),
    (10, 14, "10 bis 14", "10 bis unter 15"),
    (15, 17, "15 bis 17", "15 bis unter 18"),
    (18, 19, "18 bis 19", "18 bis unter 20"),
    (20, 24, "20 bis 24", "20 bis unter 25"),
    (25, 44, "25 bis 44", "25 bis unter 45"),
    (45, 64, "45 bis 64", "45 bis unter 65"),
    (65, 74, "65 bis 74", "65 bis unter 75"),
    (75, MAX_AGE, "75 und älter", "75 und älter"),
)

# Altersaufbau (Stützstellen, linear interpoliert) und Anteil Männer je Alter.
_AGE_SHAPE = (
    (0, 5, 17, 20, 25, 32, 40, 50, 57, 62, 70, 78, 84, 90, 95, 100),
    (0.85, 0.9, 0.95, 1.1, 1.25, 1.3, 1.2, 1.3, 1.5, 1.4, 1.0, 0.85, 0.7, 0.3, 0.08, 0.02),
)
_MALE_SHARE = ((0, 20, 60, 75, 85, 100), (0.513, 0.51, 0.5, 0.47, 0.38, 0.25))
# Relative Häufigkeit nach Alter: Nichtdeutsche; Deutsche mit Migrationshintergrund.
_NICHTDEUTSCH_SHAPE = ((0, 18, 25, 40, 55, 65, 80, 100), (0.9, 0.9, 1.5, 1.5, 1.0, 0.5, 0.3, 0.2))
_MIG_DEUTSCH_SHAPE = ((0, 18, 30, 50, 65, 100), (2.0, 1.8, 1.2, 0.9, 0.5, 0.4))


@dataclass(frozen=True)
class _Profile:
    """Strukturparameter je Bedarfsstufe (Spannen, aus denen je Gebiet gezogen wird)."""

    kids_factor: tuple[float, float]
    old_factor: tuple[float, float]
    nichtdeutsch: tuple[float, float]
    migration: tuple[float, float]


PROFILES: dict[str, _Profile] = {
    "hoch": _Profile((1.08, 1.16), (0.86, 0.94), (0.21, 0.28), (0.40, 0.50)),
    "mittel": _Profile((1.0, 1.06), (0.95, 1.02), (0.12, 0.16), (0.26, 0.32)),
    "niedrig": _Profile((0.93, 1.0), (1.0, 1.07), (0.06, 0.10), (0.15, 0.20)),
}


@dataclass(frozen=True)
class Area:
    gebiet_id: str
    name: str
    sozialraum_id: str
    gemeinde_ags: str
    gueltig_ab: dt.date
    gueltig_bis: dt.date | None
    nachfolger_id: str | None

    def valid_at(self, day: dt.date) -> bool:
        return self.gueltig_ab <= day and (self.gueltig_bis is None or day <= self.gueltig_bis)

    @property
    def code(self) -> int | str:
        """Gebietsnummer als Zahl, wenn sie eine ist (so steht sie in den Tabellen)."""
        return int(self.gebiet_id) if self.gebiet_id.isdigit() else self.gebiet_id


@dataclass(frozen=True)
class Truth:
    """Die erzeugte Bevölkerung: counts[(gebiet_id, stichtag)] mit Form (101, 2, 2, 2)."""

    areas: tuple[Area, ...]
    counts: dict[tuple[str, dt.date], np.ndarray]

    def valid_areas(self, day: dt.date) -> list[Area]:
        return [area for area in self.areas if area.valid_at(day)]

    def total(self, day: dt.date) -> int:
        return sum(int(self.counts[area.gebiet_id, day].sum()) for area in self.valid_areas(day))


# --------------------------------------------------------------------------- public API


def write_demo(inbox: Path, reference: Path | None = None) -> list[Path]:
    """Writes the example files into `inbox` (created if missing) and returns their paths."""
    reference = Path(reference) if reference is not None else config.reference_dir()
    inbox = Path(inbox)
    inbox.mkdir(parents=True, exist_ok=True)
    truth = build_truth(reference)
    paths: list[Path] = []
    for source in _SOURCES:
        paths.extend(source(inbox, truth))
    return paths


def build_truth(reference: Path | None = None) -> Truth:
    """Erzeugt die Bevölkerung für alle Gebiete und Stichtage (ohne Dateien zu schreiben)."""
    reference = Path(reference) if reference is not None else config.reference_dir()
    areas = _read_areas(reference / GEBIETE_FILE)
    bedarf = _read_profile(reference / PROFIL_FILE)
    return _population(areas, bedarf)


# --------------------------------------------------------------------------- Referenzdaten


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(handle)]


def _read_areas(path: Path) -> tuple[Area, ...]:
    areas = []
    for row in _read_csv(path):
        areas.append(Area(
            gebiet_id=row["gebiet_id"],
            name=row["name"],
            sozialraum_id=row["sozialraum_id"],
            gemeinde_ags=row["gemeinde_ags"],
            gueltig_ab=dt.date.fromisoformat(row["gueltig_ab"]),
            gueltig_bis=dt.date.fromisoformat(row["gueltig_bis"]) if row["gueltig_bis"] else None,
            nachfolger_id=row["nachfolger_id"] or None,
        ))
    if not areas:
        raise ValueError(f"{path}: keine Gebiete.")
    return tuple(areas)


def _read_profile(path: Path) -> dict[str, str]:
    """Bedarfsstufe je Sozialraum; fehlt die Datei, gilt überall `mittel`."""
    if not path.exists():
        return {}
    profile = {}
    for row in _read_csv(path):
        level = row["bedarf"].lower()
        if level not in BEDARF_LEVELS:
            raise ValueError(f"{path.name}: unbekannte Bedarfsstufe {row['bedarf']!r} für {row['sozialraum_id']}.")
        profile[row["sozialraum_id"]] = level
    return profile


# --------------------------------------------------------------------------- Wahrheit


def _seed(*parts: object) -> int:
    """Stabiler Seed (crc32), unabhängig von PYTHONHASHSEED."""
    return zlib.crc32(":".join(str(p) for p in ("sozial_dwh.demo", *parts)).encode("utf-8"))


class _Lineage:
    """Vorgänger/Nachfolger: ein Nachfolger erhält die Bevölkerung, die seine Vorgänger gehabt hätten."""

    def __init__(self, areas: Sequence[Area]) -> None:
        self.by_id = {area.gebiet_id: area for area in areas}
        self.predecessors: dict[str, list[Area]] = {}
        for area in areas:
            if area.nachfolger_id and area.nachfolger_id in self.by_id:
                self.predecessors.setdefault(area.nachfolger_id, []).append(area)

    def has_own(self, area: Area) -> bool:
        """Eigene Bevölkerung hat ein Gebiet ohne Vorgänger oder eines, das neben ihnen bestand."""
        preds = self.predecessors.get(area.gebiet_id, [])
        return not preds or any(p.gueltig_bis is None or area.gueltig_ab <= p.gueltig_bis for p in preds)

    def aggregate(self, area: Area, day: dt.date, own: Callable[[Area], object], _seen: frozenset = frozenset()):
        """Eigener Wert plus die Werte der Vorgänger, die am Stichtag schon aufgegangen sind."""
        if area.gebiet_id in _seen:
            raise ValueError(f"Zyklus in nachfolger_id bei Gebiet {area.gebiet_id}.")
        seen = _seen | {area.gebiet_id}
        total = own(area) if self.has_own(area) else 0
        for pred in self.predecessors.get(area.gebiet_id, []):
            if pred.gueltig_bis is not None and pred.gueltig_bis < day:
                total = total + self.aggregate(pred, day, own, seen)
        return total


def _shape(points: tuple[tuple[float, ...], tuple[float, ...]]) -> np.ndarray:
    return np.interp(AGES, points[0], points[1])


def _probabilities(area: Area, level: str) -> np.ndarray:
    """Wahrscheinlichkeit je Zelle (Alter, Geschlecht, Staatsangehörigkeit, Migrationshintergrund)."""
    rng = np.random.default_rng(_seed("struktur", area.gebiet_id))
    profile = PROFILES[level]
    age = _shape(_AGE_SHAPE)
    age[:18] *= rng.uniform(*profile.kids_factor)
    age[65:] *= rng.uniform(*profile.old_factor)
    age /= age.sum()

    nd_shape = _shape(_NICHTDEUTSCH_SHAPE)
    p_nd = np.clip(rng.uniform(*profile.nichtdeutsch) * nd_shape / (age @ nd_shape), 0.0, 0.9)
    share_nd = age @ p_nd
    share_mig = rng.uniform(*profile.migration)
    # Deutsche mit Migrationshintergrund: Rest bis zur Zielquote, nach Alter gewichtet.
    german_age = age * (1 - p_nd)
    mig_shape = _shape(_MIG_DEUTSCH_SHAPE)
    target_de = max(share_mig - share_nd, 0.0) / (1 - share_nd)
    q_mig = np.clip(target_de * mig_shape / (german_age @ mig_shape / german_age.sum()), 0.0, 0.95)

    male = _shape(_MALE_SHARE)
    p = np.zeros((MAX_AGE + 1, 2, 2, 2))
    for sex, sex_share in enumerate((male, 1 - male)):
        base = age * sex_share
        p[:, sex, DEUTSCH, MIG_JA] = base * (1 - p_nd) * q_mig
        p[:, sex, DEUTSCH, MIG_NEIN] = base * (1 - p_nd) * (1 - q_mig)
        p[:, sex, NICHTDEUTSCH, MIG_JA] = base * p_nd  # Nichtdeutsche haben immer Migrationshintergrund
    return p / p.sum()


def _population(areas: Sequence[Area], bedarf: dict[str, str]) -> Truth:
    lineage = _Lineage(areas)
    own_areas = [area for area in areas if lineage.has_own(area)]
    raw = {a.gebiet_id: np.random.default_rng(_seed("groesse", a.gebiet_id)).random() ** 1.2 for a in own_areas}

    # Größen affin skalieren: Summe am ersten Stichtag = CITY_TARGET, kleinstes Gebiet ~MIN_AREA_SIZE.
    first = STICHTAGE[0]
    valid_first = [area for area in areas if area.valid_at(first)]
    total_raw = sum(lineage.aggregate(a, first, lambda x: raw[x.gebiet_id]) for a in valid_first)
    total_min = sum(lineage.aggregate(a, first, lambda x: MIN_AREA_SIZE) for a in valid_first)
    if total_raw > 0 and total_min < CITY_TARGET:
        scale, offset = (CITY_TARGET - total_min) / total_raw, float(MIN_AREA_SIZE)
    else:
        n_first = max(len(valid_first), 1)
        scale, offset = 0.0, CITY_TARGET / n_first

    own_counts: dict[tuple[str, dt.date], np.ndarray] = {}
    for area in own_areas:
        size = offset + scale * raw[area.gebiet_id]
        probs = _probabilities(area, bedarf.get(area.sozialraum_id, DEFAULT_BEDARF))
        trend_rng = np.random.default_rng(_seed("trend", area.gebiet_id))
        trend = TREND_MEAN + trend_rng.normal(0.0, TREND_AREA_SD)
        for index, day in enumerate(STICHTAGE):
            if index:
                size *= 1 + trend + trend_rng.normal(0.0, TREND_YEAR_SD)
            draw_rng = np.random.default_rng(_seed("zaehlung", area.gebiet_id, day.isoformat()))
            own_counts[area.gebiet_id, day] = draw_rng.multinomial(round(size), probs.ravel()).reshape(probs.shape)

    counts = {}
    for area in areas:
        for day in STICHTAGE:
            value = lineage.aggregate(area, day, lambda x, d=day: own_counts[x.gebiet_id, d])
            if not isinstance(value, np.ndarray):  # weder eigene Bevölkerung noch aufgegangene Vorgänger
                value = np.zeros((MAX_AGE + 1, 2, 2, 2), dtype=np.int64)
            counts[area.gebiet_id, day] = value
    return Truth(areas=tuple(areas), counts=counts)


# --------------------------------------------------------------------------- Hilfen zum Schreiben


def _de_number(value: int) -> str:
    """Deutsche Schreibweise mit Tausenderpunkt: 1234 -> "1.234"."""
    return f"{value:,}".replace(",", ".")


def _de_date(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")


def _band_sums(cube: np.ndarray) -> list[np.ndarray]:
    """Je Altersgruppe die Summe nach Geschlecht (Array der Länge 2)."""
    return [cube[lo:hi + 1].sum(axis=(0, 2, 3)) for lo, hi, _, _ in AGE_BANDS]


def _new_workbook() -> Workbook:
    wb = Workbook()
    wb.properties.creator = "sozial_dwh demo"
    wb.properties.lastModifiedBy = "sozial_dwh demo"
    wb.properties.created = FIXED_TIMESTAMP
    wb.properties.modified = FIXED_TIMESTAMP
    return wb


def _save_workbook(wb: Workbook, path: Path) -> Path:
    """Speichert bytegleich: feste Dokument-Zeitstempel und feste Zeiten im Zip-Archiv."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).write_data()  # wie wb.save(), aber ohne "modified = jetzt"
    buffer.seek(0)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=_ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            target.writestr(info, source.read(item.filename))
    return path


def _header_row(ws, row: int, labels: Sequence[str]) -> None:
    for column, label in enumerate(labels, start=1):
        cell = ws.cell(row=row, column=column, value=label)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")


# --------------------------------------------------------------------------- Quelle: Bevölkerung


def _write_bevoelkerung(inbox: Path, truth: Truth) -> list[Path]:
    """Fünf Jahrgänge in vier verschiedenen Aufmachungen."""
    y2018, y2019, y2020, y2021, y2022 = STICHTAGE
    return [
        _bevoelkerung_long_xlsx(inbox / f"bevoelkerung_{y2018.isoformat()}.xlsx", truth, y2018),
        _bevoelkerung_long_csv(inbox / f"bevoelkerung_{y2019.isoformat()}.csv", truth, y2019),
        _bevoelkerung_wide_xlsx(inbox / f"bevoelkerung_{y2020.isoformat()}.xlsx", truth, y2020),
        _bevoelkerung_wide_xlsx(inbox / f"bevoelkerung_{y2021.isoformat()}.xlsx", truth, y2021),
        _bevoelkerung_wide_xlsx(
            inbox / f"Strukturdaten Einwohner {y2022.year}.xlsx", truth, y2022, with_info=True,
        ),
    ]


def _bevoelkerung_long_xlsx(path: Path, truth: Truth, day: dt.date) -> Path:
    """Langformat mit allen Merkmalen; einige Zahlen stehen als Text in der Zelle."""
    wb = _new_workbook()
    ws = wb.active
    ws.title = "Bevölkerung"
    ws["A1"] = "Einwohnerinnen und Einwohner nach Alter, Geschlecht, Staatsangehörigkeit und Migrationshintergrund"
    ws["A1"].font = Font(bold=True)
    ws["A2"] = f"Stand: {_de_date(day)}"
    _header_row(ws, 4, [
        "Bezirk-Nr", "Alter", "Geschlecht", "Staats-\nangehörigkeit", "Migrations-\nhintergrund", "Einwohner",
    ])
    row = 5
    index = 0
    for area in truth.valid_areas(day):
        cube = truth.counts[area.gebiet_id, day]
        label = f"{area.gebiet_id} {area.name}"
        for age in range(MAX_AGE + 1):
            age_value: int | str = age if age < MAX_AGE else f"{MAX_AGE}+"
            for s, sex in enumerate(SEXES):
                for n, nationality in enumerate(NATIONALITIES):
                    for m, migration in enumerate(MIGRATION):
                        count = int(cube[age, s, n, m])
                        index += 1
                        value: int | str = str(count) if index % 37 == 0 else count
                        ws.append([label, age_value, sex, nationality, migration, value])
                        row += 1
    ws.cell(row=row + 1, column=1, value="Quelle: Melderegister, Hauptwohnsitze")
    ws.cell(row=row + 2, column=1, value="*) Migrationshintergrund abgeleitet aus dem Melderegister")
    ws.column_dimensions["A"].width = 40
    return _save_workbook(wb, path)


def _bevoelkerung_long_csv(path: Path, truth: Truth, day: dt.date) -> Path:
    """Langformat in Windows-1252 mit Semikolon, Altersgruppen und deutschen Tausenderpunkten."""

    def number(value: int) -> str:
        return _de_number(value) if value >= 1000 else str(value)

    sex_labels = ("männlich", "weiblich")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([f"Bevölkerung am {_de_date(day)}", "", "", "", "", ""])
    writer.writerow(["Gebiet", "Altersgruppe", "Geschlecht", "Staatsangehörigkeit", "Migrationshintergrund", "Anzahl"])
    city = [np.zeros(2, dtype=np.int64) for _ in AGE_BANDS]
    for area in truth.valid_areas(day):
        cube = truth.counts[area.gebiet_id, day]
        for band_index, ((_, _, label, _), sums) in enumerate(zip(AGE_BANDS, _band_sums(cube), strict=True)):
            city[band_index] += sums
            for s, sex in enumerate(sex_labels):
                writer.writerow([area.gebiet_id, label, sex, "", "", number(int(sums[s]))])
        writer.writerow([area.gebiet_id, "insgesamt", "", "nichtdeutsch", "", number(int(cube[:, :, NICHTDEUTSCH].sum()))])
        writer.writerow([area.gebiet_id, "insgesamt", "", "", "ja", number(int(cube[:, :, :, MIG_JA].sum()))])
    for (_, _, label, _), sums in zip(AGE_BANDS, city, strict=True):
        for s, sex in enumerate(sex_labels):
            writer.writerow(["Stadt insgesamt", label, sex, "", "", number(int(sums[s]))])
    writer.writerow(["Quelle: Melderegister", "", "", "", "", ""])
    path.write_bytes(buffer.getvalue().encode("cp1252"))
    return path


WIDE_HEADER = (
    "Gebiet", "Bezeichnung", "Einwohner\ninsgesamt", "männlich", "weiblich",
    *(band[3] for band in AGE_BANDS),
    "Ausländer/-innen", "mit Migrations-\nhintergrund",
)


def _wide_values(cube: np.ndarray) -> list[int]:
    """Insgesamt, männlich, weiblich, Altersgruppen, Nichtdeutsche, mit Migrationshintergrund."""
    by_sex = cube.sum(axis=(0, 2, 3))
    return [
        int(cube.sum()), int(by_sex[0]), int(by_sex[1]),
        *(int(sums.sum()) for sums in _band_sums(cube)),
        int(cube[:, :, NICHTDEUTSCH].sum()), int(cube[:, :, :, MIG_JA].sum()),
    ]


def _bevoelkerung_wide_xlsx(path: Path, truth: Truth, day: dt.date, with_info: bool = False) -> Path:
    """Strukturtabelle (ein Gebiet je Zeile); optional mit vorangestelltem Info-Blatt."""
    wb = _new_workbook()
    areas = truth.valid_areas(day)
    if with_info:
        info = wb.active
        info.title = "Info"
        gemeinden = ", ".join(sorted({area.gemeinde_ags for area in areas}))
        for key, value in (
            ("Quelle", "bevoelkerung"),
            ("Stichtag", _de_date(day)),
            ("Gemeinde", gemeinden),
            ("Stand", _de_date(dt.date(day.year + 1, 2, 15))),
        ):
            info.append([key, value])
            info.cell(row=info.max_row, column=2).number_format = "@"
        ws = wb.create_sheet("Strukturtabelle")
    else:
        ws = wb.active
        ws.title = "Strukturtabelle"

    ws["A1"] = "Bevölkerungsstruktur nach statistischen Bezirken"
    ws["A1"].font = Font(bold=True)
    ws["A2"] = f"Stichtag {_de_date(day)}"
    _header_row(ws, 4, WIDE_HEADER)
    totals = [0] * (len(WIDE_HEADER) - 2)
    for index, area in enumerate(areas, start=1):
        values = _wide_values(truth.counts[area.gebiet_id, day])
        totals = [a + b for a, b in zip(totals, values, strict=True)]
        cells: list[int | str] = list(values)
        if index % 5 == 0:
            cells[0] = _de_number(values[0])  # Zahl als Text, wie aus einem Fremdsystem kopiert
        ws.append([area.code, area.name, *cells])
    ws.append(["Stadt insgesamt", None, *totals])
    ws.append([])
    ws.append(["Quelle: Melderegister, Hauptwohnsitze"])
    ws.append(["Rundungsdifferenzen sind nicht möglich, da Fallzahlen."])
    ws.column_dimensions["B"].width = 36
    return _save_workbook(wb, path)


# Alle Quellen; neue Quellen (SGB II, Arbeitslose, ...) als weitere `_write_<quelle>` hier ergänzen.
_SOURCES: tuple[Callable[[Path, Truth], list[Path]], ...] = (_write_bevoelkerung,)
