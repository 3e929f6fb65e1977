"""Lesestränge (architektur.md §11.1): das Lesen der Dateien im Eingang, verteilt auf `STRAENGE` Schritte.

Jeder Strang liest seinen Teil der Dateien (nach Größe reihum verteilt) mit denselben Lesern wie das Laden und legt
das Ergebnis je Datei als Parquet und JSON unter `<home>/lauf/<lauf_id>/<sha256>/` ab (`sozial_dwh.gelesen`). Er
fasst das Warehouse nicht an und trägt deshalb nicht den Tag der Schreiber: Im Lauf mit mehreren Prozessen lesen die
Stränge nebeneinander, auch während ein anderer Schritt in das Warehouse schreibt. Der Eingang (`eingang`) lädt
danach, was sie gelesen haben, und liest nur, was fehlt, selbst. Ablehnen, Registrieren und Archivieren bleiben
beim Eingang: ein Strang lehnt nie etwas ab, ein Fehler beim Lesen wird dort gemeldet. Läuft der ganze Lauf in einem
Prozess (`pipelines.executor.alles_in_diesem_prozess`), legen die Stränge nichts ab und der Eingang liest selbst;
`sozial-dwh run` plant sie dann gar nicht erst ein (`pipelines.ausfuehren.alles_ausfuehren`).
"""


import time

import dagster as dg

from pipelines.constants import GROUP_INGEST, STRAENGE
from pipelines.executor import alles_in_diesem_prozess
from pipelines.resources import WarehouseResource
from sozial_dwh.gelesen import lies_strang


def _strang(nummer: int) -> dg.AssetsDefinition:
    @dg.asset(
        key=["ops", f"lesen_{nummer}"],
        group_name=GROUP_INGEST,
        kinds={"python"},
        description=f"Lesestrang {nummer} von {STRAENGE}: liest seinen Teil der Dateien im Eingang (nach Größe "
                    "reihum verteilt) und legt das Gelesene je Datei unter lauf/<Lauf>/ ab; der Eingang lädt es. "
                    "Schreibt nicht ins Warehouse (im Lauf mit mehreren Prozessen nebeneinander).",
    )
    def lesen(context: dg.AssetExecutionContext, warehouse_db: WarehouseResource) -> dg.MaterializeResult:
        clock = time.monotonic()
        if alles_in_diesem_prozess():
            return dg.MaterializeResult(metadata={
                "gelesen": 0, "beim_laden_zu_lesen": 0,
                "dateien": dg.MetadataValue.md("keine: der Lauf rechnet in einem Prozess, der Eingang liest selbst"),
                "sekunden": round(time.monotonic() - clock, 2),
            })
        ergebnis = lies_strang(warehouse_db.paths(), context.run_id, nummer, STRAENGE, progress=context.log.info)
        for meldung in ergebnis.meldungen:
            context.log.warning(meldung)
        return dg.MaterializeResult(metadata={
            "gelesen": len(ergebnis.gelesen),
            "beim_laden_zu_lesen": len(ergebnis.spaeter),
            "dateien": dg.MetadataValue.md("\n".join(f"- {n}" for n in ergebnis.gelesen) or "keine"),
            "sekunden": round(time.monotonic() - clock, 2),
        })

    return lesen


LESESTRAENGE = [_strang(nummer) for nummer in range(1, STRAENGE + 1)]
LESESTRANG_KEYS = [["ops", f"lesen_{nummer}"] for nummer in range(1, STRAENGE + 1)]
