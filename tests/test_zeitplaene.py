"""Zeitpläne nach Lieferterminen: Cron, Zeitzone, ab Werk aus, Lauf für Job „alles“ mit Anlass-Tag."""

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from pipelines.zeitplaene import ANLASS_TAG, ZEITPLAENE

BERLIN = ZoneInfo("Europe/Berlin")

# Name → (Tag, Monat, Anlass): Bevölkerung nach dem 31.12., Kita nach dem 01.03., SGB II nach Mitte Mai.
ERWARTET = {
    "bevoelkerung_jahresbeginn": (15, 1, "Bevölkerung zum 31.12."),
    "kita_maerz": (15, 3, "Kita-Plätze zum 01.03."),
    "sgb2_mai": (20, 5, "SGB II zum 31.12. (Lieferung Mai)"),
}


def _nach_name() -> dict[str, dg.ScheduleDefinition]:
    return {s.name: s for s in ZEITPLAENE}


def test_drei_zeitplaene_mit_eindeutigen_namen():
    assert sorted(_nach_name()) == sorted(ERWARTET)
    assert len(ZEITPLAENE) == len(ERWARTET)


@pytest.mark.parametrize("name", sorted(ERWARTET))
def test_cron_zeitzone_und_ab_werk_aus(name):
    zeitplan = _nach_name()[name]
    tag, monat, _ = ERWARTET[name]
    assert zeitplan.cron_schedule == f"0 6 {tag} {monat} *"
    assert zeitplan.execution_timezone == "Europe/Berlin"
    assert zeitplan.default_status == dg.DefaultScheduleStatus.STOPPED
    assert zeitplan.job_name == "alles"
    # Die Beschreibung sagt, was ankommt und was zu tun ist, wenn die Datei noch fehlt.
    beschreibung = zeitplan.description or ""
    assert "06:00" in beschreibung and "noch nicht im Eingang" in beschreibung
    assert "eingang_sensor" in beschreibung


@pytest.mark.parametrize("name", sorted(ERWARTET))
def test_auswertung_liefert_lauf_fuer_alles_mit_anlass(name):
    zeitplan = _nach_name()[name]
    tag, monat, anlass = ERWARTET[name]
    kontext = dg.build_schedule_context(scheduled_execution_time=dt.datetime(2025, monat, tag, 6, tzinfo=BERLIN))
    ergebnis = zeitplan.evaluate_tick(kontext)
    assert ergebnis.skip_message is None
    assert len(ergebnis.run_requests) == 1
    anfrage = ergebnis.run_requests[0]
    assert isinstance(anfrage, dg.RunRequest)
    assert anfrage.job_name in (None, "alles")  # None = der Job des Zeitplans
    assert anfrage.partition_key is None  # „alles“ baut alle Stichtage
    assert anfrage.tags[ANLASS_TAG] == anlass
    assert anfrage.tags["dagster/schedule_name"] == name


def test_zeitplaene_passen_zu_den_definitions():
    """Mit den echten Assets und Jobs der Code-Location baut Dagster das Repository: der Job „alles“ existiert."""
    from pipelines.definitions import defs

    eigene = {s.name for s in ZEITPLAENE}
    schon_da = {s.name for s in (defs.schedules or [])}
    zusatz = [s for s in ZEITPLAENE if s.name not in schon_da]
    probe = dg.Definitions(assets=defs.assets, asset_checks=defs.asset_checks, jobs=defs.jobs,
                           resources=defs.resources, executor=defs.executor, sensors=defs.sensors,
                           schedules=[*(defs.schedules or []), *zusatz])
    # Eine frische Instanz für das Bauen: frühere Tests lassen ephemere Instanzen liegen, deren (tote)
    # Zustandsablage Dagster sonst beim Laden von Definitions anfragt.
    with dg.instance_for_test():
        repo = probe.get_repository_def()
    for name in eigene:
        assert repo.get_schedule_def(name).job_name == "alles"
        assert repo.get_job("alles").name == "alles"


def test_code_location_enthaelt_die_zeitplaene():
    """pipelines/definitions.py gibt ZEITPLAENE an Definitions weiter (sonst fehlen sie in der Oberfläche)."""
    from pipelines.definitions import defs

    geladen = {s.name: s for s in (defs.schedules or [])}
    for zeitplan in ZEITPLAENE:
        assert geladen.get(zeitplan.name) is zeitplan, (
            f"Zeitplan {zeitplan.name} fehlt in pipelines.definitions.defs: "
            "`schedules=ZEITPLAENE` (aus pipelines.zeitplaene) an dg.Definitions übergeben."
        )
