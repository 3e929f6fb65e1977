"""Der Atlas einer Berichtsausgabe (architektur.md §10.1): `atlas/index.html`, eine einzige Datei, die ohne Server
und ohne Internet im Browser öffnet (file://). Gewählt werden Indikator, Stichtag und Ebene (Sozialräume, Gebiete,
Stadtbezirke, wenn es für sie Werte gibt); gezeigt werden eine Karte, eine Rangliste und der Steckbrief des
Indikators (Definition, Zähler und Nenner, Formel, Quelle, Polarität, Mindestnenner).

Alles steht in der Datei selbst: die Werte als JSON in `<script type="application/json">`, die Flächen als SVG-Pfade,
CSS und JavaScript ohne Bibliotheken. Es gibt keinen Verweis auf eine andere Datei oder Adresse.

Werte: nur veröffentlichte. Der Atlas zeigt alle Stichtage bis zum Stichtag der Ausgabe; jeder Stichtag durchläuft
dieselbe Geheimhaltung wie die Tabellen der Ausgabe (`geheimhaltung.sperren` mit `geheimhaltung_max` der Ausgabe,
mit den Beschreibungen der Tabellen „Indikatoren“ und „Indikatoren nach Gebieten“). Weil der Atlas zusätzlich
Stadtbezirke zeigt, kommen zwei Summengruppen hinzu (Stadtbezirke → Gemeinde, Gebiete → Stadtbezirk); die Sperrungen
aller vier Gruppen gelten füreinander, bis sich nichts mehr ändert. Am Stichtag der Ausgabe sperrt der Atlas so
mindestens, was die Tabellen sperren. Ein gesperrter Wert steht nirgends in der Datei: im JSON ist er `null` mit
`"gesperrt": true`; Zähler und Nenner stehen nur, wenn sie selbst veröffentlicht werden dürfen.

Karte wie die Druckkarten (`sozial_dwh.bericht.karten`): dieselben Klassen (`klassen_bilden` auf den veröffentlichten
Werten je Indikator, Stichtag und Ebene), dieselben Farben und dieselbe Polarität (`farben`), gesperrte Flächen ///
und Nenner unter der Mindestgröße \\\\\\ schraffiert, ohne Wert hellgrau – jeweils in der Legende erklärt.

Reproduzierbar: feste Reihenfolgen, keine Zeitstempel (nur der Stichtag der Ausgabe steht in der Datei).
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sozial_dwh.bericht import karten
from sozial_dwh.bericht.modell import Tabelle
from sozial_dwh.bericht.tabellen import tabelle
from sozial_dwh.config import SQL_DIR

ORDNER = "atlas"
DATEI = "index.html"
VORLAGE = "atlas.html.j2"
VORLAGEN = Path(__file__).with_name("vorlagen")
SQL_WERTE = SQL_DIR / "bericht" / "atlas_werte.sql"
SQL_INDIKATOREN = SQL_DIR / "bericht" / "atlas_indikatoren.sql"

# (Kennung, Mehrzahl, Einzahl) in der Reihenfolge der Auswahl; Stadtbezirke nur, wenn es für sie Werte gibt
EBENEN = (("sozialraum", "Sozialräume", "Sozialraum"), ("gebiet", "Gebiete", "Gebiet"),
          ("stadtbezirk", "Stadtbezirke", "Stadtbezirk"))
SPERR_SPALTEN = ("wert", "zaehler", "nenner")  # was der Atlas von einer Zeile zeigen kann
KARTE_BREITE = 1000.0  # Breite der SVG-Karte in ihren eigenen Einheiten
KARTE_RAND = 12.0
POLARITAET_TEXT = {
    1: "+1: höhere Werte bedeuten mehr Bedarf (dunkler = ungünstiger)",
    -1: "−1: niedrigere Werte bedeuten mehr Bedarf (dunkler = ungünstiger)",
    0: "0: ohne Wertung (dunkler = höherer Wert)",
}


@dataclass
class AtlasErgebnis:
    pfade: list[Path] = field(default_factory=list)
    hinweise: list[str] = field(default_factory=list)
    indikatoren: int = 0
    stichtage: list[str] = field(default_factory=list)
    ebenen: list[str] = field(default_factory=list)

    def info_zeilen(self) -> list[tuple[str, object]]:
        """Zeile für das Blatt Info: was der Atlas enthält, oder warum es ihn nicht gibt."""
        if not self.pfade:
            return [("Atlas", " ".join(["kein Atlas.", *self.hinweise]))]
        spanne = (self.stichtage[0] if len(self.stichtage) == 1
                  else f"{self.stichtage[0]} bis {self.stichtage[-1]}")
        text = (f"{ORDNER}/{DATEI}: Atlas zum Öffnen im Browser, ohne Server und ohne Internet – Karte, Rangliste "
                f"und Steckbrief für {self.indikatoren} Indikatoren, Stichtage {spanne} ({len(self.stichtage)}), "
                f"Ebenen {', '.join(self.ebenen)}. Nur veröffentlichte Werte: jeder Stichtag mit derselben "
                "Geheimhaltung wie die Tabellen (dazu die Summen der Stadtbezirke).")
        return [("Atlas", " ".join([text, *self.hinweise]))]


def erstellen(con, ausgabe, ordner: Path, quellen_namen: Mapping[str, str],
              melde: Callable[[str], None] | None = None) -> AtlasErgebnis:
    """Der Atlas einer Ausgabe (für `ausgabe.baue`) nach `ordner/atlas/index.html`. Ein Fehler hält die Ausgabe nicht
    auf: dann gibt es keinen Atlas, und der Grund steht im Blatt Info."""
    import shutil

    melde = melde or (lambda text: None)
    try:
        ergebnis = atlas_der_ausgabe(con, ausgabe, ordner, quellen_namen)
    except Exception as exc:  # der Atlas darf die Tabellen, Karten und die Arbeitsmappe nicht verhindern
        shutil.rmtree(ordner / ORDNER, ignore_errors=True)
        ergebnis = AtlasErgebnis(hinweise=[f"Der Atlas konnte nicht erstellt werden ({type(exc).__name__}: {exc}); "
                                           "die übrige Ausgabe ist vollständig."])
    melde("Atlas: " + (f"{ORDNER}/{DATEI} ({ergebnis.indikatoren} Indikatoren, {len(ergebnis.stichtage)} Stichtage, "
                       f"Ebenen {', '.join(ergebnis.ebenen)})" if ergebnis.pfade else "keiner")
          + "".join(" " + h for h in ergebnis.hinweise))
    return ergebnis


# ---------------------------------------------------------------------------------------------------------------
# Werte: alle Stichtage, nach der Geheimhaltung


def werte_lesen(con, stichtag) -> pd.DataFrame:
    """Alle Werte bis `stichtag` (ungesperrt) aus sql/bericht/atlas_werte.sql."""
    return con.execute(SQL_WERTE.read_text(encoding="utf-8"), {"stichtag": stichtag}).df()


def veroeffentlichen(werte: pd.DataFrame, max_anzahl: int) -> pd.DataFrame:
    """Die Werte, wie der Atlas sie zeigt: je Stichtag gesperrt (`sperren_je_stichtag`); gesperrte Zellen von wert,
    zaehler, nenner sind leer, `gesperrt` (bool) sagt, ob der Wert gesperrt ist, `zustand` warum es keinen Wert gibt
    (wie in den Druckkarten: gesperrt, zu_klein, kein_wert; None = Wert vorhanden)."""
    maske = sperren_je_stichtag(werte, max_anzahl)
    ergebnis = werte.copy()
    # Zustand ohne Wert wie in den Druckkarten, aus dem ungesperrten Nenner (gezeigt wird nur „unter der Mindestgröße“)
    ergebnis["zustand"] = [karten._zustand(w, g, n, m) for w, g, n, m in zip(
        werte["wert"], maske["wert"], werte["nenner"], werte["min_nenner"], strict=True)]
    for spalte in SPERR_SPALTEN:
        ergebnis[spalte] = ergebnis[spalte].astype("object").where(~maske[spalte], None)
    ergebnis["gesperrt"] = maske["wert"]
    return ergebnis


# temporäre Tabellen (nur in der Verbindung des Exports, nie im gespeicherten Warehouse)
TABELLE_WERTE = "temp.atlas_werte"
TABELLE_VEROEFFENTLICHT = "temp.atlas_veroeffentlicht"


def _veroeffentlichen_je_gemeinde(con, ausgabe) -> Veroeffentlicht:
    """Die Werte aller Stichtage (sql/bericht/atlas_werte.sql) in eine temporäre Tabelle, dann je Gemeinde gesperrt
    (`veroeffentlichen`) in die Tabelle der veröffentlichten Werte. Jede Summengruppe der Geheimhaltung liegt in
    einer Gemeinde (Gebiete, Sozialräume und Stadtbezirke einer Gemeinde und ihre Summe), und Zellen mit denselben
    Gebieten gehören zu einer Gemeinde: je Gemeinde gesperrt ist dasselbe wie alle auf einmal, aber der Speicher
    wächst nur mit der größten Gemeinde (Issue 17)."""
    con.execute(f"create or replace temp table {TABELLE_WERTE} as {SQL_WERTE.read_text(encoding='utf-8')}",
                {"stichtag": ausgabe.stichtag})
    con.execute(f"create or replace temp table {TABELLE_VEROEFFENTLICHT} as select *, "
                f"cast(null as varchar) as zustand, false as gesperrt from {TABELLE_WERTE} limit 0")
    # Zähler und Nenner: gesperrt leer; als Zahl mit Nachkommastellen, wie `_zahl` sie liest
    for spalte in ("wert", "zaehler", "nenner"):
        con.execute(f"alter table {TABELLE_VEROEFFENTLICHT} alter {spalte} type double")
    gemeinden = [r[0] for r in con.execute(f"select distinct gemeinde_id from {TABELLE_WERTE}").fetchall()]
    for gemeinde in gemeinden:
        teil = con.execute(
            f"select * from {TABELLE_WERTE} where gemeinde_id is not distinct from ? "
            "order by stichtag, indikator_id, gemeinde_id, raum_id, ebene", [gemeinde]).df()
        veroeffentlicht = veroeffentlichen(teil, ausgabe.geheimhaltung_max)
        for spalte in SPERR_SPALTEN:  # gesperrt: None; als Zahl (NaN), damit DuckDB den Typ nicht raten muss
            veroeffentlicht[spalte] = pd.to_numeric(veroeffentlicht[spalte], errors="coerce").astype("float64")
        con.register("atlas_teil_df", veroeffentlicht)
        try:
            con.execute(f"insert into {TABELLE_VEROEFFENTLICHT} by name select * from atlas_teil_df")
        finally:
            con.unregister("atlas_teil_df")
        del teil, veroeffentlicht
    return Veroeffentlicht(con)


def sperren_je_stichtag(werte: pd.DataFrame, max_anzahl: int) -> pd.DataFrame:
    """Sperrmaske (Index wie `werte`, Spalten wert, zaehler, nenner) für alle Stichtage."""
    from sozial_dwh.bericht.geheimhaltung import sperren

    maske = pd.DataFrame(False, index=werte.index, columns=list(SPERR_SPALTEN))
    for _, teil in werte.groupby("stichtag", sort=True):
        gruppen = _summengruppen(teil)
        # dieselbe Zelle auf zwei Ebenen (gleiche Gebiete, z. B. Stadtbezirk = Sozialraum): gesperrt ist sie überall
        umfang = teil["gebiete"].astype("object").where(teil["gebiete"].notna(), teil["ebene"] + ":" + teil["raum_id"])
        gleich = teil.groupby([teil["indikator_id"], umfang], sort=False).ngroup()
        for _runde in range(100):  # endet stets: Sperrungen kommen nur hinzu
            geaendert = False
            for beschreibung, frame in gruppen:
                vorgabe = maske.loc[frame.index]
                neu = sperren(frame, beschreibung, max_anzahl, vorgabe)[list(SPERR_SPALTEN)] | vorgabe
                if not neu.equals(vorgabe):
                    maske.loc[frame.index] = neu
                    geaendert = True
                vorher = maske.loc[teil.index]
                gemeinsam = vorher.groupby(gleich).transform("max").astype(bool)
                if not gemeinsam.equals(vorher):
                    maske.loc[teil.index] = gemeinsam
                    geaendert = True
            if not geaendert:
                break
        else:
            raise RuntimeError("Geheimhaltung des Atlas: kein fester Stand nach 100 Runden")
    return maske


def _summengruppen(teil: pd.DataFrame) -> list[tuple[Tabelle, pd.DataFrame]]:
    """Die Zeilen eines Stichtags als Tabellen der Geheimhaltung, in der Reihenfolge, in der die Ausgabe sie prüft:
    wie „Indikatoren“ (Sozialräume → Gemeinde), wie „Indikatoren nach Gebieten“ (Gebiete → Sozialraum), dann
    Stadtbezirke → Gemeinde und Gebiete → Stadtbezirk. Spalten, Zeilenfolge und Regeln wie in den Tabellen; der
    Index bleibt der von `teil`."""
    t_sr = tabelle("indikatoren")
    t_g = tabelle("indikatoren_gebiete")
    t_sb = dataclasses.replace(t_sr, name="atlas_stadtbezirke", sperre_wie=None)
    t_gsb = dataclasses.replace(t_g, name="atlas_gebiete_stadtbezirke", summe_wert="stadtbezirk",
                                gruppe=("indikator_id", "stadtbezirk_id"), sperre_wie=None)
    gebiete = teil[teil["ebene"] == "gebiet"]
    sr_mit_gebieten = set(gebiete["sozialraum_id"].dropna())
    sb_mit_gebieten = set(gebiete["stadtbezirk_id"].dropna())
    ebene = teil["ebene"]
    gruppen = [
        (t_sr, teil[ebene.isin(["sozialraum", "gemeinde"])], ("indikator_id", "gemeinde_id", "ebene", "raum_id")),
        (t_g, teil[(ebene == "gebiet") | ((ebene == "sozialraum") & teil["raum_id"].isin(sr_mit_gebieten))],
         ("indikator_id", "gemeinde_id", "sozialraum_id", "ebene", "raum_id")),
        (t_sb, teil[ebene.isin(["stadtbezirk", "gemeinde"])], ("indikator_id", "gemeinde_id", "ebene", "raum_id")),
        (t_gsb, teil[(ebene == "gebiet") | ((ebene == "stadtbezirk") & teil["raum_id"].isin(sb_mit_gebieten))],
         ("indikator_id", "gemeinde_id", "stadtbezirk_id", "ebene", "raum_id")),
    ]
    ergebnis = []
    for beschreibung, zeilen, folge in gruppen:
        if zeilen.empty or not (zeilen["ebene"] != beschreibung.summe_wert).any():
            continue
        # Zeilenfolge wie in sql/bericht/: Summenzeile vor ihren Teilen (ebene absteigend), NULL zuletzt
        zeilen = zeilen.sort_values(list(folge), ascending=[s != "ebene" for s in folge], kind="stable",
                                    na_position="last")
        spalten = [s.name for s in beschreibung.spalten]
        frame = zeilen.reindex(columns=[*spalten, *(g for g in beschreibung.gruppe if g not in spalten)])
        ergebnis.append((beschreibung, frame))
    return ergebnis


# ---------------------------------------------------------------------------------------------------------------
# Daten des Atlas (JSON)


def _zahl(wert: object, stellen: int = 6) -> float | int | None:
    if wert is None or (isinstance(wert, float) and math.isnan(wert)) or pd.isna(wert):
        return None
    x = float(wert)
    return int(x) if x.is_integer() and abs(x) < 2 ** 53 else round(x, stellen)


def _datum(tag) -> str:
    return f"{tag:%d.%m.%Y}"


def _polaritaet(wert: object) -> int:
    p = int(wert or 0)
    return (p > 0) - (p < 0)


def _formel(zeile: Mapping[str, Any]) -> str:
    faktor = _zahl(zeile["faktor"])
    mal = f" × {karten.zahl_de(faktor, None)}" if faktor not in (None, 1) else ""
    return f"Wert = Zähler / Nenner{mal}" if zeile["nenner"] else f"Wert = Zähler{mal} (Anzahl)"


def _steckbrief(zeile: Mapping[str, Any], quellen_namen: Mapping[str, str]) -> dict[str, Any]:
    _, stellen = karten._einheit_texte(zeile["name"], zeile["einheit"] or "")
    quellen = list(dict.fromkeys(quellen_namen.get(q, q) for q in (zeile["quellen"] or []) if q))
    min_nenner = _zahl(zeile["min_nenner"])

    def groesse(name_spalte: str, text_spalte: str, kennung: str) -> str | None:
        """Die Beschreibung der Größe aus groessen.csv, sonst ihr Name, sonst ihre Kennung."""
        if not zeile[kennung]:
            return None
        return zeile[text_spalte] or zeile[name_spalte] or zeile[kennung]

    return {
        "id": zeile["indikator_id"],
        "name": zeile["name"],
        "einheit": zeile["einheit"] or "",
        "stellen": stellen,
        "polaritaet": _polaritaet(zeile["polaritaet"]),
        "polaritaet_text": POLARITAET_TEXT[_polaritaet(zeile["polaritaet"])],
        "definition": zeile["definition"] or "",
        "zaehler": groesse("zaehler_name", "zaehler_beschreibung", "zaehler"),
        "nenner": groesse("nenner_name", "nenner_beschreibung", "nenner"),
        "formel": _formel(zeile),
        "quelle": "; ".join([*quellen, "eigene Berechnung (Sozialplanung)"]),
        "min_nenner": (f"{karten.zahl_de(min_nenner, 0)}: bei kleinerem Nenner wird kein Wert gezeigt"
                       if min_nenner else "keiner"),
    }


class Veroeffentlicht:
    """Die veröffentlichten Werte des Atlas in einer temporären Tabelle des Warehouse (`TABELLE_VEROEFFENTLICHT`),
    gelesen je Indikator: alle Zeilen auf einmal als Datenrahmen wüchsen mit der Zahl der Gemeinden (Issue 17)."""

    def __init__(self, con) -> None:
        self.con = con

    def _spalte(self, sql: str, *werte: object) -> list[Any]:
        return [r[0] for r in self.con.execute(sql, list(werte)).fetchall()]

    def leer(self) -> bool:
        return not self._spalte(f"select 1 from {TABELLE_VEROEFFENTLICHT} limit 1")

    def stichtage(self) -> list[Any]:
        return sorted({pd.Timestamp(d).date() for d in self._spalte(
            f"select distinct stichtag from {TABELLE_VEROEFFENTLICHT}")})

    def ebenen(self) -> set[str]:
        return set(self._spalte(f"select distinct ebene from {TABELLE_VEROEFFENTLICHT}"))

    def indikatoren(self) -> set[str]:
        return set(self._spalte(f"select distinct indikator_id from {TABELLE_VEROEFFENTLICHT}"))

    def raeume(self, ebene: str) -> list[tuple[str, str]]:
        """(Kennung, Name) je Raum der Ebene, nach Kennung; der Name aus der ersten Zeile in der Folge von
        sql/bericht/atlas_werte.sql."""
        zeilen = self.con.execute(
            f"select raum_id, first(raum order by stichtag, indikator_id, gemeinde_id, raum_id, ebene) "
            f"from {TABELLE_VEROEFFENTLICHT} where ebene = ? group by raum_id", [ebene]).fetchall()
        return sorted(((r, n) for r, n in zeilen), key=lambda z: z[0])

    def je_indikator(self, indikator_id: str) -> pd.DataFrame:
        return self.con.execute(
            f"select * from {TABELLE_VEROEFFENTLICHT} where indikator_id = ? "
            "order by stichtag, indikator_id, gemeinde_id, raum_id, ebene", [indikator_id]).df()


def daten(werte: Veroeffentlicht, indikatoren: Sequence[Mapping[str, Any]], ausgabe, quellen_namen: Mapping[str, str],
          mit_form: Mapping[str, set[str]]) -> dict[str, Any]:
    """Alles, was die Seite zeigt, als ein JSON-Objekt. `werte`: veröffentlichte Werte (`veroeffentlichen`), je
    Indikator gelesen; die Werte eines Indikators stehen gleich als JSON-Text im Ergebnis."""
    stichtage = werte.stichtage()
    schluessel = {s: s.isoformat() for s in stichtage}
    vorhanden = werte.ebenen()
    ebenen = [(e, mehr, ein) for e, mehr, ein in EBENEN if e in vorhanden]
    mit_werten = werte.indikatoren()
    steckbriefe = [_steckbrief(z, quellen_namen) for z in indikatoren if z["indikator_id"] in mit_werten]

    raeume: dict[str, list[dict[str, Any]]] = {}
    for e, _, _ in ebenen:
        raeume[e] = [{"id": r, "name": n, "form": r in mit_form.get(e, set())} for r, n in werte.raeume(e)]
    gemeinden = werte.raeume("gemeinde")

    werte_json: dict[str, Any] = {}
    klassen_json: dict[str, Any] = {}
    gemeinde_json: dict[str, Any] = {}
    for s in steckbriefe:
        i = s["id"]
        teil = werte.je_indikator(i)
        nach = _Gruppen(teil.assign(tag=teil["stichtag"].map(lambda d: schluessel[pd.Timestamp(d).date()])))
        del teil
        werte_json[i], klassen_json[i], gemeinde_json[i] = {}, {}, {}
        for tag in schluessel.values():
            werte_json[i][tag], klassen_json[i][tag] = {}, {}
            g = nach.get((i, tag, "gemeinde"))
            gemeinde_json[i][tag] = {} if g is None else {
                z["raum_id"]: {"wert": _zahl(z["wert"]), "zaehler": _zahl(z["zaehler"]), "nenner": _zahl(z["nenner"]),
                               "gesperrt": bool(z["gesperrt"])}
                for z in g}
            for e, _, _ in ebenen:
                teil = nach.get((i, tag, e))
                eintraege: dict[str, Any] = {}
                if teil is not None:
                    for zeile in teil:
                        zustand = zeile["zustand"] if isinstance(zeile["zustand"], str) else None
                        eintrag: dict[str, Any] = {
                            "wert": None if zustand else _zahl(zeile["wert"]),
                            "zaehler": _zahl(zeile["zaehler"]),
                            "nenner": _zahl(zeile["nenner"]),
                            "gesperrt": bool(zeile["gesperrt"]),
                        }
                        if zustand:
                            eintrag["zustand"] = zustand
                        if isinstance(zeile["hinweis"], str) and zeile["hinweis"] and not zeile["gesperrt"]:
                            eintrag["hinweis"] = zeile["hinweis"]
                        eintraege[zeile["raum_id"]] = eintrag
                klassen = karten.klassen_bilden([v["wert"] for v in eintraege.values() if v["wert"] is not None],
                                                s["stellen"])
                if klassen is None:
                    klassen_json[i][tag][e] = None
                else:
                    farben = karten.farben(len(klassen), s["polaritaet"])
                    klassen_json[i][tag][e] = {"texte": klassen.texte(s["einheit"]), "farben": farben,
                                               "anzahl": klassen.anzahl}
                    for v in eintraege.values():
                        if v["wert"] is not None:
                            v["klasse"] = klassen.klasse(v["wert"])
                werte_json[i][tag][e] = eintraege
        # gleich als JSON-Text: je Eintrag ein paar Dutzend Byte statt eines dict (wächst mit den Gemeinden)
        werte_json[i] = JsonText(json_fuer_html(werte_json[i]))

    return {
        "ausgabe": {"id": ausgabe.bericht_id, "titel": ausgabe.titel, "stichtag": ausgabe.stichtag.isoformat(),
                    "stichtag_text": _datum(ausgabe.stichtag)},
        "stichtage": [{"id": schluessel[s], "text": _datum(s)} for s in stichtage],
        "ebenen": [{"id": e, "name": mehr, "einzahl": ein} for e, mehr, ein in ebenen],
        "raeume": raeume,
        "gemeinden": [{"id": r, "name": n} for r, n in gemeinden],
        "indikatoren": steckbriefe,
        "zustaende": {k: v[0] for k, v in karten.ZUSTAENDE.items()},
        "farbe_kein_wert": karten.FARBE_KEIN_WERT,
        "klassen": klassen_json,
        "werte": werte_json,
        "gemeindewerte": gemeinde_json,
    }


class _Gruppen:
    """Die Zeilen je (Indikator, Stichtag, Ebene), nach Raum geordnet – als Datensätze erst, wenn eine Gruppe gebraucht
    wird: Datensätze aller Zeilen auf einmal (je Zeile ein dict) wüchsen mit der Zahl der Gemeinden (Issue 17)."""

    def __init__(self, werte: pd.DataFrame) -> None:
        self.werte = werte.sort_values(["indikator_id", "tag", "ebene", "raum_id"], kind="stable").reset_index(drop=True)
        schluessel = list(zip(self.werte["indikator_id"], self.werte["tag"], self.werte["ebene"], strict=True))
        self.bereiche: dict[tuple[str, str, str], tuple[int, int]] = {}
        for nummer, key in enumerate(schluessel):
            von, _ = self.bereiche.get(key, (nummer, nummer))
            self.bereiche[key] = (von, nummer + 1)

    def get(self, key: tuple[str, str, str]) -> list[dict[str, Any]] | None:
        bereich = self.bereiche.get(key)
        if bereich is None:
            return None
        return self.werte.iloc[bereich[0]:bereich[1]].to_dict("records")


class JsonText(str):
    """Schon geschriebenes JSON (aus `json_fuer_html`), das `json_fuer_html` unverändert einsetzt."""


def json_fuer_html(objekt: Any) -> str:
    """JSON, das in `<script type="application/json">` stehen kann: `<`, `>` und `&` als \\u-Folgen, so dass
    kein Text das Element schließen oder einen Kommentar öffnen kann."""
    return "".join(_json_stuecke(objekt, 0))


def _json_stuecke(objekt: Any, tiefe: int) -> Iterator[str]:
    """Wie `json_fuer_html`, aber in Stücken: in Objekten bis `tiefe` Ebenen tief je Eintrag ein Stück. Aneinander
    ergeben sie denselben Text (die Ersetzungen gelten je Zeichen), ohne dass der ganze Text auf einmal im Speicher
    steht – beim Atlas wächst er mit der Zahl der Gemeinden (Issue 17)."""
    if isinstance(objekt, JsonText):
        yield str(objekt)
    elif isinstance(objekt, dict) and (tiefe > 0 or _mit_json_text(objekt)) \
            and all(isinstance(k, str) for k in objekt):
        yield "{"
        for nummer, (key, wert) in enumerate(objekt.items()):
            yield ("," if nummer else "") + _json_text(key) + ":"
            yield from _json_stuecke(wert, max(tiefe - 1, 0))
        yield "}"
    else:
        yield _json_text(objekt)


def _mit_json_text(objekt: Any) -> bool:
    """Steckt in `objekt` (in Objekten, auch verschachtelt) schon geschriebenes JSON (`JsonText`)?"""
    if isinstance(objekt, JsonText):
        return True
    return isinstance(objekt, dict) and any(_mit_json_text(wert) for wert in objekt.values())


def _json_text(objekt: Any) -> str:
    text = json.dumps(objekt, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# ---------------------------------------------------------------------------------------------------------------
# Karte (SVG)


@dataclass
class Karte:
    breite: float
    hoehe: float
    ebenen: dict[str, list[tuple[str, str, str]]]  # Ebene -> [(Kennung, Name, Pfad)]
    grenzen: dict[str, list[str]]  # Ebene -> Pfade der Linien darüber (z. B. Sozialräume über den Gebieten)
    umriss: list[str]
    quelle: str = ""  # Quellenangabe der Geometrie (geometrie.csv), z. B. „schematisch, nicht amtlich“


def _svg_pfad(form, umrechnen: Callable[[float, float], tuple[float, float]]) -> str:
    import shapely

    teile = []
    for teil in shapely.get_parts(form):
        if teil.geom_type != "Polygon":
            continue
        for ring in (teil.exterior, *teil.interiors):
            punkte = [umrechnen(x, y) for x, y in ring.coords[:-1]]
            if len(punkte) < 3:
                continue
            teile.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in punkte) + "Z")
    return "".join(teile)


def karte(con, ebenen: Sequence[str]) -> Karte | None:
    """Die Flächen je Ebene als SVG-Pfade (heutige Gliederung, aufgelöst wie in den Druckkarten); None ohne
    Geometrie."""
    import shapely

    from sozial_dwh import geometrie as geo

    geometrie = geo.aus_warehouse(con)
    if not geometrie.vorhanden:
        return None
    gebiete = con.execute(
        "select gebiet_id, name, sozialraum_id, stadtbezirk_id, gemeinde_id from core.dim_gebiet "
        "where ebene = 'gebiet' and gebiet_id = aktuell_id and not ist_pseudo order by gebiet_id").fetchall()
    namen = dict(con.execute("select gebiet_id, name from core.dim_gebiet order by gebiet_id").fetchall())
    flaechen = {"gebiet": {g: f for g, f in geometrie.flaechen.items()}}
    flaechen["sozialraum"] = geo.aufloesen(geometrie.flaechen, {g: sr for g, _, sr, _, _ in gebiete})
    flaechen["stadtbezirk"] = geo.aufloesen(geometrie.flaechen, {g: sb for g, _, _, sb, _ in gebiete})
    umriss = geo.aufloesen(geometrie.flaechen, {g: gem for g, _, _, _, gem in gebiete})

    x0, y0, x1, y1 = shapely.total_bounds(list(geometrie.flaechen.values()))
    massstab = (KARTE_BREITE - 2 * KARTE_RAND) / max(x1 - x0, 1.0)
    hoehe = (y1 - y0) * massstab + 2 * KARTE_RAND
    toleranz = 0.4 / massstab  # ein knapper halber Bildpunkt: feinere Stützpunkte sieht niemand

    def umrechnen(x: float, y: float) -> tuple[float, float]:
        return KARTE_RAND + (x - x0) * massstab, KARTE_RAND + (y1 - y) * massstab

    def pfad(form) -> str:
        return _svg_pfad(shapely.simplify(form, toleranz, preserve_topology=True), umrechnen)

    karte_ = Karte(KARTE_BREITE, round(hoehe, 1), {}, {}, [pfad(f) for _, f in sorted(umriss.items())],
                   geometrie.quelle or f"Geometrie: {', '.join(geometrie.dateien)}")
    for e in ebenen:
        karte_.ebenen[e] = [(k, namen.get(k, k), pfad(f)) for k, f in sorted(flaechen.get(e, {}).items())]
    if "gebiet" in ebenen:  # wie in den Druckkarten: Sozialraumgrenzen über den Gebieten
        karte_.grenzen["gebiet"] = [pfad(f) for _, f in sorted(flaechen["sozialraum"].items())]
    return karte_


# ---------------------------------------------------------------------------------------------------------------
# Seite


def atlas_der_ausgabe(con, ausgabe, ordner: Path, quellen_namen: Mapping[str, str]) -> AtlasErgebnis:
    """Schreibt `ordner/atlas/index.html` und gibt das Ergebnis zurück."""
    try:
        werte = _veroeffentlichen_je_gemeinde(con, ausgabe)
        if werte.leer():
            return AtlasErgebnis(hinweise=[f"Kein Atlas: bis zum {_datum(ausgabe.stichtag)} gibt es keine "
                                           "Indikatorwerte."])
        cursor = con.execute(SQL_INDIKATOREN.read_text(encoding="utf-8"))
        spalten = [d[0] for d in cursor.description]
        indikatoren = [dict(zip(spalten, zeile, strict=True)) for zeile in cursor.fetchall()]
        vorhanden = werte.ebenen()
        ebenen = [e for e, _, _ in EBENEN if e in vorhanden]
        karte_ = karte(con, ebenen)
        mit_form = {e: {k for k, _, _ in karte_.ebenen.get(e, [])} for e in ebenen} if karte_ else {}
        inhalt = daten(werte, indikatoren, ausgabe, quellen_namen, mit_form)
    finally:
        for name in (TABELLE_WERTE, TABELLE_VEROEFFENTLICHT):
            con.execute(f"drop table if exists {name}")
    hinweise = [] if karte_ else ["Der Atlas zeigt keine Karte: keine verwendbare Geometrie (siehe „Geometrie“)."]
    ziel = ordner / ORDNER / DATEI
    ziel.parent.mkdir(parents=True, exist_ok=True)
    with ziel.open("w", encoding="utf-8", newline="\n") as handle:
        handle.writelines(_seite_stuecke(inhalt, karte_))
    return AtlasErgebnis([ziel], hinweise, len(inhalt["indikatoren"]), [s["text"] for s in inhalt["stichtage"]],
                         [e["name"] for e in inhalt["ebenen"]])


def seite(inhalt: Mapping[str, Any], karte_: Karte | None) -> str:
    """Das HTML der Seite (Vorlage `vorlagen/atlas.html.j2`)."""
    return "".join(_seite_stuecke(inhalt, karte_))


# steht an der Stelle der Daten in der Vorlage, bis sie Stück für Stück geschrieben werden (kein JSON enthält ihn:
# `json_fuer_html` schreibt „<“ als \\u003c)
_PLATZHALTER = "<!--atlas-daten-->"
# Tiefe, bis zu der die Daten in Stücken geschrieben werden: Eintrag „werte“ -> Indikator -> Stichtag
_JSON_TIEFE = 3


def _seite_stuecke(inhalt: Mapping[str, Any], karte_: Karte | None) -> Iterator[str]:
    """Das HTML der Seite in Stücken: die Vorlage mit einem Platzhalter für die Daten, dann die Daten als JSON
    Stück für Stück (`_json_stuecke`) – dasselbe HTML wie in einem Stück, ohne es ganz im Speicher zu halten."""
    import jinja2

    umgebung = jinja2.Environment(loader=jinja2.FileSystemLoader(VORLAGEN), autoescape=True,
                                  undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                                  trim_blocks=True, lstrip_blocks=True)
    html = umgebung.get_template(VORLAGE).render(
        daten=inhalt, daten_json=_PLATZHALTER, karte=karte_,
        ebenen_namen={e["id"]: e["name"] for e in inhalt["ebenen"]})
    vorher, platzhalter, nachher = html.partition(_PLATZHALTER)
    if not platzhalter or _PLATZHALTER in nachher:
        raise RuntimeError(f"Die Vorlage {VORLAGE} enthält die Daten nicht genau einmal.")
    yield vorher
    yield from _json_stuecke(dict(inhalt), _JSON_TIEFE)
    yield nachher
