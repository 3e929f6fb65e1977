"""`sozial-dwh sql`: eine kleine SQL-Shell auf der Analysekopie, mit der DuckDB des Projekts (architektur.md §4).

Eine DuckDB-CLI in der Version des Projekts gibt es auf PyPI nicht (`duckdb-cli` endet bei 1.5.x); die Shell nutzt
deshalb das Python-Paket `duckdb`, das das Projekt ohnehin installiert. Die Datei wird nur lesend geöffnet: eine
offene Shell hält keinen Lauf auf und sieht bis zum nächsten Öffnen den Stand, mit dem sie begann.

Eingabe wie in der DuckDB-Shell: SQL-Anweisungen, die mit `;` enden (auch über mehrere Zeilen), dazu `.tables`,
`.help` und `.quit`. Ergebnisse als Tabellen. Liest die Shell nicht von einem Terminal (Skript über stdin) oder
bekommt sie `-c`, endet sie mit 1, sobald eine Anweisung scheitert, sonst mit 0.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

import duckdb

HILFE = """\
SQL-Anweisungen mit ; abschließen (sie dürfen über mehrere Zeilen gehen). Die Datei ist schreibgeschützt.
  .tables   Tabellen der Schemas core, mart, ops, quarantine und bericht mit Beschreibung
  .help     diese Hilfe
  .quit     beenden (auch .exit oder Strg+D)
Datenwörterbuch: select table_name, column_name, comment from duckdb_columns() where schema_name = 'mart';"""

TABELLEN_SQL = ("select schema_name as schema, table_name as tabelle, comment as beschreibung from duckdb_tables() "
                "where schema_name in ('core', 'mart', 'ops', 'quarantine', 'bericht') order by all")


class _Shell:
    def __init__(self, con: duckdb.DuckDBPyConnection, out: TextIO, err: TextIO) -> None:
        self.con, self.out, self.err = con, out, err
        self.fehler = 0

    def ausfuehren(self, sql: str) -> None:
        """Führt alle Anweisungen eines Textes aus und zeigt ihre Ergebnisse; Fehler werden gemeldet und gezählt."""
        try:
            anweisungen = self.con.extract_statements(sql)
        except duckdb.Error as exc:
            self._fehler(exc)
            return
        for anweisung in anweisungen:
            try:
                ergebnis = self.con.sql(anweisung.query)
                if ergebnis is not None:  # eine Abfrage: als Tabelle zeigen (wie die DuckDB-Shell)
                    print(ergebnis, file=self.out)
            except duckdb.Error as exc:
                self._fehler(exc)
                return

    def punktbefehl(self, zeile: str) -> bool:
        """Führt `.tables`, `.help` aus; False bei `.quit`/`.exit`."""
        befehl = zeile.split()[0].lower()
        if befehl in (".quit", ".exit", ".q"):
            return False
        if befehl == ".tables":
            self.ausfuehren(TABELLEN_SQL + ";")
        elif befehl == ".help":
            print(HILFE, file=self.out)
        else:
            self.fehler += 1
            print(f"Unbekannter Befehl {befehl}; .help zeigt die Befehle.", file=self.err)
        return True

    def _fehler(self, exc: duckdb.Error) -> None:
        self.fehler += 1
        print(f"Fehler: {exc}", file=self.err)
        if "read-only" in str(exc):
            print("Die Analysekopie ist schreibgeschützt. Zwischenergebnisse gehen in temporäre Tabellen: "
                  "create temp table … as select …;", file=self.err)


def _vollstaendig(puffer: str) -> bool:
    """Endet der Puffer mit einem `;` außerhalb von Zeichenketten und Kommentaren?"""
    text = puffer.rstrip()
    if not text.endswith(";"):
        return False
    in_text, in_name, i = False, False, 0
    while i < len(text):
        zeichen = text[i]
        if in_text:
            in_text = zeichen != "'"
        elif in_name:
            in_name = zeichen != '"'
        elif zeichen == "'":
            in_text = True
        elif zeichen == '"':
            in_name = True
        elif text.startswith("--", i):
            ende = text.find("\n", i)
            if ende < 0:
                return False
            i = ende
        i += 1
    return not in_text and not in_name


def run_shell(datei: Path, befehl: str | None = None, stdin: TextIO | None = None, out: TextIO | None = None,
              err: TextIO | None = None) -> int:
    """Öffnet `datei` schreibgeschützt und führt `befehl` aus oder liest Anweisungen von `stdin`. Exit-Code: 0, oder
    1 wenn die Datei fehlt bzw. (ohne Terminal) eine Anweisung scheiterte."""
    stdin, out, err = stdin or sys.stdin, out or sys.stdout, err or sys.stderr
    if not datei.is_file():
        print(f"Die Analysekopie {datei} gibt es noch nicht. Sie entsteht mit dem ersten erfolgreichen Lauf "
              "(sozial-dwh run).", file=err)
        return 1
    try:
        con = duckdb.connect(str(datei), read_only=True)
    except duckdb.Error as exc:
        print(f"Die Analysekopie {datei} lässt sich nicht öffnen: {exc}", file=err)
        return 1
    with con:
        shell = _Shell(con, out, err)
        if befehl is not None:
            shell.ausfuehren(befehl)
            return 1 if shell.fehler else 0
        interaktiv = stdin.isatty()
        if interaktiv:
            _zeilenbearbeitung()
            print(f"DuckDB {duckdb.__version__} auf {datei} (schreibgeschützt). .help zeigt die Befehle, .quit "
                  "beendet.", file=out)
        _schleife(shell, stdin, interaktiv)
        return 1 if shell.fehler and not interaktiv else 0


def _schleife(shell: _Shell, stdin: TextIO, interaktiv: bool) -> None:
    puffer = ""
    while True:
        try:
            zeile = _lesen(stdin, interaktiv, "D " if not puffer else "· ")
        except KeyboardInterrupt:  # Strg+C verwirft die angefangene Anweisung, wie in der DuckDB-Shell
            print(file=shell.out)
            puffer = ""
            continue
        if zeile is None:  # Ende der Eingabe
            if puffer.strip():
                shell.ausfuehren(puffer)
            return
        if not puffer and zeile.strip().startswith("."):
            if not shell.punktbefehl(zeile.strip()):
                return
            continue
        puffer += zeile + "\n"
        if _vollstaendig(puffer):
            try:
                shell.ausfuehren(puffer)
            except KeyboardInterrupt:
                print("Abgebrochen.", file=shell.err)
            puffer = ""


def _lesen(stdin: TextIO, interaktiv: bool, prompt: str) -> str | None:
    if interaktiv:
        try:
            return input(prompt)
        except EOFError:
            return None
    zeile = stdin.readline()
    return zeile.rstrip("\n") if zeile else None


def _zeilenbearbeitung() -> None:
    """Pfeiltasten und Verlauf im Terminal, wo `readline` verfügbar ist (nicht unter Windows)."""
    try:
        import readline  # noqa: F401
    except ImportError:
        pass
