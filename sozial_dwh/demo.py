"""Beispieldaten: deterministische, absichtlich unordentliche Statistik-Dateien für die Inbox.

Aus der Gebietsgliederung (`gebiete.csv`) und dem Bedarfsprofil (`demo_profil.csv`) wird eine
einzige "Wahrheit" erzeugt (Einwohner je Gebiet, Stichtag, Alter, Geschlecht, Staatsangehörigkeit
und Migrationshintergrund); alle Dateien sind daraus abgeleitet, ihre Summen passen zueinander.
Jede Quelle hat eine eigene private Funktion `_write_<quelle>`; `write_demo` ruft alle auf.

Geschrieben werden alle Quellen aus architektur.md §5.2, jeweils in mehreren Aufmachungen, wie sie in einer
Statistikstelle ankommen (Titelzeilen, Fußnoten, Zahlen als Text, DIN-55301-Zeichen, Summenzeilen):
- `bevoelkerung` 31.12.2018-2022 (Lang- und Breitformat),
- `sgb2` 31.12.2018-2022: aggregiert je Gebiet (2018-2020), AkG-Layout der BA mit `…SUM`-Summen,
  „keine Angabe“ und `*` (2021), pseudonymisierte Personendatensätze (2022). Die Leistungsberechtigten
  werden als Bedarfsgemeinschaften (Haushalte) aus der Altersverteilung des Gebiets erzeugt,
- `arbeitslose` und `grundsicherung` 31.12.2018-2022 (lang, lang mit verschieden feinen Zellen, breit),
- `kita` 01.03.2019-2023 (eine Zeile je Einrichtung),
- `konferenz`: Sozialraumkonferenz der Sozialräume mit Profil „hoch“ (21.09.2022) und eine Folgekonferenz
  (15.03.2023), die den Stand einiger Maßnahmen der ersten fortschreibt,
- `merkmale` (architektur.md §5.5): eine Lieferung der Wohngeldstelle mit den Wohngeldhaushalten je Gebiet an allen fünf
  Stichtagen in einer Datei (Spalte „Stichtag“).
Quoten hängen von der Bedarfsstufe des Sozialraums ab; Gebietsabweichungen sind über die Jahre autokorreliert.

Für den Benchmark (`sozial_dwh.bench`) vervielfacht `write_demo(..., scale=N)` das Beispiel auf N Gemeinden
gleicher Größe (eigener AGS, eigene Gebietsschlüssel und Namen, `gemeinden_zeilen`), mit SGB II in allen fünf
Jahren als Personendatensätze; `write_reference` schreibt die passende Gebietsgliederung, `write_stichtag` einen
sechsten Stichtag. Umfang 1 ohne diese Schalter bleibt bytegleich das Beispiel.
"""

from __future__ import annotations

import concurrent.futures
import csv
import datetime as dt
import functools
import io
import math
import multiprocessing
import os
import shutil
import tempfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from sozial_dwh import config
from sozial_dwh.xlsx import save_reproducible

GEBIETE_FILE = "gebiete.csv"
PROFIL_FILE = "demo_profil.csv"

BEDARF_LEVELS = ("hoch", "mittel", "niedrig")
DEFAULT_BEDARF = "mittel"

STICHTAGE = tuple(dt.date(year, 12, 31) for year in range(2018, 2023))

# Feste Zeitstempel, damit die xlsx-Dateien bei jedem Lauf bytegleich sind.
FIXED_TIMESTAMP = dt.datetime(2023, 2, 15, 8, 0, 0)

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
    sozialraum: str = ""
    stadtbezirk: str = ""
    gemeinde: str = ""
    akg_code: str = ""  # 9-stelliger Gebietsschlüssel der Bundesagentur für Arbeit (optional)

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
    levels: dict[str, str] = field(default_factory=dict)  # Bedarfsstufe je Sozialraum (demo_profil.csv)

    def valid_areas(self, day: dt.date) -> list[Area]:
        return [area for area in self.areas if area.valid_at(day)]

    def level(self, area: Area) -> str:
        return self.levels.get(area.sozialraum_id, DEFAULT_BEDARF)

    def total(self, day: dt.date) -> int:
        return sum(int(self.counts[area.gebiet_id, day].sum()) for area in self.valid_areas(day))


# --------------------------------------------------------------------------- public API


PARALLEL_AB_GEMEINDEN = 8  # darunter lohnt der Start weiterer Prozesse (je rund 1 s) nicht


def write_demo(inbox: Path, reference: Path | None = None, scale: int = 1,
               sgb2_personen: bool | None = None) -> list[Path]:
    """Writes the example files into `inbox` (created if missing) and returns their paths.

    `scale` = 1 ist das Beispiel der Gebietsgliederung in `reference` (Standard: data/reference), bytegleich bei
    jedem Aufruf. `scale` = N schreibt N Gemeinden dieser Größe (`gemeinden_zeilen`: eigener AGS, eigene
    Gebietsschlüssel und Namen), jede mit allen Quellen; die Dateinamen tragen dann den AGS (`…_05962025.xlsx`).
    Die Gebietsgliederung dazu schreibt `write_reference`. `sgb2_personen` (Standard: ab 2 Gemeinden) liefert
    SGB II in allen fünf Jahren als pseudonymisierte Personendatensätze (2022 als CSV, sonst xlsx).
    """
    reference = Path(reference) if reference is not None else config.reference_dir()
    if scale < 1:
        raise ValueError("scale muss mindestens 1 sein.")
    personen = scale > 1 if sgb2_personen is None else sgb2_personen
    inbox = Path(inbox)
    inbox.mkdir(parents=True, exist_ok=True)
    if scale == 1 and not personen:
        world = _World(build_truth(reference))
        paths: list[Path] = []
        for source in _SOURCES:
            paths.extend(source(inbox, world))
        return paths
    sources = tuple(_write_sgb2_personen if source is _write_sgb2 else source for source in _SOURCES) \
        if personen else _SOURCES
    return _je_gemeinde(inbox, _gemeinden(reference, scale), STICHTAGE, sources)


def write_stichtag(inbox: Path, day: dt.date, reference: Path | None = None, scale: int = 1) -> list[Path]:
    """Ein weiterer Stichtag nach den fünf des Beispiels (z. B. 31.12.2023) für alle Gemeinden von `write_demo`:
    Bevölkerung (Strukturtabelle) und SGB-II-Personendatensätze je Gemeinde – wie eine neue Jahreslieferung."""
    reference = Path(reference) if reference is not None else config.reference_dir()
    if day <= STICHTAGE[-1]:
        raise ValueError(f"Der Stichtag {day} liegt nicht nach {STICHTAGE[-1]}.")
    stichtage = (*STICHTAGE, day)

    inbox = Path(inbox)
    inbox.mkdir(parents=True, exist_ok=True)
    return _je_gemeinde(inbox, _gemeinden(reference, scale), stichtage, (functools.partial(_stichtag_quellen, day),))


def _stichtag_quellen(day: dt.date, inbox: Path, world: _World) -> list[Path]:
    return [
        _bevoelkerung_wide_xlsx(inbox / f"bevoelkerung_{day.isoformat()}.xlsx", world.truth, day),
        _sgb2_persons_xlsx(inbox / f"sgb2_{day.isoformat()}.xlsx", world, day),
    ]


def _eine_gemeinde(auftrag: tuple) -> list[Path]:
    inbox, rows, profile, stichtage, sources = auftrag
    world = _World(_population(_areas_from_rows(rows), profile, stichtage))
    return _write_with_suffix(inbox, f"_{rows[0]['gemeinde_ags']}", world, sources)


def _je_gemeinde(inbox: Path, gemeinden: list, stichtage: Sequence[dt.date], sources: Sequence) -> list[Path]:
    """Die Dateien jeder Gemeinde; ab `PARALLEL_AB_GEMEINDEN` in so vielen Prozessen, wie es Kerne gibt (höchstens
    4) – jede Gemeinde hängt nur von ihren Zeilen ab, das Ergebnis ist dasselbe (Reihenfolge wie `gemeinden`)."""
    auftraege = [(inbox, rows, profile, tuple(stichtage), tuple(sources)) for rows, profile in gemeinden]
    prozesse = min(os.cpu_count() or 1, 4)
    if len(auftraege) < PARALLEL_AB_GEMEINDEN or prozesse < 2:
        return [path for auftrag in auftraege for path in _eine_gemeinde(auftrag)]
    with concurrent.futures.ProcessPoolExecutor(prozesse, mp_context=multiprocessing.get_context("spawn")) as pool:
        return [path for paths in pool.map(_eine_gemeinde, auftraege) for path in paths]


def write_reference(target: Path, scale: int, reference: Path | None = None) -> Path:
    """Referenzordner für `write_demo(..., scale)`: `gebiete.csv` und `demo_profil.csv` mit allen Gemeinden,
    die übrigen Referenzdateien unverändert kopiert. Für `SOZIAL_DWH_REFERENCE`; data/reference bleibt das
    Beispiel mit einer Gemeinde."""
    reference = Path(reference) if reference is not None else config.reference_dir()
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(reference.iterdir()):
        if path.is_file() and path.name not in (GEBIETE_FILE, PROFIL_FILE):
            shutil.copy2(path, target / path.name)
    gemeinden = _gemeinden(reference, scale)
    with (reference / GEBIETE_FILE).open(encoding="utf-8-sig", newline="") as handle:
        columns = [c.strip() for c in next(csv.reader(handle)) if c.strip()]
    _write_csv(target / GEBIETE_FILE, columns, [row for rows, _ in gemeinden for row in rows])
    profile = [{"sozialraum_id": sr, "bedarf": level} for _, levels in gemeinden for sr, level in levels.items()]
    if profile:
        _write_csv(target / PROFIL_FILE, ["sozialraum_id", "bedarf"], profile)
    return target


def gemeinde_ags(basis: str, index: int) -> str:
    """AGS der Gemeinde Nr. `index` (0 = die des Beispiels) einer vervielfachten Gliederung: fortlaufend ab `basis`."""
    return f"{int(basis) + index:08d}"


def gemeinden_zeilen(rows: Sequence[dict[str, str]], index: int) -> list[dict[str, str]]:
    """Die Zeilen von gebiete.csv als Gemeinde Nr. `index` (0 = unverändert): eigener AGS und Gemeindename
    („Beispielgemeinde 002“), eigene Gebietsschlüssel (Nummer davor: 101 -> 2101), Sozialraum-Schlüssel
    (SR01 -> G002-SR01) und Namen („Zentrum-Nord – Beispielgemeinde 002“); AkG-Schlüssel entfallen.

    Kein „(… 002)“ am Namensende: `parsing.norm` nimmt „2)“ als Fußnotenzeichen, die Namen würden gleich."""
    if index == 0:
        return [dict(row) for row in rows]
    ags_basis = sorted({row["gemeinde_ags"] for row in rows})
    namen = {ags: f"Beispielgemeinde {index + 1:03d}" + (f"-{j + 1}" if len(ags_basis) > 1 else "")
             for j, ags in enumerate(ags_basis)}
    neue_ags = {ags: gemeinde_ags(ags, index * len(ags_basis) + j) for j, ags in enumerate(ags_basis)}

    def gebiet(value: str) -> str:
        if not value:
            return value
        return f"{index + 1}{value}" if value.isdigit() and not value.startswith("0") else f"{value}-{index + 1}"

    result = []
    for row in rows:
        name = namen[row["gemeinde_ags"]]
        new = dict(row)
        new.update(
            gebiet_id=gebiet(row["gebiet_id"]), nachfolger_id=gebiet(row.get("nachfolger_id", "")),
            name=f"{row['name']} – {name}", sozialraum_id=f"G{index + 1:03d}-{row['sozialraum_id']}",
            sozialraum=f"{row['sozialraum']} – {name}" if row.get("sozialraum") else "",
            stadtbezirk=f"{row['stadtbezirk']} – {name}" if row.get("stadtbezirk") else "",
            gemeinde_ags=neue_ags[row["gemeinde_ags"]], gemeinde=name,
        )
        if "akg_code" in new:
            new["akg_code"] = ""
        if new.get("stadtbezirk_id"):
            new["stadtbezirk_id"] = f"{new['stadtbezirk_id']}-{index + 1}"
        result.append(new)
    return result


def _gemeinden(reference: Path, scale: int) -> list[tuple[list[dict[str, str]], dict[str, str]]]:
    """Je Gemeinde: Zeilen der Gebietsgliederung und Bedarfsstufe je Sozialraum."""
    rows = _read_csv(reference / GEBIETE_FILE)
    if not rows:
        raise ValueError(f"{reference / GEBIETE_FILE}: keine Gebiete.")
    bedarf = _read_profile(reference / PROFIL_FILE)
    result = []
    ids: set[str] = set()
    for index in range(scale):
        own = gemeinden_zeilen(rows, index)
        mapping = {old["sozialraum_id"]: new["sozialraum_id"] for old, new in zip(rows, own, strict=True)}
        new_ids = {row["gebiet_id"] for row in own}
        if ids & new_ids:
            raise ValueError(f"Gebietsschlüssel der Gemeinde {index + 1} doppelt: {sorted(ids & new_ids)[:5]}")
        ids |= new_ids
        result.append((own, {mapping[sr]: level for sr, level in bedarf.items() if sr in mapping}))
    return result


def _write_csv(path: Path, columns: Sequence[str], rows: Sequence[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _write_with_suffix(inbox: Path, suffix: str, world: _World,
                       sources: Sequence[Callable[[Path, _World], list[Path]]]) -> list[Path]:
    """Schreibt die Quellen in einen Nebenordner und verschiebt sie mit `suffix` im Namen in den Eingang
    (je Datei ein Umbenennen: im Eingang liegt nie eine halb geschriebene Datei)."""
    staging = Path(tempfile.mkdtemp(prefix=".demo-", dir=inbox.parent))
    try:
        paths = []
        for source in sources:
            for path in source(staging, world):
                target = inbox / f"{path.stem}{suffix}{path.suffix}"
                path.replace(target)
                paths.append(target)
        return paths
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def build_truth(reference: Path | None = None, stichtage: Sequence[dt.date] = STICHTAGE) -> Truth:
    """Erzeugt die Bevölkerung für alle Gebiete und Stichtage (ohne Dateien zu schreiben).

    Weitere Stichtage nach den fünf des Beispiels (`stichtage`) lassen die ersten fünf unverändert.
    """
    reference = Path(reference) if reference is not None else config.reference_dir()
    areas = _read_areas(reference / GEBIETE_FILE)
    bedarf = _read_profile(reference / PROFIL_FILE)
    return _population(areas, bedarf, stichtage)


# --------------------------------------------------------------------------- Referenzdaten


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(handle)]


def _read_areas(path: Path) -> tuple[Area, ...]:
    areas = _areas_from_rows(_read_csv(path))
    if not areas:
        raise ValueError(f"{path}: keine Gebiete.")
    return areas


def _areas_from_rows(rows: Sequence[dict[str, str]]) -> tuple[Area, ...]:
    areas = []
    for row in rows:
        areas.append(Area(
            gebiet_id=row["gebiet_id"],
            name=row["name"],
            sozialraum_id=row["sozialraum_id"],
            gemeinde_ags=row["gemeinde_ags"],
            gueltig_ab=dt.date.fromisoformat(row["gueltig_ab"]),
            gueltig_bis=dt.date.fromisoformat(row["gueltig_bis"]) if row["gueltig_bis"] else None,
            nachfolger_id=row["nachfolger_id"] or None,
            sozialraum=row.get("sozialraum", ""),
            stadtbezirk=row.get("stadtbezirk", ""),
            gemeinde=row.get("gemeinde", ""),
            akg_code=row.get("akg_code", ""),
        ))
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


def _population(areas: Sequence[Area], bedarf: dict[str, str], stichtage: Sequence[dt.date] = STICHTAGE) -> Truth:
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
        for index, day in enumerate(stichtage):
            if index:
                size *= 1 + trend + trend_rng.normal(0.0, TREND_YEAR_SD)
            draw_rng = np.random.default_rng(_seed("zaehlung", area.gebiet_id, day.isoformat()))
            own_counts[area.gebiet_id, day] = draw_rng.multinomial(round(size), probs.ravel()).reshape(probs.shape)

    counts = {}
    for area in areas:
        for day in stichtage:
            value = lineage.aggregate(area, day, lambda x, d=day: own_counts[x.gebiet_id, d])
            if not isinstance(value, np.ndarray):  # weder eigene Bevölkerung noch aufgegangene Vorgänger
                value = np.zeros((MAX_AGE + 1, 2, 2, 2), dtype=np.int64)
            counts[area.gebiet_id, day] = value
    return Truth(areas=tuple(areas), counts=counts, levels=dict(bedarf))


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
    return wb


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
    return save_reproducible(wb, path, FIXED_TIMESTAMP)


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
    return save_reproducible(wb, path, FIXED_TIMESTAMP)


# --------------------------------------------------------------------------- Abgeleitete Größen


@dataclass(frozen=True)
class _Need:
    """Quoten je Bedarfsstufe (Spannen, aus denen je Gebiet einmal gezogen wird)."""

    sgb2_quote: tuple[float, float]  # Leistungsberechtigte je Einwohner unter 65
    alo_sgb2: tuple[float, float]  # Arbeitslose im SGB II je ELB
    alo_sgb3: tuple[float, float]  # Arbeitslose im SGB III je Einwohner 15-64
    grusi_alter: tuple[float, float]  # je Einwohner ab 65
    grusi_em: tuple[float, float]  # je Einwohner 18-64
    hlu: tuple[float, float]  # je Einwohner
    asyl_weight: float  # Gewicht bei der Verteilung der Unterkünfte (AsylbLG)
    kita_u3: float  # Versorgungsgrad relativ zur Stadt
    kita_ue3: float
    nichtdeutsch_factor: float  # Nichtdeutsche unter den Leistungsberechtigten relativ zum Gebiet


NEEDS: dict[str, _Need] = {
    "hoch": _Need((0.178, 0.195), (0.42, 0.48), (0.024, 0.028), (0.050, 0.065), (0.010, 0.013), (0.0010, 0.0015),
                  3.0, 0.82, 0.93, 1.7),
    "mittel": _Need((0.085, 0.095), (0.40, 0.46), (0.021, 0.025), (0.030, 0.040), (0.007, 0.009), (0.0006, 0.0010),
                    1.5, 1.0, 0.98, 2.0),
    "niedrig": _Need((0.041, 0.048), (0.38, 0.44), (0.018, 0.022), (0.018, 0.026), (0.004, 0.006), (0.0003, 0.0006),
                     0.6, 1.12, 1.0, 2.3),
}

# Entwicklung je Jahr (Faktor auf die Quoten): SGB II sinkt bis 2021 und steigt 2022 (Geflüchtete aus der
# Ukraine wechseln zum 1.6.2022 ins SGB II); Arbeitslosigkeit springt 2020 (Corona), Langzeitarbeitslosigkeit 2021.
YEAR_SGB2 = {2018: 1.015, 2019: 1.0, 2020: 1.01, 2021: 0.98, 2022: 1.02}
YEAR_ALO_SGB3 = {2018: 1.0, 2019: 0.97, 2020: 1.25, 2021: 1.06, 2022: 1.0}
YEAR_LANGZEIT = {2018: 1.0, 2019: 0.95, 2020: 0.93, 2021: 1.15, 2022: 1.06}
YEAR_GRUSI = {2018: 0.92, 2019: 0.95, 2020: 0.98, 2021: 1.0, 2022: 1.04}
ASYL_CITY_RATE = {2018: 0.0036, 2019: 0.0030, 2020: 0.0027, 2021: 0.0025, 2022: 0.0031}


class _World:
    """Die Wahrheit plus daraus abgeleitete Fallzahlen, einmal berechnet und von mehreren Quellen genutzt."""

    def __init__(self, truth: Truth) -> None:
        self.truth = truth
        self.lineage = _Lineage(truth.areas)
        self._sgb2: dict[dt.date, dict[str, list[_Person]]] = {}

    def ages(self, area: Area, day: dt.date) -> np.ndarray:
        """Einwohner je Altersjahr (0 … 100+)."""
        return self.truth.counts[area.gebiet_id, day].sum(axis=(1, 2, 3))

    def rng(self, *parts: object) -> np.random.Generator:
        return np.random.default_rng(_seed(*parts))

    def rate(self, name: str, area: Area, span: tuple[float, float]) -> float:
        """Quote eines Gebiets: einmal je Gebiet gezogen, über die Jahre stabil."""
        return float(self.rng("quote", name, area.gebiet_id).uniform(*span))

    def persistent(self, name: str, area: Area, year: int, sd: float = 0.05, rho: float = 0.8) -> float:
        """Abweichung eines Gebiets vom Erwartungswert, über die Jahre autokorreliert (AR(1)).

        Kleinräumige Zeitreihen schwanken in Wirklichkeit wenig von Jahr zu Jahr; unabhängig je Jahr gewürfelte
        Zahlen würden kleine Gebiete um 30-50 % springen lassen.
        """
        rng = self.rng("verlauf", name, area.gebiet_id)
        z = rng.normal(0.0, sd)
        for _ in range(year - STICHTAGE[0].year):
            z = rho * z + math.sqrt(1 - rho * rho) * rng.normal(0.0, sd)
        return math.exp(z)

    def need(self, area: Area) -> _Need:
        return NEEDS[self.truth.level(area)]

    def sgb2(self, day: dt.date) -> dict[str, list[_Person]]:
        if day not in self._sgb2:
            self._sgb2[day] = {area.gebiet_id: _sgb2_people(self, area, day) for area in self.truth.valid_areas(day)}
        return self._sgb2[day]

    def successor_at(self, area: Area, day: dt.date) -> Area:
        """Das am Tag gültige Gebiet, in dem `area` aufgegangen ist (bei gültigem Gebiet es selbst)."""
        seen = set()
        while not area.valid_at(day) and area.nachfolger_id and area.gebiet_id not in seen:
            seen.add(area.gebiet_id)
            area = self.lineage.by_id[area.nachfolger_id]
        return area


def _gemeinde_ags(truth: Truth) -> str:
    return ", ".join(sorted({area.gemeinde_ags for area in truth.areas}))


def _gemeinde_name(truth: Truth) -> str:
    return " / ".join(sorted({area.gemeinde for area in truth.areas if area.gemeinde})) or "Stadt"


def _ba(value: int) -> int | str:
    """Geheimhaltung der Bundesagentur für Arbeit: 1 und 2 werden als „*“ geliefert."""
    return "*" if value in (1, 2) else value


def _zero_dash(value: int) -> int | str:
    """Zeichenerklärung: „–“ = nichts vorhanden."""
    return "–" if value == 0 else value


def _write_table_xlsx(
    path: Path, sheet: str, titles: Sequence[str], header: Sequence[str], rows: Sequence[Sequence[object]],
    footnotes: Sequence[str], info: Sequence[tuple[str, str]] | None = None,
    above_header: Sequence[object] | None = None, widths: dict[str, float] | None = None,
) -> Path:
    """Eine typische Verwaltungstabelle: Titelzeilen, Kopfzeile, Daten, Leerzeile, Fußnoten."""
    wb = _new_workbook()
    if info:
        ws_info = wb.active
        ws_info.title = "Info"
        for key, value in info:
            ws_info.append([key, value])
            ws_info.cell(row=ws_info.max_row, column=2).number_format = "@"
        ws = wb.create_sheet(sheet)
    else:
        ws = wb.active
        ws.title = sheet
    for index, title in enumerate(titles):
        ws.append([title])
        if index == 0:
            ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
    ws.append([])
    if above_header:
        ws.append(list(above_header))
    _header_row(ws, ws.max_row + 1, header)
    for row in rows:
        ws.append(list(row))
    ws.append([])
    for note in footnotes:
        ws.append([note])
    for letter, width in (widths or {}).items():
        ws.column_dimensions[letter].width = width
    return save_reproducible(wb, path, FIXED_TIMESTAMP)


def _write_table_csv(
    path: Path, titles: Sequence[str], header: Sequence[str], rows: Sequence[Sequence[object]],
    footnotes: Sequence[str], encoding: str = "cp1252", delimiter: str = ";",
) -> Path:
    width = len(header)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for title in titles:
        writer.writerow([title] + [""] * (width - 1))
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    for note in footnotes:
        writer.writerow([note] + [""] * (width - 1))
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _text_number(value: int | str) -> int | str:
    """Zahl als deutscher Text (wie aus einem Fachverfahren kopiert); Zeichen bleiben Zeichen."""
    return _de_number(value) if isinstance(value, int) else value


# --------------------------------------------------------------------------- Quelle: SGB II


@dataclass(frozen=True)
class _Person:
    bg: int
    nummer: int
    alter: int
    geschlecht: str
    elb: bool
    nichtdeutsch: bool
    alleinerziehend: bool


SGB2_MERKMALE = ("bedarfsgemeinschaften", "leistungsberechtigte", "elb", "nef", "nef_u15", "lb_u18", "bg_alleinerziehend")

# Typen von Bedarfsgemeinschaften und ihre Häufigkeit (Ø 1,9 Personen je BG, 17 % Alleinerziehende).
_BG_TYPES = ("allein", "alleinerziehend", "paar", "paar_kinder", "eltern_volljaehrig")
_BG_PROBS = np.cumsum((0.52, 0.17, 0.10, 0.13, 0.08))
_ADULT_NEF = 0.15  # weitere Erwachsene der BG (Partner, volljährige Kinder), die nicht erwerbsfähig sind
# Erwachsene im Leistungsbezug sind jünger als die Bevölkerung 18-64.
_SGB2_ADULT_SHAPE = ((18, 25, 35, 50, 64, 100), (1.3, 1.4, 1.2, 0.9, 0.7, 0.7))


class _AgeSampler:
    """Zieht Alter aus der Altersverteilung eines Gebiets, begrenzt auf [von, bis]."""

    def __init__(self, ages: np.ndarray, rng: np.random.Generator) -> None:
        self.weights = ages * _shape(_SGB2_ADULT_SHAPE) if ages.sum() else np.ones_like(AGES, dtype=float)
        self.rng = rng
        self._cum: dict[tuple[int, int], np.ndarray] = {}

    def __call__(self, lo: int, hi: int) -> int:
        cum = self._cum.get((lo, hi))
        if cum is None:
            cum = np.cumsum(self.weights[lo:hi + 1] + 1e-9)
            self._cum[lo, hi] = cum
        return lo + int(np.searchsorted(cum, self.rng.random() * cum[-1], side="right"))


def _sgb2_people(world: _World, area: Area, day: dt.date, target: int | None = None, salt: str = "") -> list[_Person]:
    """Leistungsberechtigte eines Gebiets als Bedarfsgemeinschaften (Haushalte) mit stimmigem Aufbau."""
    rng = world.rng("sgb2", area.gebiet_id, day.isoformat(), salt)
    ages = world.ages(area, day)
    need = world.need(area)
    if target is None:
        quote = world.rate("sgb2", area, need.sgb2_quote) * YEAR_SGB2.get(day.year, YEAR_SGB2[2022]) * rng.uniform(0.98, 1.02)
        target = round(quote * ages[:65].sum())
    cube = world.truth.counts[area.gebiet_id, day]
    share_nd = cube[:, :, NICHTDEUTSCH].sum() / max(cube.sum(), 1)
    p_nd = min(0.85, share_nd * need.nichtdeutsch_factor)
    sample = _AgeSampler(ages, rng)
    people: list[_Person] = []
    bg = 0
    while len(people) < target:
        bg += 1
        kind = _BG_TYPES[int(np.searchsorted(_BG_PROBS, rng.random() * _BG_PROBS[-1], side="right"))]
        nd = bool(rng.random() < p_nd)
        members: list[tuple[int, str, bool]] = []  # (Alter, Geschlecht, alleinerziehend)
        if kind == "allein":
            members.append((sample(18, 64), "m" if rng.random() < 0.56 else "w", False))
        elif kind == "alleinerziehend":
            kids = [sample(0, 17) for _ in range(1 + min(int(rng.poisson(0.8)), 4))]
            members.append((sample(max(20, max(kids) + 17), 55), "w" if rng.random() < 0.9 else "m", True))
            members.extend((k, "m" if rng.random() < 0.51 else "w", False) for k in kids)
        elif kind == "paar":
            members.append((sample(25, 64), "m", False))
            members.append((sample(25, 64), "w", False))
        elif kind == "paar_kinder":
            kids = [sample(0, 17) for _ in range(1 + min(int(rng.poisson(1.0)), 5))]
            low = max(22, max(kids) + 17)
            members.append((sample(low, 60), "m", False))
            members.append((sample(low, 60), "w", False))
            members.extend((k, "m" if rng.random() < 0.51 else "w", False) for k in kids)
        else:  # Elternteil mit volljährigem Kind unter 25
            members.append((sample(40, 64), "w" if rng.random() < 0.7 else "m", False))
            members.append((sample(18, 24), "m" if rng.random() < 0.55 else "w", False))
        for number, (age, sex, single) in enumerate(members, start=1):
            # Die erste Person ist immer erwerbsfähig: ohne ELB gäbe es keine Bedarfsgemeinschaft im SGB II.
            elb = age >= 15 and not (number > 1 and age >= 18 and rng.random() < _ADULT_NEF)
            people.append(_Person(bg, number, age, sex, elb, nd, single))
    return people


def _sgb2_counts(people: Sequence[_Person]) -> dict[str, int]:
    bgs = {p.bg for p in people}
    return {
        "bedarfsgemeinschaften": len(bgs),
        "leistungsberechtigte": len(people),
        "elb": sum(p.elb for p in people),
        "nef": sum(not p.elb for p in people),
        "nef_u15": sum(not p.elb and p.alter < 15 for p in people),
        "lb_u18": sum(p.alter < 18 for p in people),
        "bg_alleinerziehend": len({p.bg for p in people if p.alleinerziehend}),
    }


def _add_counts(total: dict[str, int], part: dict[str, int]) -> None:
    for key, value in part.items():
        total[key] = total.get(key, 0) + value


def _write_sgb2(inbox: Path, world: _World) -> list[Path]:
    """Drei Lieferformen: aggregiert je Gebiet (2018-2020), AkG-Layout der BA (2021), Personendatensätze (2022)."""
    y2018, y2019, y2020, y2021, y2022 = STICHTAGE
    return [
        _sgb2_aggregated_xlsx(inbox / f"sgb2_{y2018.isoformat()}.xlsx", world, y2018, variant=0),
        _sgb2_aggregated_xlsx(inbox / f"sgb2_{y2019.isoformat()}.xlsx", world, y2019, variant=1),
        _sgb2_aggregated_csv(inbox / f"sgb2_{y2020.isoformat()}.csv", world, y2020),
        _sgb2_akg_xlsx(inbox / f"sgb2_{y2021.isoformat()}.xlsx", world, y2021)
        if all(area.akg_code for area in world.truth.valid_areas(y2021))  # AkG braucht `akg_code` je Gebiet
        else _sgb2_aggregated_xlsx(inbox / f"sgb2_{y2021.isoformat()}.xlsx", world, y2021, variant=1),
        _sgb2_persons_csv(inbox / f"sgb2_{y2022.isoformat()}.csv", world, y2022),
    ]


_SGB2_HEADERS = (
    ("Gebiet", "Bedarfsgemeinschaften", "Leistungsberechtigte", "ELB", "NEF", "NEF unter 15",
     "Leistungsberechtigte unter 18", "Alleinerziehende BG"),
    ("statistischer Bezirk", "BG", "Personen in BG", "ELB", "NEF", "NEF u15", "LB unter 18", "Alleinerziehende BG"),
)
_SGB2_FOOTNOTES = (
    "Quelle: Statistik der Bundesagentur für Arbeit, Grundsicherung für Arbeitsuchende (SGB II), "
    "Sonderauswertung nach statistischen Bezirken",
    "ELB = erwerbsfähige Leistungsberechtigte, NEF = nicht erwerbsfähige Leistungsberechtigte, BG = Bedarfsgemeinschaften",
)


def _sgb2_area_rows(world: _World, day: dt.date) -> list[tuple[Area, dict[str, int]]]:
    people = world.sgb2(day)
    return [(area, _sgb2_counts(people[area.gebiet_id])) for area in world.truth.valid_areas(day)]


def _sgb2_aggregated_xlsx(path: Path, world: _World, day: dt.date, variant: int) -> Path:
    header = _SGB2_HEADERS[variant]
    rows: list[list[object]] = []
    total: dict[str, int] = {}
    for index, (area, counts) in enumerate(_sgb2_area_rows(world, day), start=1):
        _add_counts(total, counts)
        label: object = f"{area.gebiet_id} {area.name}" if variant == 0 else area.code
        values: list[object] = [counts[m] for m in SGB2_MERKMALE]
        if variant == 1 and index % 4 == 0:
            values = [_text_number(v) for v in values]  # als Text eingefügt
        rows.append([label, *values])
    rows.append(["Stadt insgesamt", *(total[m] for m in SGB2_MERKMALE)])
    return _write_table_xlsx(
        path, "SGB II", [
            "Grundsicherung für Arbeitsuchende (SGB II) nach statistischen Bezirken",
            f"Bestand an Bedarfsgemeinschaften und Personen, Berichtsmonat Dezember {day.year} (Datenstand: Mai {day.year + 1})",
        ], header, rows, _SGB2_FOOTNOTES, widths={"A": 34 if variant == 0 else 12},
    )


def _sgb2_aggregated_csv(path: Path, world: _World, day: dt.date) -> Path:
    """Export aus dem Fachverfahren: Windows-1252, Semikolon, Zahlen mit Tausenderpunkt."""
    header = ("Gebiets-Nr", "Bedarfsgemeinschaften", "Leistungsberechtigte", "ELB", "NEF", "NEF unter 15",
              "LB unter 18", "BG von Alleinerziehenden")
    rows: list[list[object]] = []
    total: dict[str, int] = {}
    for area, counts in _sgb2_area_rows(world, day):
        _add_counts(total, counts)
        rows.append([area.gebiet_id, *(_text_number(counts[m]) for m in SGB2_MERKMALE)])
    rows.append(["Insgesamt", *(_text_number(total[m]) for m in SGB2_MERKMALE)])
    return _write_table_csv(
        path, [f"SGB II - Bestand nach Gebieten, Stichtag {_de_date(day)}"], header, rows,
        ["Quelle: Statistik der Bundesagentur für Arbeit"],
    )


_AKG_HEADER = (
    "Berichtsmonat", "Gemeindeschlüssel", "Gebietsschlüssel", "Gebietsname",
    "Bedarfsgemeinschaften (BG)", "Leistungsberechtigte (LB)", "Erwerbsfähige Leistungsberechtigte (ELB)",
    "Nicht erwerbsfähige Leistungsberechtigte (NEF)", "NEF unter 15 Jahren", "LB unter 18 Jahren",
    "BG von Alleinerziehenden",
)
_MONATE = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember")


def _sgb2_akg_xlsx(path: Path, world: _World, day: dt.date) -> Path:
    """Kleinräumige Lieferung der BA: 9-stellige Gebietsschlüssel, Summen `…SUM`, „keine Angabe“, `*` für 1-2."""
    month = f"{_MONATE[day.month - 1]} {day.year}"
    areas = [(area, counts) for area, counts in _sgb2_area_rows(world, day) if area.akg_code]
    groups: dict[str, list[tuple[Area, dict[str, int]]]] = {}
    for area, counts in sorted(areas, key=lambda item: item[0].akg_code):
        groups.setdefault(area.akg_code[:6], []).append((area, counts))
    # Fälle ohne verwertbare Adresse: wenige Bedarfsgemeinschaften, nur in der Gemeindesumme enthalten.
    anchor = areas[0][0]
    ohne = _sgb2_counts(_sgb2_people(world, anchor, day, target=9, salt="keine Angabe"))
    rows: list[list[object]] = []
    city: dict[str, int] = dict(ohne)
    ags = anchor.gemeinde_ags
    for prefix, members in groups.items():
        subtotal: dict[str, int] = {}
        for area, counts in members:
            _add_counts(subtotal, counts)
            rows.append([month, ags, area.akg_code, area.name, *(_ba(counts[m]) for m in SGB2_MERKMALE)])
        _add_counts(city, subtotal)
        bezirk = members[0][0].stadtbezirk or prefix
        rows.append([month, ags, f"{prefix}SUM", f"Stadtbezirk {bezirk}", *(subtotal[m] for m in SGB2_MERKMALE)])
    rows.append([month, ags, None, "keine Angabe", *(_zero_dash(v) if v == 0 else _ba(v)
                                                      for v in (ohne[m] for m in SGB2_MERKMALE))])
    rows.append([month, ags, "SUMSUMSUM", f"{anchor.gemeinde} insgesamt", *(city[m] for m in SGB2_MERKMALE)])
    return _write_table_xlsx(
        path, "AkG", [
            "Statistik der Grundsicherung für Arbeitsuchende nach dem SGB II",
            "Kleinräumige Auswertung - Bedarfsgemeinschaften und Personen nach Gebieten",
            f"Berichtsmonat: {month}; Gebietsstand: {day.year}; Erstellungsdatum: 12.05.{day.year + 1}",
        ], _AKG_HEADER, rows, [
            "*) Aus Datenschutzgründen und Gründen der statistischen Geheimhaltung werden Zahlenwerte von 1 oder 2 "
            "anonymisiert.",
            "„keine Angabe“: Bedarfsgemeinschaften ohne zuordenbare Adresse; sie sind in der Gemeindesumme enthalten.",
            f"Quelle: © Statistik der Bundesagentur für Arbeit, Auftragsnummer {day.year}-{day.year % 100 * 431 % 9973:04d}",
        ], widths={"A": 16, "B": 12, "C": 13, "D": 34},
    )


_PERSONEN_HEADER = ("BG-Nummer", "Person-Nummer", "Alter", "Geschlecht", "Status", "Staatsangehörigkeit",
                    "Alleinerziehend", "Gebiet")
_PERSONEN_QUELLE = "Quelle: Statistik der Bundesagentur für Arbeit, Datenlieferung nach § 53 SGB II (pseudonymisiert)"


def _sgb2_persons_csv(path: Path, world: _World, day: dt.date) -> Path:
    """Pseudonymisierte Personendatensätze (eine Zeile je Person), UTF-8 mit Semikolon."""
    return _write_table_csv(
        path, [f"Pseudonymisierte Personendatensätze SGB II, Berichtsmonat Dezember {day.year}"], _PERSONEN_HEADER,
        _sgb2_person_rows(world, day), [_PERSONEN_QUELLE], encoding="utf-8-sig",
    )


def _sgb2_persons_xlsx(path: Path, world: _World, day: dt.date) -> Path:
    """Dieselben Personendatensätze als Arbeitsmappe (Export aus dem Fachverfahren), ein Blatt „Personen“."""
    return _write_table_xlsx(
        path, "Personen", [f"Pseudonymisierte Personendatensätze SGB II, Berichtsmonat Dezember {day.year}"],
        _PERSONEN_HEADER, _sgb2_person_rows(world, day), [_PERSONEN_QUELLE], widths={"A": 14, "B": 16},
    )


def _sgb2_person_rows(world: _World, day: dt.date) -> list[list[object]]:
    rows: list[list[object]] = []
    serial = 0
    for area in world.truth.valid_areas(day):
        for person in world.sgb2(day)[area.gebiet_id]:
            if person.nummer == 1:
                serial += 1
            pseudonym = f"{(serial * 2654435761 + 97) % 4294967291:010d}"  # eindeutig, ohne Bezug zur echten BG
            rows.append([
                pseudonym, f"{pseudonym}-{person.nummer:02d}", person.alter, person.geschlecht,
                "ELB" if person.elb else "NEF", "nichtdeutsch" if person.nichtdeutsch else "deutsch",
                "ja" if person.alleinerziehend else "nein", area.gebiet_id,
            ])
    rows.sort(key=lambda row: (row[0], row[1]))
    return rows


# --------------------------------------------------------------------------- Quelle: Arbeitslose

_ALO_RECHTSKREISE = ("SGB II", "SGB III")
_ALO_MERKMALE = ("insgesamt", "langzeitarbeitslos", "unter 25", "55 und älter")
# Anteile an den Arbeitslosen je Rechtskreis: langzeitarbeitslos, unter 25, 55 und älter.
_ALO_SHARES = {"SGB II": (0.55, 0.08, 0.20), "SGB III": (0.15, 0.13, 0.27)}


def _alo_cells(world: _World, area: Area, day: dt.date) -> dict[tuple[str, str], int]:
    """Arbeitslose je (Rechtskreis, Merkmal) einschließlich der Summen „insgesamt“."""
    need = world.need(area)
    year = day.year
    elb = sum(p.elb for p in world.sgb2(day)[area.gebiet_id])
    ages = world.ages(area, day)
    totals = {
        "SGB II": round(elb * world.rate("alo_sgb2", area, need.alo_sgb2) * world.persistent("alo_sgb2", area, year)),
        "SGB III": round(ages[15:65].sum() * world.rate("alo_sgb3", area, need.alo_sgb3) * YEAR_ALO_SGB3[year]
                         * world.persistent("alo_sgb3", area, year)),
    }
    cells: dict[tuple[str, str], int] = {}
    for kreis, total in totals.items():
        langzeit, u25, ab55 = _ALO_SHARES[kreis]
        cells[kreis, "insgesamt"] = total
        for merkmal, share in (("langzeitarbeitslos", min(langzeit * YEAR_LANGZEIT[year], 0.9)),
                               ("unter 25", u25), ("55 und älter", ab55)):
            factor = world.persistent(f"alo_{kreis}_{merkmal}", area, year, sd=0.1)
            cells[kreis, merkmal] = min(total, round(total * share * factor))
    for merkmal in _ALO_MERKMALE:
        cells["insgesamt", merkmal] = sum(cells[kreis, merkmal] for kreis in _ALO_RECHTSKREISE)
    return cells


def _write_arbeitslose(inbox: Path, world: _World) -> list[Path]:
    """Langformat (2018, 2019 als CSV mit gemischter Feinheit, 2022 mit Info-Blatt), Breitformat (2020, 2021)."""
    y2018, y2019, y2020, y2021, y2022 = STICHTAGE
    return [
        _alo_long_xlsx(inbox / f"arbeitslose_{y2018.isoformat()}.xlsx", world, y2018),
        _alo_long_csv(inbox / f"arbeitslose_{y2019.isoformat()}.csv", world, y2019),
        _alo_wide_xlsx(inbox / f"arbeitslose_{y2020.isoformat()}.xlsx", world, y2020),
        _alo_wide_xlsx(inbox / f"arbeitslose_{y2021.isoformat()}.xlsx", world, y2021, darunter=True),
        _alo_long_xlsx(inbox / f"Arbeitsmarkt kleinräumig Dezember {y2022.year}.xlsx", world, y2022, with_info=True),
    ]


_ALO_TITLE = "Arbeitslose nach Rechtskreisen und Strukturmerkmalen - statistische Bezirke"
_ALO_FOOTNOTES = (
    "Quelle: Statistik der Bundesagentur für Arbeit, Arbeitsmarkt in Zahlen - kleinräumige Daten",
    "*) Zahlenwerte von 1 oder 2 werden aus Gründen der statistischen Geheimhaltung anonymisiert.",
)


def _alo_all(world: _World, day: dt.date) -> list[tuple[Area, dict[tuple[str, str], int]]]:
    return [(area, _alo_cells(world, area, day)) for area in world.truth.valid_areas(day)]


def _alo_long_xlsx(path: Path, world: _World, day: dt.date, with_info: bool = False) -> Path:
    rows: list[list[object]] = []
    city: dict[tuple[str, str], int] = {}
    keys = [(kreis, merkmal) for kreis in (*_ALO_RECHTSKREISE, "insgesamt") for merkmal in _ALO_MERKMALE]
    for area, cells in _alo_all(world, day):
        for key in keys:
            city[key] = city.get(key, 0) + cells[key]
            rows.append([area.code, *key, _ba(cells[key])])
    rows.extend(["Stadt insgesamt", *key, city[key]] for key in keys)
    info = None
    if with_info:
        info = [("Quelle", "arbeitslose"), ("Stichtag", _de_date(day)), ("Gemeinde", _gemeinde_ags(world.truth)),
                ("Lieferung", "Bundesagentur für Arbeit, Statistik-Service West")]
    return _write_table_xlsx(
        path, "Arbeitslose", [_ALO_TITLE, f"Bestand am {_de_date(day)}"],
        ("Gebiet", "Rechtskreis", "Merkmal", "Anzahl"), rows, _ALO_FOOTNOTES, info=info, widths={"C": 20},
    )


def _alo_long_csv(path: Path, world: _World, day: dt.date) -> Path:
    """Zellen verschieden fein: je Rechtskreis insgesamt, Strukturmerkmale nur über beide Rechtskreise."""
    keys = [("insgesamt", "insgesamt"), ("SGB II", "insgesamt"), ("SGB III", "insgesamt"),
            ("insgesamt", "langzeitarbeitslos"), ("insgesamt", "unter 25"), ("insgesamt", "55 und älter")]
    rows: list[list[object]] = []
    city: dict[tuple[str, str], int] = {}
    for area, cells in _alo_all(world, day):
        for key in keys:
            city[key] = city.get(key, 0) + cells[key]
            rows.append([area.gebiet_id, *key, _text_number(_ba(cells[key]))])
    rows.extend(["Stadt insgesamt", *key, _text_number(city[key])] for key in keys)
    return _write_table_csv(
        path, [f"{_ALO_TITLE}, Stichtag {_de_date(day)}"], ("Gebiet", "Rechtskreis", "Merkmal", "Anzahl"), rows,
        list(_ALO_FOOTNOTES),
    )


def _alo_wide_xlsx(path: Path, world: _World, day: dt.date, darunter: bool = False) -> Path:
    columns = [("insgesamt", "insgesamt"), ("SGB II", "insgesamt"), ("SGB III", "insgesamt"),
               ("insgesamt", "langzeitarbeitslos"), ("insgesamt", "unter 25"), ("insgesamt", "55 und älter")]
    header = ("Gebiet", "Bezeichnung", "Arbeitslose insgesamt", "SGB II", "SGB III", "Langzeitarbeitslose",
              "unter 25", "55 und älter")
    rows: list[list[object]] = []
    city = [0] * len(columns)
    for area, cells in _alo_all(world, day):
        values = [cells[key] for key in columns]
        city = [a + b for a, b in zip(city, values, strict=True)]
        rows.append([area.code, area.name, *(_ba(v) for v in values)])
    rows.append(["Stadt insgesamt", None, *city])
    above = [None, None, None, "davon Rechtskreis", None, "darunter", None, None] if darunter else None
    return _write_table_xlsx(
        path, "Tabelle 1", [_ALO_TITLE, f"Stichtag: {_de_date(day)}"], header, rows, _ALO_FOOTNOTES,
        above_header=above, widths={"B": 34},
    )


# --------------------------------------------------------------------------- Quelle: Mindestsicherung

GRUSI_LABELS = {
    "grusi_alter": "Grundsicherung im Alter",
    "grusi_em": "Grundsicherung bei Erwerbsminderung",
    "hlu": "Hilfe zum Lebensunterhalt",
    "asylblg": "AsylbLG Regelleistungen",
}


def _asyl_weights(world: _World) -> dict[str, float]:
    """Wo Unterkünfte liegen: je Gebiet ein festes Gewicht, in manchen Gebieten keine Unterkunft."""
    weights = {}
    for area in world.truth.areas:
        rng = world.rng("asyl", area.gebiet_id)
        has_housing = rng.random() < (0.85 if world.truth.level(area) != "niedrig" else 0.45)
        weights[area.gebiet_id] = world.need(area).asyl_weight * rng.gamma(2.0) if has_housing else 0.0
    return weights


def _grusi_cells(world: _World, day: dt.date) -> list[tuple[Area, dict[str, int], tuple[int, int]]]:
    """Je Gebiet die vier Leistungsarten; dazu Grundsicherung im Alter nach 65-74 und 75+."""
    areas = world.truth.valid_areas(day)
    weights = _asyl_weights(world)
    # AsylbLG: Stadtsumme aus der Quote, verteilt nach Unterkünften (aufgegangene Gebiete zählen beim Nachfolger).
    year = day.year
    area_weights = [world.lineage.aggregate(a, day, lambda x: weights[x.gebiet_id])
                    * world.persistent("asylblg", a, year, sd=0.15) for a in areas]
    residents = sum(int(world.truth.counts[a.gebiet_id, day].sum()) for a in areas)
    asyl = _distribute(residents * ASYL_CITY_RATE[year], area_weights)
    result = []
    for area, asyl_count in zip(areas, asyl, strict=True):
        need = world.need(area)
        ages = world.ages(area, day)
        trend = YEAR_GRUSI[year]
        alter = world.rate("grusi_alter", area, need.grusi_alter) * trend * world.persistent("grusi_alter", area, year)
        young_old = round(ages[65:75].sum() * alter * 1.1)
        old_old = round(ages[75:].sum() * alter * 0.9)
        cells = {
            "grusi_alter": young_old + old_old,
            "grusi_em": round(ages[18:65].sum() * world.rate("grusi_em", area, need.grusi_em) * trend
                              * world.persistent("grusi_em", area, year)),
            "hlu": round(ages.sum() * world.rate("hlu", area, need.hlu) * world.persistent("hlu", area, year, sd=0.15)),
            "asylblg": int(asyl_count),
        }
        result.append((area, cells, (young_old, old_old)))
    return result


def _write_grundsicherung(inbox: Path, world: _World) -> list[Path]:
    y2018, y2019, y2020, y2021, y2022 = STICHTAGE
    return [
        _grusi_wide_xlsx(inbox / f"grundsicherung_{y2018.isoformat()}.xlsx", world, y2018),
        _grusi_long_csv(inbox / f"grundsicherung_{y2019.isoformat()}.csv", world, y2019),
        _grusi_long_xlsx(inbox / f"grundsicherung_{y2020.isoformat()}.xlsx", world, y2020),
        _grusi_wide_xlsx(inbox / f"grundsicherung_{y2021.isoformat()}.xlsx", world, y2021),
        _grusi_wide_xlsx(inbox / f"grundsicherung_{y2022.isoformat()}.xlsx", world, y2022),
    ]


_GRUSI_TITLE = "Empfängerinnen und Empfänger von Mindestsicherungsleistungen nach statistischen Bezirken"
_GRUSI_FOOTNOTES = (
    "Quelle: Stadt, Ressort Soziales (SGB XII, AsylbLG); Bestand am Jahresende",
    "Grundsicherung im Alter: SGB XII 4. Kapitel ab Erreichen der Regelaltersgrenze; "
    "Hilfe zum Lebensunterhalt: SGB XII 3. Kapitel",
    "Zeichenerklärung: – = nichts vorhanden",
)


def _grusi_wide_xlsx(path: Path, world: _World, day: dt.date) -> Path:
    header = ("Gebiet", *GRUSI_LABELS.values())
    rows: list[list[object]] = []
    city = dict.fromkeys(GRUSI_LABELS, 0)
    for index, (area, cells, _) in enumerate(_grusi_cells(world, day), start=1):
        for key in GRUSI_LABELS:
            city[key] += cells[key]
        values: list[object] = [_zero_dash(cells[key]) for key in GRUSI_LABELS]
        if index % 6 == 0:
            values = [str(v) for v in values]  # Text statt Zahl
        rows.append([f"{area.gebiet_id} {area.name}", *values])
    rows.append(["Insgesamt", *city.values()])
    return _write_table_xlsx(
        path, "Mindestsicherung", [_GRUSI_TITLE, f"Stichtag: {_de_date(day)}"], header, rows, _GRUSI_FOOTNOTES,
        widths={"A": 36, "B": 16, "C": 16, "D": 16, "E": 16},
    )


def _grusi_long_rows(world: _World, day: dt.date, with_age: bool) -> list[list[object]]:
    rows: list[list[object]] = []
    city: dict[tuple[str, str], int] = {}

    def add(gebiet: object, art: str, band: str, value: int) -> None:
        city[art, band] = city.get((art, band), 0) + value
        rows.append([gebiet, GRUSI_LABELS[art], band, value] if with_age else [gebiet, GRUSI_LABELS[art], value])

    for area, cells, (young_old, old_old) in _grusi_cells(world, day):
        for art in GRUSI_LABELS:
            add(area.gebiet_id, art, "insgesamt", cells[art])
            if with_age and art == "grusi_alter":  # verschieden fein: Summe und Altersgruppen
                add(area.gebiet_id, art, "65 bis unter 75", young_old)
                add(area.gebiet_id, art, "75 und älter", old_old)
    for (art, band), value in city.items():
        rows.append(["Stadt insgesamt", GRUSI_LABELS[art], band, value] if with_age
                    else ["Stadt insgesamt", GRUSI_LABELS[art], value])
    return rows


def _grusi_long_csv(path: Path, world: _World, day: dt.date) -> Path:
    rows = [[*row[:3], _text_number(row[3])] for row in _grusi_long_rows(world, day, with_age=True)]
    return _write_table_csv(
        path, [f"{_GRUSI_TITLE}, {_de_date(day)}"], ("Gebiet", "Leistungsart", "Altersgruppe", "Anzahl"), rows,
        [_GRUSI_FOOTNOTES[0]],
    )


def _grusi_long_xlsx(path: Path, world: _World, day: dt.date) -> Path:
    rows = [[*row[:2], _zero_dash(row[2])] for row in _grusi_long_rows(world, day, with_age=False)]
    return _write_table_xlsx(
        path, "Daten", [_GRUSI_TITLE, f"Stand: {_de_date(day)}"], ("Bezirk-Nr", "Leistungsart", "Fälle"), rows,
        _GRUSI_FOOTNOTES, widths={"B": 36},
    )


# --------------------------------------------------------------------------- Quelle: Kindertagesbetreuung

KITA_DATES = tuple(dt.date(year, 3, 1) for year in range(2019, 2024))
# Versorgungsgrad der Stadt (vor Gebietsfaktor) je Kita-Jahr: U3-Ausbau, Ü3 nahezu voll.
KITA_U3_BASE = {2019: 0.31, 2020: 0.31, 2021: 0.32, 2022: 0.335, 2023: 0.35}
KITA_UE3_BASE = {2019: 0.955, 2020: 0.955, 2021: 0.96, 2022: 0.96, 2023: 0.965}
CHILDREN_PER_KITA = 96  # Kinder 0-5 je Einrichtung

_KITA_NAMES = (
    ("Kita Sonnenschein", "Stadt"), ("Kita Regenbogen", "Stadt"), ("Kita Pusteblume", "DRK"),
    ("Ev. Kindergarten Arche Noah", "ev"), ("Kath. Kita St. Marien", "kath"), ("AWO Kita Kunterbunt", "AWO"),
    ("Kita Zwergenland", "Elterninitiative"), ("Kita Löwenzahn", "Stadt"), ("Ev. Kindergarten Lutherhaus", "ev"),
    ("Kath. Kita St. Josef", "kath"), ("DRK-Kita Wirbelwind", "DRK"), ("Kita Spatzennest", "Stadt"),
    ("Kita Sternschnuppe", "AWO"), ("Ev. Kita Senfkorn", "ev"), ("Kath. Familienzentrum St. Aloysius", "kath"),
    ("Kita Rasselbande", "Elterninitiative"), ("Kita Villa Kunterbunt", "Stadt"), ("Kita Kleine Strolche", "DRK"),
    ("Ev. Kindergarten Kreuzkirche", "ev"), ("Kath. Kita St. Pankratius", "kath"), ("Kita Waldwichtel", "Elterninitiative"),
    ("Kita Mäusenest", "Stadt"), ("AWO Kita Schatzkiste", "AWO"), ("Kita Wolkenburg", "Stadt"),
    ("Ev. Kita Regenbogenland", "ev"), ("Kath. Kita St. Michael", "kath"), ("DRK-Kita Glühwürmchen", "DRK"),
    ("Kita Abenteuerland", "Stadt"), ("Kita Pfiffikus", "Elterninitiative"), ("Kita Marienkäfer", "Stadt"),
    ("Ev. Kindergarten Schöpfungsgarten", "ev"), ("Kath. Kita Heilig Geist", "kath"), ("AWO Kita Weltentdecker", "AWO"),
    ("Kita Bullerbü", "Stadt"), ("Kita Purzelbaum", "DRK"), ("Kita Kinderinsel", "Stadt"),
    ("Ev. Kita Lummerland", "ev"), ("Kath. Kita St. Elisabeth", "kath"), ("Kita Buddelkiste", "Elterninitiative"),
    ("Kita Traumland", "Stadt"), ("AWO Kita Sonnenblume", "AWO"), ("Kita Kleeblatt", "Stadt"),
    ("Ev. Kindergarten Jakobus", "ev"), ("Kath. Kita St. Lamberti", "kath"), ("DRK-Kita Seepferdchen", "DRK"),
    ("Kita Farbklecks", "Stadt"), ("Kita Entdeckerland", "Stadt"), ("Kita Springmaus", "Elterninitiative"),
    ("Ev. Kita Himmelszelt", "ev"), ("Kath. Kita St. Kilian", "kath"), ("AWO Kita Hand in Hand", "AWO"),
    ("Kita Knirpsenland", "Stadt"), ("Kita Tausendfüßler", "DRK"), ("Kita Zauberwald", "Stadt"),
    ("Ev. Kita Fischernetz", "ev"), ("Kath. Kita St. Martin", "kath"), ("Kita Wiesenzwerge", "Elterninitiative"),
    ("Kita Kinderburg", "Stadt"), ("AWO Kita Lichtblick", "AWO"), ("Kita Flohkiste", "Stadt"),
)
_KITA_TRAEGER = {
    "Stadt": "Stadt {gemeinde}", "ev": "Ev. Kirchengemeinde", "kath": "Kath. Kirchengemeinde",
    "AWO": "AWO Unterbezirk", "DRK": "DRK-Kreisverband", "Elterninitiative": "Elterninitiative e. V.",
}
_STREETS = (
    "Hauptstraße", "Schulstraße", "Kirchstraße", "Gartenstraße", "Lindenweg", "Am Wald", "Bergstraße",
    "Talstraße", "Wiesenweg", "Birkenweg", "Am Bach", "Mühlenweg", "Rosenstraße", "Ahornweg", "Parkstraße",
    "Hochstraße", "Sonnenweg", "Feldstraße", "Buchenweg", "Am Hang", "Friedhofstraße", "Lessingstraße",
    "Goethestraße", "Schillerstraße",
)


@dataclass(frozen=True)
class _Kita:
    name: str
    traeger: str
    home: Area  # Gebiet mit eigener Bevölkerung; in den Dateien das am Stichtag gültige Gebiet
    adresse: str
    weight: float
    opens: int  # erstes Kita-Jahr (01.03.)
    u3: str  # "ja", "leer" (keine U3-Gruppe, Zelle leer) oder "strich" (keine U3-Gruppe, „–“)


def _kitas(world: _World) -> list[_Kita]:
    """Einrichtungen je Gebiet nach Kinderzahl; drei neue Einrichtungen in Gebieten mit hohem Bedarf."""
    first = STICHTAGE[0]
    own = [area for area in world.truth.areas if world.lineage.has_own(area)]
    gemeinde = _gemeinde_name(world.truth)
    slots: list[tuple[Area, int]] = []
    for area in own:
        children = int(world.ages(area, first)[:6].sum())
        slots.extend((area, 2019) for _ in range(max(1, round(children / CHILDREN_PER_KITA))))
    hoch = sorted((a for a in own if world.truth.level(a) == "hoch"),
                  key=lambda a: -int(world.ages(a, first)[:3].sum()))
    slots.extend((area, year) for area, year in zip(hoch, (2021, 2022, 2023), strict=False))
    rng = world.rng("kita")
    kitas = []
    no_u3 = {7: "leer", 21: "strich", 38: "leer"}
    for index, (area, opens) in enumerate(slots):
        name, traeger = _KITA_NAMES[index % len(_KITA_NAMES)]
        if index >= len(_KITA_NAMES):
            name = f"{name} II"
        street = _STREETS[int(rng.integers(len(_STREETS)))]
        kitas.append(_Kita(
            name=name, traeger=_KITA_TRAEGER[traeger].format(gemeinde=gemeinde), home=area,
            adresse=f"{street} {int(rng.integers(1, 80))}, {area.gemeinde or gemeinde}",
            weight=float(rng.uniform(0.6, 1.4)), opens=opens, u3=no_u3.get(index, "ja"),
        ))
    return kitas


def _distribute(total: float, weights: Sequence[float]) -> list[int]:
    """Ganze Zahlen mit Summe round(total), verteilt nach Gewichten (größter Rest)."""
    target = round(total)
    weight_sum = sum(weights)
    if not weights or weight_sum <= 0:
        return [0] * len(weights)
    raw = [total * w / weight_sum for w in weights]
    result = [int(v) for v in raw]
    order = sorted(range(len(raw)), key=lambda i: (raw[i] - result[i], -i), reverse=True)
    for i in order[: target - sum(result)]:
        result[i] += 1
    return result


def _kita_places(world: _World, kitas: Sequence[_Kita], day: dt.date) -> list[tuple[_Kita, int, int]]:
    """Plätze je Einrichtung: Bedarf der Kinder im Gebiet (Bevölkerung am 31.12. davor) × Versorgungsgrad."""
    population_day = dt.date(day.year - 1, 12, 31)
    result = []
    by_home: dict[str, list[_Kita]] = {}
    for kita in kitas:
        if kita.opens <= day.year:
            by_home.setdefault(kita.home.gebiet_id, []).append(kita)
    for members in by_home.values():
        area = members[0].home
        ages = world.ages(area, population_day)
        need = world.need(area)
        noise = world.rng("kita-gebiet", area.gebiet_id).uniform(0.94, 1.06)
        u3_total = ages[:3].sum() * KITA_U3_BASE[day.year] * need.kita_u3 * noise
        ue3_total = ages[3:6].sum() * KITA_UE3_BASE[day.year] * need.kita_ue3 * noise
        u3 = _distribute(u3_total, [k.weight if k.u3 == "ja" else 0.0 for k in members])
        ue3 = _distribute(ue3_total, [k.weight for k in members])
        result.extend(zip(members, u3, ue3, strict=True))
    return result


def _write_kita(inbox: Path, world: _World) -> list[Path]:
    kitas = _kitas(world)
    return [_kita_xlsx(inbox / f"kita_{day.isoformat()}.xlsx", world, kitas, day, index)
            for index, day in enumerate(KITA_DATES)]


def _kita_xlsx(path: Path, world: _World, kitas: Sequence[_Kita], day: dt.date, variant: int) -> Path:
    rows: list[list[object]] = []
    total_u3 = total_ue3 = 0
    places = _kita_places(world, kitas, day)
    for kita, u3, ue3 in sorted(places, key=lambda item: (world.successor_at(item[0].home, day).gebiet_id, item[0].name)):
        area = world.successor_at(kita.home, day)
        total_u3 += u3
        total_ue3 += ue3
        gebiet: object = f"{area.gebiet_id} {area.name}" if variant == 1 else area.code
        u3_cell: object = {"ja": u3, "leer": None, "strich": "–"}[kita.u3]
        rows.append([kita.name, kita.traeger, gebiet, u3_cell, ue3, kita.adresse])
    rows.append(["Insgesamt", None, None, total_u3, total_ue3, None])
    return _write_table_xlsx(
        path, "Einrichtungen", [
            "Kindertageseinrichtungen - genehmigte Plätze nach Einrichtungen",
            f"Stichtag: {_de_date(day)} (Kindergartenjahr {day.year - 1}/{str(day.year)[2:]})",
        ], ("Einrichtung", "Träger", "Gebiet", "Plätze U3", "Plätze Ü3", "Adresse"), rows, [
            "Quelle: Jugendamt, Kindertagesstättenbedarfsplanung (KiBiz-Meldungen)",
            "U3 = Kinder unter 3 Jahren, Ü3 = Kinder ab 3 Jahren bis zum Schuleintritt; leer = keine U3-Gruppe",
        ], widths={"A": 36, "B": 26, "C": 12 if variant != 1 else 34, "F": 32},
    )


# --------------------------------------------------------------------------- Quelle: Sozialraumkonferenz

KONFERENZ_DATES = (dt.date(2022, 9, 21), dt.date(2023, 3, 15))
SEKTOREN = ("soziale Einrichtung", "Glaubensgemeinschaft", "Wohnungsgesellschaft", "freie Wohlfahrtspflege",
            "Verwaltung", "Politik", "Schule", "Kita", "Verein", "Sonstige")

# Themen der Arbeitsgruppen und ihre Ergebnisse: (Handlungsfeld, Art, Priorität, Beschreibung).
_THEMES: tuple[tuple[str, tuple[tuple[str, str, int | None, str], ...]], ...] = (
    ("Kinder, Jugend und Familie", (
        ("Kinderbetreuung", "Bedarf", 1, "Es fehlen Betreuungsplätze für Kinder unter drei Jahren im {sr}; die "
         "Wartelisten der Kitas sind lang, Eltern weichen in andere Stadtteile aus."),
        ("Armut/Teilhabe", "Bedarf", 1, "Viele Familien im {sr} leben von Leistungen nach dem SGB II; Leistungen "
         "für Bildung und Teilhabe werden zu wenig abgerufen."),
        ("Bildung", "Bedarf", 2, "Die Plätze im offenen Ganztag der Grundschulen reichen nicht aus."),
        ("Jugend", "Ressource", None, "Das Jugendzentrum hat ein engagiertes Team und Räume, die auch andere "
         "nutzen können."),
        ("Kinderbetreuung", "Maßnahmenvorschlag", 1, "Übergangsgruppen in vorhandenen Räumen (z. B. Gemeindehaus) "
         "einrichten, bis neue Kitas fertig sind."),
        ("Integration", "Bedarf", 2, "Sprachkurse mit paralleler Kinderbetreuung fehlen."),
    )),
    ("Mobilität, Nahversorgung und Wohnen", (
        ("Mobilität/ÖPNV", "Bedarf", 1, "Schwache ÖPNV-Anbindung im {sr}: abends und am Wochenende fährt der Bus "
         "nur stündlich, Umstiege sind lang."),
        ("Wohnen", "Bedarf", 2, "Bezahlbarer und barrierefreier Wohnraum fehlt; Familien finden keine größeren "
         "Wohnungen."),
        ("Senioren", "Bedarf", 2, "Ältere Menschen ohne Auto erreichen Arztpraxen und Geschäfte kaum."),
        ("Wohnen", "Ressource", None, "Eine Wohnungsgesellschaft stellt einen Quartiersraum kostenlos zur Verfügung."),
        ("Mobilität/ÖPNV", "Maßnahmenvorschlag", 1, "Bürgerbus oder Rufbus (On-Demand-Verkehr) für das Quartier "
         "prüfen."),
        ("Gesundheit/Pflege", "Bedarf", 3, "Hausarztpraxen nehmen kaum neue Patientinnen und Patienten auf."),
    )),
    ("Nachbarschaft, Ehrenamt und Integration", (
        ("Ehrenamt", "Bedarf", 1, "Ehrenamtliche im {sr} sind schlecht vernetzt: Angebote überschneiden sich, "
         "Engagierte wissen wenig voneinander."),
        ("Integration", "Bedarf", 2, "Zugewanderte Familien finden schwer Zugang zu Beratungsangeboten."),
        ("Ehrenamt", "Ressource", None, "Kirchengemeinden und Moscheegemeinde haben viele aktive Ehrenamtliche."),
        ("Ehrenamt", "Maßnahmenvorschlag", 2, "Ehrenamtsbörse und regelmäßiges Treffen der Engagierten im Quartier."),
        ("Armut/Teilhabe", "Bedarf", 1, "Die Nachfrage bei Tafel und Kleiderkammer steigt deutlich."),
        ("Jugend", "Bedarf", 2, "Treffpunkte für Jugendliche fehlen; es gibt Konflikte im öffentlichen Raum."),
    )),
)
_THEME_GESAMT = ("Vernetzung und Koordination der Angebote", (
    ("Vernetzung/Koordination", "Bedarf", 1, "Es gibt keine dauerhafte Koordination der Angebote: Projekte enden "
     "mit der Förderung, Kontakte und Wissen gehen verloren."),
    ("Vernetzung/Koordination", "Bedarf", 2, "Ein gemeinsamer Überblick über Beratungs- und Freizeitangebote fehlt."),
    ("Vernetzung/Koordination", "Maßnahmenvorschlag", 1, "Quartiersmanagement mit fester Stelle je Sozialraum "
     "einrichten."),
    ("Vernetzung/Koordination", "Ressource", None, "Die Sozialraumkonferenz wird von allen Beteiligten als Forum "
     "begrüßt und soll regelmäßig stattfinden."),
    ("Vernetzung/Koordination", "Maßnahmenvorschlag", 2, "Online-Wegweiser für soziale Angebote aufbauen."),
))
# Maßnahmen je Handlungsfeld: (Titel, zuständig, Gremium); mehrere Titel durch „|“ getrennt.
_MASSNAHMEN = {
    "Kinderbetreuung": ("Zusätzliche U3-Gruppen im {sr} (Übergangslösung und Neubau)", "Jugendamt, Kita-Bedarfsplanung",
                        "Jugendhilfeausschuss"),
    "Armut/Teilhabe": ("Sprechstunde Bildung und Teilhabe in den Familienzentren im {sr}", "Jobcenter und Ressort Soziales",
                       "Ausschuss für Soziales"),
    "Mobilität/ÖPNV": ("Prüfauftrag Rufbus (On-Demand-Verkehr) im {sr}", "Fachbereich Verkehr mit Verkehrsgesellschaft",
                       "Ausschuss für Stadtentwicklung und Mobilität"),
    "Ehrenamt": ("Ehrenamtsbörse und Netzwerktreffen im {sr}", "Freiwilligenzentrale", "Ausschuss für Soziales"),
    "Vernetzung/Koordination": ("Quartiersmanagement: eine Stelle je Sozialraum|Online-Wegweiser für soziale "
                                "Angebote", "Ressort Soziales, Sozialplanung", "Rat der Stadt"),
    "Integration": ("Sprachkurs mit paralleler Kinderbetreuung im {sr}", "Integrationsbüro", "Integrationsrat"),
    "Jugend": ("Mobile Jugendarbeit im {sr}", "Jugendamt, Jugendförderung", "Jugendhilfeausschuss"),
    "Wohnen": ("Runder Tisch bezahlbares Wohnen mit den Wohnungsgesellschaften", "Ressort Planen und Bauen",
               "Ausschuss für Stadtentwicklung und Mobilität"),
    "Bildung": ("Ausbau des offenen Ganztags an Grundschulen im {sr}", "Schulverwaltung", "Schulausschuss"),
    "Senioren": ("Seniorenberatung vor Ort im {sr}", "Seniorenbüro", "Ausschuss für Soziales"),
    "Gesundheit/Pflege": ("Gesundheitslotsen im {sr}", "Gesundheitsamt des Kreises", "Ausschuss für Soziales"),
}

_VORNAMEN = ("Anna", "Thomas", "Sabine", "Michael", "Petra", "Andreas", "Claudia", "Stefan", "Julia", "Markus",
             "Katrin", "Frank", "Nicole", "Jörg", "Sandra", "Christian", "Birgit", "Tobias", "Monika", "Ahmet",
             "Elif", "Olga", "Dirk", "Ute", "Lena", "Jan", "Marina", "Yusuf", "Heike", "Klaus", "Fatma", "Sven")
_NACHNAMEN = ("Schmidt", "Müller", "Becker", "Hoffmann", "Schulte", "Kaya", "Wagner", "Brinkmann", "Koch",
              "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann", "Krüger", "Hartmann",
              "Lange", "Yilmaz", "Werner", "Krause", "Meier", "Lehmann", "Köhler", "Kowalski", "Schäfer",
              "Voß", "Sauerland", "Pieper", "Dreyer", "Özdemir")
# Organisationen: (Name, Sektor, Bezug) mit Bezug "stadt" (Gesamtstadt) oder "sr" (je Sozialraum).
_ORGANISATIONEN = (
    ("Stadt {g}, Ressort Soziales", "Verwaltung", "stadt"), ("Stadt {g}, Jugendamt", "Verwaltung", "stadt"),
    ("Stadt {g}, Sozialplanung", "Verwaltung", "stadt"), ("Jobcenter", "Verwaltung", "stadt"),
    ("Caritasverband", "freie Wohlfahrtspflege", "stadt"), ("Diakonisches Werk", "freie Wohlfahrtspflege", "stadt"),
    ("AWO Unterbezirk", "freie Wohlfahrtspflege", "stadt"), ("DRK-Kreisverband", "freie Wohlfahrtspflege", "stadt"),
    ("Paritätischer Wohlfahrtsverband", "freie Wohlfahrtspflege", "stadt"),
    ("Ausschuss für Soziales", "Politik", "stadt"), ("Seniorenbeirat", "Politik", "stadt"),
    ("Integrationsrat", "Politik", "stadt"), ("Gemeinnützige Wohnungsgesellschaft", "Wohnungsgesellschaft", "stadt"),
    ("Wohnungsgenossenschaft", "Wohnungsgesellschaft", "stadt"), ("Verkehrsgesellschaft", "Sonstige", "stadt"),
    ("Tafel e. V.", "Verein", "stadt"), ("Schuldnerberatung", "soziale Einrichtung", "stadt"),
    ("Familienberatungsstelle", "soziale Einrichtung", "stadt"), ("Polizei, Bezirksdienst", "Sonstige", "stadt"),
    ("Familienzentrum {sr}", "Kita", "sr"), ("Grundschule {gebiet}", "Schule", "sr"),
    ("Ev. Kirchengemeinde {sr}", "Glaubensgemeinschaft", "sr"), ("Kath. Pfarrei {sr}", "Glaubensgemeinschaft", "sr"),
    ("Moscheegemeinde {sr}", "Glaubensgemeinschaft", "sr"), ("Stadtteilbüro {sr}", "soziale Einrichtung", "sr"),
    ("Bürgerverein {sr}", "Verein", "sr"), ("Sportverein {gebiet}", "Verein", "sr"),
    ("Jugendzentrum {sr}", "soziale Einrichtung", "sr"), ("Bezirksvertretung", "Politik", "sr"),
    ("Hausarztpraxis {gebiet}", "Sonstige", "sr"),
)


@dataclass(frozen=True)
class _Sozialraum:
    sozialraum_id: str
    name: str
    gebiete: tuple[Area, ...]


def _sozialraeume(truth: Truth, day: dt.date) -> list[_Sozialraum]:
    by_id: dict[str, list[Area]] = {}
    for area in truth.valid_areas(day):
        by_id.setdefault(area.sozialraum_id, []).append(area)
    return [_Sozialraum(sr, areas[0].sozialraum or sr, tuple(areas)) for sr, areas in sorted(by_id.items())]


def _email(vorname: str, nachname: str, organisation: str) -> str:
    def ascii_part(text: str) -> str:
        text = text.lower().translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}))
        return "".join(ch for ch in text if ch.isalnum())

    words = list(dict.fromkeys(organisation.replace(",", " ").split()))
    domain = "-".join(ascii_part(w) for w in words[:2] if ascii_part(w))[:30]
    return f"{ascii_part(vorname)[0]}.{ascii_part(nachname)}@{domain}.example"


def _write_konferenz(inbox: Path, world: _World) -> list[Path]:
    """Sozialraumkonferenz der Sozialräume mit hohem Bedarf (2022) und Folgekonferenz (2023) mit Sachstand."""
    first_day, second_day = KONFERENZ_DATES
    spaces = _sozialraeume(world.truth, first_day)
    hoch = [sr for sr in spaces if world.truth.levels.get(sr.sozialraum_id) == "hoch"] or spaces[:3]
    # Folgekonferenz: der Stadtbezirk mit den meisten noch nicht beteiligten Sozialräumen (Beispiel: Letmathe).
    rest = [sr for sr in spaces if sr not in hoch]
    bezirke: dict[str, list[_Sozialraum]] = {}
    for sr in rest:
        bezirke.setdefault(sr.gebiete[0].stadtbezirk, []).append(sr)
    bezirk, second_spaces = max(bezirke.items(), key=lambda item: len(item[1])) if bezirke else ("", rest)
    gemeinde = _gemeinde_name(world.truth)

    first = _Konferenz(world, first_day, hoch, gemeinde, first_nr=1, first_massnahme=1)
    first.build()
    second = _Konferenz(world, second_day, list(second_spaces), gemeinde,
                        first_nr=len(first.ergebnisse) + 1, first_massnahme=len(first.massnahmen) + 1)
    second.build()
    second.add_status_updates(first.massnahmen)
    return [
        first.write(inbox / f"konferenz_{first_day.isoformat()}.xlsx",
                    f"Sozialraumkonferenz {first_day.year} - Expertengespräch im Sozialraum",
                    f"Bürgerzentrum am Markt, {gemeinde}", "Präsenz, Arbeitsgruppen je Sozialraum (World Café)",
                    ", ".join(sr.name for sr in hoch), date_as_text=True),
        second.write(inbox / f"konferenz_{second_day.isoformat()}.xlsx",
                     f"Sozialraumkonferenz {bezirk or gemeinde} {second_day.year} mit Sachstand der Maßnahmen "
                     f"aus {first_day.year}", f"Saalbau, {bezirk or gemeinde}", "Präsenz mit Arbeitsgruppen",
                     ", ".join(sr.sozialraum_id for sr in second_spaces), date_as_text=False),
    ]


class _Konferenz:
    """Eine Konferenz: Arbeitsgruppen je Sozialraum plus eine gesamtstädtische, Ergebnisse, Maßnahmen."""

    def __init__(self, world: _World, day: dt.date, spaces: Sequence[_Sozialraum], gemeinde: str,
                 first_nr: int, first_massnahme: int) -> None:
        self.world = world
        self.day = day
        self.spaces = list(spaces)
        self.gemeinde = gemeinde
        self.first_nr = first_nr
        self.first_massnahme = first_massnahme
        self.rng = world.rng("konferenz", day.isoformat())
        self.gruppen: list[list[object]] = []
        self.ergebnisse: list[list[object]] = []
        self.massnahmen: list[list[object]] = []
        self.teilnehmende: list[list[object]] = []

    def _space_label(self, space: _Sozialraum | None, style: int) -> str:
        if space is None:
            return "Gesamtstadt"
        return space.sozialraum_id if style % 3 == 2 else space.name

    def build(self) -> None:
        offset = self.day.year  # andere Themenreihenfolge in der Folgekonferenz
        agenda: list[tuple[_Sozialraum | None, tuple[str, tuple]]] = [
            (space, _THEMES[(index + offset) % len(_THEMES)]) for index, space in enumerate(self.spaces)
        ]
        agenda.append((None, _THEME_GESAMT))
        nr = self.first_nr
        for ag_index, (space, (thema, findings)) in enumerate(agenda, start=1):
            ag = f"AG {ag_index}"
            self.gruppen.append([ag, self._space_label(space, ag_index), thema])
            # Die Folgekonferenz ist kürzer: je Arbeitsgruppe vier Ergebnisse.
            chosen = findings if self.first_nr == 1 else findings[:4]
            bedarfe: dict[str, list[tuple[int, int]]] = {}  # Handlungsfeld -> [(Nr, Priorität)]
            vorschlaege: dict[str, list[int]] = {}
            for feld, art, prio, text in chosen:
                sr_name = f"Sozialraum {space.name}" if space else self.gemeinde
                self.ergebnisse.append([nr, ag, self._space_label(space, nr), feld, art,
                                        text.format(sr=sr_name), prio])
                if art == "Bedarf":
                    bedarfe.setdefault(feld, []).append((nr, prio or 3))
                elif art == "Maßnahmenvorschlag":
                    vorschlaege.setdefault(feld, []).append(nr)
                nr += 1
            # Jeder Maßnahmenvorschlag wird eine Maßnahme; Bedarfe ohne Vorschlag nur bei Priorität 1 (und
            # Priorität 2 in jeder zweiten AG) – die übrigen bleiben offene Bedarfe ohne Maßnahme.
            for feld in dict.fromkeys([*vorschlaege, *bedarfe]):
                needs = [n for n, _ in bedarfe.get(feld, [])]
                best = min((p for _, p in bedarfe.get(feld, [])), default=3)
                proposals = vorschlaege.get(feld) or ([None] if best == 1 or (best == 2 and ag_index % 2) else [])
                titles, zustaendig, gremium = _MASSNAHMEN[feld]
                for index, proposal in enumerate(proposals):
                    number = self.first_massnahme + len(self.massnahmen)
                    status = "beschlossen" if number % 4 == 0 else "vorgeschlagen"
                    termin = dt.date(self.day.year + 1, 3 + (number * 5) % 10, 1) - dt.timedelta(days=1)
                    bezug = sorted(needs + ([proposal] if proposal else []))
                    titel = titles.split("|")[min(index, titles.count("|"))]
                    self.massnahmen.append([number, ", ".join(str(n) for n in bezug),
                                            titel.format(sr=f"Sozialraum {space.name}" if space else self.gemeinde),
                                            zustaendig, status, termin, gremium])
        self._participants()

    def add_status_updates(self, earlier: Sequence[list[object]]) -> None:
        """Sachstand: einige Maßnahmen der früheren Konferenz mit neuem Status (gleiche Nr)."""
        updates = []
        for index, row in enumerate(earlier):
            if index % 3 == 1:
                continue  # nicht jede Maßnahme wird berichtet
            new = list(row)
            if index == 5:
                new[4], new[5] = "verworfen", None  # z. B. in einer gesamtstädtischen Maßnahme aufgegangen
            elif row[4] == "beschlossen":
                new[4], new[5] = "umgesetzt", self.day - dt.timedelta(days=30)
            else:
                new[4] = "in Umsetzung" if index % 2 == 0 else "beschlossen"
                new[5] = dt.date(self.day.year, 12, 31)
            updates.append(new)
        self.massnahmen = updates + self.massnahmen

    def _participants(self) -> None:
        """Etwa 80 (Folgekonferenz 60) Teilnehmende; Namen und E-Mails sind erfunden (example-Domain)."""
        target = 80 if self.first_nr == 1 else 60
        orgs: list[tuple[str, str, _Sozialraum | None]] = []
        for template, sektor, bezug in _ORGANISATIONEN:
            if bezug == "stadt":
                orgs.append((template.format(g=self.gemeinde), sektor, None))
            else:
                for space in self.spaces:
                    gebiet = space.gebiete[int(self.rng.integers(len(space.gebiete)))].name.split("/")[0]
                    orgs.append((template.format(sr=space.name, gebiet=gebiet), sektor, space))
        rows = []
        index = 0
        while len(rows) < target:
            organisation, sektor, space = orgs[index % len(orgs)]
            vorname = _VORNAMEN[int(self.rng.integers(len(_VORNAMEN)))]
            nachname = _NACHNAMEN[int(self.rng.integers(len(_NACHNAMEN)))]
            rows.append([nachname, vorname, _email(vorname, nachname, organisation), organisation, sektor,
                         self._space_label(space, index)])
            index += 1
        self.teilnehmende = sorted(rows, key=lambda r: (str(r[0]), str(r[1])))

    def write(self, path: Path, titel: str, ort: str, format_: str, raeume: str, date_as_text: bool) -> Path:
        wb = _new_workbook()
        ws = wb.active
        ws.title = "Veranstaltung"
        for key, value in (("Titel", titel), ("Datum", _de_date(self.day) if date_as_text else self.day),
                           ("Ort", ort), ("Format", format_), ("Sozialräume", raeume),
                           ("Protokoll", "Sozialplanung")):
            ws.append([key, value])
            if isinstance(value, dt.date):
                ws.cell(row=ws.max_row, column=2).number_format = "DD.MM.YYYY"
        ws.column_dimensions["A"].width = 14
        ws.column_dimensions["B"].width = 70
        sheets = (
            ("Teilnehmende", ("Name", "Vorname", "E-Mail", "Organisation", "Sektor", "Sozialraum"), self.teilnehmende),
            ("Arbeitsgruppen", ("AG", "Sozialraum", "Thema"), self.gruppen),
            ("Ergebnisse", ("Nr", "AG", "Sozialraum", "Handlungsfeld", "Art", "Beschreibung", "Priorität"),
             self.ergebnisse),
            ("Maßnahmen", ("Nr", "Bezug Ergebnis", "Titel", "Zuständig", "Status", "Termin", "Gremium"),
             self.massnahmen),
        )
        for name, header, rows in sheets:
            sheet = wb.create_sheet(name)
            _header_row(sheet, 1, header)
            for row in rows:
                sheet.append(list(row))
                for cell in sheet[sheet.max_row]:
                    if isinstance(cell.value, dt.date):
                        cell.number_format = "DD.MM.YYYY"
            for column, width in zip("ABCDEFG", (16, 14, 40, 44, 24, 60, 12), strict=False):
                sheet.column_dimensions[column].width = width
        return save_reproducible(wb, path, FIXED_TIMESTAMP)


# --------------------------------------------------------------------------- Alle Quellen


def _write_bevoelkerung_world(inbox: Path, world: _World) -> list[Path]:
    return _write_bevoelkerung(inbox, world.truth)


def _write_sgb2_personen(inbox: Path, world: _World) -> list[Path]:
    """SGB II in allen fünf Jahren als Personendatensätze (2022 als CSV wie im Beispiel, sonst als Arbeitsmappe)."""
    return [_sgb2_persons_csv(inbox / f"sgb2_{day.isoformat()}.csv", world, day) if day == STICHTAGE[-1]
            else _sgb2_persons_xlsx(inbox / f"sgb2_{day.isoformat()}.xlsx", world, day) for day in STICHTAGE]


# --------------------------------------------------------------------------- Quelle: weitere Merkmale (Wohngeld)

# Wohngeldhaushalte je 1.000 Einwohner nach Bedarfsstufe (Spanne, je Gebiet einmal gezogen) und Entwicklung je Jahr:
# rückläufig ohne Anpassung, Sprung mit der Wohngeldreform zum 1.1.2020, danach leicht sinkend.
WOHNGELD_JE_1000 = {"hoch": (14.0, 18.0), "mittel": (8.0, 11.0), "niedrig": (4.0, 6.0)}
YEAR_WOHNGELD = {2018: 1.0, 2019: 0.95, 2020: 1.15, 2021: 1.11, 2022: 1.07}
WOHNGELD_MERKMAL = "Wohngeldhaushalte"  # Name aus data/reference/merkmale.csv (Merkmal wohngeld_haushalte)
WOHNGELD_DATEI = "Wohngeld nach Gebieten 2018-2022.xlsx"


def _wohngeld(world: _World, area: Area, day: dt.date) -> int:
    """Wohngeldhaushalte eines Gebiets: Einwohner × Quote der Bedarfsstufe × Jahr × autokorrelierte Abweichung."""
    quote = world.rate("wohngeld", area, WOHNGELD_JE_1000[world.truth.level(area)]) / 1000
    einwohner = int(world.truth.counts[area.gebiet_id, day].sum())
    return round(einwohner * quote * YEAR_WOHNGELD[day.year] * world.persistent("wohngeld", area, day.year, sd=0.05))


def _write_merkmale(inbox: Path, world: _World) -> list[Path]:
    """Eine Lieferung der Wohngeldstelle mit allen fünf Stichtagen (Spalte „Stichtag“, Blatt „Info“ mit Quelle und
    Gemeinde, ohne Stichtag): lang, das Merkmal mit seinem Namen, je Stichtag eine Summenzeile."""
    rows: list[list[object]] = []
    for day in STICHTAGE:
        werte = [(area, _wohngeld(world, area, day)) for area in world.truth.valid_areas(day)]
        rows.extend([_de_date(day), area.code, WOHNGELD_MERKMAL, value] for area, value in werte)
        rows.append([_de_date(day), "Stadt insgesamt", WOHNGELD_MERKMAL, sum(value for _, value in werte)])
    info = [("Quelle", "merkmale"), ("Gemeinde", _gemeinde_ags(world.truth)),
            ("Lieferung", "Wohngeldstelle, Auswertung des Fachverfahrens")]
    return [_write_table_xlsx(
        inbox / WOHNGELD_DATEI, "Wohngeld", ["Wohngeldhaushalte nach statistischen Bezirken",
                                            "Haushalte mit Miet- oder Lastenzuschuss am Jahresende"],
        ("Stichtag", "Gebiet", "Merkmal", "Anzahl"), rows,
        ("Quelle: Stadt, Wohngeldstelle; Bestand am Jahresende", "Zeichenerklärung: – = nichts vorhanden"),
        info=info, widths={"A": 12, "C": 22},
    )]


_SOURCES: tuple[Callable[[Path, _World], list[Path]], ...] = (
    _write_bevoelkerung_world, _write_sgb2, _write_arbeitslose, _write_grundsicherung, _write_kita, _write_konferenz,
    _write_merkmale,
)
