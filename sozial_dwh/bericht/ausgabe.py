"""Eine Ausgabe des Sozialberichts bauen (architektur.md §10): Tabellen in `bericht.*` und Dateien in
`$SOZIAL_DWH_HOME/exports/sozialbericht_<ID>/` – Excel-Arbeitsmappe, CSV je Tabelle, PNG-Grafiken, Karten und der
Atlas (`atlas/index.html`).

Veröffentlicht wird nur, was die Geheimhaltung passiert hat (Fallzahlen 1 bis `geheimhaltung_max` und die
darauf beruhenden Quoten als „*“, sekundäre Sperrung). Eine freigegebene Ausgabe ist eingefroren: spätere
Läufe lassen ihre Tabellen und Dateien unverändert, außer sie wird ausdrücklich neu gebaut (`neu=True`).
Die Inhalts-Prüfsumme (SHA-256 über die CSV-Dateien) steht im Blatt `Info` und in `manifest.json`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from sozial_dwh import warehouse
from sozial_dwh.bericht import atlas as atlas_mod
from sozial_dwh.bericht import dateien, sozialraumprofile
from sozial_dwh.bericht import karten as karten_mod
from sozial_dwh.bericht.modell import Tabelle
from sozial_dwh.bericht.tabellen import TABELLEN
from sozial_dwh.config import SQL_DIR, Paths
from sozial_dwh.quellen import QUELLEN
from sozial_dwh.speicher import freigeben

BERICHT_SQL = SQL_DIR / "bericht"
MANIFEST = "manifest.json"


class BerichtFehler(ValueError):
    """Die Ausgabe lässt sich nicht bauen; die Nachricht sagt auf Deutsch, was zu tun ist."""


@dataclass(frozen=True)
class Ausgabe:
    bericht_id: str
    titel: str
    stichtag: dt.date
    vergleich_bericht_id: str | None
    vergleich_stichtag: dt.date | None
    status: str
    freigegeben_am: dt.date | None
    geheimhaltung_max: int

    @property
    def freigegeben(self) -> bool:
        return self.status == "freigegeben"


@dataclass
class Ergebnis:
    ausgabe: Ausgabe
    ordner: Path
    eingefroren: bool
    pruefsumme: str
    dateien: list[Path] = field(default_factory=list)
    zeilen: dict[str, int] = field(default_factory=dict)
    gesperrt: dict[str, int] = field(default_factory=dict)


def ordner(paths: Paths, bericht_id: str) -> Path:
    return paths.exports / f"sozialbericht_{bericht_id}"


def lade_ausgabe(con: duckdb.DuckDBPyConnection, bericht_id: str) -> Ausgabe:
    rows = con.execute(
        "select bericht_id, titel, stichtag, vergleich_bericht_id, vergleich_stichtag, status, freigegeben_am, "
        "geheimhaltung_max from core.dim_bericht where bericht_id = ?", [bericht_id]).fetchall()
    if not rows:
        bekannt = [r[0] for r in con.execute("select bericht_id from core.dim_bericht order by stichtag").fetchall()]
        raise BerichtFehler(
            f"Die Berichtsausgabe „{bericht_id}“ steht nicht in data/reference/berichte.csv "
            f"(bekannt: {', '.join(bekannt) or 'keine'}). Bitte dort eine Zeile ergänzen und `sozial-dwh run` starten.")
    return Ausgabe(*rows[0])


def ausgaben(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("select bericht_id from core.dim_bericht order by stichtag").fetchall()]


def ist_eingefroren(paths: Paths, ausgabe: Ausgabe) -> bool:
    """Freigegeben und schon gebaut? Maßgeblich sind die veröffentlichten Dateien (manifest.json)."""
    return ausgabe.freigegeben and (ordner(paths, ausgabe.bericht_id) / MANIFEST).exists()


def nicht_eingefroren(con: duckdb.DuckDBPyConnection, paths: Paths) -> list[str]:
    """Die Ausgaben, die ein Lauf neu baut: alle Entwürfe und freigegebene, die noch nie gebaut wurden (nach
    Stichtag); eingefrorene bleiben, wie sie sind."""
    rows = con.execute(
        "select bericht_id, titel, stichtag, vergleich_bericht_id, vergleich_stichtag, status, freigegeben_am, "
        "geheimhaltung_max from core.dim_bericht order by stichtag, bericht_id").fetchall()
    return [a.bericht_id for a in (Ausgabe(*row) for row in rows) if not ist_eingefroren(paths, a)]


def baue(con: duckdb.DuckDBPyConnection, paths: Paths, bericht_id: str, neu: bool = False,
         jetzt: dt.datetime | None = None, fortschritt=None) -> Ergebnis:
    """Baut eine Ausgabe (oder lässt eine eingefrorene unverändert) und gibt das Ergebnis zurück."""
    melde = fortschritt or (lambda text: None)
    _anlegen(con)
    ausgabe = lade_ausgabe(con, bericht_id)
    ziel = ordner(paths, bericht_id)
    if not neu and ist_eingefroren(paths, ausgabe):
        manifest = json.loads((ziel / MANIFEST).read_text(encoding="utf-8"))
        # Fehlt der Registereintrag (z. B. Lauf nach dem Schreiben der Dateien abgebrochen), aus dem Manifest
        con.execute(
            "insert into bericht.ausgaben select ?, ?, ?, ?, ?, ?, ?, ? where not exists "
            "(select 1 from bericht.ausgaben where bericht_id = ?)",
            [bericht_id, ausgabe.titel, ausgabe.stichtag, ausgabe.vergleich_stichtag, ausgabe.status,
             dt.datetime.fromisoformat(manifest["erstellt_am"]), manifest["pruefsumme"], str(ziel), bericht_id])
        melde(f"Ausgabe {bericht_id} ist freigegeben und eingefroren (Prüfsumme {manifest['pruefsumme'][:12]}…); "
              f"unverändert. Neu bauen nur mit `sozial-dwh export --bericht {bericht_id} --neu`.")
        return Ergebnis(ausgabe, ziel, True, manifest["pruefsumme"], sorted(p for p in ziel.iterdir() if p.is_file()))

    jetzt = (jetzt or dt.datetime.now()).replace(microsecond=0)
    from sozial_dwh.bericht.geheimhaltung import sperren, uebernehmen

    tabellen: list[tuple[Tabelle, pd.DataFrame, pd.DataFrame]] = []
    bisher: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {}
    params = {"stichtag": ausgabe.stichtag}
    for tabelle in TABELLEN:
        sql = (BERICHT_SQL / f"{tabelle.name}.sql").read_text(encoding="utf-8")
        frame = con.execute(sql, params).df()
        fehlend = [s.name for s in tabelle.spalten if s.name not in frame.columns]
        if fehlend:
            raise BerichtFehler(f"sql/bericht/{tabelle.name}.sql liefert die Spalten {', '.join(fehlend)} nicht.")
        frame = frame[[s.name for s in tabelle.spalten]]
        vorgabe = None
        if tabelle.sperre_wie:  # dieselben Zeilen in einer früheren Tabelle: deren Sperrungen gelten auch hier
            andere, schluessel = tabelle.sperre_wie
            vorgabe = uebernehmen(frame, *bisher[andere], schluessel)
        maske = sperren(frame, tabelle, ausgabe.geheimhaltung_max, vorgabe)
        tabellen.append((tabelle, frame, maske))
        bisher[tabelle.name] = (frame, maske)
        melde(f"Tabelle {tabelle.name}: {len(frame)} Zeilen, {int(maske.to_numpy().sum())} Zellen gesperrt")

    with tempfile.TemporaryDirectory(prefix=f".sozialbericht_{bericht_id}-", dir=paths.exports) as tmp:
        neu_ordner = Path(tmp) / "ausgabe"
        neu_ordner.mkdir()
        csvs = [dateien.schreibe_csv(frame, maske, t, neu_ordner / f"{t.name}.csv") for t, frame, maske in tabellen]
        pruefsumme = _pruefsumme(csvs)
        # nach jedem großen Schritt freien Speicher zurückgeben: sonst addieren sich die Spitzen der Schritte
        grafiken = _grafiken(con, ausgabe, tabellen, neu_ordner)
        freigeben()
        untertitel = _untertitel(ausgabe)
        geladen = {r[0] for r in _quellen_rows(con, ausgabe)}
        namen = _quellen_namen(con, ausgabe)
        karten = karten_mod.zeichnen(con, ausgabe.stichtag, tabellen, neu_ordner, namen, melde)
        freigeben()
        profile = sozialraumprofile.zeichnen(con, ausgabe, tabellen, neu_ordner, {q: namen.get(q, q) for q in geladen},
                                             melde, karten.geometrie)
        freigeben()
        atlas = atlas_mod.erstellen(con, ausgabe, neu_ordner, namen, melde)
        freigeben()
        quellen = {t.name: _quelle_text(t, geladen, jetzt, namen) for t, _, _ in tabellen}
        mappe = dateien.schreibe_arbeitsmappe(
            neu_ordner / f"sozialbericht_{bericht_id}.xlsx", tabellen,
            info=[*_info(ausgabe, jetzt, pruefsumme), *karten.info_zeilen(), *profile.info_zeilen(),
                  *atlas.info_zeilen()],
            info_tabellen=[("Quellen", ["Quelle", "Datei", "Stichtag/Stand", "geladen am", "SHA-256"],
                            _quellen(con, ausgabe)), *karten.info_tabellen()],
            methodik=_methodik(con, ausgabe),
            methodik_tabellen=_methodik_tabellen(con),
            untertitel=untertitel, quellen=quellen, zeitpunkt=jetzt,
        )
        alle = [*csvs, *grafiken, *karten.pfade, *profile.pfade, *atlas.pfade, mappe]
        manifest = {
            "bericht_id": bericht_id, "titel": ausgabe.titel, "stichtag": ausgabe.stichtag.isoformat(),
            "status": ausgabe.status, "erstellt_am": jetzt.isoformat(), "pruefsumme": pruefsumme,
            "dateien": {p.relative_to(neu_ordner).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                        for p in sorted(alle)},
        }
        (neu_ordner / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        _tabellen_speichern(con, ausgabe, tabellen, jetzt, pruefsumme, ziel)
        _ersetzen(neu_ordner, ziel)
    melde(f"Ausgabe {bericht_id} geschrieben: {ziel} ({len(alle) + 1} Dateien, Prüfsumme {pruefsumme[:12]}…)")
    return Ergebnis(
        ausgabe, ziel, False, pruefsumme, sorted(p for p in ziel.iterdir() if p.is_file()),
        {t.name: len(f) for t, f, _ in tabellen}, {t.name: int(m.to_numpy().sum()) for t, _, m in tabellen},
    )


# --- Warehouse -----------------------------------------------------------------------------------------

def _anlegen(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists bericht")
    con.execute(
        "create table if not exists bericht.ausgaben (bericht_id varchar primary key, titel varchar, stichtag date, "
        "vergleich_stichtag date, status varchar, erstellt_am timestamp, pruefsumme varchar, ordner varchar)")


def _tabellen_speichern(con, ausgabe: Ausgabe, tabellen, jetzt: dt.datetime, pruefsumme: str, ziel: Path) -> None:
    """Veröffentlichter Stand je Tabelle in bericht.<name> (gesperrte Zellen NULL, Liste in gesperrte_spalten)."""
    con.execute("begin transaction")
    try:
        for tabelle, frame, maske in tabellen:
            veroeffentlicht = frame.mask(maske)
            veroeffentlicht.insert(0, "bericht_id", ausgabe.bericht_id)
            veroeffentlicht["gesperrte_spalten"] = pd.Series(  # Listen, auch in einer leeren Tabelle
                [[c for c, gesperrt in zip(maske.columns, reihe, strict=True) if gesperrt]
                 for reihe in maske.to_numpy(dtype=bool)], index=maske.index, dtype=object)
            # DuckDB schließt den Typ einer Textspalte aus den ersten Zeilen; sind die alle leer (keine gesperrte Zelle,
            # kein Hinweis), wäre es NULL, und der erste Wert danach scheitert. Deshalb alle Zeilen ansehen.
            con.execute(f"set pandas_analyze_sample = {max(len(veroeffentlicht), 1000)}")
            con.register("veroeffentlicht_df", veroeffentlicht)
            name = tabelle.name  # aus TABELLEN im Code, nie aus Benutzereingaben
            neu = dict(con.execute("select column_name, column_type from (describe select * from veroeffentlicht_df)"
                                   ).fetchall())
            alt = dict(con.execute("select column_name, data_type from duckdb_columns() where schema_name = 'bericht' "
                                   "and table_name = ?", [name]).fetchall())
            try:
                if alt:
                    con.execute(f"create or replace table bericht.{name} as select {_spalten(alt, neu)} from "
                                f"bericht.{name} where bericht_id <> ? union all by name select {_spalten(neu, alt)} "
                                "from veroeffentlicht_df", [ausgabe.bericht_id])
                else:
                    con.execute(f"create table bericht.{name} as select {_spalten(neu, {})} from veroeffentlicht_df")
            except duckdb.Error as exc:
                raise BerichtFehler(f"Tabelle bericht.{name} lässt sich nicht speichern: {exc}") from exc
            # COMMENT ON nimmt keine gebundenen Werte; der Text stammt aus TABELLEN im Code.
            kommentar = (f"{tabelle.titel} – veröffentlichter Stand je Berichtsausgabe (gesperrte Zellen NULL, "
                         "siehe gesperrte_spalten).").replace("'", "''")
            con.execute(f"comment on table bericht.{name} is '{kommentar}'")
            con.unregister("veroeffentlicht_df")
        con.execute("delete from bericht.ausgaben where bericht_id = ?", [ausgabe.bericht_id])
        con.execute("insert into bericht.ausgaben values (?, ?, ?, ?, ?, ?, ?, ?)", [
            ausgabe.bericht_id, ausgabe.titel, ausgabe.stichtag, ausgabe.vergleich_stichtag, ausgabe.status, jetzt,
            pruefsumme, str(ziel)])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


# --- Dateien -------------------------------------------------------------------------------------------

LISTE = "gesperrte_spalten"


def _spalten(typen: dict[str, str], andere: dict[str, str]) -> str:
    """Die Spalten für `select`, mit Typ: Eine Spalte ohne Typ (nur leere Werte, etwa keine Konferenz bis zum
    Stichtag oder keine gesperrte Zelle: DuckDB-Typ NULL bzw. NULL[]) bekommt den Typ derselben Spalte der anderen
    Ausgabe, sonst Text – sonst scheitert das Zusammenführen der Ausgaben an „VARCHAR -> NULL“. Namen und Typen
    kommen aus dem Warehouse bzw. aus TABELLEN im Code."""
    teile = []
    for name, typ in typen.items():
        if name == LISTE and typ != "VARCHAR[]":  # immer eine Liste von Spaltennamen
            # leere Tabelle einer früheren Fassung: DOUBLE ohne Zeilen, lässt sich nicht in eine Liste umwandeln
            teile.append(f'cast("{name}" as VARCHAR[]) as "{name}"' if typ.endswith("[]")
                         else f'cast(null as VARCHAR[]) as "{name}"')
        elif "NULL" in typ:
            ziel = andere.get(name, "")
            ziel = ziel if ziel and "NULL" not in ziel else typ.replace('"NULL"', "VARCHAR")
            teile.append(f'cast("{name}" as {ziel}) as "{name}"')
        else:
            teile.append(f'"{name}"')
    return ", ".join(teile)


def _pruefsumme(csvs: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(csvs):
        digest.update(path.name.encode("utf-8") + b"\n")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _ersetzen(neu: Path, ziel: Path) -> None:
    """Neuen Ordner an die Stelle des alten bringen; der alte wird erst danach entfernt."""
    alt = ziel.with_name(ziel.name + ".alt")
    if alt.exists():
        shutil.rmtree(alt)
    if ziel.exists():
        ziel.rename(alt)
    shutil.move(str(neu), str(ziel))
    if alt.exists():
        shutil.rmtree(alt)


def _untertitel(ausgabe: Ausgabe) -> str:
    text = f"{ausgabe.titel}, Stichtag {ausgabe.stichtag:%d.%m.%Y}"
    if ausgabe.vergleich_stichtag:
        text += f"; Veränderungen gegenüber {ausgabe.vergleich_stichtag:%d.%m.%Y} (Ausgabe {ausgabe.vergleich_bericht_id})"
    return text


def _je_gemeinde(frame: pd.DataFrame, gemeinde_von: dict | None) -> list[tuple[str, pd.DataFrame]]:
    """Die Zeilen einer Tabelle je Gemeinde, in der Folge der Tabelle: (gemeinde_id, Zeilen). `gemeinde_von`:
    raum_id eines Sozialraums -> gemeinde_id, für Tabellen ohne Spalte gemeinde_id; None: nur eine Gemeinde, alle
    Zeilen zusammen."""
    if gemeinde_von is None:
        return [("", frame)] if len(frame) else []
    gemeinde = frame["gemeinde_id"] if "gemeinde_id" in frame.columns else frame["raum_id"].map(gemeinde_von)
    return [(str(g), frame[gemeinde == g]) for g in dict.fromkeys(gemeinde.dropna())]


def _grafiken(con, ausgabe: Ausgabe, tabellen, ordner_: Path) -> list[Path]:
    """Die Grafiken neben den Tabellen. Hält die Ausgabe mehrere Gemeinden (ein Kreis), entsteht jede Grafik je
    Gemeinde (`<name>_<gemeinde_id>.png`, Titel mit der Gemeinde, Bezugslinie ihr eigener Wert) – eine Grafik über
    alle Sozialräume eines Kreises wäre Zehntausende Pixel hoch und ohne Bezug."""
    from sozial_dwh.bericht import grafiken

    nach_name = {t.name: (frame.mask(maske), t) for t, frame, maske in tabellen}
    # „*“ erklärt jede Grafik selbst, nur wenn sie ein „*“ zeigt
    quelle = f"Quelle: eigene Berechnung, Stichtag {ausgabe.stichtag:%d.%m.%Y}"
    datum = f"{ausgabe.stichtag:%d.%m.%Y}"
    leistungen, _ = nach_name["sozialleistungen"]
    sozialraeume = leistungen[leistungen["ebene"] == "sozialraum"]
    gemeinden = leistungen[leistungen["ebene"] == "gemeinde"]
    mehrere = len(set(leistungen["gemeinde_id"].dropna())) > 1
    gemeinde_von = dict(zip(sozialraeume["raum_id"], sozialraeume["gemeinde_id"], strict=False)) if mehrere else None
    namen = dict(zip(gemeinden["gemeinde_id"].astype(str), gemeinden["raum"], strict=False))

    def ziel(name: str, gemeinde_id: str) -> Path:
        return ordner_ / (f"{name}_{karten_mod.sicher(gemeinde_id)}.png" if mehrere else f"{name}.png")

    def titel(text: str, gemeinde_id: str) -> str:
        return f"{text}, {namen.get(gemeinde_id, gemeinde_id)}" if mehrere else text

    pfade = []
    for gemeinde_id, teil in _je_gemeinde(leistungen, gemeinde_von):
        teile = teil[teil["ebene"] == "sozialraum"]
        bezug = teil.loc[teil["ebene"] == "gemeinde", "sgb2_quote"]
        if len(teile):
            pfade.append(grafiken.balken_mit_gemeinde(
                pd.DataFrame({"name": teile["raum"], "wert": pd.to_numeric(teile["sgb2_quote"], errors="coerce")}),
                None if len(bezug) != 1 or pd.isna(bezug.iloc[0]) else float(bezug.iloc[0]),
                titel(f"SGB-II-Quote nach Sozialräumen, {datum}", gemeinde_id), "%",
                ziel("sgb2_quote_sozialraeume", gemeinde_id), quelle))
    index, _ = nach_name["sozialindex"]
    if len(index):
        grenzen = [(k, None if g is None else float(g)) for k, g in con.execute(
            "select klasse, try_cast(nullif(obergrenze, '') as double) from raw.ref_sozialindex_klassen "
            "where index = 'status' order by cast(rang as integer)").fetchall()]
        for gemeinde_id, teil in _je_gemeinde(index, gemeinde_von):
            pfade.append(grafiken.sozialindex_klassen(
                pd.DataFrame({"name": teil["raum"], "statusindex": pd.to_numeric(teil["statusindex"]),
                              "statusklasse": teil["statusklasse"]}),
                titel(f"Sozialindex: Statusklassen der Sozialräume, {datum}", gemeinde_id),
                ziel("sozialindex_klassen", gemeinde_id), grenzen, quelle))
    reihe, _ = nach_name["zeitreihe"]
    for gemeinde_id, teil in _je_gemeinde(reihe, gemeinde_von):
        pfade.append(grafiken.zeitreihe(
            pd.DataFrame({"stichtag": pd.to_datetime(teil["stichtag"]).dt.date, "reihe": teil["raum"],
                          "wert": pd.to_numeric(teil["sgb2_quote"], errors="coerce")}),
            titel("SGB-II-Quote im Zeitverlauf", gemeinde_id), "%", ziel("sgb2_quote_zeitreihe", gemeinde_id),
            gemeinde=str(teil.loc[teil["ebene"] == "gemeinde", "raum"].iloc[0])
            if (teil["ebene"] == "gemeinde").any() else None, quelle=quelle))
    return pfade


# --- Info und Methodik ---------------------------------------------------------------------------------

def _quellen_rows(con, ausgabe: Ausgabe) -> list[tuple]:
    return con.execute(
        "select quelle, dateiname, stichtag, geladen_am, sha256 from ops.dateien where status = 'geladen' "
        "and (stichtag <= ? or (quelle = 'kita' and stichtag <= ? + interval 3 month)) "
        "and not (quelle = 'konferenz' and stichtag > ?) order by quelle, stichtag, dateiname",
        [ausgabe.stichtag, ausgabe.stichtag, ausgabe.stichtag]).fetchall()


def _quellen(con, ausgabe: Ausgabe) -> list[list[object]]:
    return [[q, d, s, g, h] for q, d, s, g, h in _quellen_rows(con, ausgabe)]


QUELLEN_NAMEN = {q.quelle: q.herkunft for q in QUELLEN}


def _quellen_namen(con, ausgabe: Ausgabe) -> dict[str, str]:
    """Herkunft je Quelle für die Quellenzeilen; bei `merkmale` die Herkunft der geladenen Merkmale (quelle_text in
    merkmale.csv), z. B. „Wohngeldstelle der Stadt“."""
    namen = dict(QUELLEN_NAMEN)
    if warehouse.table_exists(con, "core", "fact_merkmale"):
        texte = [r[0] for r in con.execute(
            "select distinct k.quelle_text from core.fact_merkmale as f inner join raw.ref_merkmale as k using (merkmal) "
            "where f.stichtag <= ? and k.quelle_text <> '' order by 1", [ausgabe.stichtag]).fetchall()]
        if texte:
            namen["merkmale"] = "; ".join(texte)
    return namen


def _quelle_text(tabelle: Tabelle, geladen: set[str], jetzt: dt.datetime, namen: dict[str, str] | None = None) -> str:
    """Quellenzeile unter einer Tabelle: nur die Quellen, die in sie eingehen (und geladen sind)."""
    namen = namen or QUELLEN_NAMEN
    genannt = list(dict.fromkeys(namen.get(q, q) for q in tabelle.quellen if q in geladen))
    return "Quelle: " + "; ".join([*genannt, f"eigene Berechnung (Sozialplanung), Stand {jetzt:%d.%m.%Y}"])


STATUS_TEXT = {"entwurf": "Entwurf", "freigegeben": "freigegeben"}


def _info(ausgabe: Ausgabe, jetzt: dt.datetime, pruefsumme: str) -> list[tuple[str, object]]:
    return [
        ("Ausgabe", ausgabe.bericht_id),
        ("Titel", ausgabe.titel),
        ("Stichtag", ausgabe.stichtag),
        ("Vergleichsausgabe", f"{ausgabe.vergleich_bericht_id} (Stichtag {ausgabe.vergleich_stichtag:%d.%m.%Y})"
         if ausgabe.vergleich_stichtag else "keine"),
        ("Status", STATUS_TEXT.get(ausgabe.status, ausgabe.status)
         + (f" am {ausgabe.freigegeben_am:%d.%m.%Y}" if ausgabe.freigegeben_am else "")),
        ("Erstellt am", jetzt),
        ("Inhalts-Prüfsumme (SHA-256 der CSV-Dateien)", pruefsumme),
        ("Geheimhaltung", f"Fallzahlen 1 bis {ausgabe.geheimhaltung_max} und darauf beruhende Quoten sind gesperrt (*)."),
        ("Eingefroren", "ja: spätere Läufe ändern diese Ausgabe nicht (neu bauen nur mit "
                        f"`sozial-dwh export --bericht {ausgabe.bericht_id} --neu`)" if ausgabe.freigegeben
         else "nein: Entwurf, wird bei jedem Lauf neu gebaut"),
    ]


def _methodik(con, ausgabe: Ausgabe) -> list[tuple[str, object]]:
    from sozial_dwh.bericht.geheimhaltung import REGEL_TEXT

    p = dict(con.execute("select parameter, wert from raw.ref_sozialindex_parameter").fetchall())
    klassen = {index: _klassen_text(con, index) for index in ("status", "dynamik")}
    indikatoren = ", ".join(r[0] for r in con.execute(
        "select k.name from raw.ref_sozialindex_indikatoren as s join core.dim_indikator as k using (indikator_id) "
        "order by k.name").fetchall())
    return [
        ("Quoten", "Jeder Wert eines Sozialraums oder der Gemeinde ist Summe der Zähler / Summe der Nenner der "
                   "zugehörigen Gebiete, nie ein Mittelwert von Quoten. Liegt der Nenner unter der Mindestgröße "
                   "des Katalogs, bleibt der Wert leer (kleinräumig instabil)."),
        ("Gebietsgliederung", "Werte früherer Jahre sind auf die heutigen Gebiete umgerechnet (aufgelöste Gebiete "
                              "zählen für ihren Nachfolger)."),
        ("Kindertagesbetreuung", "Plätze zum 01.03. eines Jahres werden den Kindern am 31.12. des Vorjahres "
                                 "gegenübergestellt."),
        ("Sozialindex", f"Nach dem Berliner Monitoring Soziale Stadtentwicklung 2021. Indikatoren: {indikatoren}. "
                        "Jeder Indikator wird über die Sozialräume z-standardisiert (Mittel 0, Standardabweichung 1, "
                        "höher = mehr Bedarf), die gewichtete Summe erneut standardisiert = Statusindex. Klassen: "
                        f"{klassen['status']}. Dynamikindex ebenso aus den Veränderungen in Prozentpunkten über "
                        f"{p.get('dynamik_jahre', '2')} Jahre: {klassen['dynamik']}. Gesamtklasse = Status- und "
                        "Dynamikklasse. Sozialräume "
                        f"mit weniger als {p.get('mindest_einwohner', '300')} Einwohnern gehen nicht ein."),
        ("Konferenzergebnisse", "Ein Bedarf gilt als durch die Daten bestätigt, wenn die Indikatoren seines "
                                "Handlungsfelds den Sozialraum am letzten Stichtag vor der Konferenz schlechter als die "
                                "Gemeinde zeigen (teilweise: nur einige). Maßnahmen mit Status laut jüngster Meldung."),
        ("Geheimhaltung", REGEL_TEXT.format(max_anzahl=ausgabe.geheimhaltung_max)),
    ]


def _klassen_text(con, index: str) -> str:
    """Klassengrenzen aus sozialindex_klassen.csv als Text, z. B. „hoch < −1,0 ≤ mittel ≤ +1,0 < niedrig“."""
    zeilen = con.execute(
        "select klasse, try_cast(obergrenze as double), obergrenze_eingeschlossen = 'ja' "
        "from raw.ref_sozialindex_klassen where index = ? order by cast(rang as integer)", [index]).fetchall()
    teile = []
    for klasse, grenze, eingeschlossen in zeilen:
        teile.append(klasse)
        if grenze is not None:
            zahl = f"{grenze:+.1f}".replace(".", ",").replace("-", "−")
            teile.append(f"≤ {zahl} <" if eingeschlossen else f"< {zahl} ≤")
    return " ".join(teile)


def _methodik_tabellen(con) -> list[tuple[str, list[str], list[list[object]]]]:
    indikatoren = con.execute(
        "select indikator_id, name, einheit, definition, polaritaet, min_nenner, quelle from core.dim_indikator "
        "order by indikator_id").fetchall()
    # Referenzdateien sind Text: Zahlen als Zahlen in die Arbeitsmappe
    klassen = con.execute(
        "select index, klasse, try_cast(obergrenze as double), obergrenze_eingeschlossen "
        "from raw.ref_sozialindex_klassen order by index desc, cast(rang as integer)").fetchall()
    gewichte = con.execute("select indikator_id, try_cast(gewicht as double) from raw.ref_sozialindex_indikatoren "
                           "order by 1").fetchall()
    return [
        ("Indikatoren", ["Kennung", "Name", "Einheit", "Definition", "Polarität (+1 = höher mehr Bedarf)",
                         "Mindestnenner", "Quelle"], [list(r) for r in indikatoren]),
        ("Sozialindex: Indikatoren und Gewichte", ["Indikator", "Gewicht"], [list(r) for r in gewichte]),
        ("Sozialindex: Klassengrenzen", ["Index", "Klasse", "Obergrenze", "Obergrenze eingeschlossen"],
         [list(r) for r in klassen]),
    ]
