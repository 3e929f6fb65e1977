"""Indikatoren aus SGB II, Arbeitslosen, Mindestsicherung und Kita – gegen eine Handrechnung.

Dateien: tests/test_validation.py::write_base_files (Teststadt, 2021 und 2022). Einwohner 2022 je Gebiet
(Bänder unter 15, 15–24, 25–64, 65+; je m/w): A1 900 (unter 65: 720, 15–64: 600, unter 15: 120, 65+: 180),
A2 500 (350, 290, 60, 150), B3 1500 (1150, 950, 200, 350).
"""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from pipelines.ausfuehren import alles_ausfuehren
from sozial_dwh.config import Paths
from tests.test_validation import write_base_files

AGS = "09999999"


@pytest.fixture
def loaded(home: Paths) -> Paths:
    write_base_files(home.inbox)
    result = alles_ausfuehren(instance=dg.DagsterInstance.ephemeral())
    assert result.success
    return home


def werte(paths: Paths, stichtag: str) -> dict[tuple[str, str, str], tuple]:
    with duckdb.connect(str(paths.analyse), read_only=True) as con:
        rows = con.execute("select indikator_id, ebene, gebiet_id, wert, zaehler, nenner, hinweis "
                           "from mart.indikator_werte where stichtag = ?", [stichtag]).fetchall()
    return {(r[0], r[1], r[2]): r[3:] for r in rows}


def test_sgb2_indicators_at_all_levels(loaded: Paths):
    w = werte(loaded, "2022-12-31")
    # A1: LB 100 / unter 65 720 × 100 = 13,889 %
    assert w[("sgb2_quote", "gebiet", "A1")][:3] == (pytest.approx(100 / 720 * 100), 100, 720)
    # Sozialraum SRA = A1 + A2: (100 + 20) / (720 + 350) = 11,215 %
    assert w[("sgb2_quote", "sozialraum", "SRA")][:3] == (pytest.approx(120 / 1070 * 100), 120, 1070)
    # Gemeinde: (100 + 20 + 80) / (720 + 350 + 1150) = 9,009 %
    assert w[("sgb2_quote", "gemeinde", AGS)][:3] == (pytest.approx(200 / 2220 * 100), 200, 2220)
    # ELB 70 / 15–64 600 = 11,667 %; NEF unter 15 25 / unter 15 120 = 20,833 %; Alleinerziehende BG 9 / 50 = 18 %
    assert w[("elb_quote", "gebiet", "A1")][0] == pytest.approx(70 / 600 * 100)
    assert w[("kinderarmut_u15", "gebiet", "A1")][0] == pytest.approx(25 / 120 * 100)
    assert w[("alleinerziehende_bg", "gebiet", "A1")][0] == pytest.approx(18.0)
    # unter 18 lässt sich aus den Bändern (unter 15, 15–24) nicht abgrenzen: NULL mit Hinweis, nie geschätzt
    wert, _, nenner, hinweis = w[("sgb2_quote_u18", "gebiet", "A1")]
    assert wert is None and nenner is None and "Altersgliederung der Quelle erlaubt keine Abgrenzung" in hinweis


def test_unemployment_minimum_income_and_childcare(loaded: Paths):
    w = werte(loaded, "2022-12-31")
    # Arbeitslose A1: 60 / 600 = 10 %; Gemeinde (60 + 12 + 50) / (600 + 290 + 950) = 6,630 %
    assert w[("arbeitslosenanteil", "gebiet", "A1")][0] == pytest.approx(10.0)
    assert w[("arbeitslosenanteil", "gemeinde", AGS)][:3] == (pytest.approx(122 / 1840 * 100), 122, 1840)
    # Grundsicherung im Alter A1: 30 / 65+ 180 = 16,667 %
    assert w[("altersarmut_65plus", "gebiet", "A1")][0] == pytest.approx(30 / 180 * 100)
    # Mindestsicherung braucht alle fünf Leistungen; geliefert sind nur zwei -> NULL mit Hinweis
    wert, zaehler, _, hinweis = w[("mindestsicherungsquote", "gebiet", "A1")]
    assert wert is None and zaehler is None and "nicht alle fünf Leistungen" in hinweis
    # Kita 01.03.2022 gehört zum Bevölkerungsstand 31.12.2021; unter 3 ist aus den Bändern nicht abgrenzbar
    w21 = werte(loaded, "2021-12-31")
    wert, zaehler, _, hinweis = w21[("kita_versorgung_u3", "gebiet", "A1")]
    assert wert is None and zaehler == 10 and "Plätze zum 01.03.2022" in hinweis
    assert "Altersgliederung der Quelle erlaubt keine Abgrenzung" in hinweis
    # Gemeinde: Plätze U3 10 + 12 + 8 = 30
    assert w21[("kita_versorgung_u3", "gemeinde", AGS)][1] == 30
