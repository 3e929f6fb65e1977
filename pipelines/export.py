"""Berichtsausgaben bauen – für `sozial-dwh export --bericht ID` und am Ende von `sozial-dwh run`.

Jede Ausgabe ist eine Partition des Jobs `berichte` (dieselben Definitions wie in der Oberfläche); der Lauf
arbeitet wie jeder andere auf einer Arbeitskopie und veröffentlicht am Ende die Analysekopie.
"""


import json
from collections.abc import Callable

import dagster as dg
from dagster._core.execution.job_execution_result import JobExecutionResult

from pipelines.ausfuehren import lauf_starten
from pipelines.fortschritt import Ausgabe
from pipelines.jobs import ANLASS_TAG
from pipelines.partitions import ausgaben_anmelden
from sozial_dwh import warehouse
from sozial_dwh.bericht import ausgabe as ausgabe_mod
from sozial_dwh.config import Paths
from sozial_dwh.reference import read_csv_rows

ANLASS_EXPORT = "Kommandozeile (sozial-dwh export)"


def schritt_fehler(result: dg.ExecuteInProcessResult | JobExecutionResult) -> list[tuple[str, str]]:
    """(Schritt, Meldung der eigentlichen Ursache) je gescheitertem Schritt eines Laufs."""
    meldungen = []
    for event in result.all_events:
        if event.is_step_failure:
            error = event.event_specific_data.error
            while error.cause is not None:
                error = error.cause
            meldungen.append((event.step_key, error.message.strip()))
    return meldungen


def ausgaben_aus_referenz(paths: Paths) -> list[str]:
    path = paths.reference / "berichte.csv"
    return [row["bericht_id"] for row in read_csv_rows(path)] if path.exists() else []


def export_bericht(paths: Paths, bericht_id: str, neu: bool = False,
                   progress: Callable[[str], None] | None = None, ausgabe: Ausgabe | None = None) -> int:
    """Baut eine Ausgabe; 0 = gebaut oder eingefroren unverändert, 1 = gescheitert.

    Mit `ausgabe` (Kommandozeile): Fortschritt auf stderr, Dagsters Protokoll in ihre Datei."""
    progress = progress or (ausgabe.melden if ausgabe else print)
    bekannt = ausgaben_aus_referenz(paths)
    if bericht_id not in bekannt:
        progress(f"Die Berichtsausgabe „{bericht_id}“ steht nicht in {paths.reference / 'berichte.csv'} "
                 f"(bekannt: {', '.join(bekannt) or 'keine'}). Bitte dort eine Zeile ergänzen.")
        return 1
    if not paths.warehouse.exists():
        progress(f"Noch kein Warehouse unter {paths.warehouse}. Bitte zuerst `sozial-dwh run` ausführen.")
        return 1
    if not warehouse.warehouse_aufgebaut(paths):
        progress(f"Im Warehouse sind noch keine Daten (noch keine Datei geladen), aus denen sich die Ausgabe "
                 f"„{bericht_id}“ bauen ließe. Bitte zuerst Lieferungen in den Eingang ({paths.inbox}) legen und "
                 "`sozial-dwh run` ausführen.")
        return 1
    with warehouse.connect(paths, read_only=True) as con:
        geladen = con.execute("select count(*) from duckdb_tables() where schema_name = 'core' "
                              "and table_name = 'dim_bericht'").fetchall()[0][0]
        if geladen:
            geladen = con.execute("select count(*) from core.dim_bericht where bericht_id = ?",
                                  [bericht_id]).fetchall()[0][0]
    if not geladen:
        progress(f"Die Ausgabe „{bericht_id}“ ist neu in berichte.csv und noch nicht im Warehouse. Bitte zuerst "
                 "`sozial-dwh run` ausführen (lädt die Referenzdaten), dann erneut exportieren.")
        return 1
    instance = dg.DagsterInstance.get()
    ausgaben_anmelden(instance, [bericht_id])
    progress(f"Berichtsausgabe {bericht_id}{' (neu, auch wenn freigegeben)' if neu else ''} …")
    result = lauf_starten(
        instance, "berichte", partition_key=bericht_id, raise_on_error=False, tags={ANLASS_TAG: ANLASS_EXPORT},
        run_config={"ops": {"berichtsausgabe": {"config": {"neu": neu}}},
                    "loggers": ausgabe.loggers(schritte=1) if ausgabe else {"console": {"config": {"log_level": "WARNING"}}}},
    )
    if not result.success:
        for _, text in schritt_fehler(result):
            progress(f"FEHLER beim Bau der Ausgabe {bericht_id}: {text}")
        progress("Die Ausgabe und das Warehouse bleiben im vorherigen Stand.")
        return 1
    ziel = ausgabe_mod.ordner(paths, bericht_id)
    manifest = json.loads((ziel / ausgabe_mod.MANIFEST).read_text(encoding="utf-8"))
    eingefroren = any(str(m.metadata["status"].value).startswith("eingefroren")
                      for m in result.asset_materializations_for_node("berichtsausgabe") if "status" in m.metadata)
    progress(f"Berichtsausgabe {bericht_id} {'eingefroren, unverändert' if eingefroren else 'geschrieben'}: {ziel}")
    progress(f"  {len(manifest['dateien'])} Dateien, Inhalts-Prüfsumme {manifest['pruefsumme']}")
    return 0


def run_berichte(paths: Paths, progress: Callable[[str], None] | None = None, ausgabe: Ausgabe | None = None) -> int:
    """Alle Ausgaben aus berichte.csv bauen (freigegebene bleiben eingefroren); 1, wenn eine scheitert."""
    ergebnis = 0
    for bericht_id in ausgaben_aus_referenz(paths):
        ergebnis = max(ergebnis, export_bericht(paths, bericht_id, progress=progress, ausgabe=ausgabe))
    return ergebnis
