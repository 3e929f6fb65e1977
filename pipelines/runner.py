"""`sozial-dwh run`: alle Assets im selben Prozess materialisieren – mit denselben Definitions wie die Oberfläche.

Der Lauf arbeitet auf einer Arbeitskopie des Warehouse (pipelines/resources.py): gelingt er, ersetzt sie am Ende
Warehouse und Analysekopie; scheitert er an einem Fehler oder wird er abgebrochen, bleibt beides im vorherigen Stand.
"""


import os
import time
from collections.abc import Callable
from pathlib import Path

import dagster as dg

from pipelines.ausfuehren import alles_ausfuehren
from pipelines.export import run_berichte
from pipelines.fortschritt import Ausgabe, dauer, schritt_name
from pipelines.resources import BLOCKIERT, ERFOLGREICH, FEHLER, run_outcome
from sozial_dwh import diskspace, warehouse
from sozial_dwh.bericht.ausgabe import MANIFEST
from sozial_dwh.config import Paths
from sozial_dwh.ingest import inbox_files
from sozial_dwh.zusammenfassung import anzahl, lauf_einzelheiten, lauf_zahlen, lauf_zeilen

KONFERENZ_INDIKATOR = "bedarfe_anzahl"  # architektur.md §8: Stichtag = Datum der Konferenz

SUMMARY_TABLES = ["ops.dateien", "quarantine.zeilen", "core.dim_gebiet", "core.fact_bevoelkerung",
                  "mart.indikator_werte"]


def run_all(paths: Paths, progress: Callable[[str], None] | None = None, ausgabe: Ausgabe | None = None,
            prozesse: int | None = None) -> int:
    """Ein Lauf wie `sozial-dwh run`: Job „alles“, danach die Berichtsausgaben, Zusammenfassung auf stdout.

    `ausgabe` (Kommandozeile): Fortschritt je Schritt auf stderr, Dagsters Protokoll in ihre Datei; `progress` nimmt
    die übrigen Meldungen (ohne Angabe: die der Ausgabe, sonst print). `prozesse`: Schritte in so vielen Prozessen
    (pipelines/executor.py)."""
    progress = progress or (ausgabe.melden if ausgabe else print)
    clock = time.monotonic()
    progress(f"Lauf gestartet: Warehouse {paths.warehouse}")
    try:
        instance = dg.DagsterInstance.get()
        result = alles_ausfuehren(instance, paths, raise_on_error=False, ausgabe=ausgabe, prozesse=prozesse,
                                  run_config=None if ausgabe else {"loggers": {"console": {"config": {"log_level": "INFO"}}}})
    except Exception as exc:  # z. B. die Dagster-Instanz (SQLite in DAGSTER_HOME) kann nicht mehr schreiben
        technisch = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        if _platte_voll(exc, str(exc), paths):
            progress("FEHLER: " + diskspace.disk_full_message(paths, technisch, _dagster_home()))
        else:
            progress(f"FEHLER: Der Lauf konnte nicht ausgeführt werden (technische Angabe: {technisch}).")
        progress(f"Lauf gescheitert nach {dauer(time.monotonic() - clock)}. Warehouse und Analysekopie bleiben im "
                 f"vorherigen Stand; die Dateien bleiben im Eingang ({paths.inbox}). Reste dieses Laufs räumt der "
                 "nächste Lauf weg.")
        return 1
    seconds = time.monotonic() - clock
    # Fehler beim Abschluss (Übernahme der Arbeitskopie im Abbau der Ressource) lassen den Lauf in Dagster
    # erfolgreich aussehen; hier zählen sie als Fehler.
    teardown_errors = [e for e in result.all_events if e.event_type_value == "ENGINE_EVENT"
                       and getattr(e.event_specific_data, "error", None) is not None]
    outcome = FEHLER if teardown_errors else run_outcome(result.all_events)
    if not result.success or outcome != ERFOLGREICH:
        gemeldet: set[str] = set()
        blocking = [e for e in result.get_asset_check_evaluations() if not e.passed and e.blocking]
        for e in blocking:
            beobachtet = e.metadata.get("beobachtet")
            progress(f"BLOCKIERT: Prüfung {e.check_name} auf {'.'.join(e.asset_key.path)}: "
                     f"{beobachtet.value if beobachtet else 'nicht bestanden'}")
        for event in result.all_events:
            if event.is_step_failure:
                error = event.event_specific_data.error
                if error.cls_name == "DagsterAssetCheckFailedError":
                    continue  # oben mit Regel und Befund gemeldet
                while error.cause is not None:
                    error = error.cause
                # mehrere Modelle in einem Schritt: die Tabelle steht in den Metadaten des Fehlers (pipelines/assets/sql.py)
                fehlschlag = event.event_specific_data.user_failure_data
                tabelle = fehlschlag.metadata.get("tabelle") if fehlschlag is not None else None
                wo = schritt_name(event.step_key) + (f", Tabelle {tabelle.value}" if tabelle is not None else "")
                progress(f"FEHLER in Schritt „{wo}“: {_deutsch(error.message.strip(), paths, gemeldet)}")
        for event in teardown_errors:
            error = event.event_specific_data.error
            while error.cause is not None:
                error = error.cause
            progress(f"FEHLER beim Abschluss des Laufs: {_deutsch(error.message.strip(), paths, gemeldet)}")
        for event in result.all_events:  # Fehler außerhalb der Schritte, z. B. die Dagster-Instanz schreibt nicht mehr
            error = getattr(event.event_specific_data, "error", None) if event.event_type_value == "RUN_FAILURE" else None
            if error is not None:
                while error.cause is not None:
                    error = error.cause
                progress(f"FEHLER im Lauf: {_deutsch(error.message.strip(), paths, gemeldet)}")
        if outcome == BLOCKIERT:
            progress("Eingang, Staging-Tabellen und Prüfergebnisse sind übernommen; nachgelagerte Tabellen wurden "
                     "nicht neu berechnet, die Analysekopie bleibt im vorherigen Stand. "
                     f"Prüfbericht: {paths.home / 'pruefberichte' / 'pruefbericht_aktuell.html'}")
            progress(f"Lauf gescheitert nach {dauer(seconds)}.")
        else:
            progress(f"Lauf gescheitert nach {dauer(seconds)}. Warehouse und Analysekopie bleiben im vorherigen Stand; "
                     f"die Dateien dieses Laufs bleiben im Eingang ({paths.inbox}) und werden beim nächsten Lauf geladen.")
        return 1
    # Ohne Daten (erster Lauf, alles abgelehnt oder Eingang leer) gibt es nichts zu berichten: keine halbe Ausgabe
    berichte = run_berichte(paths, progress=progress, ausgabe=ausgabe) if warehouse.warehouse_aufgebaut(paths) else 0
    seconds = time.monotonic() - clock
    print(summary(paths, seconds, result.run_id, protokoll=ausgabe.datei if ausgabe else None))
    if berichte:
        progress("Mindestens eine Berichtsausgabe ist gescheitert (siehe oben); die Daten des Laufs sind übernommen.")
    return berichte


def _dagster_home() -> Path | None:
    value = os.environ.get("DAGSTER_HOME")
    return Path(value) if value else None


def _platte_voll(exc: BaseException | None, text: str, paths: Paths) -> bool:
    folders = [paths.home, *([_dagster_home()] if _dagster_home() else [])]
    return diskspace.looks_like_disk_full(exc, text, folders)


def _deutsch(message: str, paths: Paths, gemeldet: set[str]) -> str:
    """Eine volle Platte (im Text einer Fehlermeldung von Betriebssystem, DuckDB oder SQLite) als deutsche Meldung
    mit Ordnern und Platz – ausführlich beim ersten Mal, danach kurz; schon deutsche Meldungen (z. B. `DiskFull`)
    bleiben, wie sie sind."""
    if "Speicherplatz" in message:  # schon deutsch (sozial_dwh.diskspace.DiskFull)
        gemeldet.add("platte")
        return message.split("DiskFull: ", 1)[-1]
    if not _platte_voll(None, message, paths):
        return message
    if "platte" in gemeldet:
        return f"Kein Speicherplatz mehr frei (siehe oben; technische Angabe: {message})."
    gemeldet.add("platte")
    return diskspace.disk_full_message(paths, message, _dagster_home())


def _geometrie(con) -> list[str]:
    """Zeilen der Zusammenfassung zur Geometrie (Karten): Gebiete mit Form und die Meldungen der Prüfung."""
    if not warehouse.table_exists(con, "raw", "ref_geometrie_meldungen"):
        return []
    formen = warehouse.table_row_count(con, "raw", "ref_geometrie") if warehouse.table_exists(
        con, "raw", "ref_geometrie") else 0
    meldungen = con.execute("select schwere, meldung from raw.ref_geometrie_meldungen order by nr").fetchall()
    zeilen = ["", f"Geometrie (Karten): {formen} Gebiete mit Form, {len(meldungen)} Meldung(en)"]
    zeilen += [f"  {schwere.upper()}: {text}" for schwere, text in meldungen[:10]]
    if len(meldungen) > 10:
        zeilen.append(f"  … und {len(meldungen) - 10} weitere (Tabelle raw.ref_geometrie_meldungen, Blatt Info jeder "
                      "Ausgabe)")
    return zeilen


def summary(paths: Paths, seconds: float, run_id: str, protokoll: Path | None = None) -> str:
    """Die Zusammenfassung eines gelungenen Laufs: Zahlen wie im Prüfbericht (sozial_dwh.zusammenfassung),
    Tabellen, Indikatoren, Pfade."""
    with warehouse.connect(paths, read_only=True) as con:
        zahlen = lauf_zahlen(con, run_id)
        aufgebaut = warehouse.ist_aufgebaut(con)
        tables = [(name, warehouse.table_row_count(con, *name.split("."))) for name in SUMMARY_TABLES
                  if warehouse.table_exists(con, *name.split("."))]
        # Konferenzergebnisse (bedarfe_anzahl) stehen am Datum ihrer Konferenz, nicht an einem Statistik-Stichtag
        indicators = con.execute(
            "select count(distinct indikator_id), count(distinct stichtag) filter (where indikator_id <> ?), "
            "count(distinct ebene), count(distinct stichtag) filter (where indikator_id = ?) "
            "from mart.indikator_werte where wert is not null", [KONFERENZ_INDIKATOR, KONFERENZ_INDIKATOR]
        ).fetchall()[0] if aufgebaut else None
        geometrie = _geometrie(con)
    bericht = paths.home / "pruefberichte" / "pruefbericht_aktuell.html"
    lines = [f"Lauf erfolgreich in {dauer(seconds)}.", "", *lauf_zeilen(zahlen)]
    if not sum(zahlen["dateien"].values()):
        lines.append("  keine neuen Dateien im Eingang")
    lines += [f"  {zeile}" for zeile in lauf_einzelheiten(zahlen)]
    waiting = inbox_files(paths)
    if waiting:
        lines.append(f"  noch im Eingang (wird noch geschrieben oder ist geöffnet – beim nächsten Lauf geladen): "
                     f"{', '.join(p.name for p in waiting)}")
    lines += [f"Prüfbericht: {bericht}"]
    lines += geometrie
    if indicators is None:
        lines += ["", *_noch_keine_daten(paths, zahlen)]
    else:
        lines += ["", "Tabellen:"] + [f"  {name}: {anzahl(rows, 'Zeile', 'Zeilen')}" for name, rows in tables]
        lines += [
            "",
            f"Indikatoren mit Werten: {indicators[0]} Indikatoren, {indicators[1]} Stichtage (dazu {indicators[3]} "
            f"Konferenztermine), {indicators[2]} Ebenen",
        ]
    lines += ["", f"Warehouse:    {paths.warehouse}"]
    if paths.analyse.exists():
        lines += [f"Analysekopie: {paths.analyse}",
                  f"  abfragen mit `sozial-dwh sql` oder der eigenen DuckDB ab 1.4: duckdb -readonly {paths.analyse}"]
    lines.append(f"Exporte:      {paths.exports}")
    for ordner in sorted(paths.exports.glob("sozialbericht_*")) if paths.exports.exists() else []:
        if ordner.is_dir():
            dateien = len([p for p in ordner.iterdir() if p.is_file() and p.name != MANIFEST])
            karten = len(list((ordner / "karten").glob("*.png"))) if (ordner / "karten").is_dir() else 0
            profile = len(list((ordner / "profile").glob("*.pdf"))) if (ordner / "profile").is_dir() else 0
            atlas = (ordner / "atlas" / "index.html").is_file()
            lines.append(f"  {ordner.name}: {dateien} Dateien (dazu {MANIFEST})"
                         + (f", {karten} Karten in karten/ (je PNG und SVG)" if karten else "")
                         + (f", {profile} Sozialraumprofile in profile/ (je PDF und HTML)" if profile else "")
                         + (", Atlas atlas/index.html" if atlas else ""))
    if protokoll is not None and protokoll.exists():
        lines.append(f"Protokoll:    {protokoll}")
    return "\n".join(lines)


def _noch_keine_daten(paths: Paths, zahlen: dict) -> list[str]:
    """Der erste Lauf ohne ladbare Datei: was im Warehouse steht und wie es weitergeht."""
    abgelehnt = zahlen["dateien"]["abgelehnt"]
    if abgelehnt:
        warum = (f"Keine Datei ließ sich laden: {'die eine Datei wurde' if abgelehnt == 1 else f'alle {abgelehnt} wurden'} "
                 "abgelehnt (Gründe oben und in den Fehlerberichten in rejected/). Ist es eine Lieferung in einem noch "
                 "nicht beschriebenen Layout, schreibt `sozial-dwh profil entwurf DATEI` den Entwurf eines "
                 "Lieferprofils (README, „Neue Lieferung einbinden“); danach die Datei erneut in den Eingang legen.")
    else:
        warum = (f"Im Eingang lag keine Datei. Bitte Lieferungen nach {paths.inbox} legen (Beispieldaten: "
                 "`sozial-dwh demo`) und den Lauf wiederholen.")
    return ["Noch keine Daten im Warehouse.", warum,
            "Übernommen sind das Dateiregister (ops.dateien) und die Referenzdaten. Tabellen, Analysekopie und "
            "Berichtsausgaben entstehen beim ersten Lauf mit einer ladbaren Datei."]
