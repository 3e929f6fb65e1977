"""Sozialraumkonferenz (`konferenz`): die Blätter der Konferenz-Arbeitsmappe als Rohtabellen (DESIGN §5.2).

Blätter: `Veranstaltung` (Schlüssel/Wert-Zeilen oder Kopfzeile + eine Zeile: Titel, Datum, Ort, Format,
Sozialräume), `Teilnehmende` (Organisation, Sektor, Sozialraum), `Arbeitsgruppen` (AG, Sozialraum,
Thema), `Ergebnisse` (Nr, AG, Sozialraum, Handlungsfeld, Art, Beschreibung, Priorität) und `Maßnahmen`
(Nr, Bezug Ergebnis, Titel, Zuständig, Status, Termin, Gremium).

Datenschutz: Namen und E-Mail-Adressen von Teilnehmenden werden nie gelesen – es gibt für sie keine
Spalte im Leser, sie gelangen weder in Roh- noch in Quarantänetabellen oder Meldungen. Kommen
Personennamen aus dem Blatt „Teilnehmende“ oder E-Mail-Adressen in Freitexten vor (Beschreibung, AG,
Zuständig …), werden sie beim Lesen durch „[Name entfernt]“ bzw. „[E-Mail entfernt]“ ersetzt – als ganze Zelle
und je Namensteil („Frau Zwetschgenbaum“ bei „Wilhelmine Zwetschgenbaum“). Das gilt auch für Quarantänegründe
und Meldungen, die einen Zellwert zitieren.
"""

from __future__ import annotations

import datetime as dt
import re

from sozial_dwh.parsing import CellError, code_text, is_blank, norm, parse_count, parse_date
from sozial_dwh.readers.table import (
    Layout,
    Table,
    find_header,
    missing_columns_message,
    reject_duplicate_columns,
)
from sozial_dwh.readers.workbook import FileRejected, Sheet, column_letter
from sozial_dwh.sources.base import ReadContext, ReadResult

SEKTOREN = ["soziale Einrichtung", "Glaubensgemeinschaft", "Wohnungsgesellschaft", "freie Wohlfahrtspflege",
            "Verwaltung", "Politik", "Schule", "Kita", "Verein", "Sonstige"]
HANDLUNGSFELDER = ["Kinderbetreuung", "Bildung", "Mobilität/ÖPNV", "Ehrenamt", "Vernetzung/Koordination", "Wohnen",
                   "Gesundheit/Pflege", "Senioren", "Integration", "Armut/Teilhabe", "Jugend", "Sonstiges"]
ARTEN = ["Bedarf", "Ressource", "Maßnahmenvorschlag"]
STATUS = ["vorgeschlagen", "beschlossen", "in Umsetzung", "umgesetzt", "verworfen"]

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
_VOCAB = {"sektor": SEKTOREN, "handlungsfeld": HANDLUNGSFELDER, "art": ARTEN, "status": STATUS}


def vocab_value(kind: str, value: object) -> str | None:
    """Das Vokabelwort zu einer Angabe (Groß-/Kleinschreibung, Umlaute egal), sonst None."""
    key = norm(value)
    for word in _VOCAB[kind]:
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
PERSON_HEADERS = {"name", "vorname", "nachname", "familienname", "e-mail", "email", "mail", "e-mail-adresse",
                  "teilnehmer", "teilnehmerin", "person", "anrede"}
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# Namensteile, die für sich allein kein Name sind (Anrede, Titel, Namenszusätze)
_KEIN_NAMENSTEIL = {"dr", "prof", "frau", "herr", "hr", "fr", "von", "van", "vom", "der", "den", "dem", "des", "zu",
                    "zum", "zur", "und", "de", "la", "le", "di", "da", "del", "ten", "ter", "med", "phil", "dipl"}


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
        self.sheets = sheets
        self.result = ReadResult()
        for table in KonferenzReader.raw_tables:
            self.result.tables[table] = []
        self.gemeinde = ctx.gemeinde
        self.scrub_names: list[re.Pattern] = []

    # --- Hilfen ---------------------------------------------------------------------------------

    def quarantine(self, blatt: str, zeile: int, spalte: str | None, grund: str, wert: object = None) -> None:
        # auch der Grund zitiert oft den Zellwert („„…“ ist kein zulässiger Wert“)
        self.result.quarantine_row(blatt, zeile, spalte, self.scrub(grund),
                                   None if wert is None else self.scrub(code_text(wert)))

    def scrub(self, text: str | None) -> str | None:
        """Personennamen aus „Teilnehmende“ und E-Mail-Adressen aus Freitext entfernen."""
        if not text:
            return text
        text = _EMAIL.sub("[E-Mail entfernt]", text)
        for pattern in self.scrub_names:
            text = pattern.sub("[Name entfernt]", text)
        return text

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
                            f"„{code_text(value)}“ ist kein zulässiger Wert (erlaubt: {', '.join(_VOCAB[kind])})", value)
            return None, False
        return word, True

    # --- Blätter --------------------------------------------------------------------------------

    def run(self) -> ReadResult:
        self._person_names()
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

    def _person_names(self) -> None:
        """Namen der Teilnehmenden nur im Speicher sammeln, um sie aus Freitexten zu entfernen."""
        sheet = self.sheets.get("teilnehmende")
        if sheet is None:
            return
        for index, row in enumerate(sheet.rows[:40]):
            cols = [c for c, v in enumerate(row) if norm(v) in PERSON_HEADERS and "mail" not in norm(v)]
            if not cols:
                continue
            cells = {code_text(r[c]) for r in sheet.rows[index + 1:] for c in cols if c < len(r) and not is_blank(r[c])}
            # ganze Zelle und jeder Namensteil: eine Spalte „Name“ mit „Dr. Wilhelmine Zwetschgenbaum“ oder
            # „Zwetschgenbaum, Wilhelmine“, Freitext nur mit „Frau Zwetschgenbaum“; Doppelnamen auch je Teil
            names = set(cells)
            for cell in cells:
                names |= {part for part in re.split(r"[\s,;/()\-]+", cell)
                          if norm(part.rstrip(".")) not in _KEIN_NAMENSTEIL and not part.endswith(".")}
            names = sorted((n for n in names if len(n) >= 3), key=len, reverse=True)
            # ein Ausdruck für alle Namen (längste zuerst): ein Durchlauf je Text statt einer je Name
            self.scrub_names = [re.compile(rf"(?<!\w)(?:{'|'.join(re.escape(n) for n in names)})(?!\w)",
                                           re.IGNORECASE)] if names else []
            return

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
                raise FileRejected(self.scrub(f"Blatt „{blatt}“, Zeile {zeile}, Spalte {spalte}: Datum: {exc}.")) from exc
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
                        self.scrub(f"Warnung: Blatt „{blatt}“, Zeile {zeile}, Spalte {spalte}: Sozialraum „{part.strip()}“ "
                                   "unbekannt."))
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
                    self.scrub(f"Warnung: Blatt „{blatt}“: Stand „{values['stand'][0]}“ ist kein Datum."))

        def text(key: str) -> str | None:
            return self.scrub(code_text(values[key][0])) if key in values else None

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
            organisation = self.scrub(code_text(table.value(row, "organisation"))) or None
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
            ag = self.scrub(code_text(table.value(row, "ag")))
            if not ag:
                self.quarantine(blatt, zeile, letter.get("ag"), "Bezeichnung der AG fehlt")
                continue
            raum_id, ebene, ok = self.raum(blatt, zeile, letter.get("sozialraum"), table.value(row, "sozialraum"))
            if not ok:
                continue
            out.append({"blatt": blatt, "zeile": zeile, "ag": ag, "raum_id": raum_id, "raum_ebene": ebene,
                        "thema": self.scrub(code_text(table.value(row, "thema"))) or None})

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
            out.append({"blatt": blatt, "zeile": zeile, "nr": nr, "ag": self.scrub(code_text(table.value(row, "ag"))) or None,
                        "raum_id": raum_id, "raum_ebene": ebene, "handlungsfeld": handlungsfeld, "art": art,
                        "beschreibung": self.scrub(code_text(table.value(row, "beschreibung"))) or None,
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
                        "titel": self.scrub(code_text(table.value(row, "titel"))) or None,
                        "zustaendig": self.scrub(code_text(table.value(row, "zustaendig"))) or None,
                        "status": status, "termin": termin,
                        "gremium": self.scrub(code_text(table.value(row, "gremium"))) or None})
