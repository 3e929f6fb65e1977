"""Referenzdaten aus `data/reference/` (DESIGN §6): Gebietsgliederung und Indikatorenkatalog."""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from sozial_dwh.parsing import code_text, norm
from sozial_dwh.vokabular import HANDLUNGSFELDER, VOKABULARE

GEBIETE_FILE = "gebiete.csv"
INDIKATOREN_FILE = "indikatoren.csv"

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
    """Ordnet Gebietsangaben aus Dateien den Schlüsseln der Gebietsgliederung zu (DESIGN §5.3).

    Akzeptiert den Schlüssel allein ("101"), mit Namen davor oder dahinter ("101 Zentrum-Nord",
    "Zentrum-Nord (101)") oder den Namen allein.
    """

    def __init__(self, gebiete: list[Gebiet]):
        self.by_id = {g.gebiet_id: g for g in gebiete}
        self.by_akg = {g.akg_code: g for g in gebiete if g.akg_code}
        self.by_name = {norm(g.name): g for g in gebiete}
        self.gemeinden = {g.gemeinde_ags: g.gemeinde for g in gebiete}
        self.gemeinde_by_name = {norm(name): ags for ags, name in self.gemeinden.items()}
        # Sozialräume: Schlüssel -> (Name, AGS); Suche nach Schlüssel oder Name
        self.sozialraeume = {g.sozialraum_id: (g.sozialraum, g.gemeinde_ags) for g in gebiete}
        self.sozialraum_by_key = {norm(sr): sr for sr in self.sozialraeume}
        self.sozialraum_by_key.update({norm(name): sr for sr, (name, _) in self.sozialraeume.items() if name})
        # Namen höherer Ebenen: eine Zeile mit diesem Namen ist eine Zwischensumme, kein Gebiet (DESIGN §5.1)
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
    """Die festen Vokabulare der Konferenz-Arbeitsmappe (DESIGN §5.2) als Tabelle `raw.ref_vokabular`."""
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
