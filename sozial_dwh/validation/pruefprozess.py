"""Der Prüfprozess: Great Expectations in einem eigenen Python-Prozess, der es lädt, während der Lauf liest.

Ein Lauf startet ihn zu Beginn (`sozial_dwh.validation.pruefen.pruefprozess_starten`); der Import von GX (gut eine
Sekunde) läuft dann auf dem zweiten Kern statt im Lauf. Danach schickt der Lauf je Prüfung den Pfad einer
Parquet-Datei mit den Prüfdaten (oder ein DataFrame) mit den Regeln und bekommt die Ergebnisse zurück; Quarantäne
und Protokoll schreibt weiter der Lauf.

Ein eigener Interpreter (`python -m sozial_dwh.validation.pruefprozess_kind`) statt `multiprocessing`: der startet das
Hauptmodul des Aufrufers neu (ein Skript ohne `if __name__ == "__main__"` liefe im Kind ein zweites Mal, eines von
der Standardeingabe gar nicht). Nachrichten gehen als Länge + pickle über stdin/stdout – nur zwischen diesem Prozess
und seinem Kind. Stirbt der Lauf (auch `kill -9`), liest das Kind das Ende seiner Eingabe und beendet sich.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import struct
import subprocess
import sys
import threading
from typing import IO, Any

_LAENGE = struct.Struct("!Q")
KIND = "sozial_dwh.validation.pruefprozess_kind"  # die Seite des Kindes


class PruefprozessAusgefallen(RuntimeError):
    """Das Kind antwortet nicht mehr (beendet, z. B. vom Betriebssystem wegen Speicher)."""


def senden(ziel: IO[bytes], wert: Any) -> None:
    daten = pickle.dumps(wert, protocol=pickle.HIGHEST_PROTOCOL)
    ziel.write(_LAENGE.pack(len(daten)))
    ziel.write(daten)
    ziel.flush()


def empfangen(quelle: IO[bytes]) -> Any:
    kopf = quelle.read(_LAENGE.size)
    if len(kopf) < _LAENGE.size:
        raise EOFError
    laenge = _LAENGE.unpack(kopf)[0]
    daten = quelle.read(laenge)
    if len(daten) < laenge:
        raise EOFError
    return pickle.loads(daten)  # noqa: S301 – nur Nachrichten des eigenen Eltern- bzw. Kindprozesses


class Pruefprozess:
    """Eltern-Seite: startet das Kind sofort; `pruefen` schickt einen Auftrag und wartet auf das Ergebnis."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen([sys.executable, "-m", KIND], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, env=os.environ.copy())
        self._sperre = threading.Lock()

    @property
    def pid(self) -> int:
        return self._proc.pid

    def pruefen(self, *auftrag: Any) -> Any:
        with self._sperre:
            try:
                senden(self._proc.stdin, auftrag)
                ok, wert = empfangen(self._proc.stdout)
            except (EOFError, BrokenPipeError, OSError) as exc:
                code = self._proc.poll()
                raise PruefprozessAusgefallen(
                    "beendet" + (f" mit Exit-Code {code}" if code is not None else "")) from exc
        if ok:
            return wert
        raise wert

    def beenden(self) -> None:
        """Eingabe schließen (das Kind endet dann von selbst); nach 5 s hart beenden."""
        for strom in (self._proc.stdin, self._proc.stdout):
            # ist das Kind schon weg, scheitert das Schließen der Pipe (gepufferte Reste); beendet wird es ohnehin
            with contextlib.suppress(OSError):
                strom.close()
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
