"""`sozial-dwh templates`: sieben Vorlagen, lesbar, vom Warehouse erkannt, ausgefüllt ladbar – echte Dateien."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from sozial_dwh import config
from sozial_dwh.cli import main
from sozial_dwh.config import Paths
from sozial_dwh.ingest import detect_by_header, inspect_file
from sozial_dwh.parsing import norm
from sozial_dwh.readers.workbook import read_sheets
from sozial_dwh.reference import GebietMatcher, load_gebiete
from sozial_dwh.sources import READERS
from sozial_dwh.templates import ERLAEUTERUNGEN, INFO, QUELLEN, VOKABULARE, VORLAGEN, template_name

SIX = ["bevoelkerung", "sgb2", "arbeitslose", "grundsicherung", "kita", "konferenz", "merkmale"]  # sieben Quellen
HEADERS = {
    "bevoelkerung": {"Bevölkerung": ["Gebiet", "Alter", "Geschlecht", "Staatsangehörigkeit", "Migrationshintergrund",
                                     "Anzahl"]},
    "sgb2": {"SGB II": ["Gebiet", "Bedarfsgemeinschaften", "Leistungsberechtigte", "ELB", "NEF", "NEF unter 15",
                        "Leistungsberechtigte unter 18", "Alleinerziehende BG"]},
    "arbeitslose": {"Arbeitslose": ["Gebiet", "Rechtskreis", "Merkmal", "Anzahl"]},
    "grundsicherung": {"Grundsicherung": ["Gebiet", "Leistungsart", "Altersgruppe", "Anzahl"]},
    "kita": {"Kita": ["Einrichtung", "Träger", "Gebiet", "Plätze U3", "Plätze Ü3", "Adresse"]},
    "konferenz": {
        "Teilnehmende": ["Organisation", "Sektor", "Sozialraum"],
        "Arbeitsgruppen": ["AG", "Sozialraum", "Thema"],
        "Ergebnisse": ["Nr", "AG", "Sozialraum", "Handlungsfeld", "Art", "Beschreibung", "Priorität"],
        "Maßnahmen": ["Nr", "Bezug Ergebnis", "Titel", "Zuständig", "Status", "Termin", "Gremium"],
    },
    "merkmale": {"Merkmale": ["Gebiet", "Merkmal", "Geschlecht", "Altersgruppe", "Anzahl"]},
}
VERANSTALTUNG_KEYS = ["Titel", "Datum", "Ort", "Format", "Sozialräume"]

# Je Quelle eine gültige Beispielzeile für die Test-Gebietsgliederung (tests/fixtures.py)
EXAMPLE_ROWS: dict[str, dict[str, list[object]]] = {
    "bevoelkerung": {"Bevölkerung": ["A1", 5, "w", "deutsch", "nein", 12]},
    "sgb2": {"SGB II": ["A1", 10, 20, 15, 5, 4, 6, 2]},
    "arbeitslose": {"Arbeitslose": ["A1", "SGB II", "insgesamt", 7]},
    "grundsicherung": {"Grundsicherung": ["A1", "Grundsicherung im Alter", None, 3]},
    "kita": {"Kita": ["Kita Sonnenschein", "Stadt Teststadt", "A1", 10, 40, "Hauptstraße 1"]},
    "konferenz": {
        "Teilnehmende": ["Caritasverband", "freie Wohlfahrtspflege", "SRA"],
        "Arbeitsgruppen": ["AG 1", "SRA", "Kinderbetreuung im Quartier"],
        "Ergebnisse": ["1", "AG 1", "SRA", "Kinderbetreuung", "Bedarf", "Zu wenige U3-Plätze im Quartier", 1],
        "Maßnahmen": ["1", "1", "Ausbau U3 prüfen", "Jugendamt", "vorgeschlagen", "30.06.2024", "Sozialausschuss"],
    },
    "merkmale": {"Merkmale": ["A1", "Wohngeldhaushalte", None, None, 12]},
}


@pytest.fixture
def written(home: Paths, tmp_path: Path) -> Path:
    folder = tmp_path / "vorlagen"
    assert main(["templates", str(folder)]) == 0
    return folder


def test_writes_six_workbooks(home: Paths, tmp_path: Path, capsys):
    assert list(QUELLEN) == SIX
    assert main(["templates", str(tmp_path / "neu" / "vorlagen")]) == 0  # Ordner wird angelegt
    assert sorted(p.name for p in (tmp_path / "neu" / "vorlagen").iterdir()) == sorted(template_name(q) for q in SIX)
    assert "7 Vorlagen geschrieben" in capsys.readouterr().out


def test_default_folder_is_home_templates(home: Paths):
    assert main(["templates"]) == 0
    assert sorted(p.name for p in (home.home / "templates").iterdir()) == sorted(template_name(q) for q in SIX)


def test_same_bytes_twice(home: Paths, tmp_path: Path):
    assert main(["templates", str(tmp_path / "a")]) == 0
    assert main(["templates", str(tmp_path / "b")]) == 0
    for quelle in SIX:
        name = template_name(quelle)
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


@pytest.mark.parametrize("quelle", SIX)
def test_opens_with_openpyxl_and_calamine(written: Path, quelle: str):
    path = written / template_name(quelle)
    wb = openpyxl.load_workbook(path)
    expected = [INFO, *(["Veranstaltung"] if quelle == "konferenz" else []), *HEADERS[quelle], ERLAEUTERUNGEN]
    assert wb.sheetnames == expected
    assert CalamineWorkbook.from_path(str(path)).sheet_names == expected
    info = wb[INFO]
    assert [[c.value for c in row][:2] for row in info.iter_rows(max_col=2)] == [
        ["Quelle", quelle], ["Stichtag", None], ["Gemeinde", None]]
    assert info["B2"].comment is not None and "z. B." in info["C2"].value
    for name, headers in HEADERS[quelle].items():
        ws = wb[name]
        assert [c.value for c in ws[1]] == headers
        assert all(c.font.bold for c in ws[1])
        assert ws.freeze_panes == "A2"
        assert ws.max_row == 1  # leer bis auf die Kopfzeile
    if quelle == "konferenz":
        assert [c.value for c in wb["Veranstaltung"]["A"]] == VERANSTALTUNG_KEYS
        headers = [h.lower() for h in HEADERS["konferenz"]["Teilnehmende"]]
        assert not {"name", "vorname", "nachname", "e-mail", "email"} & set(headers)
        assert "nicht gebraucht" in wb["Teilnehmende"]["A1"].comment.text


@pytest.mark.parametrize("quelle", SIX)
def test_erlaeuterungen_explain_every_column_and_the_rules(written: Path, quelle: str):
    sheets = {s.name: s for s in read_sheets(written / template_name(quelle))}
    text = "\n".join(str(v) for row in sheets[ERLAEUTERUNGEN].rows for v in row if v is not None)
    column_a = {row[0] for row in sheets[ERLAEUTERUNGEN].rows if row and row[0] is not None}
    names = [h for headers in HEADERS[quelle].values() for h in headers]
    names += VERANSTALTUNG_KEYS if quelle == "konferenz" else []
    for header in names:
        assert header in column_a, header  # eine Zeile je Spalte
    for needle in ("sozial-dwh check", f"{quelle}_{VORLAGEN[quelle].beispiel_datum}.xlsx", "<quelle>_<JJJJ-MM-TT>.xlsx",
                   "Wer liefert", "Wann"):
        assert needle in text, needle
    if quelle != "konferenz":
        for needle in ("DIN 55301", "1.234", "Insgesamt"):
            assert needle in text, needle


def test_erlaeuterungen_name_sources_and_alternative_layouts(written: Path):
    def text(quelle: str) -> str:
        sheet = {s.name: s for s in read_sheets(written / template_name(quelle))}[ERLAEUTERUNGEN]
        return "\n".join(str(v) for row in sheet.rows for v in row if v is not None)

    assert "Bundesagentur für Arbeit" in text("sgb2") and "Mai" in text("sgb2") and "Dezember" in text("sgb2")
    assert "Person-Nummer" in text("sgb2") and "AkG" in text("sgb2")
    assert "Strukturtabelle" in text("bevoelkerung")
    assert "Breites Layout" in text("arbeitslose")
    # Merkmale: die erklärten Merkmale aus merkmale.csv mit ihrer Art, und wie ein neues Merkmal entsteht
    assert "wohngeld_haushalte" in text("merkmale") and "Wohngeldhaushalte" in text("merkmale")
    assert "Breites Layout" in text("merkmale") and "merkmale.csv" in text("merkmale")


@pytest.mark.parametrize("quelle", SIX)
def test_areas_come_from_the_reference_geography(home: Paths, written: Path, quelle: str):
    gebiete = load_gebiete(home.reference)
    sheet = {s.name: s for s in read_sheets(written / template_name(quelle))}[ERLAEUTERUNGEN]
    rows = [[None if v is None else str(v) for v in row] + [None, None] for row in sheet.rows]  # Zeilenende gekürzt
    if quelle == "konferenz":
        listed = {row[0]: row[1] for row in rows if row[0] in {"SRA", "SRB"}}
        assert listed == {"SRA": "Mitte", "SRB": "Land"}
        assert any(row[0] == "Gesamtstadt" for row in rows)
    else:
        listed = {row[0]: row[1] for row in rows if row[0] in {g.gebiet_id for g in gebiete}}
        assert listed == {g.gebiet_id: g.name for g in gebiete}
        assert not any("Iserlohn" in str(v) for row in rows for v in row)  # nichts fest eingetragen


def test_vocabularies_are_offered_as_lists(written: Path):
    wb = openpyxl.load_workbook(written / template_name("bevoelkerung"))
    formulas = {dv.formula1 for dv in wb["Bevölkerung"].data_validations.dataValidation if dv.type == "list"}
    assert '"m,w,d"' in formulas
    assert any(f and f.startswith(f"'{ERLAEUTERUNGEN}'!") for f in formulas)  # Gebiete aus der Liste
    wb = openpyxl.load_workbook(written / template_name("konferenz"))
    formulas = {dv.formula1 for dv in wb["Ergebnisse"].data_validations.dataValidation if dv.type == "list"}
    for name in ("Handlungsfeld", "Art", "Priorität"):
        assert '"' + ",".join(VOKABULARE[name]) + '"' in formulas, name


def test_vocabularies_are_understood_by_the_readers():
    from sozial_dwh.parsing import parse_category
    from sozial_dwh.readers.table import canonical
    from sozial_dwh.sources import arbeitslose, grundsicherung, konferenz

    for dim, name in (("geschlecht", "Geschlecht"), ("staatsangehoerigkeit", "Staatsangehörigkeit"),
                      ("migrationshintergrund", "Migrationshintergrund")):
        assert [parse_category(dim, v) for v in VOKABULARE[name]] == list(VOKABULARE[name])
    assert all(norm(v) in arbeitslose.RECHTSKREISE or norm(v) == "insgesamt" for v in VOKABULARE["Rechtskreis"])
    assert all(norm(v) in arbeitslose.MERKMALE or norm(v) == "insgesamt" for v in VOKABULARE["Merkmal"])
    assert [canonical(v, grundsicherung.LEISTUNGSARTEN) for v in VOKABULARE["Leistungsart"]] == \
        grundsicherung.LEISTUNGSARTEN
    for kind, name in (("sektor", "Sektor"), ("handlungsfeld", "Handlungsfeld"), ("art", "Art"), ("status", "Status")):
        assert all(konferenz.vocab_value(kind, v) == v for v in VOKABULARE[name]), name


@pytest.mark.parametrize("quelle", SIX)
def test_header_is_recognised_by_source_detection(written: Path, quelle: str):
    if quelle not in READERS:
        pytest.skip(f"Quelle {quelle} ist noch nicht in sozial_dwh.sources.READERS registriert")
    sheets = read_sheets(written / template_name(quelle))
    assert READERS[quelle].matches(sheets)


@pytest.mark.parametrize("quelle", SIX)
def test_header_signature_is_unambiguous(written: Path, quelle: str):
    """Ohne Blatt „Info“ und ohne Dateinamen muss die Kopfzeile allein die Quelle eindeutig bestimmen.

    Die Kopfzeile der Mindestsicherung passt auch zum langen Bevölkerungslayout (Gebiet, Altersgruppe, Anzahl);
    die Erkennung nimmt die Quelle mit den meisten erkannten Spalten (dort zusätzlich „Leistungsart“).
    """
    sheets = [s for s in read_sheets(written / template_name(quelle)) if s.name != INFO]
    assert detect_by_header(sheets) == quelle


@pytest.mark.parametrize("quelle", SIX)
def test_filled_template_passes_check(home: Paths, written: Path, tmp_path: Path, quelle: str, capsys):
    if quelle not in READERS:
        pytest.skip(f"Quelle {quelle} ist noch nicht in sozial_dwh.sources.READERS registriert")
    wb = openpyxl.load_workbook(written / template_name(quelle))
    wb[INFO]["B2"] = dt.date(2023, 3, 1) if quelle == "kita" else "31.12.2022"
    for sheet, row in EXAMPLE_ROWS[quelle].items():
        for col, value in enumerate(row, start=1):
            wb[sheet].cell(2, col, value)
    if quelle == "konferenz":
        for key, value in (("B1", "Sozialraumkonferenz Mitte"), ("B2", dt.date(2022, 9, 21)), ("B3", "Rathaus"),
                           ("B4", "Präsenz"), ("B5", "SRA")):
            wb["Veranstaltung"][key] = value
    path = tmp_path / f"ausgefuellt_{quelle}.xlsx"  # Dateiname ohne Quelle: erkannt wird über „Info“
    wb.save(path)

    verdict = inspect_file(path, GebietMatcher(load_gebiete(config.reference_dir())))
    assert verdict.ok, verdict.fehler
    assert verdict.quelle == quelle
    assert verdict.result.records and not verdict.result.quarantine, verdict.result.quarantine
    assert main(["check", str(path)]) == 0
    assert "OK" in capsys.readouterr().out


def test_empty_template_is_rejected_with_a_message(home: Paths, written: Path):
    verdict = inspect_file(written / template_name("bevoelkerung"), GebietMatcher(load_gebiete(home.reference)))
    assert not verdict.ok and verdict.quelle == "bevoelkerung"


def test_without_geography_templates_are_still_written(home: Paths, tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("SOZIAL_DWH_REFERENCE", str(tmp_path / "fehlt"))
    assert main(["templates", str(tmp_path / "ohne")]) == 0
    assert len(list((tmp_path / "ohne").iterdir())) == 7
    assert "Gebietsgliederung" in capsys.readouterr().err


def test_every_template_has_a_definition():
    assert set(VORLAGEN) == set(SIX)
