"""Kind-Seite des Prüfprozesses (`python -m sozial_dwh.validation.pruefprozess_kind`): lädt Great Expectations und
prüft, was der Lauf schickt, bis dessen Ende (sozial_dwh.validation.pruefprozess)."""

from __future__ import annotations

import gc
import os
import pickle
import signal
import sys

from sozial_dwh.validation import pruefen
from sozial_dwh.validation.pruefprozess import empfangen, senden


def main() -> None:
    """Kind-Seite: GX laden, dann Aufträge (Parquet-Datei oder DataFrame, regeln, parameter, name) bis zum Ende der
    Eingabe prüfen."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Strg+C entscheidet der Lauf
    ein = sys.stdin.buffer
    aus = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # was sonst auf stdout ginge, stört die Nachrichten nicht
    pruefen.vorbereiten()
    # Die Objekte von GX, pandas und Co. (rund 300.000) leben bis zum Ende: aus der Müllsammlung nehmen. Sonst kostete
    # jedes `gc.collect()` nach einem großen Stück rund 0,2 s, und bei 50 Gemeinden sind es Dutzende Stücke.
    gc.collect()
    gc.freeze()
    while True:
        try:
            auftrag = empfangen(ein)
        except EOFError:  # der Lauf ist fertig (oder tot): sofort enden, ohne GX-Objekte einzeln abzuräumen (0,7 s)
            aus.close()
            os._exit(0)
        gross = False
        try:
            daten, *rest = auftrag
            frame = pruefen.pruefdaten_lesen(daten)  # die Parquet-Datei eines Stücks (oder ein DataFrame)
            gross = len(frame) >= pruefen.GROSS_ZEILEN
            antwort = (True, pruefen.validieren_hier(frame, *rest))
        except Exception as exc:  # zurück an den Lauf, der sie meldet wie eine Prüfung im eigenen Prozess
            antwort = (False, exc)
        auftrag = daten = frame = None
        if gross:
            gc.collect()  # GX hält das Stück in Referenzzyklen: vor dem nächsten freigeben (wie im Lauf)
        try:
            senden(aus, antwort)
        except (pickle.PicklingError, TypeError, AttributeError):
            senden(aus, (False, RuntimeError(f"{type(antwort[1]).__name__}: {antwort[1]}")))
        except BrokenPipeError:
            os._exit(0)


if __name__ == "__main__":
    main()
