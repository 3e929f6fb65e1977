"""Die Arbeitsmappe einer Berichtsausgabe entsteht Blatt für Blatt, große Blätter in Stücken (Issue 17):

- dieselben Bytes, wie openpyxl sie schreibt, wenn die ganze Mappe auf einmal im Speicher steht – für eine Tabelle
  über mehrere Stücke (mit Summenzeilen, gesperrten Zellen, Fußnoten) und eine leere Tabelle;
- der Speicher beim Schreiben wächst nicht mit der Zahl der Zeilen (tracemalloc zählt jede Zuweisung von Python,
  unabhängig von der Laufzeit): zehnmal so viele Zeilen brauchen keine doppelte Spitze. Vorher hielt openpyxl alle
  Zellen bis zum Speichern (gut 500 Byte je Zelle).
"""

from __future__ import annotations

import datetime as dt
import tracemalloc
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from sozial_dwh.bericht import dateien
from sozial_dwh.bericht.modell import Spalte, Tabelle
from sozial_dwh.xlsx import save_reproducible

TABELLE = Tabelle("probe", "Probe", "Probe nach Sozialräumen", (
    Spalte("ebene", "Ebene", sichtbar=False),
    Spalte("nr", "Nr", "schluessel"),
    Spalte("text", "Sozialraum mit einer langen Überschrift, die umbricht", breite=30),
    Spalte("anzahl", "Anzahl", "anzahl", nachkommastellen=0),
    Spalte("quote", "Quote", "quote", "%", nachkommastellen=1),
), beschreibung="Eine Probe mit Summenzeilen.", summe_spalte="ebene")
ZEITPUNKT = dt.datetime(2023, 1, 1, 8, 0)
KOPFZEILE = "Probe, Stichtag 31.12.2022"
QUELLEN = {"probe": "Quelle: Probe"}  # die leere Tabelle hat keine: ohne Fußnoten endet ihr Blatt unter dem Kopf


def probe(n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = pd.DataFrame({
        "ebene": ["gemeinde" if i % 50 == 0 else "sozialraum" for i in range(n)],
        "nr": [f"N{i:05d}" for i in range(n)],
        "text": [f"Sozialraum {i} mit etwas längerem Text, der in der Spalte umbricht" for i in range(n)],
        "anzahl": [i % 97 for i in range(n)],
        "quote": [i / 7 for i in range(n)],
    })
    maske = pd.DataFrame(False, index=frame.index, columns=frame.columns)
    maske.loc[frame.index % 13 == 0, ["anzahl", "quote"]] = True
    return frame, maske


def schreiben(pfad: Path, tabellen) -> Path:
    return dateien.schreibe_arbeitsmappe(
        pfad, tabellen, info=[("Titel", "Probe")], info_tabellen=[("Quellen", ["Datei"], [["probe.csv"]])],
        methodik=[("Methode", "Summe der Zähler durch Summe der Nenner")], methodik_tabellen=[],
        untertitel=KOPFZEILE + "; Veränderungen", quellen=QUELLEN, zeitpunkt=ZEITPUNKT)


def auf_einmal(pfad: Path, tabellen) -> Path:
    """Dieselben Blätter, alle Zellen im Speicher, gespeichert von openpyxl selbst (Bereich, Zeilen, Zip)."""
    wb = Workbook()
    wb.remove(wb.active)
    dateien._blatt_schluessel_wert(wb, "Info", [("Titel", "Probe")], [("Quellen", ["Datei"], [["probe.csv"]])],
                                   KOPFZEILE)
    for tabelle, frame, maske in tabellen:
        blatt = dateien._blatt_tabelle(wb, frame, maske, tabelle, KOPFZEILE + "; Veränderungen",
                                       QUELLEN.get(tabelle.name, ""), KOPFZEILE)
        for _ in blatt.stuecke:  # alle Zeilen anlegen, keine verwerfen
            pass
    dateien._blatt_schluessel_wert(wb, "Methodik", [("Methode", "Summe der Zähler durch Summe der Nenner")], [],
                                   KOPFZEILE)
    return save_reproducible(wb, pfad, ZEITPUNKT)


def test_in_stuecken_dieselben_bytes_wie_auf_einmal(tmp_path: Path):
    n = 2 * 500 + 7  # drei Stücke (dateien.STUECK_ZEILEN)
    frame, maske = probe(n)
    leer = Tabelle("leer", "Leer", "Leer", TABELLE.spalten, summe_spalte="ebene")
    tabellen = [(TABELLE, frame, maske), (leer, frame.iloc[0:0], maske.iloc[0:0])]
    stuecke = schreiben(tmp_path / "stuecke.xlsx", tabellen)
    ganz = auf_einmal(tmp_path / "ganz.xlsx", tabellen)
    assert stuecke.read_bytes() == ganz.read_bytes()


def _spitze(pfad: Path, n: int) -> int:
    frame, maske = probe(n)
    tracemalloc.start()
    try:
        schreiben(pfad, [(TABELLE, frame, maske)])
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_speicher_waechst_nicht_mit_den_zeilen(tmp_path: Path):
    klein = _spitze(tmp_path / "klein.xlsx", 500)
    gross = _spitze(tmp_path / "gross.xlsx", 5_000)
    assert gross < 2 * klein, f"Spitze {gross / 2**20:.1f} MB bei 5.000 Zeilen, {klein / 2**20:.1f} MB bei 500"


def test_maske_in_anderer_zeilenfolge_gilt_fuer_ihre_zeile(tmp_path: Path):
    # Die Schreiber lesen Werte und Maske spaltenweise (nicht mehr je Zelle über den Index): eine Maske in anderer
    # Zeilenfolge als die Tabelle sperrt trotzdem genau ihre Zelle. Zeilen mit Index 30, 10, 20; die Maske (Folge
    # 10, 20, 30) sperrt die Anzahl der Zeile mit Index 20 (N2), also die dritte Zeile der Ausgabe.
    frame = pd.DataFrame({"ebene": ["sozialraum", "sozialraum", "gemeinde"], "nr": ["N3", "N1", "N2"],
                          "text": ["c", "a", "b"], "anzahl": [3, 1, 2], "quote": [0.3, 0.5, 0.7]}, index=[30, 10, 20])
    maske = pd.DataFrame(False, index=[10, 20, 30], columns=frame.columns)
    maske.loc[20, "anzahl"] = True
    csv = dateien.schreibe_csv(frame, maske, TABELLE, tmp_path / "probe.csv")
    assert csv.read_bytes().decode("utf-8-sig").split("\r\n")[1:4] == ["N3;c;3;0,3", "N1;a;1;0,5", "N2;b;*;0,7"]
    from openpyxl import load_workbook

    ws = load_workbook(schreiben(tmp_path / "probe.xlsx", [(TABELLE, frame, maske)]))["Probe"]
    # Kopf in Zeile 4, Daten ab Zeile 5; sichtbar: Nr, Sozialraum, Anzahl, Quote
    assert [[c.value for c in zeile] for zeile in ws.iter_rows(min_row=5, max_row=7, max_col=4)] == [
        ["N3", "c", 3, 0.3], ["N1", "a", 1, 0.5], ["N2", "b", "*", 0.7]]
