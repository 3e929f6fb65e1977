"""Zellinhalte aus Tabellen der amtlichen Statistik verstehen (architektur.md §5.1).

Reine Funktionen ohne Datei- oder Datenbankzugriff: Überschriften normalisieren, deutsche
Zahlentexte und die Zeichen der Zeichenerklärung (DIN 55301) lesen, Altersangaben in
Altersgrenzen übersetzen, Summenzeilen erkennen.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from dataclasses import dataclass

# Zeichenerklärung nach DIN 55301: Zeichen -> Grundkennzeichen (NULL mit Grund, nie 0).
SYMBOLS: dict[str, str] = {
    ".": "unbekannt_oder_geheim",
    "*": "gesperrt",
    "x": "entfaellt",
    "…": "noch_nicht_verfuegbar",
    "...": "noch_nicht_verfuegbar",
}
# "–" oder "-" allein: genau null ("nichts vorhanden").
ZERO_SYMBOLS = {"–", "-", "—"}

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


class CellError(ValueError):
    """Ein Zellinhalt lässt sich nicht lesen; die Nachricht ist deutsch und für die Datenstelle."""


def norm(text: object) -> str:
    """Normalform für Vergleiche von Überschriften und Schlüsselwörtern.

    Ignoriert Groß-/Kleinschreibung, Leerraum (auch innen), Zeilenumbrüche mit Silbentrennung,
    ä/ae ö/oe ü/ue ß/ss und Fußnotenzeichen am Ende ("Anzahl¹", "Anzahl *)").
    """
    if text is None:
        return ""
    return _norm(text if isinstance(text, str) else str(text))


@functools.lru_cache(maxsize=1 << 16)
def _norm(s: str) -> str:
    """`norm` für Text; zwischengespeichert, denn in Tabellen wiederholen sich Kopfzeilen und Ausprägungen."""
    s = s.replace("\u00ad", "").replace("\u00a0", " ")
    s = re.sub(r"-\s*[\r\n]+\s*", "", s)  # Silbentrennung am Zeilenumbruch
    s = s.lower().translate(_UMLAUTS)
    s = re.sub(r"(\s*\*\)|\s*\d\)|[¹²³⁴⁵⁶⁷⁸⁹]+)$", "", s.strip())
    return re.sub(r"\s+", "", s)


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


@dataclass(frozen=True)
class Number:
    """Eine gelesene Zahl: `value` oder None mit `kennzeichen` (Grund)."""

    value: float | None
    kennzeichen: str | None = None


_GERMAN_NUMBER = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")
_PLAIN_DECIMAL = re.compile(r"^[+-]?\d+\.\d+$")
# Tausendertrennung mit Leerraum (DIN 5008: schmales geschütztes Leerzeichen U+202F; auch U+00A0, U+2009, U+2007
# und das gewöhnliche Leerzeichen) – nur zwischen Dreiergruppen, sonst wäre „12 34“ geraten.
_SPACES = " \u00a0\u202f\u2009\u2007"
_SPACED_NUMBER = re.compile(rf"^([+-]?)[{_SPACES}]*(\d{{1,3}}(?:[{_SPACES}]\d{{3}})+)(,\d+)?$")
_SIGN_SPACE = re.compile(rf"^([+-])[{_SPACES}]+(?=\d)")  # „-  23“ (Hamburg): Vorzeichen, Leerraum, Zahl
# „3,000“: deutsch drei, englisch dreitausend – in einer Anzahlspalte hängt die Lesart vom Gebietsschema ab.
_COMMA_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+$")

_INVISIBLE = {
    "\u00a0": "geschütztes Leerzeichen U+00A0", "\u202f": "schmales geschütztes Leerzeichen U+202F",
    "\u2009": "schmales Leerzeichen U+2009", "\u2007": "Ziffernleerzeichen U+2007",
    "\u200b": "Breite-null-Leerzeichen U+200B", "\u00ad": "weiches Trennzeichen U+00AD",
    "\ufeff": "Byte-Order-Mark U+FEFF", "\t": "Tabulator", "\u2060": "Wortverbinder U+2060",
}


def shown(value: object) -> str:
    """Zellwert für eine Meldung: in „…“, unsichtbare Zeichen benannt (sonst sieht man nicht, was stört)."""
    text = str(value)
    named = [name for char, name in _INVISIBLE.items() if char in text]
    return f"„{text}“" + (f" (enthält {', '.join(named)})" if named else "")


def parse_number(value: object) -> Number:
    """Liest eine Zahl aus einer Zelle: numerisch, deutscher Zahlentext oder DIN-55301-Zeichen.

    `1.234` ist tausend­zweihundert­vierunddreißig (deutsche Tausenderpunkte), `1.234,5` und `12,3 %`
    werden gelesen, `–` ist 0, `.`/`*`/`x`/`…` sind NULL mit Kennzeichen.
    Leere Zellen sind NULL mit Kennzeichen `leer`.
    """
    if is_blank(value):
        return Number(None, "leer")
    if isinstance(value, bool):
        raise CellError(f"„{value}“ ist keine Zahl")
    if isinstance(value, int | float):
        return Number(float(value))
    s = str(value).strip(_SPACES + "\t\r\n")
    if s in ZERO_SYMBOLS:
        return Number(0.0)
    if s.lower() in SYMBOLS:
        return Number(None, SYMBOLS[s.lower()])
    if s.endswith("%"):
        s = s[:-1].rstrip(_SPACES)
    s = _SIGN_SPACE.sub(r"\1", s)
    if spaced := _SPACED_NUMBER.match(s):
        s = spaced[1] + re.sub(f"[{_SPACES}]", "", spaced[2]) + (spaced[3] or "")
    if _GERMAN_NUMBER.match(s):
        return Number(float(s.replace(".", "").replace(",", ".")))
    if _PLAIN_DECIMAL.match(s):
        # "12.5" ist kein deutscher Tausenderpunkt (nicht drei Ziffern): als Dezimalzahl lesen.
        return Number(float(s))
    raise CellError(f"{shown(value)} ist keine Zahl (erwartet z. B. 1234, 1.234, 1 234 oder 12,5)")


def parse_count(value: object) -> Number:
    """Wie `parse_number`, verlangt aber eine nicht negative ganze Zahl (Fallzahl)."""
    cls = value.__class__
    if (cls is int or cls is float) and 0 <= value <= _MAX_EXACT and (cls is int or value.is_integer()):
        return _count(float(value))  # häufigster Fall: Zahlzelle mit ganzer Zahl, ohne Umweg
    if isinstance(value, str):
        text = value.strip(_SPACES + "\t\r\n")
        if text.endswith("%"):
            raise CellError(f"{shown(value)} ist eine Prozentangabe; in einer Anzahlspalte stehen Fallzahlen. Bitte die "
                            "Anzahl liefern (oder die Spalte umbenennen, wenn sie keine Anzahl ist)")
        if _COMMA_THOUSANDS.match(text) and text.count(",") > 1:
            raise CellError(f"{shown(value)} ist in englischer Schreibweise (Komma als Tausendertrennzeichen); deutsch "
                            "gelesen ist es keine Zahl. Bitte ohne Trennzeichen oder mit Tausenderpunkt liefern")
        if _COMMA_THOUSANDS.match(text):
            raise CellError(f"{shown(value)} ist mehrdeutig: deutsch gelesen {text.split(',')[0]} (Dezimalkomma), "
                            f"englisch gelesen {text.replace(',', '')} (Tausenderkomma). Bitte ohne Trennzeichen "
                            "oder mit Tausenderpunkt liefern (z. B. 3000 oder 3.000)")
    number = parse_number(value)
    if number.value is None:
        return number
    if number.value < 0:
        raise CellError(f"{shown(value)} ist negativ; Anzahlen müssen 0 oder größer sein")
    if number.value != int(number.value):
        raise CellError(f"{shown(value)} ist keine ganze Zahl; Anzahlen müssen ganzzahlig sein")
    return Number(float(int(number.value)))


def parse_saldo(value: object) -> Number:
    """Wie `parse_count`, erlaubt aber ein Vorzeichen: ein Saldo ist eine ganze Zahl, auch negativ (z. B. der
    Wanderungssaldo, architektur.md §5.5). Mehrdeutige Schreibweisen (`3,000`) und Prozentangaben bleiben Fehler."""
    if value.__class__ is int:
        return Number(float(value))
    if isinstance(value, str) and value.strip(_SPACES + "\t\r\n").endswith("%"):
        raise CellError(f"{shown(value)} ist eine Prozentangabe; ein Saldo ist eine ganze Zahl (z. B. -12)")
    _reject_comma_thousands(value)
    number = parse_number(value)
    if number.value is not None and number.value != int(number.value):
        raise CellError(f"{shown(value)} ist keine ganze Zahl; ein Saldo ist ganzzahlig")
    return number


def parse_decimal(value: object) -> Number:
    """Eine Dezimalzahl in deutscher Schreibweise (`1.234,5`, `12,5 %`) für nicht summierbare Werte (Art `wert` in
    merkmale.csv: Mittelwerte, Quoten, Indizes). Mehrdeutig und deshalb ein Fehler (architektur.md §5.1: nie raten):
    `3,000` (deutsch 3, englisch 3000), `1,234,567` und `1.234` (deutsch 1234, englisch 1,234)."""
    if isinstance(value, str):
        text = value.strip(_SPACES + "\t\r\n")
        _reject_comma_thousands(value)
        if _POINT_THOUSANDS.match(text.removesuffix("%").rstrip(_SPACES)):
            raise CellError(f"{shown(value)} ist mehrdeutig: deutsch gelesen {text.replace('.', '')} (Tausenderpunkt), "
                            f"englisch gelesen {text.replace('.', ',')} (Dezimalpunkt). Bitte mit Dezimalkomma "
                            "liefern (z. B. 1,234 oder 1.234,0)")
    return parse_number(value)


# „1.234“ ohne Komma: deutsch Tausenderpunkt, englisch Dezimalpunkt – in einer Spalte mit Dezimalzahlen mehrdeutig.
_POINT_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$")


def _reject_comma_thousands(value: object) -> None:
    """`3,000` und `1,234,567` in einer Zahlenspalte: die Lesart hängt vom Gebietsschema ab (wie in `parse_count`)."""
    if not isinstance(value, str):
        return
    text = value.strip(_SPACES + "\t\r\n")
    if _COMMA_THOUSANDS.match(text) and text.count(",") > 1:
        raise CellError(f"{shown(value)} ist in englischer Schreibweise (Komma als Tausendertrennzeichen); deutsch "
                        "gelesen ist es keine Zahl. Bitte ohne Trennzeichen oder mit Tausenderpunkt liefern")
    if _COMMA_THOUSANDS.match(text):
        deutsch = f"{float(text.replace(',', '.')):g}".replace(".", ",")
        raise CellError(f"{shown(value)} ist mehrdeutig: deutsch gelesen {deutsch} (Dezimalkomma), englisch gelesen "
                        f"{text.replace(',', '')} (Tausenderkomma). Bitte eindeutig liefern (z. B. 3000, 3.000 oder 3,0)")


_MAX_EXACT = 2 ** 53


@functools.lru_cache(maxsize=1 << 16)
def _count(value: float) -> Number:
    return Number(value)  # unveränderlich, darf geteilt werden


TOTAL_LABELS = {"insgesamt", "summe", "gesamt", "stadtinsgesamt", "gesamtstadt", "zusammen", "stadtgesamt"}


def is_total_label(value: object, extra: set[str] | None = None) -> bool:
    """Erkennt Summenzeilen/-spalten ("Insgesamt", "Summe", "Stadt insgesamt", "<Gemeinde> insgesamt")."""
    n = norm(value)
    if not n:
        return False
    if n in TOTAL_LABELS or (extra and n in extra):
        return True
    return n.endswith("insgesamt") or n.startswith("summe")


# --- Alter ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AgeBand:
    von: int
    bis: int | None  # None = offen ("75 und älter")

    def label(self) -> str:
        return f"{self.von}+" if self.bis is None else f"{self.von}–{self.bis}"


ALL_AGES = AgeBand(0, None)

_RE_OPEN = re.compile(r"^(?:>=|≥|ab)?(\d+)(?:\+|jahreundaelter|undaelter|undmehr|jahreundmehr|undaeltere|jahreunddarueber|unddarueber)$")
_RE_GE = re.compile(r"^(?:>=|≥|ab)(\d+)(?:jahre[n]?)?$")
_RE_UNDER = re.compile(r"^(?:unter|<|u)(\d+)(?:jahre[n]?)?$")
_RE_RANGE_EXCL = re.compile(r"^(?:von)?(\d+)bisunter(\d+)(?:jahre[n]?)?$")
_RE_RANGE = re.compile(r"^(?:von)?(\d+)(?:-|–|—|bis)(\d+)(?:jahre[n]?)?$")
_RE_SINGLE = re.compile(r"^(\d+)(?:jahre[n]?)?$")


def parse_age(value: object) -> AgeBand | None:
    """Übersetzt Alters- und Altersgruppenangaben in Grenzen (inklusive, `bis` None = offen).

    Einzeljahre (`17`, `100+`), Bänder (`0-2`, `0 bis 2`, `0 bis unter 3`, `unter 3`, `75+`,
    `>=75`, `75 und älter`); `insgesamt` bedeutet alle Alter. None, wenn es keine Altersangabe ist.
    """
    if isinstance(value, str | int | float):  # Langformat: dieselben Angaben in jeder Zeile
        return _parse_age_cached(value)
    return _parse_age(value)


@functools.lru_cache(maxsize=4096, typed=True)
def _parse_age_cached(value: str | int | float) -> AgeBand | None:
    return _parse_age(value)


def _parse_age(value: object) -> AgeBand | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and not (isinstance(value, float) and math.isnan(value)):
        if value != int(value) or value < 0:
            return None
        return AgeBand(int(value), int(value))
    n = norm(value)
    if not n:
        return None
    if n in {"insgesamt", "gesamt", "alle", "zusammen", "summe"}:
        return ALL_AGES
    n = n.replace("jahren", "").replace("jahre", "") if not n.endswith("jahreundaelter") else n
    for pattern, build in (
        (_RE_OPEN, lambda m: AgeBand(int(m[1]), None)),
        (_RE_GE, lambda m: AgeBand(int(m[1]), None)),
        (_RE_UNDER, lambda m: AgeBand(0, int(m[1]) - 1)),
        (_RE_RANGE_EXCL, lambda m: AgeBand(int(m[1]), int(m[2]) - 1)),
        (_RE_RANGE, lambda m: AgeBand(int(m[1]), int(m[2]))),
        (_RE_SINGLE, lambda m: AgeBand(int(m[1]), int(m[1]))),
    ):
        match = pattern.match(n)
        if match:
            band = build(match)
            if band.bis is not None and band.bis < band.von:
                return None
            return band
    return None


# --- Kategorien ---------------------------------------------------------------------------------

INSGESAMT = "insgesamt"
_CATEGORY_VALUES: dict[str, dict[str, str]] = {
    "geschlecht": {
        "m": "m", "maennlich": "m", "mann": "m", "maenner": "m",
        "w": "w", "weiblich": "w", "frau": "w", "frauen": "w",
        "d": "d", "divers": "d",
    },
    "staatsangehoerigkeit": {
        "deutsch": "deutsch", "deutsche": "deutsch", "d": "deutsch",
        "nichtdeutsch": "nichtdeutsch", "nichtdeutsche": "nichtdeutsch", "auslaendisch": "nichtdeutsch",
        "auslaender": "nichtdeutsch", "auslaender/-innen": "nichtdeutsch", "auslaender/innen": "nichtdeutsch",
        "a": "nichtdeutsch",
    },
    "migrationshintergrund": {
        "ja": "ja", "j": "ja", "mit": "ja", "mitmigrationshintergrund": "ja", "1": "ja",
        "nein": "nein", "n": "nein", "ohne": "nein", "ohnemigrationshintergrund": "nein", "0": "nein",
    },
}


def category_values(dimension: str) -> list[str]:
    """Die kanonischen Ausprägungen eines Merkmals (ohne `insgesamt`), z. B. m, w, d für das Geschlecht."""
    return sorted(set(_CATEGORY_VALUES[dimension].values()))


def parse_category(dimension: str, value: object) -> str:
    """Übersetzt eine Merkmalsausprägung in den Kanon; leer oder „insgesamt“ = `insgesamt`."""
    if value is None or isinstance(value, str | int | float):
        return _parse_category_cached(dimension, value)  # Fehler werden nicht zwischengespeichert
    return _parse_category(dimension, value)


@functools.lru_cache(maxsize=4096, typed=True)
def _parse_category_cached(dimension: str, value: str | int | float | None) -> str:
    return _parse_category(dimension, value)


def _parse_category(dimension: str, value: object) -> str:
    n = norm(value)
    if not n or n in {"insgesamt", "gesamt", "zusammen", "alle", "summe"}:
        return INSGESAMT
    if isinstance(value, float) and value == int(value):
        n = str(int(value))
    mapping = _CATEGORY_VALUES[dimension]
    if n in mapping:
        return mapping[n]
    allowed = sorted(set(mapping.values()))
    raise CellError(f"„{value}“ ist keine bekannte Ausprägung (erlaubt: {', '.join(allowed)} oder leer = insgesamt)")


# --- Datum ---------------------------------------------------------------------------------------

_RE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_RE_DE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def parse_date(value: object) -> dt.date:
    """Liest ein Datum: Datumszelle, ISO (`2022-12-31`) oder deutsch (`31.12.2022`)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    s = "" if value is None else str(value).strip()
    try:
        if m := _RE_ISO.match(s):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := _RE_DE.match(s):
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError as exc:
        raise CellError(f"„{value}“ ist kein gültiges Datum") from exc
    raise CellError(f"„{value}“ ist kein Datum (erwartet 31.12.2022 oder 2022-12-31)")


_MONTHS = {
    "januar": 1, "jan": 1, "februar": 2, "feb": 2, "maerz": 3, "mrz": 3, "mae": 3, "april": 4, "apr": 4,
    "mai": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9,
    "sept": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11, "dezember": 12, "dez": 12,
}


def parse_month_end(value: object) -> dt.date:
    """Berichtsmonat -> letzter Tag des Monats: „Dezember 2022“, „Dez. 2022“, „202212“, „2022-12“, „12/2022“."""
    if isinstance(value, dt.date):
        day = value if not isinstance(value, dt.datetime) else value.date()
        return _month_end(day.year, day.month)
    text = code_text(value).lower().translate(_UMLAUTS).replace(".", " ").strip()
    if m := re.match(r"^([a-z]+)\s*(\d{4})$", text):
        if m[1] in _MONTHS:
            return _month_end(int(m[2]), _MONTHS[m[1]])
    if m := re.match(r"^(\d{4})-?(\d{2})$", text):
        return _month_end(int(m[1]), int(m[2]))
    if m := re.match(r"^(\d{1,2})\s*[/ ]\s*(\d{4})$", text):
        return _month_end(int(m[2]), int(m[1]))
    try:
        return parse_date(value)
    except CellError:
        raise CellError(f"„{value}“ ist kein Berichtsmonat (erwartet z. B. Dezember 2022 oder 202212)") from None


def _month_end(year: int, month: int) -> dt.date:
    if not 1 <= month <= 12:
        raise CellError(f"Monat {month} gibt es nicht")
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def code_text(value: object) -> str:
    """Text eines Schlüssels: 101.0 -> "101", Leerraum entfernt."""
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return "" if value is None else str(value).strip()
