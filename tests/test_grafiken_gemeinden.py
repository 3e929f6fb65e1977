"""Die Grafiken neben den Tabellen einer Ausgabe (`sozial_dwh.bericht.ausgabe._grafiken`) bei mehreren Gemeinden:
je Gemeinde eine Grafik mit ihren Sozialräumen und ihrem eigenen Wert als Bezug. Vorher entstand eine Balkengrafik
über alle Sozialräume des Warehouses (lange CSV, 199 Gemeinden: 945 × 53.120 Pixel, ohne Bezugslinie).

Gemessen wird die Höhe der PNG-Dateien: sie folgt aus der Zahl der Balken (`grafiken._hoehe_fuer`: mindestens
10 cm, sonst 4 cm + 0,5 cm je Balken, dazu Platz für umbrochene Namen; 150 dpi).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from PIL import Image

from sozial_dwh.bericht.ausgabe import Ausgabe, _grafiken
from sozial_dwh.bericht.tabellen import tabelle


def _px(cm: float) -> int:
    return round(cm / 2.54 * 150)


def _tabellen(gemeinden: dict[str, int]) -> list:
    """Sozialleistungen und Zeitreihe zum 31.12.2022: je Gemeinde eine Zeile und `n` Sozialräume; kein Sozialindex."""
    zeilen = []
    for ags, n in gemeinden.items():
        zeilen.append({"ebene": "gemeinde", "raum_id": ags, "raum": f"Gemeinde {ags}", "gemeinde_id": ags,
                       "sgb2_quote": 10.0})
        zeilen += [{"ebene": "sozialraum", "raum_id": f"{ags}-SR{i:02d}", "raum": f"Raum {i} ({ags})",
                    "gemeinde_id": ags, "sgb2_quote": 5.0 + i} for i in range(1, n + 1)]
    leistungen = pd.DataFrame(zeilen)
    reihe = leistungen.assign(stichtag=dt.date(2022, 12, 31))
    index = pd.DataFrame(columns=["ebene", "raum_id", "raum", "statusindex", "statusklasse"])
    return [(tabelle(name), frame, pd.DataFrame(False, index=frame.index, columns=frame.columns))
            for name, frame in (("sozialleistungen", leistungen), ("zeitreihe", reihe), ("sozialindex", index))]


def _ausgabe() -> Ausgabe:
    return Ausgabe("2022", "Bericht 2022", dt.date(2022, 12, 31), None, None, "entwurf", None, 2)


def test_je_gemeinde_eine_grafik_mit_ihren_sozialraeumen(tmp_path: Path):
    pfade = _grafiken(None, _ausgabe(), _tabellen({"05962024": 20, "05962025": 12}), tmp_path)
    assert sorted(p.name for p in pfade) == [
        "sgb2_quote_sozialraeume_05962024.png", "sgb2_quote_sozialraeume_05962025.png",
        "sgb2_quote_zeitreihe_05962024.png", "sgb2_quote_zeitreihe_05962025.png"]
    # 20 Balken: 4 + 0,5 · 20 = 14 cm; 12 Balken: 4 + 6 = 10 cm (Mindesthöhe); alle 32 zusammen wären 20 cm
    assert Image.open(tmp_path / "sgb2_quote_sozialraeume_05962024.png").size == (945, _px(14))
    assert Image.open(tmp_path / "sgb2_quote_sozialraeume_05962025.png").size == (945, _px(10))


def test_eine_gemeinde_wie_bisher(tmp_path: Path):
    pfade = _grafiken(None, _ausgabe(), _tabellen({"05962024": 20}), tmp_path)
    assert sorted(p.name for p in pfade) == ["sgb2_quote_sozialraeume.png", "sgb2_quote_zeitreihe.png"]
    assert Image.open(tmp_path / "sgb2_quote_sozialraeume.png").size == (945, _px(14))


def test_umbrochene_namen_bekommen_platz(tmp_path: Path):
    # In einem Kreis tragen Sozialräume oft den Gemeindenamen („Zentrum – Beispielgemeinde 002“) und brechen nach
    # 26 Zeichen um (`grafiken._namen`). Neun Namen mit je einer zweiten Zeile: 4 + 0,5 · 9 + 0,4 · 9 = 12,1 cm;
    # die Sozialindex-Grafik (Legende unter der Achse) 2,5 cm mehr: 14,6 cm. Ohne Umbruch bliebe es bei 10 cm.
    from sozial_dwh.bericht import grafiken

    namen = [f"Raum mit langem Namen Nr. {i}" for i in range(1, 10)]  # 27 Zeichen: „… Nr.“ | „1“
    assert all(n.count("\n") == 1 for n in grafiken._namen(pd.Series(namen)))
    balken = grafiken.balken_mit_gemeinde(pd.DataFrame({"name": namen, "wert": [5.0 + i for i in range(9)]}), 8.0,
                                          "Probe", "%", tmp_path / "balken.png")
    index = grafiken.sozialindex_klassen(pd.DataFrame({"name": namen, "statusindex": [0.1 * i for i in range(9)],
                                                       "statusklasse": ["mittel"] * 9}),
                                         "Probe", tmp_path / "index.png",
                                         [("hoch", -1.0), ("mittel", 1.0), ("niedrig", None)])
    assert Image.open(balken).size == (945, _px(12.1))
    assert Image.open(index).size == (945, _px(14.6))
    kurz = grafiken.balken_mit_gemeinde(pd.DataFrame({"name": [f"Raum {i}" for i in range(9)], "wert": [1.0] * 9}),
                                        None, "Probe", "%", tmp_path / "kurz.png")
    assert Image.open(kurz).size == (945, _px(10))
