"""`sozial-dwh run`: alle Assets im selben Prozess materialisieren – mit denselben Definitions wie die Oberfläche."""


import datetime as dt
import time
from collections.abc import Callable

import dagster as dg

from sozial_dwh import warehouse
from sozial_dwh.config import Paths

SUMMARY_TABLES = ["ops.dateien", "quarantine.zeilen", "core.dim_gebiet", "core.fact_bevoelkerung",
                  "mart.indikator_werte"]


def run_all(paths: Paths, progress: Callable[[str], None] = print) -> int:
    from pipelines.definitions import defs

    started = dt.datetime.now().replace(microsecond=0)
    clock = time.monotonic()
    progress(f"Lauf gestartet: Warehouse {paths.warehouse}")
    job = defs.resolve_job_def("alles")
    instance = dg.DagsterInstance.get()
    result = job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
    )
    seconds = time.monotonic() - clock
    if not result.success:
        for event in result.all_events:
            if event.is_step_failure:
                error = event.event_specific_data.error
                while error.cause is not None:
                    error = error.cause
                progress(f"FEHLER in Schritt {event.step_key}: {error.message.strip()}")
        progress(f"Lauf gescheitert nach {seconds:.1f} s. Das Warehouse bleibt im vorherigen Stand.")
        return 1
    print(summary(paths, started, seconds))
    return 0


def summary(paths: Paths, started: dt.datetime, seconds: float) -> str:
    with warehouse.connect(paths) as con:
        files = con.execute(
            "select status, count(*) from ops.dateien where geladen_am >= ? group by status order by status", [started]
        ).fetchall()
        rejected = con.execute(
            "select dateiname, ablage from ops.dateien where geladen_am >= ? and status = 'abgelehnt'", [started]
        ).fetchall()
        tables = [(name, warehouse.table_row_count(con, *name.split("."))) for name in SUMMARY_TABLES]
        indicators = con.execute(
            "select count(distinct indikator_id), count(distinct stichtag), count(distinct ebene) "
            "from mart.indikator_werte where wert is not null"
        ).fetchall()[0]
    lines = [f"Lauf erfolgreich in {seconds:.1f} s.", "", "Dateien in diesem Lauf:"]
    lines += [f"  {status}: {count}" for status, count in files] or ["  keine neuen Dateien im Eingang"]
    for name, ablage in rejected:
        lines.append(f"  abgelehnt: {name} -> Fehlerbericht {ablage}.fehler.txt")
    lines += ["", "Tabellen:"] + [f"  {name}: {rows} Zeilen" for name, rows in tables]
    lines += [
        "",
        f"Indikatoren mit Werten: {indicators[0]} Indikatoren, {indicators[1]} Stichtage, {indicators[2]} Ebenen",
        "",
        f"Warehouse:    {paths.warehouse}",
        f"Analysekopie: {paths.analyse}  (schreibgeschützt öffnen: duckdb -readonly {paths.analyse})",
        f"Exporte:      {paths.exports}",
    ]
    return "\n".join(lines)
