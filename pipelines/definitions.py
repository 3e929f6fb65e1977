"""Der einzige Einstiegspunkt der Code-Location (workspace.yaml lädt dieses Modul)."""


import dagster as dg

from pipelines.assets.bericht import berichtsausgabe
from pipelines.assets.ingest import eingang, referenzdaten
from pipelines.assets.publish import analysekopie
from pipelines.assets.sql import sql_assets
from pipelines.constants import GROUP_BERICHT
from pipelines.resources import WarehouseResource
from pipelines.sensors import build_eingang_sensor
from pipelines.zeitplaene import ZEITPLAENE

alles = dg.define_asset_job(
    "alles",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups(GROUP_BERICHT),
    description="Materialisiert alle Assets: Eingang lesen, Modelle rechnen, Analysekopie veröffentlichen.",
)

stichtag_lauf = dg.define_asset_job(
    "stichtag_lauf",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups(GROUP_BERICHT),
    description="Wie „alles“, aber für einen Stichtag (Partition): lädt die Dateien dieses Stichtags und baut nur "
                "seine Zeilen in Staging und Core neu, danach Mart und Analysekopie. Startet der Sensor "
                "„eingang_sensor“ für neue oder korrigierte Dateien.",
)

berichte = dg.define_asset_job(
    "berichte",
    selection=dg.AssetSelection.groups(GROUP_BERICHT),
    description="Baut eine Ausgabe des Sozialberichts (Partition = Ausgabe aus berichte.csv); freigegebene bleiben "
                "eingefroren, außer mit der Konfiguration neu: true.",
)

defs = dg.Definitions(
    assets=[referenzdaten, eingang, *sql_assets, analysekopie, berichtsausgabe],
    jobs=[alles, stichtag_lauf, berichte],
    sensors=[build_eingang_sensor([alles, stichtag_lauf])],
    schedules=ZEITPLAENE,
    resources={"warehouse_db": WarehouseResource()},
    # DuckDB erlaubt nur einen schreibenden Prozess: alle Schritte laufen in einem Prozess nacheinander.
    executor=dg.in_process_executor,
)
