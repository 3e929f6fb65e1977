"""Viele Zeilen in einer Anweisung in eine DuckDB-Tabelle einfügen (ohne Abhängigkeit von Warehouse oder Eingang)."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb


def zeilen_einfuegen(con: duckdb.DuckDBPyConnection, tabelle: str, spalten: Sequence[str],
                     zeilen: Sequence[Sequence[object]]) -> None:
    """Viele Zeilen in einer Anweisung einfügen: je Spalte eine gebundene Liste, zeilenweise zusammengeführt mit
    `unnest`. `executemany` führt die Anweisung je Zeile einmal aus – gemessen 2,8 ms je Zeile (57 Prüfergebnisse
    eines Laufs des Beispiels in 0,16 s). Tabellen- und Spaltennamen stehen im Code, nie in Eingaben."""
    if not zeilen:
        return
    werte = [list(spalte) for spalte in zip(*zeilen, strict=True)]
    con.execute(f"insert into {tabelle} ({', '.join(spalten)}) select {', '.join(['unnest(?)'] * len(spalten))}",
                werte)
