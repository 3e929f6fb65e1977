"""Lesen und Laden getrennt (architektur.md §11.1, Schritt 1; `sozial_dwh.gelesen`).

Dieselben Dateien (echte Dateien, die der Test schreibt: Bevölkerung breit als xlsx und lang als CSV mit Quarantäne
und Summenwarnungen, SGB-II-Personendatensätze, Kita, eine Konferenzmappe, Merkmale je Merkmal mit Ersetzen und
unvollständiger Korrektur, eine unvollständige Bevölkerungskorrektur, eine kaputte Datei, eine byte-gleiche Kopie)
werden einmal im Prozess gelesen und geladen, einmal in einem eigenen Python-Prozess mit `lesen_nach` gelesen (nichts
aus seinem Speicher ist geteilt) und aus dem abgelegten Ordner geladen. Das Warehouse muss danach gleich sein: alle
Rohtabellen, Quarantäne, Register (bis auf Zeitstempel und Ablagepfad unter dem jeweiligen Home), Meldungen,
Fehlerberichte. Ein abgelegtes Ergebnis für Bytes, die sich seither geändert haben, wird nicht genommen.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from sozial_dwh import config, ingest, warehouse
from sozial_dwh.config import Paths
from sozial_dwh.gelesen import FORMAT, MANIFEST, lade_gelesen, vorab_aus
from sozial_dwh.ingest import IngestSummary, ingest_inbox, sha256_of
from sozial_dwh.reference import GebietMatcher, load_gebiete
from sozial_dwh.sources import zellen
from tests.conftest import setup_home
from tests.fixtures import write_wide_2022, write_xlsx
from tests.test_sources import konferenz_sheets
from tests.test_vertrauen import LIEFERUNGEN, kita, langform, personen
from tests.test_zellspeicher import KOPF, ZEILEN

RAW = ("raw.bevoelkerung", "raw.sgb2", "raw.arbeitslose", "raw.grundsicherung", "raw.merkmale", "raw.kita",
       "raw.konferenz_veranstaltung", "raw.konferenz_teilnehmende", "raw.konferenz_arbeitsgruppen",
       "raw.konferenz_ergebnisse", "raw.konferenz_massnahmen")

# Liest die genannten Dateien in einem eigenen Prozess: python -c LESER <ziel> <stueck> <datei>...
LESER = """
import sys
from pathlib import Path
from sozial_dwh import config
from sozial_dwh.gelesen import lesen_nach
from sozial_dwh.sources import lieferprofile
from sozial_dwh.reference import GebietMatcher, load_gebiete
from sozial_dwh.sources import zellen
ziel, stueck, *dateien = sys.argv[1:]
if stueck != "-":
    zellen.CHUNK_ROWS = int(stueck)
referenz = config.reference_dir()
matcher = GebietMatcher(load_gebiete(referenz))
for datei in dateien:
    print(lesen_nach(Path(datei), Path(ziel), matcher, profile=lieferprofile(referenz)))
zellen.release()
"""


def lesen_in_anderem_prozess(ziel: Path, dateien: list[Path], stueck: int | None = None) -> list[Path]:
    """`lesen_nach` in einem neuen Python-Prozess (gleiche Umgebung, kein geteilter Speicher)."""
    root = str(config.REPO_ROOT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", LESER, str(ziel), "-" if stueck is None else str(stueck),
                           *map(str, dateien)], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return [Path(line) for line in done.stdout.splitlines()]


def fertig(path: Path) -> Path:
    past = time.time() - 3600
    os.utime(path, (past, past))
    return path


def lieferungen(folder: Path) -> list[Path]:
    """Die Dateien des Vergleichs, einmal geschrieben (xlsx trägt eine Uhrzeit: je Home kopiert, nicht neu)."""
    folder.mkdir(parents=True)
    write_wide_2022(folder)
    (folder / "bevoelkerung_2021-12-31.csv").write_text(
        "\n".join(";".join(str(v) for v in row) for row in [KOPF, *ZEILEN]) + "\n", encoding="utf-8")
    write_xlsx(folder / "bevoelkerung_2019-12-31.xlsx", {"Daten": langform(LIEFERUNGEN["bevoelkerung_2019-12-31.xlsx"])})
    write_xlsx(folder / "bevoelkerung_2019-12-31_korrektur.xlsx", {"Daten": langform({  # nur A1, A2: abgelehnt
        "A1": (220, 600, 200), "A2": (100, 310, 100)})})
    write_xlsx(folder / "sgb2_2022-12-31.xlsx", {"Personen": personen("Alleinerziehend")})
    write_xlsx(folder / "kita_2023-03-01.xlsx", kita(["Plätze U3", "Plätze Ü3"], [
        ["Kita Sonne", "Stadt", "A1", 10, 50], ["Kita Mond", "AWO", "A2", "*", 25], ["Kita Stern", "AWO", "X9", 1, 2]]))
    write_xlsx(folder / "konferenz_2022-09-21.xlsx", konferenz_sheets())
    info = [["Quelle", "merkmale"], ["Stichtag", "31.12.2022"]]
    write_xlsx(folder / "m_a_wohngeld.xlsx", {"Info": info, "Daten": [
        ["Gebiet", "Wohngeldhaushalte"], ["A1", 15], ["A2", 4], ["B3", 26]]})
    write_xlsx(folder / "m_b_saldo.xlsx", {"Info": info, "Daten": [
        ["Gebiet", "Wanderungssaldo"], ["A1", -14], ["A2", 3], ["B3", -2]]})
    write_xlsx(folder / "m_c_wohngeld_teil.xlsx", {"Info": info, "Daten": [["Gebiet", "Wohngeldhaushalte"], ["A1", 16]]})
    write_xlsx(folder / "m_d_wohngeld_neu.xlsx", {"Info": info, "Daten": [
        ["Gebiet", "Wohngeldhaushalte"], ["A1", 17], ["A2", 5], ["B3", 27]]})
    (folder / "kaputt.xlsx").write_bytes(b"PK\x03\x04 das ist keine Arbeitsmappe")
    (folder / "leer_2022-12-31.csv").write_text("Gebiet;Alter;Anzahl\nX9;insgesamt;5\n", encoding="utf-8")
    (folder / "bevoelkerung_2022-12-31.csv").write_text(  # keine gültige Zeile: abgelehnt, mit Quarantäne
        "Gebiet;Alter;Anzahl\nX9;insgesamt;5\nX8;insgesamt;7\n", encoding="utf-8")
    shutil.copy(folder / "kita_2023-03-01.xlsx", folder / "kita_kopie.xlsx")  # byte-gleich: nicht noch einmal
    return sorted(folder.iterdir())


def in_den_eingang(home: Paths, dateien: list[Path]) -> list[Path]:
    return [fertig(Path(shutil.copy2(datei, home.inbox / datei.name))) for datei in dateien]


def eingang(home: Paths, gelesen: Path | None = None) -> IngestSummary:
    matcher = GebietMatcher(load_gebiete(home.reference))
    with warehouse.connect(home) as con:
        return ingest_inbox(home, con, matcher, pause_s=0, vorab=vorab_aus(gelesen) if gelesen is not None else None)


def stand(home: Paths, basis: Path) -> dict[str, object]:
    """Alles, was das Laden hinterlässt, vergleichbar: Nummern als Dateinamen, Pfade relativ zum Home, ohne Uhrzeit."""
    def relativ(text: str | None) -> str | None:
        return None if text is None else text.replace(str(basis), "<basis>")

    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        got: dict[str, object] = {}
        for table in RAW:
            # Spalten (außer datei_id) in Tabellenreihenfolge; datei_id als Dateiname
            got[table] = con.execute(f"select d.dateiname, r.* exclude (datei_id) from {table} as r "
                                     "join ops.dateien as d using (datei_id) order by all").fetchall()
        got["quarantine"] = con.execute(
            "select d.dateiname, q.* exclude (datei_id) from quarantine.zeilen as q join ops.dateien as d "
            "using (datei_id) order by all").fetchall()
        got["dateien"] = [tuple(relativ(v) if isinstance(v, str) else v for v in row) for row in con.execute(
            "select d.dateiname, d.sha256, d.quelle, d.stichtag, d.stichtage, d.gemeinde, d.status, d.meldungen, "
            "d.groesse_bytes, d.ablage, d.zeilen_geladen, d.zeilen_quarantaene, e.dateiname as ersetzt_durch "
            "from ops.dateien as d left join ops.dateien as e on e.datei_id = d.ersetzt_durch "
            "order by d.datei_id").fetchall()]
        got["nummern"] = con.execute("select datei_id, dateiname from ops.dateien order by datei_id").fetchall()
    got["berichte"] = {p.name: [relativ(line) for line in p.read_text(encoding="utf-8").splitlines()
                                if not line.startswith("Geprüft am:")]
                       for p in sorted(home.rejected.glob("*.fehler.txt"))}
    got["ablage"] = sorted(str(p.relative_to(home.archive)) for p in home.archive.rglob("*") if p.is_file())
    got["eingang"] = sorted(p.name for p in home.inbox.iterdir())
    return got


def test_manifest_und_ordner(home: Paths, tmp_path: Path):
    datei = write_xlsx(home.inbox / "konferenz_2022-09-21.xlsx", konferenz_sheets())
    (ordner,) = lesen_in_anderem_prozess(tmp_path / "lauf", [datei])
    sha = sha256_of(datei)
    assert ordner == tmp_path / "lauf" / sha
    manifest = json.loads((ordner / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["format"] == FORMAT
    assert manifest["datei"] == {"name": datei.name, "pfad": str(datei), "sha256": sha,
                                 "groesse_bytes": datei.stat().st_size}
    assert (manifest["quelle"], manifest["ok"], manifest["fehler"]) == ("konferenz", True, [])
    assert manifest["lieferung"] == {"quelle": "konferenz", "stichtage": ["2022-09-21"]}
    ergebnis = manifest["ergebnis"]
    assert ergebnis["tabellen"]["raw.konferenz_ergebnisse"]["zeilen"] == 3
    assert ergebnis["tabellen"]["raw.konferenz_massnahmen"]["spalten"]["bezug_ergebnis"] == "VARCHAR[]"
    assert ergebnis["quarantaene"] == {"datei": "quarantaene.parquet", "zeilen": 3}
    assert ergebnis["zeilen"] == sum(t["zeilen"] for t in ergebnis["tabellen"].values())
    # nur fertige Ordner, keine halben
    assert sorted(p.name for p in (tmp_path / "lauf").iterdir()) == [sha]

    verdict = lade_gelesen(ordner)
    assert verdict.ok and verdict.quelle == "konferenz" and verdict.path == datei
    massnahmen = list(verdict.result.tables["raw.konferenz_massnahmen"])
    assert [(r["nr"], r["bezug_ergebnis"], r["status"]) for r in massnahmen] == [
        ("M1", ["1", "3"], "beschlossen"), ("M2", ["2"], "in Umsetzung")]
    assert sorted((q.blatt, q.zeile) for q in verdict.result.quarantine) == [
        ("Ergebnisse", 5), ("Ergebnisse", 6), ("Maßnahmen", 4)]
    assert len(verdict.result.quarantine[:2]) == 2 and verdict.result.quarantine[-1].blatt == "Maßnahmen"


@pytest.mark.parametrize("stueck", [None, 7], ids=["ein_stueck", "stuecke_zu_7"])
def test_vorab_gelesen_in_anderem_prozess_laedt_dasselbe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         stueck: int | None):
    dateien = lieferungen(tmp_path / "dateien")
    if stueck is not None:  # Zellspeicher gehen durch DuckDB (nicht nur im Puffer), in beiden Prozessen
        monkeypatch.setattr(zellen, "CHUNK_ROWS", stueck)

    # 1. wie bisher: im Prozess gelesen
    im_prozess = setup_home(tmp_path / "a", monkeypatch)
    in_den_eingang(im_prozess, dateien)
    erwartet_summary = eingang(im_prozess)
    erwartet = stand(im_prozess, tmp_path / "a")

    # 2. in einem anderen Prozess gelesen, aus dem Ordner geladen; der Ladeprozess liest keine Datei selbst
    vorab = setup_home(tmp_path / "b", monkeypatch)
    im_eingang = in_den_eingang(vorab, dateien)
    lauf = vorab.home / "lauf" / "lauf-1"
    # die byte-gleiche Kopie liest der Lauf nie: sie wird vor dem Lesen als Doppel erkannt
    ordner = lesen_in_anderem_prozess(lauf, [p for p in im_eingang if p.name != "kita_kopie.xlsx"], stueck)
    assert len(set(ordner)) == len(ordner) == len(dateien) - 1
    assert {p.name for p in lauf.iterdir()} == {p.name for p in ordner}

    def nicht_lesen(path, *args, **kwargs):
        raise AssertionError(f"{path.name} wurde im Ladeprozess gelesen")

    monkeypatch.setattr(ingest, "inspect_file", nicht_lesen)
    summary = eingang(vorab, gelesen=lauf)
    got = stand(vorab, tmp_path / "b")

    assert summary == erwartet_summary
    for key in erwartet:
        assert got[key] == erwartet[key], key
    # der Vergleich prüft etwas: jede Art von Ergebnis kommt vor
    status = {row[0]: row[6] for row in erwartet["dateien"]}
    assert status["bevoelkerung_2019-12-31_korrektur.xlsx"] == "abgelehnt"  # unvollständige Korrektur
    assert status["m_a_wohngeld.xlsx"] == "ersetzt" and status["m_c_wohngeld_teil.xlsx"] == "abgelehnt"
    assert status["kaputt.xlsx"] == status["leer_2022-12-31.csv"] == status["kita_kopie.xlsx"] == "abgelehnt"
    assert status["bevoelkerung_2022-12-31.csv"] == "abgelehnt"
    assert {name for name, s in status.items() if s == "geladen"} >= {
        "bevoelkerung_2022-12-31.xlsx", "bevoelkerung_2021-12-31.csv", "sgb2_2022-12-31.xlsx", "kita_2023-03-01.xlsx",
        "konferenz_2022-09-21.xlsx", "m_b_saldo.xlsx", "m_d_wohngeld_neu.xlsx"}
    lang = next(row for row in erwartet["dateien"] if row[0] == "bevoelkerung_2021-12-31.csv")
    assert lang[11] == 4 and "Warnung" in lang[7] and "Zeile 13" in lang[7]  # Quarantäne und Summenwarnung
    assert all(erwartet[table] for table in RAW if table not in ("raw.arbeitslose", "raw.grundsicherung"))
    assert {row[0] for row in erwartet["quarantine"]} >= {
        "bevoelkerung_2021-12-31.csv", "kita_2023-03-01.xlsx", "konferenz_2022-09-21.xlsx"}


def test_geaenderte_datei_wird_neu_gelesen(home: Paths, tmp_path: Path):
    alt = {"A1": [1000, 170, 830], "A2": [500, 80, 420], "B3": [2000, 400, 1600]}
    path = fertig(write_wide_2022(home.inbox))
    lauf = tmp_path / "lauf"
    (ordner_alt,) = lesen_in_anderem_prozess(lauf, [path])
    # danach ändert jemand die Datei im Eingang (andere Zahlen, gleicher Name)
    path.unlink()
    neu = fertig(write_xlsx(home.inbox / path.name, {"Daten": langform({
        "A1": (1, 2, 3), "A2": (4, 5, 6), "B3": (7, 8, 9)})}))
    sha_neu = sha256_of(neu)
    assert ordner_alt.name != sha_neu
    # auch ein Ordner unter dem neuen Namen, der die alten Bytes beschreibt, zählt nicht (Manifest nennt sie)
    shutil.copytree(ordner_alt, lauf / sha_neu)
    summary = eingang(home, gelesen=lauf)
    assert summary.geladen == [neu.name]
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        assert con.execute("select sha256 from ops.dateien").fetchall() == [(sha_neu,)]
        summen = dict(con.execute("select gebiet_id, sum(anzahl) from raw.bevoelkerung group by all").fetchall())
    assert summen == {"A1": 6, "A2": 15, "B3": 24}, alt
