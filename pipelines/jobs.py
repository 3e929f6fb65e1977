"""Die Jobs der Code-Location und wie ein Lauf über alles angefragt wird (architektur.md §11).

- `alles`: alle Assets außer den Berichtsausgaben. Die Statistik-Assets sind nach Stichtag partitioniert; ein Lauf
  über alles ist deshalb ein Lauf über den Bereich aller Stichtag-Partitionen (Tags `dagster/asset_partition_range_*`,
  ein Lauf, eine Arbeitskopie). Gibt es noch keinen Stichtag, läuft nur, was nicht von ihnen abhängt.
- `alles_starten`: derselbe Lauf in der Oberfläche mit einem Klick. „Materialize all“ auf dem Job `alles` fragt
  nach Partitionen (und kennt die Stichtage neuer Dateien im Eingang noch nicht); dieser Job meldet die Stichtage aus
  Warehouse und Eingang an, danach fragt der Sensor `alles_nach_start` den Lauf von `alles` an – wie ein Zeitplan.
- `stichtag_lauf`: ein Stichtag (Partition) und was von ihm abhängt.
- `berichte`: eine Berichtsausgabe (Partition = Ausgabe aus berichte.csv).

Zeitpläne und Sensoren nehmen Jobs und Anfragen von hier, nicht aus `pipelines.definitions` (das sie einbindet).
"""


import dagster as dg

from pipelines.assets.bericht import berichtsausgabe
from pipelines.assets.ingest import eingang, referenzdaten
from pipelines.assets.lesen import LESESTRAENGE
from pipelines.assets.publish import analysekopie
from pipelines.assets.sql import sql_assets
from pipelines.constants import GROUP_BERICHT
from pipelines.partitions import bekannte_stichtage, bereich_tags
from pipelines.resources import WarehouseResource
from sozial_dwh.config import Paths

ASSETS = [referenzdaten, *LESESTRAENGE, eingang, *sql_assets, analysekopie, berichtsausgabe]

ANLASS_TAG = "sozial_dwh/anlass"  # wofür ein Lauf gestartet wurde (in der Lauf-Liste der Oberfläche sichtbar)
KOMMANDOZEILE = "Kommandozeile (sozial-dwh run)"

STICHTAG_ASSETS = dg.AssetSelection.assets(*(a for a in sql_assets if a.partitions_def is not None))
ALLES = dg.AssetSelection.all() - dg.AssetSelection.groups(GROUP_BERICHT)
# Was weder nach Stichtag partitioniert ist noch von Partitionierten abhängt: Referenzdaten, Eingang, Kita, Konferenzen
OHNE_STICHTAGE = ALLES - STICHTAG_ASSETS.downstream()

alles = dg.define_asset_job(
    "alles",
    selection=ALLES,
    description="Materialisiert alle Assets: Eingang lesen, Modelle rechnen, Analysekopie veröffentlichen – in einem "
                "Lauf über alle Stichtage. In der Oberfläche mit einem Klick über den Job „alles_starten“ "
                "(„Materialize all…“ hier fragt nach den Stichtagen: „All“ wählen). Danach baut der Sensor "
                "„entwuerfe_nach_lauf“ die Entwürfe des Sozialberichts neu.",
)

# Ein Stichtag: der Eingang, die partitionierten Assets und alles, was von ihnen abhängt. Referenzdaten, Kita und
# Konferenzen ändert ein solcher Lauf nicht (ihre Dateien warten auf „alles“), also rechnet er sie nicht neu.
stichtag_lauf = dg.define_asset_job(
    "stichtag_lauf",
    selection=(dg.AssetSelection.assets(*LESESTRAENGE, eingang) | STICHTAG_ASSETS.downstream())
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
                "eingefroren, außer mit der Konfiguration neu: true. Nach jedem Lauf von „alles“ oder "
                "„stichtag_lauf“ fragt der Sensor „entwuerfe_nach_lauf“ die Entwürfe an.",
)


def assets_ohne_stichtage() -> list[dg.AssetKey]:
    """Die Assets von `alles`, die weder partitioniert sind noch von Partitionierten abhängen."""
    return sorted(OHNE_STICHTAGE.resolve(ASSETS), key=lambda k: k.to_user_string())


def anfrage_alles(instance: dg.DagsterInstance, paths: Paths, tags: dict[str, str],
                  run_key: str | None = None) -> dg.RunRequest:
    """Ein Lauf von `alles` über alle Stichtage (vorher aus Warehouse und Eingang angemeldet); ohne Stichtag nur die
    Assets, die keinen brauchen – ein Lauf ohne Partition über partitionierte Assets scheitert in Dagster („Cannot
    access partition_key for a non-partitioned run“)."""
    keys = bekannte_stichtage(instance, paths)
    if keys:
        return dg.RunRequest(run_key=run_key, job_name=alles.name, tags={**tags, **bereich_tags(keys)})
    return dg.RunRequest(run_key=run_key, job_name=alles.name, tags=tags, asset_selection=assets_ohne_stichtage())


@dg.op(description="Meldet die Stichtage aus Warehouse und Eingang als Partitionen an; danach fragt der Sensor "
                   "„alles_nach_start“ den Lauf von „alles“ über alle Stichtage an.")
def lauf_vorbereiten(context: dg.OpExecutionContext, warehouse_db: WarehouseResource) -> None:
    keys = bekannte_stichtage(context.instance, warehouse_db.paths())
    if keys:
        context.log.info(f"Lauf von „alles“ über {len(keys)} Stichtage ({keys[0]} bis {keys[-1]}) wird angefragt.")
    else:
        context.log.info("Noch kein Stichtag: „alles“ rechnet Referenzdaten, Eingang, Kita und Konferenzen.")


@dg.job(
    name="alles_starten",
    description="Startet in der Oberfläche mit einem Klick (Launchpad → „Launch Run“) den Job „alles“ über alle "
                "Stichtage, auch die der Dateien, die gerade im Eingang liegen. Dieser Lauf meldet nur die Stichtage "
                "an; den Lauf von „alles“ fragt danach der Sensor „alles_nach_start“ an (er erscheint einige "
                "Sekunden später in der Lauf-Liste).",
    tags={ANLASS_TAG: "Oberfläche (alles_starten)"},
)
def alles_starten():
    lauf_vorbereiten()
