"""Speicher nach großen Schritten an das Betriebssystem zurückgeben (Issue 17).

Nach dem Zeichnen vieler Grafiken oder dem Setzen vieler Profile liegen in den Speicherbereichen von glibc viele
freie, aber verstreute Stücke; der Prozess behält sie, und der nächste Schritt setzt auf diesem Stand auf, so dass
sich die Spitzen der Schritte addieren. `freigeben` räumt Referenzzyklen auf (`gc.collect`) und gibt freie Seiten
mit `malloc_trim(0)` zurück. Ohne glibc (z. B. macOS, musl) tut es nur das Erste.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc


@functools.cache
def _malloc_trim():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):
        return None


def freigeben() -> None:
    """Zyklen aufräumen und freien Speicher des Prozesses an das Betriebssystem zurückgeben."""
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
