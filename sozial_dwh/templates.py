"""Leere Vorlagen je Quelle für die Statistikstelle (`sozial-dwh templates`, architektur.md §3, §5).

Je Quelle aus architektur.md §5.2 und §5.5 eine Arbeitsmappe `vorlage_<quelle>.xlsx` mit
- Blatt `Info` (Schlüssel/Wert-Zeilen `Quelle`, `Stichtag`, `Gemeinde`; die Quelle ist eingetragen),
- den Datenblättern mit genau den kanonischen Spaltenüberschriften, fetter Kopfzeile, fixierter
  Kopfzeile, Spaltenbreiten, Zahlenformaten und Auswahllisten für die Vokabulare,
- Blatt `Erläuterungen`: was die Quelle ist, wer sie wann liefert, eine Zeile je Spalte, andere
  Layouts, die das Warehouse ebenfalls liest, die Regeln aus §5.1 in einfachen Worten, die gültigen
  Gebiete (bzw. Sozialräume) aus der Gebietsgliederung und wie man eine Datei vor der Abgabe prüft.

Die Vokabulare kommen aus den Lesern (eine Stelle); die Gebietslisten aus der Referenz-
Gebietsgliederung, nichts davon ist hier fest eingetragen. Die Dateien sind bytegleich, wenn
Gebietsgliederung und Code gleich sind (feste Zeitstempel in Dokument und Zip-Archiv).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from sozial_dwh import config
from sozial_dwh.readers.table import SYNONYMS
from sozial_dwh.reference import MERKMALE_FILE, Gebiet, Merkmal, ReferenceError, load_gebiete, load_merkmale
from sozial_dwh.sources.grundsicherung import LEISTUNGSARTEN
from sozial_dwh.vokabular import ARTEN, HANDLUNGSFELDER, SEKTOREN, STATUS
from sozial_dwh.xlsx import save_reproducible

TEMPLATES_DIRNAME = "templates"
ERLAEUTERUNGEN = "Erläuterungen"
INFO = "Info"

# Feste Zeitstempel: gleiche Eingaben ergeben bytegleiche Dateien.
FIXED_TIMESTAMP = dt.datetime(2023, 1, 1, 0, 0, 0)
_MAX_ROW = 1_048_576

# --- Vokabulare (architektur.md §5.2) -------------------------------------------------------------------
# Bevölkerung und Arbeitslose: die Leser kennen viele Schreibweisen (parsing._CATEGORY_VALUES,
# sources.arbeitslose.RECHTSKREISE/MERKMALE); die Vorlage bietet je Merkmal die kanonische an.
GESCHLECHT = ("m", "w", "d")
STAATSANGEHOERIGKEIT = ("deutsch", "nichtdeutsch")
MIGRATIONSHINTERGRUND = ("ja", "nein")
RECHTSKREIS = ("SGB II", "SGB III", "insgesamt")
MERKMAL = ("insgesamt", "langzeitarbeitslos", "unter 25", "55 und älter")
# Mindestsicherung: Anzeigename = erste Schreibweise in SYNONYMS; der Leser kennt auch die Kürzel.
LEISTUNGSART = tuple(SYNONYMS[code][0] for code in LEISTUNGSARTEN)
LEISTUNGSART_BEDEUTUNG = {
    "grusi_alter": "SGB XII Kap. 4, ab Regelaltersgrenze",
    "grusi_em": "SGB XII Kap. 4, dauerhaft volle Erwerbsminderung",
    "hlu": "SGB XII Kap. 3",
    "asylblg": "Regelleistungen nach dem Asylbewerberleistungsgesetz",
}
# Konferenz: aus dem Leser sources/konferenz.py
SEKTOR = tuple(SEKTOREN)
HANDLUNGSFELD = tuple(HANDLUNGSFELDER)
ART = tuple(ARTEN)
MASSNAHMEN_STATUS = tuple(STATUS)
PRIORITAET = ("1", "2", "3")

VOKABULARE: dict[str, tuple[str, ...]] = {
    "Geschlecht": GESCHLECHT,
    "Staatsangehörigkeit": STAATSANGEHOERIGKEIT,
    "Migrationshintergrund": MIGRATIONSHINTERGRUND,
    "Rechtskreis": RECHTSKREIS,
    "Merkmal": MERKMAL,
    "Leistungsart": LEISTUNGSART,
    "Sektor": SEKTOR,
    "Handlungsfeld": HANDLUNGSFELD,
    "Art": ART,
    "Status": MASSNAHMEN_STATUS,
    "Priorität": PRIORITAET,
}

# Besondere Auswahllisten, deren Werte aus der Gebietsgliederung bzw. dem Merkmalskatalog kommen
GEBIETE_LISTE = "<gebiete>"
SOZIALRAEUME_LISTE = "<sozialraeume>"
MERKMALE_LISTE = "<merkmale>"

ANZAHL_FORMAT = "#,##0"
DATUM_FORMAT = "DD.MM.YYYY"
TEXT_FORMAT = "@"


@dataclass(frozen=True)
class Spalte:
    """Eine Spalte (oder bei Schlüssel/Wert-Blättern eine Zeile) einer Vorlage."""

    name: str  # kanonische Überschrift (architektur.md §5.2)
    bedeutung: str
    werte: str  # erlaubte Werte in Worten
    pflicht: str  # "Pflicht", "optional", …
    key: str | None = None  # Schlüssel in readers.table.SYNONYMS (für „auch erkannt als“)
    liste: tuple[str, ...] | str | None = None  # Vokabular oder GEBIETE_LISTE / SOZIALRAEUME_LISTE
    format: str | None = None
    breite: int = 14
    auch: str | None = None  # „auch erkannt als“, wenn nicht aus SYNONYMS


@dataclass(frozen=True)
class Blatt:
    name: str
    spalten: tuple[Spalte, ...]
    schluessel_wert: bool = False  # Schlüssel in Spalte A, Werte in Spalte B (wie `Info`)
    notiz: str | None = None  # Notiz an der ersten Überschrift


@dataclass(frozen=True)
class Vorlage:
    quelle: str
    titel: str
    was: str
    wer: str
    wann: str
    stichtag_hinweis: str
    blaetter: tuple[Blatt, ...]
    andere_layouts: tuple[str, ...] = ()
    hinweise: tuple[str, ...] = ()
    statistik: bool = True  # Gebietswerte (Regeln §5.1 zu Zahlen/Summen, Gebietsliste)
    sozialraeume: bool = False
    merkmale: bool = False  # Liste der erklärten Merkmale (data/reference/merkmale.csv) im Blatt „Erläuterungen“
    beispiel_datum: str = "2022-12-31"  # für den Beispiel-Dateinamen <quelle>_<JJJJ-MM-TT>.xlsx

    @property
    def beispiel_datei(self) -> str:
        return f"{self.quelle}_{self.beispiel_datum}.xlsx"

    @property
    def dateiname(self) -> str:
        return template_name(self.quelle)


def template_name(quelle: str) -> str:
    return f"vorlage_{quelle}.xlsx"


def _liste(werte: Sequence[str]) -> str:
    return ", ".join(werte)


GEBIET = Spalte(
    "Gebiet", "Gebietsschlüssel aus der Gebietsgliederung (Liste unten im Blatt „Erläuterungen“). Auch "
    "„Schlüssel Name“ wird erkannt. Summenzeilen („Insgesamt“, „Stadt insgesamt“) sind erlaubt und werden "
    "geprüft; „keine Angabe“ = Fälle ohne verwertbare Adresse (zählen zur Gemeinde, in keinem Gebiet).",
    "Gebietsschlüssel; Insgesamt; keine Angabe", "Pflicht", key="gebiet", liste=GEBIETE_LISTE,
    format=TEXT_FORMAT, breite=14,
)


def _anzahl(bedeutung: str, name: str = "Anzahl", key: str | None = "anzahl", pflicht: str = "Pflicht") -> Spalte:
    return Spalte(name, bedeutung, "ganze Zahl ≥ 0 (auch Text wie 1.234); – = 0; . * x … = nicht verfügbar",
                  pflicht, key=key, format=ANZAHL_FORMAT, breite=max(12, len(name) + 4))


SOZIALRAUM_KONF = Spalte(
    "Sozialraum", "Sozialraum, auf den sich die Zeile bezieht: Kennung oder Name (Liste im Blatt „Erläuterungen“), "
    "„Gesamtstadt“ für die ganze Gemeinde.", "Sozialraum-Kennung, Name oder Gesamtstadt; leer = ohne Bezug",
    "optional", key="sozialraum", liste=SOZIALRAEUME_LISTE, breite=18,
)

VORLAGEN: dict[str, Vorlage] = {}


def _register(vorlage: Vorlage) -> None:
    VORLAGEN[vorlage.quelle] = vorlage


_register(Vorlage(
    quelle="bevoelkerung",
    titel="Bevölkerung",
    was="Einwohnerinnen und Einwohner mit Hauptwohnsitz je Gebiet, nach Alter, Geschlecht, Staatsangehörigkeit "
        "und Migrationshintergrund (Auswertung des Melderegisters). Grundlage fast aller Quoten.",
    wer="Statistikstelle bzw. Einwohnermeldeamt der Gemeinde (Auszug aus dem Melderegister).",
    wann="Stichtag 31. Dezember; Lieferung im ersten Quartal des Folgejahres.",
    stichtag_hinweis="Stand des Melderegisters, z. B. 31.12.2022",
    blaetter=(Blatt("Bevölkerung", (
        GEBIET,
        Spalte("Alter", "Alter in vollendeten Jahren. Statt „Alter“ darf die Spalte „Altersgruppe“ heißen und "
               "Bänder enthalten (0-2, 0 bis 2, unter 3, 75+, >=75, 75 und älter).",
               "0 bis 99, 100+; leer = alle Altersjahre zusammen", "Pflicht (Alter oder Altersgruppe)",
               key="alter", format=TEXT_FORMAT, breite=10),
        Spalte("Geschlecht", "Geschlecht laut Melderegister.", f"{_liste(GESCHLECHT)}; leer = insgesamt",
               "optional", key="geschlecht", liste=GESCHLECHT, breite=13),
        Spalte("Staatsangehörigkeit", "deutsch (auch mit weiterer Staatsangehörigkeit) oder nichtdeutsch.",
               f"{_liste(STAATSANGEHOERIGKEIT)}; leer = insgesamt", "optional", key="staatsangehoerigkeit",
               liste=STAATSANGEHOERIGKEIT, breite=21),
        Spalte("Migrationshintergrund", "Person mit Migrationshintergrund (Ableitung aus dem Melderegister).",
               f"{_liste(MIGRATIONSHINTERGRUND)}; leer = insgesamt", "optional", key="migrationshintergrund",
               liste=MIGRATIONSHINTERGRUND, breite=23),
        _anzahl("Zahl der Personen mit diesen Merkmalen im Gebiet."),
    )),),
    andere_layouts=(
        "Langes Layout mit „Altersgruppe“ statt „Alter“ (Bänder wie 0-2, unter 3, 75 und älter). Nicht jede "
        "Altersgrenze lässt sich aus jedem Band bilden; dann bleibt der Indikator leer, es wird nie geschätzt.",
        "Breite „Strukturtabelle“: eine Zeile je Gebiet, Spalten „Insgesamt“, optional „männlich“/„weiblich“, "
        "Altersgruppen-Spalten (z. B. „unter 3“, „3 bis 5“, „65 und älter“), „Ausländer“/„Nichtdeutsche“ und "
        "„mit Migrationshintergrund“. Jede Spalte ist ein Wert (übrige Merkmale = insgesamt).",
        "Mehrere Stichtage in einer Datei: zusätzliche Spalte „Stichtag“.",
    ),
    hinweise=(
        "Zeilen dürfen verschieden fein sein (z. B. Alter × Geschlecht und daneben Alter insgesamt); "
        "dieselbe Merkmalskombination darf aber nur einmal je Gebiet vorkommen.",
    ),
))

_register(Vorlage(
    quelle="sgb2",
    titel="SGB II (Grundsicherung für Arbeitsuchende)",
    was="Bedarfsgemeinschaften und Leistungsberechtigte nach dem SGB II („Bürgergeld“) je Gebiet.",
    wer="Statistik der Bundesagentur für Arbeit (kleinräumige Auswertung) bzw. das Jobcenter.",
    wann="Stichtag (Berichtsmonat) Dezember; die Bundesagentur liefert nach ihrer Wartezeit im Mai des "
         "Folgejahres.",
    stichtag_hinweis="Ende des Berichtsmonats, z. B. 31.12.2022",
    blaetter=(Blatt("SGB II", (
        GEBIET,
        _anzahl("Bedarfsgemeinschaften (BG) im Gebiet.", "Bedarfsgemeinschaften", "bedarfsgemeinschaften",
                "Pflicht (mind. eine von Bedarfsgemeinschaften, Leistungsberechtigte, ELB)"),
        _anzahl("Leistungsberechtigte insgesamt (Personen in Bedarfsgemeinschaften mit Anspruch).",
                "Leistungsberechtigte", "leistungsberechtigte", "optional"),
        _anzahl("Erwerbsfähige Leistungsberechtigte (15 Jahre bis Regelaltersgrenze).", "ELB", "elb", "optional"),
        _anzahl("Nicht erwerbsfähige Leistungsberechtigte (überwiegend Kinder unter 15 Jahren).", "NEF", "nef",
                "optional"),
        _anzahl("Nicht erwerbsfähige Leistungsberechtigte unter 15 Jahren.", "NEF unter 15", "nef_u15", "optional"),
        _anzahl("Leistungsberechtigte unter 18 Jahren.", "Leistungsberechtigte unter 18", "lb_u18", "optional"),
        _anzahl("Bedarfsgemeinschaften von Alleinerziehenden.", "Alleinerziehende BG", "bg_alleinerziehend",
                "optional"),
    )),),
    andere_layouts=(
        "Pseudonymisierte Personendatensätze (eine Zeile je Person): „BG-Nummer“, „Person-Nummer“, „Alter“, "
        "„Geschlecht“, „Status“ (ELB/NEF), „Staatsangehörigkeit“, „Alleinerziehend“, „Gebiet“. Sie werden beim "
        "Einlesen je Gebiet gezählt; Personenzeilen werden nicht gespeichert (Datensparsamkeit), die "
        "Originaldatei bleibt im Archiv.",
        "Kleinräumiges Layout der Bundesagentur für Arbeit („AkG“), so wie es geliefert wird: „Berichtsmonat“, "
        "8-stelliger „Gemeindeschlüssel“, 9-stelliger „Gebietsschlüssel“ (wird über die Spalte akg_code der "
        "Gebietsgliederung zugeordnet), „Gebietsname“, dann die Merkmale. Schlüssel auf „SUM“ sind Summenzeilen; "
        "„keine Angabe“ zählt zur Gemeinde, in keinem Gebiet.",
    ),
    hinweise=("Werte, die die Bundesagentur aus Datenschutzgründen sperrt („*“), bleiben leer mit Kennzeichen; "
              "sie werden nie als 0 gezählt.",),
))

_register(Vorlage(
    quelle="arbeitslose",
    titel="Arbeitslose",
    was="Arbeitslose je Gebiet nach Rechtskreis (SGB II, SGB III) und Merkmal (langzeitarbeitslos, unter 25, "
        "55 und älter).",
    wer="Statistik der Bundesagentur für Arbeit (kleinräumige Auswertung).",
    wann="Berichtsmonat Dezember (Zähltag Mitte des Monats); Lieferung im ersten Quartal des Folgejahres.",
    stichtag_hinweis="Ende des Berichtsmonats, z. B. 31.12.2022",
    blaetter=(Blatt("Arbeitslose", (
        GEBIET,
        Spalte("Rechtskreis", "Rechtskreis der Betreuung: SGB II (Jobcenter) oder SGB III (Agentur für Arbeit).",
               f"{_liste(RECHTSKREIS)}; leer = insgesamt", "Pflicht (Rechtskreis oder Merkmal)",
               key="rechtskreis", liste=RECHTSKREIS, breite=13),
        Spalte("Merkmal", "Personengruppe: alle Arbeitslosen oder eine Teilgruppe.",
               f"{_liste(MERKMAL)}; leer = insgesamt", "Pflicht (Rechtskreis oder Merkmal)", key="merkmal",
               liste=MERKMAL, breite=20),
        _anzahl("Zahl der Arbeitslosen in dieser Gruppe im Gebiet."),
    )),),
    andere_layouts=(
        "Breites Layout: eine Zeile je Gebiet, Spalten „Arbeitslose insgesamt“, „SGB II“, „SGB III“, "
        "„Langzeitarbeitslose“, „unter 25“, „55 und älter“.",
        "Mehrere Stichtage in einer Datei: zusätzliche Spalte „Stichtag“.",
    ),
    hinweise=("Zellen dürfen verschieden fein sein (z. B. SGB II/insgesamt und insgesamt/unter 25): "
              "nichts wird doppelt gezählt. Jede Kombination Rechtskreis × Merkmal nur einmal je Gebiet.",),
))

_register(Vorlage(
    quelle="grundsicherung",
    titel="Mindestsicherung (SGB XII, AsylbLG)",
    was="Empfängerinnen und Empfänger von Grundsicherung im Alter und bei Erwerbsminderung, Hilfe zum "
        "Lebensunterhalt und Regelleistungen nach dem Asylbewerberleistungsgesetz je Gebiet.",
    wer="Sozialamt der Gemeinde (Auswertung des Fachverfahrens).",
    wann="Stichtag 31. Dezember; Lieferung im ersten Halbjahr des Folgejahres.",
    stichtag_hinweis="Stichtag der Auswertung, z. B. 31.12.2022",
    blaetter=(Blatt("Grundsicherung", (
        GEBIET,
        Spalte("Leistungsart", "Art der Leistung: " + "; ".join(
            f"{SYNONYMS[code][0]} = {LEISTUNGSART_BEDEUTUNG.get(code, code)} (Kürzel {code})" for code in LEISTUNGSARTEN
        ) + ".", _liste(LEISTUNGSART) + " (oder die Kürzel " + _liste(LEISTUNGSARTEN) + ")", "Pflicht",
            key="leistungsart", liste=LEISTUNGSART, breite=36),
        Spalte("Altersgruppe", "Altersband der Empfängerinnen und Empfänger.",
               "z. B. 18-64, 65 und älter; leer = alle Alter", "optional", key="altersgruppe", format=TEXT_FORMAT,
               breite=14),
        _anzahl("Zahl der Empfängerinnen und Empfänger (Personen)."),
    )),),
    andere_layouts=(
        "Breites Layout: eine Zeile je Gebiet, je Leistungsart eine Spalte (" + _liste(LEISTUNGSART) + ").",
        "Mehrere Stichtage in einer Datei: zusätzliche Spalte „Stichtag“.",
    ),
))

_register(Vorlage(
    quelle="kita",
    titel="Kindertagesbetreuung",
    was="Kindertageseinrichtungen mit ihren Plätzen für Kinder unter 3 Jahren (U3) und ab 3 Jahren bis zum "
        "Schuleintritt (Ü3); eine Zeile je Einrichtung.",
    wer="Jugendamt (Kita-Bedarfsplanung).",
    wann="Stichtag 1. März (wie die Kinder- und Jugendhilfestatistik) oder Beginn des Kindergartenjahres; "
         "Lieferung nach Abschluss der Bedarfsplanung.",
    stichtag_hinweis="Stand der Platzzahlen, z. B. 01.03.2023",
    beispiel_datum="2023-03-01",
    blaetter=(Blatt("Kita", (
        Spalte("Einrichtung", "Name der Kindertageseinrichtung.", "Text", "Pflicht", key="einrichtung", breite=32),
        Spalte("Träger", "Träger der Einrichtung (z. B. Stadt, Kirchengemeinde, Wohlfahrtsverband, Elterninitiative).",
               "Text", "Pflicht", key="traeger", breite=24),
        GEBIET,
        _anzahl("Genehmigte Plätze für Kinder unter 3 Jahren.", "Plätze U3", "plaetze_u3",
                "Pflicht (mind. eine der Platzspalten); leer = keine U3-Gruppe (0)"),
        _anzahl("Genehmigte Plätze für Kinder ab 3 Jahren bis zum Schuleintritt.", "Plätze Ü3", "plaetze_ue3",
                "Pflicht (mind. eine der Platzspalten); leer = keine Ü3-Gruppe (0)"),
        Spalte("Adresse", "Straße und Hausnummer; unterscheidet gleichnamige Einrichtungen.", "Text", "optional",
               key="adresse", breite=32),
    )),),
    hinweise=("Jede Einrichtung nur einmal je Stichtag; eine Summenzeile „Insgesamt“ ist erlaubt und wird geprüft.",),
))

_register(Vorlage(
    quelle="konferenz",
    titel="Sozialraumkonferenz",
    was="Ergebnisse einer Sozialraumkonferenz („Expertengespräch im Sozialraum“): beteiligte Organisationen, "
        "Arbeitsgruppen, benannte Bedarfe, Ressourcen und Maßnahmenvorschläge sowie die daraus folgenden "
        "Maßnahmen mit ihrem Stand. Eine Arbeitsmappe je Konferenz.",
    wer="Sozialplanung (Protokoll und Moderation der Konferenz).",
    wann="Nach jeder Konferenz; bei neuem Stand der Maßnahmen die Arbeitsmappe erneut abgeben (sie ersetzt die "
         "frühere Fassung).",
    stichtag_hinweis="Datum der Konferenz wie im Blatt „Veranstaltung“, z. B. 21.09.2022",
    beispiel_datum="2022-09-21",
    blaetter=(
        Blatt("Veranstaltung", (
            Spalte("Titel", "Titel der Konferenz.", "Text", "Pflicht", auch="Veranstaltung", breite=16),
            Spalte("Datum", "Tag der Konferenz.", "Datum, z. B. 21.09.2022 oder 2022-09-21", "Pflicht",
                   format=DATUM_FORMAT, auch="Termin"),
            Spalte("Ort", "Veranstaltungsort.", "Text", "optional"),
            Spalte("Format", "Form der Veranstaltung.", "z. B. Präsenz, online, hybrid", "optional"),
            Spalte("Sozialräume", "Beteiligte Sozialräume, mehrere durch Komma getrennt.",
                   "Sozialraum-Kennungen oder -Namen, Gesamtstadt", "Pflicht", auch="Sozialraum"),
        ), schluessel_wert=True),
        Blatt("Teilnehmende", (
            Spalte("Organisation", "Beteiligte Organisation oder Einrichtung. Namen und E-Mail-Adressen von Personen "
                   "werden nicht gebraucht und nie geladen.", "Text", "Pflicht", key="organisation", breite=36),
            Spalte("Sektor", "Art der Organisation.", _liste(SEKTOR), "Pflicht", key="sektor", liste=SEKTOR,
                   breite=24),
            SOZIALRAUM_KONF,
        ), notiz="Namen und E-Mail-Adressen der Teilnehmenden werden nicht gebraucht: bitte nur Organisation, "
                 "Sektor und Sozialraum eintragen (Datensparsamkeit)."),
        Blatt("Arbeitsgruppen", (
            Spalte("AG", "Bezeichnung oder Nummer der Arbeitsgruppe.", "Text oder Zahl, eindeutig", "Pflicht",
                   key="ag", format=TEXT_FORMAT, breite=12),
            Spalte("Sozialraum", SOZIALRAUM_KONF.bedeutung, SOZIALRAUM_KONF.werte,
                   "Sozialraum oder Thema Pflicht", key="sozialraum", liste=SOZIALRAEUME_LISTE, breite=18),
            Spalte("Thema", "Thema der Arbeitsgruppe.", "Text", "Sozialraum oder Thema Pflicht", key="thema",
                   breite=40),
        )),
        Blatt("Ergebnisse", (
            Spalte("Nr", "Laufende Nummer des Ergebnisses; auf sie verweisen die Maßnahmen.", "eindeutig", "Pflicht",
                   key="nr", format=TEXT_FORMAT, breite=8),
            Spalte("AG", "Arbeitsgruppe, in der das Ergebnis entstand (wie im Blatt „Arbeitsgruppen“).", "Text",
                   "optional", key="ag", format=TEXT_FORMAT, breite=10),
            SOZIALRAUM_KONF,
            Spalte("Handlungsfeld", "Thema des Ergebnisses.", _liste(HANDLUNGSFELD), "Pflicht", key="handlungsfeld",
                   liste=HANDLUNGSFELD, breite=24),
            Spalte("Art", "Was benannt wurde.", _liste(ART), "Pflicht", key="art", liste=ART, breite=20),
            Spalte("Beschreibung", "Das Ergebnis in einem Satz (ohne Personennamen).", "Text", "Pflicht",
                   key="beschreibung", breite=60),
            Spalte("Priorität", "Dringlichkeit aus Sicht der Konferenz.", "1 = hoch, 2 = mittel, 3 = niedrig; leer",
                   "optional", key="prioritaet", liste=PRIORITAET, format="0", breite=10),
        )),
        Blatt("Maßnahmen", (
            Spalte("Nr", "Laufende Nummer der Maßnahme.", "eindeutig", "Pflicht", key="nr", format=TEXT_FORMAT,
                   breite=8),
            Spalte("Bezug Ergebnis", "Nr. der Ergebnisse, auf die die Maßnahme antwortet.",
                   "Nummern aus „Ergebnisse“, mehrere durch Komma", "optional", key="bezug_ergebnis",
                   format=TEXT_FORMAT, breite=16),
            Spalte("Titel", "Kurzbezeichnung der Maßnahme.", "Text", "Pflicht", key="titel", breite=40),
            Spalte("Zuständig", "Zuständige Stelle oder Organisation (keine Personennamen).", "Text", "optional",
                   key="zustaendig", breite=24),
            Spalte("Status", "Stand der Maßnahme.", _liste(MASSNAHMEN_STATUS), "Pflicht", liste=MASSNAHMEN_STATUS,
                   breite=16, auch=""),
            Spalte("Termin", "Geplanter oder erreichter Termin.", "Datum, z. B. 30.06.2024", "optional", key="termin",
                   format=DATUM_FORMAT, breite=12),
            Spalte("Gremium", "Gremium, das beschließt oder berichtet wird (z. B. Sozialausschuss).", "Text",
                   "optional", key="gremium", breite=20),
        )),
    ),
    andere_layouts=(
        "Blatt „Veranstaltung“ darf statt Schlüssel/Wert-Zeilen auch eine Kopfzeile (Titel, Datum, Ort, Format, "
        "Sozialräume) mit einer Datenzeile haben.",
        "Stehen im Blatt „Teilnehmende“ doch Namen oder E-Mail-Adressen, werden sie nie geladen; in Freitexten "
        "werden sie beim Einlesen entfernt.",
    ),
    statistik=False,
    sozialraeume=True,
))

_register(Vorlage(
    quelle="merkmale",
    titel="Weitere Merkmale",
    was="Jede weitere kleinräumige Statistik (z. B. Wohngeldhaushalte, Hilfen zur Erziehung, Wanderungssaldo, "
        "Angebotsmiete): ein Wert je Gebiet, Stichtag und Merkmal, optional nach Geschlecht und Altersgruppe. Welche "
        "Merkmale es gibt und wie ihre Werte verwendet werden dürfen, steht in data/reference/merkmale.csv (Liste "
        "unten in diesem Blatt).",
    wer="Die Stelle, die die Statistik führt (z. B. Wohngeldstelle, Jugendamt, Einwohnermeldeamt); sie steht je "
        "Merkmal in merkmale.csv (Spalte quelle_text).",
    wann="Zum Stichtag des Merkmals, meist 31. Dezember. Eine Datei darf mehrere Merkmale enthalten.",
    stichtag_hinweis="Stichtag der Werte, z. B. 31.12.2022",
    blaetter=(Blatt("Merkmale", (
        GEBIET,
        Spalte("Merkmal", f"Kennung oder Name eines Merkmals aus {MERKMALE_FILE} (Liste im Blatt „Erläuterungen“). "
               "Ein unbekanntes Merkmal wird mit Meldung zurückgehalten.", f"Kennung oder Name aus {MERKMALE_FILE}",
               "Pflicht", key="merkmal", liste=MERKMALE_LISTE, breite=26),
        Spalte("Geschlecht", "Geschlecht, wenn der Wert nur für eine Gruppe gilt.", f"{_liste(GESCHLECHT)}; leer = "
               "insgesamt", "optional", key="geschlecht", liste=GESCHLECHT, breite=13),
        Spalte("Altersgruppe", "Altersband, wenn der Wert nur für eine Altersgruppe gilt.",
               "z. B. unter 18, 18-64, 65 und älter; leer = alle Alter", "optional", key="altersgruppe",
               format=TEXT_FORMAT, breite=14),
        Spalte("Anzahl", "Der Wert, gelesen nach der Art des Merkmals in merkmale.csv: „anzahl“ ganze Zahl ab 0, "
               "„saldo“ ganze Zahl auch negativ (z. B. -12), „wert“ Dezimalzahl (z. B. 7,85).",
               "Zahl nach der Art des Merkmals; – = 0; . * x … = nicht verfügbar", "Pflicht", key="anzahl",
               format="#,##0.###", breite=12),
    )),),
    andere_layouts=(
        "Breites Layout: eine Zeile je Gebiet, je Merkmal eine Spalte, deren Überschrift die Kennung oder der Name "
        "des Merkmals ist (übrige Angaben = insgesamt). Eine Spalte, die kein Merkmal aus merkmale.csv ist, wird "
        "gemeldet und nicht geladen.",
        "Mehrere Stichtage in einer Datei: zusätzliche Spalte „Stichtag“ (dann im Blatt „Info“ keinen Stichtag "
        "eintragen und die Datei ohne Datum im Namen abgeben).",
    ),
    hinweise=(
        "Ein neues Merkmal braucht keine Programmierung: eine Zeile in data/reference/merkmale.csv (merkmal, name, "
        "art, einheit, quelle_text, beschreibung), danach Vorlagen neu erzeugen.",
        "Art „anzahl“ und „saldo“ werden zu Sozialraum, Stadtbezirk und Gemeinde summiert; eine Summenzeile wird mit "
        "den Gebieten verglichen. Art „wert“ (Mittelwert, Quote, Index) gilt nur für das gelieferte Gebiet: er wird "
        "nie summiert oder gemittelt, eine Summenzeile dafür wird nicht geladen.",
        "Eine neue Datei ersetzt eine frühere nur für die Merkmale, die sie enthält; jedes Merkmal darf je Gebiet, "
        "Geschlecht und Altersgruppe nur einmal vorkommen.",
    ),
    merkmale=True,
))

QUELLEN: tuple[str, ...] = tuple(VORLAGEN)


# --- Schreiben ----------------------------------------------------------------------------------

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_HEADING = Font(bold=True, size=12, color="1F4E78")
_HINT = Font(italic=True, color="595959")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_KEY_FILL = PatternFill("solid", fgColor="F2F2F2")
_HEADER_BORDER = Border(bottom=Side(style="thin", color="808080"))
_WRAP = Alignment(wrap_text=True, vertical="top")
_AUTHOR = "sozial_dwh"


def write_templates(folder: Path, gebiete: Sequence[Gebiet] | None = None,
                    quellen: Sequence[str] | None = None) -> list[Path]:
    """Schreibt je Quelle `vorlage_<quelle>.xlsx` nach `folder` (wird angelegt) und gibt die Pfade zurück.

    `gebiete`: die Gebietsgliederung; ohne Angabe aus `config.reference_dir()` (ReferenceError, wenn fehlerhaft).
    Eine leere Liste schreibt die Vorlagen ohne Gebietslisten.
    """
    if gebiete is None:
        gebiete = load_gebiete(config.reference_dir())
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for quelle in quellen or QUELLEN:
        vorlage = VORLAGEN[quelle]
        path = folder / vorlage.dateiname
        save_reproducible(build_workbook(vorlage, gebiete), path, FIXED_TIMESTAMP)
        paths.append(path)
    return paths


def build_workbook(vorlage: Vorlage, gebiete: Sequence[Gebiet]) -> Workbook:
    wb = Workbook()
    wb.properties.creator = _AUTHOR
    wb.properties.lastModifiedBy = _AUTHOR
    wb.properties.title = f"Vorlage {vorlage.titel} ({vorlage.quelle})"
    info = wb.active
    info.title = INFO
    data_sheets = [wb.create_sheet(blatt.name) for blatt in vorlage.blaetter]
    erl = wb.create_sheet(ERLAEUTERUNGEN)
    listen = _write_erlaeuterungen(erl, vorlage, gebiete)
    _write_info(info, vorlage, gebiete)
    for ws, blatt in zip(data_sheets, vorlage.blaetter, strict=True):
        if blatt.schluessel_wert:
            _write_key_value(ws, blatt, listen)
        else:
            _write_table(ws, blatt, listen)
    return wb


# --- Blatt Info ---------------------------------------------------------------------------------

def _write_info(ws: Worksheet, vorlage: Vorlage, gebiete: Sequence[Gebiet]) -> None:
    gemeinden = _gemeinden(gebiete)
    beispiel = f"z. B. {gemeinden[0][0]} oder {gemeinden[0][1]}" if gemeinden else "8 Ziffern"
    rows = [
        ("Quelle", vorlage.quelle, "Bitte nicht ändern. Zuerst das Blatt „Erläuterungen“ lesen."),
        ("Stichtag", None, f"{vorlage.stichtag_hinweis} (auch JJJJ-MM-TT)"),
        ("Gemeinde", None, f"Amtlicher Gemeindeschlüssel (AGS) oder Name, {beispiel}; leer = aus den Gebieten"),
    ]
    for number, (key, value, hint) in enumerate(rows, start=1):
        ws.cell(number, 1, key).font = _BOLD
        ws.cell(number, 1).fill = _KEY_FILL
        cell = ws.cell(number, 2, value)
        cell.alignment = Alignment(horizontal="left")
        ws.cell(number, 3, hint).font = _HINT
    ws["B2"].number_format = DATUM_FORMAT
    ws["B2"].comment = _comment(f"Stichtag: {vorlage.stichtag_hinweis}. Als Datum oder als Text TT.MM.JJJJ bzw. "
                                f"JJJJ-MM-TT. Alternativ im Dateinamen: {vorlage.beispiel_datei}.")
    ws["B3"].number_format = TEXT_FORMAT  # führende Null des AGS erhalten
    ws["B3"].comment = _comment("Gemeinde: 8-stelliger AGS oder Name. Nur nötig, wenn die Gebietsgliederung "
                                "mehrere Gemeinden enthält oder „keine Angabe“-Zeilen vorkommen.")
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 18
    ws.column_dimensions["C"].width = 90
    stichtag = DataValidation(showInputMessage=True, promptTitle="Stichtag", prompt=_short(
        f"{vorlage.stichtag_hinweis}."))
    stichtag.add("B2")
    ws.add_data_validation(stichtag)
    werte = [wert for ags, name in gemeinden for wert in (ags, name)]
    prompt = "AGS oder Name der Gemeinde aus der Gebietsgliederung; leer = aus den Gebieten."
    gemeinde = (_list_validation(werte, "Gemeinde", prompt, strict=False) if werte and _fits(werte)
                else DataValidation(showInputMessage=True, promptTitle="Gemeinde", prompt=prompt))
    gemeinde.add("B3")
    ws.add_data_validation(gemeinde)
    ws.sheet_view.selection[0].activeCell = "B2"
    ws.sheet_view.selection[0].sqref = "B2"


# --- Datenblätter -------------------------------------------------------------------------------

def _write_table(ws: Worksheet, blatt: Blatt, listen: dict[str, str]) -> None:
    for index, spalte in enumerate(blatt.spalten, start=1):
        letter = get_column_letter(index)
        cell = ws.cell(1, index, spalte.name)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.border = _HEADER_BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        dimension = ws.column_dimensions[letter]
        dimension.width = max(spalte.breite, len(spalte.name) + 4)
        if spalte.format:
            dimension.number_format = spalte.format
        validation = _validation(spalte, listen)
        validation.add(f"{letter}2:{letter}{_MAX_ROW}")
        ws.add_data_validation(validation)
    if blatt.notiz:
        ws["A1"].comment = _comment(blatt.notiz, width=320, height=110)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(blatt.spalten))}1"
    ws.sheet_view.selection[0].activeCell = "A2"
    ws.sheet_view.selection[0].sqref = "A2"


def _write_key_value(ws: Worksheet, blatt: Blatt, listen: dict[str, str]) -> None:
    for number, spalte in enumerate(blatt.spalten, start=1):
        key = ws.cell(number, 1, spalte.name)
        key.font = _BOLD
        key.fill = _KEY_FILL
        if spalte.format:
            ws.cell(number, 2).number_format = spalte.format
        ws.cell(number, 3, f"{spalte.werte} ({spalte.pflicht})").font = _HINT
        validation = _validation(spalte, listen)
        validation.add(f"B{number}")
        ws.add_data_validation(validation)
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["C"].width = 60
    ws.sheet_view.selection[0].activeCell = "B1"
    ws.sheet_view.selection[0].sqref = "B1"


def _validation(spalte: Spalte, listen: dict[str, str]) -> DataValidation:
    prompt = f"{spalte.werte} ({spalte.pflicht}). Mehr im Blatt „{ERLAEUTERUNGEN}“."
    if spalte.liste == MERKMALE_LISTE:
        reference = listen.get(spalte.liste)
        if reference:
            return DataValidation(
                type="list", formula1=reference, allow_blank=True, showInputMessage=True, showErrorMessage=True,
                errorStyle="information", promptTitle=spalte.name[:32], prompt=_short(prompt),
                errorTitle=f"{spalte.name} unbekannt"[:32],
                error=_short(f"Das Merkmal steht nicht in der Liste im Blatt „Erläuterungen“ (Kennung; der Name wird "
                             f"ebenso erkannt). Neue Merkmale in {MERKMALE_FILE} erklären. Mit OK übernehmen, sonst "
                             "Abbrechen.", 225),
            )
    elif spalte.liste in (GEBIETE_LISTE, SOZIALRAEUME_LISTE):
        reference = listen.get(spalte.liste)
        if reference:
            return DataValidation(
                type="list", formula1=reference, allow_blank=True, showInputMessage=True, showErrorMessage=True,
                errorStyle="information", promptTitle=spalte.name[:32], prompt=_short(prompt),
                errorTitle=f"{spalte.name} unbekannt"[:32],
                error=_short(f"„{spalte.name}“ steht nicht in der Liste im Blatt „Erläuterungen“. Erlaubt sind auch "
                             + ("Summenzeilen („Insgesamt“), „keine Angabe“ und „Schlüssel Name“"
                                if spalte.liste == GEBIETE_LISTE else "die Namen der Sozialräume")
                             + ". Mit OK übernehmen, sonst Abbrechen.", 225),
            )
    elif isinstance(spalte.liste, tuple):
        return _list_validation(spalte.liste, spalte.name, prompt)
    return DataValidation(showInputMessage=True, promptTitle=spalte.name[:32], prompt=_short(prompt))


def _fits(werte: Sequence[str]) -> bool:
    """Passt die Liste direkt in die Gültigkeitsprüfung (Excel: höchstens 255 Zeichen, keine Kommas)?"""
    return len(",".join(werte)) <= 255 and not any("," in w or '"' in w for w in werte)


def _list_validation(werte: Sequence[str], titel: str, prompt: str, strict: bool = True) -> DataValidation:
    if not _fits(werte):
        raise ValueError(f"Auswahlliste „{titel}“ ist zu lang oder enthält Kommas: {werte}")
    formula = '"' + ",".join(werte) + '"'
    return DataValidation(
        type="list", formula1=formula, allow_blank=True, showInputMessage=True, showErrorMessage=True,
        errorStyle="stop" if strict else "information", promptTitle=titel[:32], prompt=_short(prompt),
        errorTitle="Wert nicht erlaubt", error=_short(f"Erlaubt für „{titel}“: {', '.join(werte)}.", 225),
    )


def _short(text: str, limit: int = 255) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _comment(text: str, width: int = 300, height: int = 100) -> Comment:
    comment = Comment(text, _AUTHOR)
    comment.width = width
    comment.height = height
    return comment


# --- Erläuterungen ------------------------------------------------------------------------------

class _Writer:
    """Schreibt Abschnitte untereinander: Überschrift, Schlüssel/Text-Zeilen, kleine Tabellen."""

    def __init__(self, ws: Worksheet):
        self.ws = ws
        self.row = 0

    def title(self, text: str) -> None:
        self.row += 1
        self.ws.cell(self.row, 1, text).font = _TITLE

    def heading(self, text: str) -> None:
        self.row += 2
        self.ws.cell(self.row, 1, text).font = _HEADING

    def pair(self, label: str | None, text: str) -> None:
        self.row += 1
        if label:
            self.ws.cell(self.row, 1, label).font = _BOLD
            self.ws.cell(self.row, 1).alignment = _WRAP
        self.ws.cell(self.row, 2, text).alignment = _WRAP

    def table(self, header: Sequence[str], rows: Sequence[Sequence[object]]) -> tuple[int, int]:
        """Schreibt Kopf und Zeilen; gibt (erste, letzte) Datenzeile zurück."""
        self.row += 1
        for col, label in enumerate(header, start=1):
            cell = self.ws.cell(self.row, col, label)
            cell.font = _BOLD
            cell.fill = _HEADER_FILL
            cell.border = _HEADER_BORDER
        first = self.row + 1
        for values in rows:
            self.row += 1
            for col, value in enumerate(values, start=1):
                cell = self.ws.cell(self.row, col, value)
                cell.alignment = _WRAP
                if col == 1:
                    cell.number_format = TEXT_FORMAT
        return first, self.row


def _write_erlaeuterungen(ws: Worksheet, vorlage: Vorlage, gebiete: Sequence[Gebiet]) -> dict[str, str]:
    """Schreibt das Blatt und gibt die Bereiche der Auswahllisten zurück (Gebiete, Sozialräume)."""
    for letter, width in zip("ABCDEFGH", (24, 58, 40, 22, 40, 12, 12, 12), strict=True):
        ws.column_dimensions[letter].width = width
    w = _Writer(ws)
    datei = vorlage.beispiel_datei
    w.title(f"Vorlage {vorlage.titel} – Erläuterungen")
    w.pair("Quelle", f"„{vorlage.quelle}“ (so steht es im Blatt „Info“ unter „Quelle“).")
    w.pair("Was", vorlage.was)
    w.pair("Wer liefert", vorlage.wer)
    w.pair("Wann", vorlage.wann)

    w.heading("So füllen Sie die Vorlage aus")
    w.pair("1. Blatt „Info“", f"„Stichtag“ eintragen ({vorlage.stichtag_hinweis}); „Gemeinde“ nur, wenn nötig "
           "(AGS oder Name). „Quelle“ nicht ändern.")
    tabellen = [f"„{b.name}“" for b in vorlage.blaetter if not b.schluessel_wert]
    schluessel = [f"„{b.name}“" for b in vorlage.blaetter if b.schluessel_wert]
    text = ""
    if schluessel:
        text += f"Blatt {', '.join(schluessel)}: die Werte in Spalte B neben die Schlüssel schreiben. "
    text += (f"Blatt {', '.join(tabellen)}: ab Zeile 2 eine Zeile je Datensatz; die Überschriften in Zeile 1 nicht "
             "ändern. Auswahllisten zeigen die erlaubten Werte; beim Einfügen aus anderen Dateien wird die Auswahl "
             "nicht geprüft – das übernimmt `sozial-dwh check`.")
    w.pair("2. Daten", text)
    w.pair("3. Speichern", f"Als .xlsx speichern, am besten mit Namen nach dem Muster <quelle>_<JJJJ-MM-TT>.xlsx, "
           f"z. B. {datei}.")
    w.pair("4. Prüfen", f"`sozial-dwh check {datei}` zeigt, was geladen und was zurückgehalten würde (mit Blatt, "
           "Zeile und Spalte), und ändert nichts. Exit-Code 0 = würde geladen, 1 = würde abgelehnt.")
    w.pair("5. Abgeben", "Datei in den Eingangsordner inbox/ unter $SOZIAL_DWH_HOME legen; der nächste Lauf "
           "(`sozial-dwh run` oder Job „alles“ in der Dagster-Oberfläche) lädt sie. Abgelehnte Dateien liegen "
           "in rejected/ mit einer Datei <name>.fehler.txt, die sagt, was zu tun ist.")

    for blatt in vorlage.blaetter:
        if blatt.schluessel_wert:
            w.heading(f"Zeilen des Blatts „{blatt.name}“ (Schlüssel in Spalte A, Wert in Spalte B)")
        else:
            w.heading(f"Spalten des Blatts „{blatt.name}“")
        w.table(["Spalte" if not blatt.schluessel_wert else "Zeile", "Bedeutung", "Erlaubte Werte",
                 "Pflicht/optional", "Auch erkannt als"],
                [[s.name, s.bedeutung, s.werte, s.pflicht, _synonyme(s)] for s in blatt.spalten])
        if blatt.notiz:
            w.pair("Hinweis", blatt.notiz)

    if vorlage.andere_layouts:
        w.heading("Andere Layouts, die das Warehouse ebenfalls liest")
        for text in vorlage.andere_layouts:
            w.pair("–", text)
    if vorlage.hinweise:
        w.heading("Besonderheiten dieser Quelle")
        for text in vorlage.hinweise:
            w.pair("–", text)

    w.heading("Regeln für jede Datei")
    for label, text in _regeln(vorlage, gebiete):
        w.pair(label, text)

    listen: dict[str, str] = {}
    if gebiete and (vorlage.statistik or any(s.liste == GEBIETE_LISTE for b in vorlage.blaetter for s in b.spalten)):
        w.heading("Gültige Gebiete (aus der Gebietsgliederung gebiete.csv)")
        w.pair(None, "Gebietsschlüssel in der Spalte „Gebiet“ eintragen. Ein Gebiet gilt nur in seinem "
               "Gültigkeitszeitraum; aufgelöste Gebiete nennen ihren Nachfolger.")
        first, last = w.table(
            ["Gebiet", "Name", "Sozialraum", "Stadtbezirk", "Gemeinde", "gültig ab", "gültig bis", "Nachfolger"],
            [[g.gebiet_id, g.name, f"{g.sozialraum_id} {g.sozialraum}".strip(), g.stadtbezirk,
              f"{g.gemeinde_ags} {g.gemeinde}".strip(), f"{g.gueltig_ab:%d.%m.%Y}",
              f"{g.gueltig_bis:%d.%m.%Y}" if g.gueltig_bis else "", g.nachfolger_id or ""]
             for g in sorted(gebiete, key=lambda g: (g.gemeinde_ags, g.gebiet_id))],
        )
        listen[GEBIETE_LISTE] = _range(first, last)
    if gebiete and vorlage.sozialraeume:
        w.heading("Sozialräume (aus der Gebietsgliederung gebiete.csv)")
        w.pair(None, "In den Spalten „Sozialraum“ und in der Zeile „Sozialräume“ die Kennung oder den Namen "
               "eintragen; „Gesamtstadt“ bedeutet die ganze Gemeinde.")
        rows = [[sr_id, name, f"{ags} {gemeinde}".strip(), ", ".join(ids)]
                for sr_id, name, ags, gemeinde, ids in _sozialraeume(gebiete)]
        rows.append(["Gesamtstadt", "die ganze Gemeinde", "", ""])
        first, last = w.table(["Sozialraum", "Name", "Gemeinde", "Gebiete"], rows)
        listen[SOZIALRAEUME_LISTE] = _range(first, last)
    if vorlage.merkmale:
        w.heading(f"Erklärte Merkmale (aus {MERKMALE_FILE})")
        merkmale = _merkmale()
        if merkmale:
            w.pair(None, "In der Spalte „Merkmal“ die Kennung oder den Namen eintragen. Die Art sagt, wie ein Wert "
                   "gelesen und verwendet wird (anzahl, saldo, wert).")
            first, last = w.table(["Merkmal", "Name", "Art", "Einheit", "Herkunft", "Beschreibung"],
                                  [[m.merkmal, m.name, m.art, m.einheit, m.quelle_text, m.beschreibung]
                                   for m in merkmale.values()])
            listen[MERKMALE_LISTE] = _range(first, last)
        else:
            w.pair(None, f"Der Merkmalskatalog ({MERKMALE_FILE}) ist leer oder konnte nicht gelesen werden. Erklärte "
                   f"Merkmale stehen in data/reference/{MERKMALE_FILE}.")
    if not gebiete:
        w.heading("Gebiete")
        w.pair(None, "Die Gebietsgliederung (gebiete.csv) konnte beim Erzeugen der Vorlage nicht gelesen werden. "
               "Gültige Schlüssel stehen in data/reference/gebiete.csv.")
    return listen


def _range(first: int, last: int) -> str:
    return f"'{ERLAEUTERUNGEN}'!$A${first}:$A${last}"


def _synonyme(spalte: Spalte) -> str:
    if spalte.auch is not None:
        return spalte.auch
    if not spalte.key or spalte.key not in SYNONYMS:
        return ""
    return ", ".join(s for s in SYNONYMS[spalte.key] if s != spalte.name)


def _regeln(vorlage: Vorlage, gebiete: Sequence[Gebiet]) -> list[tuple[str, str]]:
    beispiel = next((g for g in gebiete if g.gueltig_bis is None), gebiete[0] if gebiete else None)
    gebiet_text = (f"z. B. „{beispiel.gebiet_id}“; auch „{beispiel.gebiet_id} {beispiel.name}“ wird erkannt"
                   if beispiel else "Schlüssel der Gebietsgliederung")
    regeln = [
        ("Dateiformat", ".xlsx (wie diese Vorlage), .xlsm (Makros werden nie ausgeführt), .ods oder .csv "
                        "(UTF-8, UTF-16 wie Excels „Unicode-Text“ oder Windows-1252; Trennzeichen ;, Komma oder Tabulator). "
                        "Andere Formate werden abgelehnt."),
        ("Quelle und Stichtag", "Aus dem Blatt „Info“; sonst aus dem Dateinamen <quelle>_<JJJJ-MM-TT>.xlsx "
                                f"(z. B. {vorlage.beispiel_datei}); sonst erkennt das Warehouse die Quelle an "
                                "der Kopfzeile. Datumsangaben als TT.MM.JJJJ (31.12.2022) oder JJJJ-MM-TT (2022-12-31)."),
        ("Kopfzeile", "Wird gesucht, nicht vorausgesetzt: Titelzeilen darüber und Fußnoten darunter („Quelle: …“, "
                      "„*) …“) sind erlaubt. Groß-/Kleinschreibung, Leerzeichen, Zeilenumbrüche und ä/ae, ö/oe, "
                      "ü/ue, ß/ss spielen keine Rolle; die Schreibweisen unter „Auch erkannt als“ gelten ebenso."),
    ]
    if vorlage.statistik:
        regeln += [
            ("Zahlen", "Zahlenzellen oder Text in deutscher Schreibweise: 1.234 oder 1.234,5 (Tausenderpunkt, "
                       "Dezimalkomma). Anzahlen sind ganze Zahlen ab 0."),
            ("Zeichen (DIN 55301)", "– oder - allein = genau null (nichts vorhanden). Nicht verfügbar sind: . = "
                                    "unbekannt oder geheim; * = vom Lieferanten gesperrt (Bundesagentur für Arbeit: "
                                    "1 oder 2); x = Aussage nicht sinnvoll; … = noch nicht verfügbar. Solche Werte "
                                    "werden leer mit Grund gespeichert, nie als 0 und nie stillschweigend verworfen."),
            ("Summenzeilen", "Zeilen wie „Insgesamt“, „Summe“, „Gesamt“ oder „Stadt insgesamt“ dürfen stehen bleiben: "
                             "sie werden nicht als Daten geladen, sondern mit der Summe der Gebiete verglichen; eine "
                             "Abweichung wird gemeldet."),
            ("Gebiete", f"Gebietsschlüssel aus der Gebietsgliederung ({gebiet_text}). Unbekannte oder am Stichtag "
                        "nicht gültige Gebiete gehen mit Grund in die Quarantäne; der Rest der Datei wird geladen. "
                        "„keine Angabe“ (Fälle ohne verwertbare Adresse) zählt zur Gemeinde, in keinem Gebiet."),
        ]
    regeln += [
        ("Fehlerhafte Zeilen", "Eine unlesbare Zeile hält nicht die ganze Datei auf: sie landet mit Blatt, Zeile, "
                               "Spalte und Grund in der Quarantäne. Abgelehnt wird die ganze Datei nur bei Fehlern, "
                               "die die ganze Datei betreffen (Format, Quelle, Kopfzeile, Stichtag) oder wenn keine "
                               "Zeile gültig ist."),
        ("Neue Lieferung", "Dieselbe Datei (gleicher Inhalt) wird nicht zweimal geladen. Eine neue Datei für "
                           "dieselbe Quelle, denselben Stichtag und dieselbe Gemeinde ersetzt die frühere; die "
                           "frühere bleibt im Archiv."),
    ]
    return regeln


def _merkmale() -> dict[str, Merkmal]:
    """Die erklärten Merkmale aus dem Referenzordner; leer, wenn merkmale.csv fehlt oder fehlerhaft ist (die
    Vorlage entsteht trotzdem; `sozial-dwh check` und der Lauf melden den Fehler)."""
    try:
        return load_merkmale(config.reference_dir())
    except ReferenceError:
        return {}


def _gemeinden(gebiete: Sequence[Gebiet]) -> list[tuple[str, str]]:
    return sorted({(g.gemeinde_ags, g.gemeinde) for g in gebiete})


def _sozialraeume(gebiete: Sequence[Gebiet]) -> list[tuple[str, str, str, str, list[str]]]:
    found: dict[str, _SR] = {}
    for g in sorted(gebiete, key=lambda g: g.gebiet_id):
        sr = found.setdefault(g.sozialraum_id, _SR(g.sozialraum_id, g.sozialraum, g.gemeinde_ags, g.gemeinde))
        sr.gebiete.append(g.gebiet_id)
    return [(sr.sr_id, sr.name, sr.ags, sr.gemeinde, sr.gebiete)
            for sr in sorted(found.values(), key=lambda s: (s.ags, s.sr_id))]


@dataclass
class _SR:
    sr_id: str
    name: str
    ags: str
    gemeinde: str
    gebiete: list[str] = field(default_factory=list)
