"""Text wird in Berichtsausgaben nie zur Formel (architektur.md §10): Arbeitsmappe und CSV-Dateien.

Zwei Stufen:
- die Schreiber (`schreibe_arbeitsmappe`, `schreibe_csv`) an einer kleinen Tabelle mit allen Formelanfängen,
  auch Tab und Wagenrücklauf am Anfang (die das Einlesen als Leerraum abschneidet) und Steuerzeichen;
- ein echter Lauf (`sozial-dwh run`, `sozial-dwh export --bericht 2022`) mit einer Konferenzmappe, deren Freitexte
  (Titel, Ort, Format, Organisation, AG, Thema, Beschreibung, Maßnahmen-Nr, Titel, Zuständig, Gremium) alle mit
  Formeln beginnen; durchsucht wird die ganze Ausgabe: jede Zelle jedes Blatts, jedes Feld jeder CSV-Datei.

Teststadt und Zahlen wie in tests/test_konferenz_modell.py; die SGB-II-Zahl in A1 sinkt 2022 (120 -> 60), so dass
die Veränderung der SGB-II-Quote in „Mitte“ negativ ist: (60 + 40) / 1.200 − 160 / 1.200 = −5,0 Prozentpunkte.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from sozial_dwh.bericht.dateien import FORMELZEICHEN, schreibe_arbeitsmappe, schreibe_csv
from sozial_dwh.bericht.modell import Spalte, Tabelle
from sozial_dwh.bericht.tabellen import TABELLEN
from sozial_dwh.cli import main
from sozial_dwh.config import Paths
from tests import test_konferenz_modell as basis

# Was Excel oder LibreOffice als Formel bzw. DDE-Aufruf ausführen würden
FORMELN = ['=HYPERLINK("http://example.org/boese?x=1","Hier klicken")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3",
           "=1+1", "+49+1", "-Kosten", "@Team"]
ZAHLEN_ARTEN = {"anzahl", "quote", "veraenderung", "index"}
DEUTSCHE_ZAHL = re.compile(r"^-?\d+(,\d+)?$")


def alle_zellen(pfad: Path):
    wb = openpyxl.load_workbook(pfad)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                yield ws.title, cell


def formelfrei(pfad: Path) -> list[str]:
    """Verstöße einer Arbeitsmappe: Formelzellen, Text mit Formelanfang ohne Text-Typ und Präfix-Kennzeichen,
    `<f>`-Elemente im XML der Blätter."""
    fehler = []
    for blatt, cell in alle_zellen(pfad):
        if cell.data_type == "f":
            fehler.append(f"{blatt}!{cell.coordinate}: Formel {cell.value!r}")
        elif isinstance(cell.value, str) and cell.value.startswith(FORMELZEICHEN) and not (
                cell.data_type == "s" and cell.quotePrefix):
            fehler.append(f"{blatt}!{cell.coordinate}: {cell.value!r} ohne Text-Kennzeichen")
    with zipfile.ZipFile(pfad) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and re.search(rb"<f[ >]", archive.read(name)):
                fehler.append(f"{name}: enthält ein <f>-Element")
    return fehler


def csv_zeilen(pfad: Path) -> list[list[str]]:
    text = pfad.read_bytes().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


# --- Stufe 1: die Schreiber -------------------------------------------------------------------------------

TABELLE = Tabelle("probe", "Probe", "Probe", (
    Spalte("ebene", "Ebene", sichtbar=False),
    Spalte("nr", "Nr", "schluessel"),
    Spalte("text", "Text", breite=40),
    Spalte("anzahl", "Anzahl", "anzahl", nachkommastellen=0),
    Spalte("veraenderung", "Veränderung", "veraenderung", "Pp."),
), summe_spalte=None)
TEXTE = [*FORMELN, "\t=1+2", "\r=3+4", "\tTab am Anfang", "harmlos = 1 + 1", "Zeile\x0bumbruch aus Word\x07"]


@pytest.fixture(scope="module")
def geschrieben(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    ziel = tmp_path_factory.mktemp("schreiber")
    n = len(TEXTE)
    frame = pd.DataFrame({
        "ebene": ["sozialraum"] * n, "nr": [str(i) if i % 2 else f"-{i}" for i in range(n)], "text": TEXTE,
        "anzahl": list(range(n)), "veraenderung": [-1.5 + i for i in range(n)]})
    maske = pd.DataFrame(False, index=frame.index, columns=frame.columns)
    csv_pfad = schreibe_csv(frame, maske, TABELLE, ziel / "probe.csv")
    mappe = schreibe_arbeitsmappe(ziel / "probe.xlsx", [(TABELLE, frame, maske)], info=[("Titel", "=Info")],
                                  info_tabellen=[("Quellen", ["Datei"], [["+datei.xlsx"]])], methodik=[("-M", "@m")],
                                  methodik_tabellen=[], untertitel="=Untertitel", quellen={"probe": "-Quelle"},
                                  zeitpunkt=dt.datetime(2023, 1, 1))
    return mappe, csv_pfad


def test_arbeitsmappe_zeigt_text_wie_geschrieben(geschrieben):
    mappe, _ = geschrieben
    assert formelfrei(mappe) == []
    ws = openpyxl.load_workbook(mappe)["Probe"]
    kopf = [c.value for c in ws[4]]
    spalte = {name: kopf.index(name) for name in ("Nr", "Text", "Anzahl", "Veränderung (Pp.)")}
    zeilen = list(ws.iter_rows(min_row=5, max_row=4 + len(TEXTE)))
    texte = [r[spalte["Text"]] for r in zeilen]
    # genau wie geschrieben (ein Wagenrücklauf kommt aus dem XML als Zeilenumbruch zurück, wie in Excel selbst);
    # ein Steuerzeichen, das xlsx nicht speichern kann, wird zum Zeilenumbruch bzw. entfällt
    erwartet = [t.replace("\r", "\n").replace("\x0b", "\n").replace("\x07", "") for t in TEXTE]
    assert [c.value for c in texte] == erwartet
    assert all(c.data_type == "s" for c in texte)
    assert [c.quotePrefix for c in texte] == [t.startswith(FORMELZEICHEN) for t in TEXTE]
    # Zahlen bleiben Zahlen, auch negative; Nummern mit Minus sind Text
    veraenderung = [r[spalte["Veränderung (Pp.)"]] for r in zeilen]
    assert veraenderung[0].value == -1.5 and all(c.data_type == "n" for c in veraenderung)
    assert all(r[spalte["Anzahl"]].data_type == "n" for r in zeilen)
    assert zeilen[0][spalte["Nr"]].value == "-0" and zeilen[1][spalte["Nr"]].value == 1
    wb = openpyxl.load_workbook(mappe)
    assert wb["Info"]["B3"].value == "=Info" and wb["Info"]["B3"].data_type == "s"
    assert wb["Probe"]["A2"].value == "=Untertitel"


def test_csv_felder_mit_formelanfang_tragen_ein_hochkomma(geschrieben):
    _, csv_pfad = geschrieben
    kopf, *zeilen = csv_zeilen(csv_pfad)
    assert kopf == ["Nr", "Text", "Anzahl", "Veränderung (Pp.)"]
    assert [z[1] for z in zeilen] == [("'" + t if t.startswith(FORMELZEICHEN) else t) for t in TEXTE]
    # Zahlen einer Zahlenspalte bleiben Zahlen wie bisher geschrieben: „-1,5“ ohne Hochkomma
    assert [z[3] for z in zeilen][:3] == ["-1,5", "-0,5", "0,5"]
    assert [z[0] for z in zeilen][:2] == ["'-0", "1"]


# --- Stufe 2: echter Lauf und ganze Ausgabe ----------------------------------------------------------------

BERICHTE = """bericht_id,titel,stichtag,vergleich_bericht_id,status,freigegeben_am,geheimhaltung_max
2021,Testbericht 2021,2021-12-31,,entwurf,,2
2022,Testbericht 2022,2022-12-31,2021,entwurf,,2
"""


def write_text_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """Wie tests.fixtures.write_xlsx, aber jeder Text als Textzelle: so hält die Mappe „=…“ als getippten Text
    (wie eine Zelle mit Hochkomma oder im Textformat), nicht als Formel."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                cell = ws.cell(row=r, column=c, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"
    wb.save(path)
    return path


def write_konferenz(inbox: Path) -> None:
    hyperlink, cmd, summe, minus, eins, plus49, kosten, team = FORMELN
    write_text_xlsx(inbox / "konferenz_2022-09-21.xlsx", {
        "Veranstaltung": [["Titel", hyperlink], ["Datum", "21.09.2022"], ["Ort", cmd], ["Format", "\t" + summe],
                          ["Sozialräume", "SRA, SRB"]],
        "Teilnehmende": [["Organisation", "Sektor", "Sozialraum"], [minus, "Verein", "SRA"],
                         ["\r" + eins, "Schule", "SRB"]],
        "Arbeitsgruppen": [["AG", "Sozialraum", "Thema"], [summe, "SRA", hyperlink], ["AG 2", "SRB", cmd]],
        "Ergebnisse": [["Nr", "AG", "Sozialraum", "Handlungsfeld", "Art", "Beschreibung", "Priorität"],
                       [1, summe, "SRA", "Kinderbetreuung", "Bedarf", hyperlink, 1],
                       [2, "AG 2", "SRB", "Armut/Teilhabe", "Bedarf", cmd, 2],
                       [3, "AG 2", "SRA", "Wohnen", "Bedarf", summe, 3],
                       [4, "AG 2", "SRB", "Jugend", "Bedarf", minus, 1],
                       [5, "AG 2", "SRA", "Bildung", "Bedarf", "\t" + eins, 2],
                       [6, "AG 2", "SRB", "Senioren", "Bedarf", "\r" + plus49, 3],
                       [7, "AG 2", "SRA", "Ehrenamt", "Ressource", kosten, None]],
        "Maßnahmen": [["Nr", "Bezug Ergebnis", "Titel", "Zuständig", "Status", "Termin", "Gremium"],
                      ["=M1", "1", hyperlink, cmd, "beschlossen", "31.03.2023", summe],
                      ["M2", "2", minus, team, "vorgeschlagen", None, kosten],
                      ["@M3", "3", eins, plus49, "in Umsetzung", None, team]],
    })


@pytest.fixture(scope="module")
def ausgabe(module_home: Paths) -> Path:
    (module_home.reference / "berichte.csv").write_text(BERICHTE, encoding="utf-8")
    basis.write_statistics(module_home.inbox)
    sgb2_2022 = dict(basis.SGB2, A1=[30, 60, 40, 20, 18, 20, 5], B3=basis.SGB2_2022_B3)
    write_text_xlsx(module_home.inbox / "sgb2_2022-12-31.xlsx", {"SGB II": [
        ["Stand 31.12.2022"], ["Gebiet", "BG", "LB", "ELB", "NEF", "NEF u15", "LB unter 18", "Alleinerziehende BG"],
        *[[g, *v] for g, v in sgb2_2022.items()]]})
    write_konferenz(module_home.inbox)
    assert main(["run"]) == 0
    assert main(["export", "--bericht", "2022"]) == 0
    return module_home.exports / "sozialbericht_2022"


def test_konferenztexte_sind_angekommen(ausgabe: Path, module_home: Paths):
    """Die Formeltexte wurden gelesen und erreichen die Ausgabe (sonst prüfte der nächste Test ins Leere)."""
    texte = {cell.value for _, cell in alle_zellen(ausgabe / "sozialbericht_2022.xlsx") if isinstance(cell.value, str)}
    erwartet = {FORMELN[0], FORMELN[1], FORMELN[2], FORMELN[3], FORMELN[4], FORMELN[5], FORMELN[6], "=M1", "@M3"}
    assert erwartet <= texte, erwartet - texte
    # Titel einer Maßnahme mit Status in „Konferenzergebnisse“: beginnt ebenfalls mit der Formel
    assert any(t.startswith(FORMELN[0] + " (beschlossen)") for t in texte)


def test_ganze_ausgabe_ohne_formeln(ausgabe: Path):
    """Jede Zelle jedes Blatts: keine Formel, Text mit Formelanfang ist Textzelle mit Präfix-Kennzeichen und steht
    da wie getippt. Jedes Feld jeder CSV-Datei mit Formelanfang trägt ein „'“ oder ist eine Zahl einer Zahlenspalte."""
    dateien = sorted(p for p in ausgabe.iterdir() if p.is_file())
    mappen = [p for p in dateien if p.suffix == ".xlsx"]
    csvs = [p for p in dateien if p.suffix == ".csv"]
    assert [p.name for p in mappen] == ["sozialbericht_2022.xlsx"] and len(csvs) == len(TABELLEN)
    assert {p.suffix for p in dateien} <= {".xlsx", ".csv", ".png", ".json"}
    fehler = [f for p in mappen for f in formelfrei(p)]
    arten = {t.name: {s.ueberschrift: s.art for s in t.sichtbare} for t in TABELLEN}
    mit_hochkomma, negative_zahlen = [], []
    for pfad in csvs:
        kopf, *zeilen = csv_zeilen(pfad)
        assert kopf == list(arten[pfad.stem]), pfad.name
        for nummer, zeile in enumerate(zeilen, start=2):
            assert len(zeile) == len(kopf), (pfad.name, nummer, zeile)
            for titel, feld in zip(kopf, zeile, strict=True):
                if feld.startswith("'"):
                    mit_hochkomma.append(feld[1:])
                elif not feld.startswith(FORMELZEICHEN):
                    continue
                elif arten[pfad.stem][titel] in ZAHLEN_ARTEN and DEUTSCHE_ZAHL.match(feld):
                    negative_zahlen.append(feld)
                else:
                    fehler.append(f"{pfad.name}, Zeile {nummer}, Spalte {titel}: {feld!r}")
    assert fehler == []
    # nicht ins Leere geprüft: die Formeltexte stehen mit Hochkomma in der CSV, negative Zahlen ohne
    assert set(FORMELN[:7]) | {"=M1", "@M3"} <= set(mit_hochkomma), set(mit_hochkomma)
    assert "-5,0" in negative_zahlen


def test_formeltext_in_der_arbeitsmappe_wie_getippt(ausgabe: Path):
    """Wie ein Mensch die Mappe sieht: die Zelle mit der Beschreibung zeigt den Text, kein Ergebnis einer Formel."""
    wb = openpyxl.load_workbook(ausgabe / "sozialbericht_2022.xlsx")
    ws = wb["Konferenzergebnisse"]
    kopf = [c.value for c in ws[4]]
    beschreibungen = {ws.cell(row=r, column=kopf.index("Beschreibung") + 1) for r in range(5, ws.max_row + 1)}
    zellen = {c.value: c for c in beschreibungen if c.value}
    for text in FORMELN[:7]:
        assert zellen[text].data_type == "s" and zellen[text].quotePrefix, text
    ws = wb["Maßnahmen"]
    kopf = [c.value for c in ws[4]]
    nummern = [ws.cell(row=r, column=kopf.index("Nr") + 1) for r in range(5, ws.max_row + 1)]
    assert {c.value for c in nummern if isinstance(c.value, str) and c.value.startswith(FORMELZEICHEN)} == {"=M1", "@M3"}
