"""Kindertagesbetreuung (`kita`): eine Zeile je Einrichtung (architektur.md §5.2).

Spalten `Einrichtung`, `Träger`, `Gebiet`, `Plätze U3`, `Plätze Ü3`, optional `Adresse`. Eine leere
Platzzahl heißt „keine Gruppe dieser Altersstufe“ und wird 0 (mit Hinweis); DIN-Zeichen wie `.` bleiben
NULL mit Kennzeichen. Fehlt eine der beiden Platzspalten ganz, sind diese Plätze unbekannt (NULL mit Kennzeichen
`nicht_geliefert`), nie 0. Dieselbe Einrichtung zweimal (gleicher Name und gleiche Adresse bzw. gleiches
Gebiet) geht in Quarantäne; eine Summenzeile wird gegen die Summe der Einrichtungen geprüft.
"""

from __future__ import annotations

from sozial_dwh.parsing import CellError, code_text, is_blank, is_total_label, norm, parse_count
from sozial_dwh.readers.table import Layout
from sozial_dwh.readers.workbook import Sheet, column_letter
from sozial_dwh.sources.base import ReadContext, ReadResult
from sozial_dwh.sources.cube import CubeBuilder, LayoutReader, de_int

PLAETZE = {"plaetze_u3": "U3", "plaetze_ue3": "Ü3"}
KENNZEICHEN = {"plaetze_u3": "kennzeichen_u3", "plaetze_ue3": "kennzeichen_ue3"}
LAYOUTS = [
    Layout("einrichtungen", ["einrichtung", "traeger", "gebiet", "plaetze_u3", "plaetze_ue3", "adresse", "stichtag"],
           [["einrichtung"], ["gebiet"], ["plaetze_u3", "plaetze_ue3"]]),
]
TABLE = "raw.kita"
NICHT_GELIEFERT = "nicht_geliefert"  # Spalte fehlt in der Lieferung: Plätze unbekannt


class KitaReader(LayoutReader):
    quelle = "kita"
    raw_tables = (TABLE,)
    layouts = LAYOUTS
    titel = "Kindertagesbetreuung"

    def read(self, sheets: list[Sheet], ctx: ReadContext) -> ReadResult:
        _, table = self.find(sheets, ctx.blatt)
        # Der Würfelsammler liefert Stichtag, Gebietszuordnung und Quarantäne; Zeilen sind hier Einrichtungen.
        builder = CubeBuilder(TABLE, table.sheet.name, ctx, ())
        rows = builder.result.tables[TABLE]
        letter = {name: column_letter(col) for name, col in table.columns.items()}
        seen: dict[tuple, int] = {}
        totals: list[tuple[int, dict[str, float | None]]] = []
        blank_places = 0
        for zeile, row in table.data_rows():
            name_value = table.value(row, "einrichtung")
            if is_total_label(name_value) or is_total_label(table.value(row, "gebiet")):
                totals.append((zeile, {col: _count_or_none(table.value(row, col)) for col in PLAETZE}))
                continue
            stichtag = builder.stichtag(table.value(row, "stichtag"), zeile, letter.get("stichtag"))
            if stichtag is None:
                continue
            gebiet_id = builder.gebiet(table.value(row, "gebiet"), zeile, letter["gebiet"], stichtag)
            if gebiet_id is None:
                continue
            name = code_text(name_value)
            if not name:
                builder.quarantine(zeile, letter["einrichtung"], "Name der Einrichtung fehlt")
                continue
            adresse = code_text(table.value(row, "adresse")) or None
            record = {"blatt": table.sheet.name, "zeile": zeile, "stichtag": stichtag, "gebiet_id": gebiet_id,
                      "einrichtung": name, "traeger": code_text(table.value(row, "traeger")) or None,
                      "adresse": adresse}
            bad = False
            for col, label in PLAETZE.items():
                if col not in table.columns:  # nicht geliefert heißt unbekannt, nicht 0 (architektur.md §5.1)
                    record[col], record[KENNZEICHEN[col]] = None, NICHT_GELIEFERT
                    continue
                value = table.value(row, col)
                if is_blank(value):
                    record[col], record[KENNZEICHEN[col]] = 0, "leer"
                    blank_places += 1
                    continue
                try:
                    number = parse_count(value)
                except CellError as exc:
                    builder.quarantine(zeile, letter[col], f"Plätze {label}: {exc}", value)
                    bad = True
                    break
                record[col] = None if number.value is None else int(number.value)
                record[KENNZEICHEN[col]] = number.kennzeichen
            if bad:
                continue
            key = (stichtag, norm(name), norm(adresse) if adresse else gebiet_id)
            if key in seen:
                builder.quarantine(zeile, letter["einrichtung"],
                                   f"Einrichtung „{name}“ steht doppelt in der Datei (schon in Zeile {seen[key]}); "
                                   "die erste gilt", name)
                continue
            seen[key] = zeile
            builder.result.stichtage.add(stichtag)
            gemeinde = ctx.matcher.gemeinde_of(gebiet_id)
            if gemeinde:
                builder.result.gemeinden.add(gemeinde)
            rows.append(record)
        result = builder.finish()
        fehlend = [f"„Plätze {label}“" for col, label in PLAETZE.items() if col not in table.columns]
        if fehlend:
            result.meldungen.append(
                f"Hinweis: Spalte {' und '.join(fehlend)} fehlt; diese Plätze gelten als unbekannt (nicht 0), die "
                "Versorgungsquote dazu bleibt leer. Bitte die Spalte nachliefern, wenn es die Zahlen gibt."
            )
        if blank_places:
            result.meldungen.append(
                f"Hinweis: {blank_places} leere Platzzahl(en) als 0 gelesen (Einrichtung ohne Gruppe dieser Altersstufe)."
            )
        for zeile, values in totals:
            for col, value in values.items():
                parts = [r[col] for r in rows]
                if value is None or any(p is None for p in parts) or value == sum(parts):
                    continue
                result.meldungen.append(
                    f"Warnung: Summenzeile {zeile} nennt {de_int(value)} Plätze {PLAETZE[col]}, die Einrichtungen "
                    f"ergeben {de_int(sum(parts))}. Die Einrichtungen werden geladen; bitte die Quelle prüfen."
                )
        result.meldungen.insert(0, f"Blatt „{table.sheet.name}“, Kopfzeile {table.header_row}: "
                                   f"{len(rows)} Einrichtungen gelesen.")
        return result


def _count_or_none(value: object) -> float | None:
    try:
        return parse_count(value).value if not is_blank(value) else 0
    except CellError:
        return None
