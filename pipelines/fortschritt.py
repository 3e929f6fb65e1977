"""Fortschritt auf Deutsch in der Konsole, Dagsters eigenes Protokoll in einer Datei – für `sozial-dwh run`,
`export` und `bench`.

Zwei Dagster-Logger (in `pipelines/definitions.py` neben Dagsters Konsolen-Logger `console` angemeldet; sie
erhalten jedes Ereignis eines Laufs, wie jeder Logger):

- `fortschritt` schreibt je Schritt eine Zeile auf stderr: Schritt n von m, was er tut („Eingang lesen“,
  „core.fact_bevoelkerung rechnen“), wie lange er gedauert hat. Auf einem Terminal zeigt eine mitlaufende Zeile den
  laufenden Schritt (beim Eingang: die Datei). Ab Werk aus; die Kommandozeile schaltet ihn mit `Ausgabe.loggers` ein.
- `protokoll` schreibt Dagsters Meldungen (ab DEBUG, wie sie sonst in der Konsole stünden) in eine Datei, bei der
  Kommandozeile `$SOZIAL_DWH_HOME/logs/<befehl>_<zeit>.log`. Ohne Datei (ab Werk, z. B. Läufe aus der Oberfläche,
  die ihr Protokoll selbst zeigt) schreibt er nichts.

Läufe von der Kommandozeile stellen Dagsters Konsolen-Logger auf CRITICAL: die englischen INFO/DEBUG-Zeilen stehen
nur noch in der Datei.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import multiprocessing
import os
import re
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import dagster as dg

from sozial_dwh.config import Paths
from sozial_dwh.modellschritte import schritt_nach_name
from sozial_dwh.validation.regeln import regeln_fuer

PROTOKOLL_ORDNER = "logs"
_FORMAT = "%(asctime)s - %(levelname)s - %(message)s"
# So meldet der Eingang (sozial_dwh.ingest.ingest_inbox) jede Datei: „[3/27] name.xlsx“
_DATEI = re.compile(r"^\[(\d+)/(\d+)\] (.+)$")

_NAMEN = {
    "referenzdaten": "Referenzdaten laden",
    "eingang": "Eingang lesen",
    **{f"ops__lesen_{n}": f"Dateien lesen (Strang {n})" for n in range(1, 9)},
    "ops__analysekopie": "Analysekopie veröffentlichen",
    "berichtsausgabe": "Berichtsausgabe bauen",
}


def schritt_name(step_key: str) -> str:
    """Was ein Schritt tut, auf Deutsch: „Eingang lesen“, „staging.stg_sgb2 rechnen und prüfen“."""
    if step_key in _NAMEN:
        return _NAMEN[step_key]
    modellschritt = schritt_nach_name(step_key)  # mehrere SQL-Modelle in einem Schritt (sozial_dwh.modellschritte)
    if modellschritt is not None:
        return modellschritt.beschreibung()
    schema, _, tabelle = step_key.partition("__")
    if not tabelle:
        return step_key
    return f"{schema}.{tabelle} rechnen" + (" und prüfen" if regeln_fuer(f"{schema}.{tabelle}") else "")


def dauer(sekunden: float) -> str:
    """1,2 s; 1 min 05 s."""
    if sekunden < 60:
        return f"{sekunden:.1f} s".replace(".", ",")
    minuten, rest = divmod(round(sekunden), 60)
    return f"{minuten} min {rest:02d} s"


def _ereignis(record: logging.LogRecord) -> dg.DagsterEvent | None:
    # Dagster hängt jeder Meldung ihre Herkunft an (`dagster_meta`, so auch in json_console_logger)
    meta = getattr(record, "dagster_meta", None) or {}
    return meta.get("dagster_event")


@dataclass
class _Stand:
    """Was ein Lauf bisher gemeldet hat. Dagster legt die Logger eines Laufs mehr als einmal an (für die Schritte
    und für den Abschluss des Laufs); der Stand gehört deshalb zum Lauf, nicht zum Logger."""

    nummer: int = 0
    nummern: dict = field(default_factory=dict)  # step_key -> Nummer
    laufend: dict = field(default_factory=dict)  # step_key -> (Nummer, Beginn)
    uebersprungen: list = field(default_factory=list)
    mitlaufend: bool = False


_STAENDE: dict[str, _Stand] = {}
_HANDLER: dict = {}  # Lauf -> Fortschritt im steuernden Prozess (für Schritte in anderen Prozessen)
_KONSOLE: list = []  # wohin der Fortschritt des nächsten Laufs schreibt (`Ausgabe.loggers`)
_KOPIEN: dict = {}  # (Gerät, Inode) des Ziels -> Strom auf einer Kopie seines Dateideskriptors


def _an_der_umleitung_vorbei(stream: TextIO) -> TextIO:
    """Ein Strom auf dasselbe Ziel wie `stream`, den Dagsters Mitschnitt der Schritte nicht umleitet.

    Während ein Schritt läuft, leitet Dagster stdout und stderr des Prozesses in die Compute-Logs um (auf der Ebene
    der Dateideskriptoren) und gibt sie über einen `tail -F`-Prozess wieder aus; der prüft nur jede Sekunde und wird
    am Ende des Schritts beendet – die letzte Zeile eines Laufs ging so manchmal verloren. Der Fortschritt schreibt
    deshalb auf eine Kopie des Deskriptors, angelegt, bevor der Lauf beginnt. Ströme ohne Deskriptor (StringIO)
    leitet Dagster nicht um; sie bleiben, wie sie sind."""
    try:
        fd = stream.fileno()
        ziel = os.fstat(fd)
    except (AttributeError, OSError, ValueError):
        return stream
    schluessel = (ziel.st_dev, ziel.st_ino)
    if schluessel not in _KOPIEN:
        stream.flush()
        _KOPIEN[schluessel] = open(os.dup(fd), "w", encoding=getattr(stream, "encoding", None) or "utf-8",
                                   errors="replace", buffering=1)
    return _KOPIEN[schluessel]



def _im_kindprozess() -> bool:
    """Ein Schritt in einem Prozess, den Dagsters Multiprozess-Executor gestartet hat (pipelines/executor.py)? Seinen
    Fortschritt schreibt der steuernde Prozess (`fremder_schritt`), damit die Zeilen eine Nummerfolge haben."""
    return multiprocessing.parent_process() is not None


def fremder_schritt(run_id: str, event: dg.DagsterEvent) -> None:
    """Ein Ereignis eines Schritts, der in einem anderen Prozess lief: Fortschritt wie für einen Schritt hier."""
    handler = _HANDLER.get(run_id)
    if handler is not None and event.step_key:
        try:
            handler.ereignis(event)
        except Exception:  # der Fortschritt darf nie einen Lauf stören
            pass


class _Fortschritt(logging.Handler):
    """Eine deutsche Zeile je Schritt; auf einem Terminal dazu eine mitlaufende Zeile für den laufenden Schritt."""

    def __init__(self, stream: TextIO, schritte: int, run_id: str | None):
        super().__init__(logging.DEBUG)
        self.stream = stream
        self.schritte = schritte
        self.terminal = hasattr(stream, "isatty") and stream.isatty()
        self.run_id = run_id or ""
        self.stand = _STAENDE.setdefault(self.run_id, _Stand())
        if not _im_kindprozess():
            _HANDLER[self.run_id] = self

    def _stelle(self, nummer: int) -> str:
        if not self.schritte:
            return f"[{nummer}]"
        return f"[{nummer:>{len(str(self.schritte))}}/{self.schritte}]"

    def _zeile(self, text: str, bleibt: bool = True) -> None:
        if self.terminal:
            # die mitlaufende Zeile mit Leerzeichen überschreiben (ohne Steuerzeichen: geht auch in cmd.exe)
            breite = shutil.get_terminal_size((100, 20)).columns - 1
            self.stream.write("\r" + (text if bleibt else text[:breite]).ljust(breite) + ("\n" if bleibt else ""))
            self.stand.mitlaufend = not bleibt
        elif bleibt:
            self.stream.write(text + "\n")
        self.stream.flush()

    def emit(self, record: logging.LogRecord) -> None:
        if _im_kindprozess():  # die Zeilen dieses Schritts schreibt der steuernde Prozess (fremder_schritt)
            return
        try:
            self._melden(record)
        except Exception:  # der Fortschritt darf nie einen Lauf stören
            self.handleError(record)

    def _melden(self, record: logging.LogRecord) -> None:
        event = _ereignis(record)
        meta = getattr(record, "dagster_meta", None) or {}
        step = meta.get("step_key")
        if event is None:
            treffer = _DATEI.match(str(meta.get("orig_message", "")))
            if self.terminal and step in self.stand.laufend and treffer:
                nummer, _ = self.stand.laufend[step]
                self._zeile(f"{self._stelle(nummer)} {schritt_name(step)}: Datei {treffer[1]} von {treffer[2]} "
                            f"({treffer[3]}) …", bleibt=False)
            return
        self.ereignis(event)

    def ereignis(self, event: dg.DagsterEvent) -> None:
        art = event.event_type
        stand = self.stand
        if art == dg.DagsterEventType.STEP_START:
            if event.step_key not in stand.nummern:  # ein wiederholter Schritt behält seine Nummer
                stand.nummer += 1
                stand.nummern[event.step_key] = stand.nummer
            nummer = stand.nummern[event.step_key]
            stand.laufend[event.step_key] = (nummer, time.monotonic())
            if self.terminal:
                self._zeile(f"{self._stelle(nummer)} {schritt_name(event.step_key)} …", bleibt=False)
        elif art == dg.DagsterEventType.STEP_UP_FOR_RETRY:
            nummer, _ = stand.laufend.pop(event.step_key, (stand.nummer, 0.0))
            self._zeile(f"{self._stelle(nummer)} {schritt_name(event.step_key)} – vorübergehender Fehler, wird "
                        "wiederholt")
        elif art in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
            nummer, beginn = stand.laufend.pop(event.step_key, (stand.nummer, time.monotonic()))
            ergebnis = dauer(time.monotonic() - beginn)
            if art == dg.DagsterEventType.STEP_FAILURE:
                ergebnis = f"gescheitert nach {ergebnis}"
            self._zeile(f"{self._stelle(nummer)} {schritt_name(event.step_key)} – {ergebnis}")
        elif art == dg.DagsterEventType.STEP_SKIPPED:
            stand.uebersprungen.append(event.step_key)
        elif art in (dg.DagsterEventType.RUN_SUCCESS, dg.DagsterEventType.RUN_FAILURE):
            _HANDLER.pop(self.run_id, None)
            if stand.uebersprungen:
                self._zeile(f"{len(stand.uebersprungen)} Schritte übersprungen (ihre Vorstufen haben nichts geliefert "
                            "oder wurden angehalten)")
            elif stand.mitlaufend:
                self._zeile("", bleibt=False)
            _STAENDE.pop(self.run_id, None)


class _Datei(logging.FileHandler):
    """Die Protokolldatei stört nie einen Lauf: lässt sie sich nicht anlegen oder schreiben (volle Platte, keine
    Rechte), schreibt sie nichts mehr – ohne Fehlermeldung; was zählt, melden der Lauf und die Oberfläche selbst."""

    def __init__(self, datei: Path):
        super().__init__(datei, mode="a", encoding="utf-8", delay=True)
        self.setFormatter(logging.Formatter(_FORMAT))
        self.kaputt = False

    def emit(self, record: logging.LogRecord) -> None:
        if self.kaputt:
            return
        try:
            if self.stream is None:  # die Datei entsteht mit der ersten Meldung
                Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
            super().emit(record)
        except OSError:
            self.kaputt = True

    def handleError(self, record: logging.LogRecord) -> None:
        self.kaputt = True


@dg.logger(
    config_schema={
        "aktiv": dg.Field(bool, default_value=False, description="Fortschritt auf stderr schreiben"),
        "schritte": dg.Field(int, default_value=0, description="Zahl der Schritte des Laufs (0: unbekannt)"),
    },
    description="Fortschritt auf Deutsch (Schritt n von m, was er tut, wie lange) auf stderr; für die Kommandozeile.",
)
def fortschritt_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.Logger("sozial_dwh.fortschritt", logging.DEBUG)
    config = init_context.logger_config
    if config["aktiv"]:
        logger.addHandler(_Fortschritt(_KONSOLE[-1] if _KONSOLE else sys.stderr, config["schritte"],
                                       init_context.run_id))
    return logger


@dg.logger(
    config_schema={
        "datei": dg.Field(str, default_value="", description="Protokolldatei (leer: kein Protokoll)"),
        "log_level": dg.Field(str, default_value="DEBUG", description="ab dieser Stufe"),
    },
    description="Dagsters Meldungen des Laufs in eine Datei (angehängt); die Kommandozeile schreibt nach "
                "$SOZIAL_DWH_HOME/logs/.",
)
def protokoll_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    config = init_context.logger_config
    logger = logging.Logger("sozial_dwh.protokoll", config["log_level"].upper())
    if config["datei"]:
        logger.addHandler(_Datei(Path(config["datei"])))
    return logger


LOGGERS = {"console": dg.colored_console_logger, "fortschritt": fortschritt_logger, "protokoll": protokoll_logger}


def protokoll_datei(paths: Paths, befehl: str) -> Path:
    """`$SOZIAL_DWH_HOME/logs/<befehl>_<JJJJ-MM-TT_HH-MM-SS>.log` (gibt es sie schon: mit `_2`, `_3` …)."""
    ordner = paths.home / PROTOKOLL_ORDNER
    name = f"{befehl}_{dt.datetime.now():%Y-%m-%d_%H-%M-%S}"
    datei, nummer = ordner / f"{name}.log", 1
    while datei.exists():
        nummer += 1
        datei = ordner / f"{name}_{nummer}.log"
    return datei


@dataclass
class Ausgabe:
    """Wohin ein Befehl berichtet: deutsche Zeilen auf stderr (`melden`, Fortschritt der Läufe) und Dagsters
    Protokoll samt diesen Zeilen in `datei`."""

    datei: Path | None = None
    fortschritt: bool = True
    stream: TextIO | None = None  # ohne Angabe: sys.stderr zur Zeit der Meldung

    def loggers(self, schritte: int = 0) -> dict:
        """Der Teil `loggers` der Run-Konfiguration eines Laufs (vor dem Lauf aufzurufen: legt fest, wohin sein
        Fortschritt schreibt)."""
        _KONSOLE[:] = [_an_der_umleitung_vorbei(self.stream or sys.stderr)]
        return {
            "console": {"config": {"log_level": "CRITICAL"}},
            "fortschritt": {"config": {"aktiv": self.fortschritt, "schritte": schritte}},
            "protokoll": {"config": {"datei": str(self.datei) if self.datei else ""}},
        }

    @contextlib.contextmanager
    def umgeleitet(self) -> Iterator[None]:
        """Was Dagster an Python-Logger („dagster…“) und als Python-Warnung meldet (etwa „Blocking asset check …
        emitted no result“, wenn Schritte übersprungen werden), in die Protokolldatei statt auf stderr."""
        handler: logging.Handler = _Datei(self.datei) if self.datei else logging.NullHandler()
        ziele = [logging.getLogger("dagster"), logging.getLogger("py.warnings")]
        for logger in ziele:
            logger.addHandler(handler)
        logging.captureWarnings(True)
        try:
            yield
        finally:
            logging.captureWarnings(False)
            for logger in ziele:
                logger.removeHandler(handler)
            handler.close()

    def melden(self, text: str) -> None:
        print(text, file=self.stream or sys.stderr, flush=True)
        if self.datei is not None:
            try:
                self.datei.parent.mkdir(parents=True, exist_ok=True)
                with self.datei.open("a", encoding="utf-8") as handle:
                    handle.write(f"{dt.datetime.now():%Y-%m-%d %H:%M:%S} - sozial-dwh - {text}\n")
            except OSError:
                pass  # wie _Datei: das Protokoll stört nie (die Meldung steht ja auf dem Bildschirm)


def schritte(defs: dg.Definitions, keys) -> int:
    """Zahl der Schritte eines Laufs über `keys`: je Asset-Definition (Multi-Asset: einer) ein Schritt."""
    return len({id(defs.resolve_assets_def(key)) for key in keys})
