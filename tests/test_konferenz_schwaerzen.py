"""Der Schwärzer der Konferenzmappen (sozial_dwh/sources/konferenz.py, architektur.md §10): was er ersetzt, was er
stehen lässt, welche Überschriften Personenspalten sind – und am Lesen einer echten Mappe (`sozial-dwh check`),
dass Personenspalten in jedem Blatt erkannt werden, ohne Sozialraum, Sektor und Organisation zu beschädigen.
Das Zusammenspiel mit dem ganzen Lauf prüft tests/test_datenschutz.py.
"""

from __future__ import annotations

import pytest

from sozial_dwh.ingest import inspect_file
from sozial_dwh.reference import GebietMatcher, load_gebiete
from sozial_dwh.sources.konferenz import Scrubber, name_parts, person_column, scrub
from tests.fixtures import make_reference, write_xlsx

N, E, T, A = "[Name entfernt]", "[E-Mail entfernt]", "[Telefon entfernt]", "[Adresse entfernt]"


@pytest.mark.parametrize(("text", "erwartet"), [
    # Telefonnummern in den üblichen Schreibweisen
    ("Rückfragen an 02371 217-1234 (Sozialamt)", f"Rückfragen an {T} (Sozialamt)"),
    ("Hotline +49 2371 2171234.", f"Hotline {T}."),
    ("+49 (0)2371 217-1234", T),
    ("0049 171 1234567", T),
    ("mobil: 0171/1234567", f"mobil: {T}"),
    ("(02371) 12345", T),
    ("Tel. (02371) 12345", T),
    ("Kontakt: Tel. 217-1234", f"Kontakt: {T}"),
    ("Telefon: 02371/217-1234, Fax 02371/217-1299", f"{T}, {T}"),
    ("sagt Frau X ((02371) 86547); weiter", f"sagt {N} ({T}); weiter"),
    ("(0171/1234567)", f"({T})"),
    ("+49 (2371) 2171234", T),
    # Anschriften
    ("Treff in der Hauptstraße 12", f"Treff in der {A}"),
    ("Am Wall 3a", A),
    ("Bahnhofstr. 5, 58636 Iserlohn", A),
    ("Max-Planck-Straße 7-9", A),
    ("An der Schlacht 4, dann weiter", f"{A}, dann weiter"),
    ("Marktplatz 1", A),
    # Namen mit Anrede oder Titel
    ("Frau Müller", N),
    ("Herrn Dr. Schmidt", N),
    ("Prof. Dr. Meier-Lüdenscheidt berichtet", f"{N} berichtet"),
    ("Hr. Özdemir", N),
    ("Frau von der Heide", N),
    ("Frau Anna Schmidt bietet Räume an", f"{N} bietet Räume an"),
    ("Frau Müller vom Jugendamt", f"{N} vom Jugendamt"),
    ("Herr Schmidt Stadtteilbüro", f"{N} Stadtteilbüro"),
    ("Frau [Name entfernt] fragt nach", f"{N} fragt nach"),
    # E-Mail-Adressen, auch verschleiert
    ("Mail an a.b@c.de", f"Mail an {E}"),
    ("max.muster(at)example.org", E),
])
def test_ersetzt_personenangaben(text: str, erwartet: str):
    assert scrub(text) == erwartet


@pytest.mark.parametrize("text", [
    "Konferenz am 21.09.2022 in SR01",
    "Zeitraum 01.01.2023 – 31.12.2023",
    "Termin 2023-06-30",
    "Stand: 31.12.2022, 5 % mehr",
    "Bis 2023 sollen 12 Plätze entstehen",
    "Im Jahr 2022",
    "Kosten: 1.500,00 € (M3)",
    "Budget 20.000 Euro für 2 Jahre",
    "Maßnahme M12 und 4",
    "Gebiete 101, 102, 103",
    "AGS 05962024 und ARS 059620024024",
    "Kinder von 0-3 Jahren",
    "Sprechzeiten Mo–Fr 9–12 Uhr, 10-12 Uhr",
    "Fr. 14 Uhr",
    "Version 2.0",
    "Am Ende 3 Bedarfe",
    "Im Sozialraum 3 fehlen Plätze",
    "Radweg 3 km",
    "Spielplatz 2 wird saniert",
    "Haus 3, Raum 12",
    "Mobil 2030",
    "Tel 2 mal im Monat",
    "Telefonsprechstunde dienstags",
    "Mobilität/ÖPNV",
    "Frauenhaus und Herrenchor",
    "Herr der Lage",
    "Stadtteilbüro Zentrum",
    '=HYPERLINK("http://example.org")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
])
def test_laesst_inhalt_stehen(text: str):
    assert scrub(text) == text


def test_werte_aus_personenspalten_je_namensteil_und_ohne_gross_klein():
    scrubber = Scrubber({"Dr. Wilhelmine Holunderbusch-Pfefferkorn": N, "Wilhelmine": N, "Holunderbusch": N,
                             "Pfefferkorn": N, "02371 98765": T})
    assert scrubber("Moderation: Dr. Wilhelmine Holunderbusch-Pfefferkorn") == f"Moderation: {N}"
    assert scrubber("Frau HOLUNDERBUSCH meldet sich") == f"{N} meldet sich"
    assert scrubber("pfefferkorn und Wilhelmine") == f"{N} und {N}"
    assert scrubber("Runder Tisch mit W. Holunderbusch") == f"Runder Tisch mit {N}"
    # Teil eines längeren Worts bleibt (Pfefferkornweg ohne Hausnummer ist kein Name)
    assert scrubber("Pfefferkornweg") == "Pfefferkornweg"
    assert scrubber("Rückruf 02371 98765") == f"Rückruf {T}"


@pytest.mark.parametrize(("kopf", "ersatz"), [
    ("Name", N), ("Vorname", N), ("Nachname", N), ("Name, Vorname", N), ("Ansprechperson", N),
    ("Ansprechpartner/-in", N), ("Ansprechpartnerin", N), ("Kontakt", N), ("Kontaktperson", N),
    ("Teilnehmer/-in", N), ("Teilnehmer*in", N), ("Vertreter/-in", N), ("Person", N), ("Moderation", N),
    ("Name der Ansprechperson", N), ("E-Mail", E), ("E-Mail-Adresse", E), ("Mail", E), ("Telefon", T), ("Tel.", T),
    ("Tel.-Nr.", T), ("Mobil", T), ("Handy", T), ("Telefonnummer", T), ("Adresse", A), ("Anschrift", A),
    ("Straße und Hausnummer", A), ("PLZ/Ort", A), ("Telefon/E-Mail", E),
    # Spalten des Vertrags und andere sind keine Personenspalten
    ("Organisation", None), ("Institution", None), ("Sektor", None), ("Sozialraum", None), ("Titel", None),
    ("Ort", None), ("Zuständig", None), ("Gremium", None), ("Thema", None), ("Nr.", None), ("Beschreibung", None),
    ("Teilnehmerliste der Sozialraumkonferenz", None), (None, None),
])
def test_personenspalten(kopf, ersatz):
    assert person_column(kopf) == ersatz


def test_namensteile():
    assert name_parts("Dr. Wilhelmine Holunderbusch-Pfefferkorn") == ["Wilhelmine", "Holunderbusch", "Pfefferkorn"]
    assert name_parts("Pflaumenmus, Rosalinde (r.p@x.example, 0171/1234567)") == ["Pflaumenmus", "Rosalinde"]
    assert name_parts("Frau M. von Ek") == []


def test_echte_mappe_personenspalten_in_jedem_blatt(tmp_path):
    """Personenspalten in Teilnehmende, Arbeitsgruppen und Maßnahmen und Personenzeilen in „Veranstaltung“ werden
    nicht geladen, ihre Werte aus allen Freitexten entfernt. Heißt jemand wie ein Sozialraum („Mitte“) oder steht
    eine Organisation in der Kontaktspalte, bleiben Sozialraum und Organisation trotzdem gültig."""
    matcher = GebietMatcher(load_gebiete(make_reference(tmp_path / "reference")))
    pfad = write_xlsx(tmp_path / "konferenz_2022-09-21.xlsx", {
        "Veranstaltung": [["Titel", "Konferenz Mitte"], ["Datum", "21.09.2022"], ["Sozialräume", "Mitte"],
                          ["Ansprechperson", "Gundula Eibenholz"], ["Telefon", "0 23 71 / 55 44 33"]],
        "Teilnehmende": [["Ansprechperson", "Kontakt", "Organisation", "Sektor", "Sozialraum"],
                         ["Ida Mitte", "Diakonie", "Diakonie", "freie Wohlfahrtspflege", "Mitte"],
                         ["Bruno Wacholder", "b.w@web.example", "Jugendamt", "Verwaltung", "Gesamtstadt"]],
        "Arbeitsgruppen": [["AG", "Sozialraum", "Thema", "Leitung"], ["AG 1", "Mitte", "Wohnen", "Ida Mitte"]],
        "Ergebnisse": [["Nr", "AG", "Sozialraum", "Handlungsfeld", "Art", "Beschreibung", "Priorität"],
                       [1, "AG 1", "SRA", "Wohnen", "Bedarf",
                        "Wacholder und Eibenholz melden Bedarf, Rückruf 0 23 71 / 55 44 33; Diakonie hilft", 1]],
        "Maßnahmen": [["Nr", "Bezug Ergebnis", "Titel", "Zuständig", "Ansprechpartner/-in", "Status"],
                      ["M1", "1", "Beratung (Frau Mitte)", "Jugendamt", "Konrad Schlehe", "beschlossen"],
                      ["M2", "1", "Runder Tisch mit Schlehe", "Diakonie", None, "vorgeschlagen"]],
    })
    verdict = inspect_file(pfad, matcher)
    assert verdict.ok, verdict.fehler
    tabellen = verdict.result.tables
    assert verdict.result.quarantine == []
    teilnehmende = tabellen["raw.konferenz_teilnehmende"]
    assert [(t["organisation"], t["raum_id"]) for t in teilnehmende] == [("Diakonie", "SRA"), ("Jugendamt", "09999999")]
    assert [(g["ag"], g["raum_id"], g["thema"]) for g in tabellen["raw.konferenz_arbeitsgruppen"]] == [
        ("AG 1", "SRA", "Wohnen")]
    assert tabellen["raw.konferenz_ergebnisse"][0]["beschreibung"] == (
        f"{N} und {N} melden Bedarf, Rückruf {T}; Diakonie hilft")
    assert [(m["titel"], m["zustaendig"]) for m in tabellen["raw.konferenz_massnahmen"]] == [
        (f"Beratung ({N})", "Jugendamt"), (f"Runder Tisch mit {N}", "Diakonie")]
    alles = repr(verdict.result.tables) + repr(verdict.result.meldungen)
    for teil in ("Eibenholz", "Gundula", "Wacholder", "Bruno", "Ida", "Schlehe", "Konrad", "55 44 33", "b.w@"):
        assert teil not in alles, teil
