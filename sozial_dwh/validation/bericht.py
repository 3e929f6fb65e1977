"""Lesbarer Prüfbericht je Lauf als eine HTML-Seite unter `$SOZIAL_DWH_HOME/pruefberichte/`.

Oben stehen die Zahlen des Laufs (abgelehnte Dateien, Quarantäne, Summenabweichungen, Prüfungen) mit denselben
Sätzen wie in der Zusammenfassung von `sozial-dwh run` (`sozial_dwh.zusammenfassung`), darunter jede Prüfung aus
`ops.pruefungen`. Die Seite wird nach dem Lesen des Eingangs und nach jeder geprüften Tabelle neu geschrieben (klein
und schnell),
so ist sie auch dann vollständig, wenn ein blockierender Fehler den Rest des Laufs anhält.
"""

from __future__ import annotations

import html
import json
import os
import re
import tempfile
from pathlib import Path

import duckdb

from sozial_dwh.config import Paths
from sozial_dwh.zusammenfassung import lauf_einzelheiten, lauf_zahlen, lauf_zeilen

AKTUELL = "pruefbericht_aktuell.html"

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
.ok { color: #1b7a1b; } .warnung { color: #a86500; } .fehler { color: #b00020; font-weight: bold; }
small { color: #666; }
"""


def bericht_ordner(paths: Paths) -> Path:
    return paths.home / "pruefberichte"


def schreibe_bericht(con: duckdb.DuckDBPyConnection, paths: Paths, lauf_id: str) -> Path:
    """Schreibt den Bericht des Laufs (und `pruefbericht_aktuell.html`) atomar; gibt den Pfad zurück."""
    rows = con.execute(
        "select tabelle, pruefung, beschreibung, erwartung, schwere, blockierend, erfolgreich, zeilen, fehlzeilen, "
        "quarantaene, beobachtet, beispiele, geprueft_am from ops.pruefungen where lauf_id = ? "
        "order by tabelle, erfolgreich, pruefung", [lauf_id]
    ).fetchall()
    folder = bericht_ordner(paths)
    folder.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", lauf_id) or "ohne_lauf"
    target = folder / f"pruefbericht_{safe}.html"
    text = _render(rows, lauf_id, lauf_zahlen(con, lauf_id))
    for path in (target, folder / AKTUELL):
        handle, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    return target


def _render(rows: list[tuple], lauf_id: str, zahlen: dict) -> str:
    # Dieselben Sätze und Zahlen wie die Zusammenfassung von `sozial-dwh run` (sozial_dwh.zusammenfassung)
    auffaellig = {"Dateien": zahlen["dateien"]["abgelehnt"], "Quarantäne": zahlen["quarantaene"],
                  "Summenabweichungen": zahlen["summenabweichungen"] + zahlen["weitere_warnungen"],
                  "Prüfungen": zahlen["pruefungen"]["fehler"] + zahlen["pruefungen"]["warnungen"]}
    saetze = "".join(
        f"<li class='{'warnung' if auffaellig.get(satz.split(':')[0]) else 'ok'}'>{html.escape(satz)}</li>"
        for satz in lauf_zeilen(zahlen))
    einzelheiten = "".join(
        f"<li>{html.escape(zeile.strip())}</li>" if zeile.startswith("  ") else
        f"{'</ul>' if i else ''}<h3>{html.escape(zeile.rstrip(':'))}</h3><ul>"
        for i, zeile in enumerate(lauf_einzelheiten(zahlen, grenze=200)))
    parts = [
        "<!doctype html><html lang='de'><head><meta charset='utf-8'><title>Prüfbericht</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>Prüfbericht</h1><p>Lauf <code>{html.escape(lauf_id)}</code></p>",
        f"<h2>Dieser Lauf</h2><ul>{saetze}</ul>",
        einzelheiten + ("</ul>" if einzelheiten else ""),
        "<p><small>Abgelehnte Dateien liegen mit einem Fehlerbericht <code>.fehler.txt</code> in "
        "<code>rejected/</code>. Fehler in blockierenden Prüfungen halten nachgelagerte Tabellen an; zeilenweise "
        "Fehler verschieben die Zeilen in <code>quarantine.zeilen</code>, der Rest wird weiterverarbeitet. "
        "Summenabweichungen stehen auch in <code>ops.dateien.meldungen</code>.</small></p>",
        "<h2>Prüfungen je Tabelle</h2>" if rows else "<p>In diesem Lauf lief noch keine Prüfung.</p>",
    ]
    for tabelle in dict.fromkeys(r[0] for r in rows):
        parts.append(f"<h3>{html.escape(tabelle)}</h3><table><tr><th>Ergebnis</th><th>Prüfung</th><th>Regel</th>"
                     "<th>Schwere</th><th>beobachtet</th><th>Beispiele (Datei, Blatt, Zeile)</th></tr>")
        for (_, pruefung, beschreibung, erwartung, schwere, blockierend, erfolgreich, _zeilen, _fehl, quarantaene,
             beobachtet, beispiele, _) in (r for r in rows if r[0] == tabelle):
            klasse = "ok" if erfolgreich else schwere
            status = "bestanden" if erfolgreich else ("Fehler" if schwere == "fehler" else "Warnung")
            art = "blockierend" if blockierend else ("zeilenweise, Quarantäne" if schwere == "fehler" else "Warnung")
            liste = "".join(
                f"<li>{html.escape(str(b.get('datei')))}, Blatt {html.escape(str(b.get('blatt')))}, "
                f"Zeile {html.escape(str(b.get('zeile')))}: "
                + html.escape(", ".join(f"{k}={v}" for k, v in b.items() if k not in {"datei", "datei_id", "blatt", "zeile"}))
                + "</li>"
                for b in json.loads(beispiele or "[]")
            )
            parts.append(
                f"<tr><td class='{klasse}'>{status}</td><td><code>{html.escape(pruefung)}</code><br>"
                f"<small>{html.escape(erwartung or '')}</small></td><td>{html.escape(beschreibung or '')}</td>"
                f"<td>{art}</td><td>{html.escape(beobachtet or '')}"
                + (f"<br><small>{quarantaene} Zeilen in Quarantäne</small>" if quarantaene else "")
                + f"</td><td><ul>{liste}</ul></td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)
