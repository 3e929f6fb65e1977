"""Die Tabellen einer Berichtsausgabe: je Tabelle die Abfrage `sql/bericht/<name>.sql` und ihre Spalten."""

from __future__ import annotations

from sozial_dwh.bericht.modell import Spalte, Tabelle
from sozial_dwh.quellen import alle_quellen

# In die Indikatoren (und so in die Bewertung der Konferenzergebnisse) geht jede Quelle ein (sozial_dwh.quellen)
INDIKATOR_QUELLEN = alle_quellen()


def _raum(gemeinde: bool = True) -> tuple[Spalte, ...]:
    """Raumspalten; `gemeinde`: dazu die (unsichtbare) Gemeinde, die Summengruppe der Geheimhaltung – bei mehreren
    Gemeinden ist jede Gemeindezeile die Summe ihrer eigenen Sozialräume."""
    return (
        Spalte("ebene", "Ebene", sichtbar=False),
        Spalte("raum_id", "Schlüssel", "schluessel", breite=10),
        Spalte("raum", "Sozialraum", breite=24),
        *((Spalte("gemeinde_id", "Gemeinde", "schluessel", sichtbar=False),) if gemeinde else ()),
    )


def _quote(name: str, titel: str, basis: str, einheit: str = "%") -> Spalte:
    return Spalte(name, titel, "quote", einheit, basis=basis)


def _anzahl(name: str, titel: str, sichtbar: bool = True) -> Spalte:
    return Spalte(name, titel, "anzahl", sichtbar=sichtbar, nachkommastellen=0)


def _veraenderung(name: str, titel: str, basis: str, einheit: str, basis_vorher: str | None = None) -> Spalte:
    # Veränderung einer Anzahl in ganzen Personen, einer Quote in Prozentpunkten mit einer Nachkommastelle
    return Spalte(name, titel, "veraenderung", einheit, basis=basis, basis_vorher=basis_vorher,
                  nachkommastellen=0 if einheit == "Personen" else 1)


def _vorher(name: str) -> Spalte:
    """Die Fallzahl am Stichtag der vorigen Ausgabe (unsichtbar): Basis der Geheimhaltung einer Veränderung."""
    return _anzahl(name, "Fallzahl am Stichtag der vorigen Ausgabe", sichtbar=False)


TABELLEN: tuple[Tabelle, ...] = (
    Tabelle(
        "indikatoren", "Indikatoren", "Indikatoren je Sozialraum im Vergleich zur Gemeinde",
        (
            Spalte("indikator_id", "Kennung", "schluessel", breite=22),
            Spalte("indikator", "Indikator", breite=36),
            *_raum(),
            _quote("wert", "Wert", "zaehler", ""),
            Spalte("einheit", "Einheit", breite=9),
            Spalte("wert_gemeinde", "Gemeinde", "quote", wie_summenzeile="wert"),
            _veraenderung("abweichung", "Abweichung von der Gemeinde", "zaehler", ""),
            _veraenderung("veraenderung_bericht", "Veränderung seit der vorigen Ausgabe", "zaehler", "",
                          "zaehler_vorher"),
            _anzahl("zaehler", "Zähler", sichtbar=False),
            _vorher("zaehler_vorher"),
            Spalte("nenner", "Nenner", "anzahl", sichtbar=False, nachkommastellen=0),
            Spalte("hinweis", "Hinweis", breite=40),
        ),
        "Quoten aus summierten Zählern und Nennern; Veränderung in Prozentpunkten (bei Anzahlen in Personen).",
        gruppe=("indikator_id", "gemeinde_id"),
        quellen=INDIKATOR_QUELLEN,
    ),
    Tabelle(
        "indikatoren_gebiete", "Indikatoren nach Gebieten", "Indikatoren je Gebiet, nach Sozialräumen geordnet",
        (
            Spalte("indikator_id", "Kennung", "schluessel", breite=22),
            Spalte("indikator", "Indikator", breite=36),
            Spalte("ebene", "Ebene", sichtbar=False),
            Spalte("raum_id", "Schlüssel", "schluessel", breite=10),
            Spalte("raum", "Gebiet", breite=30),
            Spalte("sozialraum_id", "Sozialraum", "schluessel", sichtbar=False),
            Spalte("sozialraum", "Sozialraum", breite=20),
            _quote("wert", "Wert", "zaehler", ""),
            Spalte("einheit", "Einheit", breite=9),
            _anzahl("zaehler", "Zähler", sichtbar=False),
            Spalte("nenner", "Nenner", "anzahl", sichtbar=False, nachkommastellen=0),
            Spalte("hinweis", "Hinweis", breite=40),
        ),
        "Gebiete der heutigen Gliederung; je Sozialraum zuerst seine Zeile, dann seine Gebiete. Grundlage der Karten "
        "auf Gebietsebene.",
        summe_wert="sozialraum",
        gruppe=("indikator_id", "sozialraum_id"),
        quellen=INDIKATOR_QUELLEN,
        # die Sozialraumzeilen stehen auch in „Indikatoren“: dort gesperrt, hier gesperrt (auch sekundär)
        sperre_wie=("indikatoren", ("indikator_id", "ebene", "raum_id")),
    ),
    Tabelle(
        "bevoelkerung", "Bevölkerung", "Bevölkerung und Altersstruktur",
        (
            *_raum(),
            _anzahl("einwohner", "Einwohner"),
            _veraenderung("einwohner_veraenderung", "Veränderung seit der vorigen Ausgabe", "einwohner", "Personen",
                          "einwohner_vorher"),
            _vorher("einwohner_vorher"),
            _anzahl("unter_18", "unter 18 Jahre"),
            _quote("anteil_u18", "Anteil unter 18", "unter_18"),
            _anzahl("ab_65", "65 Jahre und älter"),
            _quote("anteil_65plus", "Anteil 65 und älter", "ab_65"),
            _quote("jugendquotient", "Jugendquotient", "unter_18", "je 100"),
            _quote("altenquotient", "Altenquotient", "ab_65", "je 100"),
            _anzahl("auslaender", "Ausländerinnen und Ausländer"),
            _quote("auslaenderanteil", "Ausländeranteil", "auslaender"),
            _anzahl("migration", "mit Migrationshintergrund"),
            _quote("migrationsanteil", "Anteil mit Migrationshintergrund", "migration"),
        ),
        "Einwohnerinnen und Einwohner mit Hauptwohnsitz am Stichtag.",
        gruppe=("gemeinde_id",),
        quellen=("bevoelkerung",),
    ),
    Tabelle(
        "sozialleistungen", "SGB II und Mindestsicherung", "SGB II und Mindestsicherung",
        (
            *_raum(),
            _anzahl("leistungsberechtigte", "Leistungsberechtigte SGB II"),
            _quote("sgb2_quote", "SGB-II-Quote", "leistungsberechtigte"),
            _veraenderung("sgb2_quote_veraenderung", "SGB-II-Quote: Veränderung seit der vorigen Ausgabe",
                          "leistungsberechtigte", "Pp.", "leistungsberechtigte_vorher"),
            _vorher("leistungsberechtigte_vorher"),
            _anzahl("elb", "Erwerbsfähige Leistungsberechtigte"),
            _quote("elb_quote", "ELB-Quote", "elb"),
            _anzahl("nef_u15", "Nicht erwerbsfähige LB unter 15"),
            _quote("kinderarmut_u15", "Kinderarmut unter 15", "nef_u15"),
            _anzahl("bg_alleinerziehend", "Alleinerziehenden-BG"),
            _quote("alleinerziehende_bg", "Anteil Alleinerziehenden-BG", "bg_alleinerziehend"),
            _anzahl("grusi_alter", "Grundsicherung im Alter"),
            _quote("altersarmut_65plus", "Altersarmut 65+", "grusi_alter"),
            _anzahl("mindestsicherung", "Mindestsicherung insgesamt"),
            _quote("mindestsicherungsquote", "Mindestsicherungsquote", "mindestsicherung"),
        ),
        "SGB-II-Quote: Leistungsberechtigte je 100 Einwohner unter 65 Jahren. Mindestsicherung: SGB II, "
        "Grundsicherung im Alter und bei Erwerbsminderung, Hilfe zum Lebensunterhalt, AsylbLG.",
        gruppe=("gemeinde_id",),
        quellen=("sgb2", "grundsicherung", "bevoelkerung"),
    ),
    Tabelle(
        "arbeitslosigkeit", "Arbeitslosigkeit", "Arbeitslosigkeit",
        (
            *_raum(),
            _anzahl("arbeitslose", "Arbeitslose"),
            _quote("arbeitslosenanteil", "Arbeitslosenanteil", "arbeitslose"),
            _veraenderung("arbeitslosenanteil_veraenderung", "Veränderung seit der vorigen Ausgabe", "arbeitslose",
                          "Pp.", "arbeitslose_vorher"),
            _vorher("arbeitslose_vorher"),
            _anzahl("langzeitarbeitslose", "Langzeitarbeitslose"),
            _quote("langzeitarbeitslosenanteil", "Langzeitarbeitslosenanteil", "langzeitarbeitslose"),
            _anzahl("arbeitslose_u25", "Arbeitslose unter 25"),
            _quote("jugendarbeitslosenanteil", "Jugendarbeitslosenanteil", "arbeitslose_u25"),
        ),
        "Arbeitslose (SGB II und SGB III) je 100 Einwohner von 15 bis 64 Jahren.",
        gruppe=("gemeinde_id",),
        quellen=("arbeitslose", "bevoelkerung"),
    ),
    Tabelle(
        "kinderbetreuung", "Kinderbetreuung", "Kindertagesbetreuung: Plätze und Versorgungsquoten",
        (
            *_raum(),
            _anzahl("kinder_u3", "Kinder unter 3"),
            _anzahl("plaetze_u3", "Plätze U3"),
            _quote("versorgung_u3", "Versorgungsquote U3", "kinder_u3"),
            _anzahl("kinder_3_5", "Kinder 3 bis 5"),
            _anzahl("plaetze_ue3", "Plätze Ü3"),
            _quote("versorgung_ue3", "Versorgungsquote Ü3", "kinder_3_5"),
        ),
        "Plätze zum 01.03. des Folgejahres je 100 Kinder am Stichtag.",
        gruppe=("gemeinde_id",),
        quellen=("kita", "bevoelkerung"),
    ),
    Tabelle(
        "zeitreihe", "Zeitreihe", "SGB-II-Quote und Arbeitslosenanteil im Zeitverlauf",
        (
            Spalte("stichtag", "Stichtag", "datum"),
            *_raum(),
            _anzahl("leistungsberechtigte", "Leistungsberechtigte SGB II"),
            _quote("sgb2_quote", "SGB-II-Quote", "leistungsberechtigte"),
            _anzahl("arbeitslose", "Arbeitslose"),
            _quote("arbeitslosenanteil", "Arbeitslosenanteil", "arbeitslose"),
        ),
        "Werte früherer Stichtage auf der heutigen Gebietsgliederung.",
        gruppe=("stichtag", "gemeinde_id"),
        quellen=("sgb2", "arbeitslose", "bevoelkerung"),
    ),
    Tabelle(
        "sozialindex", "Sozialindex", "Sozialindex der Sozialräume",
        (
            *_raum(gemeinde=False),
            _anzahl("einwohner", "Einwohner"),
            Spalte("statusindex", "Statusindex", "index", nachkommastellen=3),
            Spalte("statusklasse", "Statusklasse", breite=14),
            Spalte("dynamikindex", "Dynamikindex", "index", nachkommastellen=3),
            Spalte("dynamikklasse", "Dynamikklasse", breite=14),
            Spalte("gesamtklasse", "Gesamtklasse", breite=24),
            Spalte("vergleich_stichtag", "Dynamik seit", "datum"),
        ),
        "Status- und Dynamikindex nach dem Berliner Monitoring Soziale Stadtentwicklung (Methodik).",
        summe_spalte=None,
        quellen=("sgb2", "arbeitslose", "bevoelkerung"),
    ),
    Tabelle(
        "konferenz", "Konferenzergebnisse", "Ergebnisse der Sozialraumkonferenzen",
        (
            Spalte("konferenz_datum", "Konferenz", "datum"),
            Spalte("raum", "Sozialraum", breite=18),
            Spalte("handlungsfeld", "Handlungsfeld", breite=22),
            Spalte("art", "Art", breite=18),
            Spalte("prioritaet", "Priorität", "schluessel", breite=9),
            Spalte("beschreibung", "Beschreibung", breite=60),
            Spalte("bewertung", "Bewertung durch die Daten", breite=30),
            Spalte("indikatoren_text", "Indikatoren (Sozialraum, Gemeinde)", breite=60),
            Spalte("massnahmen", "Maßnahmen (Status)", breite=50),
        ),
        "Bewertung: bestätigt, wenn die verknüpften Indikatoren den Sozialraum schlechter als die Gemeinde zeigen.",
        summe_spalte=None,
        quellen=("konferenz", *(q for q in INDIKATOR_QUELLEN if q != "konferenz")),
    ),
    Tabelle(
        "massnahmen", "Maßnahmen", "Maßnahmen und offene Bedarfe",
        (
            Spalte("zeilenart", "Art", breite=14),
            Spalte("nr", "Nr", "schluessel", breite=6),
            Spalte("titel", "Maßnahme bzw. Bedarf", breite=60),
            Spalte("handlungsfelder", "Handlungsfeld", breite=22),
            Spalte("sozialraeume", "Sozialraum", breite=18),
            Spalte("zustaendig", "Zuständig", breite=30),
            Spalte("gremium", "Gremium", breite=30),
            Spalte("status", "Status", breite=14),
            Spalte("termin", "Termin", "datum"),
            Spalte("status_verlauf", "Statusverlauf", breite=50),
            Spalte("prioritaet", "Priorität", "schluessel", breite=9),
        ),
        "Status laut jüngster Arbeitsmappe; offene Bedarfe: benannt, aber noch ohne (nicht verworfene) Maßnahme.",
        summe_spalte=None,
        quellen=("konferenz",),
    ),
)


def tabelle(name: str) -> Tabelle:
    for t in TABELLEN:
        if t.name == name:
            return t
    raise KeyError(name)
