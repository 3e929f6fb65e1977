"""Metadaten für die Oberfläche: Tabellen als echte Tabellenwerte (`MetadataValue.table`), jede Zelle für Menschen
formatiert (`sozial_dwh.anzeige`: 31.12.2023, „–“ statt `NaT`/`<NA>`/`None`).

Eine Markdown-Tabelle schneidet die Oberfläche bei breiten Inhalten ab (rechts fehlen dann Spalten, etwa der Status);
ein Tabellenwert hat Spaltenköpfe und lässt sich seitlich verschieben.
"""


from collections.abc import Iterable, Sequence

import dagster as dg

from sozial_dwh import anzeige
from sozial_dwh.eingangsbefunde import Eingangsbefunde


def tabelle(spalten: Sequence[str], zeilen: Iterable[Sequence[object]]) -> dg.TableMetadataValue:
    """Tabelle mit den Spaltenköpfen `spalten`; jede Zelle als Text für Menschen."""
    schema = dg.TableSchema(columns=[dg.TableColumn(name, "string") for name in spalten])
    records = [dg.TableRecord({name: anzeige.wert(value) for name, value in zip(spalten, zeile, strict=True)})
               for zeile in zeilen]
    return dg.MetadataValue.table(records=records, schema=schema)


BEFUND_SPALTEN = ["Datei", "Ergebnis", "Grund", "Blatt", "Zeile", "Spalte", "Was zu tun ist"]


def befund_tabelle(befunde: Eingangsbefunde) -> dg.TableMetadataValue:
    """Die Befunde des Eingangs: eine Zeile je Ablehnung, zurückgehaltener Zeile und Hinweis."""
    zeilen: list[list[object]] = [
        [b.datei, b.ergebnis, b.grund + (f" (Wert: „{b.wert}“)" if b.wert not in (None, "") else ""),
         b.blatt, b.zeile, b.spalte, b.zu_tun]
        for b in befunde.befunde
    ]
    if befunde.weitere_quarantaene:
        zeilen.append(["…", "Zeile in Quarantäne", f"und {befunde.weitere_quarantaene} weitere Zeilen (alle in "
                       "quarantine.zeilen)", None, None, None, "wie oben"])
    return tabelle(BEFUND_SPALTEN, zeilen)
