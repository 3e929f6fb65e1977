"""Zellinhalte: deutsche Zahlen, DIN-55301-Zeichen, Altersangaben, Überschriften, Summenzeilen."""

from __future__ import annotations

import datetime as dt

import pytest

from sozial_dwh.parsing import (
    AgeBand,
    CellError,
    is_total_label,
    norm,
    parse_age,
    parse_category,
    parse_count,
    parse_date,
    parse_number,
)
from sozial_dwh.readers.table import canonical


@pytest.mark.parametrize(("text", "expected"), [
    ("1.234", 1234.0),
    ("1.234,5", 1234.5),
    ("12,3 %", 12.3),
    ("1.234.567", 1234567.0),
    ("  987 ", 987.0),
    ("12.5", 12.5),  # kein Tausenderpunkt (keine drei Ziffern): Dezimalzahl
    (42, 42.0),
    (3.5, 3.5),
    ("–", 0.0),
    ("-", 0.0),
])
def test_german_numbers(text, expected):
    assert parse_number(text).value == expected


@pytest.mark.parametrize(("symbol", "reason"), [
    (".", "unbekannt_oder_geheim"),
    ("*", "gesperrt"),
    ("x", "entfaellt"),
    ("…", "noch_nicht_verfuegbar"),
    ("...", "noch_nicht_verfuegbar"),
])
def test_din_55301_symbols_are_null_with_reason(symbol, reason):
    number = parse_number(symbol)
    assert number.value is None and number.kennzeichen == reason


@pytest.mark.parametrize("bad", ["zwölf", "1,2,3", "12a"])
def test_non_numbers_raise_german_message(bad):
    with pytest.raises(CellError, match="keine Zahl"):
        parse_number(bad)


def test_counts_must_be_non_negative_integers():
    assert parse_count("1.200").value == 1200
    with pytest.raises(CellError, match="negativ"):
        parse_count(-3)
    with pytest.raises(CellError, match="ganze Zahl"):
        parse_count("12,5")


@pytest.mark.parametrize(("text", "band"), [
    ("0-2", AgeBand(0, 2)),
    ("0 bis 2", AgeBand(0, 2)),
    ("0 bis unter 3", AgeBand(0, 2)),
    ("unter 3", AgeBand(0, 2)),
    ("unter 3 Jahre", AgeBand(0, 2)),
    ("75+", AgeBand(75, None)),
    (">=75", AgeBand(75, None)),
    ("75 und älter", AgeBand(75, None)),
    ("65 Jahre und älter", AgeBand(65, None)),
    ("100+", AgeBand(100, None)),
    (17, AgeBand(17, 17)),
    ("17", AgeBand(17, 17)),
    ("6 – 9", AgeBand(6, 9)),
    ("insgesamt", AgeBand(0, None)),
])
def test_age_bands(text, band):
    assert parse_age(text) == band


@pytest.mark.parametrize("text", ["Bezeichnung", "9 bis 3", "Einwohner"])
def test_not_an_age(text):
    assert parse_age(text) is None


def test_header_normalisation_and_synonyms():
    assert norm("Staats-\nangehörigkeit") == norm("staatsangehoerigkeit")
    assert norm("  Anzahl¹ ") == "anzahl"
    assert canonical("Bezirk-Nr", ["gebiet"]) == "gebiet"
    assert canonical("statistischer  Bezirk", ["gebiet"]) == "gebiet"
    assert canonical("Einwohner", ["anzahl"]) == "anzahl"
    assert canonical("Staatsangeh.", ["staatsangehoerigkeit"]) == "staatsangehoerigkeit"
    assert canonical("Migrations-\nhintergrund", ["migrationshintergrund"]) == "migrationshintergrund"
    assert canonical("Ausländer/-innen", ["auslaender"]) == "auslaender"
    assert canonical("Wohnfläche", ["gebiet", "anzahl"]) is None


@pytest.mark.parametrize(("label", "total"), [
    ("Insgesamt", True), ("Summe", True), ("Stadt insgesamt", True), ("Gesamt", True),
    ("Iserlohn insgesamt", True), ("101 Zentrum-Nord", False), ("", False),
])
def test_total_labels(label, total):
    assert is_total_label(label) is total


def test_categories():
    assert parse_category("geschlecht", "männlich") == "m"
    assert parse_category("geschlecht", None) == "insgesamt"
    assert parse_category("staatsangehoerigkeit", "Ausländer") == "nichtdeutsch"
    assert parse_category("migrationshintergrund", "ja") == "ja"
    with pytest.raises(CellError, match="erlaubt"):
        parse_category("geschlecht", "x-beliebig")


def test_dates():
    assert parse_date("31.12.2022") == dt.date(2022, 12, 31)
    assert parse_date("2022-12-31") == dt.date(2022, 12, 31)
    assert parse_date(dt.datetime(2022, 12, 31, 0, 0)) == dt.date(2022, 12, 31)
    with pytest.raises(CellError):
        parse_date("31.13.2022")
