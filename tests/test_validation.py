"""Prüfungen (Great Expectations als Asset-Checks) an echten Materialisierungen.

Grundlage: echte Dateien aller sieben Quellen für die Teststadt (2021 und 2022), geladen über die echten
Definitions. Dann wird je Regel ein gezielter Fehler in die Rohtabellen geschrieben – so, als hätte ihn ein
älterer Leser oder ein Handimport durchgelassen – und erneut materialisiert. Jede Regel muss ihren Fehler finden:
zeilenweise Regeln verschieben genau die Fehlzeile in die Quarantäne, blockierende halten nachgelagerte Assets
an, Warnungen melden nur.

Lauf A enthält die Fehler aller Quellen außer der Bevölkerung, Lauf B die der Bevölkerung (ein blockierender
Fehler dort hält auch die Prüfungen an, die Einwohnerzahlen brauchen).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.assets.ingest import EINGANG_CHECK
from pipelines.ausfuehren import alles_ausfuehren
from sozial_dwh.config import Paths
from sozial_dwh.validation.regeln import REGELN
from tests.fixtures import make_reference, write_xlsx

D21, D22, ZUKUNFT = dt.date(2021, 12, 31), dt.date(2022, 12, 31), dt.date(2099, 12, 31)
BANDS = ["unter 15", "15 bis 24", "25 bis 64", "65 und älter"]
# Einwohner (m, w) je Band. A1: 900, unter 65 = 720, 15–64 = 600; A2: 500, 350, 290; B3: 1500, 1150, 950.
POP = {
    "A1": [(60, 60), (50, 50), (250, 250), (100, 80)],
    "A2": [(30, 30), (20, 20), (120, 130), (70, 80)],
    "B3": [(100, 100), (80, 70), (400, 400), (150, 200)],
}
# SGB II: BG, LB, ELB, NEF, NEF u15, LB u18, Alleinerziehende BG (LB = ELB + NEF; LB ≤ unter 65; ELB ≤ 15–64)
SGB2 = {"A1": [50, 100, 70, 30, 25, 35, 9], "A2": [10, 20, 14, 6, 5, 7, 2], "B3": [40, 80, 60, 20, 18, 24, 7]}
# Arbeitslose insgesamt, SGB II, SGB III (insgesamt = SGB II + SGB III; ≤ 15–64)
ALO = {"A1": (60, 40, 20), "A2": (12, 8, 4), "B3": (50, 30, 20)}
GRUSI = {"A1": (30, 4), "A2": (10, 1), "B3": (20, 3)}  # Grundsicherung im Alter, Hilfe zum Lebensunterhalt
# Merkmale (merkmale.csv): Wohngeldhaushalte (Art anzahl) und Wanderungssaldo (Art saldo: negativ ist kein Fehler)
MERKMALE = {D21: {"A1": (10, -5), "A2": (4, 2), "B3": (8, 1)}, D22: {"A1": (11, -3), "A2": (5, 0), "B3": (9, 4)}}


def write_base_files(inbox: Path) -> None:
    for day in (D21, D22):
        titel = [f"Stand {day:%d.%m.%Y}"]  # die Dateien beider Jahre sind nicht byte-gleich
        rows = [titel, ["Gebiet", "Altersgruppe", "Geschlecht", "Anzahl"]]
        for gebiet, bands in POP.items():
            for band, (m, w) in zip(BANDS, bands, strict=True):
                rows += [[gebiet, band, "männlich", m], [gebiet, band, "weiblich", w]]
        write_xlsx(inbox / f"bevoelkerung_{day}.xlsx", {"Daten": rows})
        write_xlsx(inbox / f"sgb2_{day}.xlsx", {"SGB II": [
            titel, ["Gebiet", "BG", "LB", "ELB", "NEF", "NEF u15", "LB unter 18", "Alleinerziehende BG"],
            *[[g, *v] for g, v in SGB2.items()]]})
        rows = [titel, ["Gebiet", "Rechtskreis", "Anzahl"]]
        for gebiet, (insgesamt, sgb2, sgb3) in ALO.items():
            rows += [[gebiet, "insgesamt", insgesamt], [gebiet, "SGB II", sgb2], [gebiet, "SGB III", sgb3]]
        write_xlsx(inbox / f"arbeitslose_{day}.xlsx", {"Daten": rows})
        write_xlsx(inbox / f"grundsicherung_{day}.xlsx", {"Daten": [
            titel, ["Gebiet", "Grundsicherung im Alter", "Hilfe zum Lebensunterhalt"], *[[g, *v] for g, v in GRUSI.items()]]})
        write_xlsx(inbox / f"merkmale_{day}.xlsx", {"Daten": [
            titel, ["Gebiet", "Wohngeldhaushalte", "Wanderungssaldo"], *[[g, *v] for g, v in MERKMALE[day].items()]]})
    write_xlsx(inbox / "kita_2022-03-01.xlsx", {"Kitas": [
        ["Einrichtung", "Träger", "Gebiet", "Plätze U3", "Plätze Ü3", "Adresse"],
        ["Kita Sonne", "Stadt", "A1", 10, 40, "Weg 1"],
        ["Kita Mond", "AWO", "A2", 12, 30, "Weg 2"],
        ["Kita Stern", "DRK", "B3", 8, 50, "Weg 3"],
    ]})
    write_xlsx(inbox / "konferenz_2022-09-21.xlsx", {
        "Veranstaltung": [["Titel", "Konferenz Mitte"], ["Datum", "21.09.2022"], ["Sozialräume", "SRA, SRB"]],
        "Teilnehmende": [["Organisation", "Sektor", "Sozialraum"], ["Diakonie", "freie Wohlfahrtspflege", "SRA"],
                         ["Jugendamt", "Verwaltung", "Gesamtstadt"]],
        "Ergebnisse": [["Nr", "AG", "Sozialraum", "Handlungsfeld", "Art", "Beschreibung", "Priorität"],
                       [1, "AG 1", "SRA", "Kinderbetreuung", "Bedarf", "U3-Plätze fehlen", 1],
                       [2, "AG 2", "SRB", "Mobilität/ÖPNV", "Bedarf", "Busse fehlen abends", 2]],
        "Maßnahmen": [["Nr", "Bezug Ergebnis", "Titel", "Status"], ["M1", "1", "Ausbau U3", "beschlossen"]],
    })


# Gezielte Fehler: (Regel, Lauf, Ergebnis, Zeile der Fehlzeile oder None)
CASES = {
    "sgb2_anzahl_nicht_negativ": ("A", "quarantaene", 901),
    "sgb2_gebiet_gueltig": ("A", "quarantaene", 902),
    "sgb2_merkmal_zulaessig": ("A", "quarantaene", 903),
    "sgb2_zelle_eindeutig": ("A", "blockiert", 904),
    "sgb2_stichtag_nicht_in_zukunft": ("A", "blockiert", 905),
    "sgb2_veraenderung_plausibel": ("A", "warnung", None),
    "sgb2_lb_mindestens_elb_plus_nef": ("A", "blockiert", None),
    "sgb2_lb_hoechstens_einwohner_u65": ("A", "warnung", None),
    "sgb2_elb_hoechstens_einwohner_15_64": ("A", "warnung", None),
    "arbeitslose_anzahl_nicht_negativ": ("A", "quarantaene", 911),
    "arbeitslose_gebiet_gueltig": ("A", "quarantaene", 912),
    "arbeitslose_rechtskreis_zulaessig": ("A", "quarantaene", 913),
    "arbeitslose_merkmal_zulaessig": ("A", "quarantaene", 914),
    "arbeitslose_zelle_eindeutig": ("A", "blockiert", 915),
    "arbeitslose_stichtag_nicht_in_zukunft": ("A", "blockiert", 916),
    "arbeitslose_summe_rechtskreise": ("A", "blockiert", None),
    "arbeitslose_hoechstens_einwohner_15_64": ("A", "warnung", None),
    "arbeitslose_veraenderung_plausibel": ("A", "warnung", None),
    "grundsicherung_anzahl_nicht_negativ": ("A", "quarantaene", None),
    "grundsicherung_gebiet_gueltig": ("A", "quarantaene", 922),
    "grundsicherung_leistungsart_zulaessig": ("A", "quarantaene", 923),
    "grundsicherung_zelle_eindeutig": ("A", "blockiert", 924),
    "grundsicherung_stichtag_nicht_in_zukunft": ("A", "blockiert", 925),
    "grundsicherung_veraenderung_plausibel": ("A", "warnung", None),
    "kita_plaetze_u3_nicht_negativ": ("A", "quarantaene", None),
    "kita_plaetze_ue3_nicht_negativ": ("A", "quarantaene", None),
    "kita_gebiet_gueltig": ("A", "quarantaene", 933),
    "kita_einrichtung_eindeutig": ("A", "blockiert", 934),
    "kita_stichtag_nicht_in_zukunft": ("A", "blockiert", 935),
    "konferenz_handlungsfeld_zulaessig": ("A", "quarantaene", 941),
    "konferenz_art_zulaessig": ("A", "quarantaene", 942),
    "konferenz_prioritaet_1_bis_3": ("A", "quarantaene", 943),
    "konferenz_ergebnis_raum_gueltig": ("A", "quarantaene", 944),
    "konferenz_ergebnis_nr_eindeutig": ("A", "blockiert", 945),
    "konferenz_beschreibung_vorhanden": ("A", "warnung", 941),
    "konferenz_datum_nicht_in_zukunft": ("A", "blockiert", None),
    "konferenz_sektor_zulaessig": ("A", "quarantaene", 946),
    "konferenz_teilnehmende_raum_gueltig": ("A", "quarantaene", 947),
    "konferenz_status_zulaessig": ("A", "quarantaene", 948),
    "konferenz_massnahme_nr_eindeutig": ("A", "blockiert", 949),
    "merkmale_anzahl_nicht_negativ": ("A", "quarantaene", 961),
    "merkmale_gebiet_gueltig": ("A", "quarantaene", 962),
    "merkmale_geschlecht_zulaessig": ("A", "quarantaene", 963),
    "merkmale_merkmal_erklaert": ("A", "quarantaene", 964),
    "merkmale_zelle_eindeutig": ("A", "blockiert", 965),
    "merkmale_stichtag_nicht_in_zukunft": ("A", "blockiert", 966),
    "merkmale_veraenderung_plausibel": ("A", "warnung", None),
    "bevoelkerung_anzahl_nicht_negativ": ("B", "quarantaene", 951),
    "bevoelkerung_gebiet_gueltig": ("B", "quarantaene", 952),
    "bevoelkerung_geschlecht_zulaessig": ("B", "quarantaene", 953),
    "bevoelkerung_staatsangehoerigkeit_zulaessig": ("B", "quarantaene", 954),
    "bevoelkerung_migrationshintergrund_zulaessig": ("B", "quarantaene", 955),
    "bevoelkerung_zelle_eindeutig": ("B", "blockiert", 956),
    "bevoelkerung_stichtag_nicht_in_zukunft": ("B", "blockiert", 957),
    "bevoelkerung_summe_geschlecht": ("B", "blockiert", 958),
    "bevoelkerung_veraenderung_plausibel": ("B", "warnung", 959),
}


def datei(con, quelle: str, stichtag: dt.date | None = None) -> int:
    rows = con.execute("select datei_id from ops.dateien where quelle = ? and status = 'geladen' "
                       "and (? is null or stichtag = ?) order by datei_id desc", [quelle, stichtag, stichtag]).fetchall()
    return rows[0][0]


def corrupt_a(con) -> None:
    s21, s22 = datei(con, "sgb2", D21), datei(con, "sgb2", D22)
    sgb2 = "insert into raw.sgb2 (datei_id, blatt, zeile, stichtag, gebiet_id, merkmal, anzahl) values (?, 'Test', ?, ?, ?, ?, ?)"
    con.execute("update raw.sgb2 set anzahl = -5, blatt = 'Test', zeile = 901 "
                "where datei_id = ? and gebiet_id = 'A2' and merkmal = 'lb_u18'", [s22])
    con.execute(sgb2, [s22, 902, D22, "B1", "bg_alleinerziehend", 1])  # B1 gilt nur bis 2019
    con.execute(sgb2, [s22, 903, D22, "A1", "wohngeld", 3])
    con.execute(sgb2, [s22, 904, D22, "A1", "nef_u15", 25])  # dieselbe Zelle ein zweites Mal
    con.execute(sgb2, [s22, 905, ZUKUNFT, "A1", "bedarfsgemeinschaften", 50])
    # A1: LB 100 -> 200 (Veränderung 100 % > 25 %); A2: ELB 30 + NEF 6 = 36 > LB 20
    con.execute("update raw.sgb2 set anzahl = 200 where datei_id = ? and gebiet_id = 'A1' and merkmal = 'leistungsberechtigte'", [s22])
    con.execute("update raw.sgb2 set anzahl = 30 where datei_id = ? and gebiet_id = 'A2' and merkmal = 'elb'", [s22])
    # B3 2021: LB 2000 > 1150 Einwohner unter 65; B3 2022: ELB 1000 > 950 Einwohner 15–64, LB 1100 ≥ 1000 + 20
    con.execute("update raw.sgb2 set anzahl = 2000 where datei_id = ? and gebiet_id = 'B3' and merkmal = 'leistungsberechtigte'", [s21])
    con.execute("update raw.sgb2 set anzahl = 1100 where datei_id = ? and gebiet_id = 'B3' and merkmal = 'leistungsberechtigte'", [s22])
    con.execute("update raw.sgb2 set anzahl = 1000 where datei_id = ? and gebiet_id = 'B3' and merkmal = 'elb'", [s22])

    a21, a22 = datei(con, "arbeitslose", D21), datei(con, "arbeitslose", D22)
    alo = ("insert into raw.arbeitslose (datei_id, blatt, zeile, stichtag, gebiet_id, rechtskreis, merkmal, anzahl) "
           "values (?, 'Test', ?, ?, ?, ?, ?, ?)")
    con.execute(alo, [a22, 911, D22, "A1", "insgesamt", "unter25", -3])
    con.execute(alo, [a22, 912, D22, "B2", "insgesamt", "langzeitarbeitslos", 5])
    con.execute(alo, [a22, 913, D22, "A1", "sgb12", "insgesamt", 3])
    con.execute(alo, [a22, 914, D22, "A2", "insgesamt", "frauen", 4])
    con.execute(alo, [a22, 915, D22, "A2", "sgb2", "insgesamt", 8])  # doppelt
    con.execute(alo, [a22, 916, ZUKUNFT, "A1", "insgesamt", "55plus", 5])
    # B3 2021: SGB II 35 + SGB III 20 = 55 ≠ 50 insgesamt
    con.execute("update raw.arbeitslose set anzahl = 35 where datei_id = ? and gebiet_id = 'B3' and rechtskreis = 'sgb2'", [a21])
    # A2 2021: 300 Arbeitslose (296 + 4) > 290 Einwohner 15–64; 2022 nur 12: Veränderung 96 %
    for rechtskreis, anzahl in (("insgesamt", 300), ("sgb2", 296), ("sgb3", 4)):
        con.execute("update raw.arbeitslose set anzahl = ? where datei_id = ? and gebiet_id = 'A2' and rechtskreis = ?",
                    [anzahl, a21, rechtskreis])

    g21, g22 = datei(con, "grundsicherung", D21), datei(con, "grundsicherung", D22)
    gru = ("insert into raw.grundsicherung (datei_id, blatt, zeile, stichtag, gebiet_id, leistungsart, alter_von, "
           "alter_bis, anzahl) values (?, 'Test', ?, ?, ?, ?, 0, null, ?)")
    con.execute("update raw.grundsicherung set anzahl = -2 where datei_id = ? and gebiet_id = 'A1' and leistungsart = 'hlu'", [g22])
    con.execute(gru, [g22, 922, D22, "B1", "grusi_em", 3])
    con.execute(gru, [g22, 923, D22, "A1", "wohngeld", 5])
    con.execute(gru, [g22, 924, D22, "A2", "grusi_alter", 10])  # doppelt
    con.execute(gru, [g22, 925, ZUKUNFT, "A2", "hlu", 1])
    # B3: 2021 150 + 3 = 153, 2022 20 + 3 = 23: Veränderung 85 %
    con.execute("update raw.grundsicherung set anzahl = 150 where datei_id = ? and gebiet_id = 'B3' and leistungsart = 'grusi_alter'", [g21])

    k = datei(con, "kita")
    kita = ("insert into raw.kita (datei_id, blatt, zeile, stichtag, gebiet_id, einrichtung, adresse, plaetze_u3, "
            "plaetze_ue3) values (?, 'Test', ?, ?, ?, ?, ?, 5, 20)")
    con.execute("update raw.kita set plaetze_u3 = -4 where einrichtung = 'Kita Sonne'")
    con.execute("update raw.kita set plaetze_ue3 = -1 where einrichtung = 'Kita Mond'")
    con.execute(kita, [k, 933, dt.date(2022, 3, 1), "B1", "Kita Alt", "Weg 9"])
    con.execute(kita, [k, 934, dt.date(2022, 3, 1), "B3", "Kita Stern", "Weg 3"])  # doppelt
    con.execute(kita, [k, 935, dt.date(2099, 3, 1), "A1", "Kita Zukunft", "Weg 5"])

    f = datei(con, "konferenz")
    erg = ("insert into raw.konferenz_ergebnisse (datei_id, blatt, zeile, nr, raum_id, raum_ebene, handlungsfeld, art, "
           "prioritaet) values (?, 'Ergebnisse', ?, ?, ?, 'sozialraum', ?, ?, ?)")
    con.execute(erg, [f, 941, "11", "SRA", "Astrologie", "Bedarf", 1])
    con.execute(erg, [f, 942, "12", "SRA", "Jugend", "Wunsch", 1])
    con.execute(erg, [f, 943, "13", "SRA", "Jugend", "Bedarf", 7])
    con.execute(erg, [f, 944, "14", "SRX", "Jugend", "Bedarf", 1])
    con.execute(erg, [f, 945, "1", "SRB", "Wohnen", "Bedarf", 2])  # Nr 1 doppelt
    con.execute("insert into raw.konferenz_teilnehmende (datei_id, blatt, zeile, organisation, sektor, raum_id, raum_ebene) "
                "values (?, 'Teilnehmende', 946, 'Zirkus Roncalli', 'Zirkus', 'SRA', 'sozialraum'), "
                "(?, 'Teilnehmende', 947, 'Verein X', 'Verein', 'SRX', 'sozialraum')", [f, f])
    con.execute("insert into raw.konferenz_massnahmen (datei_id, blatt, zeile, nr, titel, status) values "
                "(?, 'Maßnahmen', 948, 'M2', 'Etwas', 'erledigt'), (?, 'Maßnahmen', 949, 'M1', 'Nochmal', 'beschlossen')",
                [f, f])
    con.execute("update raw.konferenz_veranstaltung set datum = ? where datei_id = ?", [dt.date(2099, 1, 1), f])

    m21, m22 = datei(con, "merkmale", D21), datei(con, "merkmale", D22)
    mer = ("insert into raw.merkmale (datei_id, blatt, zeile, stichtag, gebiet_id, merkmal, geschlecht, wert) "
           "values (?, 'Test', ?, ?, ?, ?, ?, ?)")
    # A2 Wohngeldhaushalte (Art anzahl) -6: Fehler; der Wanderungssaldo (Art saldo) darf negativ sein
    con.execute("update raw.merkmale set wert = -6, blatt = 'Test', zeile = 961 "
                "where datei_id = ? and gebiet_id = 'A2' and merkmal = 'wohngeld_haushalte'", [m22])
    con.execute(mer, [m22, 962, D22, "B2", "wohngeld_haushalte", "insgesamt", 3])  # B2 gilt nur bis 2019
    con.execute(mer, [m22, 963, D22, "A1", "wohngeld_haushalte", "x", 2])
    con.execute(mer, [m22, 964, D22, "A1", "fantasiemerkmal", "insgesamt", 1])  # nicht in merkmale.csv
    con.execute(mer, [m22, 965, D22, "B3", "wanderungssaldo", "insgesamt", 7])  # doppelt
    con.execute(mer, [m22, 966, ZUKUNFT, "A1", "wohngeld_haushalte", "insgesamt", 12])
    # B3 Wohngeldhaushalte 2021 100 -> 2022 9: Veränderung 91 % (Basis 100 ≥ veraenderung_min_basis)
    con.execute("update raw.merkmale set wert = 100 where datei_id = ? and gebiet_id = 'B3' "
                "and merkmal = 'wohngeld_haushalte'", [m21])


def corrupt_b(con) -> None:
    b21, b22 = datei(con, "bevoelkerung", D21), datei(con, "bevoelkerung", D22)
    bev = ("insert into raw.bevoelkerung (datei_id, blatt, zeile, stichtag, gebiet_id, alter_von, alter_bis, geschlecht, "
           "staatsangehoerigkeit, migrationshintergrund, anzahl) values (?, 'Test', ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    i = "insgesamt"
    con.execute(bev, [b22, 951, D22, "A1", 90, None, i, i, i, -7])
    con.execute(bev, [b22, 952, D22, "B2", 0, None, i, i, i, 100])  # B2 gilt nur bis 2019
    con.execute(bev, [b22, 953, D22, "A2", 0, 14, "x", i, i, 5])
    con.execute(bev, [b22, 954, D22, "A2", 0, None, i, "staatenlos", i, 3])
    con.execute(bev, [b22, 955, D22, "A2", 0, None, i, i, "vielleicht", 3])
    con.execute(bev, [b22, 956, D22, "B3", 25, 64, "m", i, i, 400])  # doppelt
    con.execute(bev, [b22, 957, ZUKUNFT, "A1", 0, None, i, i, i, 1000])
    # A1 2021, alle Alter: insgesamt 1000, aber männlich 480 + weiblich 500 = 980
    con.execute(bev, [b21, 958, D21, "A1", 0, None, i, i, i, 1000])
    con.execute(bev, [b21, 0, D21, "A1", 0, None, "m", i, i, 480])
    con.execute(bev, [b21, 0, D21, "A1", 0, None, "w", i, i, 500])
    # A1 2022, alle Alter: 2000 gegenüber 1000 im Vorjahr = Veränderung 100 %
    con.execute(bev, [b22, 959, D22, "A1", 0, None, i, i, i, 2000])


def run() -> dg.ExecuteInProcessResult:
    return alles_ausfuehren(instance=dg.DagsterInstance.ephemeral(),
                                                            raise_on_error=False)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("pruefung")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOZIAL_DWH_HOME", str(base / "home"))
        mp.setenv("SOZIAL_DWH_REFERENCE", str(make_reference(base / "reference")))
        mp.setenv("DAGSTER_HOME", str(base / "dagster"))
        mp.setenv("SOZIAL_DWH_SCHREIBPAUSE_S", "0")
        (base / "dagster").mkdir()
        paths = Paths.from_env().ensure()
        write_base_files(paths.inbox)
        sauber = run()
        outcomes = {"sauber": _collect(sauber, paths)}
        with duckdb.connect(str(paths.warehouse)) as con:
            corrupt_a(con)
        outcomes["A"] = _collect(run(), paths)
        with duckdb.connect(str(paths.warehouse)) as con:
            corrupt_b(con)
        outcomes["B"] = _collect(run(), paths)
        yield paths, outcomes


def _collect(result: dg.ExecuteInProcessResult, paths: Paths) -> dict:
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        quarantine = con.execute("select pruefung, blatt, zeile, grund, datei_id from quarantine.zeilen "
                                 "where pruefung is not null").fetchall()
        dateien = con.execute("select status, count(*) from ops.dateien group by status").fetchall()
    return {
        "success": result.success,
        # die Prüfregeln der Staging-Tabellen; der Check des Eingangs (Dateien abgelehnt?) ist kein solcher
        "checks": {e.check_name: e for e in result.get_asset_check_evaluations() if e.check_name != EINGANG_CHECK},
        "materialised": {tuple(e.asset_key.path) for e in result.get_asset_materialization_events()},
        "quarantine": quarantine,
        "dateien": dict(dateien),
    }


def test_every_rule_has_a_failing_fixture():
    assert set(CASES) == {r.id for r in REGELN}


def test_clean_files_pass_every_check(runs):
    _, outcomes = runs
    clean = outcomes["sauber"]
    assert clean["dateien"] == {"geladen": 12}
    assert set(clean["checks"]) == set(CASES)
    failed = {name: e.metadata["beobachtet"].value for name, e in clean["checks"].items() if not e.passed}
    assert failed == {}
    assert clean["quarantine"] == []
    assert ("mart", "indikator_werte") in clean["materialised"]


@pytest.mark.parametrize("regel", sorted(CASES))
def test_rule_catches_its_fixture(runs, regel: str):
    paths, outcomes = runs
    lauf, erwartet, zeile = CASES[regel]
    outcome = outcomes[lauf]
    evaluation = outcomes[lauf]["checks"][regel]
    assert evaluation.passed is False, f"{regel} hat den Fehler nicht gefunden"
    # Beispiele als Tabelle für Menschen: jede Zelle Text (Zeile 5 → „5“, fehlend → „–“)
    beispiele = ([r.data for r in evaluation.metadata["beispiele"].records] if "beispiele" in evaluation.metadata
                 else [])
    assert evaluation.metadata["erwartung"].value.startswith("Expect")
    if zeile is not None:
        assert str(zeile) in [b["zeile"] for b in beispiele], beispiele
    assert all({"datei", "blatt", "zeile"} <= set(b) for b in beispiele)
    if erwartet == "blockiert":
        assert evaluation.blocking is True and evaluation.severity == dg.AssetCheckSeverity.ERROR
    else:
        assert evaluation.severity == dg.AssetCheckSeverity.WARN and not evaluation.blocking
    held = [q for q in outcome["quarantine"] if q[0] == regel]
    if erwartet == "quarantaene":
        assert held, f"{regel}: keine Zeile in der Quarantäne"
        assert all(q[3].startswith(f"Prüfung {regel}:") and q[4] is not None for q in held)
        if zeile is not None:
            assert [q[2] for q in held] == [zeile]
    else:
        assert held == []


def test_quarantined_rows_leave_staging_rest_goes_on(runs):
    paths, outcomes = runs
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        # Kita 2022: Sonne (U3 −4) und Mond (Ü3 −1) und die Einrichtung in B1 sind in Quarantäne; Stern (zweimal,
        # blockierend, bleibt), Zukunft bleiben in Staging.
        kitas = sorted(r[0] for r in con.execute("select einrichtung from staging.stg_kita").fetchall())
        assert kitas == ["Kita Stern", "Kita Stern", "Kita Zukunft"]
        # SGB II: die Zeilen 901–903 fehlen in Staging, die übrigen A2-Werte sind da
        zeilen = {r[0] for r in con.execute("select zeile from staging.stg_sgb2").fetchall()}
        assert not {901, 902, 903} & zeilen and {904, 905} <= zeilen


def test_blocking_error_stops_downstream_assets(runs):
    _, outcomes = runs
    # Lauf A: Bevölkerung sauber -> Fakten und Indikatoren entstehen; Lauf B: blockierender Fehler in der Bevölkerung
    assert ("core", "fact_bevoelkerung") in outcomes["A"]["materialised"]
    assert ("staging", "stg_bevoelkerung") in outcomes["B"]["materialised"]
    for key in [("core", "fact_bevoelkerung"), ("core", "groessen_bevoelkerung"), ("mart", "indikator_werte"),
                ("ops", "analysekopie"), ("staging", "stg_sgb2")]:
        assert key not in outcomes["B"]["materialised"], key


def test_results_kept_in_ops_and_html_report(runs):
    paths, _ = runs
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        laeufe = con.execute("select count(distinct lauf_id) from ops.pruefungen").fetchall()[0][0]
        row = con.execute("select beispiele, lauf_id from ops.pruefungen where pruefung = 'sgb2_merkmal_zulaessig' "
                          "and not erfolgreich").fetchall()[0]
    assert laeufe == 3
    assert json.loads(row[0])[0]["zeile"] == 903
    report = (paths.home / "pruefberichte" / f"pruefbericht_{row[1]}.html").read_text(encoding="utf-8")
    assert "sgb2_merkmal_zulaessig" in report and "Quarantäne" in report and "wohngeld" in report


def test_pruefung_in_stuecken_wie_in_einem(runs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Große Prüfdaten werden in Stücken geprüft, jedes Gebiet ganz in einem (`pruefen._stuecke`): dieselben
    Ergebnisse, Beispiele und Quarantänezeilen wie in einem Stück – auch für die Eindeutigkeit über Zeilen hinweg."""
    from sozial_dwh.validation import pruefen

    paths, _ = runs
    i = "insgesamt"
    fehler = [  # Zeile, Gebiet, von, bis, Geschlecht, Staatsangehörigkeit, Anzahl
        (9001, "A1", 90, None, i, i, -7),  # negativ -> Quarantäne
        (9002, "A2", 0, 14, "x", i, 5),  # Geschlecht unzulässig -> Quarantäne
        (9003, "B2", 0, None, i, i, 100),  # B2 gilt 2022 nicht -> Quarantäne
        (9004, "B3", 70, 74, i, "staatenlos", 3),  # Staatsangehörigkeit unzulässig -> Quarantäne
        (9005, "A1", 25, 64, "m", i, 400), (9006, "A1", 25, 64, "m", i, 401),  # doppelt -> blockiert
    ]
    ergebnisse = {}
    for name, stueck in (("ganz", None), ("stuecke", 3)):
        kopie = tmp_path / f"{name}.duckdb"
        shutil.copy(paths.warehouse, kopie)
        with duckdb.connect(str(kopie)) as con:
            datei_id = datei(con, "bevoelkerung", D22)
            for zeile, gebiet, von, bis, geschlecht, staat, anzahl in fehler:
                con.execute("insert into staging.stg_bevoelkerung by name select ? as stichtag, ? as gebiet_id, "
                            "'09999999' as gemeinde_id, false as ist_pseudo, ? as alter_von, ? as alter_bis, "
                            "? as geschlecht, ? as staatsangehoerigkeit, 'insgesamt' as migrationshintergrund, "
                            "? as anzahl, ? as datei_id, 'Test' as blatt, ? as zeile",
                            [D22, gebiet, von, bis, geschlecht, staat, anzahl, datei_id, zeile])
            zeilen = con.execute("select count(*) from staging.stg_bevoelkerung").fetchall()[0][0]
            if stueck:
                monkeypatch.setattr(pruefen, "PRUEF_STUECK", stueck)
            res = pruefen.pruefe_tabelle(con, "staging.stg_bevoelkerung", pruefen.lade_parameter(paths.reference))
            ergebnisse[name] = (
                sorted((e.regel.id, e.erfolgreich, e.zeilen, e.fehlzeilen, e.beobachtet, e.quarantaene,
                        sorted(b["zeile"] for b in e.beispiele)) for e in res),
                sorted(con.execute("select pruefung, zeile, wert from quarantine.zeilen where zeile > 9000").fetchall()),
                sorted(r[0] for r in con.execute("select zeile from staging.stg_bevoelkerung where zeile > 9000").fetchall()),
            )
    assert zeilen // 3 >= 20  # viele Stücke
    assert ergebnisse["stuecke"] == ergebnisse["ganz"]
    regeln, quarantaene, bleiben = ergebnisse["ganz"]
    assert [q[:2] for q in quarantaene] == [("bevoelkerung_anzahl_nicht_negativ", 9001),
                                           ("bevoelkerung_gebiet_gueltig", 9003),
                                           ("bevoelkerung_geschlecht_zulaessig", 9002),
                                           ("bevoelkerung_staatsangehoerigkeit_zulaessig", 9004)]
    assert bleiben == [9005, 9006]
    eindeutig = next(r for r in regeln if r[0] == "bevoelkerung_zelle_eindeutig")
    assert eindeutig[1] is False and {9005, 9006} <= set(eindeutig[6])
