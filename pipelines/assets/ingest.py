"""Referenzdaten und Eingangsordner: die Quellen des Warehouse."""


import datetime as dt
import shutil

import dagster as dg

from pipelines.assets.lesen import LESESTRANG_KEYS
from pipelines.constants import GROUP_INGEST, SCHREIBER_TAGS
from pipelines.metadaten import befund_tabelle, tabelle
from pipelines.partitions import (
    PARTITIONIERTE_QUELLEN,
    ausgaben_anmelden,
    stichtag_aus_key,
    stichtage_anmelden,
)
from pipelines.resources import WarehouseResource
from sozial_dwh import warehouse
from sozial_dwh.eingangsbefunde import Eingangsbefunde, eingangsbefunde
from sozial_dwh.gelesen import lauf_ordner, vorab_aus
from sozial_dwh.ingest import Lieferung, ingest_inbox
from sozial_dwh.reference import REFERENZ_TABELLEN, GebietMatcher, load_gebiete, load_reference_tables
from sozial_dwh.sources import READERS, zellen
from sozial_dwh.validation.bericht import schreibe_bericht
from sozial_dwh.zusammenfassung import eingang_zeilen, lauf_zahlen


@dg.multi_asset(
    op_tags=SCHREIBER_TAGS,
    specs=[
        dg.AssetSpec(["raw", "ref_gebiete"], group_name=GROUP_INGEST,
                     description="Gebietsgliederung aus data/reference/gebiete.csv: eine Zeile je Gebiet."),
        *[dg.AssetSpec(["raw", ref.tabelle], group_name=GROUP_INGEST,
                       description=f"{ref.beschreibung} Aus data/reference/{ref.datei}.")
          for ref in REFERENZ_TABELLEN],
        dg.AssetSpec(["raw", "ref_vokabular"], group_name=GROUP_INGEST,
                     description="Feste Vokabulare der Konferenz-Arbeitsmappe (Sektor, Handlungsfeld, Art, Status; "
                                 "architektur.md §5.2), aus sozial_dwh.sources.konferenz."),
        dg.AssetSpec(["raw", "ref_geometrie"], group_name=GROUP_INGEST, skippable=True,
                     description="Flächen der heute gültigen Gebiete (WKB in EPSG:25832): eine Zeile je Gebiet mit "
                                 "Form, aus data/reference/gebiete.geojson oder der Datei in geometrie.csv."),
        dg.AssetSpec(["raw", "ref_geometrie_meldungen"], group_name=GROUP_INGEST, skippable=True,
                     description="Prüfung der Geometrie (unbekannte Kennungen, Gebiete ohne Form, Überlappungen, "
                                 "Lücken): eine Zeile je Meldung. Eine fehlerhafte Geometrie hält den Lauf nicht auf."),
    ],
)
def referenzdaten(context: dg.AssetExecutionContext, warehouse_db: WarehouseResource):
    """Lädt die Referenzdaten neu (sie sind klein und werden bei jedem Lauf ganz ersetzt)."""
    paths = warehouse_db.paths()
    with warehouse_db.connect() as con:
        counts = load_reference_tables(con, paths.reference)
        ids = [r[0] for r in con.execute("select bericht_id from raw.ref_berichte").fetchall()]
        meldungen = _geometrie(context, con, paths.reference, counts)
    neu = ausgaben_anmelden(context.instance, ids)
    if neu:
        context.log.info(f"Berichtsausgaben als Partitionen angemeldet: {', '.join(neu)}")
    for name, rows in counts.items():
        metadata = {"dagster/row_count": rows, "quelle": dg.MetadataValue.path(str(paths.reference))}
        if name == "ref_geometrie_meldungen":
            metadata["meldungen"] = dg.MetadataValue.md("\n".join(f"- {m}" for m in meldungen) or "keine")
        yield dg.MaterializeResult(asset_key=["raw", name], metadata=metadata)


def _geometrie(context: dg.AssetExecutionContext, con, reference, counts: dict[str, int]) -> list:
    """Geometrie prüfen und laden (Zeilen in `counts`); ihre Meldungen als Warnungen ins Protokoll. Hält den Lauf
    nie auf: auch ein unerwarteter Fehler wird nur gemeldet, die Karten entfallen dann."""
    from sozial_dwh import geometrie

    try:
        ergebnis = geometrie.in_warehouse(con, reference, load_gebiete(reference))
    except Exception as exc:  # architektur.md §10.1: eine fehlerhafte Geometrie blockiert keinen Lauf
        context.log.warning(f"Geometrie nicht geladen ({type(exc).__name__}: {exc}); die Karten entfallen.")
        return []
    for meldung in ergebnis.meldungen:
        (context.log.info if meldung.schwere == "hinweis" else context.log.warning)(f"Geometrie: {meldung}")
    counts.update(ref_geometrie=len(ergebnis.flaechen), ref_geometrie_meldungen=len(ergebnis.meldungen))
    return ergebnis.meldungen


RAW_TABLES = {table: name for name, reader in READERS.items() for table in reader.raw_tables}
# Übersprungen (`skippable`), solange das Warehouse noch gar keine Rohdaten hat – etwa beim ersten Lauf, wenn alle
# Dateien abgelehnt wurden oder der Eingang leer ist: dann rechnet Dagster nichts, was darauf aufbaut (kein halb
# gebautes Warehouse aus leeren Tabellen); übernommen werden Dateiregister und Referenzdaten.
RAW_SPECS = [
    dg.AssetSpec(
        table.split("."), group_name=GROUP_INGEST, deps=[["raw", "ref_gebiete"]], skippable=True,
        description=f"Rohdaten der Quelle „{name}“ wie gelesen, mit Herkunft (Datei, Blatt, Zeile).",
    )
    for table, name in RAW_TABLES.items()
]


EINGANG_CHECK = "eingang_vollstaendig_geladen"


def _check_beschreibung(zahlen: dict, befunde: Eingangsbefunde) -> str:
    """Für die Lauf-Ansicht: dieselben Sätze wie in Konsole und Prüfbericht (`eingang_zeilen`), dazu der erste
    Befund (Datei und Grund)."""
    if not sum(zahlen["dateien"].values()):
        return "Keine neuen Dateien im Eingang."
    saetze = ". ".join(eingang_zeilen(zahlen)) + "."
    if not befunde.befunde:
        return saetze
    erster = befunde.befunde[0]
    return (f"{saetze} Zuerst: {erster.datei} – {erster.ergebnis}: {erster.grund} Alles Weitere mit dem, was zu "
            "tun ist, in der Tabelle „befunde“.")


def _ohne_befund(zahlen: dict) -> bool:
    """Nichts abgelehnt und keine Zeile beim Lesen zurückgehalten (Warnungen zu geladenen Dateien zählen nicht)."""
    return zahlen["dateien"]["abgelehnt"] == 0 and zahlen["quarantaene_lesen"] == 0


def _check_ergebnis(zahlen: dict, befunde: Eingangsbefunde, paths) -> dg.AssetCheckResult:
    d = zahlen["dateien"]
    return dg.AssetCheckResult(
        check_name=EINGANG_CHECK, asset_key=["ops", "dateien"], passed=_ohne_befund(zahlen),
        severity=dg.AssetCheckSeverity.WARN, description=_check_beschreibung(zahlen, befunde),
        metadata={
            "befunde": befund_tabelle(befunde),
            # Namen und Zahlen wie in `sozial_dwh.zusammenfassung.lauf_zahlen` (Konsole, Prüfbericht)
            "dateien_geladen": d["geladen"] + d.get("ersetzt", 0),
            "dateien_abgelehnt": d["abgelehnt"],
            "quarantaene_beim_lesen": zahlen["quarantaene_lesen"],
            "summenabweichungen": zahlen["summenabweichungen"],
            "weitere_warnungen": zahlen["weitere_warnungen"],
            "fehlerberichte": dg.MetadataValue.path(str(paths.rejected)),
        },
    )


@dg.multi_asset(
    op_tags=SCHREIBER_TAGS,
    specs=[
        dg.AssetSpec(["ops", "dateien"], group_name=GROUP_INGEST, deps=[["raw", "ref_gebiete"], *LESESTRANG_KEYS],
                     description="Dateiregister: eine Zeile je gesehener Datei mit Status (geladen, abgelehnt, ersetzt)."),
        dg.AssetSpec(["quarantine", "zeilen"], group_name=GROUP_INGEST,
                     description="Zurückgehaltene Zeilen: eine Zeile je Fehler mit Datei, Blatt, Zeile, Spalte und Grund."),
        *RAW_SPECS,
    ],
    check_specs=[dg.AssetCheckSpec(
        EINGANG_CHECK, asset=["ops", "dateien"], blocking=False,
        description="Jede Datei dieses Laufs ist geladen und keine ihrer Zeilen zurückgehalten (Warnung). Sonst "
                    "nennt die Tabelle „befunde“ je abgelehnter Datei und zurückgehaltener Zeile Datei, Grund, Blatt, "
                    "Zeile, Spalte und was zu tun ist; Warnungen und Hinweise zu geladenen Dateien (z. B. "
                    "Summenzeilen, die nicht aufgehen) stehen dabei, ohne dass die Prüfung scheitert. Eine Zeile je Befund; Quelle: ops.dateien und "
                    "quarantine.zeilen. Zeilen, die erst die Prüfregeln der Staging-Tabellen zurückhalten, melden "
                    "deren Checks.",
    )],
)
def eingang(context: dg.AssetExecutionContext, warehouse_db: WarehouseResource):
    """Verarbeitet den Eingangsordner: erkennen, lesen, registrieren, archivieren oder ablehnen."""
    paths = warehouse_db.paths()
    started = dt.datetime.now().replace(microsecond=0)
    matcher = GebietMatcher(load_gebiete(paths.reference))
    auswahl = None
    if context.has_partition_key:
        # Lauf für einen Stichtag: er baut nur die Stichtag-Partitionen neu. Dateien anderer Stichtage und nicht
        # partitionierter Quellen (Kita, Konferenz: ihre Tabellen gehören nicht zum Job) warten auf ihren Lauf;
        # nicht erkennbare Dateien werden wie immer abgelehnt.
        stichtag = stichtag_aus_key(context.partition_key)

        def auswahl(lieferung: Lieferung) -> bool:
            return lieferung.quelle is None or (lieferung.quelle in PARTITIONIERTE_QUELLEN
                                                and (not lieferung.stichtage or stichtag in lieferung.stichtage))

    with warehouse_db.connect() as con:
        if auswahl is not None and not warehouse.ist_aufgebaut(con):
            raise dg.Failure(
                description=f"Ein Lauf für den Stichtag {context.partition_key} ergänzt ein fertiges Warehouse; "
                            "dieses ist noch nicht aufgebaut. Bitte zuerst den Job „alles“ starten (in der Oberfläche "
                            "„Materialize all“, sonst `sozial-dwh run`). Die Dateien bleiben im Eingang, das Warehouse "
                            "ist unverändert."
            )
        # Dateien werden erst gelöscht, wenn der ganze Lauf übernommen ist (bis dahin liegen sie auch im Eingang).
        vorher = con.execute("select coalesce(max(datei_id), 0) from ops.dateien").fetchall()[0][0]
        gelesen = lauf_ordner(paths, context.run_id)  # was die Lesestränge gelesen haben (pipelines/assets/lesen.py)
        try:
            summary = ingest_inbox(paths, con, matcher, progress=context.log.info,
                                   remove=warehouse_db.defer_inbox_removal, auswahl=auswahl,
                                   vorab=vorab_aus(gelesen) if gelesen.is_dir() else None)
        finally:
            zellen.release()  # alles gelesen: Speicher der Zellspeicher zurückgeben, bevor die Modelle rechnen
            shutil.rmtree(gelesen, ignore_errors=True)  # geladen (oder der Lauf scheitert): nicht mehr gebraucht
        # Die Dateien dieses Laufs (Nummern aus einer Folge, also größer als alle früheren) tragen seine Run-ID:
        # daran zählen Konsole, Prüfbericht und Oberfläche (sozial_dwh.zusammenfassung.lauf_zahlen).
        con.execute("update ops.dateien set lauf_id = ? where datei_id > ?", [context.run_id, vorher])
        schreibe_bericht(con, paths, context.run_id)  # zeigt Ablehnungen und Quarantäne auch ohne Prüfungen
        neue_stichtage = [r[0] for r in con.execute(
            "select distinct unnest(stichtage) from ops.dateien where geladen_am >= ? and status = 'geladen' "
            "and quelle in (select unnest(?))", [started, list(PARTITIONIERTE_QUELLEN)]).fetchall()]
        dateien = con.execute(
            "select dateiname, quelle, stichtag, status, zeilen_geladen, zeilen_quarantaene from ops.dateien "
            "where geladen_am >= ? order by datei_id", [started]
        ).fetchall()
        befunde = eingangsbefunde(con, context.run_id)
        zahlen = lauf_zahlen(con, context.run_id)
        counts = {key: warehouse.table_row_count(con, *key.split(".")) for key in
                  ["ops.dateien", "quarantine.zeilen", *RAW_TABLES]}
    neu = stichtage_anmelden(context.instance, neue_stichtage)
    if neu:
        context.log.info(f"Neue Stichtag-Partitionen: {', '.join(neu)}")
    if summary.zurueckgestellt:
        context.log.info(f"Für andere Stichtage im Eingang gelassen: {', '.join(summary.zurueckgestellt)}")
    for meldung in summary.doppelt_meldungen:
        context.log.warning(meldung)
    context.log.info(
        f"Eingang: {len(summary.geladen)} geladen, {len(summary.abgelehnt)} abgelehnt, "
        f"{len(summary.doppelt)} bereits bekannt, {summary.quarantaene_zeilen} Zeilen in Quarantäne, "
        f"{len(summary.in_arbeit)} noch in Arbeit (beim nächsten Lauf)."
    )
    yield dg.MaterializeResult(
        asset_key=["ops", "dateien"],
        metadata={
            "dagster/row_count": counts["ops.dateien"],
            "geladen": len(summary.geladen),
            "abgelehnt": len(summary.abgelehnt),
            "bereits_bekannt": len(summary.doppelt),
            "bereits_bekannt_meldungen": dg.MetadataValue.md("\n".join(f"- {m}" for m in summary.doppelt_meldungen)
                                                             or "keine"),
            "noch_in_arbeit": len(summary.in_arbeit),
            "noch_in_arbeit_meldungen": dg.MetadataValue.md("\n".join(f"- {m}" for m in summary.in_arbeit_meldungen)
                                                            or "keine"),
            "dateien_dieses_laufs": tabelle(["Datei", "Quelle", "Stichtag", "Status", "Zeilen", "Quarantäne"],
                                            dateien),
            "eingang": dg.MetadataValue.path(str(paths.inbox)),
        },
    )
    yield dg.MaterializeResult(
        asset_key=["quarantine", "zeilen"],
        metadata={"dagster/row_count": counts["quarantine.zeilen"], "neu": summary.quarantaene_zeilen},
    )
    if not _ohne_befund(zahlen):
        context.log.warning(_check_beschreibung(zahlen, befunde))
    # Der Check gehört zu ops/dateien und wird immer gemeldet, auch wenn die Rohdaten-Assets übersprungen werden
    yield _check_ergebnis(zahlen, befunde, paths)
    if not any(counts[table] for table in RAW_TABLES):
        context.log.info("Noch keine Rohdaten im Warehouse: Modelle, Analysekopie und Berichtsausgaben entstehen "
                         "beim ersten Lauf mit einer ladbaren Datei.")
        return
    for table in RAW_TABLES:
        yield dg.MaterializeResult(asset_key=table.split("."), metadata={"dagster/row_count": counts[table]})
