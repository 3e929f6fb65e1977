"""Fabrik: jede Datei `sql/<schicht>/<tabelle>.sql` wird genau ein Asset `[<schicht>, <tabelle>]`."""


import dagster as dg

from pipelines.constants import LAYER_GROUPS
from pipelines.resources import WarehouseResource
from sozial_dwh import warehouse
from sozial_dwh.models import SqlModel, discover


def _preview(con, model: SqlModel) -> str:
    frame = con.execute(f'select * from "{model.schema}"."{model.name}" limit 10').df()
    return frame.to_markdown(index=False)


def build_sql_asset(model: SqlModel) -> dg.AssetsDefinition:
    @dg.asset(
        key=list(model.key),
        deps=[list(dep) for dep in model.deps],
        group_name=LAYER_GROUPS[model.schema],
        description=model.description or None,
        kinds={"duckdb", "sql"},
        name=None,
    )
    def _sql_asset(context: dg.AssetExecutionContext, warehouse_db: WarehouseResource) -> dg.MaterializeResult:
        with warehouse_db.connect() as con:
            warehouse.run_sql_file(con, model.path)
            rows = warehouse.table_row_count(con, model.schema, model.name)
            preview = _preview(con, model)
        context.log.info(f"{model.schema}.{model.name}: {rows} Zeilen")
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": rows,
                "sql": dg.MetadataValue.path(str(model.path)),
                "vorschau": dg.MetadataValue.md(preview),
            }
        )

    return _sql_asset


SQL_MODELS = discover()
sql_assets = [build_sql_asset(model) for model in SQL_MODELS]
