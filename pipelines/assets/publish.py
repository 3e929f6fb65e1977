"""Abschluss eines Laufs: Warehouse übernehmen und Analysekopie veröffentlichen (architektur.md §4, §9)."""


import dagster as dg

from pipelines.assets.ingest import eingang, referenzdaten
from pipelines.assets.sql import SQL_MODELS
from pipelines.constants import GROUP_MART, SCHREIBER_TAGS
from pipelines.resources import WarehouseResource

# Hängt von allen übrigen Assets ab, damit es im Lauf der letzte Schritt ist: nach ihm schreibt niemand mehr.
UPSTREAM = sorted({tuple(k.path) for k in (*referenzdaten.keys, *eingang.keys)} | {m.key for m in SQL_MODELS})


@dg.asset(
    key=["ops", "analysekopie"],
    op_tags=SCHREIBER_TAGS,
    deps=[list(key) for key in UPSTREAM],
    group_name=GROUP_MART,
    description="Übernimmt die Arbeitskopie des Laufs als Warehouse und ersetzt danach atomar die schreibgeschützt "
                "zu öffnende Analysekopie (sozial_dwh_analyse.duckdb). Läuft nur, wenn alle anderen Schritte "
                "gelungen sind.",
)
def analysekopie(context: dg.AssetExecutionContext, warehouse_db: WarehouseResource) -> dg.MaterializeResult:
    target = warehouse_db.promote(publish_analysis=True)
    context.log.info(f"Warehouse übernommen, Analysekopie veröffentlicht: {target}")
    return dg.MaterializeResult(metadata={"pfad": dg.MetadataValue.path(str(target)),
                                          "groesse_bytes": target.stat().st_size})
