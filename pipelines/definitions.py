"""Der einzige Einstiegspunkt der Code-Location (workspace.yaml lädt dieses Modul)."""


import dagster as dg

from pipelines.assets.bericht import AUSGABEN, berichtsausgabe
from pipelines.assets.ingest import eingang, referenzdaten
from pipelines.assets.publish import analysekopie
from pipelines.assets.sql import sql_assets
from pipelines.constants import GROUP_BERICHT
from pipelines.resources import WarehouseResource

alles = dg.define_asset_job(
    "alles",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups(GROUP_BERICHT),
    description="Materialisiert alle Assets: Eingang lesen, Modelle rechnen, Analysekopie veröffentlichen.",
)

berichte = dg.define_asset_job(
    "berichte",
    selection=dg.AssetSelection.groups(GROUP_BERICHT),
    partitions_def=AUSGABEN,
    description="Baut eine Ausgabe des Sozialberichts (Partition = Ausgabe aus berichte.csv); freigegebene bleiben "
                "eingefroren, außer mit der Konfiguration neu: true.",
)

defs = dg.Definitions(
    assets=[referenzdaten, eingang, *sql_assets, analysekopie, berichtsausgabe],
    jobs=[alles, berichte],
    resources={"warehouse_db": WarehouseResource()},
    # DuckDB erlaubt nur einen schreibenden Prozess: alle Schritte laufen in einem Prozess nacheinander.
    executor=dg.in_process_executor,
)
