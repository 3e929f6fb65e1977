"""Datenschutz: Namen, E-Mail-Adressen, Telefonnummern und Anschriften aus Konferenzmappen gelangen nirgends hin.

Vertrag (architektur.md §5.2, Quelle `konferenz`): Personennamen und E-Mail-Adressen aus dem Blatt „Teilnehmende“
werden nie geladen – weder in raw, staging, quarantine, core, mart, ops oder bericht noch in die Analysekopie,
nicht in Log-Meldungen und Dagster-Metadaten, nicht in den HTML-Prüfbericht und nicht in die `.fehler.txt`
abgelehnter Dateien. Organisationen dagegen bleiben erhalten.

Grundlage ist ein echter Dagster-Lauf (`alles`) über echte xlsx-Dateien: die Grunddateien der Teststadt aus
tests/test_validation.py und drei zusätzliche Konferenz-Arbeitsmappen mit gut unterscheidbaren, erfundenen
Namen und den unangenehmen Fällen:

- Kopfzeilen in anderen Schreibweisen („Nachname“, „Mail“, „Institution“, „Art der Organisation“) und eine
  Mappe mit einer einzigen Spalte „Name“ (Vor- und Nachname in einer Zelle) und „E-Mail-Adresse“;
- Teilnehmende mit ungültigem Sektor (Zeile geht in die Quarantäne), darunter ein verrutschter Sektor, der die
  E-Mail-Adresse enthält, und einer, der den Nachnamen enthält;
- Namen und E-Mail-Adressen in Freitexten (Beschreibung, AG, Thema, Titel, Zuständig, Ort), auch in anderer
  Groß-/Kleinschreibung, nur mit Nachnamen („Frau Zwetschgenbaum“) oder nur mit einem Teil eines Doppelnamens;
- ungültige Werte mit Namen in Status und Termin (Quarantänegrund nennt den Wert);
- zwei Konferenzmappen, die als Ganzes abgelehnt werden (Blatt „Veranstaltung“ fehlt; Datum ist eine Notiz mit
  Name und E-Mail) – ihre `.fehler.txt` wird mitgeprüft;
- eine dritte geladene Mappe (`konferenz_2022-12-01.xlsx`) mit Personenspalten, die nicht „Name“ heißen
  (Ansprechperson, Kontakt, Telefon, Adresse in „Teilnehmende“, Ansprechpartner/-in in „Maßnahmen“, Schlüssel
  „Ansprechperson“ und „Telefon“ in „Veranstaltung“), und mit Telefonnummern, Anschriften und Namen mit Anrede oder
  Titel in jedem Freitext: Titel, Ort, Format, Organisation, AG, Thema, Beschreibung, Titel, Zuständig, Gremium.

Nach dem Lauf wird die Berichtsausgabe 2022 gebaut wie mit `sozial-dwh export --bericht 2022`. Dagster schreibt in
eine echte Instanz unter $DAGSTER_HOME (SQLite). Durchsucht werden jede Textspalte jeder Tabelle in jedem Schema des
Warehouse und der Analysekopie, alle Dateien unter $SOZIAL_DWH_HOME außer den byte-gleichen Originalen in archive/
und rejected/, jede Zelle und jedes Feld der Exportdateien, alle Dateien und die Ereignistabellen der
SQLite-Datenbanken unter $DAGSTER_HOME, die Log-Ausgabe und die Metadaten aller Ereignisse des Laufs.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import logging
import re
import sqlite3
import zipfile
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import pytest

from pipelines.ausfuehren import alles_ausfuehren
from pipelines.export import export_bericht
from sozial_dwh.config import Paths
from tests.fixtures import make_reference, write_xlsx
from tests.test_validation import write_base_files

# Erfundene Teilnehmende: (Vorname, Nachname, E-Mail, Organisation)
PERSONEN = [
    ("Wilhelmine", "Zwetschgenbaum", "w.zwetschgenbaum@beispiel-traeger.example", "Quartiersbüro Kastanienhof"),
    ("Korbinian", "Quittenhain", "korbinian.quittenhain@wohnbau-teststadt.example", "Wohnbau Teststadt eG"),
    ("Adelgunde", "Holunderbusch-Pfefferkorn", "a.holunderbusch@kirchengemeinde.example",
     "Ev. Kirchengemeinde Sankt Ursula"),
    ("Leopoldine", "Mirabellengarten", "l.mirabellengarten@verein.example", "Förderverein Lindenschule"),
    ("Theodor", "Sauerampfer", "t.sauerampfer@stadtteilverein.example", "Stadtteilverein Berg"),
    ("Ottokar", "Brombeerstrauch", "o.brombeerstrauch@privat.example", None),  # nur Person, keine Organisation
    ("Friedemann", "Stachelbeere", "friedemann.stachelbeere@sozialamt-teststadt.example", "Sozialamt Teststadt"),
    ("Rosalinde", "Pflaumenmus", "rosalinde.pflaumenmus@jugendhilfe.example", "Jugendhilfe Nord gGmbH"),
    ("Kunigunde", "Birnbaumer", "k.birnbaumer@awo-teststadt.example", "AWO Ortsverein"),  # nur in abgelehnten Mappen
    ("Hieronymus", "Apfelkern", "hieronymus.apfelkern@verwaltung.example", "Ordnungsamt"),  # nur in abgelehnten
]
# Organisationen, die geladen sein müssen (aus gültigen Zeilen der geladenen Mappen)
ORGANISATIONEN = ["Quartiersbüro Kastanienhof", "Wohnbau Teststadt eG", "Ev. Kirchengemeinde Sankt Ursula",
                  "Sozialamt Teststadt", "Jugendhilfe Nord gGmbH"]


# Mappe 3: Personen in Spalten, die nicht „Name“ heißen: (Vorname, Nachname, E-Mail)
ANSPRECHPERSONEN = [("Heidrun", "Sanddorn", "heidrun.sanddorn@caritas-teststadt.example"),
                    ("Gottlieb", "Wacholderbeer", "g.wacholderbeer@wohnen.example"),
                    ("Ludmilla", "Kornelkirsch", "ludmilla.kornelkirsch@tafel.example"),
                    ("Balduin", "Mispelhuber", "b.mispelhuber@quartier.example")]
# nur mit Anrede oder Titel im Freitext, in keiner Personenspalte
MIT_ANREDE = ["Schlehdorn", "Hagebuttner"]
# Telefonnummern und Anschriften, wie sie in Freitexten und Spalten stehen
TELEFONE = ["02371 863-4471", "+49 2371 8634472", "0171/9283746", "(02371) 86547", "Tel. 863-4473", "02371 863-4474",
            "0172 5566778"]
ADRESSEN = ["Kastanienallee 17", "Am Quittenwall 3a", "Holzapfelstr. 5, 58636 Iserlohn", "Mispelweg 12",
            "Ebereschenring 4"]
# Freitext, der bleiben muss, wie er ist
BLEIBT = "Seit 21.09.2022 fehlen 12 Plätze in SRB; Kosten 1.500 € (Maßnahme M12), Gebiet 05962024"


def suchbegriffe() -> list[str]:
    """Jeder Namensteil (auch Teile von Doppelnamen), jede E-Mail-Adresse und ihr lokaler Teil, jede Telefonnummer
    (auch ohne Vorwahl, nie nur als Ziffernfolge – die stünde auch in Zeitstempeln) und jeder Straßenname."""
    terms: set[str] = set()
    for vorname, nachname, mail, _ in PERSONEN:
        terms |= {vorname, nachname, mail, mail.split("@")[0]}
        terms |= {teil for teil in re.split(r"[\s\-]+", nachname) if len(teil) >= 4}
    for vorname, nachname, mail in ANSPRECHPERSONEN:
        terms |= {vorname, nachname, mail, mail.split("@")[0]}
    terms |= set(MIT_ANREDE) | set(TELEFONE) | set(ADRESSEN)
    terms |= {"863-4471", "2371 8634472", "/9283746", ") 86547", "863-4473", "863-4474", "5566778"}
    terms |= {re.match(r"(?:Am )?([A-Za-zäöüß]+)", adresse).group(1) for adresse in ADRESSEN}
    return sorted(terms, key=str.lower)


TERMS = suchbegriffe()
PATTERN = re.compile("|".join(re.escape(t) for t in TERMS), re.IGNORECASE)


def treffer(text: str) -> list[str]:
    return sorted({m.group(0) for m in PATTERN.finditer(text)})


# --- Testdateien ------------------------------------------------------------------------------------------


def write_konferenzen(inbox: Path) -> dict[str, bytes]:
    """Drei Konferenzmappen, davon zwei, die als Ganzes abgelehnt werden; gibt die Bytes der abgelehnten zurück."""
    p = {nachname: (vorname, nachname, mail, org) for vorname, nachname, mail, org in PERSONEN}
    zw, qu, ho, mi, sa, br, _, _, bi, ap = (p[n] for n in (
        "Zwetschgenbaum", "Quittenhain", "Holunderbusch-Pfefferkorn", "Mirabellengarten", "Sauerampfer",
        "Brombeerstrauch", "Stachelbeere", "Pflaumenmus", "Birnbaumer", "Apfelkern"))
    ag_wohnen = f"AG Wohnen (Moderation: {qu[0]} {qu[1]})"
    # Mappe 1: getrennte Namensspalten in anderen Schreibweisen, Titelzeile über der Kopfzeile
    write_xlsx(inbox / "konferenz_2022-11-15.xlsx", {
        "Veranstaltung": [["Titel", f"Sozialraumkonferenz Land – Einladung: {zw[0]} {zw[1]}"],
                          ["Datum", "15.11.2022"],
                          ["Ort", f"Bürgerhaus Berg (Kontakt: {qu[2]})"],
                          ["Format", "Präsenz"],
                          ["Sozialräume", "SRB"],
                          ["Moderation", f"{qu[0]} {qu[1]}, {qu[2]}"]],
        "Teilnehmende": [
            ["Teilnehmerliste der Sozialraumkonferenz Land"],
            ["Nachname", "Vorname", "Mail", "Institution", "Art der Organisation", "Sozialraum"],
            [zw[1], zw[0], zw[2], zw[3], "soziale Einrichtung", "SRB"],
            [qu[1], qu[0], qu[2].upper(), qu[3], "Wohnungsgesellschaft", "Land"],
            [ho[1], ho[0], ho[2], ho[3], "Kirche", "Gesamtstadt"],
            # ungültiger Sektor mit Nachnamen -> Quarantäne
            [mi[1], mi[0], mi[2], mi[3], f"Ehrenamt ({mi[0][0]}. {mi[1]})", "SRB"],
            # verrutschte Spalten: die E-Mail-Adresse steht im Sektor -> Quarantäne
            [sa[1], sa[0], sa[3], sa[2], sa[2], "SRB"],
            # nur Personenangaben, nichts zu laden
            [br[1], br[0], br[2], None, None, None],
        ],
        "Arbeitsgruppen": [["Arbeitsgruppe", "Sozialraum", "Thema"],
                           [ag_wohnen, "SRB", f"Wohnen im Quartier, Protokoll an {qu[2]}"],
                           ["AG Teilhabe", "Land", f"Teilhabe (Ansprechpartnerin {ho[0]} {ho[1]})"]],
        "Ergebnisse": [
            ["Nr.", "Arbeitsgruppe", "Sozialraum", "Handlungsfeld", "Ergebnisart", "Ergebnis", "Prio"],
            [1, ag_wohnen, "SRB", "Wohnen", "Bedarf", f"Ansprechpartnerin: {zw[0]} {zw[1]}, {zw[2]}", 1],
            [2, ag_wohnen, "Land", "Vernetzung", "Ressource",
             f"Frau {zw[1].upper()} bietet Räume im {zw[3]} an; Rückfragen an {qu[2]}", 2],
            [3, "AG Teilhabe", "SRB", "Armut", "Bedarf",
             "Sprechstunde fehlt (Hinweis von Frau Holunderbusch und Herrn Sauerampfer)", 3],
            [4, "AG Teilhabe", "SRB", "Bildung", "Maßnahmenvorschlag",
             f"Lernpatenschaften über den {mi[3]} – Kontakt {mi[2]}", None],
        ],
        "Maßnahmen": [
            ["Nr", "Bezug", "Maßnahme", "verantwortlich", "Status", "Frist", "Gremium"],
            ["M1", "1, 2", f"Runder Tisch Wohnen mit {zw[0][0]}. {zw[1]}", f"{qu[0]} {qu[1]} ({qu[3]})",
             "beschlossen", "31.03.2023", "Sozialausschuss"],
            ["M2", "3", "Sprechstunde im Quartier", zw[3], f"erledigt, siehe Mail von {zw[2]}", None, None],
            ["M3", "4", "Lernpaten", mi[3], "vorgeschlagen", f"nach Rückmeldung von Frau {mi[1]}", None],
            ["M4", "4", "Lernpaten-Fest", mi[2], "in Umsetzung", "2023-06-30", f"Beirat ({sa[0]} {sa[1]})"],
        ],
    })
    # Mappe 2: eine Spalte „Name“ mit Vor- und Nachnamen, Freitexte nennen nur den Nachnamen
    st, pf = p["Stachelbeere"], p["Pflaumenmus"]
    write_xlsx(inbox / "konferenz_2023-03-08.xlsx", {
        "Veranstaltung": [["Titel", "Datum", "Ort", "Format", "Sozialräume"],
                          ["Konferenz Mitte", "2023-03-08", "Rathaus", "hybrid", "Mitte"]],
        "Teilnehmende": [["Name", "E-Mail-Adresse", "Organisation", "Sektor", "Sozialraum"],
                         [f"Dr. {st[0]} {st[1]}", st[2], st[3], "Verwaltung", "Gesamtstadt"],
                         [f"{pf[1]}, {pf[0]}", pf[2], pf[3], "freie Wohlfahrtspflege", "SRA"]],
        "Ergebnisse": [["Nr", "AG", "Sozialraum", "Handlungsfeld", "Art", "Beschreibung", "Priorität"],
                       [1, "AG Jugend", "SRA", "Jugend", "Bedarf",
                        f"Jugendtreff fehlt; Herr {st[1]} prüft Räume, Frau {pf[1]} fragt Träger an", 1]],
        "Maßnahmen": [["Nr", "Bezug Ergebnis", "Titel", "Zuständig", "Status"],
                      ["M1", "1", "Jugendtreff", f"Hr. {st[1]} / {pf[0]} {pf[1]}", "vorgeschlagen"]],
    })
    # Abgelehnt 1: Blatt „Veranstaltung“ fehlt (Quelle aus dem Dateinamen erkannt)
    rejected = {}
    rejected["konferenz_2023-01-10.xlsx"] = write_xlsx(inbox / "konferenz_2023-01-10.xlsx", {
        "Teilnehmende": [["Name", "Vorname", "E-Mail", "Organisation", "Sektor", "Sozialraum"],
                         [bi[1], bi[0], bi[2], bi[3], "freie Wohlfahrtspflege", "SRA"],
                         [ap[1], ap[0], ap[2], ap[3], "Verwaltung", "Gesamtstadt"]],
        "Ergebnisse": [["Nr", "AG", "Sozialraum", "Handlungsfeld", "Art", "Beschreibung", "Priorität"],
                       [1, "AG 1", "SRA", "Senioren", "Bedarf", f"Seniorentreff ({bi[0]} {bi[1]}, {bi[2]})", 2]],
    }).read_bytes()
    # Abgelehnt 2: im Datum steht eine Notiz mit Name und E-Mail-Adresse
    rejected["konferenz_2023-02-14.xlsx"] = write_xlsx(inbox / "konferenz_2023-02-14.xlsx", {
        "Veranstaltung": [["Titel", "Konferenz Land"], ["Datum", f"verschoben, Termin bei {ap[0]} {ap[1]} ({ap[2]})"],
                          ["Sozialräume", "SRB"]],
        "Teilnehmende": [["Nachname", "Vorname", "Mail", "Organisation", "Sektor", "Sozialraum"],
                         [ap[1], ap[0], ap[2], ap[3], "Verwaltung", "SRB"],
                         [bi[1], bi[0], bi[2], bi[3], bi[2], "SRB"]],
        "Ergebnisse": [["Nr", "AG", "Sozialraum", "Handlungsfeld", "Art", "Beschreibung", "Priorität"],
                       [1, "AG 1", "SRB", "Mobilität", "Bedarf", f"Bus fehlt, meint {bi[1]}", 1]],
    }).read_bytes()
    write_konferenz_kontakte(inbox)
    return rejected


def write_konferenz_kontakte(inbox: Path) -> None:
    """Mappe 3 (geladen, Ausgabe 2022): Personenspalten mit anderen Namen, Telefonnummern, Anschriften und Namen mit
    Anrede oder Titel in jedem Freitext."""
    (sv, sn, sm), (wv, wn, wm), (kv, kn, km), (mv, mn, mm) = ANSPRECHPERSONEN
    tel1, tel2, tel3, tel4, tel5, tel6, tel7 = TELEFONE
    adr1, adr2, adr3, adr4, adr5 = ADRESSEN
    schlehdorn, hagebuttner = MIT_ANREDE
    ag = f"AG Nord (Leitung: Herr {wn}, {tel3})"
    write_xlsx(inbox / "konferenz_2022-12-01.xlsx", {
        "Veranstaltung": [["Titel", f"Konferenz Nord – Einladung durch Frau Dr. {schlehdorn}, {tel5}"],
                          ["Datum", "01.12.2022"],
                          ["Ort", f"Gemeindehaus, {adr4}, Anmeldung {tel1}"],
                          ["Format", f"Präsenz (Rückfragen: {sm}, {sv} {sn})"],
                          ["Sozialräume", "SRA, SRB"],
                          ["Ansprechperson", f"{sv} {sn}"],
                          ["Telefon", tel7]],
        "Teilnehmende": [
            ["Ansprechperson", "Kontakt", "Telefon", "Adresse", "Organisation", "Sektor", "Sozialraum"],
            [f"{sv} {sn}", sm, tel6, adr1, f"Caritas Teststadt (Tel. {tel6})", "freie Wohlfahrtspflege", "SRA"],
            [f"{wn}, {wv}", f"Herr {wn}, {wm}", tel7, adr5, "Wohnungsgenossenschaft Nord", "Wohnungsgesellschaft",
             "SRB"],
            [f"{kv} {kn}", f"Frau {kn}", None, None, f"Tafel, Lager {adr2}", "Verein", "Gesamtstadt"],
            [None, None, None, None, f"Praxis Herrn Dr. {hagebuttner}", "Sonstige", "SRA"],
        ],
        "Arbeitsgruppen": [["AG", "Sozialraum", "Thema"],
                           [ag, "SRA", f"Wohnen, Treffpunkt {adr3}"],
                           ["AG Süd", "SRB", f"Teilhabe (Kontakt {km}, {tel2})"]],
        "Ergebnisse": [
            ["Nr", "AG", "Sozialraum", "Handlungsfeld", "Art", "Beschreibung", "Priorität"],
            [1, ag, "SRA", "Wohnen", "Bedarf",
             f"Wohnraum fehlt, sagt Frau {sn} ({tel4}); Besichtigung {adr2} mit {wv} {wn}", 1],
            [2, "AG Süd", "SRB", "Armut/Teilhabe", "Bedarf",
             f"Beratung bei Herrn Dr. {hagebuttner}, {adr3}, Tel. 863-4473; {kn} und {mn} helfen", 2],
            [3, "AG Süd", "SRB", "Bildung", "Bedarf", BLEIBT, 3],
        ],
        "Maßnahmen": [
            ["Nr", "Bezug Ergebnis", "Titel", "Zuständig", "Ansprechpartner/-in", "Status", "Gremium"],
            ["M11", "1", f"Wohnberatung mit Frau Dr. {schlehdorn} in der {adr1}", f"Frau {sn}, {tel4}",
             f"{mv} {mn}", "beschlossen", f"Beirat, Kontakt {adr5} / {tel1}"],
            ["M12", "2", f"Sprechstunde ({mn}, {mm})", f"Caritas Teststadt, {tel2}", f"{kv} {kn}", "vorgeschlagen",
             f"Sozialausschuss ({sv} {sn})"],
        ],
    })


# --- ein echter Lauf ---------------------------------------------------------------------------------------


class _Sammler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.texte: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texte.append(f"{record.name}: {record.getMessage()}")


@pytest.fixture(scope="module")
def lauf(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("datenschutz")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOZIAL_DWH_HOME", str(base / "home"))
        mp.setenv("SOZIAL_DWH_REFERENCE", str(make_reference(base / "reference")))
        mp.setenv("DAGSTER_HOME", str(base / "dagster"))
        mp.setenv("SOZIAL_DWH_SCHREIBPAUSE_S", "0")
        (base / "dagster").mkdir()
        paths = Paths.from_env().ensure()
        write_base_files(paths.inbox)
        rejected = write_konferenzen(paths.inbox)

        sammler = _Sammler()
        root = logging.getLogger()
        old_level = root.level
        root.addHandler(sammler)
        root.setLevel(logging.INFO)
        out, err, export = io.StringIO(), io.StringIO(), []
        # eine echte Instanz unter DAGSTER_HOME (SQLite), wie `sozial-dwh run` und `export` sie benutzen
        instance = dg.DagsterInstance.get()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                result = alles_ausfuehren(instance=instance)
                assert result.success
                assert export_bericht(paths, "2022", progress=export.append) == 0, export
        finally:
            root.removeHandler(sammler)
            root.setLevel(old_level)

        # Alles, was der Lauf über sich selbst berichtet: Log-Ausgabe, Log-Einträge und Ereignisse samt Metadaten
        texte = {"stdout": out.getvalue(), "stderr": err.getvalue(), "logging": "\n".join(sammler.texte),
                 "export": "\n".join(export)}
        eintraege = instance.all_logs(result.run_id)
        texte["ereignisprotokoll"] = "\n".join(
            (e.user_message or "") + "\n" + (dg.serialize_value(e.dagster_event) if e.dagster_event else "")
            for e in eintraege)
        metadaten = []
        for event in result.all_events:
            metadaten.append(event.message or "")
            if event.is_step_materialization:
                mat = event.materialization
                metadaten += [f"{'/'.join(mat.asset_key.path)}.{k}: {v.value!r}" for k, v in mat.metadata.items()]
        for evaluation in result.get_asset_check_evaluations():
            metadaten += [f"{evaluation.check_name}.{k}: {v.value!r}" for k, v in evaluation.metadata.items()]
            metadaten.append(evaluation.description or "")
        texte["metadaten"] = "\n".join(metadaten)
        yield {"paths": paths, "base": base, "result": result, "texte": texte, "rejected": rejected,
               "n_materialisierungen": len(result.get_asset_materialization_events()),
               "n_pruefungen": len(result.get_asset_check_evaluations()),
               "n_eintraege": len(eintraege)}
        instance.dispose()


# --- Durchsuchen ------------------------------------------------------------------------------------------

_OHNE_TEXT = re.compile(
    r"^(BOOLEAN|TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|"
    r"DOUBLE|DECIMAL\(\d+,\d+\)|DATE|TIME|TIMESTAMP.*|INTERVAL|UUID)(\[\])*$")


def scan_database(path: Path) -> tuple[list[str], list[tuple[str, str, str]]]:
    """Alle Textspalten (VARCHAR, Listen, Structs, JSON …) aller Tabellen und Sichten einer DuckDB-Datei."""
    funde: list[str] = []
    gescannt: list[tuple[str, str, str]] = []
    regex = "(?i)" + "|".join(re.escape(t) for t in TERMS)
    with duckdb.connect(str(path), read_only=True) as con:
        columns = con.execute(
            "select schema_name, table_name, column_name, data_type from duckdb_columns() "
            "where database_name = current_database() and schema_name not in ('information_schema', 'pg_catalog') "
            "order by schema_name, table_name, column_index").fetchall()
        for schema, table, column, data_type in columns:
            if _OHNE_TEXT.match(data_type):
                continue
            gescannt.append((schema, table, column))
            rows = con.execute(
                f'select distinct cast("{column}" as varchar) as v from "{schema}"."{table}" '
                f'where regexp_matches(cast("{column}" as varchar), ?) limit 5', [regex]).fetchall()
            funde += [f"{path.name}: {schema}.{table}.{column} ({data_type}) = {v!r} – Treffer {treffer(v)}"
                      for (v,) in rows]
    return funde, gescannt


def treffer_in_datei(path: Path) -> list[str]:
    """Suchbegriffe in den Bytes einer Datei (ohne Rücksicht auf Groß-/Kleinschreibung); zip-Container (xlsx,
    ods) werden ausgepackt. Byteweise, damit auch die DuckDB-Dateien selbst schnell durchsucht werden."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            data = b"\n".join(archive.read(name) for name in archive.namelist())
    else:
        data = path.read_bytes()
    data = data.lower()
    return [t for t in TERMS if t.lower().encode() in data]


# --- Tests ------------------------------------------------------------------------------------------------


def test_fixture_hat_alle_faelle(lauf):
    """Die Testdaten sind wirklich angekommen: zwei Mappen geladen, zwei abgelehnt, Quarantäne belegt."""
    paths: Paths = lauf["paths"]
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        dateien = dict(con.execute(
            "select dateiname, status from ops.dateien where quelle = 'konferenz' or dateiname like 'konferenz%'"
        ).fetchall())
        quarantaene = con.execute(
            "select blatt, zeile, spalte from quarantine.zeilen where quelle = 'konferenz' order by blatt, zeile"
        ).fetchall()
    assert dateien == {"konferenz_2022-09-21.xlsx": "geladen", "konferenz_2022-11-15.xlsx": "geladen",
                       "konferenz_2023-03-08.xlsx": "geladen", "konferenz_2023-01-10.xlsx": "abgelehnt",
                       "konferenz_2023-02-14.xlsx": "abgelehnt", "konferenz_2022-12-01.xlsx": "geladen"}
    # Teilnehmende Zeilen 6 (Sektor mit Nachnamen) und 7 (Sektor = E-Mail); Maßnahmen M2 (Status), M3 (Termin)
    assert ("Teilnehmende", 6, "E") in quarantaene and ("Teilnehmende", 7, "E") in quarantaene
    assert ("Maßnahmen", 3, "E") in quarantaene and ("Maßnahmen", 4, "F") in quarantaene
    assert list(paths.inbox.iterdir()) == [], "der Eingang ist nach dem Lauf leer"


def test_keine_namen_in_warehouse_und_analysekopie(lauf):
    """Jede Textspalte jeder Tabelle in jedem Schema enthält keinen Namensteil und keine E-Mail-Adresse."""
    paths: Paths = lauf["paths"]
    funde, gescannt = [], []
    for db in (paths.warehouse, paths.analyse):
        assert db.exists(), db
        f, g = scan_database(db)
        funde += f
        gescannt += [(db.name, *c) for c in g]
    assert not funde, "Personenangaben im Warehouse:\n" + "\n".join(funde)
    # nicht ins Leere geprüft: viele Spalten, alle Schichten, die heiklen Spalten darunter
    assert len(gescannt) > 100, len(gescannt)
    schemas = {(db, s) for db, s, _, _ in gescannt}
    for schema in ("raw", "staging", "quarantine", "core", "mart", "ops"):
        assert ("sozial_dwh.duckdb", schema) in schemas, schema
    for spalte in [("raw", "konferenz_teilnehmende", "organisation"), ("raw", "konferenz_ergebnisse", "beschreibung"),
                   ("raw", "konferenz_ergebnisse", "ag"), ("raw", "konferenz_massnahmen", "zustaendig"),
                   ("raw", "konferenz_veranstaltung", "ort"), ("quarantine", "zeilen", "grund"),
                   ("quarantine", "zeilen", "wert"), ("ops", "dateien", "meldungen"),
                   ("staging", "stg_konferenz_ergebnisse", "beschreibung")]:
        assert ("sozial_dwh.duckdb", *spalte) in gescannt, spalte


def test_organisationen_und_freitexte_bleiben(lauf):
    """Positivprobe: Organisationen sind geladen, Freitexte sind da – nur die Personenangaben sind ersetzt."""
    paths: Paths = lauf["paths"]
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        orgs = {r[0] for r in con.execute("select organisation from staging.stg_konferenz_teilnehmende").fetchall()}
        beschreibungen = [r[0] for r in con.execute(
            "select beschreibung from staging.stg_konferenz_ergebnisse order by datum, nr").fetchall()]
        massnahmen = {r[0]: r[1:] for r in con.execute(
            "select nr || ' ' || cast(datum as varchar), titel, zustaendig from staging.stg_konferenz_massnahmen"
        ).fetchall()}
    assert set(ORGANISATIONEN) <= orgs, orgs
    assert "Ansprechpartnerin: [Name entfernt] [Name entfernt], [E-Mail entfernt]" in beschreibungen
    assert any(b.startswith("Lernpatenschaften über den Förderverein Lindenschule") for b in beschreibungen)
    assert massnahmen["M1 2022-11-15"][1] == "[Name entfernt] [Name entfernt] (Wohnbau Teststadt eG)"
    with duckdb.connect(str(paths.analyse), read_only=True) as con:
        tables = {r[0] for r in con.execute(
            "select schema_name || '.' || table_name from duckdb_tables()").fetchall()}
        if "staging.stg_konferenz_teilnehmende" in tables:
            orgs = {r[0] for r in con.execute("select organisation from staging.stg_konferenz_teilnehmende").fetchall()}
            assert set(ORGANISATIONEN) <= orgs


def test_keine_namen_in_dateien(lauf):
    """Prüfbericht, .fehler.txt, Exporte, Warehouse-Dateien und Dagster-Verzeichnis enthalten keine Personenangaben."""
    paths: Paths = lauf["paths"]
    rejected: dict[str, bytes] = lauf["rejected"]
    originale = {hashlib.sha256(b).hexdigest() for b in rejected.values()}
    funde, gescannt = [], []
    for root in (paths.home, lauf["base"] / "dagster"):
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            rel = path.relative_to(root)
            # archive/ hält die Originaldateien byte-gleich (architektur.md §9) – das ist Absicht, ebenso die Kopie
            # einer abgelehnten Datei in rejected/. Geprüft wird alles, was das Warehouse selbst schreibt.
            if rel.parts[0] == "archive":
                continue
            if rel.parts[0] == "rejected" and hashlib.sha256(path.read_bytes()).hexdigest() in originale:
                continue
            gescannt.append(str(rel))
            if hits := treffer_in_datei(path):
                funde.append(f"{rel}: {hits}")
    assert not funde, "Personenangaben in Dateien:\n" + "\n".join(funde)
    berichte = [g for g in gescannt if g.startswith("pruefberichte/") and g.endswith(".html")]
    fehler = sorted(g for g in gescannt if g.endswith(".fehler.txt"))
    assert berichte, gescannt
    assert fehler == ["rejected/konferenz_2023-01-10.xlsx.fehler.txt", "rejected/konferenz_2023-02-14.xlsx.fehler.txt"]
    text = (paths.rejected / "konferenz_2023-02-14.xlsx.fehler.txt").read_text(encoding="utf-8")
    assert "Datum" in text and "[E-Mail entfernt]" in text, text  # die Meldung bleibt lesbar


def test_keine_namen_in_logs_und_metadaten(lauf):
    """Log-Ausgabe, Ereignisprotokoll und Metadaten von Materialisierungen und Asset-Checks sind frei von Namen."""
    texte: dict[str, str] = lauf["texte"]
    funde = [f"{quelle}: {treffer(text)}" for quelle, text in texte.items() if treffer(text)]
    assert not funde, "Personenangaben in Logs/Metadaten:\n" + "\n".join(funde)
    # nicht ins Leere geprüft: die Meldungen des Einlesens und die Metadaten sind wirklich erfasst
    assert lauf["n_materialisierungen"] > 10 and lauf["n_pruefungen"] > 10 and lauf["n_eintraege"] > 50
    assert "konferenz_2023-02-14.xlsx" in texte["ereignisprotokoll"]
    assert "konferenz_2023-02-14.xlsx" in texte["logging"] + texte["stderr"]


def test_keine_personenangaben_in_exporten(lauf):
    """Jede Zelle jedes Blatts der Arbeitsmappen (mit openpyxl geöffnet) und jedes Feld jeder CSV-Datei aller
    Berichtsausgaben ist frei von Namen, E-Mail-Adressen, Telefonnummern und Anschriften."""
    paths: Paths = lauf["paths"]
    mappen = sorted(paths.exports.rglob("*.xlsx"))
    csvs = sorted(paths.exports.rglob("*.csv"))
    assert [p.name for p in mappen] == ["sozialbericht_2022.xlsx"] and len(csvs) >= 5
    texte = []
    for pfad in mappen:
        for ws in openpyxl.load_workbook(pfad).worksheets:
            texte += [f"{pfad.name}!{ws.title}!{cell.coordinate}: {cell.value}" for row in ws.iter_rows()
                      for cell in row if isinstance(cell.value, str)]
    for pfad in csvs:
        zeilen = csv.reader(io.StringIO(pfad.read_bytes().decode("utf-8-sig"), newline=""), delimiter=";")
        texte += [f"{pfad.name}, Zeile {n}: {feld}" for n, zeile in enumerate(zeilen, start=1) for feld in zeile]
    funde = [f"{text} – Treffer {treffer(text)}" for text in texte if treffer(text)]
    assert not funde, "Personenangaben in Exporten:\n" + "\n".join(funde)
    # nicht ins Leere geprüft: die Freitexte der Mappe 3 stehen geschwärzt in der Ausgabe, der Rest wie geschrieben
    alles = "\n".join(texte)
    assert ("Wohnraum fehlt, sagt [Name entfernt] ([Telefon entfernt]); Besichtigung [Adresse entfernt] mit "
            "[Name entfernt] [Name entfernt]") in alles
    assert "Beratung bei [Name entfernt], [Adresse entfernt], [Telefon entfernt]; [Name entfernt] und " \
           "[Name entfernt] helfen" in alles
    assert "Wohnberatung mit [Name entfernt] in der [Adresse entfernt]" in alles
    assert BLEIBT in alles


def _klartext(wert: str) -> str:
    """JSON mit \\u-Maskierung als lesbarer Text („M\\u00fcller“ -> „Müller“), sonst der Wert selbst."""
    try:
        return json.dumps(json.loads(wert), ensure_ascii=False)
    except ValueError:
        return wert


def test_keine_personenangaben_im_dagster_speicher(lauf):
    """Jede Zeile jeder Tabelle jeder SQLite-Datenbank unter DAGSTER_HOME (Läufe, Ereignisse samt Metadaten,
    Partitionen), JSON entschlüsselt; die Bytes aller Dateien dort prüft `test_keine_namen_in_dateien`."""
    datenbanken = sorted((lauf["base"] / "dagster").rglob("*.db"))
    funde, laeufe, ereignisse = [], set(), 0
    for db in datenbanken:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as con:
            tabellen = [r[0] for r in con.execute("select name from sqlite_master where type = 'table'")]
            for tabelle in tabellen:
                for zeile in con.execute(f'select * from "{tabelle}"'):
                    for wert in zeile:
                        if isinstance(wert, bytes):
                            wert = wert.decode("utf-8", "replace")
                        if isinstance(wert, str) and (hits := treffer(_klartext(wert))):
                            funde.append(f"{db.name}: {tabelle}: {hits}")
            if "event_logs" in tabellen:
                ereignisse += con.execute("select count(*) from event_logs").fetchone()[0]
                laeufe |= {r[0] for r in con.execute("select distinct run_id from event_logs where run_id <> ''")}
    assert not funde, "Personenangaben in Dagsters Speicher:\n" + "\n".join(sorted(set(funde)))
    # nicht ins Leere geprüft: der Lauf und der Bau der Ausgabe stehen mit ihren Ereignissen in der Instanz
    assert lauf["result"].run_id in laeufe and len(laeufe) >= 2, laeufe
    assert ereignisse > lauf["n_eintraege"], ereignisse


def test_geladene_texte_bleiben_lesbar(lauf):
    """Mappe 3: Organisation, AG, Thema und Beschreibung sind geladen – Personenangaben ersetzt, alles andere (Datum,
    Anzahl, Betrag, Sozialraum, Maßnahmennummer, Gemeindeschlüssel) wie geschrieben; Personenspalten fehlen."""
    paths: Paths = lauf["paths"]
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        orgs = {r[0] for r in con.execute("select organisation from raw.konferenz_teilnehmende").fetchall()}
        gruppen = con.execute("select ag, thema from raw.konferenz_arbeitsgruppen order by ag").fetchall()
        beschreibungen = {r[0] for r in con.execute("select beschreibung from raw.konferenz_ergebnisse").fetchall()}
        veranstaltung = con.execute("select titel, ort, format from raw.konferenz_veranstaltung "
                                    "where datum = date '2022-12-01'").fetchall()
        spalten = {r[0] for r in con.execute("select column_name from duckdb_columns() where schema_name = 'raw' "
                                             "and table_name like 'konferenz%'").fetchall()}
    assert {"Caritas Teststadt ([Telefon entfernt])", "Wohnungsgenossenschaft Nord",
            "Tafel, Lager [Adresse entfernt]", "Praxis [Name entfernt]"} <= orgs
    assert ("AG Nord (Leitung: [Name entfernt], [Telefon entfernt])", "Wohnen, Treffpunkt [Adresse entfernt]") in gruppen
    assert ("AG Süd", "Teilhabe (Kontakt [E-Mail entfernt], [Telefon entfernt])") in gruppen
    assert BLEIBT in beschreibungen
    assert veranstaltung == [("Konferenz Nord – Einladung durch [Name entfernt], [Telefon entfernt]",
                              "Gemeindehaus, [Adresse entfernt], Anmeldung [Telefon entfernt]",
                              "Präsenz (Rückfragen: [E-Mail entfernt], [Name entfernt])")]  # ganze Zelle
    assert not spalten & {"ansprechperson", "kontakt", "telefon", "adresse", "ansprechpartner", "name", "e_mail"}
