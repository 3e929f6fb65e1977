"""Was der Eingang in einem Lauf nicht (ganz) geladen hat – für Menschen: Datei, Grund, Fundstelle, was zu tun ist.

Die Zeilen kommen allein aus dem Warehouse, aus denselben Tabellen wie jede andere Zusammenfassung: `ops.dateien`
(Status und `meldungen` jeder Datei des Laufs) und `quarantine.zeilen` (die Zeilen, die der Leser zurückgehalten
hat). Gezählt wird hier nicht: die Zahlen eines Laufs kommen für Konsole, Prüfbericht und Oberfläche aus
`sozial_dwh.zusammenfassung.lauf_zahlen`. „Was zu tun ist“ einer abgelehnten Datei steht im Fehlerbericht `<ablage>.fehler.txt` neben
ihr; fehlt er, gilt der allgemeine Rat. Zeilen, die erst die Prüfregeln der Staging-Tabellen zurückhalten (Spalte
`pruefung`), zählen hier nicht: die melden die Checks dieser Tabellen.

Ein Lauf sind die Dateien mit seiner Kennung in `ops.dateien.lauf_id` (wie in `lauf_zahlen`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from sozial_dwh.ingest import REPORT_SUFFIX, quarantaene_meldungen

ABGELEHNT = "abgelehnt"
QUARANTAENE = "Zeile in Quarantäne"
WARNUNG = "geladen, mit Warnung"  # z. B. eine Summenzeile, die nicht zu den Gebieten passt
HINWEIS = "geladen, mit Hinweis"  # z. B. eine Spalte, die nicht geladen wird

ZU_TUN_ABGELEHNT = ("Datei korrigieren (oder die Vorlage aus `sozial-dwh templates` nehmen), mit `sozial-dwh check "
                    "DATEI` prüfen und erneut in den Eingang legen.")
ZU_TUN_QUARANTAENE = ("Den Wert in der Datei korrigieren und die ganze Datei erneut in den Eingang legen: sie ersetzt "
                      "die bisherige Lieferung. Bis dahin fehlt diese Zeile im Warehouse, der Rest ist geladen.")
ZU_TUN_WARNUNG = ("Die Quelle prüfen: die Werte sind geladen, wie geliefert. Ist die Datei falsch, die korrigierte "
                  "Datei in den Eingang legen (sie ersetzt die bisherige Lieferung).")
ZU_TUN_HINWEIS = "Nichts zwingend; die Datei ist geladen. Ist etwas falsch, die korrigierte Datei in den Eingang legen."

_BLATT = re.compile(r"Blatt „([^“]+)“")
_ZEILE = re.compile(r"\b(?:Kopfzeile|Summenzeile|Zeile) (\d+)")
_SPALTE = re.compile(r"\bSpalte ([A-Z]{1,3})\b")


@dataclass(frozen=True)
class Befund:
    """Eine Zeile der Befundtabelle."""

    datei: str
    ergebnis: str  # ABGELEHNT, QUARANTAENE, WARNUNG oder HINWEIS
    grund: str
    blatt: str | None
    zeile: int | None
    spalte: str | None
    zu_tun: str
    wert: str | None = None


@dataclass
class Eingangsbefunde:
    """Die Befunde des Eingangs in einem Lauf (die Zahlen dazu: `sozial_dwh.zusammenfassung.lauf_zahlen`)."""

    befunde: list[Befund] = field(default_factory=list)  # Ablehnungen, Warnungen, Hinweise; Quarantäne bis `grenze`
    weitere_quarantaene: int = 0  # Quarantänezeilen, die `befunde` nicht mehr aufführt


def fundstelle(text: str) -> tuple[str | None, int | None, str | None]:
    """Blatt, Zeile und Spalte, wie eine Meldung sie nennt („Blatt „Daten“, Kopfzeile 1“, „Summenzeile 6“, „Zeile 5, Spalte C“)."""
    blatt, zeile, spalte = _BLATT.search(text), _ZEILE.search(text), _SPALTE.search(text)
    return (blatt.group(1) if blatt else None, int(zeile.group(1)) if zeile else None,
            spalte.group(1) if spalte else None)


def zu_tun_aus_bericht(ablage: str | None) -> str | None:
    """Der Abschnitt „Was ist zu tun:“ aus dem Fehlerbericht neben der abgelegten Datei, in einer Zeile."""
    if not ablage:
        return None
    try:
        text = Path(ablage + REPORT_SUFFIX).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    _, gefunden, rest = text.partition("Was ist zu tun:")
    if not gefunden:
        return None
    zeilen = []
    for zeile in rest.splitlines():
        if not zeile.strip():
            if zeilen:
                break
            continue
        zeilen.append(zeile.strip())
    return " ".join(zeilen) or None


def eingangsbefunde(con: duckdb.DuckDBPyConnection, lauf_id: str, grenze: int = 50) -> Eingangsbefunde:
    """Befunde der Dateien des Laufs `lauf_id` (siehe Moduldokumentation).

    Jede Ablehnung und jeder Hinweis ist eine Zeile; von den Quarantänezeilen höchstens `grenze` (der Rest steht
    als Zahl in `weitere_quarantaene`, alle in `quarantine.zeilen`)."""
    ergebnis = Eingangsbefunde()
    dateien = con.execute(
        "select datei_id, dateiname, status, coalesce(meldungen, ''), ablage from ops.dateien "
        "where lauf_id = ? and status in ('geladen', 'ersetzt', 'abgelehnt') order by datei_id", [lauf_id]).fetchall()
    quarantaene: list[Befund] = []
    alle_quarantaene = 0
    for datei_id, name, status, meldungen, ablage in dateien:
        zeilen = [m.strip() for m in meldungen.splitlines() if m.strip()]
        if status == "abgelehnt":
            zu_tun = zu_tun_aus_bericht(ablage) or ZU_TUN_ABGELEHNT
            for text in zeilen or ["abgelehnt (ohne Meldung)"]:
                ergebnis.befunde.append(Befund(name, ABGELEHNT, text, *fundstelle(text), zu_tun))
            continue
        anzahl, = con.execute("select count(*) from quarantine.zeilen where datei_id = ? and pruefung is null",
                              [datei_id]).fetchone()
        alle_quarantaene += anzahl
        # Die Meldungen des Lesers: „Warnung: …“ (mit „… und N weitere …“ danach), „Hinweis: …“; die übrigen sagen
        # nur, was gelesen wurde. Die Fundstellen der Quarantäne am Ende stehen unten aus quarantine.zeilen.
        art = None
        for text in zeilen[:len(zeilen) - quarantaene_meldungen(anzahl)] if anzahl else zeilen:
            if text.startswith("Warnung"):
                art = WARNUNG
            elif text.startswith("Hinweis"):
                art = HINWEIS
            elif not (text.startswith("…") and art == WARNUNG):
                art = None
                continue
            ergebnis.befunde.append(Befund(name, art, text, *fundstelle(text),
                                           ZU_TUN_WARNUNG if art == WARNUNG else ZU_TUN_HINWEIS))
        platz = grenze - len(quarantaene)
        if anzahl and platz > 0:
            for blatt, zeile, spalte, grund, wert in con.execute(
                    "select blatt, zeile, spalte, grund, wert from quarantine.zeilen where datei_id = ? "
                    "and pruefung is null order by zeile, spalte, grund limit ?", [datei_id, platz]).fetchall():
                quarantaene.append(Befund(name, QUARANTAENE, grund, blatt, zeile, spalte, ZU_TUN_QUARANTAENE,
                                          wert))
    ergebnis.befunde += quarantaene
    ergebnis.weitere_quarantaene = alle_quarantaene - len(quarantaene)
    # Reihenfolge: erst Ablehnungen, dann Quarantäne, Warnungen, Hinweise – das Dringendste oben
    rang = {ABGELEHNT: 0, QUARANTAENE: 1, WARNUNG: 2, HINWEIS: 3}
    ergebnis.befunde.sort(key=lambda b: rang[b.ergebnis])
    return ergebnis
