"""Der einzige Einstiegspunkt der Code-Location (workspace.yaml lädt dieses Modul)."""


import dagster as dg

from pipelines.assets.bericht import berichtsausgabe
from pipelines.assets.ingest import eingang, referenzdaten
from pipelines.assets.publish import analysekopie
from pipelines.assets.sql import sql_assets
from pipelines.constants import GROUP_BERICHT
from pipelines.fortschritt import LOGGERS
from pipelines.resources import WarehouseResource
from pipelines.sensors import build_eingang_sensor
from pipelines.zeitplaene import ZEITPLAENE

alles = dg.define_asset_job(
    "alles",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups(GROUP_BERICHT),
    description="Materialisiert alle Assets: Eingang lesen, Modelle rechnen, Analysekopie veröffentlichen.",
)

# Ein Stichtag: der Eingang, die partitionierten Assets und alles, was von ihnen abhängt. Referenzdaten, Kita und
# Konferenzen ändert ein solcher Lauf nicht (ihre Dateien warten auf „alles“), also rechnet er sie nicht neu.
stichtag_lauf = dg.define_asset_job(
    "stichtag_lauf",
    selection=(dg.AssetSelection.assets(eingang)
               | dg.AssetSelection.assets(*(a for a in sql_assets if a.partitions_def is not None)).downstream())
    - dg.AssetSelection.groups(GROUP_BERICHT),
    description="Wie „alles“, aber für einen Stichtag (Partition): lädt die Dateien dieses Stichtags und baut nur "
                "seine Zeilen in Staging und Core neu, danach Mart und Analysekopie. Referenzdaten, Kita und "
                "Konferenzen bleiben, wie sie sind (ihre Dateien rechnet der Job „alles“). Startet der Sensor "
                "„eingang_sensor“ für neue oder korrigierte Dateien eines Stichtags.",
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
    # Dagsters Konsolen-Logger wie ab Werk; dazu Fortschritt auf Deutsch und Protokolldatei für die Kommandozeile
    # (ab Werk aus, siehe pipelines/fortschritt.py)
    loggers=LOGGERS,
    # DuckDB erlaubt nur einen schreibenden Prozess: alle Schritte laufen in einem Prozess nacheinander.
    executor=dg.in_process_executor,
)
