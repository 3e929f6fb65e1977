"""Die Prüfregeln je Quelle (architektur.md §9) – als Daten, nicht als Code verstreut.

Eine Regel gehört zu einer Staging-Tabelle, liest ihre Daten aus einer Abfrage in `sql/pruefungen/`
und ist genau eine Great-Expectations-Erwartung. Schwere:
- `fehler`, tabellenweit: macht nachgelagerte Zahlen falsch -> blockiert (nachgelagerte Assets laufen nicht);
- `fehler`, zeilenweise: die betroffenen Zeilen gehen mit Grund in die Quarantäne, der Rest läuft weiter;
- `warnung`: wird gemeldet, blockiert nichts.

Jede Abfrage liefert `zeilen_id` (rowid der Staging-Zeile), `datei_id`, `blatt`, `zeile` und die geprüften Spalten.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sozial_dwh.parsing import INSGESAMT, category_values
from sozial_dwh.sources.arbeitslose import MERKMALE as _ALO_MERKMALE
from sozial_dwh.sources.arbeitslose import RECHTSKREISE as _RECHTSKREISE
from sozial_dwh.sources.grundsicherung import LEISTUNGSARTEN
from sozial_dwh.sources.sgb2 import MERKMALE as SGB2_MERKMALE
from sozial_dwh.vokabular import ARTEN, HANDLUNGSFELDER, SEKTOREN, STATUS

GESCHLECHTER = [*category_values("geschlecht"), INSGESAMT]
STAATSANGEHOERIGKEITEN = [*category_values("staatsangehoerigkeit"), INSGESAMT]
MIGRATION = [*category_values("migrationshintergrund"), INSGESAMT]
RECHTSKREISE = sorted(set(_RECHTSKREISE.values()) | {INSGESAMT})
ALO_MERKMALE = sorted(set(_ALO_MERKMALE.values()) | {INSGESAMT})


@dataclass(frozen=True)
class Regel:
    id: str
    tabelle: str  # z. B. "staging.stg_sgb2"
    abfrage: str  # Datei sql/pruefungen/<abfrage>.sql
    erwartung: str  # Klassenname in great_expectations.expectations
    argumente: dict = field(default_factory=dict)  # Werte "param:<name>" kommen aus pruefparameter.csv
    beschreibung: str = ""
    schwere: str = "fehler"  # fehler | warnung
    zeilenweise: bool = False
    spalte: str | None = None  # Spalte, die die Quarantäne nennt

    @property
    def blockierend(self) -> bool:
        return self.schwere == "fehler" and not self.zeilenweise


def _wuerfel(quelle: str, merkmale: list[tuple[str, list[str], str]], schluessel: list[str]) -> list[Regel]:
    """Gemeinsame Regeln der Würfelquellen: Anzahl ≥ 0, Ausprägungen, Gebiet gültig, eindeutig, nicht in der Zukunft."""
    tabelle = f"staging.stg_{quelle}"
    abfrage = f"{quelle}_zellen"
    regeln = [
        Regel(f"{quelle}_anzahl_nicht_negativ", tabelle, abfrage, "ExpectColumnValuesToBeBetween",
              {"column": "anzahl", "min_value": 0}, "Anzahl ist 0 oder größer", zeilenweise=True, spalte="anzahl"),
        Regel(f"{quelle}_gebiet_gueltig", tabelle, abfrage, "ExpectColumnValuesToBeInSet",
              {"column": "gebiet_gueltig", "value_set": [True]},
              "Gebiet ist am Stichtag laut Gebietsgliederung gültig", zeilenweise=True, spalte="gebiet_id"),
        Regel(f"{quelle}_zelle_eindeutig", tabelle, abfrage, "ExpectCompoundColumnsToBeUnique",
              {"column_list": ["stichtag", "gebiet_id", *schluessel]},
              "Jede Würfelzelle (Stichtag, Gebiet, Merkmale) gibt es nur einmal"),
        Regel(f"{quelle}_stichtag_nicht_in_zukunft", tabelle, abfrage, "ExpectColumnValuesToBeInSet",
              {"column": "in_zukunft", "value_set": [False]}, "Stichtag liegt nicht in der Zukunft"),
    ]
    for spalte, werte, text in merkmale:
        regeln.append(Regel(f"{quelle}_{spalte}_zulaessig", tabelle, abfrage, "ExpectColumnValuesToBeInSet",
                            {"column": spalte, "value_set": werte}, f"{text} ist ein zulässiger Wert",
                            zeilenweise=True, spalte=spalte))
    regeln.append(Regel(
        f"{quelle}_veraenderung_plausibel", tabelle, f"{quelle}_veraenderung", "ExpectColumnValuesToBeBetween",
        {"column": "veraenderung_anteil", "max_value": "param:veraenderung_max_anteil"},
        "Veränderung gegenüber dem vorigen Stichtag je Gebiet nicht größer als der eingestellte Anteil",
        schwere="warnung",
    ))
    return regeln


REGELN: list[Regel] = [
    *_wuerfel("bevoelkerung", [("geschlecht", GESCHLECHTER, "Geschlecht"),
                               ("staatsangehoerigkeit", STAATSANGEHOERIGKEITEN, "Staatsangehörigkeit"),
                               ("migrationshintergrund", MIGRATION, "Migrationshintergrund")],
              ["alter_von", "alter_bis", "geschlecht", "staatsangehoerigkeit", "migrationshintergrund"]),
    Regel("bevoelkerung_summe_geschlecht", "staging.stg_bevoelkerung", "bevoelkerung_summen",
          "ExpectColumnPairValuesToBeEqual", {"column_A": "insgesamt", "column_B": "summe_teile"},
          "Zelle „insgesamt“ = Summe aus männlich, weiblich und divers (wo alle geliefert sind)"),

    *_wuerfel("sgb2", [("merkmal", SGB2_MERKMALE, "Merkmal")], ["merkmal"]),
    Regel("sgb2_lb_mindestens_elb_plus_nef", "staging.stg_sgb2", "sgb2_teile", "ExpectColumnPairValuesAToBeGreaterThanB",
          {"column_A": "leistungsberechtigte", "column_B": "elb_plus_nef", "or_equal": True},
          "Leistungsberechtigte ≥ ELB + NEF (Teile nicht größer als das Ganze)"),
    Regel("sgb2_lb_hoechstens_einwohner_u65", "staging.stg_sgb2", "sgb2_bevoelkerung",
          "ExpectColumnPairValuesAToBeGreaterThanB",
          {"column_A": "bev_u65", "column_B": "leistungsberechtigte", "or_equal": True},
          "Leistungsberechtigte ≤ Einwohner unter 65 im Gebiet", schwere="warnung"),
    Regel("sgb2_elb_hoechstens_einwohner_15_64", "staging.stg_sgb2", "sgb2_bevoelkerung",
          "ExpectColumnPairValuesAToBeGreaterThanB", {"column_A": "bev_15_64", "column_B": "elb", "or_equal": True},
          "ELB ≤ Einwohner von 15 bis 64 im Gebiet", schwere="warnung"),

    *_wuerfel("arbeitslose", [("rechtskreis", RECHTSKREISE, "Rechtskreis"), ("merkmal", ALO_MERKMALE, "Merkmal")],
              ["rechtskreis", "merkmal"]),
    Regel("arbeitslose_summe_rechtskreise", "staging.stg_arbeitslose", "arbeitslose_teile",
          "ExpectColumnPairValuesToBeEqual", {"column_A": "insgesamt", "column_B": "sgb2_plus_sgb3"},
          "Arbeitslose insgesamt = SGB II + SGB III (wo beide geliefert sind)"),
    Regel("arbeitslose_hoechstens_einwohner_15_64", "staging.stg_arbeitslose", "arbeitslose_bevoelkerung",
          "ExpectColumnPairValuesAToBeGreaterThanB",
          {"column_A": "bev_15_64", "column_B": "arbeitslose", "or_equal": True},
          "Arbeitslose ≤ Einwohner von 15 bis 64 im Gebiet", schwere="warnung"),

    *_wuerfel("grundsicherung", [("leistungsart", LEISTUNGSARTEN, "Leistungsart")],
              ["leistungsart", "alter_von", "alter_bis"]),

    # Weitere Merkmale (architektur.md §5.5): `anzahl` der Prüfdaten ist der Wert nur bei Merkmalen der Art „anzahl“
    *_wuerfel("merkmale", [("geschlecht", GESCHLECHTER, "Geschlecht")],
              ["merkmal", "geschlecht", "alter_von", "alter_bis"]),
    Regel("merkmale_merkmal_erklaert", "staging.stg_merkmale", "merkmale_zellen", "ExpectColumnValuesToBeNull",
          {"column": "merkmal_nicht_erklaert"}, "Merkmal ist in data/reference/merkmale.csv erklärt",
          zeilenweise=True, spalte="merkmal"),

    Regel("kita_plaetze_u3_nicht_negativ", "staging.stg_kita", "kita_einrichtungen", "ExpectColumnValuesToBeBetween",
          {"column": "plaetze_u3", "min_value": 0}, "Plätze U3 ≥ 0", zeilenweise=True, spalte="plaetze_u3"),
    Regel("kita_plaetze_ue3_nicht_negativ", "staging.stg_kita", "kita_einrichtungen", "ExpectColumnValuesToBeBetween",
          {"column": "plaetze_ue3", "min_value": 0}, "Plätze Ü3 ≥ 0", zeilenweise=True, spalte="plaetze_ue3"),
    Regel("kita_gebiet_gueltig", "staging.stg_kita", "kita_einrichtungen", "ExpectColumnValuesToBeInSet",
          {"column": "gebiet_gueltig", "value_set": [True]}, "Gebiet ist am Stichtag gültig",
          zeilenweise=True, spalte="gebiet_id"),
    Regel("kita_einrichtung_eindeutig", "staging.stg_kita", "kita_einrichtungen", "ExpectCompoundColumnsToBeUnique",
          {"column_list": ["stichtag", "einrichtung_schluessel"]},
          "Jede Einrichtung (Name und Adresse bzw. Gebiet) nur einmal je Stichtag"),
    Regel("kita_stichtag_nicht_in_zukunft", "staging.stg_kita", "kita_einrichtungen", "ExpectColumnValuesToBeInSet",
          {"column": "in_zukunft", "value_set": [False]}, "Stichtag liegt nicht in der Zukunft"),

    Regel("konferenz_datum_nicht_in_zukunft", "staging.stg_konferenz_ergebnisse", "konferenz_ergebnisse",
          "ExpectColumnValuesToBeInSet", {"column": "in_zukunft", "value_set": [False]},
          "Eine Konferenz mit Ergebnissen liegt nicht in der Zukunft"),
    Regel("konferenz_sektor_zulaessig", "staging.stg_konferenz_teilnehmende", "konferenz_teilnehmende",
          "ExpectColumnValuesToBeInSet", {"column": "sektor", "value_set": SEKTOREN},
          "Sektor aus dem Vokabular", zeilenweise=True, spalte="sektor"),
    Regel("konferenz_teilnehmende_raum_gueltig", "staging.stg_konferenz_teilnehmende", "konferenz_teilnehmende",
          "ExpectColumnValuesToBeInSet", {"column": "raum_gueltig", "value_set": [True]},
          "Sozialraum bzw. Gemeinde steht in der Gebietsgliederung", zeilenweise=True, spalte="raum_id"),
    Regel("konferenz_handlungsfeld_zulaessig", "staging.stg_konferenz_ergebnisse", "konferenz_ergebnisse",
          "ExpectColumnValuesToBeInSet", {"column": "handlungsfeld", "value_set": HANDLUNGSFELDER},
          "Handlungsfeld aus dem Vokabular", zeilenweise=True, spalte="handlungsfeld"),
    Regel("konferenz_art_zulaessig", "staging.stg_konferenz_ergebnisse", "konferenz_ergebnisse",
          "ExpectColumnValuesToBeInSet", {"column": "art", "value_set": ARTEN},
          "Art ist Bedarf, Ressource oder Maßnahmenvorschlag", zeilenweise=True, spalte="art"),
    Regel("konferenz_prioritaet_1_bis_3", "staging.stg_konferenz_ergebnisse", "konferenz_ergebnisse",
          "ExpectColumnValuesToBeBetween", {"column": "prioritaet", "min_value": 1, "max_value": 3},
          "Priorität 1, 2 oder 3", zeilenweise=True, spalte="prioritaet"),
    Regel("konferenz_ergebnis_raum_gueltig", "staging.stg_konferenz_ergebnisse", "konferenz_ergebnisse",
          "ExpectColumnValuesToBeInSet", {"column": "raum_gueltig", "value_set": [True]},
          "Sozialraum bzw. Gemeinde steht in der Gebietsgliederung", zeilenweise=True, spalte="raum_id"),
    Regel("konferenz_beschreibung_vorhanden", "staging.stg_konferenz_ergebnisse", "konferenz_ergebnisse",
          "ExpectColumnValuesToNotBeNull", {"column": "beschreibung"},
          "Jedes Ergebnis hat eine Beschreibung", schwere="warnung"),
    Regel("konferenz_ergebnis_nr_eindeutig", "staging.stg_konferenz_ergebnisse", "konferenz_ergebnisse",
          "ExpectCompoundColumnsToBeUnique", {"column_list": ["datei_id", "nr"]},
          "Nr jedes Ergebnisses nur einmal je Konferenz"),
    Regel("konferenz_status_zulaessig", "staging.stg_konferenz_massnahmen", "konferenz_massnahmen",
          "ExpectColumnValuesToBeInSet", {"column": "status", "value_set": STATUS},
          "Status aus dem Vokabular", zeilenweise=True, spalte="status"),
    Regel("konferenz_massnahme_nr_eindeutig", "staging.stg_konferenz_massnahmen", "konferenz_massnahmen",
          "ExpectCompoundColumnsToBeUnique", {"column_list": ["datei_id", "nr"]},
          "Nr jeder Maßnahme nur einmal je Mappe"),
]


def regeln_fuer(tabelle: str) -> list[Regel]:
    return [r for r in REGELN if r.tabelle == tabelle]


def quellen_tabellen() -> list[str]:
    return sorted({r.tabelle for r in REGELN})
