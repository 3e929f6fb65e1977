"""Zeitpläne nach den Lieferterminen der Quellen (architektur.md §11).

Jeder Zeitplan startet den Job „alles“ an einem Morgen kurz nach dem üblichen Liefertermin einer Quelle.
Alle sind ab Werk **aus** (DefaultScheduleStatus.STOPPED): die Statistikstelle schaltet sie in der Oberfläche
ein (Automation → Zeitplan → Start), wenn sie mit festen Terminen arbeiten will. Der Lauf trägt den Tag
`sozial_dwh/anlass`, damit man in der Lauf-Liste sieht, wofür er gestartet wurde.

Die Zeitpläne hängen an pipelines.jobs (Job und Anfrage), nicht an pipelines.definitions (das sie einbindet): so
bleibt dieses Modul ohne Importzyklus und lässt sich allein testen. Gibt es noch keinen Stichtag (weder im Warehouse
noch im Eingang), fragt ein Zeitplan nur die Assets an, die keinen brauchen (`pipelines.jobs.anfrage_alles`).
"""


import dagster as dg

from pipelines.jobs import ANLASS_TAG, alles, anfrage_alles
from sozial_dwh.config import Paths

JOB = alles.name
ZEITZONE = "Europe/Berlin"

_WENN_DATEI_FEHLT = (
    "Liegt die Datei an diesem Morgen noch nicht im Eingang, ist das kein Fehler: der Lauf rechnet mit dem "
    "bisherigen Stand und lädt nichts Neues. Legen Sie die Datei ab, sobald sie da ist (vorher gern mit "
    "`sozial-dwh check DATEI` prüfen). Dann lädt sie der Sensor „eingang_sensor“, falls er eingeschaltet ist; "
    "sonst starten Sie den Job „alles“ in der Oberfläche von Hand (Jobs → alles → Materialize all)."
)


def _zeitplan(name: str, cron: str, anlass: str, beschreibung: str) -> dg.ScheduleDefinition:
    @dg.schedule(
        name=name,
        cron_schedule=cron,
        job_name=JOB,
        execution_timezone=ZEITZONE,
        default_status=dg.DefaultScheduleStatus.STOPPED,
        tags={ANLASS_TAG: anlass},
        description=f"{beschreibung} {_WENN_DATEI_FEHLT}",
    )
    def _plan(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        # „alles“ läuft über den Bereich aller Stichtag-Partitionen (die vorhandenen und die der Dateien im Eingang)
        tags = {ANLASS_TAG: anlass}
        try:
            instance = context.instance
        except dg.DagsterInvariantViolationError:  # Auswertung ohne Instanz (z. B. im Test): ohne Bereich
            return dg.RunRequest(tags=tags)
        return anfrage_alles(instance, Paths.from_env(), tags)

    return _plan


ZEITPLAENE: list[dg.ScheduleDefinition] = [
    _zeitplan(
        "bevoelkerung_jahresbeginn",
        "0 6 15 1 *",  # 15. Januar, 06:00
        "Bevölkerung zum 31.12.",
        "Am 15. Januar um 06:00 Uhr: Die Einwohnerzahlen zum Stichtag 31.12. des Vorjahres aus dem "
        "Melderegister (Quelle „bevoelkerung“) liegen meist in den ersten Januarwochen vor. Der Lauf lädt "
        "sie und rechnet alle Indikatoren neu, deren Nenner die Bevölkerung ist.",
    ),
    _zeitplan(
        "kita_maerz",
        "0 6 15 3 *",  # 15. März, 06:00
        "Kita-Plätze zum 01.03.",
        "Am 15. März um 06:00 Uhr: Die Platzzahlen der Kindertageseinrichtungen zum Stichtag 01.03. "
        "(Quelle „kita“, eine Zeile je Einrichtung mit Plätzen U3 und Ü3) kommen vom Jugendamt kurz nach dem "
        "Stichtag. Der Lauf lädt sie und rechnet die Versorgungsquoten neu.",
    ),
    _zeitplan(
        "sgb2_mai",
        "0 6 20 5 *",  # 20. Mai, 06:00
        "SGB II zum 31.12. (Lieferung Mai)",
        "Am 20. Mai um 06:00 Uhr: Die Bundesagentur für Arbeit veröffentlicht die SGB-II-Zahlen für Dezember "
        "(Stichtag 31.12. des Vorjahres; Quelle „sgb2“, auch im kleinräumigen AkG-Format) etwa Mitte Mai. "
        "Der Lauf lädt sie und rechnet die SGB-II-Quoten und den Sozialindex neu.",
    ),
]
