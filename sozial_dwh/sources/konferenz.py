"""Sozialraumkonferenz (`konferenz`): die Blätter der Konferenz-Arbeitsmappe als Rohtabellen (architektur.md §5.2).

Blätter: `Veranstaltung` (Schlüssel/Wert-Zeilen oder Kopfzeile + eine Zeile: Titel, Datum, Ort, Format,
Sozialräume), `Teilnehmende` (Organisation, Sektor, Sozialraum), `Arbeitsgruppen` (AG, Sozialraum,
Thema), `Ergebnisse` (Nr, AG, Sozialraum, Handlungsfeld, Art, Beschreibung, Priorität) und `Maßnahmen`
(Nr, Bezug Ergebnis, Titel, Zuständig, Status, Termin, Gremium).

Datenschutz (architektur.md §10): Gelesen werden nur die Spalten des Vertrags. Jede Textzelle jedes Blatts geht durch
einen Schwärzer, bevor irgendetwas gespeichert oder in einer Meldung (Quarantänegrund und -wert, Meldungen,
Ablehnungsgrund) zitiert wird: E-Mail-Adressen, Telefonnummern, Anschriften und Namen mit Anrede oder Titel werden
durch „[E-Mail entfernt]“, „[Telefon entfernt]“, „[Adresse entfernt]“, „[Name entfernt]“ ersetzt. Personenspalten
(Name, Vorname, Ansprechperson, Kontakt, Teilnehmer/-in, E-Mail, Telefon, Adresse …, in jedem Blatt) werden nie
geladen; ihre Werte werden im Speicher gesammelt und in allen Freitexten ersetzt – als ganze Zelle und je
Namensteil („Frau Zwetschgenbaum“ bei „Wilhelmine Zwetschgenbaum“).
"""

from __future__ import annotations

import datetime as dt
import re

from sozial_dwh.parsing import CellError, code_text, is_blank, norm, parse_count, parse_date
from sozial_dwh.readers.table import (
    SYNONYMS,
    Layout,
    Table,
    find_header,
    missing_columns_message,
    reject_duplicate_columns,
)
from sozial_dwh.readers.workbook import FileRejected, Sheet, column_letter
from sozial_dwh.sources.base import ReadContext, ReadResult
from sozial_dwh.vokabular import ARTEN, HANDLUNGSFELDER, SEKTOREN, STATUS, VOKABULARE

# Zusätzliche Schreibweisen -> Vokabelwort
_ALIASES = {
    "sektor": {"sozialeeinrichtungen": "soziale Einrichtung", "kirche": "Glaubensgemeinschaft",
               "kirchengemeinde": "Glaubensgemeinschaft", "religionsgemeinschaft": "Glaubensgemeinschaft",
               "wohnungsunternehmen": "Wohnungsgesellschaft", "wohnungswirtschaft": "Wohnungsgesellschaft",
               "wohlfahrtsverband": "freie Wohlfahrtspflege", "wohlfahrtspflege": "freie Wohlfahrtspflege",
               "stadtverwaltung": "Verwaltung", "kindertageseinrichtung": "Kita", "sonstiges": "Sonstige",
               "vereine": "Verein", "schulen": "Schule"},
    "handlungsfeld": {"mobilitaet": "Mobilität/ÖPNV", "oepnv": "Mobilität/ÖPNV", "vernetzung": "Vernetzung/Koordination",
                      "koordination": "Vernetzung/Koordination", "gesundheit": "Gesundheit/Pflege",
                      "pflege": "Gesundheit/Pflege", "armut": "Armut/Teilhabe", "teilhabe": "Armut/Teilhabe",
                      "kita": "Kinderbetreuung", "sonstige": "Sonstiges"},
    "art": {"massnahme": "Maßnahmenvorschlag", "vorschlag": "Maßnahmenvorschlag", "ressourcen": "Ressource",
            "bedarfe": "Bedarf"},
    "status": {"inumsetzung": "in Umsetzung", "laufend": "in Umsetzung", "abgeschlossen": "umgesetzt",
               "abgelehnt": "verworfen", "offen": "vorgeschlagen"},
}


def vocab_value(kind: str, value: object) -> str | None:
    """Das Vokabelwort zu einer Angabe (Groß-/Kleinschreibung, Umlaute egal), sonst None."""
    key = norm(value)
    for word in VOKABULARE[kind]:
        if norm(word) == key:
            return word
    return _ALIASES[kind].get(key)


SHEETS = {  # Blatt (normalisiert) -> (Rohtabelle, Spalten, Pflichtgruppen)
    "teilnehmende": ("raw.konferenz_teilnehmende", ["organisation", "sektor", "sozialraum"],
                     [["organisation", "sektor"]]),
    "arbeitsgruppen": ("raw.konferenz_arbeitsgruppen", ["ag", "sozialraum", "thema"], [["ag"], ["thema", "sozialraum"]]),
    "ergebnisse": ("raw.konferenz_ergebnisse",
                   ["nr", "ag", "sozialraum", "handlungsfeld", "art", "beschreibung", "prioritaet"],
                   [["nr"], ["handlungsfeld"], ["art"], ["beschreibung"]]),
    "massnahmen": ("raw.konferenz_massnahmen",
                   ["nr", "bezug_ergebnis", "titel", "zustaendig", "status", "termin", "gremium"],
                   [["nr"], ["titel"], ["status"]]),
}
SHEET_TITLES = {"veranstaltung": "Veranstaltung", "teilnehmende": "Teilnehmende", "arbeitsgruppen": "Arbeitsgruppen",
                "ergebnisse": "Ergebnisse", "massnahmen": "Maßnahmen"}
VERANSTALTUNG_KEYS = {"titel": "titel", "datum": "datum", "ort": "ort", "format": "format",
                      "sozialraeume": "sozialraeume", "sozialraum": "sozialraeume", "stand": "stand",
                      "veranstaltung": "titel", "termin": "datum"}

# --- Datenschutz ----------------------------------------------------------------------------------------------
#
# Jede Textzelle jedes Blatts geht durch einen Schwärzer, bevor irgendetwas sie speichert oder in einer Meldung
# zitiert (`_Reader.__init__`): die Leser der Blätter sehen nur geschwärzte Blätter. Werte von Personenspalten
# (Name, Ansprechperson, Kontakt, E-Mail, Telefon, Adresse …) werden nie geladen; sie werden nur im Speicher
# gesammelt, um sie in allen Freitexten zu ersetzen.

REMOVED_NAME = "[Name entfernt]"
REMOVED_EMAIL = "[E-Mail entfernt]"
REMOVED_PHONE = "[Telefon entfernt]"
REMOVED_ADDRESS = "[Adresse entfernt]"

# Überschriften von Personenspalten, verglichen in `norm`-Form ohne Genderendung („Ansprechpartner/-in“), je Teil
# einer zusammengesetzten Überschrift („Telefon/E-Mail“, „Name, Vorname“)
_PERSON_COLUMNS = {
    REMOVED_NAME: re.compile(
        r"(?:(?:vor|nach|familien|ruf|voll)?namen?(?:de[rs])?)?"
        r"(?:ansprech(?:person(?:en)?|partner(?:in|innen)?)|kontakt(?:person(?:en)?|daten)?|"
        r"teilnehmer(?:in|innen)?|teilnehmende[rn]?|vertreter(?:in|innen)?|vertretung|person(?:en)?|"
        r"moderation|moderator(?:in)?|referent(?:in)?|leitung|unterschrift)?|anrede|vorundnachname"),
    REMOVED_EMAIL: re.compile(r"(?:e-?)?mail(?:-?adressen?)?"),
    REMOVED_PHONE: re.compile(
        r"(?:tel\.?|telefon|mobil|handy|mobiltelefon|fax|festnetz|ruf)(?:-?nr\.?|-?nummer[n]?)?"),
    REMOVED_ADDRESS: re.compile(
        r"(?:privat|wohn|post)?(?:adresse|anschrift)|strasse(?:und|,|/)?(?:hausnummer|hausnr\.?|nr\.?)?|str\.?|"
        r"hausnummer|hausnr\.?|plz(?:/?ort)?|postleitzahl|wohnort"),
}
_GENDER_SUFFIX = re.compile(r"(?:/-?in(?:nen)?|\(in(?:nen)?\)|[*:_]in(?:nen)?)$")


def person_column(header: object) -> str | None:
    """Ersatztext, wenn `header` eine Personenspalte überschreibt („Ansprechperson“ -> „[Name entfernt]“), sonst None."""
    key = _GENDER_SUFFIX.sub("", norm(header).rstrip(".:"))
    if not key:
        return None
    parts = [p.rstrip(".:") for p in re.split(r"[/,;&+()]|(?<=\w)und(?=\w)", key) if p.strip(".:-")]
    for replacement, pattern in _PERSON_COLUMNS.items():
        if any(pattern.fullmatch(p) for p in parts):
            return replacement
    return None


# nur am Anfang eines Worts beginnen: sonst prüfte der Ausdruck in langen Ziffern- oder Buchstabenfolgen jede Stelle
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+(?:@|\s?[(\[]at[)\]]\s?)[\w-]+(?:\.[\w-]+)+")
# Telefonnummern: international (+49 …, 0049 …), national mit Vorwahl (02371 217-1234, (02371) 12345, 0171/1234567)
# oder beliebig nach „Tel.“, „Telefon“, „Mobil“ … Ob ein Kandidat eine Nummer ist, entscheidet die Zahl der Ziffern
# (`_phone`): so bleiben Datumsangaben, Jahre, Beträge, Gebiets- und Maßnahmennummern unberührt.
_SEP = r"[ \t/\-–]"
_DIGITS = rf"\d(?:{_SEP}?\d)*"
_PHONE = re.compile(
    r"(?P<prefix>\b(?:Tel(?:efon)?|Fon|Mobil|Handy|Fax|Ruf)(?:\.|-?[Nn]r\.?|nummer)?(?:\s*:)?\s*)?"
    rf"(?P<number>(?:\+|\b00)\s?[1-9]\d{{0,2}}{_SEP}*(?:\(0\){_SEP}*)?(?:\(\d{{2,5}}\){_SEP}*)?"
    + _DIGITS +
    r"|(?<![\d.,])(?:\(0\d{2,5}\)|\b0\d{2,5})(?:[ \t]*[/\-–][ \t]*|[ \t])?" + _DIGITS +
    r"|(?<![\d.,])" + _DIGITS + r")(?![\d,.]\d)")


def _phone(match: re.Match) -> str:
    number = match.group("number")
    digits = sum(c.isdigit() for c in number)
    separated = bool(re.search(r"[ \t/\-–()]", number))
    if match.group("prefix") and digits >= 5 and (separated or digits >= 6):
        return REMOVED_PHONE
    if number.startswith(("+", "00")) and digits >= 9:
        return REMOVED_PHONE
    # national: Vorwahl mit führender Null, ein Trennzeichen (ein Gemeindeschlüssel 05962024 hat keines)
    if number.lstrip("(").startswith("0") and digits >= 7 and separated:
        return REMOVED_PHONE
    return match.group(0)


# Anschriften: Straßenname mit typischer Endung oder „Am/Im/An der …“ + Hausnummer, optional „, 58636 Iserlohn“.
# Wortlängen sind begrenzt, damit lange Zeichenfolgen ohne Leerraum nicht quadratisch viel Zeit kosten.
_HOUSE_NUMBER = (r"\d{1,3}(?!\d)(?:[ \t]?[a-zA-Z]\b)?(?:[ \t]?[-–/][ \t]?\d{1,3}[a-zA-Z]?)?(?![\d,.]\d)"
                 r"(?![ \t]?(?:km|m|ha|qm|m²|%|€|Euro|EUR|Jahre|Monate|Wochen|Tage|Std|Stunden|Min|Minuten|Uhr|mal|x|"
                 r"Plätze|Personen|Kinder|Teilnehmende)\b)")
_POSTCODE_TOWN = r"(?:[ \t]*,[ \t]*|[ \t]+)\d{5}[ \t]+[A-ZÄÖÜ][\w-]*"
_STREET_SUFFIX = (r"(?:[Ss]tra(?:ß|ss)e|[Ss]tr\.|[Ww]eg|[Gg]asse|[Aa]llee|[Pp]latz|[Rr]ing|[Dd]amm|[Uu]fer|[Pp]fad|"
                  r"[Cc]haussee|[Pp]romenade|[Ss]teig|[Ss]tieg|[Ww]all|[Gg]raben)")
_NOT_A_STREET = (r"(?:Jahr|Jahre|Jahren|Monat|Tag|Tage|Ende|Anfang|Beginn|Montag|Dienstag|Mittwoch|Donnerstag|Freitag|"
                 r"Samstag|Sonntag|Wochenende|Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|"
                 r"November|Dezember|Quartal|Halbjahr|Zeitraum|Sozialraum|Bezirk|Gebiet|Quartier|Stadtteil|Ortsteil|"
                 r"Bereich|Rahmen|Schnitt|Durchschnitt|Mittel|Vergleich|Alter|Punkt|Schritt|Kapitel|Abschnitt|Team|"
                 r"Kreis|Haus|Raum|Gebäude|Zimmer|Termin|Treffen|Rang|Platz|Kurs|Rathaus)\b")
# Wörter mit Straßenendung, die keine Straße sind („Spielplatz 2 wird saniert“, „Radweg 3 fertig“)
_NOT_AN_ADDRESS = (r"[\w-]{0,60}?(?:(?:[Ss]piel|[Pp]ark|[Aa]rbeits|[Aa]usbildungs|[Bb]etreuungs|[Ss]port|[Bb]olz|[Ss]tell|"
                   r"[Ss]tudien|[Pp]raktikums|[Tt]herapie|[Pp]flege|[Hh]eim|[Kk]ita|[Kk]rippen|[Gg]anztags|[Ss]chul)platz|"
                   r"(?:[Rr]ad|[Ff]uß|[Ff]uss|[Ss]chul|[Ww]ander|[Rr]und|[Ll]ösungs|[Rr]echts|[Dd]ienst|[Bb]ildungs|"
                   r"[Ll]ebens)weg)\b")
_ADDRESS = re.compile(
    r"(?:\b(?=[A-ZÄÖÜ])(?!" + _NOT_AN_ADDRESS + r")[A-ZÄÖÜ][\w.’'-]{0,60}?" + _STREET_SUFFIX +
    r"|\b(?:Am|Im|Zum|Zur|An[ \t]+de[rnm]|Auf[ \t]+de[rnm]|In[ \t]+de[rnm]|Unter[ \t]+de[rnm]|Hinter[ \t]+de[rnm]|"
    r"Vor[ \t]+de[rnm]|Bei[ \t]+de[rnm])[ \t]+(?!" + _NOT_A_STREET + r")[A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜa-zäöüß]+)*)"
    r"[ \t]+" + _HOUSE_NUMBER + r"(?:" + _POSTCODE_TOWN + r")?")
# Namen mit Anrede oder Titel: „Frau Müller“, „Herrn Dr. Schmidt“, „Dr. med. Anna Schmidt-Berg“
# ein zweites Wort nach dem Namen, das kein Name ist („Frau Müller Jugendamt“, „Herr Schmidt vom Stadtteilbüro“)
_NOT_A_NAME = (r"(?:\w{2,}(?:ung|heit|keit|schaft|amt|büro|stelle|verein|zentrum|ausschuss|gruppe|treff|haus|rat|schule|"
               r"kita|stadt|gemeinde|kreis|kirche)\b|(?:Amt|Rat|Stadt|Gemeinde|Kreis|Kirche|Schule|Kita)\b)")
_PARTICLE = r"(?:(?:von|van|de|von[ \t]+der|van[ \t]+der)[ \t]+)?"
_WORD = r"[A-ZÄÖÜ][^\W\d_]*(?:[-'’][A-ZÄÖÜ]?[^\W\d_]+)*"
_NAME_WORD = r"(?:\[Name entfernt\]|" + _PARTICLE + _WORD + r")"
_NEXT_NAME_WORD = r"(?:\[Name entfernt\]|" + _PARTICLE + r"(?!" + _NOT_A_NAME + r")" + _WORD + r")"
_TITLE = r"(?:Prof\.|Dr\.(?:[ \t]*(?:med|phil|rer\.[ \t]*nat|jur|h\.[ \t]*c)\.)?|Dipl\.-[A-ZÄÖÜ]\w*\.)"
_SALUTATION = re.compile(
    r"(?:\b(?:[Ff]rau|[Hh]errn?|Fr\.|Hr\.|Hrn\.)(?:[ \t]+" + _TITLE + r")*|(?<![\w.])" + _TITLE + r"(?:[ \t]+" + _TITLE +
    r")*)[ \t]+" + _NAME_WORD + r"(?:[ \t]+" + _NEXT_NAME_WORD + r")?(?!\w)")
# Initiale eines Vornamens vor einem entfernten Namen („W. [Name entfernt]“)
_INITIAL = re.compile(r"\b[A-ZÄÖÜ]\.[ \t]*(?=\[Name entfernt\])")
# Namensteile, die für sich allein kein Name sind (Anrede, Titel, Namenszusätze)
_KEIN_NAMENSTEIL = {"dr", "prof", "frau", "herr", "herrn", "hr", "hrn", "fr", "von", "van", "vom", "der", "den", "dem",
                    "des", "zu", "zum", "zur", "und", "de", "la", "le", "di", "da", "del", "ten", "ter", "med", "phil",
                    "dipl", "ing", "mag", "pfarrer", "pfarrerin", "pastor", "pastorin"}
_NAME_PART = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


class Scrubber:
    """Ersetzt Personenangaben in einem Text: E-Mail-Adressen, Telefonnummern, Anschriften, die gesammelten Werte
    der Personenspalten (ganze Zelle und jeder Namensteil, ohne Rücksicht auf Groß-/Kleinschreibung) und Namen mit
    Anrede oder Titel. Daten, Jahre, Anzahlen, Beträge, Sozialraum- und Maßnahmennummern bleiben stehen."""

    def __init__(self, values: dict[str, str] | None = None):
        # Wert -> Ersatztext; längste zuerst, damit „Dr. Wilhelmine Zwetschgenbaum“ vor „Zwetschgenbaum“ greift
        self.values = {w.casefold(): replacement for w, replacement in (values or {}).items()}
        order = sorted(self.values, key=len, reverse=True)
        # ein Ausdruck für alle Werte: ein Durchlauf je Text statt einer je Name
        self._pattern = re.compile(rf"(?<!\w)(?:{'|'.join(re.escape(w) for w in order)})(?!\w)",
                                   re.IGNORECASE) if order else None

    def __call__(self, text: str) -> str:
        if not text:
            return text
        text = _EMAIL.sub(REMOVED_EMAIL, text)
        text = _PHONE.sub(_phone, text)
        text = _ADDRESS.sub(REMOVED_ADDRESS, text)
        if self._pattern is not None:
            text = self._pattern.sub(lambda m: self.values.get(m.group(0).casefold(), REMOVED_NAME), text)
        return _INITIAL.sub("", _SALUTATION.sub(REMOVED_NAME, text))


def scrub(text: str) -> str:
    """Personenangaben in einem Text ersetzen, ohne Werte aus Personenspalten (siehe `Scrubber`)."""
    return Scrubber()(text)


def name_parts(cell: str) -> list[str]:
    """Die Teile eines Namens, die für sich ein Name sind („Dr. Wilhelmine Holunderbusch-Pfefferkorn“ ->
    Wilhelmine, Holunderbusch, Pfefferkorn); Anreden, Titel, Abkürzungen, Zahlen und E-Mail-Adressen nicht."""
    text = _PHONE.sub(lambda m: m.group(0) if _phone(m) == m.group(0) else " ", _EMAIL.sub(" ", cell))
    parts = []
    for match in _NAME_PART.finditer(text):
        part = match.group(0)
        if text[match.end():match.end() + 1] == "." or len(part) < 3 or norm(part) in _KEIN_NAMENSTEIL:
            continue
        parts.append(part)
    return parts


class _ScrubbedSheets:
    """Die Blätter einer Konferenzmappe, geschwärzt: Personenspalten geleert, jede Textzelle durch den `Scrubber`.

    Personenspalten stehen in der Kopfzeile eines Blatts (bei den Blättern des Vertrags die Kopfzeile, die auch der
    Leser findet; sonst die erste Zeile mit mindestens zwei Einträgen, darunter eine Personenüberschrift) oder, im
    Blatt „Veranstaltung“ mit Schlüssel/Wert-Zeilen, als Schlüssel in Spalte A („Ansprechperson | Frau …“).
    Ihre Werte werden gesammelt (ganze Zelle, bei Namen auch jeder Namensteil) und überall ersetzt. Wörter des
    Vertrags (Überschriften, Vokabeln), Gebiets- und Gemeindenamen und die Organisationen aus „Teilnehmende“ gelten
    nicht als Namen, damit Sozialraum, Sektor und Organisation lesbar bleiben.
    """

    def __init__(self, ctx: ReadContext, sheets: dict[str, Sheet]):
        self.ctx = ctx
        self.sheets = sheets
        self.protected = self._protected()
        self.blank: dict[str, set[tuple[int, int]]] = {key: set() for key in sheets}  # Blatt -> (Zeile, Spalte)
        self.values: dict[str, str] = {}

    def _protected(self) -> set[str]:
        words = [*VERANSTALTUNG_KEYS, *SEKTOREN, *HANDLUNGSFELDER, *ARTEN, *STATUS, "Gesamtstadt"]
        for _, columns, _ in SHEETS.values():
            for column in columns:
                words += SYNONYMS.get(column, [column])
        for kind in _ALIASES.values():
            words += list(kind)
        matcher = self.ctx.matcher
        words += [*matcher.by_id, *matcher.by_name, *matcher.gemeinden, *matcher.gemeinden.values(),
                  *matcher.sozialraeume, *(name for name, _ in matcher.sozialraeume.values() if name)]
        teilnehmende = self.sheets.get("teilnehmende")
        if teilnehmende is not None:
            _, columns, required = SHEETS["teilnehmende"]
            table = find_header(teilnehmende, columns, required)
            if table is not None:
                words += [code_text(table.value(row, "organisation")) for _, row in table.data_rows()]
        return {norm(w) for w in words if w} - {""}

    def _find_person_columns(self, key: str, sheet: Sheet) -> None:
        rows = sheet.rows
        if key == "veranstaltung" and not self._veranstaltung_is_table(rows):
            for index, row in enumerate(rows):
                replacement = person_column(row[0]) if row else None
                if replacement:
                    self._collect(key, [(index, c, row[c], replacement) for c in range(1, len(row))])
            return
        header_row, contract = None, set()
        if key in SHEETS:
            _, columns, required = SHEETS[key]
            table = find_header(sheet, columns, required)
            if table is not None:
                header_row, contract = table.header_row - 1, set(table.columns.values())
        if header_row is None:
            for index, row in enumerate(rows[:40]):
                if sum(not is_blank(v) for v in row) >= 2 and any(person_column(v) for v in row):
                    header_row = index
                    break
        if header_row is None:
            return
        columns = {c: replacement for c, v in enumerate(rows[header_row])
                   if c not in contract and (replacement := person_column(v))}
        self._collect(key, [(index, c, row[c], replacement)
                            for index, row in enumerate(rows[header_row + 1:], start=header_row + 1)
                            for c, replacement in columns.items() if c < len(row)])

    @staticmethod
    def _veranstaltung_is_table(rows: list[list[object]]) -> bool:
        """Kopfzeile + Datenzeile (wie `_Reader._veranstaltung`), sonst Schlüssel/Wert-Zeilen."""
        for row in rows[:40]:
            keys = {VERANSTALTUNG_KEYS[norm(v)] for v in row if norm(v) in VERANSTALTUNG_KEYS}
            if "datum" in keys and len(keys) >= 2:
                return True
        return False

    def _collect(self, key: str, cells: list[tuple[int, int, object, str]]) -> None:
        for zeile, spalte, value, replacement in cells:
            if is_blank(value):
                continue
            self.blank[key].add((zeile, spalte))
            text = code_text(value)
            if replacement != REMOVED_NAME:
                if len(text) >= 4:
                    self.values.setdefault(text, replacement)
                continue
            # ganze Zelle und jeder Namensteil: „Dr. Wilhelmine Zwetschgenbaum“ oder „Zwetschgenbaum, Wilhelmine“,
            # Freitext nur mit „Frau Zwetschgenbaum“; Doppelnamen auch je Teil
            parts = [t for t in name_parts(text) if norm(t) not in self.protected]
            if parts and norm(text) not in self.protected:
                self.values.setdefault(text, REMOVED_NAME)
            for part in parts:
                self.values.setdefault(part, REMOVED_NAME)

    def scrubbed(self) -> dict[str, Sheet]:
        for key, sheet in self.sheets.items():
            self._find_person_columns(key, sheet)
        scrubber = Scrubber(self.values)
        result = {}
        for key, sheet in self.sheets.items():
            blank = self.blank[key]
            result[key] = Sheet(sheet.name, [
                [None if (zeile, spalte) in blank else scrubber(v) if isinstance(v, str) else v
                 for spalte, v in enumerate(row)] for zeile, row in enumerate(sheet.rows)])
        return result


class KonferenzReader:
    quelle = "konferenz"
    raw_tables = ("raw.konferenz_veranstaltung", *(spec[0] for spec in SHEETS.values()))

    def matches(self, sheets: list[Sheet]) -> bool:
        names = {norm(s.name) for s in sheets}
        return "veranstaltung" in names and bool(names & {"ergebnisse", "teilnehmende"})

    def signature(self, sheets: list[Sheet]) -> tuple[str, int] | None:
        """Die Konferenz wird an ihren Blattnamen erkannt; sie umfasst die ganze Arbeitsmappe."""
        return ("", 100) if self.matches(sheets) else None

    def read(self, sheets: list[Sheet], ctx: ReadContext) -> ReadResult:
        by_name = {norm(s.name): s for s in sheets}
        if "veranstaltung" not in by_name:
            raise FileRejected("Konferenz: Blatt „Veranstaltung“ fehlt (mit Titel, Datum, Ort, Format, Sozialräume). "
                               "Vorlage: `sozial-dwh templates`.")
        reader = _Reader(ctx, by_name)
        return reader.run()


class _Reader:
    def __init__(self, ctx: ReadContext, sheets: dict[str, Sheet]):
        self.ctx = ctx
        self.result = ReadResult()
        for table in KonferenzReader.raw_tables:
            self.result.tables[table] = []
        self.gemeinde = ctx.gemeinde
        # Ab hier gibt es nur geschwärzte Blätter: was gespeichert oder zitiert wird, kommt aus ihnen
        self.sheets = _ScrubbedSheets(ctx, sheets).scrubbed()

    # --- Hilfen ---------------------------------------------------------------------------------

    def quarantine(self, blatt: str, zeile: int, spalte: str | None, grund: str, wert: object = None) -> None:
        self.result.quarantine_row(blatt, zeile, spalte, grund, None if wert is None else code_text(wert))

    def raum(self, blatt: str, zeile: int, spalte: str, value: object, required: bool = False) -> tuple[str | None, str | None, bool]:
        """(raum_id, ebene, ok) eines Sozialraums; leer ist erlaubt, wenn nicht `required`."""
        if is_blank(value):
            if required:
                self.quarantine(blatt, zeile, spalte, "Sozialraum fehlt (Schlüssel wie SR01, Name oder „Gesamtstadt“)")
                return None, None, False
            return None, None, True
        found = self.ctx.matcher.sozialraum(value, self.gemeinde)
        if found is None:
            known = ", ".join(f"{sr} {name}" for sr, (name, _) in sorted(self.ctx.matcher.sozialraeume.items()))
            self.quarantine(blatt, zeile, spalte,
                            f"Sozialraum „{code_text(value)}“ unbekannt (bekannt: {known}, Gesamtstadt)", value)
            return None, None, False
        return found[0], found[1], True

    def vocab(self, kind: str, blatt: str, zeile: int, spalte: str, value: object) -> tuple[str | None, bool]:
        if is_blank(value):
            return None, True
        word = vocab_value(kind, value)
        if word is None:
            self.quarantine(blatt, zeile, spalte,
                            f"„{code_text(value)}“ ist kein zulässiger Wert (erlaubt: {', '.join(VOKABULARE[kind])})", value)
            return None, False
        return word, True

    # --- Blätter --------------------------------------------------------------------------------

    def run(self) -> ReadResult:
        datum = self._veranstaltung()
        counts = {}
        for key, (table_name, columns, required) in SHEETS.items():
            sheet = self.sheets.get(key)
            if sheet is None:
                if key in {"ergebnisse", "teilnehmende"}:
                    self.result.meldungen.append(f"Hinweis: Blatt „{SHEET_TITLES[key]}“ fehlt.")
                continue
            table = find_header(sheet, columns, required)
            if table is None:
                raise FileRejected(missing_columns_message([sheet], [Layout(key, columns, required)],
                                                           f"Konferenz, Blatt „{sheet.name}“"))
            reject_duplicate_columns(table)
            getattr(self, f"_{key}")(table, datum, self.result.tables[table_name])
            counts[SHEET_TITLES[key]] = len(self.result.tables[table_name])
        # eine geplante Konferenz (Datum in der Zukunft) ist zulässig, solange sie keine Ergebnisse hat
        if datum > self.ctx.heute and self.result.tables["raw.konferenz_ergebnisse"]:
            raise FileRejected(f"Blatt „Veranstaltung“: Datum {datum:%d.%m.%Y} liegt in der Zukunft, aber es gibt "
                               "schon Ergebnisse. Bitte das Datum prüfen.")
        self.result.stichtage.add(datum)
        if self.gemeinde:
            self.result.gemeinden.add(self.gemeinde)
        self.result.meldungen.insert(0, f"Konferenz vom {datum:%d.%m.%Y}: " + ", ".join(
            f"{name} {n}" for name, n in counts.items()) + " Zeilen gelesen.")
        return self.result

    def _veranstaltung(self) -> dt.date:
        sheet = self.sheets["veranstaltung"]
        values: dict[str, tuple[object, int, str]] = {}
        # Kopfzeile (mindestens zwei Schlüsselwörter, darunter „Datum“) und eine Datenzeile darunter …
        for index, row in enumerate(sheet.rows[:40]):
            keys = {c: VERANSTALTUNG_KEYS[norm(v)] for c, v in enumerate(row) if norm(v) in VERANSTALTUNG_KEYS}
            if "datum" in keys.values() and len(keys) >= 2 and index + 1 < len(sheet.rows):
                data = sheet.rows[index + 1]
                for c, key in keys.items():
                    if c < len(data) and not is_blank(data[c]):
                        values.setdefault(key, (data[c], index + 2, column_letter(c)))
                break
        if not values:  # … sonst Schlüssel/Wert-Zeilen (Spalte A Schlüssel, Spalte B Wert)
            for index, row in enumerate(sheet.rows):
                if len(row) >= 2 and norm(row[0]) in VERANSTALTUNG_KEYS and not is_blank(row[1]):
                    values.setdefault(VERANSTALTUNG_KEYS[norm(row[0])], (row[1], index + 1, "B"))
        blatt = sheet.name
        if "datum" in values:
            raw, zeile, spalte = values["datum"]
            try:
                datum = parse_date(raw)
            except CellError as exc:
                raise FileRejected(f"Blatt „{blatt}“, Zeile {zeile}, Spalte {spalte}: Datum: {exc}.") from exc
        elif self.ctx.stichtag is not None:
            datum = self.ctx.stichtag
        else:
            raise FileRejected(f"Blatt „{blatt}“: das Datum der Konferenz fehlt. Bitte eine Zeile „Datum“ mit z. B. "
                               "21.09.2022 ergänzen oder die Datei konferenz_2022-09-21.xlsx nennen.")
        raeume: list[str] = []
        if "sozialraeume" in values:
            raw, zeile, spalte = values["sozialraeume"]
            for part in re.split(r"[,;\n]|\bund\b", str(raw)):
                if not part.strip():
                    continue
                found = self.ctx.matcher.sozialraum(part.strip(), self.gemeinde)
                if found is None:
                    self.result.meldungen.append(
                        f"Warnung: Blatt „{blatt}“, Zeile {zeile}, Spalte {spalte}: Sozialraum „{part.strip()}“ "
                                   "unbekannt.")
                    continue
                raeume.append(found[0])
                if found[1] == "sozialraum" and self.gemeinde is None:
                    self.gemeinde = self.ctx.matcher.sozialraeume[found[0]][1]
                elif found[1] == "gemeinde" and self.gemeinde is None:
                    self.gemeinde = found[0]
        if self.gemeinde is None and len(self.ctx.matcher.gemeinden) == 1:
            self.gemeinde = next(iter(self.ctx.matcher.gemeinden))
        stand = None
        if "stand" in values:
            try:
                stand = parse_date(values["stand"][0])
            except CellError:
                self.result.meldungen.append(
                    f"Warnung: Blatt „{blatt}“: Stand „{values['stand'][0]}“ ist kein Datum.")

        def text(key: str) -> str | None:
            return code_text(values[key][0]) if key in values else None

        self.result.tables["raw.konferenz_veranstaltung"].append({
            "blatt": blatt, "titel": text("titel") or f"Konferenz vom {datum:%d.%m.%Y}", "datum": datum,
            "ort": text("ort"), "format": text("format"), "sozialraeume": raeume, "gemeinde_ags": self.gemeinde,
            "stand": stand,
        })
        return datum

    def _rows(self, table: Table):
        letter = {name: column_letter(col) for name, col in table.columns.items()}
        for zeile, row in table.data_rows():
            yield zeile, row, letter

    def _teilnehmende(self, table: Table, datum: dt.date, out: list[dict]) -> None:
        blatt = table.sheet.name
        for zeile, row, letter in self._rows(table):
            organisation = code_text(table.value(row, "organisation")) or None
            sektor_value = table.value(row, "sektor")
            if organisation is None and is_blank(sektor_value) and is_blank(table.value(row, "sozialraum")):
                continue  # nur Personenangaben, nichts zu laden
            sektor, ok = self.vocab("sektor", blatt, zeile, letter.get("sektor"), sektor_value)
            if not ok:
                continue
            raum_id, ebene, ok = self.raum(blatt, zeile, letter.get("sozialraum"), table.value(row, "sozialraum"))
            if not ok:
                continue
            out.append({"blatt": blatt, "zeile": zeile, "organisation": organisation, "sektor": sektor,
                        "raum_id": raum_id, "raum_ebene": ebene})

    def _arbeitsgruppen(self, table: Table, datum: dt.date, out: list[dict]) -> None:
        blatt = table.sheet.name
        for zeile, row, letter in self._rows(table):
            ag = code_text(table.value(row, "ag"))
            if not ag:
                self.quarantine(blatt, zeile, letter.get("ag"), "Bezeichnung der AG fehlt")
                continue
            raum_id, ebene, ok = self.raum(blatt, zeile, letter.get("sozialraum"), table.value(row, "sozialraum"))
            if not ok:
                continue
            out.append({"blatt": blatt, "zeile": zeile, "ag": ag, "raum_id": raum_id, "raum_ebene": ebene,
                        "thema": code_text(table.value(row, "thema")) or None})

    def _ergebnisse(self, table: Table, datum: dt.date, out: list[dict]) -> None:
        blatt = table.sheet.name
        seen: dict[str, int] = {}
        for zeile, row, letter in self._rows(table):
            nr = code_text(table.value(row, "nr"))
            if not nr:
                self.quarantine(blatt, zeile, letter["nr"], "Nr fehlt (jedes Ergebnis braucht eine Nummer)")
                continue
            if nr in seen:
                self.quarantine(blatt, zeile, letter["nr"], f"Nr {nr} doppelt (schon in Zeile {seen[nr]}); die erste gilt",
                                nr)
                continue
            handlungsfeld, ok1 = self.vocab("handlungsfeld", blatt, zeile, letter["handlungsfeld"],
                                            table.value(row, "handlungsfeld"))
            art, ok2 = self.vocab("art", blatt, zeile, letter["art"], table.value(row, "art"))
            if not (ok1 and ok2):
                continue
            if handlungsfeld is None or art is None:
                self.quarantine(blatt, zeile, letter["handlungsfeld" if handlungsfeld is None else "art"],
                                "Handlungsfeld und Art sind Pflicht")
                continue
            raum_id, ebene, ok = self.raum(blatt, zeile, letter.get("sozialraum"), table.value(row, "sozialraum"))
            if not ok:
                continue
            prio_value = table.value(row, "prioritaet")
            prioritaet = None
            if not is_blank(prio_value):
                try:
                    prioritaet = parse_count(prio_value).value
                except CellError:
                    prioritaet = -1
                if prioritaet not in (1, 2, 3):
                    self.quarantine(blatt, zeile, letter["prioritaet"], "Priorität muss 1, 2 oder 3 sein", prio_value)
                    continue
            seen[nr] = zeile
            out.append({"blatt": blatt, "zeile": zeile, "nr": nr, "ag": code_text(table.value(row, "ag")) or None,
                        "raum_id": raum_id, "raum_ebene": ebene, "handlungsfeld": handlungsfeld, "art": art,
                        "beschreibung": code_text(table.value(row, "beschreibung")) or None,
                        "prioritaet": None if prioritaet is None else int(prioritaet)})

    def _massnahmen(self, table: Table, datum: dt.date, out: list[dict]) -> None:
        blatt = table.sheet.name
        seen: dict[str, int] = {}
        for zeile, row, letter in self._rows(table):
            nr = code_text(table.value(row, "nr"))
            if not nr:
                self.quarantine(blatt, zeile, letter["nr"], "Nr fehlt (jede Maßnahme braucht eine Nummer)")
                continue
            if nr in seen:
                self.quarantine(blatt, zeile, letter["nr"], f"Nr {nr} doppelt (schon in Zeile {seen[nr]}); die erste gilt",
                                nr)
                continue
            status, ok = self.vocab("status", blatt, zeile, letter["status"], table.value(row, "status"))
            if not ok:
                continue
            if status is None:
                self.quarantine(blatt, zeile, letter["status"], f"Status fehlt (erlaubt: {', '.join(STATUS)})")
                continue
            termin_value = table.value(row, "termin")
            termin = None
            if not is_blank(termin_value):
                try:
                    termin = parse_date(termin_value)
                except CellError as exc:
                    self.quarantine(blatt, zeile, letter["termin"], f"Termin: {exc}", termin_value)
                    continue
            bezug_value = table.value(row, "bezug_ergebnis")
            bezug = [code_text(p) for p in re.split(r"[,;/\s]+|\bund\b", code_text(bezug_value)) if code_text(p)]
            seen[nr] = zeile
            out.append({"blatt": blatt, "zeile": zeile, "nr": nr, "bezug_ergebnis": bezug,
                        "titel": code_text(table.value(row, "titel")) or None,
                        "zustaendig": code_text(table.value(row, "zustaendig")) or None,
                        "status": status, "termin": termin,
                        "gremium": code_text(table.value(row, "gremium")) or None})
