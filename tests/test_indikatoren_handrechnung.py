"""Jeder Indikator des Katalogs auf jeder Ebene – gegen eine Handrechnung.

Ein echter Lauf des Jobs „alles“ (Dagster, DuckDB, echte Leser) über echte xlsx/csv-Dateien der Teststadt
(tests/fixtures.py; AGS 09999999). Am 31.12.2022 gültig: A1 (SRA, Nord), A2 (SRA, Süd), B3 (SRB, Nord).
Damit gilt auf heutiger Gliederung: SRA = A1 + A2, SRB = B3, SB-NORD = A1 + B3, SB-SUED = A2,
Gemeinde = A1 + A2 + B3 + „ohne Zuordnung“ (nur wo die Quelle solche Fälle liefert).
Ausgenommen ist nur `bedarfe_anzahl` (kommt aus den Konferenzprotokollen).

Eingaben (Stichtag 31.12.2022, Kita 01.03.2023):

Bevölkerung, Altersbänder   u3  3–5  6–14  15–17  18–19  20–24  25–64  65+  | insg.  Ausl.  MigH
  A1                        40   50   110     40     30     80    450  200  |  1000    120   300
  A2                        12   24    39     15     10     15    235  150  |   500     80   175
  B3                        80   90   230     70     50    130    930  420  |  2000    150   400
daraus (Nenner):      u15  u18  u20  15–24  15–64  20–64  u65  65+
  A1                  200  240  270   150    600    530   800  200
  A2                   75   90  100    40    275    250   350  150
  B3                  400  470  520   250   1180   1060  1580  420
  SRA  (A1+A2)        275  330  370   190    875    780  1150  350     alle 1500, Ausl. 200, MigH 475
  NORD (A1+B3)        600  710  790   400   1780   1590  2380  620     alle 3000, Ausl. 270, MigH 700
  Gemeinde            675  800  890   440   2055   1840  2730  770     alle 3500, Ausl. 350, MigH 875

SGB II (aggregiert)  BG   LB  ELB  NEF  NEF u15  LB u18  Alleinerz. BG
  A1                 60  120   80   40       32      42             12
  A2                 15   42   28   14       11      13              6
  B3                100  200  140   60       48      57             25
  keine Angabe        5    8    6    2        1       2              1

Arbeitslose (csv, Zellen verschieden fein; je Merkmal gilt „insgesamt“, sonst SGB II + SGB III):
  A1: insgesamt 60 (= SGB II 40 + SGB III 20, alle drei geliefert), langzeit 25, unter 25 = 6 + 4 = 10 (nur Teile),
      55 und älter 12 (für keinen Indikator)
  A2: insgesamt 22, langzeit 9, unter 25 5
  B3: insgesamt = SGB II 70 + SGB III 54 = 124 (nur Teile), langzeit 44, unter 25 18 (= 11 + 7, alle drei geliefert)
  keine Angabe: insgesamt 3, langzeit 1, unter 25 1

Mindestsicherung (lang)  grusi_alter  grusi_em  hlu           asylblg
  A1                              24        10    5                 6
  A2                              21         4    2                 4
  B3                              30        12   16 (= 4+10+2)      9     hlu nur in Altersgruppen u18/18–64/65+
  keine Angabe                     –         –    –                 2

Kita 01.03.2023 (gehört zum Bevölkerungsstand 31.12.2022)   Plätze U3   Plätze Ü3
  A1: Sonne 10/40 + Regenbogen 8/15                                 18          55
  A2: Mond                                                           6          20
  B3: Stern 24/70 + Großtagespflege Wiese 9/leer (= 0)              33          70
  ohne Zuordnung: Kindertagespflege (stadtweit)                      5           3

Merkmale (Quelle merkmale, csv lang; Merkmal wohngeld_haushalte aus data/reference/merkmale.csv, als Kennung oder Name)
  Wohngeldhaushalte: A1 12, A2 5, B3 20, keine Angabe 2, Summenzeile „Stadt insgesamt“ 39
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.ausfuehren import alles_ausfuehren
from sozial_dwh.config import Paths
from tests.fixtures import make_reference, write_xlsx

AGS = "09999999"
STICHTAG = "2022-12-31"

# --- Eingabedateien --------------------------------------------------------------------------------

BEV_HEADER = ["Gebiet", "Bezeichnung", "Einwohner\ninsgesamt", "männlich", "weiblich", "unter 3", "3 bis 5", "6 bis 14",
              "15 bis 17", "18 bis 19", "20 bis 24", "25 bis 64", "65 und älter", "Ausländer/-innen",
              "mit Migrations-\nhintergrund"]
BEV = {  # insgesamt, m, w, Bänder (u3 … 65+), Ausländer, Migrationshintergrund
    "A1": ["Altstadt", 1000, 490, 510, 40, 50, 110, 40, 30, 80, 450, 200, 120, 300],
    "A2": ["Bahnhof", 500, 240, 260, 12, 24, 39, 15, 10, 15, 235, 150, 80, 175],
    "B3": ["Berg-Bach", 2000, 980, 1020, 80, 90, 230, 70, 50, 130, 930, 420, 150, 400],
}
SGB2_HEADER = ["Gebiet", "Bedarfsgemeinschaften", "Leistungsberechtigte", "ELB", "NEF", "NEF unter 15",
               "Leistungsberechtigte unter 18", "Alleinerziehende BG"]
SGB2 = {
    "A1": [60, 120, 80, 40, 32, 42, 12],
    "A2": [15, 42, 28, 14, 11, 13, 6],
    "B3": [100, 200, 140, 60, 48, 57, 25],
    "keine Angabe": [5, 8, 6, 2, 1, 2, 1],
}
ALO = [  # Gebiet, Rechtskreis, Merkmal, Anzahl
    ("A1", "insgesamt", "insgesamt", 60), ("A1", "SGB II", "insgesamt", 40), ("A1", "SGB III", "insgesamt", 20),
    ("A1", "insgesamt", "langzeitarbeitslos", 25), ("A1", "SGB II", "unter 25", 6), ("A1", "SGB III", "unter 25", 4),
    ("A1", "insgesamt", "55 und älter", 12),
    ("A2", "insgesamt", "insgesamt", 22), ("A2", "insgesamt", "langzeitarbeitslos", 9),
    ("A2", "insgesamt", "unter 25", 5),
    ("B3", "SGB II", "insgesamt", 70), ("B3", "SGB III", "insgesamt", 54), ("B3", "insgesamt", "langzeitarbeitslos", 44),
    ("B3", "insgesamt", "unter 25", 18), ("B3", "SGB II", "unter 25", 11), ("B3", "SGB III", "unter 25", 7),
    ("keine Angabe", "insgesamt", "insgesamt", 3), ("keine Angabe", "insgesamt", "langzeitarbeitslos", 1),
    ("keine Angabe", "insgesamt", "unter 25", 1),
]
GRUSI = [  # Gebiet, Leistungsart, Altersgruppe, Anzahl
    ("A1", "Grundsicherung im Alter", None, 24), ("A1", "Grundsicherung bei Erwerbsminderung", None, 10),
    ("A1", "Hilfe zum Lebensunterhalt", None, 5), ("A1", "AsylbLG Regelleistungen", None, 6),
    ("A2", "Grundsicherung im Alter", None, 21), ("A2", "Grundsicherung bei Erwerbsminderung", None, 4),
    ("A2", "Hilfe zum Lebensunterhalt", None, 2), ("A2", "AsylbLG Regelleistungen", None, 4),
    ("B3", "Grundsicherung im Alter", None, 30), ("B3", "Grundsicherung bei Erwerbsminderung", None, 12),
    ("B3", "Hilfe zum Lebensunterhalt", "unter 18", 4), ("B3", "Hilfe zum Lebensunterhalt", "18 bis 64", 10),
    ("B3", "Hilfe zum Lebensunterhalt", "65 und älter", 2), ("B3", "AsylbLG Regelleistungen", None, 9),
    ("keine Angabe", "AsylbLG Regelleistungen", None, 2),
]
KITA = [  # Einrichtung, Träger, Gebiet, Plätze U3, Plätze Ü3, Adresse
    ("Kita Sonne", "Stadt", "A1", 10, 40, "Weg 1"),
    ("Kita Regenbogen", "Caritas", "A1 Altstadt", 8, 15, "Weg 5"),
    ("Kita Mond", "AWO", "A2", 6, 20, "Weg 2"),
    ("Kita Stern", "DRK", "B3", 24, 70, "Weg 3"),
    ("Großtagespflege Wiese", "Verein", "B3", 9, None, "Weg 4"),
    ("Kindertagespflege (stadtweit)", "Stadt", "ohne Zuordnung", 5, 3, None),
]
WOHNGELD = [  # Gebiet, Merkmal (Kennung oder Name aus merkmale.csv), Anzahl
    ("A1", "Wohngeldhaushalte", 12), ("A2", "wohngeld_haushalte", 5), ("B3", "Wohngeldhaushalte", 20),
    ("keine Angabe", "Wohngeldhaushalte", 2), ("Stadt insgesamt", "Wohngeldhaushalte", 39),
]


def write_inputs(inbox: Path) -> None:
    rows: list[list[object]] = [["Bevölkerung nach Gebieten"], ["Stand: 31.12.2022"], [], BEV_HEADER]
    rows += [[gebiet, *values] for gebiet, values in BEV.items()]
    rows.append(["Stadt insgesamt", None, *[sum(v[i] for v in BEV.values()) for i in range(1, 14)]])
    rows += [[], ["Quelle: Melderegister, Hauptwohnsitze"]]
    write_xlsx(inbox / "bevoelkerung_2022-12-31.xlsx", {"Strukturtabelle": rows})

    write_xlsx(inbox / "sgb2_2022-12-31.xlsx", {"SGB II": [
        ["SGB II – Bedarfsgemeinschaften und Personen, Dezember 2022"], SGB2_HEADER,
        *[[gebiet, *values] for gebiet, values in SGB2.items()],
        ["Quelle: Statistik der Bundesagentur für Arbeit"],
    ]})

    lines = ["Arbeitslose am 31.12.2022;;;", "Gebiet;Rechtskreis;Merkmal;Anzahl"]
    lines += [";".join(str(cell) for cell in row) for row in ALO]
    (inbox / "arbeitslose_2022-12-31.csv").write_bytes("\r\n".join(lines).encode("cp1252"))

    write_xlsx(inbox / "grundsicherung_2022-12-31.xlsx", {"Daten": [
        ["Gebiet", "Leistungsart", "Altersgruppe", "Anzahl"], *[list(row) for row in GRUSI]]})

    write_xlsx(inbox / "kita_2023-03-01.xlsx", {"Kitas": [
        ["Einrichtung", "Träger", "Gebiet", "Plätze U3", "Plätze Ü3", "Adresse"], *[list(row) for row in KITA]]})

    lines = ["Gebiet;Merkmal;Anzahl"] + [";".join(str(cell) for cell in row) for row in WOHNGELD]
    (inbox / "merkmale_2022-12-31.csv").write_bytes("\r\n".join(lines).encode("utf-8"))


# --- ein Lauf je Modul -----------------------------------------------------------------------------

Row = tuple  # (wert, zaehler, nenner, einheit, wert_gemeinde, abweichung, hinweis)


@pytest.fixture(scope="module")
def werte(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[tuple[str, str, str], Row]]:
    """Lädt die Dateien einmal mit dem echten Job „alles“; Schlüssel (indikator_id, ebene, gebiet_id)."""
    base = tmp_path_factory.mktemp("handrechnung")
    with pytest.MonkeyPatch.context() as mp:
        reference = make_reference(base / "reference")
        mp.setenv("SOZIAL_DWH_HOME", str(base / "home"))
        mp.setenv("SOZIAL_DWH_REFERENCE", str(reference))
        mp.setenv("DAGSTER_HOME", str(base / "dagster"))
        mp.setenv("SOZIAL_DWH_SCHREIBPAUSE_S", "0")
        (base / "dagster").mkdir()
        paths = Paths.from_env().ensure()
        write_inputs(paths.inbox)
        result = alles_ausfuehren(instance=dg.DagsterInstance.ephemeral())
        assert result.success
        with duckdb.connect(str(paths.analyse), read_only=True) as con:
            rows = con.execute(
                "select indikator_id, ebene, gebiet_id, wert, zaehler, nenner, einheit, wert_gemeinde, abweichung, "
                "hinweis from mart.indikator_werte where stichtag = ?", [STICHTAG]).fetchall()
            dateien = con.execute("select dateiname, status from ops.dateien order by dateiname").fetchall()
            zurueckgehalten = con.execute("select blatt, zeile, grund from quarantine.zeilen").fetchall()
    assert dateien == [(name, "geladen") for name in sorted(
        ["arbeitslose_2022-12-31.csv", "bevoelkerung_2022-12-31.xlsx", "grundsicherung_2022-12-31.xlsx",
         "kita_2023-03-01.xlsx", "merkmale_2022-12-31.csv", "sgb2_2022-12-31.xlsx"])]
    assert zurueckgehalten == []  # jede Eingabezeile ist geladen (auch „keine Angabe“ / „ohne Zuordnung“)
    yield {(r[0], r[1], r[2]): r[3:] for r in rows}


# --- Handrechnung ----------------------------------------------------------------------------------
# Je Indikator: Einheit und je Einheit (ebene, gebiet_id) -> (wert auf 4 Stellen, zaehler, nenner).
# wert None = Nenner unter min_nenner des Katalogs (Zähler und Nenner werden trotzdem gezeigt).
NORD, SUED = "SB-NORD", "SB-SUED"
G, SR, SB, GEM = "gebiet", "sozialraum", "stadtbezirk", "gemeinde"

ERWARTET: dict[str, tuple[str, dict[tuple[str, str], tuple[float | None, int, int | None]]]] = {
    "bev_insgesamt": ("Personen", {  # Anzahl: wert = zaehler, kein Nenner
        (G, "A1"): (1000, 1000, None),
        (G, "A2"): (500, 500, None),
        (G, "B3"): (2000, 2000, None),
        (SR, "SRA"): (1500, 1500, None),  # 1000 + 500
        (SR, "SRB"): (2000, 2000, None),  # B3
        (SB, NORD): (3000, 3000, None),  # 1000 + 2000
        (SB, SUED): (500, 500, None),  # A2
        (GEM, AGS): (3500, 3500, None),  # 1000 + 500 + 2000
    }),
    "anteil_u18": ("%", {  # unter 18 = u3 + 3–5 + 6–14 + 15–17
        (G, "A1"): (24.0, 240, 1000),  # (40+50+110+40) / 1000 × 100 = 24 %
        (G, "A2"): (18.0, 90, 500),  # (12+24+39+15) / 500 × 100 = 18 %
        (G, "B3"): (23.5, 470, 2000),  # (80+90+230+70) / 2000 × 100 = 23,5 %
        (SR, "SRA"): (22.0, 330, 1500),  # (240+90) / (1000+500) × 100 = 22 % (Mittel der Quoten wäre 21)
        (SR, "SRB"): (23.5, 470, 2000),
        (SB, NORD): (23.6667, 710, 3000),  # (240+470) / (1000+2000) × 100 = 23,6667 %
        (SB, SUED): (18.0, 90, 500),
        (GEM, AGS): (22.8571, 800, 3500),  # (240+90+470) / 3500 × 100 = 22,8571 %
    }),
    "anteil_65plus": ("%", {
        (G, "A1"): (20.0, 200, 1000),  # 200 / 1000 × 100 = 20 %
        (G, "A2"): (30.0, 150, 500),  # 150 / 500 × 100 = 30 %
        (G, "B3"): (21.0, 420, 2000),  # 420 / 2000 × 100 = 21 %
        (SR, "SRA"): (23.3333, 350, 1500),  # (200+150) / 1500 × 100 = 23,3333 %
        (SR, "SRB"): (21.0, 420, 2000),
        (SB, NORD): (20.6667, 620, 3000),  # (200+420) / 3000 × 100 = 20,6667 %
        (SB, SUED): (30.0, 150, 500),
        (GEM, AGS): (22.0, 770, 3500),  # (200+150+420) / 3500 × 100 = 22 %
    }),
    "jugendquotient": ("je 100", {  # unter 20 = u18 + 18–19; 20–64 = 20–24 + 25–64
        (G, "A1"): (50.9434, 270, 530),  # (240+30) / (80+450) × 100 = 50,9434
        (G, "A2"): (40.0, 100, 250),  # (90+10) / (15+235) × 100 = 40
        (G, "B3"): (49.0566, 520, 1060),  # (470+50) / (130+930) × 100 = 49,0566
        (SR, "SRA"): (47.4359, 370, 780),  # (270+100) / (530+250) × 100 = 47,4359
        (SR, "SRB"): (49.0566, 520, 1060),
        (SB, NORD): (49.6855, 790, 1590),  # (270+520) / (530+1060) × 100 = 49,6855
        (SB, SUED): (40.0, 100, 250),
        (GEM, AGS): (48.3696, 890, 1840),  # (270+100+520) / (530+250+1060) × 100 = 48,3696
    }),
    "altenquotient": ("je 100", {
        (G, "A1"): (37.7358, 200, 530),  # 200 / 530 × 100 = 37,7358
        (G, "A2"): (60.0, 150, 250),  # 150 / 250 × 100 = 60
        (G, "B3"): (39.6226, 420, 1060),  # 420 / 1060 × 100 = 39,6226
        (SR, "SRA"): (44.8718, 350, 780),  # (200+150) / (530+250) × 100 = 44,8718
        (SR, "SRB"): (39.6226, 420, 1060),
        (SB, NORD): (38.9937, 620, 1590),  # (200+420) / (530+1060) × 100 = 38,9937
        (SB, SUED): (60.0, 150, 250),
        (GEM, AGS): (41.8478, 770, 1840),  # 770 / 1840 × 100 = 41,8478
    }),
    "auslaenderanteil": ("%", {
        (G, "A1"): (12.0, 120, 1000),  # 120 / 1000 × 100 = 12 %
        (G, "A2"): (16.0, 80, 500),  # 80 / 500 × 100 = 16 %
        (G, "B3"): (7.5, 150, 2000),  # 150 / 2000 × 100 = 7,5 %
        (SR, "SRA"): (13.3333, 200, 1500),  # (120+80) / 1500 × 100 = 13,3333 %
        (SR, "SRB"): (7.5, 150, 2000),
        (SB, NORD): (9.0, 270, 3000),  # (120+150) / 3000 × 100 = 9 %
        (SB, SUED): (16.0, 80, 500),
        (GEM, AGS): (10.0, 350, 3500),  # (120+80+150) / 3500 × 100 = 10 %
    }),
    "migrationsanteil": ("%", {
        (G, "A1"): (30.0, 300, 1000),  # 300 / 1000 × 100 = 30 %
        (G, "A2"): (35.0, 175, 500),  # 175 / 500 × 100 = 35 %
        (G, "B3"): (20.0, 400, 2000),  # 400 / 2000 × 100 = 20 %
        (SR, "SRA"): (31.6667, 475, 1500),  # (300+175) / 1500 × 100 = 31,6667 %
        (SR, "SRB"): (20.0, 400, 2000),
        (SB, NORD): (23.3333, 700, 3000),  # (300+400) / 3000 × 100 = 23,3333 %
        (SB, SUED): (35.0, 175, 500),
        (GEM, AGS): (25.0, 875, 3500),  # (300+175+400) / 3500 × 100 = 25 %
    }),
    "sgb2_quote": ("%", {  # LB / Einwohner unter 65 (= insgesamt − 65+)
        (G, "A1"): (15.0, 120, 800),  # 120 / (1000−200) × 100 = 15 %
        (G, "A2"): (12.0, 42, 350),  # 42 / (500−150) × 100 = 12 %
        (G, "B3"): (12.6582, 200, 1580),  # 200 / (2000−420) × 100 = 12,6582 %
        (SR, "SRA"): (14.0870, 162, 1150),  # (120+42) / (800+350) × 100 = 14,0870 %
        (SR, "SRB"): (12.6582, 200, 1580),
        (SB, NORD): (13.4454, 320, 2380),  # (120+200) / (800+1580) × 100 = 13,4454 %
        (SB, SUED): (12.0, 42, 350),
        (GEM, AGS): (13.5531, 370, 2730),  # (120+42+200 + 8 ohne Zuordnung) / 2730 × 100 = 13,5531 %
    }),
    "elb_quote": ("%", {  # ELB / 15–64 (= 15–17 + 18–19 + 20–24 + 25–64)
        (G, "A1"): (13.3333, 80, 600),  # 80 / (40+30+80+450) × 100 = 13,3333 %
        (G, "A2"): (10.1818, 28, 275),  # 28 / (15+10+15+235) × 100 = 10,1818 %
        (G, "B3"): (11.8644, 140, 1180),  # 140 / (70+50+130+930) × 100 = 11,8644 %
        (SR, "SRA"): (12.3429, 108, 875),  # (80+28) / (600+275) × 100 = 12,3429 %
        (SR, "SRB"): (11.8644, 140, 1180),
        (SB, NORD): (12.3596, 220, 1780),  # (80+140) / (600+1180) × 100 = 12,3596 %
        (SB, SUED): (10.1818, 28, 275),
        (GEM, AGS): (12.3601, 254, 2055),  # (80+28+140 + 6 ohne Zuordnung) / 2055 × 100 = 12,3601 %
    }),
    "kinderarmut_u15": ("%", {  # NEF unter 15 / unter 15 (= u3 + 3–5 + 6–14); min_nenner 50
        (G, "A1"): (16.0, 32, 200),  # 32 / (40+50+110) × 100 = 16 %
        (G, "A2"): (14.6667, 11, 75),  # 11 / (12+24+39) × 100 = 14,6667 %
        (G, "B3"): (12.0, 48, 400),  # 48 / (80+90+230) × 100 = 12 %
        (SR, "SRA"): (15.6364, 43, 275),  # (32+11) / (200+75) × 100 = 15,6364 %
        (SR, "SRB"): (12.0, 48, 400),
        (SB, NORD): (13.3333, 80, 600),  # (32+48) / (200+400) × 100 = 13,3333 %
        (SB, SUED): (14.6667, 11, 75),
        (GEM, AGS): (13.6296, 92, 675),  # (32+11+48 + 1 ohne Zuordnung) / 675 × 100 = 13,6296 %
    }),
    "sgb2_quote_u18": ("%", {  # LB unter 18 / unter 18; min_nenner 50
        (G, "A1"): (17.5, 42, 240),  # 42 / 240 × 100 = 17,5 %
        (G, "A2"): (14.4444, 13, 90),  # 13 / 90 × 100 = 14,4444 %
        (G, "B3"): (12.1277, 57, 470),  # 57 / 470 × 100 = 12,1277 %
        (SR, "SRA"): (16.6667, 55, 330),  # (42+13) / (240+90) × 100 = 16,6667 %
        (SR, "SRB"): (12.1277, 57, 470),
        (SB, NORD): (13.9437, 99, 710),  # (42+57) / (240+470) × 100 = 13,9437 %
        (SB, SUED): (14.4444, 13, 90),
        (GEM, AGS): (14.25, 114, 800),  # (42+13+57 + 2 ohne Zuordnung) / 800 × 100 = 14,25 %
    }),
    "alleinerziehende_bg": ("%", {  # Alleinerziehende BG / BG; min_nenner 20
        (G, "A1"): (20.0, 12, 60),  # 12 / 60 × 100 = 20 %
        (G, "A2"): (None, 6, 15),  # Nenner 15 < 20: kein Wert
        (G, "B3"): (25.0, 25, 100),  # 25 / 100 × 100 = 25 %
        (SR, "SRA"): (24.0, 18, 75),  # (12+6) / (60+15) × 100 = 24 % (A2 zählt mit, obwohl allein zu klein)
        (SR, "SRB"): (25.0, 25, 100),
        (SB, NORD): (23.125, 37, 160),  # (12+25) / (60+100) × 100 = 23,125 %
        (SB, SUED): (None, 6, 15),  # nur A2: Nenner 15 < 20
        (GEM, AGS): (24.4444, 44, 180),  # (12+6+25+1) / (60+15+100+5) × 100 = 44 / 180 × 100 = 24,4444 %
    }),
    "arbeitslosenanteil": ("%", {  # Arbeitslose / 15–64; A1: „insgesamt“ 60 gilt (nicht 60 + 40 + 20)
        (G, "A1"): (10.0, 60, 600),  # 60 / 600 × 100 = 10 %
        (G, "A2"): (8.0, 22, 275),  # 22 / 275 × 100 = 8 %
        (G, "B3"): (10.5085, 124, 1180),  # (70 + 54) / 1180 × 100 = 10,5085 % (nur Rechtskreise geliefert)
        (SR, "SRA"): (9.3714, 82, 875),  # (60+22) / (600+275) × 100 = 9,3714 %
        (SR, "SRB"): (10.5085, 124, 1180),
        (SB, NORD): (10.3371, 184, 1780),  # (60+124) / (600+1180) × 100 = 10,3371 %
        (SB, SUED): (8.0, 22, 275),
        (GEM, AGS): (10.1703, 209, 2055),  # (60+22+124 + 3 keine Angabe) / 2055 × 100 = 10,1703 %
    }),
    "langzeitarbeitslosenanteil": ("%", {
        (G, "A1"): (4.1667, 25, 600),  # 25 / 600 × 100 = 4,1667 %
        (G, "A2"): (3.2727, 9, 275),  # 9 / 275 × 100 = 3,2727 %
        (G, "B3"): (3.7288, 44, 1180),  # 44 / 1180 × 100 = 3,7288 %
        (SR, "SRA"): (3.8857, 34, 875),  # (25+9) / 875 × 100 = 3,8857 %
        (SR, "SRB"): (3.7288, 44, 1180),
        (SB, NORD): (3.8764, 69, 1780),  # (25+44) / 1780 × 100 = 3,8764 %
        (SB, SUED): (3.2727, 9, 275),
        (GEM, AGS): (3.8443, 79, 2055),  # (25+9+44 + 1 keine Angabe) / 2055 × 100 = 3,8443 %
    }),
    "jugendarbeitslosenanteil": ("%", {  # unter 25 / 15–24 (= 15–17 + 18–19 + 20–24); min_nenner 50
        (G, "A1"): (6.6667, 10, 150),  # (6 + 4) / (40+30+80) × 100 = 6,6667 % (nur Rechtskreise geliefert)
        (G, "A2"): (None, 5, 40),  # Nenner 15+10+15 = 40 < 50: kein Wert
        (G, "B3"): (7.2, 18, 250),  # 18 / (70+50+130) × 100 = 7,2 % („insgesamt“ 18 gilt, nicht 18 + 11 + 7)
        (SR, "SRA"): (7.8947, 15, 190),  # (10+5) / (150+40) × 100 = 7,8947 %
        (SR, "SRB"): (7.2, 18, 250),
        (SB, NORD): (7.0, 28, 400),  # (10+18) / (150+250) × 100 = 7 %
        (SB, SUED): (None, 5, 40),  # nur A2: Nenner 40 < 50
        (GEM, AGS): (7.7273, 34, 440),  # (10+5+18 + 1 keine Angabe) / 440 × 100 = 7,7273 %
    }),
    "altersarmut_65plus": ("%", {  # Grundsicherung im Alter / 65+; min_nenner 50
        (G, "A1"): (12.0, 24, 200),  # 24 / 200 × 100 = 12 %
        (G, "A2"): (14.0, 21, 150),  # 21 / 150 × 100 = 14 %
        (G, "B3"): (7.1429, 30, 420),  # 30 / 420 × 100 = 7,1429 %
        (SR, "SRA"): (12.8571, 45, 350),  # (24+21) / (200+150) × 100 = 12,8571 %
        (SR, "SRB"): (7.1429, 30, 420),
        (SB, NORD): (8.7097, 54, 620),  # (24+30) / (200+420) × 100 = 8,7097 %
        (SB, SUED): (14.0, 21, 150),
        (GEM, AGS): (9.7403, 75, 770),  # (24+21+30) / 770 × 100 = 9,7403 % (ohne Zuordnung: keine GruSi Alter)
    }),
    "mindestsicherungsquote": ("%", {  # (LB + GruSi Alter + GruSi EM + HLU + AsylbLG) / Einwohner
        (G, "A1"): (16.5, 165, 1000),  # (120+24+10+5+6) / 1000 × 100 = 16,5 %
        (G, "A2"): (14.6, 73, 500),  # (42+21+4+2+4) / 500 × 100 = 14,6 %
        (G, "B3"): (13.35, 267, 2000),  # (200+30+12+(4+10+2)+9) / 2000 × 100 = 13,35 %
        (SR, "SRA"): (15.8667, 238, 1500),  # (165+73) / 1500 × 100 = 15,8667 %
        (SR, "SRB"): (13.35, 267, 2000),
        (SB, NORD): (14.4, 432, 3000),  # (165+267) / 3000 × 100 = 14,4 %
        (SB, SUED): (14.6, 73, 500),
        (GEM, AGS): (14.7143, 515, 3500),  # (165+73+267 + ohne Zuordnung 8 LB + 2 AsylbLG) / 3500 × 100 = 14,7143 %
    }),
    "kita_versorgung_u3": ("%", {  # Plätze U3 am 01.03.2023 / unter 3 am 31.12.2022; min_nenner 20
        (G, "A1"): (45.0, 18, 40),  # (10+8) / 40 × 100 = 45 %
        (G, "A2"): (None, 6, 12),  # Nenner 12 < 20: kein Wert
        (G, "B3"): (41.25, 33, 80),  # (24+9) / 80 × 100 = 41,25 %
        (SR, "SRA"): (46.1538, 24, 52),  # (18+6) / (40+12) × 100 = 46,1538 %
        (SR, "SRB"): (41.25, 33, 80),
        (SB, NORD): (42.5, 51, 120),  # (18+33) / (40+80) × 100 = 42,5 %
        (SB, SUED): (None, 6, 12),  # nur A2: Nenner 12 < 20
        (GEM, AGS): (46.9697, 62, 132),  # (18+6+33 + 5 Tagespflege ohne Zuordnung) / 132 × 100 = 46,9697 %
    }),
    "kita_versorgung_ue3": ("%", {  # Plätze Ü3 / 3 bis 5 Jahre; min_nenner 20
        (G, "A1"): (110.0, 55, 50),  # (40+15) / 50 × 100 = 110 % (mehr Plätze als Kinder: Einpendler)
        (G, "A2"): (83.3333, 20, 24),  # 20 / 24 × 100 = 83,3333 %
        (G, "B3"): (77.7778, 70, 90),  # (70 + leer = 0) / 90 × 100 = 77,7778 %
        (SR, "SRA"): (101.3514, 75, 74),  # (55+20) / (50+24) × 100 = 101,3514 %
        (SR, "SRB"): (77.7778, 70, 90),
        (SB, NORD): (89.2857, 125, 140),  # (55+70) / (50+90) × 100 = 89,2857 %
        (SB, SUED): (83.3333, 20, 24),
        (GEM, AGS): (90.2439, 148, 164),  # (55+20+70 + 3 ohne Zuordnung) / 164 × 100 = 90,2439 %
    }),
    "wohngeld_je_1000": ("je 1.000", {  # Wohngeldhaushalte (merkmale) / Einwohner × 1000; min_nenner 100
        (G, "A1"): (12.0, 12, 1000),  # 12 / 1000 × 1000 = 12
        (G, "A2"): (10.0, 5, 500),  # 5 / 500 × 1000 = 10
        (G, "B3"): (10.0, 20, 2000),  # 20 / 2000 × 1000 = 10
        (SR, "SRA"): (11.3333, 17, 1500),  # (12+5) / (1000+500) × 1000 = 11,3333
        (SR, "SRB"): (10.0, 20, 2000),
        (SB, NORD): (10.6667, 32, 3000),  # (12+20) / (1000+2000) × 1000 = 10,6667
        (SB, SUED): (10.0, 5, 500),
        (GEM, AGS): (11.1429, 39, 3500),  # (12+5+20 + 2 keine Angabe) / 3500 × 1000 = 11,1429
    }),
}
EINHEITEN = sorted(ERWARTET[next(iter(ERWARTET))][1])  # die acht Einheiten, für jeden Indikator dieselben
KITA_HINWEIS = "Plätze zum 01.03.2023"  # Kita-Plätze zum 01.03.2023 gehören zum Bevölkerungsstand 31.12.2022


def mindest_hinweis(nenner: int, min_nenner: int) -> str:
    return f"Nenner {nenner} unter der Mindestgröße {min_nenner} (kleinräumig instabil)"


def test_catalogue_fully_covered():
    """Jeder Indikator des Katalogs außer bedarfe_anzahl steht in der Handrechnung."""
    import csv

    from sozial_dwh import config

    with (config.REPO_ROOT / "data" / "reference" / "indikatoren.csv").open(encoding="utf-8") as handle:
        katalog = {row["indikator_id"] for row in csv.DictReader(handle)}
    assert katalog - set(ERWARTET) == {"bedarfe_anzahl"}
    assert set(ERWARTET) <= katalog


def test_exactly_the_current_units(werte):
    # 20 Indikatoren × 8 Einheiten; B1/B2 (aufgelöst 2019) und „ohne Zuordnung“ haben 2022 keine Zeile
    assert len(werte) == 20 * 8
    for indikator in ERWARTET:
        assert sorted((ebene, gebiet) for (i, ebene, gebiet) in werte if i == indikator) == EINHEITEN, indikator


@pytest.mark.parametrize("indikator", list(ERWARTET))
def test_indicator_at_every_level(werte, indikator: str):
    einheit, erwartet = ERWARTET[indikator]
    wert_gemeinde = erwartet[(GEM, AGS)][0]
    for (ebene, gebiet), (wert, zaehler, nenner) in erwartet.items():
        ist = werte[(indikator, ebene, gebiet)]
        where = f"{indikator} {ebene} {gebiet}"
        assert ist[1:4] == (zaehler, nenner, einheit), where
        if wert is None:
            assert ist[0] is None, where
        else:
            assert ist[0] == pytest.approx(wert, abs=1e-4), where
        # Vergleich mit der Gemeinde: wert_gemeinde ist der handgerechnete Gemeindewert, abweichung = wert − wert_gemeinde
        assert ist[4] == pytest.approx(wert_gemeinde, abs=1e-4), where
        if nenner is None or wert is None:  # Anzahl oder kein Wert: keine Abweichung
            assert ist[5] is None, where
        else:
            assert ist[5] == pytest.approx(wert - wert_gemeinde, abs=2e-4), where
        hinweis = ist[6] or ""
        assert (KITA_HINWEIS in hinweis) == indikator.startswith("kita_"), where
        assert ("unter der Mindestgröße" in hinweis) == (wert is None), where


def test_minimum_denominator_rule(werte):
    # Katalog: alleinerziehende_bg min_nenner 20, jugendarbeitslosenanteil 50, kita_versorgung_u3 20
    for ebene, gebiet in [(G, "A2"), (SB, SUED)]:  # SB-SUED besteht nur aus A2
        # A2: BG 15 < 20 -> kein Wert, Zähler 6 und Nenner 15 bleiben sichtbar
        assert werte[("alleinerziehende_bg", ebene, gebiet)][0] is None
        assert werte[("alleinerziehende_bg", ebene, gebiet)][6] == mindest_hinweis(15, 20)
        # A2: 15–24 = 15 + 10 + 15 = 40 < 50
        assert werte[("jugendarbeitslosenanteil", ebene, gebiet)][6] == mindest_hinweis(40, 50)
        # A2: unter 3 = 12 < 20 (der Kita-Hinweis bleibt davor)
        assert werte[("kita_versorgung_u3", ebene, gebiet)][6] == f"{KITA_HINWEIS}; {mindest_hinweis(12, 20)}"
        # Ü3 in A2: 3–5 = 24 ≥ 20 -> Wert 20 / 24 × 100 = 83,33 %
        assert werte[("kita_versorgung_ue3", ebene, gebiet)][0] == pytest.approx(83.33, abs=5e-3)
    # Die Sozialräume rechnen mit A2 weiter: SRA alleinerziehende_bg (12+6) / (60+15) = 24 %, Nenner 75 ≥ 20
    assert werte[("alleinerziehende_bg", SR, "SRA")][:3] == (pytest.approx(24.0), 18, 75)
    assert werte[("alleinerziehende_bg", SR, "SRA")][6] is None
    # kinderarmut_u15 (min_nenner 50): A2 unter 15 = 75 ≥ 50 -> Wert 11 / 75 × 100 = 14,67 %
    assert werte[("kinderarmut_u15", G, "A2")][0] == pytest.approx(14.67, abs=5e-3)


def test_sums_not_averages_and_comparison_with_gemeinde(werte):
    # anteil_u18 SRA: 330 / 1500 = 22,00 %; das Mittel der Gebietsquoten (24 + 18) / 2 = 21 % wäre falsch
    assert werte[("anteil_u18", SR, "SRA")][0] == pytest.approx(22.0)
    # mindestsicherungsquote SRA: 238 / 1500 = 15,87 % (Mittel von 16,5 und 14,6 wäre 15,55)
    assert werte[("mindestsicherungsquote", SR, "SRA")][0] == pytest.approx(15.87, abs=5e-3)
    # sgb2_quote SRA: 14,0870 − Gemeinde 13,5531 = +0,5338 Prozentpunkte
    sra = werte[("sgb2_quote", SR, "SRA")]
    assert sra[4] == pytest.approx(13.5531, abs=1e-4) and sra[5] == pytest.approx(0.5338, abs=1e-4)
    # kita_versorgung_u3 SB-NORD: 42,5 − Gemeinde 46,9697 = −4,4697 Prozentpunkte
    nord = werte[("kita_versorgung_u3", SB, NORD)]
    assert nord[4] == pytest.approx(46.9697, abs=1e-4) and nord[5] == pytest.approx(-4.4697, abs=1e-4)
    # altenquotient A2: 60 − 41,8478 = +18,1522 Punkte je 100
    assert werte[("altenquotient", G, "A2")][5] == pytest.approx(18.1522, abs=1e-4)
    # bev_insgesamt: Anzahl, wert_gemeinde 3500, keine Abweichung
    assert werte[("bev_insgesamt", G, "A1")][4:6] == (3500, None)


def test_gemeinde_includes_cases_without_area(werte):
    """Gemeinde-Zähler − Summe der Gebiete A1 + A2 + B3 = Fälle „ohne Zuordnung“ der Quelle (aus den Eingaben)."""
    ohne_zuordnung = {
        "sgb2_quote": 8, "elb_quote": 6, "kinderarmut_u15": 1, "sgb2_quote_u18": 2,  # SGB II „keine Angabe“
        "alleinerziehende_bg": 1,
        "arbeitslosenanteil": 3, "langzeitarbeitslosenanteil": 1, "jugendarbeitslosenanteil": 1,  # Arbeitslose
        "mindestsicherungsquote": 8 + 2,  # LB 8 + AsylbLG 2 (ohne Zuordnung liefert nicht alle fünf Leistungen)
        "kita_versorgung_u3": 5, "kita_versorgung_ue3": 3,  # Kindertagespflege ohne Zuordnung
        "wohngeld_je_1000": 2,  # Wohngeldhaushalte „keine Angabe“
    }
    for indikator in ERWARTET:
        gebiete = sum(werte[(indikator, G, g)][1] for g in ("A1", "A2", "B3"))
        assert werte[(indikator, GEM, AGS)][1] - gebiete == ohne_zuordnung.get(indikator, 0), indikator
    # Nenner: auch bei BG liefert die Quelle 5 BG ohne Zuordnung: 180 − (60 + 15 + 100) = 5
    assert werte[("alleinerziehende_bg", GEM, AGS)][2] - (60 + 15 + 100) == 5
