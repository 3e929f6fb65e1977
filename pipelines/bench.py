"""`sozial-dwh bench`: wie das Warehouse mit der Zahl der Gemeinden wächst – gemessen gegen Bibliotheks-Baselines.

Ablauf (alles in einem temporären Ordner, der am Ende gelöscht wird):

1. Beispieldaten für N Gemeinden in der Größe des Beispiels (`sozial_dwh.demo.write_demo(..., scale=N,
   sgb2_personen=True)`: eigener AGS, eigene Gebiete, fünf Stichtage, SGB II als Personendatensätze, rund 8.000
   Zeilen je Gemeinde und Jahr) und die passende Gebietsgliederung (`write_reference`, über
   `SOZIAL_DWH_REFERENCE`); dazu je Gemeinde ein sechster Stichtag (31.12.2023) für den Zuwachs.
2. Lesen im Vergleich, Datei für Datei nebeneinander in diesem Prozess: das Lesen des Projekts
   (`sozial_dwh.ingest.inspect_file`: Sicherheitsprüfung, Erkennung, Leser, Zuordnung, Würfelzellen) gegen
   `pandas.read_excel(engine="openpyxl", sheet_name=None)` (CSV: `pandas.read_csv`) und gegen das bloße Lesen
   derselben Zellen mit python-calamine (`CalamineWorkbook.from_path(p).get_sheet_by_name(n).to_python()` je Blatt;
   nur Arbeitsmappen, calamine liest kein CSV).
3. Der echte Lauf: Job „alles“ über `pipelines.ausfuehren.alles_ausfuehren` in einem eigenen Python-Prozess
   (`python -m pipelines.bench_lauf`) mit frischem `SOZIAL_DWH_HOME` und `DAGSTER_HOME` (so misst `ru_maxrss` nur
   den Lauf), danach eine
   Berichtsausgabe (Job „berichte“, `pipelines.export.export_bericht`). Stufen aus den Schritt-Zeiten von Dagster:
   parse = Schritt `eingang`; validate = Zeit in den Great-Expectations-Prüfungen samt Quarantäne und Prüfbericht
   (Metadaten `pruefdauer_s` der Staging-Assets); model = übrige Schritte (SQL-Modelle, Referenzdaten, Analysekopie) ohne
   validate; export = Job „berichte“ für eine Ausgabe; orchestration_overhead = Wandzeit des Laufs (mit der
   Anmeldung der Stichtag-Partitionen vorab) minus Summe der Schritt-Zeiten.
4. Zuwachs: der sechste Stichtag in den Eingang, Job `stichtag_lauf` für diese Partition (wieder eigener Prozess);
   `incremental_ratio` = dessen Wandzeit / Wandzeit des ganzen Aufbaus.

5. Boden und Parallelität (Issue 17, architektur.md §11): `end_to_end_vs_floor` = Wandzeit des ganzen Aufbaus /
   Wandzeit des bloßen Ladens derselben Dateien (python-calamine liest jede Zelle jedes Blatts, CSV mit dem
   csv-Modul; die Zeilen kommen als Texttabelle in eine DuckDB im Speicher) – beides im selben Durchgang gemessen.
   `parallel_speedup` = Lesen derselben Dateien mit dem Leser des Projekts (`inspect_file`) in 1 Prozess / in
   2 Prozessen (`concurrent.futures`, forkserver; Start der Prozesse eingerechnet). `rss_mb_per_gemeinde` =
   Steigung des höchsten Speicherbedarfs des ganzen Aufbaus zwischen N = 1 und N (bei N > 1 läuft dafür ein
   zusätzlicher Aufbau mit N = 1; bei N = 1 gibt es keine Steigung).

Jede Zahl ist der Median aus `wiederholungen` Durchgängen. Der Messprozess selbst ist `python -m pipelines.bench_lauf`.
Der Benchmark misst das ganze System samt Dagster und liegt deshalb hier in `pipelines/`, nicht in der Bibliothek
`sozial_dwh`.

Mit `lange_csv` (`sozial-dwh bench --lange-csv [ZEILEN]`) kommt eine Messung dazu, die nicht von N abhängt: eine
gültige lange Bevölkerungs-CSV mit 2 Mio. Zeilen (`lange_csv_schreiben`: Gebiet; Alter 0–100+; Geschlecht m/w;
Staatsangehörigkeit deutsch/nichtdeutsch; Anzahl – so viele Gemeinden des Beispiels, wie es dafür braucht) in einem
frischen Home, darauf ein ganzes `sozial-dwh run` in einem eigenen Prozess unter `/usr/bin/time -v`.
`peak_rss_mb_lange_csv_2mio` ist dessen „Maximum resident set size“ (ohne `/usr/bin/time`: `os.wait4`).
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import gc
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from sozial_dwh import config

NEUER_STICHTAG = dt.date(2023, 12, 31)
ZIEL_SCALE = 50
VERGLEICH_HOECHSTENS = 300  # Dateien im Lesevergleich (`_stichprobe`); das Beispiel hat 28 je Gemeinde

# Ziele (gelten bei N = 50): Name -> (Vergleich, Schwelle, Beschreibung)
ZIELE: dict[str, tuple[str, float, str]] = {
    "parse_speedup_vs_openpyxl": (">=", 5.0, "Lesen mindestens 5-mal so schnell wie pandas/openpyxl"),
    "parse_ratio_vs_calamine": ("<=", 1.5, "Lesen höchstens 1,5-mal so lang wie bloßes python-calamine"),
    "incremental_ratio": ("<=", 0.35, "ein weiterer Stichtag höchstens 35 % des ganzen Aufbaus"),
    "peak_rss_mb": ("<=", 2048.0, "höchstens 2 GiB Arbeitsspeicher im Lauf"),
    "validate_plus_overhead_vs_parse": ("<=", 0.5, "Prüfungen plus Orchestrierung höchstens 50 % der Lesezeit"),
    "end_to_end_vs_floor": ("<=", 3.0, "ganzer Aufbau höchstens 3-mal so lang wie das bloße Laden derselben Dateien "
                                       "(bei N = 1: höchstens 8-mal)"),
    "parallel_speedup": (">=", 1.6, "Lesen mit 2 Prozessen mindestens 1,6-mal so schnell wie mit einem (ab N = 4)"),
    "rss_mb_per_gemeinde": ("<=", 5.0, "höchstens 5 MB mehr Arbeitsspeicher je weiterer Gemeinde"),
}

# Ziel der Messung mit der langen CSV (unabhängig von N; nur, wenn sie gemessen wurde)
ZIEL_LANGE_CSV = ("<=", 1024.0, "höchstens 1 GiB Arbeitsspeicher für `sozial-dwh run` einer langen "
                                "Bevölkerungs-CSV mit 2 Mio. Zeilen")
LANGE_CSV_ZEILEN = 2_000_000
LANGE_CSV_STICHTAG = dt.date(2022, 12, 31)
_ALTER = [*(str(alter) for alter in range(100)), "100+"]
_MERKMALE = [(geschlecht, staat) for geschlecht in ("m", "w") for staat in ("deutsch", "nichtdeutsch")]

STUFEN = ("parse", "validate", "model", "export", "orchestration_overhead")
STUFEN_TEXT = {"parse": "Lesen (Lesestränge und Schritt eingang)", "validate": "Prüfen (Great Expectations)",
               "model": "Modelle (SQL, Referenzdaten, Analysekopie)", "export": "Berichtsausgabe (Job berichte)",
               "orchestration_overhead": "Orchestrierung (Dagster)"}


class BenchFehler(RuntimeError):
    """Der Benchmark konnte nicht zu Ende laufen (z. B. ein Lauf ist gescheitert)."""


# --------------------------------------------------------------------------- Einstieg


def run_bench(scale: int, wiederholungen: int = 3, json_path: Path | None = None, ordner: Path | None = None,
              behalten: bool = False, progress: Callable[[str], None] = print, lange_csv: int | None = None,
              protokoll: Path | None = None) -> dict:
    """Führt den Benchmark aus und gibt das Ergebnis (wie in der JSON-Datei) zurück. `lange_csv`: zusätzlich
    `sozial-dwh run` auf einer langen Bevölkerungs-CSV mit so vielen Zeilen messen (`lange_csv_messen`).
    Die Messläufe melden ihren Fortschritt je Schritt über `progress` (eingerückt); Dagsters Protokoll aller
    Messläufe kommt in die Datei `protokoll` (sonst in den Arbeitsordner, der danach gelöscht wird)."""
    if scale < 1 or wiederholungen < 1 or (lange_csv is not None and lange_csv < 1):
        raise ValueError("scale, wiederholungen und lange_csv müssen mindestens 1 sein.")
    started = time.monotonic()
    root = Path(tempfile.mkdtemp(prefix="sozial_dwh_bench_", dir=ordner))
    try:
        daten = _daten_erzeugen(root, scale, progress)
        vergleich = daten["vergleich"] = _stichprobe(daten["dateien"])
        umfang_text = (f"{len(vergleich)} Dateien" if len(vergleich) == len(daten["dateien"])
                       else f"Stichprobe von {len(vergleich)} der {len(daten['dateien'])} Dateien")
        parse_laeufe, lauf_laeufe = [], []
        for nummer in range(1, wiederholungen + 1):
            progress(f"Durchgang {nummer}/{wiederholungen}: Lesen im Vergleich ({umfang_text}) …")
            parse_laeufe.append(_parse_vergleich(vergleich, daten["referenz"]))
            progress(f"Durchgang {nummer}/{wiederholungen}: Boden (calamine + DuckDB) und Lesen mit 1 und 2 Prozessen …")
            parse_laeufe[-1].update(boden_s=_boden(daten["dateien"]),
                                    **{f"lesen_{n}_prozesse_s": _parallel_lesen(daten["dateien"], daten["referenz"], n)
                                       for n in (1, 2)})
            progress(f"Durchgang {nummer}/{wiederholungen}: ganzer Aufbau, Berichtsausgabe, ein weiterer Stichtag …")
            lauf_laeufe.append(_pipeline_durchgang(root / f"durchgang_{nummer}", daten, progress, protokoll))
        eins = None
        if scale > 1:  # für die Steigung des Speichers: derselbe Aufbau mit einer Gemeinde
            progress("Zum Vergleich: ganzer Aufbau mit einer Gemeinde (Steigung des Speicherbedarfs) …")
            # in derselben Art wie der Aufbau mit N Gemeinden (mehrere Prozesse oder einer), sonst maße die Steigung
            # den Wechsel der Art mit (ab Werk liest eine Gemeinde, 2 MB, in einem Prozess)
            from pipelines.executor import PROZESSE_AB_MB_ENV

            mehrere = lauf_laeufe[-1]["voll"].get("prozesse", 1) > 1
            eins = _pipeline_durchgang(root / "eine_gemeinde", _daten_erzeugen(root / "n1", 1, progress), progress,
                                       protokoll, zuwachs=False, umgebung={PROZESSE_AB_MB_ENV: "0"} if mehrere else None)
        lang = lange_csv_messen(root / "lange_csv", lange_csv, progress) if lange_csv else None
        ergebnis = _auswerten(scale, wiederholungen, daten, parse_laeufe, lauf_laeufe, time.monotonic() - started,
                              lang, eins)
    finally:
        if behalten:
            progress(f"Arbeitsordner bleibt erhalten: {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    if json_path is not None:
        json_path = Path(json_path)
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(ergebnis, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return ergebnis


# --------------------------------------------------------------------------- Daten


def _daten_erzeugen(root: Path, scale: int, progress: Callable[[str], None]) -> dict:
    from sozial_dwh.demo import write_demo, write_reference, write_stichtag

    clock = time.monotonic()
    referenz = write_reference(root / "referenz", scale)
    progress(f"Beispieldaten für {scale} Gemeinde(n) erzeugen …")
    # Grundlage ist immer das Beispiel in data/reference; `referenz` ist die daraus vervielfachte Gliederung
    dateien = write_demo(root / "eingabe", scale=scale, sgb2_personen=True)
    neu = write_stichtag(root / "neuer_stichtag", NEUER_STICHTAG, scale=scale)
    sekunden = time.monotonic() - clock
    progress(f"  {len(dateien)} Dateien plus {len(neu)} für den {NEUER_STICHTAG:%d.%m.%Y} in {sekunden:.0f} s erzeugt.")
    return {"referenz": referenz, "dateien": dateien, "neu": neu, "erzeugt_s": sekunden,
            "bytes": sum(p.stat().st_size for p in dateien)}


# --------------------------------------------------------------------------- Lesen im Vergleich


def _calamine_lesen(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    return sum(len(workbook.get_sheet_by_name(name).to_python()) for name in workbook.sheet_names)


def _csv_kodierung(path: Path) -> str:
    try:
        path.read_bytes().decode("utf-8")
        return "utf-8-sig"
    except UnicodeDecodeError:
        return "cp1252"


def _pandas_lesen(path: Path) -> int:
    import pandas as pd

    if path.suffix.lower() == ".csv":
        # so bloß wie möglich: Trennzeichen, Kodierung, alles als Text (Titelzeilen stehen vor der Kopfzeile)
        return len(pd.read_csv(path, sep=";", header=None, dtype=str, encoding=_csv_kodierung(path)))
    return sum(len(frame) for frame in pd.read_excel(path, engine="openpyxl", sheet_name=None, header=None).values())


def _stichprobe(dateien: list[Path]) -> list[Path]:
    """Die Dateien für den Lesevergleich (Projekt, calamine, pandas/openpyxl): alle, bei mehr als
    `VERGLEICH_HOECHSTENS` jede k-te (gleichmäßig über Quellen und Gemeinden verteilt). Der Vergleich misst
    Verhältnisse derselben Dateien; pandas/openpyxl allein bräuchte bei N = 200 eine Viertelstunde."""
    if len(dateien) <= VERGLEICH_HOECHSTENS:
        return list(dateien)
    schritt = math.ceil(len(dateien) / VERGLEICH_HOECHSTENS)
    return list(dateien)[::schritt]


def _parse_vergleich(dateien: list[Path], referenz: Path) -> dict:
    """Ein Durchgang: je Datei Projekt, calamine und pandas/openpyxl direkt nacheinander (Reihenfolge wechselt)."""
    from sozial_dwh.ingest import inspect_file
    from sozial_dwh.reference import GebietMatcher, load_gebiete

    matcher = GebietMatcher(load_gebiete(referenz), referenz)
    zeiten = {"projekt_alle": 0.0, "projekt_arbeitsmappen": 0.0, "projekt_csv": 0.0, "calamine": 0.0,
              "openpyxl": 0.0, "pandas_csv": 0.0}
    abgelehnt, zellen_ergebnis = [], 0

    def projekt(path: Path) -> None:
        nonlocal zellen_ergebnis
        verdict = inspect_file(path, matcher)
        if not verdict.ok:
            abgelehnt.append(f"{path.name}: {'; '.join(verdict.fehler)}")
        if verdict.result:
            zellen_ergebnis += verdict.result.row_count
            verdict.result.close()

    gc.collect()
    for index, path in enumerate(dateien):
        arbeitsmappe = path.suffix.lower() != ".csv"
        messungen = [("projekt", projekt), ("baseline", _pandas_lesen)]
        if arbeitsmappe:
            messungen.append(("calamine", _calamine_lesen))
        shift = index % len(messungen)
        for name, funktion in messungen[shift:] + messungen[:shift]:
            clock = time.perf_counter()
            funktion(path)
            sekunden = time.perf_counter() - clock
            if name == "projekt":
                zeiten["projekt_alle"] += sekunden
                zeiten["projekt_arbeitsmappen" if arbeitsmappe else "projekt_csv"] += sekunden
            elif name == "calamine":
                zeiten["calamine"] += sekunden
            else:
                zeiten["openpyxl" if arbeitsmappe else "pandas_csv"] += sekunden
    if abgelehnt:
        raise BenchFehler("Beispieldateien abgelehnt: " + " | ".join(abgelehnt[:5]))
    zeiten["wuerfelzellen"] = zellen_ergebnis
    return zeiten


def _umfang(dateien: list[Path]) -> dict:
    """Zeilen und befüllte Zellen aller Eingabedateien (wie das Projekt sie liest; nicht gemessen)."""
    from sozial_dwh.readers.workbook import read_sheets

    zeilen = zellen = 0
    for path in dateien:
        for sheet in read_sheets(path):
            for row in sheet.iter_rows():
                zeilen += 1
                zellen += len(row) - row.count(None)
    return {"rows": zeilen, "cells": zellen}


# --------------------------------------------------------------------------- Boden und Parallelität


def _zeilen_roh(path: Path) -> list[list]:
    """Jede Zelle jedes Blatts (python-calamine) bzw. jede Zeile der CSV (csv-Modul), ohne Auswertung."""
    if path.suffix.lower() == ".csv":
        with path.open(encoding=_csv_kodierung(path), newline="") as handle:
            return list(csv.reader(handle, delimiter=";"))
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    zeilen: list[list] = []
    for name in workbook.sheet_names:
        zeilen.extend(workbook.get_sheet_by_name(name).to_python())
    return zeilen


def _boden(dateien: list[Path]) -> float:
    """Sekunden für das bloße Laden derselben Dateien: lesen (`_zeilen_roh`) und als Texttabelle je Datei in eine
    DuckDB im Speicher schreiben – die Untergrenze, an der sich der ganze Aufbau misst (`end_to_end_vs_floor`)."""
    import duckdb
    import pandas as pd

    gc.collect()
    clock = time.perf_counter()
    con = duckdb.connect()
    for nummer, path in enumerate(dateien):
        zeilen = _zeilen_roh(path)
        breite = max((len(z) for z in zeilen), default=0)
        frame = pd.DataFrame([[None if v is None else str(v) for v in z] + [None] * (breite - len(z)) for z in zeilen],
                             columns=[f"s{i}" for i in range(breite)], dtype=object)
        con.register("roh", frame)
        con.execute(f"create table datei_{nummer} as select * from roh")  # Name aus der Zählung, nie aus der Datei
        con.unregister("roh")
    con.close()
    return time.perf_counter() - clock


_MATCHER = None


def _leser_start(referenz: str) -> None:
    global _MATCHER
    from sozial_dwh.reference import GebietMatcher, load_gebiete

    _MATCHER = GebietMatcher(load_gebiete(Path(referenz)), Path(referenz))


def _leser(path: str) -> int:
    from sozial_dwh.ingest import inspect_file

    verdict = inspect_file(Path(path), _MATCHER)
    zellen = verdict.result.row_count if verdict.result else 0
    if verdict.result:
        verdict.result.close()
    return zellen


def _parallel_lesen(dateien: list[Path], referenz: Path, prozesse: int) -> float:
    """Sekunden, in denen `prozesse` Prozesse dieselben Dateien mit dem Leser des Projekts lesen (größte zuerst,
    Start der Prozesse eingerechnet)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    reihenfolge = sorted(dateien, key=lambda p: -p.stat().st_size)
    gc.collect()
    clock = time.perf_counter()
    with ProcessPoolExecutor(max_workers=prozesse, mp_context=multiprocessing.get_context("forkserver"),
                             initializer=_leser_start, initargs=(str(referenz),)) as pool:
        zellen = sum(pool.map(_leser, [str(p) for p in reihenfolge]))
    sekunden = time.perf_counter() - clock
    if not zellen:
        raise BenchFehler("Lesen in Prozessen ergab keine einzige Würfelzelle.")
    return sekunden


# --------------------------------------------------------------------------- Lauf (eigener Prozess)


def _pipeline_durchgang(ordner: Path, daten: dict, progress: Callable[[str], None] = print,
                        protokoll: Path | None = None, zuwachs: bool = True, umgebung: dict | None = None) -> dict:
    """Ganzer Aufbau + Berichtsausgabe, danach ein weiterer Stichtag – je in einem eigenen Python-Prozess
    (`zuwachs=False`: nur der ganze Aufbau)."""
    home = ordner / "home"
    for sub in ("inbox", "dagster"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    for path in daten["dateien"]:
        shutil.copy2(path, home / "inbox" / path.name)
    voll = _im_prozess(ordner, home, daten["referenz"], {"art": "voll", "bericht": _letzte_ausgabe(daten["referenz"])},
                       progress, protokoll, umgebung)
    if not zuwachs:
        shutil.rmtree(ordner, ignore_errors=True)
        return {"voll": voll}
    for path in daten["neu"]:
        shutil.copy2(path, home / "inbox" / path.name)
    zuwachs = _im_prozess(ordner, home, daten["referenz"], {"art": "zuwachs", "stichtag": NEUER_STICHTAG.isoformat()},
                          progress, protokoll)
    shutil.rmtree(ordner, ignore_errors=True)  # Warehouse und Archiv des Durchgangs (bei großem N einige 100 MB)
    return {"voll": voll, "zuwachs": zuwachs}


def _letzte_ausgabe(referenz: Path) -> str:
    with (referenz / "berichte.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return max(rows, key=lambda r: (r["stichtag"], r["bericht_id"]))["bericht_id"]


def _im_prozess(ordner: Path, home: Path, referenz: Path, auftrag: dict, progress: Callable[[str], None] = print,
                protokoll: Path | None = None, umgebung: dict | None = None) -> dict:
    """Ein Messlauf (`pipelines.bench_lauf`) in eigenem Prozess; seine Fortschrittszeilen gehen eingerückt an
    `progress`, sobald sie kommen."""
    ziel = ordner / f"ergebnis_{auftrag['art']}.json"
    auftrag = {**auftrag, "ergebnis": str(ziel), "protokoll": str(protokoll or home / "logs" / "bench.log")}
    env = {**os.environ, "SOZIAL_DWH_HOME": str(home), "SOZIAL_DWH_REFERENCE": str(referenz),
           "DAGSTER_HOME": str(home / "dagster"),
           # die Dateien sind fertig geschrieben: keine zweite Größenprüfung nach einer Pause
           "SOZIAL_DWH_SCHREIBPAUSE_S": "0", **(umgebung or {})}
    config.dagster_instanz_anlegen(home / "dagster")
    letzte: collections.deque[str] = collections.deque(maxlen=15)
    with subprocess.Popen([sys.executable, "-m", "pipelines.bench_lauf", json.dumps(auftrag)], env=env,
                          cwd=config.REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
        for zeile in proc.stdout:
            letzte.append(zeile.rstrip("\n"))
            progress(f"    {letzte[-1]}")
    if proc.returncode != 0 or not ziel.exists():
        rest = "\n".join(letzte)
        raise BenchFehler(f"Messlauf „{auftrag['art']}“ gescheitert (Exit-Code {proc.returncode}):\n{rest}")
    return json.loads(ziel.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- lange CSV: ein ganzer Lauf


def lange_csv_schreiben(ordner: Path, zeilen: int = LANGE_CSV_ZEILEN) -> dict:
    """Eine gültige lange Bevölkerungs-CSV mit rund `zeilen` Datenzeilen und die Gebietsgliederung dazu.

    Spalten Gebiet; Alter (0 bis 99, „100+“); Geschlecht (m, w); Staatsangehörigkeit (deutsch, nichtdeutsch);
    Anzahl – je Gebiet 404 Zeilen, so viele Gebiete wie nötig (aus so vielen Gemeinden des Beispiels wie nötig,
    `demo.write_reference`), am Ende je Merkmalskombination eine Summenzeile „Insgesamt“, die zu den Gebieten
    passt. Die Datei wird zeilenweise geschrieben, nie im Speicher gehalten. Gibt Pfade und Umfang zurück.
    """
    from sozial_dwh.demo import write_reference
    from sozial_dwh.reference import load_gebiete

    je_gebiet = len(_ALTER) * len(_MERKMALE)
    gebiete_noetig = math.ceil(zeilen / je_gebiet)
    je_gemeinde = sum(g.valid_at(LANGE_CSV_STICHTAG) for g in load_gebiete(config.reference_dir()))
    gemeinden = math.ceil(gebiete_noetig / je_gemeinde)
    referenz = write_reference(ordner / "referenz", gemeinden)
    gebiete = [g.gebiet_id for g in load_gebiete(referenz) if g.valid_at(LANGE_CSV_STICHTAG)][:gebiete_noetig]
    datei = ordner / "eingabe" / f"bevoelkerung_{LANGE_CSV_STICHTAG.isoformat()}.csv"
    datei.parent.mkdir(parents=True, exist_ok=True)
    summen = dict.fromkeys(((alter, *merkmal) for alter in _ALTER for merkmal in _MERKMALE), 0)
    with datei.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(["Gebiet", "Alter", "Geschlecht", "Staatsangehörigkeit", "Anzahl"])
        for nummer, gebiet_id in enumerate(gebiete):
            for alter_nr, alter in enumerate(_ALTER):
                for merkmal_nr, (geschlecht, staat) in enumerate(_MERKMALE):
                    anzahl = (nummer * 7 + alter_nr * 13 + merkmal_nr * 5) % 40 + (30 if staat == "deutsch" else 0)
                    summen[(alter, geschlecht, staat)] += anzahl
                    writer.writerow([gebiet_id, alter, geschlecht, staat, anzahl])
        for (alter, geschlecht, staat), anzahl in summen.items():
            writer.writerow(["Insgesamt", alter, geschlecht, staat, anzahl])
    return {"datei": datei, "referenz": referenz, "datenzeilen": len(gebiete) * je_gebiet, "summenzeilen": len(summen),
            "gebiete": len(gebiete), "gemeinden": gemeinden}


def lange_csv_messen(ordner: Path, zeilen: int = LANGE_CSV_ZEILEN,
                     progress: Callable[[str], None] = print) -> dict:
    """Ein ganzes `sozial-dwh run` auf der langen CSV (`lange_csv_schreiben`) in einem frischen Home, in einem
    eigenen Prozess unter `/usr/bin/time -v`: höchster Arbeitsspeicher, Zeiten, was geladen wurde."""
    clock = time.monotonic()
    progress(f"Lange Bevölkerungs-CSV mit {zeilen:,} Zeilen schreiben …".replace(",", "."))
    daten = lange_csv_schreiben(ordner, zeilen)
    home = ordner / "home"
    (home / "inbox").mkdir(parents=True, exist_ok=True)
    shutil.move(daten["datei"], home / "inbox" / daten["datei"].name)
    erzeugt_s = time.monotonic() - clock
    progress(f"  {daten['datenzeilen'] + daten['summenzeilen']:,} Zeilen in {erzeugt_s:.0f} s; "
             "`sozial-dwh run` darauf …".replace(",", "."))
    messung = _run_messen(home, daten["referenz"])
    if messung["exit"] != 0:
        raise BenchFehler(f"`sozial-dwh run` auf der langen CSV gescheitert (Exit-Code {messung['exit']}):\n"
                          + "\n".join(messung.pop("ausgabe").strip().splitlines()[-15:]))
    messung.pop("ausgabe")
    from sozial_dwh import warehouse

    paths = config.Paths.from_env(home, daten["referenz"])
    with warehouse.connect(paths, read_only=True) as con:
        messung["warehouse"] = {
            "dateien": dict(con.execute("select status, count(*) from ops.dateien group by status").fetchall()),
            "raw_bevoelkerung": warehouse.table_row_count(con, "raw", "bevoelkerung"),
            "quarantaene_zeilen": con.execute("select count(*) from quarantine.zeilen").fetchall()[0][0],
        }
    shutil.rmtree(ordner, ignore_errors=True)  # Warehouse, Archiv und Analysekopie (einige 100 MB)
    return {"angefragt": zeilen, "zeilen": daten["datenzeilen"] + daten["summenzeilen"],
            "datenzeilen": daten["datenzeilen"],
            "gebiete": daten["gebiete"], "gemeinden": daten["gemeinden"], "erzeugt_s": round(erzeugt_s, 1), **messung}


def _run_messen(home: Path, referenz: Path) -> dict:
    """`python -m sozial_dwh run` mit eigenem Home; Speicher und Zeiten aus `/usr/bin/time -v` (sonst `os.wait4`)."""
    env = {**os.environ, "SOZIAL_DWH_HOME": str(home), "SOZIAL_DWH_REFERENCE": str(referenz),
           "DAGSTER_HOME": str(home / "dagster"), "SOZIAL_DWH_SCHREIBPAUSE_S": "0"}
    befehl = [sys.executable, "-m", "sozial_dwh", "run"]
    clock = time.monotonic()
    if Path("/usr/bin/time").exists():
        proc = subprocess.run(["/usr/bin/time", "-v", *befehl], env=env, cwd=config.REPO_ROOT,
                              capture_output=True, text=True)
        werte = {name: re.search(rf"^\s*{re.escape(text)}: (\S+)$", proc.stderr, re.MULTILINE)
                 for name, text in (("kib", "Maximum resident set size (kbytes)"), ("user", "User time (seconds)"),
                                    ("sys", "System time (seconds)"))}
        if proc.returncode == 0 and not all(werte.values()):
            raise BenchFehler("Die Ausgabe von /usr/bin/time -v enthält keine „Maximum resident set size“.")
        messung = {"peak_rss_mb": round(int(werte["kib"][1]) / 1024, 1) if werte["kib"] else None,
                   "cpu_s": round(float(werte["user"][1]) + float(werte["sys"][1]), 1) if werte["user"] else None,
                   "messung": "/usr/bin/time -v", "exit": proc.returncode, "ausgabe": proc.stderr + proc.stdout}
    else:  # z. B. macOS ohne GNU time: Ressourcen des Kindprozesses selbst
        with tempfile.TemporaryFile() as ausgabe:
            proc = subprocess.Popen(befehl, env=env, cwd=config.REPO_ROOT, stdout=ausgabe, stderr=subprocess.STDOUT)
            _, status, nutzung = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            ausgabe.seek(0)
            text = ausgabe.read().decode("utf-8", "replace")
        kib = nutzung.ru_maxrss / 1024 if sys.platform == "darwin" else nutzung.ru_maxrss  # macOS: Bytes
        messung = {"peak_rss_mb": round(kib / 1024, 1), "cpu_s": round(nutzung.ru_utime + nutzung.ru_stime, 1),
                   "messung": "os.wait4", "exit": proc.returncode, "ausgabe": text}
    messung["wand_s"] = round(time.monotonic() - clock, 1)
    return messung


# --------------------------------------------------------------------------- Auswertung


def _median(values) -> float:
    return float(statistics.median(values))


def _stufen(voll: dict) -> dict[str, float]:
    schritte = dict(voll["schritte"])
    # Lesen: die Lesestränge (ops__lesen_*, nebeneinander: ihre Wandzeit `lesen_wand`) und der Eingang, der lädt und
    # liest, was sie nicht gelesen haben
    straenge = {k: schritte.pop(k) for k in list(schritte) if k.startswith("ops__lesen_")}
    lesen = schritte.pop("lesen_wand", sum(straenge.values()))
    parse = schritte.get("eingang", 0.0) + lesen
    summe = sum(schritte.values()) + lesen
    validate = voll["validate_s"]
    return {
        "parse": parse,
        "validate": validate,
        "model": summe - parse - validate,
        "export": voll.get("export_s", 0.0),
        "orchestration_overhead": voll["wand_s"] - summe,
    }


def _ziele(werte: dict[str, float], scale: int) -> dict:
    ziele = {}
    alle = {**ZIELE, **({_lange_csv_schluessel(werte["lange_csv_zeilen"]): ZIEL_LANGE_CSV}
                        if "lange_csv_zeilen" in werte else {})}
    for name, (vergleich, schwelle, text) in alle.items():
        wert = werte[name]
        if wert is None:  # bei diesem N nicht bestimmbar (z. B. Steigung bei N = 1)
            continue
        erfuellt = wert >= schwelle if vergleich == ">=" else wert <= schwelle
        ziele[name] = {"ziel": f"{vergleich} {schwelle:g}", "wert": round(wert, 3), "erfuellt": bool(erfuellt),
                       "beschreibung": text}
    ziele["_hinweis"] = (f"Die Ziele gelten bei N = {ZIEL_SCALE}; gemessen wurde N = {scale}."
                         if scale != ZIEL_SCALE else f"Gemessen bei N = {ZIEL_SCALE}, dem Maßstab der Ziele.")
    if "lange_csv_zeilen" in werte:
        ziele["_hinweis"] += (" Das Ziel der langen CSV hängt nicht von N ab; es gilt bei 2 Mio. Zeilen, gemessen "
                              f"wurden {werte['lange_csv_zeilen']:,}.".replace(",", "."))
    return ziele


def _lange_csv_schluessel(zeilen: int) -> str:
    """`peak_rss_mb_lange_csv_2mio` bei 2 Mio. Zeilen, sonst mit der Zeilenzahl (z. B. `…_5000`)."""
    return "peak_rss_mb_lange_csv_" + (f"{zeilen // 1_000_000}mio" if zeilen % 1_000_000 == 0 else str(zeilen))


def _versionen() -> dict:
    import duckdb

    def version(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    return {"python": platform.python_version(), "duckdb": duckdb.__version__, "dagster": version("dagster"),
            "python_calamine": version("python-calamine"), "openpyxl": version("openpyxl"),
            "pandas": version("pandas"), "great_expectations": version("great-expectations")}


def _rechner() -> dict:
    speicher = None
    try:
        speicher = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    return {"cpus": os.cpu_count(), "speicher_gib": speicher, "system": platform.platform()}


def _auswerten(scale: int, wiederholungen: int, daten: dict, parse_laeufe: list[dict], lauf_laeufe: list[dict],
               gesamt_s: float, lang: dict | None = None, eins: dict | None = None) -> dict:
    projekt = _median(p["projekt_alle"] for p in parse_laeufe)
    baseline = _median(p["openpyxl"] + p["pandas_csv"] for p in parse_laeufe)
    mappen = _median(p["projekt_arbeitsmappen"] for p in parse_laeufe)
    calamine = _median(p["calamine"] for p in parse_laeufe)
    stufen_je_lauf = [_stufen(lauf["voll"]) for lauf in lauf_laeufe]
    stages = {name: round(_median(s[name] for s in stufen_je_lauf), 3) for name in STUFEN}
    voll_s = _median(lauf["voll"]["wand_s"] for lauf in lauf_laeufe)
    zuwachs_s = _median(lauf["zuwachs"]["wand_s"] for lauf in lauf_laeufe)
    peak = max(max(lauf["voll"]["peak_rss_mb"], lauf["zuwachs"]["peak_rss_mb"]) for lauf in lauf_laeufe)
    peak_voll = _median(lauf["voll"]["peak_rss_mb"] for lauf in lauf_laeufe)
    boden_s = _median(p["boden_s"] for p in parse_laeufe)
    werte = {
        "end_to_end_vs_floor": voll_s / boden_s,
        "parallel_speedup": _median(p["lesen_1_prozesse_s"] / p["lesen_2_prozesse_s"] for p in parse_laeufe),
        "rss_mb_per_gemeinde": (peak_voll - eins["voll"]["peak_rss_mb"]) / (scale - 1) if eins else None,
        "parse_speedup_vs_openpyxl": baseline / projekt,
        "parse_ratio_vs_calamine": mappen / calamine,
        "incremental_ratio": zuwachs_s / voll_s,
        "peak_rss_mb": peak,
        "validate_plus_overhead_vs_parse": _median(
            (s["validate"] + s["orchestration_overhead"]) / s["parse"] for s in stufen_je_lauf),
    }
    lange_csv = {}
    if lang is not None:
        lange_csv = {_lange_csv_schluessel(lang["angefragt"]): lang["peak_rss_mb"]}
        werte.update(lange_csv, lange_csv_zeilen=lang["angefragt"])
    umfang = _umfang(daten["dateien"])
    letzter = lauf_laeufe[-1]
    return {
        "scale": scale,
        "wiederholungen": wiederholungen,
        "datum": dt.date.today().isoformat(),
        "stages": stages,
        "parse_speedup_vs_openpyxl": round(werte["parse_speedup_vs_openpyxl"], 3),
        "parse_ratio_vs_calamine": round(werte["parse_ratio_vs_calamine"], 3),
        "incremental_ratio": round(werte["incremental_ratio"], 3),
        "peak_rss_mb": round(peak, 1),
        **lange_csv,
        "validate_plus_overhead_vs_parse": round(werte["validate_plus_overhead_vs_parse"], 3),
        "end_to_end_vs_floor": round(werte["end_to_end_vs_floor"], 3),
        "parallel_speedup": round(werte["parallel_speedup"], 3),
        "rss_mb_per_gemeinde": None if werte["rss_mb_per_gemeinde"] is None else round(werte["rss_mb_per_gemeinde"], 2),
        "rows": umfang["rows"],
        "cells": umfang["cells"],
        "versions": _versionen(),
        "ziele": _ziele(werte, scale),
        "details": {
            "dateien": len(daten["dateien"]),
            "eingabe_mb": round(daten["bytes"] / 1e6, 1),
            "vergleich_dateien": len(daten["vergleich"]),
            "wuerfelzellen": parse_laeufe[-1]["wuerfelzellen"],
            "lesen_s": {k: round(_median(p[k] for p in parse_laeufe), 3) for k in
                        ("projekt_alle", "projekt_arbeitsmappen", "projekt_csv", "calamine", "openpyxl", "pandas_csv")},
            "csv_ratio_vs_pandas": round(_median(p["projekt_csv"] / p["pandas_csv"] for p in parse_laeufe
                                                 if p["pandas_csv"]), 3) if parse_laeufe[0]["pandas_csv"] else None,
            "voller_aufbau_s": round(voll_s, 3),
            "boden_s": round(boden_s, 3),
            "lesen_prozesse_s": {str(n): round(_median(p[f"lesen_{n}_prozesse_s"] for p in parse_laeufe), 3)
                                 for n in (1, 2)},
            "peak_rss_mb_eine_gemeinde": eins["voll"]["peak_rss_mb"] if eins else None,
            # Prozesse, in denen die Schritte des ganzen Aufbaus liefen (ab Werk: Lesestränge auf Dagsters
            # Multiprozess-Executor, die Schreiber im steuernden Prozess; pipelines/executor.py)
            "prozesse_im_lauf": letzter["voll"].get("prozesse"),
            "zuwachs_s": round(zuwachs_s, 3),
            "zuwachs_stichtag": NEUER_STICHTAG.isoformat(),
            "zuwachs_dateien": len(daten["neu"]),
            "zuwachs_stufen": {name: round(_median(_stufen(lauf["zuwachs"])[name] for lauf in lauf_laeufe), 3)
                               for name in STUFEN if name != "export"},
            "import_s": round(_median(lauf["voll"]["import_s"] for lauf in lauf_laeufe), 3),
            "export_bericht": letzter["voll"]["export_bericht"],
            "peak_rss_mb_je_lauf": {"voll": [lauf["voll"]["peak_rss_mb"] for lauf in lauf_laeufe],
                                    "zuwachs": [lauf["zuwachs"]["peak_rss_mb"] for lauf in lauf_laeufe]},
            "rss_spitze_schritt": {"voll": letzter["voll"].get("rss_spitze"),
                                   "zuwachs": letzter["zuwachs"].get("rss_spitze")},
            "stages_je_durchgang": [{k: round(v, 3) for k, v in s.items()} for s in stufen_je_lauf],
            "langsamste_schritte": dict(sorted(((k, round(v, 3)) for k, v in letzter["voll"]["schritte"].items()),
                                               key=lambda kv: -kv[1])[:8]),
            "warehouse": letzter["voll"]["warehouse"],
            **({"lange_csv": lang} if lang is not None else {}),
            "daten_erzeugt_s": round(daten["erzeugt_s"], 1),
            "bench_gesamt_s": round(gesamt_s, 1),
            "rechner": _rechner(),
        },
    }


# --------------------------------------------------------------------------- Ausgabe


def _de(value: float, digits: int = 2) -> str:
    return f"{value:,.{digits}f}".replace(",", "X").replace(".", ",").replace("X", ".")


def zusammenfassung(ergebnis: dict) -> str:
    """Deutsche Übersicht für die Konsole."""
    d = ergebnis["details"]
    v = ergebnis["versions"]
    lines = [
        f"Benchmark sozial_dwh – {ergebnis['scale']} Gemeinde(n), Median aus {ergebnis['wiederholungen']} "
        f"Durchgang/Durchgängen, {ergebnis['datum']}",
        f"Python {v['python']}, DuckDB {v['duckdb']}, Dagster {v['dagster']}; {d['rechner']['cpus']} Kerne, "
        f"{_de(d['rechner']['speicher_gib'] or 0, 0)} GiB",
        f"Eingabe: {d['dateien']} Dateien, {_de(d['eingabe_mb'], 1)} MB, {_de(ergebnis['rows'], 0)} Zeilen, "
        f"{_de(ergebnis['cells'], 0)} befüllte Zellen"
        + (f", daraus {_de(d['wuerfelzellen'], 0)} Würfelzellen" if d["vergleich_dateien"] == d["dateien"]
           else f"; Lesevergleich auf einer Stichprobe von {d['vergleich_dateien']} Dateien"),
        "",
        f"{'Stufe':<46}{'Sekunden':>12}",
    ]
    for name in STUFEN:
        lines.append(f"{STUFEN_TEXT[name]:<46}{_de(ergebnis['stages'][name]):>12}")
    lines += [
        f"{'ganzer Aufbau (Job alles, Wandzeit)':<46}{_de(d['voller_aufbau_s']):>12}",
        f"{'ein weiterer Stichtag (stichtag_lauf)':<46}{_de(d['zuwachs_s']):>12}",
        f"{'Boden: bloßes Laden (calamine + DuckDB)':<46}{_de(d['boden_s']):>12}",
        f"{'Lesen mit 1 Prozess':<46}{_de(d['lesen_prozesse_s']['1']):>12}",
        f"{'Lesen mit 2 Prozessen':<46}{_de(d['lesen_prozesse_s']['2']):>12}",
        "",
        f"{'Kennzahl':<36}{'Wert':>10}  {'Ziel (N=50)':<12}erfüllt",
    ]
    for name, ziel in ergebnis["ziele"].items():
        if name.startswith("_"):
            continue
        lines.append(f"{name:<36}{_de(ziel['wert']):>10}  {ziel['ziel']:<12}{'ja' if ziel['erfuellt'] else 'NEIN'}")
    if "lange_csv" in d:
        lang = d["lange_csv"]
        lines += ["", f"Lange Bevölkerungs-CSV ({_de(lang['zeilen'], 0)} Zeilen, {_de(lang['gebiete'], 0)} Gebiete): "
                      f"`sozial-dwh run` höchstens {_de(lang['peak_rss_mb'], 0)} MB Arbeitsspeicher ({lang['messung']}), "
                      f"{_de(lang['wand_s'], 0)} s, {_de(lang['cpu_s'] or 0, 0)} s Rechenzeit."]
    lines += ["", ergebnis["ziele"]["_hinweis"],
              f"Lesen: Projekt {_de(d['lesen_s']['projekt_alle'])} s, pandas/openpyxl "
              f"{_de(d['lesen_s']['openpyxl'] + d['lesen_s']['pandas_csv'])} s; nur Arbeitsmappen: Projekt "
              f"{_de(d['lesen_s']['projekt_arbeitsmappen'])} s, python-calamine {_de(d['lesen_s']['calamine'])} s.",
              f"Benchmark insgesamt {_de(d['bench_gesamt_s'], 0)} s (davon Beispieldaten {_de(d['daten_erzeugt_s'], 0)} s)."]
    return "\n".join(lines)
