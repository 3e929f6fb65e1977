"""Die Kopfzeile einer Tabelle finden, Titel- und Fußnotenzeilen überspringen (architektur.md §5.1, §5.3)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field

from sozial_dwh.parsing import code_text, is_blank, norm
from sozial_dwh.readers.workbook import FileRejected, Sheet, clean_row, column_letter

# Kanonische Spalten und ihre Synonyme (architektur.md §5.3, mindestens diese). Schlüssel = interner Name.
SYNONYMS: dict[str, list[str]] = {
    "gebiet": ["Gebiet", "Bereich", "Gebiets-Nr", "Gebietsnummer", "statistischer Bezirk", "Bezirk-Nr",
               "Gebiets-Nr.", "Bezirk", "Bezirksnummer", "statistischer Bezirk Nr"],
    "anzahl": ["Anzahl", "Personen", "Einwohner", "Wert", "Fälle", "Einwohnerinnen und Einwohner"],
    "alter": ["Alter", "Altersjahr", "Alter in Jahren"],
    "altersgruppe": ["Altersgruppe", "Alter von-bis", "Altersklasse", "Altersgruppen"],
    "geschlecht": ["Geschlecht"],
    "staatsangehoerigkeit": ["Staatsangehörigkeit", "Nationalität", "Staatsangeh."],
    "migrationshintergrund": ["Migrationshintergrund"],
    "stichtag": ["Stichtag", "Datum"],
    "insgesamt": ["Insgesamt", "Einwohner insgesamt", "Bevölkerung insgesamt", "Einwohnerinnen und Einwohner insgesamt",
                  "Gesamt", "Summe"],
    "maennlich": ["männlich", "Männer"],
    "weiblich": ["weiblich", "Frauen"],
    "divers": ["divers"],
    "auslaender": ["Ausländer", "Nichtdeutsche", "nichtdeutsch", "Ausländer/-innen", "Ausländerinnen und Ausländer",
                   "Ausländer/innen"],
    "deutsche": ["Deutsche", "deutsch"],
    "mit_migrationshintergrund": ["mit Migrationshintergrund", "Migrationshintergrund",
                                  "Bev. mit Migrationshintergrund", "Bevölkerung mit Migrationshintergrund"],
    "ohne_migrationshintergrund": ["ohne Migrationshintergrund"],
    # SGB II (aggregiert, AkG-Layout der Bundesagentur für Arbeit, Personendatensätze)
    "bedarfsgemeinschaften": ["Bedarfsgemeinschaften", "BG", "Bedarfsgemeinschaften (BG)", "Anzahl BG"],
    "leistungsberechtigte": ["Leistungsberechtigte", "LB", "Personen in BG", "Leistungsberechtigte (LB)",
                             "Leistungsberechtigte insgesamt"],
    "elb": ["ELB", "Erwerbsfähige Leistungsberechtigte", "Erwerbsfähige Leistungsberechtigte (ELB)", "erwerbsfähige LB"],
    "nef": ["NEF", "Nicht erwerbsfähige Leistungsberechtigte", "Nicht erwerbsfähige Leistungsberechtigte (NEF)",
            "nicht erwerbsfähige LB"],
    "nef_u15": ["NEF unter 15", "NEF u15", "nicht erwerbsfähige Leistungsberechtigte unter 15", "NEF unter 15 Jahren",
                "NEF unter 15 Jahre", "NEF u 15"],
    "lb_u18": ["Leistungsberechtigte unter 18", "LB unter 18", "LB u18", "LB unter 18 Jahren",
               "Leistungsberechtigte unter 18 Jahren", "Leistungsberechtigte unter 18 Jahre"],
    "bg_alleinerziehend": ["Alleinerziehende BG", "BG von Alleinerziehenden", "Alleinerziehenden-BG",
                           "Alleinerziehende Bedarfsgemeinschaften", "BG Alleinerziehende"],
    "bg_nummer": ["BG-Nummer", "BG-Nr", "BG-Nr.", "BG Nummer", "Bedarfsgemeinschaft-Nr", "Bedarfsgemeinschaftsnummer"],
    "person_nummer": ["Person-Nummer", "Personennummer", "Person-Nr", "Person-Nr.", "Pers-Nr", "Personen-Nr"],
    "status": ["Status", "Personenstatus", "Leistungsstatus"],
    "alleinerziehend": ["Alleinerziehend", "Alleinerziehende"],
    "berichtsmonat": ["Berichtsmonat", "Berichtszeitraum", "Monat"],
    "gemeindeschluessel": ["Gemeindeschlüssel", "AGS", "Gemeinde-Schlüssel", "Gemeindekennziffer", "Gemeinde"],
    "gebietsschluessel": ["Gebietsschlüssel", "Gebiet-Schlüssel", "AkG-Schlüssel", "Bereichsschlüssel",
                          "kleinräumiger Gebietsschlüssel"],
    "gebietsname": ["Gebietsname", "Bezeichnung", "Name des Gebiets"],
    # Arbeitslose
    "rechtskreis": ["Rechtskreis"],
    "merkmal": ["Merkmal", "Personengruppe", "Strukturmerkmal"],
    "alo_insgesamt": ["Arbeitslose insgesamt", "Arbeitslose", "Arbeitslose zusammen"],
    "alo_sgb2": ["SGB II", "Rechtskreis SGB II", "Arbeitslose SGB II", "Arbeitslose im SGB II"],
    "alo_sgb3": ["SGB III", "Rechtskreis SGB III", "Arbeitslose SGB III", "Arbeitslose im SGB III"],
    "alo_langzeit": ["Langzeitarbeitslose", "langzeitarbeitslos", "Langzeitarbeitslose insgesamt"],
    "alo_u25": ["unter 25", "unter 25 Jahre", "Jüngere unter 25 Jahren", "Arbeitslose unter 25", "unter 25 Jahren",
                "15 bis unter 25"],
    "alo_55plus": ["55 und älter", "55 Jahre und älter", "Ältere ab 55", "Arbeitslose 55 Jahre und älter", "55+",
                   "ab 55"],
    # Mindestsicherung
    "leistungsart": ["Leistungsart", "Leistung", "Hilfeart"],
    "grusi_alter": ["Grundsicherung im Alter", "grusi_alter", "GruSi Alter", "Grundsicherung ab Regelaltersgrenze",
                    "SGB XII Kap. 4 ab Regelaltersgrenze"],
    "grusi_em": ["Grundsicherung bei Erwerbsminderung", "grusi_em", "GruSi Erwerbsminderung",
                 "SGB XII Kap. 4 Erwerbsminderung"],
    "hlu": ["Hilfe zum Lebensunterhalt", "hlu", "HLU", "SGB XII Kap. 3"],
    "asylblg": ["AsylbLG Regelleistungen", "asylblg", "AsylbLG", "Regelleistungen nach dem AsylbLG",
                "Asylbewerberleistungen"],
    # Kindertagesbetreuung
    "einrichtung": ["Einrichtung", "Kita", "Name der Einrichtung", "Tageseinrichtung", "Kindertageseinrichtung"],
    "traeger": ["Träger", "Traeger", "Trägerschaft"],
    "plaetze_u3": ["Plätze U3", "Plätze unter 3", "U3-Plätze", "Plätze für Kinder unter 3 Jahren", "Plätze u3"],
    "plaetze_ue3": ["Plätze Ü3", "Plätze über 3", "Ü3-Plätze", "Plätze ab 3", "Plätze für Kinder ab 3 Jahren",
                    "Plätze ue3"],
    "adresse": ["Adresse", "Anschrift", "Straße"],
    # Sozialraumkonferenz
    "organisation": ["Organisation", "Institution", "Einrichtung/Organisation"],
    "sektor": ["Sektor", "Art der Organisation"],
    "sozialraum": ["Sozialraum", "Sozialräume"],
    "ag": ["AG", "Arbeitsgruppe"],
    "thema": ["Thema", "Themen"],
    "nr": ["Nr", "Nr.", "Nummer", "lfd. Nr."],
    "handlungsfeld": ["Handlungsfeld"],
    "art": ["Art", "Ergebnisart", "Typ"],
    "beschreibung": ["Beschreibung", "Ergebnis", "Text"],
    "prioritaet": ["Priorität", "Prio"],
    "bezug_ergebnis": ["Bezug Ergebnis", "Bezug", "Ergebnis-Nr", "zu Ergebnis", "Bezug Ergebnisse"],
    "titel": ["Titel", "Maßnahme", "Bezeichnung der Maßnahme"],
    "zustaendig": ["Zuständig", "Zuständigkeit", "verantwortlich"],
    "termin": ["Termin", "Frist"],
    "gremium": ["Gremium", "Beschlussgremium"],
}

_NORMALISED: dict[str, dict[str, str]] = {}


def canonical(header: object, candidates: list[str]) -> str | None:
    """Der kanonische Name einer Überschrift unter `candidates`, sonst None."""
    n = norm(header)
    if not n:
        return None
    for name in candidates:
        table = _NORMALISED.get(name)
        if table is None:  # einmal je Spalte, nicht bei jedem Aufruf
            table = _NORMALISED[name] = {norm(s): name for s in SYNONYMS[name] + [name]}
        if n in table:
            return name
    return None


_FOOTNOTE = re.compile(
    r"^(quelle|anmerkung|hinweis|hinweise|stand|fussnote|erlaeuterung|\*|\d\)|¹|zeichenerklaerung|rundung"
    r"|©|\(c\)|copyright|[–—\-.x*…]=|\.\.\.=)"  # „© Statistik der BA“, Zeichenerklärung „– = nichts vorhanden“
)


def is_footnote_row(row: list[object]) -> bool:
    """Fußnote: genau eine befüllte Zelle mit Text wie „Quelle: …“, „*) …“, „1) …“."""
    filled = [v for v in row if not is_blank(v)]
    if len(filled) != 1 or not isinstance(filled[0], str):
        return False
    return bool(_FOOTNOTE.match(norm(filled[0]))) or len(filled[0]) > 40


BLOCK_ROWS = 50_000


@dataclass
class Table:
    """Eine gefundene Tabelle: Kopfzeile (1-basiert wie in Excel) und Spaltenzuordnung."""

    sheet: Sheet
    header_row: int
    columns: dict[str, int]  # kanonischer Name -> Spaltenindex (0-basiert)
    headers: list[object]
    unused: list[str] = field(default_factory=list)
    duplicates: dict[str, list[int]] = field(default_factory=dict)  # kanonischer Name -> alle Spalten mit ihm

    def data_rows(self) -> Iterator[tuple[int, list[object]]]:
        """(Excel-Zeilennummer, Werte) je Datenzeile; Leer- und Fußnotenzeilen übersprungen."""
        for index, row in enumerate(self.sheet.iter_rows(self.header_row), start=self.header_row):
            if not _skip(row):
                yield index + 1, row

    @property
    def width(self) -> int:
        """Spalten bis zur letzten erkannten; die Stelle `width` steht für jede fehlende Spalte (immer leer)."""
        return max(self.columns.values()) + 1

    def fit(self, row: list[object]) -> list[object]:
        """Die Zeile auf `width` Spalten gekürzt und um eine leere Stelle ergänzt: eine fehlende Spalte (Index
        `width`) liest so immer None, nie den Wert einer Spalte, die zufällig dort steht („Bemerkung“ hinter
        „Anzahl“, „Schwerbehindert“ statt „Alleinerziehend“)."""
        width = self.width
        if len(row) > width:
            return [*row[:width], None]
        return row + [None] * (width + 1 - len(row))

    def value(self, row: list[object], name: str) -> object:
        index = self.columns.get(name)
        if index is None or index >= len(row):
            return None
        return row[index]

    def blocks(self, size: int | None = None) -> Iterator[Block]:
        """Die Zeilen unter der Kopfzeile in Blöcken zu `size` (Vorgabe `BLOCK_ROWS`) Zeilen, roh (für spaltenweises
        Lesen; ein Block hält seine Zeilen im Speicher, so bleibt der Bedarf auch bei sehr langen Blättern begrenzt).

        Lange Tabellen (Langformat der Bevölkerung, Personendatensätze) werden so Spalte für Spalte gelesen:
        jeder verschiedene Zellwert wird einmal ausgewertet, statt jede Zeile einzeln durch die Leselogik zu
        schicken. Zeilen, die dabei auffallen, gehen über `Block.row` doch Zeile für Zeile.
        """
        size = size or BLOCK_ROWS
        raw = self.sheet.iter_raw(self.header_row)
        first = self.header_row + 1
        while rows := list(itertools.islice(raw, size)):
            yield Block(first, rows, self.width)
            first += len(rows)


def _skip(row: list[object]) -> bool:
    """Leer- oder Fußnotenzeile? `row` ist bereinigt (leere Zellen None, am Ende abgeschnitten): eine leere Zeile
    ist [], eine Fußnote hat genau eine befüllte Zelle – nur dann lohnt der genaue Blick."""
    return not row or (row.count(None) == len(row) - 1 and is_footnote_row(row))


class MixedTypes(Exception):
    """Eine Spalte enthält Wahrheitswerte neben Zahlen (True == 1): spaltenweise nicht sicher zu lesen."""


# Ergebnis einer Zellauswertung, das die Zeile auf den genauen Weg schickt (Quarantäne, Summe, Fußnote …).
BAD = type("Auffaellig", (), {"__repr__": lambda self: "BAD"})()


@dataclass
class Block:
    """Zeilen einer Tabelle ab Excel-Zeile `first`, roh wie gelesen."""

    first: int
    rows: list[list[object]]
    width: int  # Spalten der Tabelle; ein Index ab `width` ist eine fehlende Spalte (immer None)
    _columns: list[tuple] | None = None

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def zeilen(self) -> range:
        return range(self.first, self.first + len(self.rows))

    def column(self, index: int) -> tuple | list:
        """Die Werte einer Spalte (None, wo eine Zeile kürzer ist; nur None für eine fehlende Spalte)."""
        if index >= self.width:
            return [None] * len(self.rows)
        if self._columns is None:
            self._columns = list(itertools.zip_longest(*self.rows))
        if index < len(self._columns):
            return self._columns[index]
        return [None] * len(self.rows)

    def row(self, offset: int) -> tuple[int, list[object]] | None:
        """Zeile `offset` bereinigt wie bei `Table.data_rows` (None: Leer- oder Fußnotenzeile)."""
        row = clean_row(self.rows[offset])
        return None if _skip(row) else (self.first + offset, row)


def map_values(values, parse: Callable[[Hashable], object], cache: dict) -> list:
    """`parse` für jeden verschiedenen Wert einmal; Ergebnis je Zeile (BAD: Zeile einzeln lesen)."""
    if bool in set(map(type, values)):
        raise MixedTypes
    new = set(values).difference(cache)
    for value in new:
        cache[value] = parse(value)
    return list(map(cache.__getitem__, values))


def codes(values) -> list:
    """`code_text` für eine ganze Spalte von Schlüsseln (meist alle verschieden, ein Zwischenspeicher lohnt nicht);
    leere Schlüssel sind BAD."""
    if set(map(type, values)) == {str}:
        result = list(map(str.strip, values))
    else:
        result = [code_text(value) for value in values]
    if "" in result:
        result = [value or BAD for value in result]
    return result


def runs(ok: list[bool]) -> Iterator[tuple[bool, int, int]]:
    """Abschnitte gleicher Art in `ok`: (alle ok?, von, bis ausschließlich)."""
    start, end = 0, len(ok)
    while start < end:
        value = ok[start]
        try:
            stop = ok.index(not value, start)
        except ValueError:
            stop = end
        yield value, start, stop
        start = stop


def find_header(sheet: Sheet, candidates: list[str], required: list[list[str]], max_rows: int = 40) -> Table | None:
    """Sucht in den ersten `max_rows` Zeilen die Kopfzeile.

    `required` ist eine Liste von Alternativen-Gruppen: aus jeder Gruppe muss mindestens eine Spalte da
    sein (z. B. [["gebiet"], ["alter", "altersgruppe"], ["anzahl"]]).
    """
    for index, row in enumerate(sheet.head[:max_rows]):
        columns: dict[str, int] = {}
        duplicates: dict[str, list[int]] = {}
        for col, value in enumerate(row):
            name = canonical(value, candidates)
            if name and name in columns:
                duplicates.setdefault(name, [columns[name]]).append(col)
            elif name:
                columns[name] = col
        if all(any(name in columns for name in group) for group in required):
            return Table(sheet, index + 1, columns, list(row), duplicates=duplicates)
    return None


def reject_duplicate_columns(table: Table) -> None:
    """Zwei Spalten für dieselbe Angabe (zweimal „Insgesamt“, die alte vielleicht ausgeblendet; „Gebiet“ und
    „Bezirk“): welche gilt, wird nicht geraten (architektur.md §5.1) – die Datei wird abgelehnt."""
    if not table.duplicates:
        return
    parts = []
    for name, cols in table.duplicates.items():
        found = " und ".join(f"{column_letter(c)} („{str(table.headers[c]).replace(chr(10), ' ')}“)" for c in cols)
        parts.append(f"„{display(name)}“ steht in mehreren Spalten: {found}")
    raise FileRejected(
        f"{'; '.join(parts)} (Blatt „{table.sheet.name}“, Kopfzeile {table.header_row}). Welche Spalte gilt, wird "
        "nicht geraten. Bitte die überzählige Spalte löschen oder umbenennen – auch ausgeblendete Spalten zählen."
    )


@dataclass(frozen=True)
class Layout:
    """Ein Tabellenlayout einer Quelle: erkannte Spalten, Pflichtgruppen, optional eine Zusatzprüfung."""

    name: str
    columns: list[str]
    required: list[list[str]]
    accept: Callable[[Table], bool] | None = None


NOTE_SHEETS = {"info", "erlaeuterungen", "erklaerung", "hinweise"}


def find_layout(sheets: list[Sheet], layouts: list[Layout], skip: set[str] | None = None) -> tuple[Layout, Table] | None:
    """Das erste Blatt und Layout, dessen Kopfzeile passt (Blätter wie „Info“ übersprungen)."""
    found = find_layouts(sheets, layouts, skip)
    return found[0] if found else None


def find_layouts(sheets: list[Sheet], layouts: list[Layout], skip: set[str] | None = None) -> list[tuple[Layout, Table]]:
    """Je Blatt das erste passende Layout (Blätter wie „Info“ übersprungen), in der Reihenfolge der Mappe."""
    skip = NOTE_SHEETS | (skip or set())
    found = []
    for sheet in sheets:
        if norm(sheet.name) in skip:
            continue
        for layout in layouts:
            table = find_header(sheet, layout.columns, layout.required)
            if table and (layout.accept is None or layout.accept(table)):
                found.append((layout, table))
                break
    return found


def find_one_layout(sheets: list[Sheet], layouts: list[Layout], what: str, blatt: object = None
                    ) -> tuple[Layout, Table] | None:
    """Das eine Blatt mit einer Tabelle dieser Quelle. Nennt Blatt „Info“ ein Blatt („Blatt: 2022“), gilt nur dieses;
    sonst sind zwei sichtbare Blätter mit einer Tabelle derselben Quelle mehrdeutig (architektur.md §5.1: nicht raten)."""
    if blatt is not None and str(blatt).strip():
        chosen = [sheet for sheet in sheets if norm(sheet.name) == norm(blatt)]
        if not chosen:
            names = ", ".join(f"„{sheet.name}“" for sheet in sheets)
            raise FileRejected(f"Blatt „Info“ nennt das Blatt „{blatt}“, das es (sichtbar) nicht gibt. Sichtbare Blätter: "
                               f"{names}. Bitte den Namen im Blatt „Info“ berichtigen.")
        sheets = chosen
    found = find_layouts(sheets, layouts)
    if len(found) > 1:
        names = " und ".join(f"„{table.sheet.name}“" for _, table in found)
        raise FileRejected(
            f"{what}: die Blätter {names} enthalten beide eine Tabelle dieser Quelle. Welches gilt, wird nicht "
            "geraten. Bitte im Blatt „Info“ eine Zeile „Blatt“ mit dem Namen des zu ladenden Blatts ergänzen, "
            "das andere Blatt entfernen oder je Blatt eine eigene Datei abgeben."
        )
    return found[0] if found else None


def layout_signature(sheets: list[Sheet], layouts: list[Layout]) -> tuple[str, int] | None:
    """(Blatt, Zahl erkannter Spalten) der ersten passenden Kopfzeile – für die Erkennung der Quelle."""
    found = find_layout(sheets, layouts)
    return (found[1].sheet.name, len(found[1].columns)) if found else None


def display(name: str) -> str:
    return SYNONYMS[name][0] if name in SYNONYMS else name


def missing_columns_message(sheets: list[Sheet], layouts: list[Layout], what: str, max_rows: int = 40) -> str:
    """Deutsche Meldung, welche Pflichtspalten fehlen – bezogen auf die am besten passende Zeile."""
    best: tuple[int, Sheet, int, Layout, dict[str, int]] | None = None
    for sheet in sheets:
        if norm(sheet.name) == "info":
            continue
        for index, row in enumerate(sheet.head[:max_rows]):
            for layout in layouts:
                found = {}
                for col, value in enumerate(row):
                    name = canonical(value, layout.columns)
                    if name and name not in found:
                        found[name] = col
                if best is None or len(found) > best[0]:
                    best = (len(found), sheet, index + 1, layout, found)
    if best is None or best[0] == 0:
        wanted = "; ".join(" + ".join("/".join(f"„{display(n)}“" for n in group) for group in layout.required)
                           for layout in layouts)
        return (f"{what}: keine Kopfzeile gefunden. Erwartet werden die Spalten {wanted}. "
                "Vorlage: `sozial-dwh templates`.")
    _, sheet, zeile, layout, found = best
    missing = [" oder ".join(f"„{display(n)}“" for n in group) for group in layout.required
               if not any(n in found for n in group)]
    present = ", ".join(f"„{sheet.head[zeile - 1][c]}“".replace("\n", " ") for c in found.values())
    if not missing:
        return f"{what}: Kopfzeile in Blatt „{sheet.name}“, Zeile {zeile} passt nicht zum Layout ({present})."
    return (
        f"{what}: Pflichtspalte {', '.join(missing)} fehlt (Blatt „{sheet.name}“, Kopfzeile {zeile}; "
        f"gefunden: {present or 'nichts'}). Bitte die Spalte ergänzen oder umbenennen; "
        "Vorlage: `sozial-dwh templates`."
    )
