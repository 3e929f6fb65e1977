"""Der veröffentlichte Stand je Ausgabe in `bericht.<tabelle>` (sozial_dwh/bericht/ausgabe.py), an einer echten
DuckDB-Datei: zwei Ausgaben derselben Tabelle, deren Spalten DuckDB aus pandas verschieden erschlösse.

Gefunden mit dem Benchmark bei 4 Gemeinden: In „Indikatoren nach Gebieten“ hatten die ersten gut tausend Zeilen keine
gesperrte Zelle (leere Liste), DuckDB schloss daraus den Typ NULL[] und scheiterte an der ersten Liste mit Inhalt;
eine frühere Ausgabe ohne Konferenz hinterließ eine leere Tabelle, deren Spalte `gesperrte_spalten` DOUBLE war.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from sozial_dwh.bericht.ausgabe import Ausgabe, _anlegen, _tabellen_speichern
from sozial_dwh.bericht.modell import Spalte, Tabelle

TABELLE = Tabelle("probe", "Probe", "Probe", (Spalte("raum", "Raum"), Spalte("n", "n", "anzahl"),
                                              Spalte("hinweis", "Hinweis")), summe_spalte=None)


def _ausgabe(bericht_id: str, jahr: int) -> Ausgabe:
    return Ausgabe(bericht_id, f"Bericht {jahr}", dt.date(jahr, 12, 31), None, None, "entwurf", None, 2)


def test_zwei_ausgaben_mit_spaet_gesperrten_zellen_und_leerer_tabelle(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    _anlegen(con)
    # Ausgabe 2020: die Tabelle ist leer (keine Konferenz bis zum Stichtag)
    leer = pd.DataFrame({"raum": pd.Series([], dtype=object), "n": pd.Series([], dtype="Int64"),
                         "hinweis": pd.Series([], dtype=object)})
    _tabellen_speichern(con, _ausgabe("2020", 2020), [(TABELLE, leer, leer.astype(bool))], dt.datetime(2021, 1, 1),
                        "x", tmp_path)
    # Ausgabe 2022: 20.000 Zeilen ohne Sperrung und ohne Hinweis, dazwischen zwei gesperrte Fallzahlen (1 und 2) mit
    # Hinweis an Stellen, die DuckDBs Stichprobe (1.000 Zeilen in gleichen Abständen) nicht trifft
    zeilen = 20_000
    gesperrt = [12_347, 17_001]
    frame = pd.DataFrame({"raum": [f"R{i:05d}" for i in range(zeilen)], "n": [10] * zeilen,
                          "hinweis": [None] * zeilen})
    frame.loc[gesperrt, "n"] = [1, 2]
    frame.loc[gesperrt, "hinweis"] = "klein"
    maske = pd.DataFrame(False, index=frame.index, columns=frame.columns)
    maske.loc[gesperrt, "n"] = True
    _tabellen_speichern(con, _ausgabe("2022", 2022), [(TABELLE, frame, maske)], dt.datetime(2023, 1, 1), "y",
                        tmp_path)
    typen = dict(con.execute("select column_name, data_type from duckdb_columns() where schema_name = 'bericht' "
                             "and table_name = 'probe'").fetchall())
    assert typen["gesperrte_spalten"] == "VARCHAR[]" and typen["hinweis"] == "VARCHAR"
    zeilen_2022 = con.execute("select raum, n, hinweis, gesperrte_spalten from bericht.probe where bericht_id = '2022' "
                              "and gesperrte_spalten <> [] order by raum").fetchall()
    # die beiden gesperrten Fallzahlen stehen als NULL mit ihrer Spalte in gesperrte_spalten
    assert zeilen_2022 == [("R12347", None, "klein", ["n"]), ("R17001", None, "klein", ["n"])]
    assert con.execute("select count(*) from bericht.probe where bericht_id = '2022'").fetchall() == [(zeilen,)]
    # eine dritte Ausgabe wie 2020 (leer) lässt 2022 unverändert
    _tabellen_speichern(con, _ausgabe("2023", 2023), [(TABELLE, leer, leer.astype(bool))], dt.datetime(2024, 1, 1),
                        "z", tmp_path)
    assert con.execute("select count(*) from bericht.probe where bericht_id = '2022'").fetchall() == [(zeilen,)]
