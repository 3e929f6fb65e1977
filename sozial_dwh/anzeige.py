"""Werte so, wie Menschen sie lesen: für Metadaten der Oberfläche, Vorschauen und Befundtabellen.

Ein Datum steht als `31.12.2023` (mit Uhrzeit `31.12.2023 14:05`), ein fehlender Wert als „–“ (nie `None`, `NaN`,
`NaT` oder `<NA>`), eine Kommazahl mit Dezimalkomma und höchstens vier Nachkommastellen, ein Wahrheitswert als
„ja“/„nein“, eine Liste als Aufzählung. Ganze Zahlen bleiben ohne Tausenderpunkt: Jahreszahlen, Schlüssel und
Zeilennummern sähen sonst wie Kommazahlen aus (`2.023`).
"""

from __future__ import annotations

import datetime as dt
import decimal
import math

FEHLT = "–"


def _fehlt(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    # pandas.NA, pandas.NaT und numpy-Werte ohne pandas zu importieren: NaT/NA vergleichen nie gleich mit sich selbst
    name = type(value).__name__
    if name in ("NAType", "NaTType"):
        return True
    if name.startswith("float") and hasattr(value, "item"):
        return math.isnan(float(value))
    return False


def datum(value: dt.date | dt.datetime | None) -> str:
    """`31.12.2023`; mit Uhrzeit (nicht Mitternacht) `31.12.2023 14:05`; fehlt es, „–“."""
    if _fehlt(value):
        return FEHLT
    if isinstance(value, dt.datetime):
        if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
            return f"{value:%d.%m.%Y}"
        return f"{value:%d.%m.%Y %H:%M}"
    return f"{value:%d.%m.%Y}"


def zahl(value: float, stellen: int = 4) -> str:
    """Kommazahl mit Dezimalkomma, höchstens `stellen` Nachkommastellen, ohne Nullen am Ende: 0,1235; 12; -3,5."""
    text = f"{value:.{stellen}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text.replace(".", ",")


def wert(value: object) -> str:
    """Ein beliebiger Wert aus DuckDB, pandas oder Python als Text für Menschen."""
    if _fehlt(value):
        return FEHLT
    if isinstance(value, str):
        return value if value.strip() else FEHLT
    if isinstance(value, (list, tuple, set, frozenset)) or type(value).__name__ == "ndarray":
        teile = [wert(v) for v in (sorted(value, key=str) if isinstance(value, (set, frozenset)) else value)]
        return ", ".join(teile) if teile else FEHLT
    if hasattr(value, "to_pydatetime"):  # pandas.Timestamp
        value = value.to_pydatetime()
    elif hasattr(value, "item"):  # numpy-Skalare
        value = value.item()
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, (dt.date, dt.datetime)):
        return datum(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (float, decimal.Decimal)):
        return zahl(float(value))
    if isinstance(value, dict):
        return ", ".join(f"{k}: {wert(v)}" for k, v in value.items()) or FEHLT
    return str(value)
