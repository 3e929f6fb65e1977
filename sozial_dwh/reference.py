"""Referenzdaten aus `data/reference/` (architektur.md §6): Gebietsgliederung, Indikatorenkatalog, Merkmale und Größen."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from sozial_dwh.parsing import code_text, norm
from sozial_dwh.vokabular import HANDLUNGSFELDER, VOKABULARE

GEBIETE_FILE = "gebiete.csv"
INDIKATOREN_FILE = "indikatoren.csv"
MERKMALE_FILE = "merkmale.csv"
GROESSEN_FILE = "groessen.csv"

GEBIETE_COLUMNS = [
    "gebiet_id", "name", "sozialraum_id", "sozialraum", "stadtbezirk", "gemeinde_ags", "gemeinde",
    "gueltig_ab", "gueltig_bis", "nachfolger_id",
]
# Pseudo-Gebiet für Fälle ohne verwertbare Adresse: zählt in der Gemeinde, in keinem Gebiet.
OHNE_ZUORDNUNG_SUFFIX = "-oZ"
OHNE_ZUORDNUNG_LABELS = {"keineangabe", "ohnezuordnung", "nichtzuordenbar", "unbekannt", "ohneangabe"}


def ohne_zuordnung_id(ags: str) -> str:
    return f"{ags}{OHNE_ZUORDNUNG_SUFFIX}"


class ReferenceError(ValueError):
    """Die Referenzdatei ist fehlerhaft; die Nachricht nennt Datei, Zeile und Spalte."""


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [{k.strip(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


@dataclass(frozen=True)
class Gebiet:
    gebiet_id: str
    name: str
    sozialraum_id: str
    sozialraum: str
    stadtbezirk: str
    gemeinde_ags: str
    gemeinde: str
    gueltig_ab: dt.date
    gueltig_bis: dt.date | None
    nachfolger_id: str | None
    akg_code: str | None = None
    stadtbezirk_id: str | None = None

    def valid_at(self, day: dt.date) -> bool:
        return self.gueltig_ab <= day and (self.gueltig_bis is None or day <= self.gueltig_bis)


def load_gebiete(reference: Path) -> list[Gebiet]:
    """Liest und prüft `gebiete.csv`."""
    path = reference / GEBIETE_FILE
    if not path.exists():
        raise ReferenceError(f"Gebietsgliederung fehlt: {path}. Bitte die Datei anlegen (Vorlage: gebiete_beispiel.csv).")
    rows = read_csv_rows(path)
    if not rows:
        raise ReferenceError(f"{path.name}: die Datei enthält keine Gebiete.")
    missing = [c for c in GEBIETE_COLUMNS if c not in rows[0]]
    if missing:
        raise ReferenceError(f"{path.name}: Spalte(n) fehlen: {', '.join(missing)}.")
    gebiete = []
    for number, row in enumerate(rows, start=2):
        for column in ("gebiet_id", "name", "sozialraum_id", "gemeinde_ags", "gueltig_ab"):
            if not row[column]:
                raise ReferenceError(f"{path.name}, Zeile {number}, Spalte {column}: Wert fehlt.")
        try:
            ab = dt.date.fromisoformat(row["gueltig_ab"])
            bis = dt.date.fromisoformat(row["gueltig_bis"]) if row["gueltig_bis"] else None
        except ValueError as exc:
            raise ReferenceError(f"{path.name}, Zeile {number}: Datum nicht im Format JJJJ-MM-TT ({exc}).") from exc
        gebiete.append(Gebiet(
            gebiet_id=row["gebiet_id"], name=row["name"], sozialraum_id=row["sozialraum_id"],
            sozialraum=row["sozialraum"], stadtbezirk=row["stadtbezirk"], gemeinde_ags=row["gemeinde_ags"],
            gemeinde=row["gemeinde"], gueltig_ab=ab, gueltig_bis=bis,
            nachfolger_id=row["nachfolger_id"] or None, akg_code=row.get("akg_code") or None,
            stadtbezirk_id=row.get("stadtbezirk_id") or None,
        ))
    ids = [g.gebiet_id for g in gebiete]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ReferenceError(f"{path.name}: Gebietsschlüssel mehrfach vergeben: {', '.join(duplicates)}.")
    unknown = sorted({g.nachfolger_id for g in gebiete if g.nachfolger_id and g.nachfolger_id not in ids})
    if unknown:
        raise ReferenceError(f"{path.name}: Nachfolger ohne eigene Zeile: {', '.join(unknown)}.")
    return gebiete


@dataclass(frozen=True)
class Match:
    gebiet_id: str | None
    problem: str | None = None  # deutsche Begründung für die Quarantäne


class GebietMatcher:
    """Ordnet Gebietsangaben aus Dateien den Schlüsseln der Gebietsgliederung zu (architektur.md §5.3).

    Akzeptiert den Schlüssel allein ("101"), mit Namen davor oder dahinter ("101 Zentrum-Nord",
    "Zentrum-Nord (101)") oder den Namen allein.
    """

    def __init__(self, gebiete: list[Gebiet], referenz: Path | None = None):
        # Ordner der Referenzdaten, aus dem die Gebiete stammen: Leser, die weitere Referenzdaten brauchen
        # (merkmale.csv), lesen sie von dort (None: `config.reference_dir()`).
        self.referenz = referenz
        self.by_id = {g.gebiet_id: g for g in gebiete}
        self.by_akg = {g.akg_code: g for g in gebiete if g.akg_code}
        self.by_name = {norm(g.name): g for g in gebiete}
        self.gemeinden = {g.gemeinde_ags: g.gemeinde for g in gebiete}
        self.gemeinde_by_name = {norm(name): ags for ags, name in self.gemeinden.items()}
        # Sozialräume: Schlüssel -> (Name, AGS); Suche nach Schlüssel oder Name
        self.sozialraeume = {g.sozialraum_id: (g.sozialraum, g.gemeinde_ags) for g in gebiete}
        self.sozialraum_by_key = {norm(sr): sr for sr in self.sozialraeume}
        self.sozialraum_by_key.update({norm(name): sr for sr, (name, _) in self.sozialraeume.items() if name})
        # Namen höherer Ebenen: eine Zeile mit diesem Namen ist eine Zwischensumme, kein Gebiet (architektur.md §5.1)
        self.hoehere_namen: dict[str, str] = {}
        for g in gebiete:
            for ebene, name in (("des Sozialraums", g.sozialraum), ("des Stadtbezirks", g.stadtbezirk),
                                ("der Gemeinde", g.gemeinde)):
                if name and norm(name):
                    self.hoehere_namen.setdefault(norm(name), f"{ebene} {name}")

    def lookup(self, value: object) -> Gebiet | None:
        return self._lookup(value)[0]

    def _lookup(self, value: object) -> tuple[Gebiet | None, bool]:
        """(Gebiet, nur am Namen erkannt?)"""
        text = code_text(value)
        if text in self.by_id:
            return self.by_id[text], False
        if text in self.by_akg:
            return self.by_akg[text], False
        tokens = re.findall(r"[^\s()\[\],;:]+", text)
        for token in (tokens[:1] + tokens[-1:]) if tokens else []:
            if token in self.by_id:
                return self.by_id[token], False
        return self.by_name.get(norm(text)), True

    def match(self, value: object, stichtag: dt.date | None) -> Match:
        gebiet, nur_name = self._lookup(value)
        hoeher = self.hoehere_namen.get(norm(value)) if gebiet is None or nur_name else None
        if gebiet is not None and hoeher:
            return Match(None, (
                f"„{code_text(value)}“ ist der Name eines Gebiets und zugleich {hoeher}; die Zeile kann eine "
                f"Zwischensumme sein. Welches gemeint ist, wird nicht geraten: bitte das Gebiet mit seiner Nummer "
                f"({gebiet.gebiet_id}) angeben und Zwischensummen weglassen oder eindeutig benennen"
            ))
        if gebiet is None and hoeher:
            return Match(None, f"„{code_text(value)}“ ist der Name {hoeher}, kein Gebiet: eine Zwischensumme wird "
                               "nicht geladen (die Gebietswerte werden geladen)")
        if gebiet is None:
            return Match(None, f"Gebiet „{code_text(value)}“ ist in der Gebietsgliederung unbekannt")
        if stichtag is not None and not gebiet.valid_at(stichtag):
            bis = gebiet.gueltig_bis.strftime("%d.%m.%Y") if gebiet.gueltig_bis else "offen"
            extra = f", Nachfolger {gebiet.nachfolger_id}" if gebiet.nachfolger_id else ""
            return Match(None, (
                f"Gebiet {gebiet.gebiet_id} ist am {stichtag:%d.%m.%Y} nicht gültig "
                f"(gültig {gebiet.gueltig_ab:%d.%m.%Y} bis {bis}{extra})"
            ))
        return Match(gebiet.gebiet_id)

    def gemeinde_of(self, gebiet_id: str) -> str | None:
        gebiet = self.by_id.get(gebiet_id)
        if gebiet:
            return gebiet.gemeinde_ags
        if gebiet_id.endswith(OHNE_ZUORDNUNG_SUFFIX):
            return gebiet_id[: -len(OHNE_ZUORDNUNG_SUFFIX)]
        return None

    def sozialraum(self, value: object, gemeinde: str | None = None) -> tuple[str, str] | None:
        """(Schlüssel, Ebene) eines Sozialraums („SR01“, „Zentrum“, „SR01 Zentrum“) oder der Gesamtstadt.

        „Gesamtstadt“ (oder der Gemeindename) ergibt den AGS der Gemeinde mit Ebene `gemeinde`; ist
        `gemeinde` nicht angegeben, muss die Gliederung genau eine Gemeinde haben.
        """
        text = code_text(value)
        key = norm(text)
        if not key:
            return None
        if key in {"gesamtstadt", "gesamtgemeinde", "stadtweit", "gesamt", "alle", "allesozialraeume"}:
            if gemeinde is None and len(self.gemeinden) == 1:
                gemeinde = next(iter(self.gemeinden))
            return (gemeinde, "gemeinde") if gemeinde else None
        if key in self.sozialraum_by_key:
            return self.sozialraum_by_key[key], "sozialraum"
        ags = self.gemeinde_ags(text)
        if ags:
            return ags, "gemeinde"
        tokens = re.findall(r"[^\s()\[\],;:–-]+", text)
        for token in (tokens[:1] + tokens[-1:]) if tokens else []:
            if norm(token) in self.sozialraum_by_key:
                return self.sozialraum_by_key[norm(token)], "sozialraum"
        return None

    def gemeinde_ags(self, value: object) -> str | None:
        """AGS aus einer Angabe wie „05962024“ oder „Iserlohn“."""
        text = code_text(value)
        if text in self.gemeinden:
            return text
        if text.isdigit() and text.zfill(8) in self.gemeinden:
            return text.zfill(8)
        return self.gemeinde_by_name.get(norm(text))


# --- Merkmale und Größen (architektur.md §5.5) --------------------------------------------------------------

# Spalten von merkmale.csv (Vertrag: genau diese, in dieser Reihenfolge)
MERKMALE_COLUMNS = ("merkmal", "name", "art", "einheit", "quelle_text", "beschreibung")
# Wie ein Wert der Quelle `merkmale` verwendet werden darf
MERKMAL_ARTEN = {
    "anzahl": "Anzahl ≥ 0, wird zu höheren Ebenen summiert",
    "saldo": "ganze Zahl mit Vorzeichen (z. B. Wanderungssaldo), wird summiert",
    "wert": "nicht summierbar (Mittelwert, Quote, Index): gilt nur für die gelieferte Ebene",
}
_KENNUNG = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Merkmal:
    """Ein erklärtes Merkmal der Quelle `merkmale` (eine Zeile in merkmale.csv)."""

    merkmal: str
    name: str
    art: str
    einheit: str
    quelle_text: str
    beschreibung: str


def load_merkmale(reference: Path) -> dict[str, Merkmal]:
    """Liest und prüft `merkmale.csv`: {merkmal: Merkmal}. Fehler nennen Datei, Zeile und Spalte."""
    path = reference / MERKMALE_FILE
    if not path.exists():
        raise ReferenceError(f"Merkmalskatalog fehlt: {path}. Bitte aus data/reference/ des Repositorys übernehmen "
                             f"(Spalten {', '.join(MERKMALE_COLUMNS)}).")
    stamp = path.stat()
    return _load_merkmale(path, stamp.st_mtime_ns, stamp.st_size)


@functools.lru_cache(maxsize=8)
def _load_merkmale(path: Path, _mtime: int, _size: int) -> dict[str, Merkmal]:
    header = _header(path)
    if tuple(header) != MERKMALE_COLUMNS:
        raise ReferenceError(f"{path.name}: die Kopfzeile muss genau „{','.join(MERKMALE_COLUMNS)}“ lauten "
                             f"(gefunden: „{','.join(header)}“).")
    merkmale: dict[str, Merkmal] = {}
    namen: dict[str, str] = {}
    for number, row in enumerate(read_csv_rows(path), start=2):
        merkmal = row["merkmal"]
        if not _KENNUNG.match(merkmal):
            raise ReferenceError(f"{path.name}, Zeile {number}, Spalte merkmal: „{merkmal}“ ist keine gültige Kennung "
                                 "(Kleinbuchstaben, Ziffern und _, beginnend mit einem Buchstaben, z. B. wohngeld_haushalte).")
        if merkmal in merkmale:
            raise ReferenceError(f"{path.name}, Zeile {number}, Spalte merkmal: „{merkmal}“ steht zweimal im Katalog.")
        if not row["name"]:
            raise ReferenceError(f"{path.name}, Zeile {number}, Spalte name: Wert fehlt.")
        if row["art"] not in MERKMAL_ARTEN:
            raise ReferenceError(f"{path.name}, Zeile {number}, Spalte art: „{row['art']}“ ist keine Art. Erlaubt: "
                                 + "; ".join(f"{art} ({text})" for art, text in MERKMAL_ARTEN.items()) + ".")
        for text in (merkmal, row["name"]):  # Dateien nennen ein Merkmal mit Kennung oder Namen: beide eindeutig
            frueher = namen.get(norm(text))
            if frueher is not None and frueher != merkmal:
                raise ReferenceError(f"{path.name}, Zeile {number}: „{text}“ bezeichnet schon das Merkmal „{frueher}“; "
                                     "Kennung und Name müssen über alle Merkmale eindeutig sein.")
            namen[norm(text)] = merkmal
        merkmale[merkmal] = Merkmal(**{column: row[column] for column in MERKMALE_COLUMNS})
    return merkmale


# Spalten von groessen.csv: Pflicht sind groesse, quelle, name; die übrigen wählen die Zellen der Quelle aus
# (leer = insgesamt bzw. alle Alter) und fehlen sie, gelten sie als leer.
GROESSEN_PFLICHT = ("groesse", "quelle", "name")
GROESSEN_AUSWAHL = ("merkmal", "geschlecht", "staatsangehoerigkeit", "migrationshintergrund", "alter_von", "alter_bis",
                    "hinweis_fehlt", "beschreibung")
_DIMENSIONEN = {"geschlecht": ("m", "w", "d", "insgesamt"), "staatsangehoerigkeit": ("deutsch", "nichtdeutsch", "insgesamt"),
                "migrationshintergrund": ("ja", "nein", "insgesamt")}


@dataclass(frozen=True)
class _Auswahl:
    """Was eine Zeile von groessen.csv für eine Quelle auswählen kann (die Spalten, die ihr Größen-Modell liest)."""

    merkmal_werte: tuple[str, ...] | None  # erlaubte Werte der Spalte merkmal; None = Spalte bleibt leer
    spalten: tuple[str, ...] = ()  # weitere Auswahlspalten, die gelten (die übrigen bleiben leer)


def _auswahl(merkmale: dict[str, Merkmal]) -> dict[str, _Auswahl]:
    """Je Quelle mit erklärten Größen, was eine Zeile auswählen kann (Werte aus den Lesern und merkmale.csv). Welche
    Quellen erklärte Größen haben, folgt aus den Modellen (sozial_dwh.quellen.quellen_mit_erklaerten_groessen)."""
    from sozial_dwh.quellen import quellen_mit_erklaerten_groessen
    from sozial_dwh.vokabular import ARBEITSLOSE_MERKMALE, LEISTUNGSARTEN, SGB2_MERKMALE

    alter = ("alter_von", "alter_bis")
    bekannt = {
        "bevoelkerung": _Auswahl(None, ("geschlecht", "staatsangehoerigkeit", "migrationshintergrund", *alter)),
        "sgb2": _Auswahl(tuple(SGB2_MERKMALE)),
        "arbeitslose": _Auswahl(tuple(sorted(ARBEITSLOSE_MERKMALE))),
        "grundsicherung": _Auswahl(tuple(LEISTUNGSARTEN)),
        "merkmale": _Auswahl(tuple(merkmale), ("geschlecht", *alter)),
    }
    return {quelle: bekannt.get(quelle, _Auswahl(None)) for quelle in quellen_mit_erklaerten_groessen()}


def load_groessen(reference: Path, merkmale: dict[str, Merkmal] | None = None) -> list[dict[str, str]]:
    """Liest und prüft `groessen.csv` (architektur.md §5.5): eine Zeile je erklärter Größe. Gibt die Zeilen zurück (alle
    Spalten, fehlende leer)."""
    path = reference / GROESSEN_FILE
    if not path.exists():
        raise ReferenceError(f"Erklärte Größen fehlen: {path}. Bitte aus data/reference/ des Repositorys übernehmen "
                             "(aus ihnen werden die Indikatoren gebildet).")
    merkmale = load_merkmale(reference) if merkmale is None else merkmale
    header = _header(path)
    missing = [c for c in GROESSEN_PFLICHT if c not in header]
    if missing:
        raise ReferenceError(f"{path.name}: Spalte {', '.join(missing)} fehlt. Erwartet: "
                             f"{', '.join((*GROESSEN_PFLICHT, *GROESSEN_AUSWAHL))}.")
    auswahl = _auswahl(merkmale)
    rows = [{column: row.get(column, "") for column in (*header, *GROESSEN_AUSWAHL)} for row in read_csv_rows(path)]
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        def fehler(spalte: str, text: str, number: int = number) -> ReferenceError:
            return ReferenceError(f"{path.name}, Zeile {number}, Spalte {spalte}: {text}")

        groesse, quelle, merkmal = row["groesse"], row["quelle"], row["merkmal"]
        if not _KENNUNG.match(groesse):
            raise fehler("groesse", f"„{groesse}“ ist keine gültige Kennung (z. B. bev_u18).")
        if groesse in seen:
            raise fehler("groesse", f"„{groesse}“ ist schon in Zeile {seen[groesse]} erklärt.")
        seen[groesse] = number
        if quelle not in auswahl:
            raise fehler("quelle", f"„{quelle}“ hat keine erklärten Größen. Erlaubt: {', '.join(sorted(auswahl))}.")
        if not row["name"]:
            raise fehler("name", "Wert fehlt.")
        erlaubt = auswahl[quelle]
        if erlaubt.merkmal_werte is None and merkmal:
            raise fehler("merkmal", f"die Quelle {quelle} hat keine Spalte merkmal; bitte leer lassen.")
        if erlaubt.merkmal_werte is not None and merkmal not in erlaubt.merkmal_werte:
            wo = f"steht nicht in {MERKMALE_FILE}. Bitte das Merkmal dort erklären" if quelle == "merkmale" else (
                f"gibt es in der Quelle {quelle} nicht. Erlaubt: {', '.join(erlaubt.merkmal_werte)}")
            raise fehler("merkmal", f"„{merkmal}“ {wo}.")
        spalten = (*(("merkmal",) if erlaubt.merkmal_werte is not None else ()), *erlaubt.spalten)
        for spalte in ("geschlecht", "staatsangehoerigkeit", "migrationshintergrund", "alter_von", "alter_bis"):
            if row[spalte] and spalte not in erlaubt.spalten:
                raise fehler(spalte, f"die Quelle {quelle} wählt Größen nicht nach {spalte} aus; bitte leer lassen "
                                     f"(ausgewählt wird nach: {', '.join(spalten) or 'nichts'}).")
        for dimension, werte in _DIMENSIONEN.items():
            if row[dimension] and row[dimension] not in werte:
                raise fehler(dimension, f"„{row[dimension]}“ ist nicht erlaubt ({', '.join(werte)} oder leer = insgesamt).")
        grenzen = {}
        for spalte in ("alter_von", "alter_bis"):
            if row[spalte] and not row[spalte].isdigit():
                raise fehler(spalte, f"„{row[spalte]}“ ist kein Alter in Jahren (ganze Zahl ≥ 0; leer = "
                                     + ("0" if spalte == "alter_von" else "offen") + ").")
            grenzen[spalte] = int(row[spalte]) if row[spalte] else None
        if grenzen["alter_bis"] is not None and grenzen["alter_bis"] < (grenzen["alter_von"] or 0):
            raise fehler("alter_bis", f"{grenzen['alter_bis']} liegt unter alter_von.")
    andere = {row["groesse"]: row["quelle"] for row in rows if row["quelle"] != "merkmale"}
    doppelt = sorted(set(merkmale) & set(andere))
    if doppelt:  # jedes Merkmal ist zugleich eine Größe gleichen Namens (alle Alter, insgesamt)
        raise ReferenceError(f"{path.name}: die Größe „{doppelt[0]}“ (Quelle {andere[doppelt[0]]}) heißt wie ein Merkmal "
                             f"aus {MERKMALE_FILE}. Bitte eines von beiden umbenennen.")
    return rows


@dataclass(frozen=True)
class ReferenzTabelle:
    """Eine Referenzdatei, die unverändert als Tabelle `raw.<tabelle>` ins Warehouse geht."""

    tabelle: str
    datei: str
    pflichtspalten: tuple[str, ...]
    beschreibung: str
    optionale_spalten: tuple[str, ...] = ()  # fehlen sie, werden sie leer ergänzt


# Weitere Referenztabellen neben der Gebietsgliederung (die eigens geprüft wird, load_gebiete).
REFERENZ_TABELLEN = (
    ReferenzTabelle("ref_indikatoren", INDIKATOREN_FILE,
                    ("indikator_id", "name", "einheit", "polaritaet", "zaehler", "faktor", "min_nenner"),
                    "Indikatorenkatalog: eine Zeile je Indikator."),
    ReferenzTabelle("ref_sozialindex_indikatoren", "sozialindex_indikatoren.csv",
                    ("indikator_id", "gewicht"),
                    "Indikatoren des Sozialindex mit Gewicht."),
    ReferenzTabelle("ref_sozialindex_parameter", "sozialindex_parameter.csv",
                    ("parameter", "wert"),
                    "Parameter des Sozialindex: Ebene, Mindesteinwohnerzahl, Jahre der Dynamik, Rundung."),
    ReferenzTabelle("ref_sozialindex_klassen", "sozialindex_klassen.csv",
                    ("index", "rang", "klasse", "obergrenze", "obergrenze_eingeschlossen"),
                    "Klassengrenzen von Status- und Dynamikindex."),
    ReferenzTabelle("ref_handlungsfeld_indikatoren", "handlungsfeld_indikatoren.csv",
                    ("handlungsfeld", "indikator_id"),
                    "Welche Indikatoren zu einem Handlungsfeld der Sozialraumkonferenzen gehören."),
    ReferenzTabelle("ref_merkmale", MERKMALE_FILE, MERKMALE_COLUMNS,
                    "Merkmalskatalog der Quelle merkmale: eine Zeile je Merkmal mit Art (anzahl, saldo, wert)."),
    ReferenzTabelle("ref_groessen", GROESSEN_FILE, GROESSEN_PFLICHT,
                    "Erklärte Größen, aus denen die Indikatoren gebildet werden: eine Zeile je Größe mit Quelle und "
                    "Auswahl der Zellen.", GROESSEN_AUSWAHL),
    ReferenzTabelle("ref_berichte", "berichte.csv",
                    ("bericht_id", "titel", "stichtag", "vergleich_bericht_id", "status"),
                    "Ausgaben des Sozialberichts mit Stichtag und Vergleichsausgabe.",
                    ("freigegeben_am", "geheimhaltung_max")),
)


def load_reference_tables(con, reference: Path) -> dict[str, int]:
    """Schreibt die Referenzdaten nach `raw.ref_*` (ersetzt sie bei jedem Lauf ganz)."""
    import pandas as pd

    frames = {"ref_gebiete": pd.DataFrame([g.__dict__ for g in load_gebiete(reference)])}
    for ref in REFERENZ_TABELLEN:
        path = reference / ref.datei
        if not path.exists():
            raise ReferenceError(f"Referenzdatei fehlt: {path}. Bitte aus data/reference/ des Repositorys "
                                 f"übernehmen und anpassen ({ref.beschreibung}).")
        rows = read_csv_rows(path)
        columns = list(rows[0].keys()) if rows else _header(path)
        missing = [c for c in ref.pflichtspalten if c not in columns]
        if missing:
            raise ReferenceError(f"{path.name}: Spalte {', '.join(missing)} fehlt. Erwartet: "
                                 f"{', '.join(ref.pflichtspalten)}.")
        columns += [c for c in ref.optionale_spalten if c not in columns]
        frames[ref.tabelle] = pd.DataFrame(rows, columns=columns, dtype="string").fillna("")
    frames["ref_vokabular"] = _vokabular()
    _check_links(frames, reference)
    load_groessen(reference, load_merkmale(reference))  # prüft beide Dateien (Fehler mit Zeile und Spalte)
    con.execute("begin transaction")
    try:
        for table, frame in frames.items():
            con.register("ref_df", frame)
            # Tabellennamen stammen aus REFERENZ_TABELLEN im Code, nie aus Benutzereingaben.
            con.execute(f"create or replace table raw.{table} as select * from ref_df")
            con.unregister("ref_df")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return {table: len(frame) for table, frame in frames.items()}


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [c.strip() for c in next(csv.reader(handle), [])]


def _vokabular():
    """Die festen Vokabulare der Konferenz-Arbeitsmappe (architektur.md §5.2) als Tabelle `raw.ref_vokabular`."""
    import pandas as pd

    rows = [{"feld": feld, "wert": wert, "rang": rang}
            for feld, werte in VOKABULARE.items()
            for rang, wert in enumerate(werte, start=1)]
    return pd.DataFrame(rows)


def _check_links(frames, reference: Path) -> None:
    """Handlungsfeld-Verknüpfungen nennen nur bekannte Handlungsfelder und Indikatoren."""
    links = frames.get("ref_handlungsfeld_indikatoren")
    if links is None:
        return
    known = set(frames["ref_indikatoren"]["indikator_id"])
    for index, row in enumerate(links.itertuples(index=False), start=2):
        if row.handlungsfeld not in HANDLUNGSFELDER:
            raise ReferenceError(f"{reference / 'handlungsfeld_indikatoren.csv'}, Zeile {index}, Spalte handlungsfeld: "
                                 f"„{row.handlungsfeld}“ ist kein Handlungsfeld. Erlaubt: {', '.join(HANDLUNGSFELDER)}.")
        if row.indikator_id not in known:
            raise ReferenceError(f"{reference / 'handlungsfeld_indikatoren.csv'}, Zeile {index}, Spalte indikator_id: "
                                 f"„{row.indikator_id}“ steht nicht im Indikatorenkatalog (indikatoren.csv).")
