"""Fabrik: jede Datei `sql/<schicht>/<tabelle>.sql` wird genau ein Asset `[<schicht>, <tabelle>]`.

Staging-Tabellen mit Prüfregeln (sozial_dwh.validation.regeln) tragen je Regel einen Asset-Check: nach dem
Aufbau der Tabelle laufen die Great-Expectations-Prüfungen, zeilenweise Fehler gehen in die Quarantäne,
blockierende Fehler halten die nachgelagerten Assets an.
"""


import dagster as dg

from pipelines.constants import LAYER_GROUPS
from pipelines.resources import WarehouseResource
from sozial_dwh import warehouse
from sozial_dwh.models import SqlModel, discover, references
from sozial_dwh.validation.pruefen import abfrage_sql
from sozial_dwh.validation.regeln import Regel, regeln_fuer


def _preview(con, model: SqlModel) -> str:
    frame = con.execute(f'select * from "{model.schema}"."{model.name}" limit 10').df()
    return frame.to_markdown(index=False)


def _check_spec(model: SqlModel, regel: Regel) -> dg.AssetCheckSpec:
    art = "blockierend" if regel.blockierend else ("zeilenweise: Quarantäne" if regel.schwere == "fehler" else "Warnung")
    return dg.AssetCheckSpec(
        name=regel.id, asset=list(model.key), blocking=regel.blockierend,
        description=f"{regel.beschreibung} ({art}; Great Expectations {regel.erwartung})",
    )


def _rule_deps(regeln: list[Regel], own: tuple[str, str]) -> set[tuple[str, str]]:
    deps: set[tuple[str, str]] = set()
    for abfrage in {r.abfrage for r in regeln}:
        deps |= references(abfrage_sql(abfrage))
    deps.discard(own)
    return deps


def _check_results(model: SqlModel, ergebnisse, bericht: str) -> list[dg.AssetCheckResult]:
    results = []
    for e in ergebnisse:
        severity = dg.AssetCheckSeverity.ERROR if e.regel.blockierend else dg.AssetCheckSeverity.WARN
        metadata = {
            "erwartung": e.regel.erwartung,
            "regel": e.regel.beschreibung,
            "beobachtet": e.beobachtet,
            "gepruefte_zeilen": e.zeilen,
            "fehlzeilen": e.fehlzeilen,
            "quarantaene": e.quarantaene,
            "pruefbericht": dg.MetadataValue.path(bericht),
        }
        if e.beispiele:
            metadata["beispiele"] = dg.MetadataValue.json(e.beispiele)
        results.append(dg.AssetCheckResult(
            check_name=e.regel.id, asset_key=list(model.key), passed=e.erfolgreich, severity=severity,
            metadata=metadata,
        ))
    return results


def build_sql_asset(model: SqlModel) -> dg.AssetsDefinition:
    table = f"{model.schema}.{model.name}"
    regeln = regeln_fuer(table)
    deps = set(model.deps) | _rule_deps(regeln, model.key)

    @dg.asset(
        key=list(model.key),
        deps=[list(dep) for dep in sorted(deps)],
        group_name=LAYER_GROUPS[model.schema],
        description=model.description or None,
        kinds={"duckdb", "sql"},
        check_specs=[_check_spec(model, regel) for regel in regeln],
    )
    def _sql_asset(context: dg.AssetExecutionContext, warehouse_db: WarehouseResource):
        ergebnisse = []
        bericht = ""
        with warehouse_db.connect() as con:
            warehouse.run_sql_file(con, model.path)
            if regeln:
                from sozial_dwh.validation.bericht import schreibe_bericht
                from sozial_dwh.validation.pruefen import (
                    entferne_alte_quarantaene,
                    lade_parameter,
                    pruefe_tabelle,
                )

                entferne_alte_quarantaene(con, table)
                ergebnisse = pruefe_tabelle(con, table, lade_parameter(warehouse_db.paths().reference),
                                            lauf_id=context.run_id)
                bericht = str(schreibe_bericht(con, warehouse_db.paths(), context.run_id))
                for e in ergebnisse:
                    if not e.erfolgreich:
                        context.log.warning(f"Prüfung {e.regel.id} ({e.regel.schwere}): {e.beobachtet}")
            rows = warehouse.table_row_count(con, model.schema, model.name)
            preview = _preview(con, model)
        context.log.info(f"{table}: {rows} Zeilen")
        metadata = {
            "dagster/row_count": rows,
            "sql": dg.MetadataValue.path(str(model.path)),
            "vorschau": dg.MetadataValue.md(preview),
        }
        if regeln:
            metadata["pruefbericht"] = dg.MetadataValue.path(bericht)
            metadata["quarantaene_zeilen"] = sum(e.quarantaene for e in ergebnisse)
        yield dg.MaterializeResult(metadata=metadata)
        yield from _check_results(model, ergebnisse, bericht)

    return _sql_asset


SQL_MODELS = discover()
sql_assets = [build_sql_asset(model) for model in SQL_MODELS]
