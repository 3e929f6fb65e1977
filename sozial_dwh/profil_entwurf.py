"""Entwurf eines Lieferprofils für eine Datei, die noch niemand beschrieben hat (`sozial-dwh profil entwurf`,
architektur.md §3 und §5.4).

Der Entwurf ist eine YAML-Datei im Format, das `sozial_dwh.profile` lädt. Er findet Blatt und Kopfzeile (auch
mehrzeilige Überschriften mit verbundenen Gruppentiteln), liest die ersten Datenzeilen, bestimmt je Spalte, ob sie
Text, Schlüssel, Anzahlen, Anteile oder Daten enthält, rät das Layout (breit oder lang) und nennt jede Spalte mit
ihrer vermuteten Bedeutung. Was sich aus der Datei nicht sicher ergibt, steht als Frage in genau der Zeile, die zu
entscheiden ist (Markierung `# FRAGE:`), mit einem Wert, den das Laden ablehnt: ein Entwurf mit offener Frage lädt nie
mit einer geratenen Lesart (dazu prüft `profile.lade_profil` auch die Markierung). Alles andere ist richtig, wenn die
Vermutung stimmt, und trägt seine Begründung als Kommentar.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sozial_dwh.parsing import (
    INSGESAMT,
    SYMBOLS,
    ZERO_SYMBOLS,
    CellError,
    category_values,
    code_text,
    is_blank,
    is_total_label,
    norm,
    parse_category,
    parse_number,
)
from sozial_dwh.profile import ALTERSGRUPPEN, FRAGE_MARKE
from sozial_dwh.readers.table import NOTE_SHEETS, SYNONYMS, canonical, is_footnote_row
from sozial_dwh.readers.workbook import FileRejected, Sheet, column_letter, read_sheets
from sozial_dwh.reference import Gebiet
from sozial_dwh.sources import READERS, wuerfel_dimensionen
from sozial_dwh.sources.arbeitslose import MERKMALE as ARBEITSLOSE_MERKMALE
from sozial_dwh.sources.arbeitslose import RECHTSKREISE as ARBEITSLOSE_RECHTSKREISE
from sozial_dwh.sources.arbeitslose import WIDE as ARBEITSLOSE_SPALTEN
from sozial_dwh.sources.grundsicherung import LEISTUNGSARTEN
from sozial_dwh.sources.profiliert import KATEGORIEN, kopf_texte
from sozial_dwh.sources.sgb2 import MERKMALE as SGB2_MERKMALE

OFFEN = "offen"  # Platzhalter einer unbeantworteten Zuordnung: das Laden lehnt ihn ab
UNENTSCHIEDEN_ALTER = "_oder_".join(ALTERSGRUPPEN)  # „einschliesslich_oder_bis_unter“: ebenso
STICHPROBE = 100_000  # so viele Datenzeilen werden höchstens angesehen
MAX_WERTE = 60  # so viele Werte einer Spalte des langen Layouts werden einzeln aufgeführt
KOMMENTAR_SPALTE = 44


class KeineTabelle(Exception):
    """In der Datei steht keine Tabelle (Kopfzeile mit Datenzeilen darunter); die Meldung ist deutsch."""


# --- Tabelle finden ------------------------------------------------------------------------------


@dataclass
class Spalte:
    index: int
    text: str
    zellen: list[object] = field(default_factory=list)  # je Datenzeile der Stichprobe (None = leer)
    art: str = "leer"  # leer, text, code, zahl, anteil, saldo, datum, jahr, monat, tag
    verschieden: int = 0
    fremd: list[str] = field(default_factory=list)  # Texte in einer Zahlenspalte, die keine Zahl sind
    en: bool = False  # Dezimalpunkt (1023101.0)
    de: bool = False  # Dezimalkomma (9,7)
    leerzeichen: bool = False  # Tausender mit Leerzeichen (1 675)

    @property
    def buchstabe(self) -> str:
        return column_letter(self.index)

    @property
    def name(self) -> str:
        return f"{self.buchstabe} „{self.text}“" if self.text else f"{self.buchstabe} (ohne Überschrift)"

    def werte(self) -> list[object]:
        return [v for v in self.zellen if not is_blank(v)]

    def beispiele(self, n: int = 3) -> str:
        gesehen: list[str] = []
        for v in self.werte():
            t = _zeige(v)
            if t not in gesehen:
                gesehen.append(t)
            if len(gesehen) >= n:
                break
        return ", ".join(gesehen)


@dataclass
class Tabelle:
    sheet: Sheet
    csv: bool
    kopfzeile: int  # letzte Kopfzeile, 1-basiert
    kopfzeilen: int
    titel: list[str]
    spalten: list[Spalte]
    zeilen: list[int]  # Excel-Zeilennummern der Datenzeilen der Stichprobe
    vollstaendig: bool  # alle Datenzeilen gesehen (sonst nur die ersten STICHPROBE)
    andere_blaetter: list[str] = field(default_factory=list)

    @property
    def erste_kopfzeile(self) -> int:
        return self.kopfzeile - self.kopfzeilen + 1


def _ist_datum(v: object) -> bool:
    if isinstance(v, dt.date):
        return True
    return isinstance(v, str) and bool(re.fullmatch(r"\s*(\d{4}-\d{2}-\d{2}([ T][\d:.]+)?|\d{1,2}\.\d{1,2}\.\d{4})\s*",
                                                    v))


def _symbol(v: object) -> bool:
    return isinstance(v, str) and (v.strip() in ZERO_SYMBOLS or v.strip().lower() in SYMBOLS)


_EN_TEXT = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)\.(\d{1,2}|\d{4,})$|^[+-]?\d{1,3}(,\d{3})+\.\d+$")


def _zahl(v: object) -> float | None:
    """Der Zahlenwert einer Zelle (deutsch, mit Leerzeichen als Tausendertrennzeichen oder mit Dezimalpunkt)."""
    if isinstance(v, bool) or isinstance(v, dt.date) or v is None:
        return None
    if isinstance(v, int | float):
        return None if v != v else float(v)
    text = str(v).strip()
    if _EN_TEXT.match(text):
        return float(text.replace(",", ""))
    try:
        return parse_number(text).value
    except CellError:
        return None


def _datenzeile(row: list[object]) -> bool:
    gefuellt = [v for v in row if not is_blank(v)]
    return len(gefuellt) >= 2 and any(_zahl(v) is not None for v in gefuellt)


def _kopfartig(row: list[object]) -> bool:
    gefuellt = [v for v in row if not is_blank(v)]
    return bool(gefuellt) and all(isinstance(v, str) and _zahl(v) is None and not _ist_datum(v) for v in gefuellt)


def _gefuellt(row: list[object]) -> set[int]:
    return {c for c, v in enumerate(row) if not is_blank(v)}


def _kopf_im_blatt(sheet: Sheet) -> tuple[int, int] | None:
    """(Index der letzten Kopfzeile, Zahl der Kopfzeilen): die Zeile über der ersten Datenzeile, dazu bis zu zwei
    Zeilen darüber, wenn sie Gruppentitel tragen (verbundene Zellen über Unterspalten)."""
    kopf = sheet.head
    for r, row in enumerate(kopf):
        if not _datenzeile(row):
            continue
        h = r - 1
        while h >= 0 and not kopf[h]:
            h -= 1
        if h < 0 or not _kopfartig(kopf[h]) or len(_gefuellt(kopf[h])) < 2:
            continue
        daten = set().union(*(_gefuellt(z) for z in kopf[r:r + 5]))
        unten = _gefuellt(kopf[h])
        if len(unten & daten) < len(daten) / 2:
            continue  # die Zeile deckt die Datenspalten nicht ab: keine Kopfzeile dieser Daten
        zeilen = 1
        for oben in (h - 1, h - 2):
            if oben < 0 or not kopf[oben] or not _kopfartig(kopf[oben]):
                break
            spalten = _gefuellt(kopf[oben])
            titel = spalten == {min(daten)} and min(daten) in unten  # eine Titelzelle ganz links
            if titel or not spalten <= daten | unten or not (len(spalten) >= 2 or spalten - unten):
                break
            zeilen += 1
            unten |= spalten
        return h, zeilen
    return None


def _tabelle_im_blatt(sheet: Sheet, csv: bool) -> Tabelle | None:
    gefunden = _kopf_im_blatt(sheet)
    if gefunden is None:
        return None
    h, kopfzeilen = gefunden
    kopf = sheet.head
    texte = kopf_texte(kopf[h - kopfzeilen + 1:h + 1], kopfzeilen)
    titel = [" ".join(str(v) for v in row if not is_blank(v)) for row in kopf[:h - kopfzeilen + 1] if row]
    zeilen: list[int] = []
    daten: list[list[object]] = []
    vollstaendig = True
    for index, row in enumerate(sheet.iter_rows(h + 1), start=h + 2):
        if not row or (sum(not is_blank(v) for v in row) == 1 and is_footnote_row(row)):
            continue
        if len(daten) >= STICHPROBE:
            vollstaendig = False
            break
        zeilen.append(index)
        daten.append(row)
    if not daten or not any(_datenzeile(row) for row in daten[:50]):
        return None
    breite = max(len(texte), *(len(row) for row in daten[:1000]))
    texte = [*texte, *[""] * (breite - len(texte))]
    # Überschriften einzeilig, Silbentrennung am Zeilenumbruch entfernt („Migrations-⏎hintergrund“): verglichen wird
    # wie beim Lesen (`parsing.norm`), geschrieben lesbar
    spalten = [Spalte(c, re.sub(r"\s+", " ", re.sub(r"-\s*[\r\n]+\s*", "", texte[c])).strip(),
                      [row[c] if c < len(row) else None for row in daten]) for c in range(breite)]
    for spalte in spalten:
        _klassifiziere(spalte)
    return Tabelle(sheet, csv, h + 1, kopfzeilen, titel, spalten, zeilen, vollstaendig)


def finde_tabelle(path: Path) -> Tabelle:
    """Die Tabelle der Datei: das Blatt mit den meisten Zahlen unter einer Kopfzeile."""
    sheets = read_sheets(path)
    csv = path.suffix.lower() == ".csv"
    tabellen = []
    for sheet in sheets:
        if norm(sheet.name) in NOTE_SHEETS:
            continue
        tabelle = _tabelle_im_blatt(sheet, csv)
        if tabelle is not None:
            tabellen.append(tabelle)
    if not tabellen:
        blaetter = ", ".join(f"„{s.name}“" for s in sheets if norm(s.name) not in NOTE_SHEETS)
        raise KeineTabelle(
            f"In „{path.name}“ ist keine Tabelle zu finden: keine Zeile mit Überschriften, unter der Zeilen mit Zahlen "
            f"stehen ({'CSV-Datei' if csv else 'Blätter: ' + (blaetter or 'keine')}). Der Entwurf eines Lieferprofils "
            "braucht eine Kopfzeile (z. B. „Gebiet; Einwohner; …“) und darunter je Zeile ein Gebiet mit Zahlen. "
            "Bitte die Datei prüfen (richtiges Blatt? ausgeblendet? nur Text?).")

    def gewicht(t: Tabelle) -> int:
        return len(t.zeilen) * sum(s.art in ("zahl", "anteil", "saldo") for s in t.spalten)

    tabellen.sort(key=gewicht, reverse=True)
    beste = tabellen[0]
    beste.andere_blaetter = [t.sheet.name for t in tabellen[1:]]
    return beste


# --- Spalten einordnen ---------------------------------------------------------------------------

_HINWEIS_ZEIT = ("jahr", "stichtag", "stand", "datum", "zeitraum", "berichtsmonat", "monat", "periode")
_HINWEIS_CODE = ("schluessel", "nummer", "kennziffer", "kennung", "code", "ags", "key")
_HINWEIS_ANTEIL = ("%", "anteil", "quote", "je ", "pro ", "durchschnitt", "mittel", "median", "dichte", "km²", "m²",
                   "eur", "index", "rate", "groesse", "preis", "flaeche", "saldo", "prozent", "promille")


def _klassifiziere(spalte: Spalte) -> None:
    werte = [v for v in spalte.werte() if not _symbol(v)]
    spalte.verschieden = len({_schluessel(v) for v in spalte.werte()})
    if not werte:
        spalte.art = "leer"
        return
    n = norm(spalte.text)
    klein = _klein(spalte.text)
    if sum(_ist_datum(v) for v in werte) >= 0.9 * len(werte):
        spalte.art = "datum"
        return
    zahlen = []
    for v in werte:
        z = _zahl(v)
        if z is None:
            spalte.fremd.append(str(v).strip())
            continue
        zahlen.append(z)
        if isinstance(v, str):
            t = v.strip()
            spalte.en |= bool(_EN_TEXT.match(t))
            spalte.de |= bool(re.search(r"\d,\d+\s*%?$", t))
            spalte.leerzeichen |= bool(re.search(r"\d[ \u00a0\u202f]\d{3}", t))
    if len(zahlen) < 0.8 * len(werte):
        spalte.fremd = []
        texte = [code_text(v) for v in werte]
        codeartig = all(re.fullmatch(r"[A-Za-z]{0,4}[\d][\w./-]*", t) and len(t) <= 16 for t in texte)
        spalte.art = "code" if codeartig else "text"
        return
    spalte.fremd = sorted(set(spalte.fremd))
    ganz = all(z == int(z) for z in zahlen)
    zeit = any(h in n for h in _HINWEIS_ZEIT)
    if ganz and zeit and all(1900 <= z <= 2100 for z in zahlen):
        spalte.art = "jahr"
    elif ganz and zeit and all(190001 <= z <= 210012 and 1 <= z % 100 <= 12 for z in zahlen):
        spalte.art = "monat"
    elif ganz and zeit and all(19000101 <= z <= 21001231 for z in zahlen):
        spalte.art = "tag"
    elif any(isinstance(v, str) and re.fullmatch(r"0\d+", v.strip()) for v in werte):
        spalte.art = "code"  # führende Null: ein Schlüssel, keine Anzahl
    elif ganz and (n.endswith("id") or any(h in n for h in _HINWEIS_CODE) or n in ("nr", "lfdnr")
                   or (any(h in n for h in _HINWEIS_GEBIET) and not any(w in n for w in _BEVOELKERUNGSWORTE))):
        spalte.art = "code"
    elif any(isinstance(v, str) and v.strip().endswith("%") for v in werte) or not ganz \
            or any(h in klein for h in _HINWEIS_ANTEIL):
        spalte.art = "anteil"
    elif any(z < 0 for z in zahlen):
        spalte.art = "saldo"
    else:
        spalte.art = "zahl"


def _schluessel(v: object) -> object:
    return code_text(v) if isinstance(v, str | int | float) else str(v)


def _zeige(v: object) -> str:
    if isinstance(v, dt.datetime):
        return f"{v:%d.%m.%Y}"
    return code_text(v) if isinstance(v, str | int | float) else str(v)


# --- Überschriften und Zellwerte deuten ----------------------------------------------------------

_UMLAUTE = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _klein(text: object) -> str:
    """Kleinbuchstaben, Umlaute ausgeschrieben, Silbentrennung („Migrations-hintergrund“) und „/-innen“ entfernt."""
    t = str(text).replace("\u00ad", "").replace("\u00a0", " ").lower().translate(_UMLAUTE)
    t = re.sub(r"(?<=[a-z])-\s*(?=[a-z])", "", t)
    t = re.sub(r"/-?\s*innen\b", "", t)
    return re.sub(r"\s+", " ", t).strip()


_J = r"(?:\s*-?\s*(?:jaehrige[n]?|jahre[n]?))?"
_ALTER_MUSTER = (  # (Art, Muster) in dieser Reihenfolge: „6 bis unter 15“ vor „unter 15“, „65 und mehr“ vor „65“
    ("bis_unter", re.compile(rf"(?<!\d)(\d{{1,3}}){_J}\s*(?:-|–|bis)?\s*(?:unter|<)\s*(\d{{1,3}})(?!\d){_J}")),
    ("unter", re.compile(rf"(?:\bbis\s*)?(?:\bunter|<)\s*(\d{{1,3}})(?!\d){_J}")),
    ("offen", re.compile(rf"(?<!\d)(\d{{1,3}}){_J}\s*(?:und\s*(?:aeltere|aelter|mehr|darueber)|\+|und\s*ae\b)")),
    ("offen", re.compile(rf"(?:\bab|>=|≥)\s*(\d{{1,3}})(?!\d){_J}")),
    ("zwei", re.compile(rf"(?<!\d)(\d{{1,3}})\s*(?:-|–|—|bis|_)\s*(\d{{1,3}})(?!\d){_J}")),
    ("eins", re.compile(r"(?<!\d)(\d{1,3})\s*-?\s*(?:jaehrige[n]?|jahre[n]?|jaehrig)\b")),
)
_FUELLWORTE = {
    "bevoelkerung", "einwohner", "einwohnerinnen", "einwohnende", "personen", "person", "insgesamt", "gesamt", "anzahl",
    "und", "der", "die", "das", "des", "den", "davon", "darunter", "dar", "im", "in", "alter", "altersgruppe",
    "altersgruppen", "altersklasse", "altersklassen", "von", "bis", "jahren", "jahre", "jahr", "jaehrige", "jaehrigen",
    "geschlecht", "staatsangehoerigkeit", "nationalitaet", "mit", "ohne", "summe", "zusammen", "alle", "ew", "bev",
    "menschen", "nach", "einw",
}
_BEVOELKERUNGSWORTE = {"bevoelkerung", "einwohner", "einwohnerinnen", "einwohnende", "personen", "insgesamt", "gesamt",
                       "anzahl", "summe", "zusammen", "menschen", "ew", "einw"}
_GESCHLECHT = {"maennlich": "m", "maennliche": "m", "maenner": "m", "mann": "m", "jungen": "m", "weiblich": "w",
               "weibliche": "w", "frauen": "w", "frau": "w", "maedchen": "w", "divers": "d"}
_STAAT = {"auslaender": "nichtdeutsch", "auslaenderinnen": "nichtdeutsch", "auslaendische": "nichtdeutsch",
          "auslaendisch": "nichtdeutsch", "nichtdeutsche": "nichtdeutsch", "nichtdeutsch": "nichtdeutsch",
          "deutsche": "deutsch", "deutsch": "deutsch"}
_ANDERE_QUELLEN = (("sgb2", ("sgbii", "sgb ii", "bedarfsgemeinschaft", "leistungsempfaenger", "leistungsberechtigte")),
                   ("arbeitslose", ("arbeitslose",)), ("grundsicherung", ("mindestsicherung", "grundsicherung",
                                                                          "sgb xii", "asylblg")),
                   ("kita", ("kindergaert", "kita", "kindertages")))


@dataclass
class Alter:
    art: str  # bis_unter, unter, offen, zwei, eins
    von: int
    bis: int | None = None  # obere Zahl, wie sie dasteht (bei „bis_unter“ und „zwei“: die zweite Zahl)

    def koordinaten(self) -> dict[str, object]:
        if self.art in ("bis_unter", "unter"):
            return {"alter_von": self.von, "alter_bis_unter": self.bis}
        if self.art == "offen":
            return {"alter_von": self.von}
        if self.art == "eins":
            return {"alter_von": self.von, "alter_bis": self.von}
        return {"alter": f"{self.von}-{self.bis}"}  # zwei Zahlen: `altersgruppen` entscheidet


def alter_im_text(text: object) -> tuple[Alter | None, str]:
    """Die Altersangabe in einer Überschrift oder einem Zellwert und der Text ohne sie."""
    t = _klein(text)
    for art, muster in _ALTER_MUSTER:
        m = muster.search(t)
        if m is None:
            continue
        zahlen = [int(g) for g in m.groups()]
        if art == "unter":
            alter = Alter("unter", 0, zahlen[0])
        elif art in ("bis_unter", "zwei"):
            if not zahlen[0] < zahlen[1] <= 130:
                continue
            alter = Alter(art, zahlen[0], zahlen[1])
        else:
            alter = Alter(art, zahlen[0])
        if alter.von > 130:
            continue
        return alter, (t[:m.start()] + " " + t[m.end():]).strip()
    return None, t


@dataclass
class Deutung:
    koordinaten: dict[str, object] | None  # None: keine Zelle der Quelle
    grund: str
    alter: Alter | None = None


def deute(text: object, quelle: str) -> Deutung:
    """Welche Würfelzelle der Quelle eine Überschrift (breit) oder ein Zellwert (lang) meint."""
    if quelle != "bevoelkerung":
        return _deute_andere(text, quelle)
    roh = str(text).strip()
    if roh.lower() in ("m", "w", "d"):
        return Deutung({"geschlecht": roh.lower()}, "Geschlecht")
    alter, rest = alter_im_text(text)
    koordinaten: dict[str, object] = alter.koordinaten() if alter else {}
    teile = ([_alter_text(alter)] if alter else [])
    if "migrationshintergrund" in rest:
        ohne = re.search(r"\bohne\s+migrationshintergrund", rest) is not None
        koordinaten["migrationshintergrund"] = "nein" if ohne else "ja"
        teile.append("ohne Migrationshintergrund" if ohne else "mit Migrationshintergrund")
        rest = rest.replace("migrationshintergrund", " ")
    worte = re.findall(r"[a-z]+", rest)
    uebrig = []
    for wort in worte:
        if wort in _GESCHLECHT:
            if koordinaten.get("geschlecht", _GESCHLECHT[wort]) != _GESCHLECHT[wort]:
                return Deutung(None, "nennt zwei Geschlechter")
            koordinaten["geschlecht"] = _GESCHLECHT[wort]
        elif wort in _STAAT:
            if koordinaten.get("staatsangehoerigkeit", _STAAT[wort]) != _STAAT[wort]:
                return Deutung(None, "nennt deutsch und nichtdeutsch")
            koordinaten["staatsangehoerigkeit"] = _STAAT[wort]
        elif wort not in _FUELLWORTE:
            uebrig.append(wort)
    if uebrig:
        return Deutung(None, _keine_zelle(text, uebrig), alter)
    if not koordinaten and not set(worte) & _BEVOELKERUNGSWORTE:
        return Deutung(None, "keine Einwohnerzahl erkennbar", alter)
    if "geschlecht" in koordinaten:
        teile.append({"m": "männlich", "w": "weiblich", "d": "divers"}[koordinaten["geschlecht"]])
    if "staatsangehoerigkeit" in koordinaten:
        teile.append("Staatsangehörigkeit " + str(koordinaten["staatsangehoerigkeit"]))
    return Deutung(koordinaten, ", ".join(teile) if teile else "alle Einwohner", alter)


def _band(alter: Alter) -> Band:
    """Eine eindeutige Altersgruppe als Band (obere Grenze einschließlich; offen = 999)."""
    if alter.art in ("bis_unter", "unter"):
        return alter.von, alter.bis - 1, False
    return alter.von, alter.von if alter.art == "eins" else 999, False


def _alter_text(alter: Alter) -> str:
    if alter.art in ("bis_unter", "unter"):
        return f"Alter {alter.von} bis {alter.bis - 1}"
    if alter.art == "offen":
        return f"Alter ab {alter.von}"
    if alter.art == "eins":
        return f"Alter {alter.von}"
    return f"Alter {alter.von} bis {alter.bis - 1} oder {alter.bis}"


def _keine_zelle(text: object, uebrig: list[str]) -> str:
    klein = _klein(text)
    for quelle, worte in _ANDERE_QUELLEN:
        if any(w in klein for w in worte):
            return f"keine Einwohnerzahl; gehört zur Quelle {quelle} (dafür ein eigenes Profil: --quelle {quelle})"
    return f"keine Einwohnerzahl („{' '.join(uebrig)}“ ist kein Merkmal der Quelle bevoelkerung)"


def _andere_zellen(quelle: str) -> dict[str, dict[str, object]]:
    if quelle == "sgb2":
        return {m: {"merkmal": m} for m in SGB2_MERKMALE}
    if quelle == "arbeitslose":
        return {name: {"rechtskreis": r, "merkmal": m} for name, (r, m) in ARBEITSLOSE_SPALTEN.items()}
    if quelle == "grundsicherung":
        return {la: {"leistungsart": la} for la in LEISTUNGSARTEN}
    return {}


def _deute_andere(text: object, quelle: str) -> Deutung:
    zellen = _andere_zellen(quelle)
    name = canonical(text, list(zellen)) if zellen else None
    if name is None:
        return Deutung(None, f"keine bekannte Größe der Quelle {quelle}")
    return Deutung(zellen[name], f"wie die Spalte „{name}“ der Vorlage {quelle}")


# --- Gebiet, Stichtag, Gemeinde, Summen ----------------------------------------------------------

_HINWEIS_GEBIET = ("gebiet", "raum", "bezirk", "stadtteil", "ortsteil", "quartier", "viertel", "planungsraum",
                   "sozialraum", "bereich", "lor", "plr", "bzr", "stadtgebiet", "wohnbezirk", "ortsbezirk", "sprengel")
_HINWEIS_GEMEINDE = ("ags", "gemeindeschluessel", "gemeindekennziffer", "gemeinde")


@dataclass
class GebietWahl:
    spalte: Spalte | None
    nach_name: bool = False
    name_spalte: Spalte | None = None  # Namen zu einer Schlüsselspalte (1:1)
    frage: str | None = None
    grund: str = ""
    treffer: tuple[int, int] | None = None  # (in der Gebietsgliederung, verschieden)
    gemeinden: set[str] = field(default_factory=set)


def _waehle_gebiet(tab: Tabelle, gebiete: list[Gebiet]) -> GebietWahl:
    ids = {g.gebiet_id for g in gebiete} | {g.akg_code for g in gebiete if g.akg_code}
    namen = {norm(g.name): g for g in gebiete}
    kandidaten = []
    for sp in tab.spalten:
        if sp.art not in ("text", "code") or sp.verschieden < 2:
            continue
        werte = {_schluessel(v) for v in sp.werte()}
        code = sum(w in ids for w in werte)
        name = sum(norm(w) in namen for w in werte)
        hinweis = any(h in _klein(sp.text) for h in _HINWEIS_GEBIET)
        kandidaten.append((sp, werte, code, name, hinweis))
    if not kandidaten:
        return GebietWahl(None, frage="Keine Spalte mit Gebietsangaben gefunden (Text oder Schlüssel je Zeile). "
                                      "Welche Spalte nennt das Gebiet?")
    bekannt = [k for k in kandidaten if max(k[2], k[3]) >= 0.5 * len(k[1])]
    if bekannt:  # die Gebietsgliederung kennt die Werte: Schlüssel vor Namen
        sp, werte, code, name, _ = max(bekannt, key=lambda k: (k[2] >= k[3], max(k[2], k[3])))
        nach_name = name > code
        wahl = GebietWahl(sp, nach_name, treffer=(max(code, name), len(werte)))
        wahl.grund = (f"{'Namen' if nach_name else 'Schlüssel'}: {max(code, name)} von {len(werte)} Werten stehen in "
                      "der Gebietsgliederung")
        if nach_name:
            wahl.gemeinden = {g.gemeinde_ags for g in gebiete if norm(g.name) in {norm(w) for w in werte}}
        else:
            wahl.gemeinden = {g.gemeinde_ags for g in gebiete if g.gebiet_id in werte or g.akg_code in werte}
    else:
        mit_hinweis = [k for k in kandidaten if k[4]]
        codes = [k[0] for k in mit_hinweis if k[0].art == "code"]
        if len(mit_hinweis) == 1:
            sp = mit_hinweis[0][0]
        elif len(codes) == 1 and all(_folgt_aus(k[0], codes) for k in mit_hinweis):
            sp = codes[0]  # Schlüssel und Name derselben Gebiete: der Schlüssel (Namen sind nicht immer eindeutig)
        elif not mit_hinweis and tab.spalten and kandidaten[0][0].index == min(k[0].index for k in kandidaten) \
                and len([k for k in kandidaten if k[0].verschieden >= 0.9 * len(tab.zeilen)]) == 1:
            sp = kandidaten[0][0]  # breite Tabelle: die eine Textspalte mit verschiedenen Werten je Zeile
        else:
            namen_liste = ", ".join(k[0].name for k in (mit_hinweis or kandidaten)[:5])
            return GebietWahl((mit_hinweis or kandidaten)[0][0],
                              frage=f"Welche Spalte nennt das Gebiet? In Frage kommen {namen_liste}.")
        nach_name = sp.art == "text"
        wahl = GebietWahl(sp, nach_name)
        wahl.grund = (f"{'Namen' if nach_name else 'Schlüssel'} ({sp.verschieden} verschiedene, z. B. "
                      f"{sp.beispiele()})")
    for k in kandidaten:
        if k[0] is not wahl.spalte and k[0].art == "text" and not wahl.nach_name and _folgt_aus(k[0], [wahl.spalte]):
            wahl.name_spalte = k[0]
            break
    return wahl


@dataclass
class StichtagWahl:
    zeile: str | None  # YAML-Zeile ohne Schlüssel, z. B. '{spalte: jahr, format: "%Y"}'
    grund: str = ""
    frage: str | None = None
    spalte: Spalte | None = None


_DATEINAME_DATUM = (
    (re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)"), r"(?P<jahr>\d{4})-(?P<monat>\d{2})-(?P<tag>\d{2})"),
    (re.compile(r"(?<!\d)(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\d)"), r"(?P<tag>\d{1,2})\.(?P<monat>\d{1,2})\.(?P<jahr>\d{4})"),
    (re.compile(r"(?<!\d)((?:19|20)\d{2})(0[1-9]|1[0-2])([0-3]\d)(?!\d)"), r"(?P<jahr>\d{4})(?P<monat>\d{2})(?P<tag>\d{2})"),
    (re.compile(r"(?<!\d)((?:19|20)\d{2})-(0[1-9]|1[0-2])(?![\d-])"), r"(?P<jahr>\d{4})-(?P<monat>\d{2})"),
    (re.compile(r"(?<!\d)((?:19|20)\d{2})(0[1-9]|1[0-2])(?!\d)"), r"(?<!\d)(?P<jahr>\d{4})(?P<monat>\d{2})(?!\d)"),
)


def _waehle_stichtag(tab: Tabelle, dateiname: str) -> StichtagWahl:
    zeit = [sp for sp in tab.spalten if sp.art in ("datum", "jahr", "monat", "tag")]
    if len(zeit) > 1:
        liste = ", ".join(f"{sp.name} (z. B. {sp.beispiele(2)})" for sp in zeit)
        return StichtagWahl(None, frage=f"Welche Spalte ist der Stichtag? Daten stehen in {liste}. Antwort z. B. "
                                        f"{{spalte: {_q(zeit[0].text)}}}.", spalte=zeit[0])
    if zeit:
        sp = zeit[0]
        verschieden = sorted({_zeige(v) for v in sp.werte()})
        spanne = verschieden[0] if len(verschieden) == 1 else f"{verschieden[0]} bis {verschieden[-1]}"
        if sp.art == "datum":
            return StichtagWahl(f"{{spalte: {_q(sp.text)}}}", f"Datum je Zeile ({spanne})", spalte=sp)
        formate = {"jahr": ("%Y", "ein Jahr = 31.12. des Jahres (Jahresendstand)"),
                   "monat": ("%Y%m", "ein Monat = sein letzter Tag"), "tag": ("%Y%m%d", "Datum JJJJMMTT")}
        fmt, was = formate[sp.art]
        return StichtagWahl(f"{{spalte: {_q(sp.text)}, format: {_q(fmt)}}}", f"{spanne}: {was}", spalte=sp)
    for muster, regex in _DATEINAME_DATUM:
        if muster.search(dateiname):
            return StichtagWahl(f"{{dateiname: {_q(regex)}}}",
                                f"Datum im Dateinamen („{muster.search(dateiname)[0]}“); jede Lieferung so benennen")
    hinweise = []
    nur_jahr = _q(r"(?P<jahr>\d{4})")
    if m := re.search(r"(?<!\d)(19|20)\d{2}(?!\d)", dateiname):
        hinweise.append(f"der Dateiname nennt nur das Jahr {m[0]} (Stand 31.12.{m[0]}? oder Veröffentlichungsjahr "
                        f"mit Daten vom Vorjahr?) – gilt der 31.12., dann: {{dateiname: {nur_jahr}}}")
    for text in tab.titel:
        if m := re.search(r"\d{1,2}\.\d{1,2}\.\d{4}|\d{4}-\d{2}-\d{2}", text):
            hinweise.append(f"der Titel „{text[:60]}“ nennt {m[0]}")
    monate = sorted({m[0] for sp in tab.spalten for m in
                     [re.search(r"\((?:[A-Za-zäÄ]{3,}\.? )?\d{4}(/\d{4})?\)", sp.text)] if m})
    if monate:
        hinweise.append("Überschriften nennen " + ", ".join(monate[:4]))
    hinweis = ("; ".join(hinweise) + ". ") if hinweise else ""
    return StichtagWahl(None, frage=(
        f"Welcher Stichtag? Die Datei hat keine Datumsspalte; {hinweis}Antwort: ein Datum JJJJ-MM-TT (gilt dann für "
        "jede Datei nach diesem Profil) oder – besser für jährliche Lieferungen – das Datum in den Dateinamen "
        "schreiben (…_2022-12-31.csv) und {dateiname: \"(?P<jahr>\\\\d{4})-(?P<monat>\\\\d{2})-(?P<tag>\\\\d{2})\"}."))


@dataclass
class SummenWahl:
    zeile: str | None
    grund: str = ""
    frage: str | None = None
    gesamt: str | None = None  # Beschriftung der größten Summenzeile (meist die Gemeinde)


def _summen(folge: list[tuple[int, str, float]], codes: bool, alle_werte: set[str], namen: dict[str, str]
            ) -> SummenWahl | None:
    """Zwischensummen am Ende oder am Anfang der Gebietszeilen: ein Block, dessen größte Zeile die Summe der übrigen
    Gebiete ist und dessen Zeilen zusammen ein Vielfaches davon ergeben (Stadt und Bezirke)."""
    if len(folge) < 4:
        return None
    werte = [w for _, _, w in folge]
    groesste = max(werte)
    if groesste <= 0:
        return None
    i_max = werte.index(groesste)
    beste = None
    for s in range(1, len(werte)):
        vorn, hinten = sum(werte[:s]), sum(werte[s:])
        for summen, teile, am_ende in ((hinten, vorn, True), (vorn, hinten, False)):
            if am_ende != (i_max >= s):
                continue
            k = round(summen / groesste)
            abweichung = abs(teile - groesste) / groesste
            if k < 1 or abweichung > 0.01 or abs(summen - k * groesste) > 0.001 * k * groesste:
                continue
            guete = abweichung + abs(summen - k * groesste) / groesste
            if beste is None or guete < beste[0]:
                beste = (guete, s, am_ende, abweichung)
    if beste is None:
        return None
    _, s, am_ende, abweichung = beste
    block = folge[s:] if am_ende else folge[:s]
    if all(is_total_label(name) for _, name, _ in block):
        return None  # „Insgesamt“ & Co. erkennt das Lesen selbst
    beschriftung = [f"{name} ({namen[name]})" if name in namen else name for _, name, _ in block]
    gezeigt = ", ".join(beschriftung[:3]) + (f", …, {beschriftung[-1]}" if len(block) > 3 else "")
    teile = "die Gebietszeilen davor" if am_ende else "die Gebietszeilen danach"
    genau = "genau" if abweichung == 0 else f"bis auf {abweichung * 100:.1f} %".replace(".", ",")
    grund = (f"Zeilen {block[0][0]}–{block[-1][0]} ({gezeigt}) sind Summen: {teile} ergeben {genau} die größte, "
             "zusammen ein Vielfaches davon. Sie werden nicht geladen, nur gegen die Gebiete geprüft")
    groesste_name = folge[i_max][1]
    gesamt = f"{groesste_name} ({namen[groesste_name]})" if groesste_name in namen else groesste_name
    if am_ende and not codes:
        return SummenWahl(f"{{ab_zeile: {block[0][0]}}}", grund, gesamt=gesamt)
    muster = _codemuster([name for _, name, _ in block], alle_werte) if codes else None
    liste = [muster] if muster else [name for _, name, _ in block]
    return SummenWahl("{werte: [" + ", ".join(_q(w) for w in liste) + "]}", grund, gesamt=gesamt)


def _codemuster(codes: list[str], alle: set[str]) -> str | None:
    """Ein regulärer Ausdruck für gleich lange Schlüssel mit gemeinsamem Anfang („/^00\\d$/“), wenn er keinen
    anderen Wert der Spalte trifft."""
    if len({len(c) for c in codes}) != 1 or not all(c.isdigit() for c in codes):
        return None
    anfang = codes[0]
    for c in codes[1:]:
        while not c.startswith(anfang):
            anfang = anfang[:-1]
    rest = len(codes[0]) - len(anfang)
    muster = f"^{anfang}" + (r"\d" if rest == 1 else rf"\d{{{rest}}}") + "$"
    if rest == 0 or any(re.match(muster, w) for w in alle - set(codes)):
        return None
    return f"/{muster}/"


# --- Regelmäßige Überschriften (E_E00_01 …) --------------------------------------------------------


Band = tuple[int, int, bool]  # (von, obere Zahl wie geschrieben, zwei Zahlen ohne „unter“)


@dataclass
class Gruppe:
    muster: str  # /regex/
    texte: list[str]
    koordinaten: dict[str, object]
    grund: str
    baender: list[Band]
    mehrdeutig: bool


def _gruppen(texte: list[str], quelle: str) -> list[Gruppe]:
    """Überschriften (oder Werte), die sich nur in Zahlen unterscheiden und Altersgruppen sind, als ein `/regex/`."""
    if quelle not in ("bevoelkerung", "grundsicherung"):
        return []
    form: dict[str, list[str]] = defaultdict(list)
    for text in texte:
        if re.search(r"\d", text):
            form[re.sub(r"\d+", "#", text)].append(text)
    gruppen = []
    for gestalt, mitglieder in form.items():
        n = gestalt.count("#")
        if len(mitglieder) < 3 or n not in (1, 2):
            continue
        muster = "^" + r"(\d+)".join(_esc(t) for t in gestalt.split("#")) + "$"
        zahlen = [tuple(int(z) for z in re.findall(r"\d+", t)) for t in mitglieder]
        if any(z > 130 for zz in zahlen for z in zz):
            continue
        probe = deute(mitglieder[0], quelle) if quelle == "bevoelkerung" else Deutung(None, "")
        rest = re.sub(r"[#\W_]+", " ", _klein(gestalt)).split()
        if n == 2:
            if not all(a < b for a, b in zahlen):
                continue
            sortiert = sorted(zahlen)
            anschluss = [b == a2 or b + 1 == a2 for (_, b), (a2, _) in zip(sortiert, sortiert[1:], strict=False)]
            if probe.koordinaten is not None and probe.alter is not None and probe.alter.art == "bis_unter":
                koordinaten = {**probe.koordinaten, "alter_von": "$1", "alter_bis_unter": "$2"}
                gruppen.append(Gruppe(f"/{muster}/", mitglieder, koordinaten, "Altersgruppen „von … bis unter …“",
                                      [(a, b - 1, False) for a, b in zahlen], False))
            elif (probe.koordinaten is not None and probe.alter is not None and probe.alter.art == "zwei") or (
                    sum(anschluss) >= 0.8 * len(anschluss) and all(len(w) <= 2 for w in rest)):
                koordinaten = {k: v for k, v in (probe.koordinaten or {}).items() if k != "alter"}
                koordinaten["alter"] = "$1-$2"
                gruppen.append(Gruppe(f"/{muster}/", mitglieder, koordinaten,
                                      "Altersgruppen mit zwei Zahlen (z. B. " + ", ".join(mitglieder[:2]) + ")",
                                      [(a, b, True) for a, b in zahlen], True))
        elif probe.koordinaten is not None and probe.alter is not None and probe.alter.art == "eins" or (
                all(len(w) <= 2 or w in _FUELLWORTE for w in rest)
                and sorted(z[0] for z in zahlen) == list(range(min(zahlen)[0], min(zahlen)[0] + len(zahlen)))):
            koordinaten = {k: v for k, v in (probe.koordinaten or {}).items() if not k.startswith("alter")}
            koordinaten.update({"alter_von": "$1", "alter_bis": "$1"})
            gruppen.append(Gruppe(f"/{muster}/", mitglieder, koordinaten, "einzelne Altersjahre",
                                  [(z[0], z[0], False) for z in zahlen], False))
    return gruppen


def _esc(text: str) -> str:
    """Wie re.escape, aber nur Sonderzeichen (Leerzeichen und Bindestrich bleiben lesbar)."""
    return re.sub(r"([.^$*+?{}\[\]\\|()])", r"\\\1", text)


def _anschluss_hinweis(baender: list[Band]) -> str:
    """Was die Grenzen benachbarter Gruppen über „einschließlich“ oder „bis unter“ sagen: beginnt die nächste Gruppe
    bei der oberen Zahl einer mehrdeutigen Gruppe, passt „bis unter“; beginnt sie eins danach, „einschließlich“."""
    sortiert = sorted(set(baender))
    paare = [(a, b) for a, b in zip(sortiert, sortiert[1:], strict=False) if a[2]]
    gleich = [(a, b) for a, b in paare if b[0] == a[1]]
    plus_eins = [(a, b) for a, b in paare if b[0] == a[1] + 1]
    if len(gleich) > len(plus_eins):
        a, b = gleich[0]
        return (f" Hinweis: die nächste Gruppe beginnt bei der oberen Zahl der vorigen ({a[0]}-{a[1]}, dann ab "
                f"{b[0]}); das passt zu bis_unter (sonst zählte das Alter {a[1]} doppelt).")
    if len(plus_eins) > len(gleich):
        a, b = plus_eins[0]
        return (f" Hinweis: die nächste Gruppe beginnt eins nach der oberen Zahl der vorigen ({a[0]}-{a[1]}, dann ab "
                f"{b[0]}); das passt zu einschliesslich (sonst fehlte das Alter {a[1]}).")
    return ""


# --- YAML schreiben ------------------------------------------------------------------------------


def _q(text: object) -> str:
    """Ein YAML-Text in doppelten Anführungszeichen (JSON-Schreibweise ist gültiges YAML)."""
    return json.dumps(str(text), ensure_ascii=False)


def _wert(v: object) -> str:
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    text = str(v)
    return text if re.fullmatch(r"[a-z][a-z0-9_]*", text) and text not in ("ja", "nein", "yes", "no", "on", "off",
                                                                          "true", "false", "null") else _q(text)


def _zelle(koordinaten: dict[str, object] | None) -> str:
    if koordinaten is None:
        return "ignorieren"
    return "{" + ", ".join(f"{k}: {_wert(v)}" for k, v in koordinaten.items()) + "}"


def _muster_text(text: str) -> str:
    """Eine Überschrift als Schlüssel; eine, die wie /regex/ aussieht, als regulärer Ausdruck für genau sie."""
    if len(text) >= 2 and text.startswith("/") and text.endswith("/"):
        return _q(f"/^{_esc(text)}$/")
    return _q(text)


class _Yaml:
    def __init__(self) -> None:
        self.zeilen: list[tuple[str, str]] = []
        self.fragen: list[str] = []
        self.hauptspalte: Spalte | None = None  # breit: die Spalte für die Summenprüfung
        self.summenfolge: list[tuple[int, str, float]] | None = None  # lang: (Zeile, Gebiet, Wert) für die Prüfung

    def zeile(self, text: str, kommentar: str = "", frage: str | None = None) -> None:
        if frage:
            self.fragen.append(frage)
            kommentar = f"{FRAGE_MARKE} {frage}"
        elif kommentar:
            kommentar = f"# {kommentar}"
        self.zeilen.append((text, kommentar))

    def kommentar(self, text: str = "", einzug: int = 0) -> None:
        self.zeilen.append((" " * einzug + ("# " + text if text else "#"), ""))

    def leer(self) -> None:
        self.zeilen.append(("", ""))

    def text(self) -> str:
        aus = []
        for text, kommentar in self.zeilen:
            if kommentar:
                aus.append(f"{text.ljust(max(KOMMENTAR_SPALTE, len(text) + 2))}{kommentar}")
            else:
                aus.append(text)
        return "\n".join(aus) + "\n"


# --- Entwurf -------------------------------------------------------------------------------------


@dataclass
class Entwurf:
    profil: str
    text: str
    fragen: list[str]
    tabelle: Tabelle
    layout: str
    quelle: str | None


def profilname(dateiname: str, vorhanden: set[str] | None = None) -> str:
    """Ein Profilname aus dem Dateinamen: ASCII, klein, ohne Daten und Jahreszahlen („stadtteilprofile“)."""
    stamm = Path(dateiname).stem.lower().translate(_UMLAUTE)
    stamm = re.sub(r"(19|20)\d{2}([-_.]?\d{2}){0,2}", " ", stamm)
    name = re.sub(r"[^a-z0-9]+", "_", stamm).strip("_") or "lieferung"
    if name in READERS or name in (vorhanden or set()):
        name = f"{name}_lieferung"
    return name


def entwerfe(path: Path, quelle: str | None = None, profil: str | None = None, gebiete: list[Gebiet] | None = None,
             heute: dt.date | None = None) -> Entwurf:
    """Der Entwurf eines Lieferprofils für `path`. `gebiete`: die Gebietsgliederung (Gebiete und Gemeinde werden
    daran erkannt, wenn sie die Datei kennt). KeineTabelle, wenn die Datei keine Tabelle enthält; FileRejected, wenn
    sie sich nicht lesen lässt."""
    tab = finde_tabelle(path)
    gebiete = gebiete or []
    dims = wuerfel_dimensionen()
    profil = profil or profilname(path.name)
    y = _Yaml()
    gebiet = _waehle_gebiet(tab, gebiete)
    stichtag = _waehle_stichtag(tab, path.name)
    eigene = {sp.index for sp in (gebiet.spalte, stichtag.spalte) if sp is not None}
    gemeinde_sp = next((sp for sp in tab.spalten if sp.index not in eigene and sp.art in ("code", "zahl")
                        and any(norm(sp.text) == h or norm(sp.text).startswith(h) for h in _HINWEIS_GEMEINDE)
                        and all(len(code_text(v)) in (7, 8) for v in sp.werte())), None)
    if gemeinde_sp is not None:
        eigene.add(gemeinde_sp.index)
    zahlen = [sp for sp in tab.spalten if sp.index not in eigene and sp.art == "zahl"]
    # Merkmalsspalten: Werte wiederholen sich (eine Spalte mit nur einem Wert und Lücken: leer = insgesamt)
    etiketten = [sp for sp in tab.spalten if sp.index not in eigene and sp.art in ("text", "code")
                 and (sp.verschieden > 1 or len(sp.werte()) < len(tab.zeilen))
                 and sp.verschieden <= max(2, len(tab.zeilen) // 2)
                 and not (gebiet.name_spalte is not None and sp.index == gebiet.name_spalte.index)]
    if len(zahlen) > 1 and etiketten:  # wenige verschiedene ganze Zahlen neben vielen: Kennziffern, keine Anzahlen
        wenige = [sp for sp in zahlen if sp.verschieden <= 30 and len(tab.zeilen) >= 10 * sp.verschieden]
        if len(wenige) == len(zahlen) - 1:
            for sp in wenige:
                sp.art = "code"
                etiketten.append(sp)
            zahlen = [sp for sp in zahlen if sp not in wenige]
    layout = "lang" if len(zahlen) == 1 and etiketten else "breit"

    if quelle is None:
        quelle, quelle_grund = _rate_quelle(tab, path.name, layout, zahlen, etiketten, eigene)
    else:
        quelle_grund = "beim Aufruf angegeben (--quelle)"

    _kopf(y, path, tab, profil, layout, gebiet, gebiete, heute)
    y.zeile(f"profil: {profil}", "= Dateiname ohne .yaml")
    art = "CSV" if tab.csv else f"Blatt „{tab.sheet.name}“"
    y.zeile(f"beschreibung: {_q(f'Lieferung wie {path.name} ({art}, {layout}es Layout)')}")
    if quelle in dims:
        y.zeile(f"quelle: {quelle}", quelle_grund)
    else:
        y.zeile(f"quelle: {OFFEN}", frage=f"Welche Quelle füllt die Datei? {quelle_grund} Erlaubt: "
                                          f"{', '.join(sorted(dims))}. Danach den Entwurf neu schreiben lassen: "
                                          "sozial-dwh profil entwurf DATEI --quelle Q")
    rumpf = _Yaml()
    if layout == "breit":
        benutzt = _breit(rumpf, tab, quelle if quelle in dims else "", eigene)
    else:
        benutzt = _lang(rumpf, tab, quelle if quelle in dims else "", zahlen[0], etiketten, gebiet, stichtag)
    erkennen = [sp.text for sp in (gebiet.spalte, stichtag.spalte, *benutzt) if sp is not None and sp.text]
    erkennen = list(dict.fromkeys(erkennen))[:6]
    y.zeile(f"erkennen: {{spalten: [{', '.join(_q(t) for t in erkennen)}]}}",
            "die Datei wird an diesen Überschriften erkannt")
    if not tab.csv:
        andere = f"; weitere Blätter mit Tabellen: {', '.join(tab.andere_blaetter)}" if tab.andere_blaetter else ""
        y.zeile(f"blatt: {_q(tab.sheet.name)}", f"das Blatt mit der Tabelle{andere}")
    if tab.kopfzeilen > 1:
        y.zeile(f"kopfzeilen: {tab.kopfzeilen}",
                f"Zeilen {tab.erste_kopfzeile}–{tab.kopfzeile} bilden die Überschrift (Gruppentitel über Unterspalten)")
    summen = _summen_wahl(tab, gebiet, layout, zahlen, rumpf)
    _gemeinde(y, tab, gebiet, gemeinde_sp, gebiete, summen)
    if stichtag.zeile:
        y.zeile(f"stichtag: {stichtag.zeile}", stichtag.grund)
    else:
        y.zeile("stichtag: JJJJ-MM-TT", frage=stichtag.frage)
    _gebiet_zeile(y, gebiet)
    if summen is not None and summen.zeile:
        y.zeile(f"summenzeilen: {summen.zeile}", summen.grund)
    elif summen is not None and summen.frage:
        y.zeile(f"summenzeilen: {OFFEN}", frage=summen.frage)
    _zahlen_zeilen(y, tab, zahlen, layout)
    y.zeilen.extend(rumpf.zeilen)
    y.fragen.extend(rumpf.fragen)
    text = y.text()
    anzahl = len(y.fragen)
    text = text.replace("@FRAGEN@", f"{anzahl} offene Frage{'n' if anzahl != 1 else ''}" if anzahl else
                        "Keine offene Frage")
    return Entwurf(profil, text, y.fragen, tab, layout, quelle if quelle in dims else None)


def _kopf(y: _Yaml, path: Path, tab: Tabelle, profil: str, layout: str, gebiet: GebietWahl, gebiete: list[Gebiet],
          heute: dt.date | None) -> None:
    heute = heute or dt.date.today()
    wo = "CSV-Datei" if tab.csv else f"Blatt „{tab.sheet.name}“"
    kopf = (f"Kopfzeile {tab.kopfzeile}" if tab.kopfzeilen == 1 else
            f"Kopfzeilen {tab.erste_kopfzeile}–{tab.kopfzeile}")
    zeilen = f"{len(tab.zeilen)}" if tab.vollstaendig else f"mehr als {len(tab.zeilen)} (die ersten angesehen)"
    y.kommentar(f"Entwurf eines Lieferprofils, geschrieben von `sozial-dwh profil entwurf` am {heute:%d.%m.%Y}")
    y.kommentar(f"für „{path.name}“: {wo}, {kopf}, {zeilen} Datenzeilen, "
                f"{sum(1 for s in tab.spalten if s.text or s.art != 'leer')} Spalten, Layout {layout}.")
    y.kommentar()
    y.kommentar("@FRAGEN@. So geht es weiter:")
    y.kommentar("  1. Jede Zeile, die mit „FRAGE:“ markiert ist, beantworten: den Wert vor dem # ersetzen und den")
    y.kommentar("     Kommentar ab # löschen. Solange eine Frage offen ist, lädt das Profil nicht (die Prüfung nennt")
    y.kommentar("     Schlüssel und Zeile).")
    y.kommentar("  2. Die übrigen Zeilen sind geraten, aber begründet (Kommentar daneben): kurz gegenlesen.")
    y.kommentar(f"  3. Die Datei als {profil}.yaml in den Ordner data/reference/{'lieferprofile'}/ legen (oder unter")
    y.kommentar("     $SOZIAL_DWH_REFERENCE/lieferprofile/); der Dateiname muss „profil:“ gleichen.")
    y.kommentar(f"  4. Prüfen: sozial-dwh check --profil {profil} {path.name}")
    y.kommentar("     (zeigt die ersten Würfelzellen und die Summe je Gebiet zum Vergleich mit der Datei).")
    y.kommentar("  5. Die Datei in den Eingangsordner legen.")
    if gebiet.spalte is not None and gebiet.treffer is None:
        werte = {_schluessel(v) for v in gebiet.spalte.werte()}
        y.kommentar()
        y.kommentar(f"Hinweis: die Gebiete der Datei ({len(werte)} verschiedene, z. B. {gebiet.spalte.beispiele()}) "
                    "stehen nicht in der Gebietsgliederung" + (f" ({len(gebiete)} Gebiete)." if gebiete else "."))
        y.kommentar("Vor dem Laden die Gebiete in data/reference/gebiete.csv eintragen.")
    y.leer()


_QUELLEN_WORTE = {
    "bevoelkerung": ("bevoelkerung", "einwohner"),
    "arbeitslose": ("arbeitslos", "rechtskreis"),
    "sgb2": ("sgb ii", "sgbii", "bedarfsgemeinschaft", "leistungsberechtigte", "leistungsempfaenger"),
    "grundsicherung": ("grundsicherung", "mindestsicherung", "leistungsart", "asylblg", "sgb xii"),
}


def _rate_quelle(tab: Tabelle, dateiname: str, layout: str, zahlen: list[Spalte], etiketten: list[Spalte],
                 eigene: set[int]) -> tuple[str | None, str]:
    """Die Quelle: am Dateinamen (<quelle>_…), im langen Layout an den Überschriften von Wert- und Merkmalsspalten,
    sonst an den Überschriften oder Werten, die Zellen einer Quelle sind (Einwohner zuerst)."""
    dims = wuerfel_dimensionen()
    if (m := re.match(r"([a-z0-9]+)[_-]", dateiname.lower())) and m[1] in dims:
        return m[1], f"der Dateiname beginnt mit „{m[1]}_“"
    if layout == "lang":
        koepfe = [_klein(sp.text) for sp in (*zahlen, *etiketten)]
        punkte = {q: sum(any(w in k for w in worte) for k in koepfe) for q, worte in _QUELLEN_WORTE.items()}
        beste = max(punkte.values())
        if beste and list(punkte.values()).count(beste) == 1:
            quelle = max(punkte, key=punkte.get)
            return quelle, "erkannt an den Überschriften " + ", ".join(f"„{sp.text}“" for sp in (*zahlen, *etiketten)
                                                                        if any(w in _klein(sp.text) for w in
                                                                               _QUELLEN_WORTE[quelle]))
    if layout == "breit":
        texte = [sp.text for sp in tab.spalten if sp.index not in eigene and sp.art == "zahl"]
    else:
        texte = [_zeige(v) for sp in etiketten for v in dict.fromkeys(_zeige(v) for v in sp.werte())]
        texte += [sp.text for sp in zahlen]
    treffer = {}
    for quelle in ("bevoelkerung", "sgb2", "arbeitslose", "grundsicherung"):
        gedeutet = [t for t in texte if deute(t, quelle).koordinaten is not None]
        if quelle == "bevoelkerung":  # Altersgruppen in regelmäßigen Überschriften (E_E00_01 …)
            gedeutet += [f"{g.texte[0]} … {g.texte[-1]}" for g in _gruppen(texte, quelle)]
        if gedeutet:
            treffer[quelle] = gedeutet
    if not treffer:
        return None, "Keine Überschrift gleicht einer bekannten Größe."
    quelle = "bevoelkerung" if "bevoelkerung" in treffer else max(treffer, key=lambda q: len(treffer[q]))
    beispiele = ", ".join(f"„{t}“" for t in treffer[quelle][:3])
    andere = [q for q in treffer if q != quelle]
    rest = f"; Spalten anderer Quellen ({', '.join(andere)}) brauchen je ein eigenes Profil" if andere else ""
    return quelle, f"erkannt an {beispiele}{rest}"


def _gemeinde(y: _Yaml, tab: Tabelle, gebiet: GebietWahl, gemeinde_sp: Spalte | None, gebiete: list[Gebiet],
              summen: SummenWahl | None) -> None:
    if gemeinde_sp is not None:
        y.zeile(f"gemeinde: {{spalte: {_q(gemeinde_sp.text)}}}", f"Gemeindeschlüssel je Zeile (z. B. "
                                                                 f"{gemeinde_sp.beispiele(2)})")
        return
    if len(gebiet.gemeinden) == 1:
        ags = next(iter(gebiet.gemeinden))
        name = next(g.gemeinde for g in gebiete if g.gemeinde_ags == ags)
        y.zeile(f"gemeinde: {_q(ags)}", f"{name}: die Gebiete der Datei liegen laut Gebietsgliederung dort")
        return
    hinweise = []
    if len(gebiet.gemeinden) > 1:
        hinweise.append("die Gebiete der Datei stehen in der Gebietsgliederung bei mehreren Gemeinden ("
                        + ", ".join(sorted(gebiet.gemeinden)) + ")")
    kandidaten = []
    for sp in tab.spalten:
        for v in dict.fromkeys(_zeige(v) for v in sp.werte()):
            k = _klein(v)
            if re.match(r"(stadt|gemeinde|landeshauptstadt|freie und hansestadt|hansestadt)\b", k) or \
                    re.fullmatch(r".+\s+insgesamt", k):
                kandidaten.append(v)
    if kandidaten:
        hinweise.append("die Datei nennt " + ", ".join(f"„{k}“" for k in kandidaten[:3]))
    elif summen is not None and summen.gesamt:
        hinweise.append(f"die Summe aller Gebiete steht in der Zeile „{summen.gesamt}“")
    hinweis = ("; ".join(hinweise) + ". ") if hinweise else ""
    y.zeile('gemeinde: "AGS"', frage=(
        f"Welche Gemeinde liefert die Datei? {hinweis}Antwort: der achtstellige Gemeindeschlüssel in Anführungszeichen "
        "(z. B. \"05315000\" für Köln). Bestimmt die Gebietsgliederung die Gemeinde eindeutig, darf die Zeile auch "
        "entfallen."))


def _gebiet_zeile(y: _Yaml, gebiet: GebietWahl) -> None:
    if gebiet.spalte is None:
        y.zeile(f"gebiet: {{spalte: {OFFEN}}}", frage=gebiet.frage)
        return
    nach = ", nach: name" if gebiet.nach_name else ""
    wert = f"{{spalte: {_q(gebiet.spalte.text)}{nach}}}"
    if gebiet.frage:
        y.zeile(f"gebiet: {{spalte: {OFFEN}}}", frage=f"{gebiet.frage} Vermutlich: {wert}")
        return
    extra = f"; Namen dazu in {gebiet.name_spalte.name}" if gebiet.name_spalte is not None else ""
    y.zeile(f"gebiet: {wert}", gebiet.grund + extra)


def _summen_wahl(tab: Tabelle, gebiet: GebietWahl, layout: str, zahlen: list[Spalte], rumpf: _Yaml
                 ) -> SummenWahl | None:
    if gebiet.spalte is None:
        return None
    folge = rumpf.summenfolge
    if folge is None:
        haupt = rumpf.hauptspalte or (zahlen[0] if zahlen else None)
        if haupt is None:
            return None
        folge = []
        for nr, g, w in zip(tab.zeilen, gebiet.spalte.zellen, haupt.zellen, strict=True):
            z = _zahl(w)
            if not is_blank(g) and z is not None:
                folge.append((nr, _zeige(g), z))
    namen = {}
    if gebiet.name_spalte is not None:
        namen = {_zeige(a): _zeige(b) for a, b in zip(gebiet.spalte.zellen, gebiet.name_spalte.zellen, strict=True)
                 if not is_blank(a)}
    alle = {_zeige(v) for v in gebiet.spalte.werte()}
    wahl = _summen(folge, not gebiet.nach_name, alle, namen)
    if wahl is not None:
        return wahl
    doppelt = [n for n, k in Counter(name for _, name, _ in folge).items() if k > 1 and layout == "breit"]
    if doppelt:
        return SummenWahl(None, frage=(
            f"Die Gebietsnamen {', '.join(doppelt[:4])} stehen mehrfach in der Datei. Sind Zeilen davon Summen "
            "(z. B. ein Bezirk gleichen Namens)? Dann {ab_zeile: N} (alle Zeilen ab N sind Summen) oder {werte: "
            "[Name, …]}; sonst die Zeile löschen."))
    return None


def _zahlen_zeilen(y: _Yaml, tab: Tabelle, zahlen: list[Spalte], layout: str) -> None:
    spalten = [sp for sp in tab.spalten if sp.art in ("zahl", "anteil", "saldo", "code")]
    en = [sp for sp in spalten if sp.en and sp.art != "code"]
    de = [sp for sp in spalten if sp.de]
    if en and de:
        y.zeile(f"zahlen: {OFFEN}", frage=(
            f"Dezimalpunkt in {en[0].name} ({en[0].beispiele(2)}), Dezimalkomma in {de[0].name} "
            f"({de[0].beispiele(2)}). Welche Schreibweise gilt für die Anzahlen? de oder en."))
    elif en:
        y.zeile("zahlen: en", f"Dezimalpunkt ({en[0].beispiele(2)}): englische Schreibweise")
    fremd = Counter(t for sp in tab.spalten if sp.art in ("zahl", "anteil", "saldo") for t in sp.fremd)
    if fremd:
        y.zeile("fehlwerte:")
        for zeichen, _ in fremd.most_common(10):
            wo = next(sp.name for sp in tab.spalten if zeichen in sp.fremd)
            y.zeile(f"  {_q(zeichen)}: {OFFEN}", frage=(
                f"„{zeichen}“ steht statt einer Zahl (z. B. in {wo}). Was bedeutet es? geheim, unbekannt, gesperrt, "
                "nicht_zutreffend, nicht_verfuegbar oder nicht_geliefert."))


def _altersgruppen(y: _Yaml, mehrdeutige: list[str], baender: list[Band]) -> None:
    if not mehrdeutige:
        return
    beispiele = ", ".join(f"„{t}“" for t in mehrdeutige[:3])
    a, b, _ = next((band for band in baender if band[2]), (6, 15, True))
    y.zeile(f"altersgruppen: {UNENTSCHIEDEN_ALTER}", frage=(
        f"{beispiele} nennen zwei Zahlen ohne „unter“. Einschließlich ({a}-{b} = {a} bis {b} Jahre) oder „bis unter“ "
        f"({a} bis {b - 1} Jahre)? Antwort: einschliesslich oder bis_unter (steht meist in der Zeichenerklärung der "
        f"Datei).{_anschluss_hinweis(baender)}"))


def _breit(y: _Yaml, tab: Tabelle, quelle: str, eigene: set[int]) -> list[Spalte]:
    """`spalten` und `ignorieren` des breiten Layouts: jede Spalte der Datei steht in einem von beiden."""
    spalten = [sp for sp in tab.spalten if sp.index not in eigene]
    mit_text = [sp for sp in spalten if sp.text and sp.art in ("zahl", "saldo", "anteil", "code", "leer")]
    gruppen = _gruppen([sp.text for sp in mit_text if sp.art == "zahl"], quelle) if quelle else []
    in_gruppe = {t: g for g in gruppen for t in g.texte}
    zuordnung: list[tuple[str, str, str, str | None]] = []  # (Schlüssel, Wert, Kommentar, Frage)
    ignorieren: list[tuple[str, str]] = []
    mehrdeutig: list[str] = []
    baender: list[Band] = []
    zellen: dict[str, str] = {}
    benutzt: list[Spalte] = []
    for g in gruppen:
        zuordnung.append((_q(g.muster), _zelle(g.koordinaten),
                          f"{g.grund}: {len(g.texte)} Spalten ({g.texte[0]} … {g.texte[-1]})", None))
        baender += g.baender
        if g.mehrdeutig:
            mehrdeutig += g.texte
    for sp in spalten:
        if sp.index in eigene:
            continue
        if not sp.text:
            if sp.art != "leer":
                y.kommentar(f"Spalte {sp.buchstabe} hat keine Überschrift, aber Werte ({sp.beispiele()}): sie wird nicht "
                            "gelesen.")
                y.zeile("", frage=f"Spalte {sp.buchstabe} ohne Überschrift: in der Datei eine Überschrift ergänzen "
                                  "und den Entwurf neu schreiben lassen, oder diese Zeile löschen (dann bleibt sie "
                                  "ungelesen).")
            continue
        if sp.text in in_gruppe:
            if sp.text == in_gruppe[sp.text].texte[0]:
                benutzt.append(sp)  # für `erkennen`: je Gruppe die erste Spalte
            continue
        if sp.art in ("text", "datum", "jahr", "monat", "tag"):
            ignorieren.append((sp.text, f"{'Text' if sp.art == 'text' else 'Datum'} (z. B. {sp.beispiele(2)})"))
            continue
        if sp.art == "leer":
            ignorieren.append((sp.text, "leer"))
            continue
        if sp.art == "code":
            ignorieren.append((sp.text, f"Schlüssel oder Kennziffer (z. B. {sp.beispiele(2)}), keine Anzahl"))
            continue
        if sp.art == "anteil":
            ignorieren.append((sp.text, f"{_keine_anzahl(sp.text)} (z. B. {sp.beispiele(2)}): keine Anzahl von "
                                        "Personen"))
            continue
        deutung = deute(sp.text, quelle) if quelle else Deutung(None, "Quelle offen")
        if sp.art == "saldo" and deutung.koordinaten is not None:
            deutung = Deutung(None, "enthält negative Werte: keine Anzahl")
        if deutung.koordinaten is None:
            vorn = next((g for g in gruppen if all(t.startswith(sp.text) for t in g.texte)), None)
            if vorn is None and (quelle and deutung.grund.startswith("keine Einwohnerzahl") or sp.art == "saldo"):
                ignorieren.append((sp.text, deutung.grund))
            else:
                vielleicht = (f" Vielleicht alle Einwohner ({{}}): die Altersspalten {vorn.texte[0]} … beginnen mit "
                              f"„{sp.text}“." if vorn is not None and quelle == "bevoelkerung" else "")
                zuordnung.append((_muster_text(sp.text), OFFEN, "", (
                    f"Anzahl (z. B. {sp.beispiele(2)}), aber welche Zelle? {deutung.grund}.{vielleicht} Antwort: die "
                    f"Merkmale, z. B. {_beispielzelle(quelle)}, oder „ignorieren“ (nicht laden).")))
            continue
        wert = _zelle(deutung.koordinaten)
        if wert in zellen:
            zuordnung.append((_muster_text(sp.text), OFFEN, "", (
                f"ergäbe dieselbe Zelle {wert} wie „{zellen[wert]}“. Welche Spalte gilt? Die andere: ignorieren.")))
            continue
        zellen[wert] = sp.text
        benutzt.append(sp)
        if deutung.alter is not None and deutung.alter.art == "zwei":
            mehrdeutig.append(sp.text)
            baender.append((deutung.alter.von, deutung.alter.bis, True))
        elif deutung.alter is not None:
            baender.append(_band(deutung.alter))
        zuordnung.append((_muster_text(sp.text), wert, deutung.grund, None))
    _altersgruppen(y, mehrdeutig, baender)
    y.zeile("layout: breit", "je Zeile ein Gebiet, je Spalte eine Größe")
    if not zuordnung:
        y.zeile(f"spalten: {OFFEN}", frage="Keine Spalte mit Anzahlen erkannt. Welche Spalten sind welche Zelle? "
                                           "Überschrift: {Merkmal: Wert} je Zeile darunter.")
    else:
        y.zeile("spalten:", "Überschrift oder /Muster/ -> Würfelzelle ({} = alle Einwohner)")
        for schluessel, wert, kommentar, frage in zuordnung:
            y.zeile(f"  {schluessel}: {wert}", kommentar, frage)
    if ignorieren:
        y.zeile("ignorieren:", "bewusst nicht geladen")
        for text, grund in ignorieren:
            y.zeile(f"  - {_muster_text(text)}", grund)
    y.hauptspalte = next((sp for sp in benutzt if zellen.get("{}") == sp.text), benutzt[0] if benutzt else None)
    return benutzt


def _keine_anzahl(text: str) -> str:
    klein = _klein(text)
    for worte, was in ((("%", "anteil", "quote", "prozent", "promille"), "Anteil"),
                       (("saldo",), "Saldo"), (("dichte",), "Dichte"), (("preis", "eur"), "Betrag oder Preis"),
                       (("flaeche", "km²", "m²", "groesse"), "Fläche oder Größe"),
                       (("je ", "pro ", "durchschnitt", "mittel", "median"), "Durchschnitt oder Verhältnis"),
                       (("index", "rate"), "Index oder Rate")):
        if any(w in klein for w in worte):
            return was
    return "Dezimalzahl"


def _beispielzelle(quelle: str) -> str:
    return {"bevoelkerung": "{alter_von: 0, alter_bis_unter: 18} oder {geschlecht: w}",
            "sgb2": "{merkmal: bedarfsgemeinschaften}", "arbeitslose": "{rechtskreis: sgb2, merkmal: insgesamt}",
            "grundsicherung": "{leistungsart: hlu}"}.get(quelle, "{merkmal: wert}")


_DIMENSIONEN = {"geschlecht": "geschlecht", "staatsangehoerigkeit": "staatsangehoerigkeit",
                "migrationshintergrund": "migrationshintergrund", "alter": "alter", "altersgruppe": "alter"}


def _lang(y: _Yaml, tab: Tabelle, quelle: str, wert: Spalte, etiketten: list[Spalte], gebiet: GebietWahl,
          stichtag: StichtagWahl) -> list[Spalte]:
    """`wert`, `dimensionen` und `zeilen` des langen Layouts; die übrigen Spalten als Kommentar."""
    dims = wuerfel_dimensionen().get(quelle, ())
    dimensionen: list[tuple[str, Spalte]] = []
    rest = []
    for sp in etiketten:
        name = canonical(sp.text, list(_DIMENSIONEN))
        dim = _DIMENSIONEN.get(name) if name else None
        if dim is None:  # Merkmale der übrigen Quellen mit eigenen Synonymen (Rechtskreis, Merkmal, Leistungsart)
            dim = next((d for d in dims if d in SYNONYMS and canonical(sp.text, [d])), None)
        if dim and (dim in dims or (dim == "alter" and "alter_von" in dims)) and dim not in [d for d, _ in dimensionen]:
            dimensionen.append((dim, sp))
        else:
            rest.append(sp)
    zeilen_sp = None
    if quelle:
        wertung = []
        for sp in rest:
            verschieden = list(dict.fromkeys(_zeige(v) for v in sp.werte()))
            punkte = sum(deute(v, quelle).koordinaten is not None for v in verschieden[:200])
            wertung.append((punkte, -sp.index, sp))
        if wertung and max(wertung, key=lambda w: w[:2])[0] > 0:
            zeilen_sp = max(wertung, key=lambda w: w[:2])[2]
    gewaehlt = [sp for _, sp in dimensionen] + ([zeilen_sp] if zeilen_sp else [])
    mehrdeutig: list[str] = []
    baender: list[Band] = []
    teil = _Yaml()
    teil.zeile(f"wert: {_q(wert.text)}", f"die Anzahl je Zeile (z. B. {wert.beispiele(2)})")
    summen_wert = None  # der Wert von `zeilen`, der „alle Einwohner“ ist (für die Summenprüfung)
    if dimensionen:
        teil.zeile("dimensionen:")
        for dim, sp in dimensionen:
            verschieden = list(dict.fromkeys(_zeige(v) for v in sp.werte()))
            if dim == "alter":
                unlesbar = []
                for v in verschieden:
                    alter, uebrig = alter_im_text(v)
                    if alter is None and not re.fullmatch(r"\d{1,3}", v.strip()) and norm(v) not in (
                            "insgesamt", "gesamt", "zusammen", "alle", "summe"):
                        unlesbar.append(v)
                    elif alter is not None and alter.art == "zwei":
                        mehrdeutig.append(v)
                        baender.append((alter.von, alter.bis, True))
                    elif alter is not None:
                        baender.append(_band(alter))
                if unlesbar:
                    teil.zeile(f"  alter: {{spalte: {_q(sp.text)}, werte: {OFFEN}}}", frage=(
                        f"Diese Altersangaben sind nicht lesbar: {', '.join(unlesbar[:5])}. Antwort: werte: {{Zellwert: "
                        "Altersgruppe wie „6 bis unter 15“ oder „ignorieren“}, oder Spalte ohne werte, wenn die "
                        "übrigen Angaben genügen."))
                else:
                    teil.zeile(f"  alter: {_q(sp.text)}", f"Altersangaben, z. B. {sp.beispiele()}")
                continue
            auspraegungen = {v: _auspraegung(quelle, dim, v) for v in verschieden}
            if dim in KATEGORIEN and all(auspraegungen.values()) or all(a == v for v, a in auspraegungen.items()):
                teil.zeile(f"  {dim}: {_q(sp.text)}", f"Werte {sp.beispiele(4)}")
                continue
            teil.zeile(f"  {dim}:")
            teil.zeile(f"    spalte: {_q(sp.text)}")
            teil.zeile("    werte:")
            for v in verschieden[:MAX_WERTE]:
                if auspraegungen[v]:
                    teil.zeile(f"      {_muster_text(v)}: {_wert(auspraegungen[v])}")
                else:
                    teil.zeile(f"      {_muster_text(v)}: {OFFEN}", frage=(
                        f"Welche Ausprägung von {dim} ist „{v}“? Antwort: {_erlaubt(quelle, dim)}, oder „ignorieren“ "
                        "(Zeilen nicht laden)."))
            if len(verschieden) > MAX_WERTE:
                teil.zeile("      ", frage=f"{len(verschieden) - MAX_WERTE} weitere Werte von „{sp.text}“ fehlen oben "
                                           "(Zeilen mit ihnen gingen in Quarantäne). Bitte ergänzen oder diese Zeile "
                                           "löschen.")
    if zeilen_sp is not None:
        verschieden = list(dict.fromkeys(_zeige(v) for v in zeilen_sp.werte()))
        gruppen = _gruppen(verschieden, quelle)
        in_gruppe = {t for g in gruppen for t in g.texte}
        teil.zeile("zeilen:", "die Werte dieser Spalte sind Würfelzellen")
        teil.zeile(f"  spalte: {_q(zeilen_sp.text)}")
        teil.zeile("  werte:")
        zellen: dict[str, str] = {}
        for g in gruppen:
            teil.zeile(f"    {_q(g.muster)}: {_zelle(g.koordinaten)}",
                       f"{g.grund}: {len(g.texte)} Werte ({g.texte[0]} … {g.texte[-1]})")
            baender += g.baender
            if g.mehrdeutig:
                mehrdeutig += g.texte
        aufgefuehrt = [v for v in verschieden if v not in in_gruppe]
        for v in aufgefuehrt[:MAX_WERTE]:
            deutung = deute(v, quelle)
            wert_text = _zelle(deutung.koordinaten)
            if deutung.koordinaten is None:
                teil.zeile(f"    {_muster_text(v)}: ignorieren", deutung.grund)
                continue
            if wert_text in zellen:
                teil.zeile(f"    {_muster_text(v)}: {OFFEN}", frage=(
                    f"ergäbe dieselbe Zelle {wert_text} wie „{zellen[wert_text]}“. Welcher Wert gilt? Der andere: "
                    "ignorieren."))
                continue
            zellen[wert_text] = v
            if deutung.koordinaten == {}:
                summen_wert = v
            if deutung.alter is not None and deutung.alter.art == "zwei":
                mehrdeutig.append(v)
                baender.append((deutung.alter.von, deutung.alter.bis, True))
            elif deutung.alter is not None:
                baender.append(_band(deutung.alter))
            teil.zeile(f"    {_muster_text(v)}: {wert_text}", deutung.grund)
        if len(aufgefuehrt) > MAX_WERTE:
            weitere = aufgefuehrt[MAX_WERTE:]
            teil.zeile("    ", frage=(
                f"{len(weitere)} weitere Werte von „{zeilen_sp.text}“ sind oben nicht aufgeführt (z. B. "
                + ", ".join(f"„{v}“" for v in weitere[:5]) + "); Zeilen mit ihnen gingen in Quarantäne. Bitte "
                "ergänzen (einzeln oder als /Muster/) oder diese Zeile löschen."))
    elif quelle and not dimensionen:
        teil.zeile(f"zeilen: {OFFEN}", frage=(
            "Keine Spalte, deren Werte Merkmale sind, erkannt. Welche Spalte sagt, was die Anzahl zählt? "
            "{spalte: X, werte: {Zellwert: Würfelzelle}}"))
    # übrige Spalten: folgen sie aus den gewählten, oder unterscheiden sie Zeilen (dann filter)?
    andere = [sp for sp in tab.spalten if sp.index != wert.index and sp not in gewaehlt
              and sp is not gebiet.spalte and sp is not stichtag.spalte]
    schluessel = [sp for sp in (gebiet.spalte, stichtag.spalte, *gewaehlt) if sp is not None]
    filter_fragen = []
    notizen = []
    for sp in andere:
        if sp is gebiet.name_spalte:
            notizen.append(f"{sp.name}: Name zu „{gebiet.spalte.text}“")
        elif sp.verschieden == len(tab.zeilen) and len(tab.zeilen) > 1:
            notizen.append(f"{sp.name}: Kennung je Zeile")
        elif sp.art == "leer":
            notizen.append(f"{sp.name}: leer")
        elif _folgt_aus(sp, gewaehlt):
            notizen.append(f"{sp.name}: folgt aus „{'“, „'.join(s.text for s in gewaehlt)}“")
        elif sp.art in ("anteil", "zahl", "saldo"):
            notizen.append(f"{sp.name}: {'Anteil' if sp.art == 'anteil' else 'Zahl'}, nicht geladen")
        elif _folgt_aus(sp, schluessel):
            notizen.append(f"{sp.name}: folgt aus Gebiet und Merkmalen")
        else:
            filter_fragen.append(sp)
    for sp in filter_fragen:
        werte = list(dict.fromkeys(_zeige(v) for v in sp.werte()))
        teil.zeile(f"filter: {{{_q(sp.text)}: {OFFEN}}}", frage=(
            f"{sp.name} unterscheidet Zeilen mit derselben Zelle (Werte: {', '.join(werte[:6])}). Welche Zeilen "
            f"gelten? Antwort: {{{_q(sp.text)}: [{_q(werte[0])}]}}; oder die Spalte ist ein Merkmal (dann unter "
            "dimensionen)."))
    if notizen:
        teil.kommentar("Nicht gelesen:", 0)
        for notiz in notizen:
            teil.kommentar(f"  {notiz}", 0)
    _altersgruppen(y, mehrdeutig, baender)
    y.zeile("layout: lang", "je Zeile eine Anzahl, Merkmale in eigenen Spalten")
    y.zeilen.extend(teil.zeilen)
    y.fragen.extend(teil.fragen)
    # Summenprüfung: die Zeilen mit „alle Einwohner“ zum ersten Stichtag
    if gebiet.spalte is not None and zeilen_sp is not None and summen_wert is not None:
        erster = stichtag.spalte.zellen[0] if stichtag.spalte is not None else None
        folge = []
        for i, nr in enumerate(tab.zeilen):
            if _zeige(zeilen_sp.zellen[i]) != summen_wert or (
                    stichtag.spalte is not None and stichtag.spalte.zellen[i] != erster):
                continue
            if any(not _insgesamt(sp.zellen[i]) for _, sp in dimensionen):
                continue
            z = _zahl(wert.zellen[i])
            if z is not None and not is_blank(gebiet.spalte.zellen[i]):
                folge.append((nr, _zeige(gebiet.spalte.zellen[i]), z))
        y.summenfolge = folge
    return [*gewaehlt, wert]


def _auspraegung(quelle: str, dim: str, v: object) -> str | None:
    """Die Ausprägung eines Zellwerts für das Merkmal `dim` der Quelle; None, wenn sie nicht zu erkennen ist."""
    if _insgesamt(v):
        return INSGESAMT
    if dim in KATEGORIEN:
        try:
            return parse_category(dim, v)
        except CellError:
            return None
    if quelle == "arbeitslose":
        return (ARBEITSLOSE_RECHTSKREISE if dim == "rechtskreis" else ARBEITSLOSE_MERKMALE).get(norm(v))
    if quelle == "sgb2" and dim == "merkmal":
        return canonical(v, SGB2_MERKMALE)
    if quelle == "grundsicherung" and dim == "leistungsart":
        return canonical(v, LEISTUNGSARTEN)
    return None


def _erlaubt(quelle: str, dim: str) -> str:
    if dim in KATEGORIEN:
        return ", ".join(category_values(dim))
    werte = {("arbeitslose", "rechtskreis"): sorted(set(ARBEITSLOSE_RECHTSKREISE.values())),
             ("arbeitslose", "merkmal"): sorted(set(ARBEITSLOSE_MERKMALE.values())),
             ("sgb2", "merkmal"): SGB2_MERKMALE, ("grundsicherung", "leistungsart"): LEISTUNGSARTEN}.get((quelle, dim))
    return ", ".join([INSGESAMT, *werte]) if werte else "eine Ausprägung"


def _insgesamt(v: object) -> bool:
    return is_blank(v) or norm(v) in ("insgesamt", "gesamt", "zusammen", "alle", "summe")


def _folgt_aus(sp: Spalte, gewaehlt: list[Spalte]) -> bool:
    """Bestimmen die gewählten Spalten den Wert von `sp` (je Kombination genau ein Wert)?"""
    if not gewaehlt:
        return False
    gesehen: dict[tuple, object] = {}
    for i, v in enumerate(sp.zellen):
        k = tuple(_schluessel(g.zellen[i]) for g in gewaehlt)
        w = _schluessel(v)
        if gesehen.setdefault(k, w) != w:
            return False
    return True


def schreibe_entwurf(path: Path, ausgabe: Path | None = None, quelle: str | None = None,
                     gebiete: list[Gebiet] | None = None) -> tuple[Path, Entwurf]:
    """Schreibt den Entwurf nach `ausgabe` (Datei oder Ordner; Vorgabe: `<profil>.yaml` im aktuellen Ordner).
    Eine vorhandene Datei wird nicht überschrieben (FileExistsError)."""
    name = None
    if ausgabe is not None and not ausgabe.is_dir():
        name = re.sub(r"[^a-z0-9_]+", "_", ausgabe.stem.lower().translate(_UMLAUTE)).strip("_") or None
        if name != ausgabe.stem:
            ausgabe = ausgabe.with_name(f"{name}.yaml")
    entwurf = entwerfe(path, quelle=quelle, profil=name, gebiete=gebiete)
    ziel = ausgabe if ausgabe is not None and not ausgabe.is_dir() else (ausgabe or Path.cwd()) / f"{entwurf.profil}.yaml"
    if ziel.suffix.lower() not in (".yaml", ".yml"):
        ziel = ziel.with_suffix(".yaml")
    if ziel.exists():
        raise FileExistsError(ziel)
    ziel.parent.mkdir(parents=True, exist_ok=True)
    ziel.write_text(entwurf.text, encoding="utf-8")
    return ziel, entwurf


__all__ = ["Entwurf", "KeineTabelle", "FileRejected", "alter_im_text", "deute", "entwerfe", "finde_tabelle",
           "profilname", "schreibe_entwurf"]
