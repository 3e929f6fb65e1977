"""Berichtsausgaben (architektur.md §10) an echten Läufen: Dateien, Zahlen statt Text, Geheimhaltung, Einfrieren.

Teststadt (SRA = A1 + A2, SRB = B3), Bevölkerung und SGB II zum 31.12.2021 und 31.12.2022 wie in
tests/test_konferenz_modell.py. Abweichend haben 2022 in B3 nur 2 Bedarfsgemeinschaften Alleinerziehender:
  Alleinerziehenden-BG 2022: SRA 10 + 3 = 13, SRB 2, Gemeinde 15
Ausgaben (berichte.csv des Tests): „2021“ (31.12.2021, freigegeben) und „2022“ (31.12.2022, Vergleich 2021, Entwurf).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re

import dagster as dg
import duckdb
import openpyxl
import pytest

from pipelines.ausfuehren import alles_ausfuehren
from pipelines.definitions import defs
from sozial_dwh.config import Paths
from tests import test_konferenz_modell as basis
from tests.fixtures import write_xlsx

BERICHTE = """bericht_id,titel,stichtag,vergleich_bericht_id,status,freigegeben_am,geheimhaltung_max
2021,Testbericht 2021,2021-12-31,,freigegeben,2022-06-30,2
2022,Testbericht 2022,2022-12-31,2021,entwurf,,2
"""
SGB2_2022 = {"A1": [60, 120, 80, 40, 36, 40, 10], "A2": [20, 40, 28, 12, 10, 11, 3], "B3": [30, 60, 42, 18, 15, 16, 2]}


def write_sgb2(inbox, day: dt.date, werte: dict[str, list[int]], titel: str = "") -> None:
    write_xlsx(inbox / f"sgb2_{day}.xlsx", {"SGB II": [
        [titel or f"Stand {day:%d.%m.%Y}"],
        ["Gebiet", "BG", "LB", "ELB", "NEF", "NEF u15", "LB unter 18", "Alleinerziehende BG"],
        *[[g, *v] for g, v in werte.items()]]})


def bauen(instance: dg.DagsterInstance, bericht_id: str, neu: bool = False) -> dg.ExecuteInProcessResult:
    result = defs.resolve_job_def("berichte").execute_in_process(
        instance=instance, partition_key=bericht_id,
        run_config={"ops": {"berichtsausgabe": {"config": {"neu": neu}}}})
    assert result.success
    return result


@pytest.fixture(scope="module")
def gebaut(module_home: Paths):
    (module_home.reference / "berichte.csv").write_text(BERICHTE, encoding="utf-8")
    basis.write_statistics(module_home.inbox)
    write_sgb2(module_home.inbox, dt.date(2022, 12, 31), SGB2_2022)
    basis.write_conferences(module_home.inbox)
    instance = dg.DagsterInstance.ephemeral()
    assert alles_ausfuehren(instance=instance).success
    assert sorted(instance.get_dynamic_partitions("berichtsausgabe")) == ["2021", "2022"]
    bauen(instance, "2021")
    bauen(instance, "2022")
    return module_home, instance


def ordner(paths: Paths, bericht_id: str):
    return paths.exports / f"sozialbericht_{bericht_id}"


def test_files_of_an_edition(gebaut):
    paths, _ = gebaut
    ziel = ordner(paths, "2022")
    namen = sorted(p.name for p in ziel.iterdir())
    csvs = [n for n in namen if n.endswith(".csv")]
    pngs = [n for n in namen if n.endswith(".png")]
    # Der Sozialindex braucht Werte zwei Jahre zuvor (hier nicht geliefert): keine Index-Grafik, die Tabelle ist leer
    assert pngs == ["sgb2_quote_sozialraeume.png", "sgb2_quote_zeitreihe.png"]
    assert len(csvs) >= 5 and "sozialbericht_2022.xlsx" in namen and "manifest.json" in namen
    wb = openpyxl.load_workbook(ziel / "sozialbericht_2022.xlsx")
    assert wb.sheetnames[0] == "Info" and wb.sheetnames[-1] == "Methodik" and len(wb.sheetnames) >= 7
    info = {r[0]: r[1] for r in wb["Info"].iter_rows(min_row=3, max_col=2, values_only=True) if r[0]}
    manifest = json.loads((ziel / "manifest.json").read_text(encoding="utf-8"))
    # Prüfsumme = SHA-256 über Name und Bytes der CSV-Dateien in Namensfolge
    digest = hashlib.sha256()
    for name in csvs:
        digest.update(name.encode() + b"\n" + (ziel / name).read_bytes())
    assert info["Inhalts-Prüfsumme (SHA-256 der CSV-Dateien)"] == manifest["pruefsumme"] == digest.hexdigest()
    assert info["Stichtag"] == dt.datetime(2022, 12, 31) and info["Vergleichsausgabe"].startswith("2021")
    quellen = [r[1] for r in wb["Info"].iter_rows(values_only=True) if r[0] in ("sgb2", "bevoelkerung")]
    assert "sgb2_2022-12-31.xlsx" in quellen and "bevoelkerung_2022-12-31.xlsx" in quellen
    methodik = " ".join(str(c) for r in wb["Methodik"].iter_rows(values_only=True) for c in r if c)
    assert "z-standardisiert" in methodik and "Fallzahlen von 1 bis 2" in methodik
    for p in pngs:
        assert (ziel / p).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (ziel / "sozialleistungen.csv").read_bytes()[:3] == b"\xef\xbb\xbf"


def _zeilen(ws, kopf: int = 4) -> tuple[list[str], dict[str, list]]:
    header = [c.value for c in ws[kopf]]
    rows = {}
    for row in ws.iter_rows(min_row=kopf + 1):
        if row[1].value:
            rows[row[1].value] = row
    return header, rows


def test_numbers_are_numbers_and_suppressed_cells_are_stars(gebaut):
    paths, _ = gebaut
    wb = openpyxl.load_workbook(ordner(paths, "2022") / "sozialbericht_2022.xlsx")
    header, rows = _zeilen(wb["SGB II und Mindestsicherung"])
    col = {h: i for i, h in enumerate(header)}
    sra, srb, gemeinde = rows["Mitte"], rows["Land"], rows["Gemeinde Teststadt"]
    # SGB-II-Quote SRA: (120 + 40) / (800 + 400) = 13,33 % -> Zahl mit einer Nachkommastelle, kein Text
    quote = sra[col["SGB-II-Quote (%)"]]
    assert quote.data_type == "n" and quote.value == pytest.approx(13.3) and quote.number_format == "#,##0.0"
    assert sra[col["Leistungsberechtigte SGB II"]].value == 160
    # Alleinerziehenden-BG: SRB 2 (primär gesperrt), SRA 13 (sekundär: sonst 15 − 2 = 13 zurückrechenbar)
    ae, anteil = col["Alleinerziehenden-BG"], col["Anteil Alleinerziehenden-BG (%)"]
    assert (srb[ae].value, srb[anteil].value, sra[ae].value, sra[anteil].value) == ("*", "*", "*", "*")
    # Gemeinde bleibt sichtbar: 15 von BG 60 + 20 + 30 = 110 -> 13,6 %
    assert gemeinde[ae].value == 15 and gemeinde[anteil].value == pytest.approx(13.6)
    # Jede sichtbare Zahl der Tabelle ist eine Zahl (nicht Text), gesperrte Zellen sind genau „*“
    for row in rows.values():
        for cell in row[2:]:
            assert cell.value is None or cell.data_type == "n" or cell.value == "*", (cell.coordinate, cell.value)


ZAHL_ALS_TEXT = re.compile(r"^[+\-−]?\d+([.,]\d+)?$")


def test_no_number_is_stored_as_text_in_any_sheet(gebaut):
    """In keinem Blatt steht eine Zahl als Text (LibreOffice und Excel könnten nicht mit ihr rechnen): Priorität,
    Gewichte und Klassengrenzen des Sozialindex sind Zahlen. Ausnahme: die Kennung der Ausgabe im Blatt Info."""
    paths, _ = gebaut
    wb = openpyxl.load_workbook(ordner(paths, "2022") / "sozialbericht_2022.xlsx")
    schluessel = {"Schlüssel", "Kennung"}  # Gebiets- und Gemeindeschlüssel (AGS mit führender Null) bleiben Text
    als_text = [(ws.title, cell.coordinate, cell.value) for ws in wb.worksheets for row in ws.iter_rows()
                for cell in row if isinstance(cell.value, str) and ZAHL_ALS_TEXT.match(cell.value.strip())
                and ws.cell(row=4, column=cell.column).value not in schluessel
                and not (ws.title == "Info" and ws.cell(row=cell.row, column=1).value == "Ausgabe")]
    assert als_text == []
    ws = wb["Konferenzergebnisse"]
    spalte = [c.value for c in ws[4]].index("Priorität") + 1
    prioritaeten = [ws.cell(row=r, column=spalte) for r in range(5, ws.max_row + 1)]
    werte = [c.value for c in prioritaeten if c.value is not None]
    assert werte and set(werte) <= {1, 2, 3} and all(c.data_type == "n" for c in prioritaeten if c.value is not None)
    methodik = {r[0].value: r for r in wb["Methodik"].iter_rows() if r[0].value}
    assert methodik["sgb2_quote"][1].value == 1.0 and methodik["sgb2_quote"][1].data_type == "n"  # Gewicht
    assert "hoch < −1,0 ≤ mittel ≤ +1,0 < niedrig ≤ +1,5 < sehr niedrig" in methodik["Sozialindex"][1].value
    assert "Status" in {r[0].value for r in wb["Info"].iter_rows()} and any(
        r[1].value == "Entwurf" for r in wb["Info"].iter_rows() if r[0].value == "Status")


def test_suppression_in_csv_and_warehouse(gebaut):
    paths, _ = gebaut
    text = (ordner(paths, "2022") / "sozialleistungen.csv").read_text(encoding="utf-8-sig").splitlines()
    header = text[0].split(";")
    zeilen = {z.split(";")[1]: z.split(";") for z in text[1:]}
    i = header.index("Alleinerziehenden-BG")
    assert zeilen["Land"][i] == "*" and zeilen["Mitte"][i] == "*" and zeilen["Gemeinde Teststadt"][i] == "15"
    # Dezimalkomma: SGB-II-Quote SRA 13,33 % -> „13,3“
    assert zeilen["Mitte"][header.index("SGB-II-Quote (%)")] == "13,3"
    # Langform: Zähler der Alleinerziehenden-Quote je Sozialraum gesperrt, Wert und Abweichung folgen
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        rows = con.execute(
            "select raum_id, zaehler, wert, abweichung, gesperrte_spalten from bericht.indikatoren "
            "where bericht_id = '2022' and indikator_id = 'alleinerziehende_bg' order by raum_id").fetchall()
        intern = con.execute("select zaehler from mart.indikator_werte where indikator_id = 'alleinerziehende_bg' "
                             "and gebiet_id = 'SRB' and stichtag = date '2022-12-31'").fetchall()
    by = {r[0]: r for r in rows}
    assert by["SRB"][1:4] == (None, None, None) and by["SRA"][1:4] == (None, None, None)
    assert {"zaehler", "wert", "abweichung"} <= set(by["SRB"][4])
    assert by["09999999"][1] == 15
    assert intern == [(2,)]  # das interne Mart bleibt ungesperrt


def test_released_edition_stays_byte_identical(gebaut):
    paths, instance = gebaut
    ziel = ordner(paths, "2021")
    # alle Dateien, auch in Unterordnern (profile/, karten/, atlas/)
    vorher = {p.relative_to(ziel).as_posix(): p.read_bytes() for p in sorted(ziel.rglob("*")) if p.is_file()}
    assert "profile/SRA.pdf" in vorher and "profile/SRB.html" in vorher
    assert "atlas/index.html" in vorher
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        tabelle_vorher = con.execute("select * from bericht.sozialleistungen where bericht_id = '2021' "
                                     "order by raum_id").fetchall()
    entwurf_vorher = (ordner(paths, "2022") / "sozialleistungen.csv").read_bytes()
    # Geänderte Eingabe: eine korrigierte SGB-II-Lieferung zum 31.12.2021 (LB in A1 150 statt 120)
    korrigiert = dict(basis.SGB2, A1=[75, 150, 100, 50, 36, 40, 10])
    write_sgb2(paths.inbox, dt.date(2021, 12, 31), korrigiert, titel="Stand 31.12.2021 (korrigiert)")
    assert alles_ausfuehren(instance=instance).success
    bauen(instance, "2021")
    bauen(instance, "2022")
    nachher = {p.relative_to(ziel).as_posix(): p.read_bytes() for p in sorted(ziel.rglob("*")) if p.is_file()}
    assert nachher == vorher  # freigegeben: byte-gleich
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        assert con.execute("select * from bericht.sozialleistungen where bericht_id = '2021' "
                           "order by raum_id").fetchall() == tabelle_vorher
        mart = con.execute("select zaehler from mart.indikator_werte where indikator_id = 'sgb2_quote' and "
                           "gebiet_id = 'SRA' and stichtag = date '2021-12-31'").fetchall()
    assert mart == [(190,)]  # das Mart hat die Korrektur: 150 + 40
    # Der Entwurf 2022 wird neu gebaut: seine Veränderung gegenüber 2021 ändert sich
    assert (ordner(paths, "2022") / "sozialleistungen.csv").read_bytes() != entwurf_vorher
    # Ausdrücklich neu bauen: jetzt mit der Korrektur (SRA LB 2021 = 190)
    bauen(instance, "2021", neu=True)
    text = (ziel / "sozialleistungen.csv").read_text(encoding="utf-8-sig")
    assert ";Mitte;190;" in text and (ziel / "sozialleistungen.csv").read_bytes() != vorher["sozialleistungen.csv"]
