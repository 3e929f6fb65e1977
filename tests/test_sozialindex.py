"""mart.sozialindex gegen eine Handrechnung (architektur.md §8).

Indexstadt (AGS 09999998): neun Gebiete G1–G9, jedes ein eigener Sozialraum S1–S9. Jedes der Gebiete G1–G8 hat
1.400 Einwohner (je m/w: unter 15 100, 15–24 100, 25–64 400, 65+ 100), also unter 15 = 200, 15–64 = 1.000,
unter 65 = 1.200. G9 hat nur 200 Einwohner und muss mit Grund ausgeschlossen werden.

Die Zähler sind so gewählt, dass die Quoten 2022 genau 5 + a, 10 + b und 15 + c Prozent betragen:
  Arbeitslose = 10 × (5 + a)   (÷ 1.000 Einwohner 15–64)
  SGB-II-LB   = 12 × (10 + b)  (÷ 1.200 Einwohner unter 65)
  NEF u15     = 2 × (15 + c)   (÷ 200 Einwohner unter 15)
2020 liegen sie um da, db, dc Prozentpunkte niedriger; die Veränderung über zwei Jahre ist also genau da, db, dc.
z-Werte hängen nicht von Lage und Maßstab ab, deshalb rechnet die Handrechnung direkt mit a, b, c bzw. da, db, dc.
"""

from __future__ import annotations

import datetime as dt

import dagster as dg
import duckdb
import pytest

from pipelines.ausfuehren import alles_ausfuehren
from sozial_dwh.config import Paths
from tests.fixtures import write_xlsx

AGS = "09999998"
UNITS = [f"G{i}" for i in range(1, 9)]
A = [4, 4, 6, 3, 0, 4, 4, 1]
B = [4, 0, 2, 2, 2, 4, 4, 0]
C = [7, 4, 1, 0, 4, 0, 9, 10]
DA = [-2, -2, 1, -2, -2, -1, -1, 2]
DB = [1, -1, -2, 1, -1, -1, -1, -2]
DC = [0, 0, 3, 1, 3, -1, 1, -1]

# Handrechnung Status (Standardabweichung mit n − 1 = 7 im Nenner):
#   a: Mittel 26/8 = 3,25;  Quadratsumme 25,5;   s = √(25,5/7)   = 1,9086
#   b: Mittel 18/8 = 2,25;  Quadratsumme 19,5;   s = √(19,5/7)   = 1,6690
#   c: Mittel 35/8 = 4,375; Quadratsumme 109,875; s = √(109,875/7) = 3,9619
#   G1: z = (4 − 3,25)/1,9086 + (4 − 2,25)/1,6690 + (7 − 4,375)/3,9619 = 0,3930 + 1,0485 + 0,6626 = 2,1040
#   Summen G1–G8: 2,1040 −1,0498 0,4392 −1,3850 −1,9472 0,3372 2,6088 −1,1071 (Mittel 0, s = 1,6724)
#   Statusindex = Summe / 1,6724, auf 3 Stellen gerundet:
STATUS = [1.258, -0.628, 0.263, -0.828, -1.164, 0.202, 1.560, -0.662]
# Klassen: hoch < −1,0 ≤ mittel ≤ +1,0 < niedrig ≤ +1,5 < sehr niedrig
STATUSKLASSE = ["niedrig", "mittel", "mittel", "mittel", "hoch", "mittel", "sehr niedrig", "mittel"]

# Handrechnung Dynamik (Veränderung 2020 → 2022 in Prozentpunkten):
#   da: Mittel −7/8 = −0,875; Quadratsumme 16,875; s = 1,5526
#   db: Mittel −6/8 = −0,75;  Quadratsumme 9,5;    s = 1,1650
#   dc: Mittel 6/8 = 0,75;    Quadratsumme 17,5;   s = 1,5811
#   G2: (−2 + 0,875)/1,5526 + (−1 + 0,75)/1,1650 + (0 − 0,75)/1,5811 = −0,7246 − 0,2146 − 0,4743 = −1,4135
#   Summen: 0,3033 −1,4135 1,5576 0,9357 0,4839 −1,4019 −0,1370 −0,3281 (s = 1,0500)
DYNAMIK = [0.289, -1.346, 1.483, 0.891, 0.461, -1.335, -0.130, -0.312]
# Klassen: positiv < −1 ≤ stabil ≤ +1 < negativ
DYNAMIKKLASSE = ["stabil", "positiv", "negativ", "stabil", "stabil", "positiv", "stabil", "stabil"]
# Gesamtgruppe = (Statusrang − 1) × 3 + Dynamikrang; hoch 1, mittel 2, niedrig 3, sehr niedrig 4; positiv 1 …
GESAMTGRUPPE = [8, 4, 6, 5, 2, 4, 11, 5]

BANDS = ["unter 15", "15 bis 24", "25 bis 64", "65 und älter"]
POP = [(100, 100), (100, 100), (400, 400), (100, 100)]  # 1.400
POP_KLEIN = [(25, 25), (20, 20), (40, 40), (15, 15)]  # 200; unter 15 = 50 (Mindestnenner der Kinderarmut)

GEBIETE = "gebiet_id,name,sozialraum_id,sozialraum,stadtbezirk,gemeinde_ags,gemeinde,gueltig_ab,gueltig_bis,nachfolger_id\n" + "".join(
    f"G{i},Gebiet {i},S{i},Sozialraum {i},{'Ost' if i % 2 else 'West'},{AGS},Indexstadt,2000-01-01,,\n" for i in range(1, 10)
)


def write_files(inbox, day: dt.date, shift: int) -> None:
    """shift = 1: Werte 2020 (um da, db, dc niedriger); shift = 0: Werte 2022."""
    titel = [f"Stand {day:%d.%m.%Y}"]
    rows = [titel, ["Gebiet", "Altersgruppe", "Geschlecht", "Anzahl"]]
    for i in range(1, 10):
        for band, (m, w) in zip(BANDS, POP if i < 9 else POP_KLEIN, strict=True):
            rows += [[f"G{i}", band, "männlich", m], [f"G{i}", band, "weiblich", w]]
    write_xlsx(inbox / f"bevoelkerung_{day}.xlsx", {"Daten": rows})

    sgb2 = [titel, ["Gebiet", "BG", "LB", "ELB", "NEF", "NEF u15", "LB unter 18", "Alleinerziehende BG"]]
    alo = [titel, ["Gebiet", "Rechtskreis", "Anzahl"]]
    for i, unit in enumerate(UNITS):
        lb = 12 * (10 + B[i] - shift * DB[i])
        nef_u15 = 2 * (15 + C[i] - shift * DC[i])
        nef = nef_u15 + 4
        sgb2.append([unit, lb // 2, lb, lb - nef, nef, nef_u15, nef_u15 + 2, 5])
        insgesamt = 10 * (5 + A[i] - shift * DA[i])
        sgb2_alo = insgesamt // 2
        alo += [[unit, "insgesamt", insgesamt], [unit, "SGB II", sgb2_alo], [unit, "SGB III", insgesamt - sgb2_alo]]
    sgb2.append(["G9", 5, 10, 6, 4, 2, 3, 1])
    alo += [["G9", "insgesamt", 6], ["G9", "SGB II", 3], ["G9", "SGB III", 3]]
    write_xlsx(inbox / f"sgb2_{day}.xlsx", {"SGB II": sgb2})
    write_xlsx(inbox / f"arbeitslose_{day}.xlsx", {"Daten": alo})


def run(home: Paths) -> None:
    result = alles_ausfuehren(instance=dg.DagsterInstance.ephemeral())
    assert result.success


def load_indexstadt(home: Paths) -> Paths:
    (home.reference / "gebiete.csv").write_text(GEBIETE, encoding="utf-8")
    write_files(home.inbox, dt.date(2020, 12, 31), shift=1)
    write_files(home.inbox, dt.date(2022, 12, 31), shift=0)
    run(home)
    return home


@pytest.fixture(scope="module")
def indexstadt(module_home: Paths) -> Paths:
    return load_indexstadt(module_home)


def query(paths: Paths, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(paths.analyse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_sozialindex_matches_hand_calculation(indexstadt: Paths):
    rows = query(indexstadt, "select sozialraum_id, einwohner, vergleich_stichtag, statusindex, statusklasse, "
                             "dynamikindex, dynamikklasse, gesamtklasse, gesamtgruppe from mart.sozialindex "
                             "where stichtag = date '2022-12-31' order by sozialraum_id")
    assert [r[0] for r in rows] == [f"S{i}" for i in range(1, 9)]  # S9 ausgeschlossen
    for i, r in enumerate(rows):
        assert r[1] == 1400
        assert r[2] == dt.date(2020, 12, 31)
        assert r[3] == pytest.approx(STATUS[i], abs=1e-9), f"Statusindex S{i + 1}"
        assert r[4] == STATUSKLASSE[i], f"Statusklasse S{i + 1}"
        assert r[5] == pytest.approx(DYNAMIK[i], abs=1e-9), f"Dynamikindex S{i + 1}"
        assert r[6] == DYNAMIKKLASSE[i], f"Dynamikklasse S{i + 1}"
        assert r[7] == f"{STATUSKLASSE[i]} / {DYNAMIKKLASSE[i]}"
        assert r[8] == GESAMTGRUPPE[i]


def test_intermediate_z_values_are_traceable(indexstadt: Paths):
    rows = dict(((r[0], r[1]), r[2:]) for r in query(
        indexstadt, "select gebiet_id, indikator_id, wert, veraenderung_pp, z_status, z_dynamik, einheiten "
                    "from mart.sozialindex_werte where stichtag = date '2022-12-31' and ebene = 'sozialraum'"))
    # S1 Arbeitslosenanteil: 10 × (5 + 4) / 1.000 × 100 = 9 %; 2020: 10 × (5 + 4 + 2) = 110 → 11 %; −2 Pp.
    wert, veraenderung, z_status, z_dynamik, einheiten = rows[("S1", "arbeitslosenanteil")]
    assert wert == pytest.approx(9.0) and veraenderung == pytest.approx(-2.0)
    assert z_status == pytest.approx((4 - 3.25) / 1.90863, abs=1e-4)  # 0,3930
    assert z_dynamik == pytest.approx((-2 + 0.875) / 1.55264, abs=1e-4)  # −0,7246
    assert einheiten == 8
    # S1 Kinderarmut: 2 × (15 + 7) / 200 × 100 = 22 %
    assert rows[("S1", "kinderarmut_u15")][0] == pytest.approx(22.0)


def test_small_unit_excluded_and_listed(indexstadt: Paths):
    rows = query(indexstadt, "select stichtag, ebene, einheit_id, einwohner, grund from mart.sozialindex_ausschluesse "
                             "where einheit_id in ('S9', 'G9') order by stichtag, ebene")
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        (dt.date(2020, 12, 31), "gebiet", "G9", 200), (dt.date(2020, 12, 31), "sozialraum", "S9", 200),
        (dt.date(2022, 12, 31), "gebiet", "G9", 200), (dt.date(2022, 12, 31), "sozialraum", "S9", 200),
    ]
    assert all(r[4] == "weniger als 300 Einwohnerinnen und Einwohner (200)" for r in rows)
    # 2020 fehlt der Vergleichswert 2018 für alle übrigen: kein Index, aber jede Einheit mit Grund gelistet
    grund_2020 = query(indexstadt, "select distinct grund from mart.sozialindex_ausschluesse "
                                   "where stichtag = date '2020-12-31' and einheit_id = 'S1'")
    assert grund_2020 == [("kein Vergleichswert 2 Jahre zuvor für arbeitslosenanteil, kinderarmut_u15, sgb2_quote",)]
    assert query(indexstadt, "select count(*) from mart.sozialindex where stichtag = date '2020-12-31'") == [(0,)]


def test_gebiet_level_and_only_allowed_classes(indexstadt: Paths):
    # Jedes Gebiet ist hier ein eigener Sozialraum: die Gebietsebene muss dieselben Indexwerte ergeben.
    gebiete = query(indexstadt, "select statusindex, dynamikindex from mart.sozialindex_ebenen "
                                "where ebene = 'gebiet' and stichtag = date '2022-12-31' order by einheit_id")
    assert gebiete == [(pytest.approx(s, abs=1e-9), pytest.approx(d, abs=1e-9)) for s, d in zip(STATUS, DYNAMIK, strict=True)]
    bad = query(indexstadt, "select count(*) from mart.sozialindex_ebenen where statusklasse is null "
                            "or statusklasse not in ('hoch', 'mittel', 'niedrig', 'sehr niedrig') or dynamikklasse is null "
                            "or dynamikklasse not in ('positiv', 'stabil', 'negativ') or gesamtgruppe not between 1 and 12")
    assert bad == [(0,)]


def test_parameters_come_from_reference_data(home: Paths):
    indexstadt = load_indexstadt(home)
    # Obergrenze von „niedrig“ 1,2 statt 1,5: S1 (1,258) wird „sehr niedrig“, S7 (1,560) bleibt es.
    klassen = indexstadt.reference / "sozialindex_klassen.csv"
    klassen.write_text(klassen.read_text(encoding="utf-8").replace("status,3,niedrig,1.5,", "status,3,niedrig,1.2,"),
                       encoding="utf-8")
    run(indexstadt)
    rows = dict(query(indexstadt, "select sozialraum_id, statusklasse from mart.sozialindex "
                                  "where stichtag = date '2022-12-31'"))
    assert rows["S1"] == "sehr niedrig" and rows["S7"] == "sehr niedrig" and rows["S3"] == "mittel"

    # Mindestgröße 150 statt 300: S9 (200 Einwohner) geht nun ein – es sind 9 Sozialräume.
    path = indexstadt.reference / "sozialindex_parameter.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("mindest_einwohner,300,", "mindest_einwohner,150,"),
                    encoding="utf-8")
    run(indexstadt)
    rows = query(indexstadt, "select sozialraum_id, einwohner from mart.sozialindex "
                             "where stichtag = date '2022-12-31' order by sozialraum_id")
    assert len(rows) == 9 and rows[-1] == ("S9", 200)
    assert query(indexstadt, "select count(*) from mart.sozialindex_ausschluesse "
                             "where stichtag = date '2022-12-31'") == [(0,)]


def test_change_to_previous_report_edition(indexstadt: Paths):
    # berichte.csv: Ausgabe 2022 (Stichtag 31.12.2022) vergleicht mit Ausgabe 2020 (31.12.2020).
    rows = query(indexstadt, "select stichtag, ebene, gebiet_id, wert, veraenderung_bericht from mart.indikator_werte "
                             "where indikator_id = 'arbeitslosenanteil' and gebiet_id in ('S1', 'S3', ?) "
                             "order by stichtag, gebiet_id", [AGS])
    got = {(r[0].year, r[2]): (r[3], r[4]) for r in rows}
    # S1: 2022 9 %, 2020 11 % → −2 Pp.; S3: 2022 5 + 6 = 11 %, 2020 11 − 1 = 10 % → +1 Pp.
    assert got[(2022, "S1")] == (pytest.approx(9.0), pytest.approx(-2.0))
    assert got[(2022, "S3")] == (pytest.approx(11.0), pytest.approx(1.0))
    # Gemeinde 2022: Arbeitslose 10 × (40 + 26) + 6 = 666 / (8 × 1.000 + 120) = 8,2020 %;
    # 2020: 10 × (40 + 26 + 7) + 6 = 736 / 8.120 = 9,0640 % → −0,8621 Pp.
    assert got[(2022, AGS)] == (pytest.approx(666 / 8120 * 100), pytest.approx((666 - 736) / 8120 * 100))
    # Die Ausgabe 2020 hat keine Vergleichsausgabe: NULL
    assert got[(2020, "S1")][1] is None
