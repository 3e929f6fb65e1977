"""Das Datenwörterbuch: deutsche Kommentare an jeder Tabelle und Spalte, auf die Analysten verwiesen werden
(Schemas `core`, `mart`, `ops`, `quarantine`, `bericht`; architektur.md §4, §7). Sie lesen es mit `duckdb_columns()`.

Ein Kommentar kommt aus der ersten Stelle, die ihn hat:

- Spalten: 1. das Modell selbst (`comment on` in sql/mart/*.sql), 2. sql/kommentare/tabellenspalten.sql (ein Name
  bedeutet in einer Tabelle etwas Besonderes), 3. sql/kommentare/spalten.sql (ein Eintrag je Spaltenname, gilt in
  jeder Tabelle – neue Tabellen mit bekannten Namen sind so ohne weitere Einträge beschrieben);
- Tabellen: 1. eigener Kommentar (Mart-Modelle, Berichtstabellen), 2. sql/kommentare/tabellen.sql (Tabellen ohne
  Modelldatei), 3. der Kopfkommentar der Modelldatei (derselbe Text wie die Beschreibung des Assets).

Angewandt auf die Analysekopie, wenn sie geschrieben wird (`sozial_dwh.warehouse.write_analysis_copy`): nach jedem
Lauf passt das Wörterbuch so zu den Tabellen, die es gerade gibt.
"""

from __future__ import annotations

import duckdb

from sozial_dwh.config import SQL_DIR
from sozial_dwh.models import discover

KOMMENTARE_DIR = SQL_DIR / "kommentare"
SCHEMAS = ("core", "mart", "ops", "quarantine", "bericht")


def _eintraege(con: duckdb.DuckDBPyConnection, name: str) -> list[tuple]:
    return con.execute((KOMMENTARE_DIR / f"{name}.sql").read_text(encoding="utf-8")).fetchall()


def woerterbuch(con: duckdb.DuckDBPyConnection) -> tuple[dict, dict, dict]:
    """Die drei Einträge-Listen: {spalte: text}, {(schema, tabelle, spalte): text}, {(schema, tabelle): text}."""
    spalten = dict(_eintraege(con, "spalten"))
    ausnahmen = {(s, t, c): text for s, t, c, text in _eintraege(con, "tabellenspalten")}
    tabellen = {m.key: m.description for m in discover() if m.description}
    tabellen |= {(s, t): text for s, t, text in _eintraege(con, "tabellen")}
    return spalten, ausnahmen, tabellen


def _name(*teile: str) -> str:
    return ".".join('"' + teil.replace('"', '""') + '"' for teil in teile)


def _text(text: str) -> str:
    # COMMENT ON nimmt keine gebundenen Werte; die Texte stammen aus sql/kommentare/ und den Modelldateien.
    return "'" + text.replace("'", "''") + "'"


def kommentieren(con: duckdb.DuckDBPyConnection, datenbank: str) -> list[str]:
    """Setzt in der angehängten Datenbank `datenbank` jeden fehlenden Tabellen- und Spaltenkommentar der Schemas
    `SCHEMAS` aus dem Wörterbuch (in einer Transaktion). Gibt zurück, was danach noch ohne Kommentar ist
    („schema.tabelle“ bzw. „schema.tabelle.spalte“)."""
    spalten, ausnahmen, tabellen = woerterbuch(con)
    tabellen_db = con.execute(
        "select schema_name, table_name, comment from duckdb_tables() "
        "where database_name = ? and schema_name in (select unnest(?)) order by all",
        [datenbank, list(SCHEMAS)]).fetchall()
    spalten_db = con.execute(
        "select c.schema_name, c.table_name, c.column_name, c.comment from duckdb_columns() as c "
        "inner join duckdb_tables() as t using (database_name, schema_name, table_name) "
        "where c.database_name = ? and c.schema_name in (select unnest(?)) order by c.schema_name, c.table_name, "
        "c.column_index", [datenbank, list(SCHEMAS)]).fetchall()
    befehle, fehlen = [], []
    for schema, tabelle, vorhanden in tabellen_db:
        text = vorhanden or tabellen.get((schema, tabelle))
        if not vorhanden and text:
            befehle.append(f"comment on table {_name(datenbank, schema, tabelle)} is {_text(text)}")
        if not text:
            fehlen.append(f"{schema}.{tabelle}")
    for schema, tabelle, spalte, vorhanden in spalten_db:
        text = vorhanden or ausnahmen.get((schema, tabelle, spalte)) or spalten.get(spalte)
        if not vorhanden and text:
            befehle.append(f"comment on column {_name(datenbank, schema, tabelle, spalte)} is {_text(text)}")
        if not text:
            fehlen.append(f"{schema}.{tabelle}.{spalte}")
    con.execute("begin transaction")
    try:
        for befehl in befehle:
            con.execute(befehl)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return fehlen
