"""Fabrik: jede Datei `sql/<schicht>/<tabelle>.sql` wird genau ein Asset `[<schicht>, <tabelle>]`.

Gerechnet werden die Modelle in wenigen Schritten (`sozial_dwh.modellschritte`): je Schritt ein teilbares
Multi-Asset (`can_subset`), das die ausgewählten Modelle in der Reihenfolge ihrer Abhängigkeiten rechnet. In der
Oberfläche bleibt jedes Modell ein Asset mit Metadaten und Prüfungen und lässt sich einzeln materialisieren.

Staging-Tabellen mit Prüfregeln (sozial_dwh.validation.regeln) tragen je Regel einen Asset-Check: nach dem
Aufbau der Tabelle laufen die Great-Expectations-Prüfungen, zeilenweise Fehler gehen in die Quarantäne,
blockierende Fehler halten die nachgelagerten Assets an – im eigenen Schritt (er hört nach dem Tor auf) und in
den Schritten danach (Dagster hält sie an, weil der Schritt an der blockierenden Prüfung scheitert).
"""


import time
import warnings

import dagster as dg
import duckdb

from pipelines.constants import LAYER_GROUPS, PRUEFT, SCHREIBER_TAGS
from pipelines.metadaten import tabelle
from pipelines.partitions import STICHTAGE, stichtag_aus_key, stichtag_key, stichtage_anmelden
from pipelines.resources import WarehouseResource
from sozial_dwh import warehouse
from sozial_dwh.modellschritte import Modellschritt, abhaengigkeiten, schritte_des_projekts
from sozial_dwh.modellschritte import tabelle as tabellenname
from sozial_dwh.models import SqlModel, discover
from sozial_dwh.validation.regeln import Regel, regeln_fuer


def _preview(con, model: SqlModel) -> dg.TableMetadataValue:
    # ohne pandas: dieselben Texte (`anzeige.wert` liest Python- wie pandas-Werte), je Modell gut 1 ms weniger
    ergebnis = con.execute(f'select * from "{model.schema}"."{model.name}" limit 10')
    return tabelle([spalte[0] for spalte in ergebnis.description], ergebnis.fetchall())


def _check_spec(model: SqlModel, regel: Regel) -> dg.AssetCheckSpec:
    art = "blockierend" if regel.blockierend else ("zeilenweise: Quarantäne" if regel.schwere == "fehler" else "Warnung")
    return dg.AssetCheckSpec(
        name=regel.id, asset=list(model.key), blocking=regel.blockierend,
        description=f"{regel.beschreibung} ({art}; Great Expectations {regel.erwartung})",
    )


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
            spalten = list(dict.fromkeys(k for b in e.beispiele for k in b))
            metadata["beispiele"] = tabelle(spalten, [[b.get(k) for k in spalten] for b in e.beispiele])
        results.append(dg.AssetCheckResult(
            check_name=e.regel.id, asset_key=list(model.key), passed=e.erfolgreich, severity=severity,
            metadata=metadata,
        ))
    return results


def _quelle(model: SqlModel) -> str | None:
    if model.schema != "staging" or not model.name.startswith("stg_"):
        return None
    name = model.name[4:]
    return "konferenz" if name.startswith("konferenz_") else name


def _dateien(con, quelle: str, stichtage: list | None) -> dg.TableMetadataValue:
    """Die Lieferungen einer Quelle (Datei, Stichtag, Status, Zeilen, SHA-256) als Tabelle für die Oberfläche."""
    sql = ("select dateiname, stichtag, status, zeilen_geladen, zeilen_quarantaene, left(sha256, 12) || '…' "
           "from ops.dateien where quelle = ?")
    params: list = [quelle]
    if stichtage:
        sql += " and stichtag in (select unnest(?))"
        params.append(stichtage)
    rows = con.execute(sql + " order by stichtag, datei_id", params).fetchall()
    return tabelle(["Datei", "Stichtag", "Status", "Zeilen", "Quarantäne", "SHA-256"], rows)


def _verdaechtige(warehouse_db: WarehouseResource, quelle: str | None, stichtage: list | None) -> str:
    """Die zuletzt geladenen Dateien der Quelle (und des Stichtags) – dort liegt der Fehler meist."""
    if not quelle:
        return ("Meist liegt es an einer neuen Lieferung: `sozial-dwh check <Datei>` zeigt Blatt, Zeile und Spalte. ")
    try:
        with warehouse_db.connect() as con:
            sql = "select dateiname from ops.dateien where quelle = ? and status = 'geladen'"
            params: list = [quelle]
            if stichtage:
                sql += " and stichtag in (select unnest(?))"
                params.append(stichtage)
            namen = [r[0] for r in con.execute(sql + " order by geladen_am desc limit 3", params).fetchall()]
    except Exception:  # Meldung nicht an einer zweiten Störung scheitern lassen
        namen = []
    if not namen:
        return "Bitte die Lieferungen dieser Quelle mit `sozial-dwh check <Datei>` prüfen. "
    return (f"Zuletzt geladene Dateien dieser Quelle: {', '.join(namen)}. Bitte sie mit `sozial-dwh check <Datei>` "
            "prüfen (Blatt, Zeile, Spalte), korrigiert erneut in den Eingang legen und den Lauf wiederholen. ")


def _transient(exc: Exception) -> bool:
    """Vorübergehende Fehler (Datei gesperrt, Netzlaufwerk kurz weg): der Schritt wird wiederholt."""
    return isinstance(exc, (duckdb.IOException, TimeoutError)) or (
        isinstance(exc, OSError) and not isinstance(exc, (FileNotFoundError, PermissionError)))


def build_sql_step(schritt: Modellschritt) -> dg.AssetsDefinition:
    """Ein Schritt (sozial_dwh.modellschritte): ein teilbares Multi-Asset, je Modell ein Asset mit seinen Prüfungen."""
    # `backfill_policy` ist in Dagster 1.13 „beta“: die Warnung bei jedem Laden der Definitions (auch in jeder
    # Ausgabe von `sozial-dwh`) hilft niemandem, der Daten abgibt.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*backfill_policy.*beta")
        return _schritt_definition(schritt)


def _schritt_definition(schritt: Modellschritt) -> dg.AssetsDefinition:
    regeln = {m.key: regeln_fuer(tabellenname(m)) for m in schritt.modelle}
    specs = [dg.AssetSpec(
        key=list(m.key),
        deps=[list(dep) for dep in sorted(abhaengigkeiten(m))],
        group_name=LAYER_GROUPS[m.schema],
        description=m.description or None,
        kinds={"duckdb", "sql"},
        skippable=True,  # nach einer gescheiterten blockierenden Prüfung bleiben die abhängigen Modelle aus
    ) for m in schritt.modelle]

    @dg.multi_asset(
        name=schritt.name,
        specs=specs,
        check_specs=[_check_spec(m, regel) for m in schritt.modelle for regel in regeln[m.key]],
        can_subset=True,
        op_tags={**SCHREIBER_TAGS, **({PRUEFT: "ja"} if any(regeln.values()) else {})},
        description=f"Schritt: {schritt.beschreibung()}.",
        partitions_def=STICHTAGE if schritt.partitioniert else None,
        # Mehrere Stichtage (Nachberechnung in der Oberfläche) in einem Lauf: es arbeitet immer nur ein Lauf
        backfill_policy=dg.BackfillPolicy.single_run() if schritt.partitioniert else None,
    )
    def _modelle(context: dg.AssetExecutionContext, warehouse_db: WarehouseResource):
        # Partition: nur diese Stichtage neu; ohne Partition (Job „alles“): die ganze Tabelle
        stichtage = None
        if schritt.partitioniert and (context.has_partition_key or context.has_partition_key_range):
            stichtage = [stichtag_aus_key(k) for k in context.partition_keys]
        ausgewaehlt = [m for m in schritt.modelle if dg.AssetKey(list(m.key)) in context.selected_asset_keys]
        checks = context.selected_asset_check_keys
        with warehouse_db.connect() as con:  # eine Verbindung zur Arbeitskopie für den ganzen Schritt
            for nummer, model in enumerate(ausgewaehlt):
                ergebnisse = yield from _modell(context, warehouse_db, con, model, regeln[model.key], stichtage,
                                                checks)
                gescheitert = [e.regel.id for e in ergebnisse if e.regel.blockierend and not e.erfolgreich]
                if gescheitert:
                    rest = [tabellenname(m) for m in ausgewaehlt[nummer + 1:]]
                    if rest:  # alle übrigen Modelle des Schritts hängen von diesem ab (sozial_dwh.modellschritte)
                        context.log.warning(
                            f"Blockierende Prüfung {', '.join(gescheitert)} auf {tabellenname(model)} gescheitert: "
                            f"{', '.join(rest)} werden in diesem Lauf nicht berechnet und bleiben im vorherigen "
                            "Stand.")
                    return

    return _modelle


def _modell(context: dg.AssetExecutionContext, warehouse_db: WarehouseResource, con, model: SqlModel,
            regeln: list[Regel], stichtage: list | None, checks):
    """Rechnet und prüft ein Modell; liefert Materialisierung und Prüfergebnisse, gibt die Ergebnisse zurück."""
    table = tabellenname(model)
    quelle = _quelle(model)
    ergebnisse = []
    bericht = ""
    try:
        if stichtage is None:
            warehouse.run_sql_file(con, model.path)
        else:
            warehouse.run_sql_partition(con, model.path, stichtage)
        if regeln:
            pruef_start = time.perf_counter()
            from sozial_dwh.validation.bericht import schreibe_bericht
            from sozial_dwh.validation.pruefen import (
                entferne_alte_quarantaene,
                lade_parameter,
                pruefe_tabelle,
            )

            entferne_alte_quarantaene(con, table, stichtage)
            ergebnisse = pruefe_tabelle(con, table, lade_parameter(warehouse_db.paths().reference),
                                        lauf_id=context.run_id, stichtage=stichtage)
            bericht = str(schreibe_bericht(con, warehouse_db.paths(), context.run_id))
            pruefdauer = time.perf_counter() - pruef_start
            for e in ergebnisse:
                if not e.erfolgreich:
                    context.log.warning(f"Prüfung {e.regel.id} ({e.regel.schwere}): {e.beobachtet}")
        rows = warehouse.table_row_count(con, model.schema, model.name)
        preview = _preview(con, model)
        dateien = _dateien(con, quelle, stichtage) if quelle else None
        je_stichtag = (con.execute(f'select stichtag, count(*) from "{model.schema}"."{model.name}" '
                                   "group by stichtag order by stichtag").fetchall()
                       if model.partitioniert and stichtage is None else [])
    except Exception as exc:
        if _transient(exc):
            raise dg.RetryRequested(max_retries=2, seconds_to_wait=3) from exc
        wo = f" für Stichtag {', '.join(map(str, stichtage))}" if stichtage else ""
        raise dg.Failure(
            description=f"{table}{wo} ließ sich nicht berechnen: {exc}. Das Warehouse bleibt im vorherigen Stand. "
                        f"{_verdaechtige(warehouse_db, quelle, stichtage)}"
                        f"Die SQL-Datei ist {model.path.relative_to(model.path.parents[2])}.",
            metadata={"tabelle": table},
        ) from exc
    context.log.info(f"{table}: {rows} Zeilen" + (f" (neu berechnet: Stichtag {', '.join(map(str, stichtage))})"
                                                 if stichtage else ""))
    key = dg.AssetKey(list(model.key))
    metadata = {
        "dagster/row_count": rows,
        "sql": dg.MetadataValue.path(str(model.path)),
        "vorschau": preview,
    }
    if dateien is not None:
        metadata["dateien"] = dateien
    if regeln:
        metadata["pruefbericht"] = dg.MetadataValue.path(bericht)
        metadata["quarantaene_zeilen"] = sum(e.quarantaene for e in ergebnisse)
        metadata["pruefdauer_s"] = round(pruefdauer, 3)  # Great Expectations, Quarantäne, Prüfbericht
    if je_stichtag:
        # Lauf ohne Partition: jede vorhandene Stichtag-Partition als materialisiert melden
        stichtage_anmelden(context.instance, [s for s, _ in je_stichtag])
        for stichtag, anzahl in je_stichtag:
            context.log_event(dg.AssetMaterialization(
                asset_key=key, partition=stichtag_key(stichtag),
                metadata={"dagster/row_count": anzahl, "vollstaendig_neu_berechnet": True}))
    yield dg.MaterializeResult(asset_key=key, metadata=metadata)
    for result in _check_results(model, ergebnisse, bericht):
        if dg.AssetCheckKey(key, result.check_name) in checks:
            yield result
    return ergebnisse


SQL_MODELS = discover()
MODELLSCHRITTE = schritte_des_projekts()
sql_assets = [build_sql_step(schritt) for schritt in MODELLSCHRITTE]
