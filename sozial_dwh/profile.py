"""Lieferprofile: ein Dateilayout einmal beschrieben, ohne Code (docs/architektur.md, „Lieferprofile“).

Ein Profil ist eine YAML-Datei `lieferprofile/<profil>.yaml` im Referenzordner. Es sagt, zu welcher Quelle eine
Datei gehört, woran man sie erkennt, wo Gebiet, Stichtag und Werte stehen und welche Würfelzelle jede Spalte
(breites Layout) oder jede Zeile (langes Layout) ist. Dieses Modul liest und prüft Profile; gelesen werden Dateien
mit `sources.profiliert`. Ein fehlerhaftes Profil ergibt eine deutsche Meldung mit Profildatei und Schlüssel.

Hier wird nichts geraten: Altersgruppen mit zwei Zahlen („6-15“) brauchen `altersgruppen`, Zahlen in englischer
Schreibweise brauchen `zahlen: en`, Zwischensummen der Datei brauchen `summenzeilen`.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from sozial_dwh.parsing import CellError, norm

PROFIL_ORDNER = "lieferprofile"

SCHLUESSEL = {
    "profil": "Name (= Dateiname ohne .yaml)",
    "beschreibung": "eine Zeile für Menschen",
    "quelle": "die Quelle, die das Profil füllt",
    "erkennen": "woran eine Datei erkannt wird: dateiname (Muster) und/oder spalten (Kopfzellen)",
    "blatt": "Name des Tabellenblatts",
    "kopfzeilen": "Zahl der Kopfzeilen, die zu einer Überschrift verbunden werden",
    "gemeinde": "AGS oder {spalte: X}",
    "stichtag": "ISO-Datum, {spalte: X, format: …} oder {dateiname: Muster}",
    "gebiet": "{spalte: X, muster, auffuellen, nach: name}",
    "altersgruppen": "einschliesslich oder bis_unter",
    "zahlen": "de oder en",
    "tausender": "Tausendertrennzeichen (z. B. Leerzeichen)",
    "layout": "breit, lang oder standard",
    "spalten": "breit: Überschrift oder /Muster/ -> Würfelzelle",
    "wert": "lang: Spalte mit dem Wert",
    "dimensionen": "lang: je Merkmal die Spalte und ihre Werte",
    "zeilen": "lang: eine Spalte, deren Werte Würfelzellen sind",
    "filter": "lang: nur Zeilen, deren Spalte einen dieser Werte hat",
    "ignorieren": "Spalten (oder Werte von `zeilen`), die bewusst nicht geladen werden",
    "fehlwerte": "weitere Zeichen für fehlende Werte mit ihrem Kennzeichen",
    "summenzeilen": "Zwischensummen der Datei: {ab_zeile: N} und/oder {werte: [...]}",
    "gebiete_nach": "Herkunft der Gebietsgliederung (nur Dokumentation)",
}
ALTER_SCHLUESSEL = ("alter", "alter_von", "alter_bis", "alter_bis_unter")
ALTERSGRUPPEN = ("einschliesslich", "bis_unter")
LAYOUTS = ("breit", "lang", "standard")
KENNZEICHEN = ("geheim", "unbekannt", "gesperrt", "nicht_zutreffend", "nicht_verfuegbar", "nicht_geliefert")
# Markierung einer offenen Frage im Entwurf (`sozial-dwh profil entwurf`): ein Profil mit ihr lädt nicht
FRAGE_MARKE = "# FRAGE:"
_FRAGE = re.compile(r"#\s*FRAGE:\s*(.*)$")


class ProfilFehler(Exception):
    """Ein Profil ist fehlerhaft; die Meldung nennt Profildatei und Schlüssel."""


class Frage(Exception):
    """Eine Lesart hängt an einer Angabe, die das Profil nicht macht (nie raten): die Datei wird mit der Frage
    abgelehnt."""


@dataclass(frozen=True)
class Muster:
    """Eine Überschrift oder ein Zellwert: Text (verglichen wie Kopfzeilen, architektur.md §5.1) oder `/regex/`."""

    text: str
    regex: re.Pattern | None = None

    def treffer(self, wert: object) -> re.Match | None:
        """Passt `wert`? Das Match-Objekt (für $1 … bei einem regulären Ausdruck, $0 = der ganze Text); None: nein."""
        if wert is None:
            return None
        if self.regex is not None:
            return self.regex.search(str(wert).replace("\u00ad", "")) or None
        if norm(wert) != norm(self.text):
            return None
        return re.fullmatch(".*", str(wert), re.DOTALL)  # $0 = die ganze Überschrift

    def __str__(self) -> str:
        return self.text


@dataclass
class Zuordnung:
    """Muster -> Würfelkoordinaten (Merkmal -> Wert, Werte dürfen $1 … enthalten); None: bewusst nicht laden."""

    muster: Muster
    koordinaten: dict[str, object] | None


@dataclass
class Dimension:
    """Langes Layout: ein Merkmal aus einer Spalte, mit optionaler Wertetabelle."""

    name: str
    spalte: str
    werte: list[Zuordnung] | None = None


@dataclass
class Profil:
    name: str
    datei: Path
    quelle: str
    layout: str
    beschreibung: str = ""
    erkennen_dateiname: str | None = None
    erkennen_spalten: list[str] = field(default_factory=list)
    blatt: str | None = None
    kopfzeilen: int = 1
    gemeinde: str | None = None
    gemeinde_spalte: str | None = None
    stichtag: dt.date | None = None
    stichtag_spalte: str | None = None
    stichtag_format: str | None = None
    stichtag_dateiname: re.Pattern | None = None
    gebiet_spalte: str | None = None
    gebiet_muster: re.Pattern | None = None
    gebiet_auffuellen: int | None = None
    gebiet_nach: str = "schluessel"
    altersgruppen: str | None = None
    zahlen: str = "de"
    tausender: str = ""
    spalten: list[Zuordnung] = field(default_factory=list)
    wert: str | None = None
    dimensionen: list[Dimension] = field(default_factory=list)
    zeilen_spalte: str | None = None
    zeilen: list[Zuordnung] = field(default_factory=list)
    filter: dict[str, list[str]] = field(default_factory=dict)
    ignorieren: list[Muster] = field(default_factory=list)
    fehlwerte: dict[str, str] = field(default_factory=dict)
    summen_ab_zeile: int | None = None
    summen_werte: list[Muster] = field(default_factory=list)

    @property
    def ort(self) -> str:
        return f"Lieferprofil {self.datei.name}"

    def frage(self, text: str) -> Frage:
        return Frage(f"{text} ({self.ort})")

    def erkennt_dateiname(self, dateiname: str) -> bool:
        return bool(self.erkennen_dateiname) and fnmatch.fnmatch(dateiname.lower(), self.erkennen_dateiname.lower())

    def stichtag_aus_dateiname(self, dateiname: str) -> dt.date | None:
        if self.stichtag_dateiname is None:
            return None
        match = self.stichtag_dateiname.search(dateiname)
        if match is None:
            raise self.frage(f"Der Dateiname „{dateiname}“ passt nicht zum Muster unter „stichtag: dateiname“")
        teile = match.groupdict()
        return datum_aus_teilen(teile.get("jahr"), teile.get("monat"), teile.get("tag"))


def datum_aus_teilen(jahr: object, monat: object = None, tag: object = None) -> dt.date:
    """Ein Datum; fehlt der Tag, der letzte des Monats, fehlt auch der Monat, der 31.12. des Jahres."""
    try:
        j = int(str(jahr))
        if monat in (None, ""):
            return dt.date(j, 12, 31)
        m = int(str(monat))
        if tag in (None, ""):
            folgend = dt.date(j + m // 12, m % 12 + 1, 1)
            return folgend - dt.timedelta(days=1)
        return dt.date(j, m, int(str(tag)))
    except (TypeError, ValueError) as exc:
        raise CellError(f"„{jahr}-{monat or ''}-{tag or ''}“ ist kein gültiges Datum") from exc


def datum_nach_format(wert: object, format_: str) -> dt.date:
    """Ein Datum nach `format` (strptime); ein Format ohne Tag ergibt den Monatsletzten, ohne Monat den 31.12."""
    if isinstance(wert, float) and wert == int(wert):
        wert = int(wert)
    text = str(wert).strip()
    try:
        gelesen = dt.datetime.strptime(text, format_)
    except ValueError as exc:
        raise CellError(f"„{text}“ passt nicht zum Datumsformat „{format_}“ des Profils") from exc
    if "%d" not in format_ and "%j" not in format_:
        return datum_aus_teilen(gelesen.year, gelesen.month if ("%m" in format_ or "%b" in format_
                                                                or "%B" in format_) else None)
    return gelesen.date()


# --- Laden und Prüfen ------------------------------------------------------------------------------


class _Pruefer:
    """Liest die Schlüssel eines Profils; jeder Fehler nennt Datei und Schlüssel."""

    def __init__(self, datei: Path, dimensionen: dict[str, tuple[str, ...]]):
        self.datei = datei
        self.quellen = dimensionen

    def fehler(self, schluessel: str, text: str) -> ProfilFehler:
        return ProfilFehler(f"Lieferprofil {self.datei.name}, Schlüssel „{schluessel}“: {text}")

    def text(self, schluessel: str, wert: object) -> str:
        if isinstance(wert, bool) or not isinstance(wert, str | int | float):
            raise self.fehler(schluessel, f"erwartet ein Text, gefunden {type(wert).__name__}.")
        return str(wert)

    def spalte(self, schluessel: str, wert: object) -> str:
        if isinstance(wert, dict):
            unbekannt = set(wert) - {"spalte"}
            if unbekannt or "spalte" not in wert:
                raise self.fehler(schluessel, "erwartet {spalte: Überschrift}.")
            wert = wert["spalte"]
        return self.text(schluessel, wert)

    def muster(self, schluessel: str, wert: object) -> Muster:
        text = self.text(schluessel, wert)
        if len(text) >= 2 and text.startswith("/") and text.endswith("/"):
            try:
                return Muster(text, re.compile(text[1:-1], re.IGNORECASE))
            except re.error as exc:
                raise self.fehler(schluessel, f"der reguläre Ausdruck {text} lässt sich nicht übersetzen ({exc}). "
                                  "Bitte den Ausdruck zwischen den Schrägstrichen berichtigen.") from exc
        return Muster(text)

    def regex(self, schluessel: str, wert: object) -> re.Pattern:
        text = self.text(schluessel, wert)
        try:
            return re.compile(text)
        except re.error as exc:
            raise self.fehler(schluessel, f"der reguläre Ausdruck „{text}“ lässt sich nicht übersetzen ({exc}).") from exc

    def koordinaten(self, schluessel: str, wert: object, dims: tuple[str, ...]) -> dict[str, object] | None:
        if wert is None or wert == "ignorieren":
            return None
        if not isinstance(wert, dict):
            raise self.fehler(schluessel, "erwartet Merkmal: Wert, z. B. {geschlecht: w} oder {alter_von: 0, "
                              "alter_bis: 17}; leer oder „ignorieren“ = nicht laden.")
        erlaubt = [d for d in dims if d not in ("alter_von", "alter_bis")]
        if "alter_von" in dims:
            erlaubt += list(ALTER_SCHLUESSEL)
        for dim in wert:
            if dim not in erlaubt:
                raise self.fehler(schluessel, f"die Quelle hat kein Merkmal „{dim}“. Erlaubt: {', '.join(erlaubt)}.")
        if "alter_bis" in wert and "alter_bis_unter" in wert:
            raise self.fehler(schluessel, "alter_bis und alter_bis_unter zugleich: bitte nur eines.")
        return {str(k): v for k, v in wert.items()}

    def zuordnungen(self, schluessel: str, wert: object, dims: tuple[str, ...]) -> list[Zuordnung]:
        if not isinstance(wert, dict):
            raise self.fehler(schluessel, "erwartet eine Zuordnung Überschrift oder /Muster/ -> Würfelzelle.")
        return [Zuordnung(self.muster(f"{schluessel}: {k}", k), self.koordinaten(f"{schluessel}: {k}", v, dims))
                for k, v in wert.items()]


def lade_profil(datei: Path, dimensionen: dict[str, tuple[str, ...]]) -> Profil:
    """Liest und prüft ein Profil. `dimensionen`: Quelle -> Merkmale ihres Würfels (aus dem Quellenverzeichnis)."""
    p = _Pruefer(datei, dimensionen)
    try:
        daten = yaml.safe_load(datei.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        wo = getattr(exc, "problem_mark", None)
        zeile = f" (Zeile {wo.line + 1})" if wo is not None else ""
        raise ProfilFehler(f"Lieferprofil {datei.name}: kein gültiges YAML{zeile}: "
                           f"{getattr(exc, 'problem', exc)}.") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfilFehler(f"Lieferprofil {datei.name}: nicht lesbar ({exc}).") from exc
    if not isinstance(daten, dict):
        raise ProfilFehler(f"Lieferprofil {datei.name}: erwartet Schlüssel wie „profil:“, „quelle:“, „layout:“.")
    _offene_fragen(p, datei.read_text(encoding="utf-8"))
    for schluessel in daten:
        if schluessel not in SCHLUESSEL:
            aehnlich = [k for k in SCHLUESSEL if norm(k)[:4] == norm(str(schluessel))[:4]]
            tipp = f" Gemeint ist vielleicht „{aehnlich[0]}“." if aehnlich else ""
            raise p.fehler(str(schluessel), f"unbekannter Schlüssel.{tipp} Erlaubt: {', '.join(SCHLUESSEL)}.")
    for pflicht in ("profil", "quelle", "layout"):
        if pflicht not in daten:
            raise p.fehler(pflicht, "fehlt.")
    name = p.text("profil", daten["profil"])
    if name != datei.stem:
        raise p.fehler("profil", f"„{name}“ muss dem Dateinamen ohne .yaml gleichen („{datei.stem}“).")
    quelle = p.text("quelle", daten["quelle"])
    if quelle not in dimensionen:
        raise p.fehler("quelle", f"„{quelle}“ ist keine Quelle. Erlaubt: {', '.join(sorted(dimensionen))}.")
    dims = dimensionen[quelle]
    layout = p.text("layout", daten["layout"])
    if layout not in LAYOUTS:
        raise p.fehler("layout", f"„{layout}“ ist unbekannt. Erlaubt: {', '.join(LAYOUTS)}.")
    if layout != "standard" and not dims:
        mit = ", ".join(sorted(q for q, d in dimensionen.items() if d))
        raise p.fehler("layout", f"die Quelle {quelle} hat keinen Würfel (eine Zeile je Einrichtung oder Veranstaltung); "
                       f"sie wird nur in ihren eingebauten Layouts gelesen (layout: standard). Profile mit eigenem "
                       f"Layout gibt es für: {mit}.")
    profil = Profil(name=name, datei=datei, quelle=quelle, layout=layout,
                    beschreibung=str(daten.get("beschreibung") or ""))
    if layout == "standard":
        return profil  # die eingebauten Layouts der Quelle (architektur.md §5.2) mit den Synonymen aus §5.3
    _lese_erkennen(p, daten, profil)
    _lese_orte(p, daten, profil)
    _lese_werte(p, daten, profil, dims)
    return profil


def _offene_fragen(p: _Pruefer, text: str) -> None:
    """Ein Entwurf mit unbeantworteter Frage lädt nie mit einer geratenen Lesart: jede Zeile mit `# FRAGE:` wird
    mit Schlüssel und Zeilennummer gemeldet."""
    zeilen = text.splitlines()
    offen = []
    for nr, zeile in enumerate(zeilen, start=1):
        if m := _FRAGE.search(zeile):
            offen.append((_schluessel_der_zeile(zeilen, nr - 1), nr, m[1].strip()))
    if not offen:
        return
    schluessel, nr, frage = offen[0]
    weitere = ""
    if len(offen) > 1:
        weitere = (f" Weitere offene Fragen ({len(offen) - 1}): "
                   + "; ".join(f"„{k}“ (Zeile {n})" for k, n, _ in offen[1:]) + ".")
    raise p.fehler(schluessel, f"offene Frage aus dem Entwurf (Zeile {nr}): {frage} Bitte beantworten: den Wert "
                   f"eintragen und den Kommentar „{FRAGE_MARKE} …“ löschen.{weitere}")


def _schluessel_der_zeile(zeilen: list[str], i: int) -> str:
    """Der Schlüsselpfad einer YAML-Zeile aus den Einrückungen darüber („zeilen: werte: Ausländer“)."""
    def teil(text: str) -> str:
        text = re.sub(r"\s*#.*$", "", text).strip()
        text = text[2:].strip() if text.startswith("- ") else text
        kopf = re.match(r'^("(?:[^"\\]|\\.)*"|\'[^\']*\'|[^:]+?)\s*:(\s|$)', text)
        return (kopf[1] if kopf else text).strip("\"'")

    def einzug(text: str) -> int:
        return len(text) - len(text.lstrip())

    pfad = []
    zeile = zeilen[i]
    if zeile.lstrip().startswith("#"):
        tiefe = einzug(zeile) + 1
    else:
        if teil(zeile):
            pfad.append(teil(zeile))
        tiefe = einzug(zeile)
    for vorher in reversed(zeilen[:i]):
        if not vorher.strip() or vorher.lstrip().startswith("#"):
            continue
        if einzug(vorher) < tiefe:
            pfad.insert(0, teil(vorher))
            tiefe = einzug(vorher)
            if tiefe == 0:
                break
    return ": ".join(pfad) or "?"


def _lese_erkennen(p: _Pruefer, daten: dict, profil: Profil) -> None:
    erkennen = daten.get("erkennen")
    if not isinstance(erkennen, dict) or not (set(erkennen) & {"dateiname", "spalten"}):
        raise p.fehler("erkennen", "erwartet dateiname (Muster wie „bevoelkerung_*.csv“) und/oder spalten "
                       "(Kopfzellen, die alle vorhanden sein müssen).")
    for k in erkennen:
        if k not in ("dateiname", "spalten"):
            raise p.fehler(f"erkennen: {k}", "unbekannter Schlüssel. Erlaubt: dateiname, spalten.")
    if "dateiname" in erkennen:
        profil.erkennen_dateiname = p.text("erkennen: dateiname", erkennen["dateiname"])
    if "spalten" in erkennen:
        spalten = erkennen["spalten"]
        if not isinstance(spalten, list) or not spalten:
            raise p.fehler("erkennen: spalten", "erwartet eine Liste von Überschriften.")
        profil.erkennen_spalten = [p.text("erkennen: spalten", s) for s in spalten]
    if "blatt" in daten:
        profil.blatt = p.text("blatt", daten["blatt"])
    if "kopfzeilen" in daten:
        k = daten["kopfzeilen"]
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= 10:
            raise p.fehler("kopfzeilen", "erwartet eine Zahl von 1 bis 10.")
        profil.kopfzeilen = k


def _lese_orte(p: _Pruefer, daten: dict, profil: Profil) -> None:
    """Gemeinde, Stichtag, Gebiet."""
    gemeinde = daten.get("gemeinde")
    if isinstance(gemeinde, dict):
        profil.gemeinde_spalte = p.spalte("gemeinde", gemeinde)
    elif gemeinde is not None:
        ags = p.text("gemeinde", gemeinde)
        if not re.fullmatch(r"\d{8}", ags):
            raise p.fehler("gemeinde", f"„{ags}“ ist kein achtstelliger Gemeindeschlüssel (AGS); bitte in "
                           "Anführungszeichen schreiben, damit die führende Null bleibt (\"05315000\").")
        profil.gemeinde = ags
    stichtag = daten.get("stichtag")
    if isinstance(stichtag, dt.date):
        profil.stichtag = stichtag
    elif isinstance(stichtag, str):
        try:
            profil.stichtag = dt.date.fromisoformat(stichtag)
        except ValueError as exc:
            raise p.fehler("stichtag", f"„{stichtag}“ ist kein Datum JJJJ-MM-TT.") from exc
    elif isinstance(stichtag, dict):
        unbekannt = set(stichtag) - {"spalte", "format", "dateiname"}
        if unbekannt:
            raise p.fehler("stichtag", f"unbekannt: {', '.join(map(str, unbekannt))}. Erlaubt: spalte, format, dateiname.")
        if "spalte" in stichtag:
            profil.stichtag_spalte = p.text("stichtag: spalte", stichtag["spalte"])
            if "format" in stichtag:
                profil.stichtag_format = p.text("stichtag: format", stichtag["format"])
                try:
                    dt.datetime(2000, 1, 1).strftime(profil.stichtag_format)
                except ValueError as exc:
                    raise p.fehler("stichtag: format", f"„{profil.stichtag_format}“ ist kein Datumsformat.") from exc
        elif "dateiname" in stichtag:
            profil.stichtag_dateiname = p.regex("stichtag: dateiname", stichtag["dateiname"])
            if "jahr" not in profil.stichtag_dateiname.groupindex:
                raise p.fehler("stichtag: dateiname", "das Muster braucht eine Gruppe (?P<jahr>…), "
                               "optional (?P<monat>…) und (?P<tag>…).")
        else:
            raise p.fehler("stichtag", "erwartet spalte oder dateiname.")
    elif stichtag is not None:
        raise p.fehler("stichtag", "erwartet ein Datum JJJJ-MM-TT, {spalte: X, format: …} oder {dateiname: Muster}.")
    gebiet = daten.get("gebiet")
    if not isinstance(gebiet, dict) or "spalte" not in gebiet:
        raise p.fehler("gebiet", "erwartet {spalte: Überschrift der Gebietsspalte}.")
    for k in gebiet:
        if k not in ("spalte", "muster", "auffuellen", "nach"):
            raise p.fehler(f"gebiet: {k}", "unbekannter Schlüssel. Erlaubt: spalte, muster, auffuellen, nach.")
    profil.gebiet_spalte = p.text("gebiet: spalte", gebiet["spalte"])
    if "muster" in gebiet:
        profil.gebiet_muster = p.regex("gebiet: muster", gebiet["muster"])
        if profil.gebiet_muster.groups < 1:
            raise p.fehler("gebiet: muster", "das Muster braucht eine Gruppe (…) für den Schlüssel.")
    if "auffuellen" in gebiet:
        n = gebiet["auffuellen"]
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 20:
            raise p.fehler("gebiet: auffuellen", "erwartet die Stellenzahl des Schlüssels (1 bis 20).")
        profil.gebiet_auffuellen = n
    if "nach" in gebiet:
        nach = p.text("gebiet: nach", gebiet["nach"])
        if nach not in ("name", "schluessel"):
            raise p.fehler("gebiet: nach", f"„{nach}“ ist unbekannt. Erlaubt: name, schluessel.")
        profil.gebiet_nach = nach
    summen = daten.get("summenzeilen")
    if summen is not None:
        if not isinstance(summen, dict) or not set(summen) <= {"ab_zeile", "werte"} or not summen:
            raise p.fehler("summenzeilen", "erwartet ab_zeile (Zeilennummer) und/oder werte (Liste von Gebietsangaben "
                           "oder /Mustern/).")
        if "ab_zeile" in summen:
            n = summen["ab_zeile"]
            if isinstance(n, bool) or not isinstance(n, int) or n < 2:
                raise p.fehler("summenzeilen: ab_zeile", "erwartet eine Zeilennummer ab 2.")
            profil.summen_ab_zeile = n
        werte = summen.get("werte", [])
        if not isinstance(werte, list):
            raise p.fehler("summenzeilen: werte", "erwartet eine Liste.")
        profil.summen_werte = [p.muster("summenzeilen: werte", w) for w in werte]


def _lese_werte(p: _Pruefer, daten: dict, profil: Profil, dims: tuple[str, ...]) -> None:
    """Zahlen, Altersgruppen, Spalten- oder Zeilenzuordnung."""
    if "altersgruppen" in daten:
        a = p.text("altersgruppen", daten["altersgruppen"])
        if a not in ALTERSGRUPPEN:
            raise p.fehler("altersgruppen", f"„{a}“ ist unbekannt. Erlaubt: einschliesslich (0-2 = 0, 1, 2) oder "
                           "bis_unter (6-15 = 6 bis 14).")
        profil.altersgruppen = a
    if "zahlen" in daten:
        z = p.text("zahlen", daten["zahlen"])
        if z not in ("de", "en"):
            raise p.fehler("zahlen", f"„{z}“ ist unbekannt. Erlaubt: de (1.234,5) oder en (1,234.5).")
        profil.zahlen = z
    if "tausender" in daten:
        profil.tausender = p.text("tausender", daten["tausender"])
    fehlwerte = daten.get("fehlwerte") or {}
    if not isinstance(fehlwerte, dict):
        raise p.fehler("fehlwerte", "erwartet Zeichen: Kennzeichen, z. B. \"k.A.\": unbekannt.")
    for zeichen, kennzeichen in fehlwerte.items():
        k = p.text(f"fehlwerte: {zeichen}", kennzeichen)
        if k not in KENNZEICHEN:
            raise p.fehler(f"fehlwerte: {zeichen}", f"Kennzeichen „{k}“ ist unbekannt. Erlaubt: {', '.join(KENNZEICHEN)}.")
        profil.fehlwerte[str(zeichen).strip()] = k
    ignorieren = daten.get("ignorieren") or []
    if not isinstance(ignorieren, list):
        raise p.fehler("ignorieren", "erwartet eine Liste von Überschriften oder /Mustern/.")
    profil.ignorieren = [p.muster("ignorieren", i) for i in ignorieren]
    lang_keys = [k for k in ("wert", "dimensionen", "zeilen", "filter") if k in daten]
    if profil.layout == "breit":
        if lang_keys:
            raise p.fehler(lang_keys[0], "gehört zum langen Layout (layout: lang); im breiten Layout ordnet "
                           "„spalten“ jede Spalte einer Würfelzelle zu.")
        if not daten.get("spalten"):
            raise p.fehler("spalten", "fehlt: im breiten Layout ordnet „spalten“ jede Datenspalte einer Würfelzelle zu.")
        profil.spalten = p.zuordnungen("spalten", daten["spalten"], dims)
        return
    if "spalten" in daten:
        raise p.fehler("spalten", "gehört zum breiten Layout; im langen Layout stehen „wert“, „dimensionen“, „zeilen“.")
    if "wert" not in daten:
        raise p.fehler("wert", "fehlt: die Spalte mit dem Wert jeder Zeile.")
    profil.wert = p.text("wert", daten["wert"])
    dimensionen = daten.get("dimensionen") or {}
    if not isinstance(dimensionen, dict):
        raise p.fehler("dimensionen", "erwartet je Merkmal die Spalte, z. B. geschlecht: {spalte: Geschlecht}.")
    erlaubt = [d for d in dims if d not in ("alter_von", "alter_bis")] + (["alter"] if "alter_von" in dims else [])
    for dim, angabe in dimensionen.items():
        if dim not in erlaubt:
            raise p.fehler(f"dimensionen: {dim}", f"die Quelle {profil.quelle} hat kein Merkmal „{dim}“. "
                           f"Erlaubt: {', '.join(erlaubt)}.")
        if isinstance(angabe, dict):
            unbekannt = set(angabe) - {"spalte", "werte"}
            if unbekannt or "spalte" not in angabe:
                raise p.fehler(f"dimensionen: {dim}", "erwartet {spalte: Überschrift, werte: {Zellwert: Ausprägung}}.")
            werte = None
            if "werte" in angabe:
                if not isinstance(angabe["werte"], dict):
                    raise p.fehler(f"dimensionen: {dim}: werte", "erwartet Zellwert: Ausprägung.")
                werte = [Zuordnung(p.muster(f"dimensionen: {dim}: werte", k),
                                   None if v is None else {dim: v}) for k, v in angabe["werte"].items()]
            profil.dimensionen.append(Dimension(dim, p.text(f"dimensionen: {dim}: spalte", angabe["spalte"]), werte))
        else:
            profil.dimensionen.append(Dimension(dim, p.text(f"dimensionen: {dim}", angabe)))
    zeilen = daten.get("zeilen")
    if zeilen is not None:
        if not isinstance(zeilen, dict) or set(zeilen) != {"spalte", "werte"}:
            raise p.fehler("zeilen", "erwartet {spalte: Überschrift, werte: {Zellwert oder /Muster/: Würfelzelle}}.")
        profil.zeilen_spalte = p.text("zeilen: spalte", zeilen["spalte"])
        profil.zeilen = p.zuordnungen("zeilen: werte", zeilen["werte"], dims)
    filter_ = daten.get("filter") or {}
    if not isinstance(filter_, dict):
        raise p.fehler("filter", "erwartet Spalte: Wert oder Spalte: [Werte].")
    for spalte, werte in filter_.items():
        liste = werte if isinstance(werte, list) else [werte]
        profil.filter[str(spalte)] = [p.text(f"filter: {spalte}", w) for w in liste]


@dataclass
class Profile:
    """Alle Profile eines Referenzordners; fehlerhafte stehen mit ihrer Meldung in `fehler`."""

    profile: dict[str, Profil] = field(default_factory=dict)
    fehler: list[str] = field(default_factory=list)

    @property
    def eigene(self) -> list[Profil]:
        """Profile mit eigenem Layout (nicht die eingebauten Standardlayouts)."""
        return [p for p in self.profile.values() if p.layout != "standard"]

    def hinweis(self) -> str:
        """Satz über fehlerhafte Profile für Ablehnungsmeldungen („vielleicht hätte dieses Profil gepasst“)."""
        if not self.fehler:
            return ""
        return " Fehlerhafte Lieferprofile (werden nicht verwendet): " + " | ".join(self.fehler)


def lade_profile(referenz: Path, dimensionen: dict[str, tuple[str, ...]]) -> Profile:
    """Alle Profile unter `<referenz>/lieferprofile/` (zwischengespeichert, solange sich keine Datei ändert)."""
    ordner = referenz / PROFIL_ORDNER
    dateien = sorted(ordner.glob("*.yaml")) + sorted(ordner.glob("*.yml")) if ordner.is_dir() else []
    stand = tuple((d.name, d.stat().st_mtime_ns, d.stat().st_size) for d in dateien)
    return _lade(ordner, stand, tuple(sorted((k, v) for k, v in dimensionen.items())))


@functools.lru_cache(maxsize=16)
def _lade(ordner: Path, stand: tuple, dimensionen: tuple) -> Profile:
    dims = dict(dimensionen)
    ergebnis = Profile()
    for name, _, _ in stand:
        try:
            profil = lade_profil(ordner / name, dims)
        except ProfilFehler as exc:
            ergebnis.fehler.append(str(exc))
            continue
        ergebnis.profile[profil.name] = profil
    return ergebnis
