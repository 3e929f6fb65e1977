"""Sensor für den Eingangsordner (architektur.md §11): neue oder geänderte Dateien starten einen Lauf.

- Eine Datei gilt als neu oder geändert, wenn Größe oder Änderungszeit sich gegenüber dem Cursor unterscheiden.
  Der Cursor liegt in der Dagster-Instanz und übersteht Neustarts.
- Dateien, die gerade noch geschrieben werden (jünger als `SOZIAL_DWH_SCHREIBPAUSE_S`, Sperrdatei `~$…`
  daneben), bleiben für den nächsten Takt liegen und kommen nicht in den Cursor.
- Betreffen alle fertigen Dateien genau einen Stichtag partitionierter Quellen und ist das Warehouse schon
  aufgebaut, startet ein Lauf nur für diese Partition (`stichtag_lauf`); sonst (leeres Warehouse, mehrere
  Stichtage, Kita, Konferenz, nicht erkennbare Dateien) ein Lauf über alle Stichtage (`alles`, ein Bereich von
  Partitionen).
- Solange ein Lauf arbeitet, wartet der Sensor (es arbeitet immer nur ein Lauf am Warehouse).
- Auch ein Ordner, eine Verknüpfung oder eine Sonderdatei im Eingang startet einen Lauf (über alle Stichtage), der
  sie mit Meldung ablehnt; geöffnet oder verfolgt wird dabei nichts davon (lstat).
- Gibt es noch gar keinen Stichtag (nur Kita, Konferenzen oder Unerkennbares im Eingang eines leeren Warehouse),
  rechnet der Lauf nur die Assets, die keinen brauchen.

Dazu zwei Sensoren, die auf das Ende eines Laufs reagieren (ab Werk an; sie starten nur etwas nach einem Lauf, den
jemand oder etwas anderes gestartet hat):

- `alles_nach_start`: nach dem Job `alles_starten` (ein Klick in der Oberfläche) der Lauf von `alles` über alle
  Stichtage, genau wie ein Zeitplan ihn anfragt.
- `entwuerfe_nach_lauf`: nach jedem erfolgreichen Lauf von `alles` oder `stichtag_lauf`, gleich wer ihn gestartet hat
  (Oberfläche, Zeitplan, Eingangssensor), je Entwurf des Sozialberichts ein Lauf von `berichte`; freigegebene
  Ausgaben bleiben eingefroren. `sozial-dwh run` baut die Ausgaben selbst im selben Prozess (seine Läufe tragen
  den Tag `sozial_dwh/anlass` = „Kommandozeile“), der Sensor lässt sie aus. Er meldet außerdem Stichtage ab, zu denen
  nach dem Lauf weder Daten noch Dateien im Eingang liegen (Datei abgelehnt).
"""


import json
import time

import dagster as dg

from pipelines.jobs import (
    ANLASS_TAG,
    KOMMANDOZEILE,
    alles,
    alles_starten,
    anfrage_alles,
    assets_ohne_stichtage,
    berichte,
    stichtag_lauf,
)
from pipelines.partitions import (
    AUSGABEN,
    STICHTAGE,
    bereich_tags,
    neue_stichtage,
    stichtage_im_eingang,
    verwaiste_stichtage,
)
from sozial_dwh import warehouse
from sozial_dwh.bericht.ausgabe import nicht_eingefroren
from sozial_dwh.config import Paths
from sozial_dwh.ingest import inbox_entries
from sozial_dwh.readers.safety import lock_files, schreibpause_s
from sozial_dwh.warehouse import warehouse_aufgebaut

AKTIV = (dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
         dg.DagsterRunStatus.STARTED)


def _signatur(path) -> str:
    stat = path.lstat()  # Verknüpfungen nicht folgen
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def _in_arbeit(path, pause_s: float, jetzt: float) -> bool:
    """Jünger als die Schreibpause oder mit Sperrdatei daneben (in Excel/LibreOffice geöffnet)."""
    return jetzt - path.lstat().st_mtime < pause_s or bool(lock_files(path))


def auswerten(instance: dg.DagsterInstance, cursor: str | None, paths: Paths,
              jetzt: float | None = None) -> dg.SensorResult | dg.SkipReason:
    """Die Entscheidung des Sensors (ohne Sensor-Kontext testbar)."""
    gesehen: dict[str, str] = json.loads(cursor) if cursor else {}
    eintraege = inbox_entries(paths)
    dateien = [e.path for e in eintraege]
    gewoehnlich = {e.path for e in eintraege if e.kind == "file"}
    namen = {p.name for p in dateien}
    gesehen = {name: sig for name, sig in gesehen.items() if name in namen}  # verarbeitete Dateien vergessen
    pause_s = schreibpause_s()
    jetzt = time.time() if jetzt is None else jetzt
    neu, wartend = [], []
    for path in dateien:
        try:
            if gesehen.get(path.name) == _signatur(path):
                continue
            (wartend if path in gewoehnlich and _in_arbeit(path, pause_s, jetzt) else neu).append(path)
        except FileNotFoundError:
            continue  # eben verschwunden

    if not neu:
        grund = "Keine neuen oder geänderten Dateien im Eingang."
        if wartend:
            grund += f" Noch in Arbeit (nächster Takt): {', '.join(p.name for p in wartend)}."
        return dg.SkipReason(grund)
    if instance.get_runs(filters=dg.RunsFilter(statuses=list(AKTIV)), limit=1):
        return dg.SkipReason(f"Ein Lauf arbeitet noch; {len(neu)} neue Datei(en) warten auf den nächsten Takt.")

    stichtage = stichtage_im_eingang(paths, [p for p in neu if p in gewoehnlich])  # nur Dateien werden geöffnet
    erkannt = {s for name in stichtage for s in stichtage[name]}
    sigs = {p.name: _signatur(p) for p in neu}
    run_key = "eingang:" + ",".join(f"{n}={s}" for n, s in sorted(sigs.items()))
    liste = ", ".join(sorted(sigs))
    angemeldet = list(instance.get_dynamic_partitions(STICHTAGE.name))
    neue_partitionen = neue_stichtage(instance, erkannt)
    if len(erkannt) == 1 and len(stichtage) == len(neu) and warehouse_aufgebaut(paths):
        stichtag = next(iter(erkannt))
        anfrage = dg.RunRequest(run_key=run_key, job_name="stichtag_lauf", partition_key=stichtag,
                                tags={"sozial_dwh/dateien": liste[:1000], "sozial_dwh/anlass": "Eingang"})
    else:
        keys = angemeldet + neue_partitionen  # Dagsters Reihenfolge: die neuen werden hinten angemeldet
        tags = {"sozial_dwh/dateien": liste[:1000], ANLASS_TAG: "Eingang"}
        anfrage = (dg.RunRequest(run_key=run_key, job_name=alles.name, tags={**bereich_tags(keys), **tags}) if keys
                   else dg.RunRequest(run_key=run_key, job_name=alles.name, tags=tags,
                                      asset_selection=assets_ohne_stichtage()))
    return dg.SensorResult(
        run_requests=[anfrage],
        cursor=json.dumps({**gesehen, **sigs}, sort_keys=True),
        dynamic_partitions_requests=[STICHTAGE.build_add_request(neue_partitionen)] if neue_partitionen else [],
    )


def build_eingang_sensor(jobs: list) -> dg.SensorDefinition:
    """Der Sensor für die Jobs `alles` und `stichtag_lauf` (aus definitions.py übergeben)."""

    @dg.sensor(
        name="eingang_sensor",
        jobs=jobs,
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description="Beobachtet $SOZIAL_DWH_HOME/inbox: neue oder geänderte Dateien starten einen Lauf – nur für "
                    "ihren Stichtag, wenn es genau einer ist, sonst über alle Stichtage. Dateien, die noch "
                    "geschrieben werden, warten auf den nächsten Takt. Standardmäßig aus; einschalten unter "
                    "Automation.",
    )
    def eingang_sensor(context: dg.SensorEvaluationContext):
        return auswerten(context.instance, context.cursor, Paths.from_env())

    return eingang_sensor


def entwuerfe_anfragen(instance: dg.DagsterInstance, lauf: dg.DagsterRun, paths: Paths
                       ) -> dg.SensorResult | dg.SkipReason:
    """Nach einem Lauf über die Daten: je Ausgabe, die ein Lauf neu baut (Entwürfe, noch nie gebaute freigegebene),
    ein Lauf von `berichte` (ohne Sensor-Kontext testbar)."""
    if lauf.tags.get(ANLASS_TAG) == KOMMANDOZEILE:
        return dg.SkipReason("`sozial-dwh run` baut die Berichtsausgaben selbst.")
    # Stichtage einer Datei, die der Lauf abgelehnt hat, verschwinden wieder aus der Liste der Partitionen
    verwaist = verwaiste_stichtage(instance, paths)
    abmelden = [STICHTAGE.build_delete_request(verwaist)] if verwaist else []

    def ueberspringen(grund: str) -> dg.SensorResult | dg.SkipReason:
        return dg.SensorResult(skip_reason=grund, dynamic_partitions_requests=abmelden) if abmelden \
            else dg.SkipReason(grund)

    if not warehouse_aufgebaut(paths):
        return ueberspringen("Das Warehouse ist noch nicht aufgebaut; es gibt keine Ausgabe zu bauen.")
    with warehouse.connect(paths, read_only=True) as con:
        if not warehouse.table_exists(con, "core", "dim_bericht"):
            return ueberspringen("Noch keine Berichtsausgaben im Warehouse (core.dim_bericht).")
        ids = nicht_eingefroren(con, paths)
    if not ids:
        return ueberspringen("Alle Berichtsausgaben sind freigegeben und eingefroren; kein Entwurf zu bauen.")
    neu = [i for i in ids if i not in set(instance.get_dynamic_partitions(AUSGABEN.name))]
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=f"ausgabe:{lauf.run_id}:{i}", job_name=berichte.name, partition_key=i,
                                    tags={ANLASS_TAG: f"Entwurf nach Lauf {lauf.run_id[:8]} ({lauf.job_name})"})
                      for i in ids],
        dynamic_partitions_requests=[*abmelden, *([AUSGABEN.build_add_request(neu)] if neu else [])],
    )


@dg.run_status_sensor(
    name="entwuerfe_nach_lauf",
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[alles, stichtag_lauf],
    request_job=berichte,
    minimum_interval_seconds=10,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Baut nach jedem erfolgreichen Lauf von „alles“ oder „stichtag_lauf“ (gestartet in der Oberfläche, "
                "von einem Zeitplan oder vom Eingangssensor) die Entwürfe des Sozialberichts neu: je Ausgabe mit "
                "Status „entwurf“ in berichte.csv ein Lauf des Jobs „berichte“. Freigegebene Ausgaben bleiben "
                "eingefroren. Läufe von `sozial-dwh run` bauen ihre Ausgaben selbst.",
)
def entwuerfe_nach_lauf(context: dg.RunStatusSensorContext):
    return entwuerfe_anfragen(context.instance, context.dagster_run, Paths.from_env())


@dg.run_status_sensor(
    name="alles_nach_start",
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[alles_starten],
    request_job=alles,
    minimum_interval_seconds=5,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Fragt nach dem Job „alles_starten“ (ein Klick in der Oberfläche) den Lauf von „alles“ über alle "
                "Stichtage an – auch die der Dateien im Eingang; ohne Stichtag nur, was keinen braucht.",
)
def alles_nach_start(context: dg.RunStatusSensorContext):
    lauf = context.dagster_run
    return anfrage_alles(context.instance, Paths.from_env(),
                         {ANLASS_TAG: f"Oberfläche (alles_starten, Lauf {lauf.run_id[:8]})"},
                         run_key=f"alles_starten:{lauf.run_id}")
