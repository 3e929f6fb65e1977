"""Der einzige Einstiegspunkt der Code-Location (workspace.yaml lädt dieses Modul)."""


import dagster as dg

from pipelines.assets.ingest import eingang, referenzdaten
from pipelines.assets.publish import analysekopie
from pipelines.assets.sql import sql_assets
from pipelines.resources import WarehouseResource

alles = dg.define_asset_job(
    "alles",
    selection=dg.AssetSelection.all(),
    description="Materialisiert alle Assets: Eingang lesen, Modelle rechnen, Analysekopie veröffentlichen.",
)

defs = dg.Definitions(
    assets=[referenzdaten, eingang, *sql_assets, analysekopie],
    jobs=[alles],
    resources={"warehouse_db": WarehouseResource()},
    # DuckDB erlaubt nur einen schreibenden Prozess: alle Schritte laufen in einem Prozess nacheinander.
    executor=dg.in_process_executor,
)
