"""Die eine Ressource: Pfade und Verbindung zum Warehouse – im Lauf immer zu seiner Arbeitskopie.

Pfade werden erst bei Gebrauch aufgelöst (`SOZIAL_DWH_HOME`, sonst `data/` des Repositorys);
beim Import der Definitions wird nichts angelegt oder geöffnet.

Jeder Lauf (Job `alles`, `sozial-dwh run` und jede Auswahl in der Oberfläche) arbeitet auf einer eigenen
Arbeitskopie des Warehouse (`sozial_dwh.warehouse.RunCopy`), angelegt beim ersten `connect()`:

- Das Asset `ops/analysekopie` (letzter Schritt, hängt von allen anderen Assets ab) übernimmt sie als Warehouse
  und veröffentlicht die Analysekopie.
- Ohne diesen Schritt entscheidet das Ende des Laufs (`teardown_after_execution`, nach allen Schritten): alle
  Schritte gelungen oder nur von blockierenden Prüfungen angehalten -> übernehmen (Eingang, Staging und
  Prüfergebnisse bleiben erhalten, die Analysekopie nicht); ein Fehler oder Abbruch -> verwerfen, das Warehouse
  bleibt im vorherigen Stand und die Dateien bleiben im Eingang.
- Stirbt der Prozess (kill -9, Absturz), bleibt nur die Arbeitskopie liegen; der nächste Lauf verwirft sie.

Laufen alle Schritte in einem Prozess (In-Process-Executor), geschehen Einrichtung und Abbau der Ressource genau
einmal je Lauf, und der Abbau entscheidet. Läuft der Lauf in mehreren Prozessen (`pipelines.executor`), hält der
steuernde Prozess Sperre und Entscheidung; die Ressource in den Schritten schließt sich nur an
(`RunCopy.angeschlossen`).
"""

from collections.abc import Iterable
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import PrivateAttr

from sozial_dwh import diskspace, warehouse
from sozial_dwh.config import Paths
from sozial_dwh.ingest import move_entry

ERFOLGREICH = "erfolgreich"
BLOCKIERT = "blockiert"
FEHLER = "fehler"

_CHECK_FAILED = "DagsterAssetCheckFailedError"


def run_outcome(events: Iterable[dg.DagsterEvent]) -> str:
    """Ergebnis eines Laufs aus seinen Schritt-Ereignissen: `erfolgreich`, `blockiert` oder `fehler`.

    `blockiert`: gescheitert sind nur Schritte, deren blockierende Prüfung fehlschlug (nachgelagerte Schritte
    wurden übersprungen). `fehler`: ein Schritt ist mit einer Ausnahme gescheitert oder begonnen, aber nie
    beendet worden (Abbruch).
    """
    started, finished, blocked, failed = set(), set(), False, False
    for event in events:
        if event.is_step_start:
            started.add(event.step_key)
        elif event.is_step_success:
            finished.add(event.step_key)
        elif event.is_step_failure:
            finished.add(event.step_key)
            if event.event_specific_data.error.cls_name == _CHECK_FAILED:
                blocked = True
            else:
                failed = True
    if failed or started - finished:
        return FEHLER
    return BLOCKIERT if blocked else ERFOLGREICH


def _disk_full_text(error) -> bool:
    while error is not None:
        if diskspace.text_says_disk_full(error.message) or "Speicherplatz" in error.message:
            return True
        error = error.cause
    return False


class WarehouseResource(dg.ConfigurableResource):
    """DuckDB-Warehouse unter `$SOZIAL_DWH_HOME/warehouse/sozial_dwh.duckdb`, im Lauf über eine Arbeitskopie."""

    home: str | None = None
    reference: str | None = None

    _run: warehouse.RunCopy | None = PrivateAttr(default=None)
    _run_id: str | None = PrivateAttr(default=None)

    def paths(self) -> Paths:
        return Paths.from_env(self.home, self.reference)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        if context.run is not None:
            self._run_id = context.run.run_id
            self._run = warehouse.RunCopy(self.paths(), self._run_id, log=context.log.info)

    def connect(self) -> duckdb.DuckDBPyConnection:
        """Im Lauf: Verbindung zur Arbeitskopie des Laufs. Außerhalb eines Laufs: direkt zum Warehouse."""
        if self._run is None:
            return warehouse.connect(self.paths())
        return self._run.connect()

    def defer_inbox_removal(self, path: Path, sha256: str, move_to: Path | None = None) -> None:
        """Eingangsdatei erst nach der Übernahme des Laufs löschen bzw. nach `move_to` verschieben (außerhalb eines
        Laufs: sofort)."""
        if self._run is None:
            if move_to is None:
                path.unlink()
            else:
                move_entry(path, move_to)
        else:
            self._run.defer_inbox_removal(path, sha256, move_to)

    def promote(self, publish_analysis: bool = False) -> Path | None:
        """Übernimmt die Arbeitskopie als Warehouse (und veröffentlicht die Analysekopie); gibt deren Pfad zurück."""
        if self._run is None:
            return warehouse.publish_analysis_copy(self.paths()) if publish_analysis else None
        self._run.start()  # auch ein Lauf, der nur die Analysekopie veröffentlicht, braucht Sperre und Kopie
        return self._run.promote(publish_analysis=publish_analysis)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        run = self._run
        if run is None:
            return
        try:
            if run.angeschlossen or not run.gestartet:
                # Lauf in mehreren Prozessen: über Übernahme oder Verwerfen entscheidet der steuernde Prozess; ein
                # Schritt, der das Warehouse nicht angefasst hat (Lesen), entscheidet nie
                return
            lauf_abschliessen(run, context.instance, self._run_id, context.log, self.paths())
        finally:
            run.release()
            self._run = None


def lauf_abschliessen(run: warehouse.RunCopy, instance: dg.DagsterInstance, run_id: str, log,
                      paths: Paths) -> None:
    """Nach dem letzten Schritt eines Laufs: Arbeitskopie übernehmen oder verwerfen (siehe Moduldokumentation).
    Für den Abbau der Ressource (alle Schritte in einem Prozess) und für den Executor, der einen Lauf in mehreren
    Prozessen steuert (`pipelines.executor`)."""
    if not run.pending:
        return
    records = instance.all_logs(run_id, of_type={
        dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE})
    events = [r.dagster_event for r in records if r.dagster_event is not None]
    outcome = run_outcome(events)
    if outcome == FEHLER:
        run.discard()
        log.warning("Lauf gescheitert: die Arbeitskopie wird verworfen, das Warehouse bleibt im "
                    "vorherigen Stand; die Dateien dieses Laufs bleiben im Eingang.")
        failures = [e.event_specific_data.error for e in events if e.is_step_failure]
        full = [f for f in failures if f is not None and _disk_full_text(f)]
        if full:  # auf Deutsch, mit Ordnern und Platz (die Arbeitskopie ist schon weg)
            log.error(diskspace.disk_full_message(paths, full[0].message.strip()))
        return
    try:
        run.promote()
    except Exception:
        if run.pending:  # vor dem Umbenennen gescheitert: verwerfen, die Dateien bleiben im Eingang
            run.discard()
        raise
    log.info("Arbeitskopie als Warehouse übernommen; die Analysekopie bleibt im vorherigen Stand "
             "(sie wird nur vom Asset ops/analysekopie ersetzt).")
