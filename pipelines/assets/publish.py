"""Die Analysekopie für Analystinnen und Analysten (DESIGN §4)."""


import dagster as dg

from pipelines.assets.sql import SQL_MODELS
from pipelines.constants import GROUP_MART
from pipelines.resources import WarehouseResource
from sozial_dwh import warehouse


@dg.asset(
    key=["ops", "analysekopie"],
    deps=[list(m.key) for m in SQL_MODELS if m.schema == "mart"],
    group_name=GROUP_MART,
    description="Schreibgeschützt zu öffnende Kopie des Warehouse (sozial_dwh_analyse.duckdb), atomar ersetzt.",
)
def analysekopie(warehouse_db: WarehouseResource) -> dg.MaterializeResult:
    target = warehouse.publish_analysis_copy(warehouse_db.paths())
    return dg.MaterializeResult(metadata={"pfad": dg.MetadataValue.path(str(target)),
                                          "groesse_bytes": target.stat().st_size})
