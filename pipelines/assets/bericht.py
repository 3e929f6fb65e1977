"""Berichtsausgaben des Sozialberichts (architektur.md §10) als Partitionen: eine Partition je Ausgabe aus
data/reference/berichte.csv. Ein Schritt baut alle Tabellen `bericht.*` der Ausgabe und ihre Dateien in
`exports/sozialbericht_<ID>/`; freigegebene Ausgaben bleiben eingefroren (Konfiguration `neu` baut sie neu).
"""


import dagster as dg

from pipelines.constants import GROUP_BERICHT, SCHREIBER_TAGS
from pipelines.partitions import AUSGABEN
from pipelines.resources import WarehouseResource
from sozial_dwh.bericht import ausgabe as ausgabe_mod
from sozial_dwh.bericht.tabellen import TABELLEN
from sozial_dwh.models import references


class AusgabeConfig(dg.Config):
    neu: bool = False  # freigegebene (eingefrorene) Ausgabe trotzdem neu bauen


def _deps(name: str) -> list[list[str]]:
    sql = (ausgabe_mod.BERICHT_SQL / f"{name}.sql").read_text(encoding="utf-8")
    return [list(key) for key in sorted(references(sql)) if key[0] != "bericht"]


SPECS = [
    *[dg.AssetSpec(["bericht", t.name], group_name=GROUP_BERICHT, deps=_deps(t.name), partitions_def=AUSGABEN,
                   description=f"{t.titel} – veröffentlichter Stand je Berichtsausgabe (Geheimhaltung angewandt). "
                               f"Abfrage: sql/bericht/{t.name}.sql.", kinds={"duckdb"})
      for t in TABELLEN],
    dg.AssetSpec(["bericht", "ausgaben"], group_name=GROUP_BERICHT,
                 deps=[*(["bericht", t.name] for t in TABELLEN), ["raw", "ref_geometrie"],
                       ["raw", "ref_geometrie_meldungen"]],
                 partitions_def=AUSGABEN, kinds={"excel", "csv"},
                 description="Dateien der Ausgabe in exports/sozialbericht_<ID>/ (Excel mit Info und Methodik, CSV "
                             "je Tabelle, PNG-Grafiken, Karten in karten/, Atlas atlas/index.html, manifest.json) und ihr Register "
                             "bericht.ausgaben."),
]


@dg.multi_asset(specs=SPECS, partitions_def=AUSGABEN, can_subset=False, op_tags=SCHREIBER_TAGS)
def berichtsausgabe(context: dg.AssetExecutionContext, config: AusgabeConfig, warehouse_db: WarehouseResource):
    bericht_id = context.partition_key
    paths = warehouse_db.paths()
    with warehouse_db.connect() as con:
        ergebnis = ausgabe_mod.baue(con, paths, bericht_id, neu=config.neu, fortschritt=context.log.info)
    # Letzter Schritt des Laufs: Warehouse übernehmen und die Analysekopie mit den Berichtstabellen veröffentlichen
    warehouse_db.promote(publish_analysis=True)
    status = "eingefroren (unverändert)" if ergebnis.eingefroren else "neu gebaut"
    for t in TABELLEN:
        metadata = {"ausgabe": bericht_id, "status": status}
        if not ergebnis.eingefroren:
            metadata["dagster/row_count"] = ergebnis.zeilen.get(t.name, 0)
            metadata["gesperrte_zellen"] = ergebnis.gesperrt.get(t.name, 0)
        yield dg.MaterializeResult(asset_key=["bericht", t.name], metadata=metadata)
    yield dg.MaterializeResult(asset_key=["bericht", "ausgaben"], metadata={
        "ausgabe": bericht_id,
        "status": status,
        "ordner": dg.MetadataValue.path(str(ergebnis.ordner)),
        "pruefsumme": ergebnis.pruefsumme,
        "dateien": dg.MetadataValue.md("\n".join(f"- {p.name}" for p in ergebnis.dateien)),
    })
