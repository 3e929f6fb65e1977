"""Was die Dagster-Oberfläche zeigt und startet – an echten Läufen mit echter Dagster-Instanz (DAGSTER_HOME des Tests).

- Check `eingang_vollstaendig_geladen` (Warnung) am Asset ops/dateien: scheitert bei einer abgelehnten Datei und bei
  zurückgehaltenen Zeilen, mit Befundtabelle (Datei, Ergebnis, Grund, Blatt, Zeile, Spalte, was zu tun ist); besteht,
  wenn alles geladen ist. Seine Zahlen stimmen mit ops.dateien und quarantine.zeilen überein.
- Metadaten für Menschen: kein `NaT`, `<NA>`, `None`, `nan`, kein `2023-12-31 00:00:00`; Stichtage als 31.12.2023.
- Ein Lauf wie aus der Oberfläche: `alles_starten`, dann der Lauf, den der Sensor `alles_nach_start` anfragt (über
  alle Stichtage, auch den einer neuen Datei im Eingang), danach baut der Sensor `entwuerfe_nach_lauf` den Entwurf neu;
  die freigegebene Ausgabe bleibt byte-gleich. Läufe von `sozial-dwh run` lässt er aus (die bauen selbst).
- Zeitplan und Eingangssensor ohne jeden Stichtag: der angefragte Lauf gelingt (nur die Assets ohne Stichtag).

Sensoren und Zeitpläne werden hier ausgewertet, wie der Daemon es tut, und ihre Anfragen im selben Prozess
ausgeführt (der Daemon startete dafür einen eigenen Prozess); tests/test_browser.py zeigt dieselbe Kette mit
`dagster dev`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time

import dagster as dg
import duckdb
import pytest

from pipelines.assets.ingest import EINGANG_CHECK
from pipelines.ausfuehren import alles_ausfuehren
from pipelines.definitions import defs
from pipelines.jobs import ANLASS_TAG, KOMMANDOZEILE, STICHTAG_ASSETS
from pipelines.partitions import BEREICH_ENDE, BEREICH_START, STICHTAGE
from pipelines.sensors import alles_nach_start, auswerten, entwuerfe_nach_lauf
from sozial_dwh.config import Paths
from sozial_dwh.zusammenfassung import eingang_zeilen, lauf_zahlen
from tests import test_konferenz_modell as basis
from tests.fixtures import write_xlsx
from tests.test_bericht import BERICHTE, SGB2_2022, write_sgb2

FEHLT_NICHT = re.compile(r"\bNaT\b|<NA>|\bNone\b|\bnan\b|\d{4}-\d{2}-\d{2} 00:00:00")
DATUM = re.compile(r"^\d{2}\.\d{2}\.\d{4}$")
SPALTE_FEHLT = "bevoelkerung_2023-12-31.xlsx"


def _check(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    [evaluation] = [e for e in result.get_asset_check_evaluations() if e.check_name == EINGANG_CHECK]
    assert evaluation.asset_key == dg.AssetKey(["ops", "dateien"])
    return evaluation


def _zeilen(evaluation: dg.AssetCheckEvaluation) -> list[dict]:
    return [r.data for r in evaluation.metadata["befunde"].records]


def _texte(value: dg.MetadataValue) -> list[str]:
    """Was die Oberfläche von einem Metadatenwert als Text zeigt."""
    if isinstance(value, dg.TableMetadataValue):
        return [str(v) for r in value.records for v in r.data.values()]
    if isinstance(value, dg.JsonMetadataValue):
        return [json.dumps(value.value, ensure_ascii=False)]
    return [str(value.value)]


def _alle_metadaten(result: dg.ExecuteInProcessResult) -> dict[str, dg.MetadataValue]:
    gefunden: dict[str, dg.MetadataValue] = {}
    for event in result.all_events:
        if event.is_step_materialization:
            mat = event.event_specific_data.materialization
            gefunden |= {f"{mat.asset_key.to_user_string()}:{k}": v for k, v in mat.metadata.items()}
    for evaluation in result.get_asset_check_evaluations():
        gefunden |= {f"{evaluation.check_name}:{k}": v for k, v in evaluation.metadata.items()}
    return gefunden


def _schreibe_bevoelkerung(inbox, tag: dt.date, zusatz: list | None = None) -> None:
    rows = [[f"Stand {tag:%d.%m.%Y}"], ["Gebiet", "Altersgruppe", "Geschlecht", "Anzahl"]]
    for gebiet, werte in basis.POP.items():
        for band, anzahl in zip(basis.BANDS, werte, strict=True):
            rows += [[gebiet, band, "männlich", anzahl // 2], [gebiet, band, "weiblich", anzahl // 2]]
    write_xlsx(inbox / f"bevoelkerung_{tag}.xlsx", {"Daten": rows + (zusatz or [])})


def _schreibe_fehlerhafte_lieferungen(inbox) -> None:
    """Eine Datei ohne Pflichtspalte (abgelehnt), eine mit unbekanntem Gebiet (eine Zeile in Quarantäne) und eine
    SGB-II-Lieferung mit falscher Summenzeile (geladen, mit Warnung)."""
    write_xlsx(inbox / SPALTE_FEHLT, {"Daten": [["Gebiet", "Alter", "Bemerkung"], ["A1", "0-17", "zehn"]]})
    _schreibe_bevoelkerung(inbox, dt.date(2022, 12, 31), zusatz=[["Z9", "unter 3", "männlich", 5]])
    write_xlsx(inbox / "sgb2_2021-12-31.xlsx", {"SGB II": [
        ["Stand 31.12.2021"], ["Gebiet", "BG", "LB", "ELB", "NEF", "NEF u15", "LB unter 18", "Alleinerziehende BG"],
        *[[g, *v] for g, v in basis.SGB2.items()], ["Stadt insgesamt", 999, 220, 150, 70, 61, 67, 17]]})


@pytest.fixture(scope="module")
def mit_befunden(module_home: Paths):
    basis.write_statistics(module_home.inbox)
    _schreibe_fehlerhafte_lieferungen(module_home.inbox)
    instance = dg.DagsterInstance.get()  # die Instanz unter DAGSTER_HOME des Tests, wie bei `sozial-dwh run`
    result = alles_ausfuehren(instance)
    assert result.success
    return module_home, result


def test_check_scheitert_mit_tabelle_bei_ablehnung_und_quarantaene(mit_befunden):
    paths, result = mit_befunden
    evaluation = _check(result)
    assert evaluation.passed is False
    assert evaluation.severity == dg.AssetCheckSeverity.WARN and not evaluation.blocking
    # Die Beschreibung nennt Zahlen, die Datei und den Grund (in der Lauf-Ansicht ohne die Tabelle zu öffnen)
    # … mit denselben Sätzen wie Konsole und Prüfbericht (sozial_dwh.zusammenfassung)
    assert evaluation.description.startswith(
        "Dateien: 5 geladen, 1 abgelehnt. Quarantäne beim Lesen: 1 Zeile. Summenabweichungen: 1 (")
    assert SPALTE_FEHLT in evaluation.description and "Pflichtspalte „Anzahl“ fehlt" in evaluation.description

    spalten = [c.name for c in evaluation.metadata["befunde"].schema.columns]
    assert spalten == ["Datei", "Ergebnis", "Grund", "Blatt", "Zeile", "Spalte", "Was zu tun ist"]
    zeilen = _zeilen(evaluation)
    abgelehnt, quarantaene, warnung = zeilen[0], zeilen[1], zeilen[2]  # das Dringendste oben
    assert abgelehnt["Datei"] == SPALTE_FEHLT and abgelehnt["Ergebnis"] == "abgelehnt"
    assert "Pflichtspalte „Anzahl“ fehlt" in abgelehnt["Grund"]
    assert (abgelehnt["Blatt"], abgelehnt["Zeile"], abgelehnt["Spalte"]) == ("Daten", "1", "–")
    # was zu tun ist: aus dem Fehlerbericht neben der abgelegten Datei
    bericht = (paths.rejected / f"{SPALTE_FEHLT}.fehler.txt").read_text(encoding="utf-8")
    assert "sozial-dwh check DATEI" in abgelehnt["Was zu tun ist"] and "sozial-dwh check DATEI" in bericht

    assert quarantaene["Datei"] == "bevoelkerung_2022-12-31.xlsx" and quarantaene["Ergebnis"] == "Zeile in Quarantäne"
    assert "Z9" in quarantaene["Grund"] and "unbekannt" in quarantaene["Grund"]
    assert (quarantaene["Blatt"], quarantaene["Zeile"], quarantaene["Spalte"]) == ("Daten", "45", "A")
    assert "erneut in den Eingang" in quarantaene["Was zu tun ist"]

    assert warnung["Datei"] == "sgb2_2021-12-31.xlsx" and warnung["Ergebnis"] == "geladen, mit Warnung"
    assert "Summenzeile 6" in warnung["Grund"] and "nennt 999" in warnung["Grund"] and warnung["Zeile"] == "6"
    # Nur Warnungen und Hinweise der Leser, nicht die Zeilen „… gelesen“
    assert not any("gelesen" in z["Grund"] for z in zeilen if z["Ergebnis"].startswith("geladen"))

    # Dieselben Zahlen wie im Warehouse
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        dateien, abgelehnte = con.execute(
            "select count(*), count(*) filter (where status = 'abgelehnt') from ops.dateien").fetchone()
        quarantaene_zeilen, = con.execute(
            "select count(*) from quarantine.zeilen where pruefung is null").fetchone()
    assert evaluation.metadata["dateien_geladen"].value + evaluation.metadata["dateien_abgelehnt"].value == dateien == 6
    assert evaluation.metadata["dateien_abgelehnt"].value == abgelehnte == 1
    assert evaluation.metadata["quarantaene_beim_lesen"].value == quarantaene_zeilen == 1
    assert evaluation.metadata["summenabweichungen"].value == 1


def test_eine_wahrheit_in_oberflaeche_pruefbericht_und_konsole(mit_befunden):
    """Der Check der Oberfläche, der Prüfbericht und die Zusammenfassung der Konsole zählen an einem Lauf dasselbe
    und sagen es mit denselben Worten: „Dateien: …“ und „Summenabweichungen: …“ wortgleich, die Quarantäne beim
    Lesen mit derselben Zahl wie „(… beim Lesen, …)“."""
    from pipelines.runner import summary
    from tests.test_konsole import saetze_konsole, saetze_pruefbericht

    paths, result = mit_befunden
    evaluation = _check(result)
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        zahlen = lauf_zahlen(con, result.run_id)
    oberflaeche = evaluation.description.split(". Zuerst: ")[0]
    assert oberflaeche == ". ".join(eingang_zeilen(zahlen))
    dateien, lesen, summen = eingang_zeilen(zahlen)
    konsole = saetze_konsole(summary(paths, 1.0, result.run_id))
    pruefbericht = saetze_pruefbericht(paths)
    assert konsole == pruefbericht
    assert dateien == konsole["Dateien:"] == "Dateien: 5 geladen, 1 abgelehnt"
    assert summen == konsole["Summenabweichungen:"] and summen.startswith("Summenabweichungen: 1 (")
    assert lesen == "Quarantäne beim Lesen: 1 Zeile" and "(1 beim Lesen, " in konsole["Quarantäne:"]


def test_metadaten_fuer_menschen(mit_befunden):
    _, result = mit_befunden
    metadaten = _alle_metadaten(result)
    assert "ops/dateien:dateien_dieses_laufs" in metadaten and "staging/stg_bevoelkerung:dateien" in metadaten
    for name, value in metadaten.items():
        for text in _texte(value):
            assert not FEHLT_NICHT.search(text), f"{name}: {text[:300]}"
    # Tabellen statt Markdown: Stichtage als 31.12.2022, fehlende Werte als „–“
    for name in ("ops/dateien:dateien_dieses_laufs", "staging/stg_bevoelkerung:dateien",
                 "staging/stg_bevoelkerung:vorschau"):
        assert isinstance(metadaten[name], dg.TableMetadataValue), name
    dateien = {r.data["Datei"]: r.data for r in metadaten["ops/dateien:dateien_dieses_laufs"].records}
    assert dateien["bevoelkerung_2021-12-31.xlsx"]["Stichtag"] == "31.12.2021"
    assert dateien[SPALTE_FEHLT]["Status"] == "abgelehnt" and dateien[SPALTE_FEHLT]["Zeilen"] == "–"
    vorschau = metadaten["staging/stg_bevoelkerung:vorschau"].records
    assert vorschau and all(DATUM.match(r.data["stichtag"]) for r in vorschau)


@pytest.fixture
def sauber(home: Paths):
    """Teststadt mit freigegebener Ausgabe 2021 (gebaut, eingefroren) und Entwurf 2022 nach `sozial-dwh run`."""
    (home.reference / "berichte.csv").write_text(BERICHTE, encoding="utf-8")
    basis.write_statistics(home.inbox)
    write_sgb2(home.inbox, dt.date(2022, 12, 31), SGB2_2022)
    instance = dg.DagsterInstance.get()
    assert alles_ausfuehren(instance).success
    for bericht_id in ("2021", "2022"):
        assert defs.resolve_job_def("berichte").execute_in_process(instance=instance, partition_key=bericht_id).success
    return home, instance


def _wie_der_daemon(instance: dg.DagsterInstance, anfrage: dg.RunRequest) -> dg.ExecuteInProcessResult:
    """Eine Anfrage eines Sensors oder Zeitplans ausführen, wie der Daemon den Lauf anlegt: Job, Tags, Partition und
    Auswahl aus der Anfrage."""
    job = defs.resolve_job_def(anfrage.job_name)
    return job.execute_in_process(instance=instance, tags=anfrage.tags, partition_key=anfrage.partition_key,
                                  asset_selection=list(anfrage.asset_selection) if anfrage.asset_selection else None,
                                  raise_on_error=False)


def _nach_lauf(sensor: dg.RunStatusSensorDefinition, instance: dg.DagsterInstance,
               result: dg.ExecuteInProcessResult):
    kontext = dg.build_run_status_sensor_context(
        sensor_name=sensor.name, dagster_instance=instance, dagster_run=result.dagster_run,
        dagster_event=result.get_run_success_event())
    return sensor(kontext)


def test_lauf_aus_der_oberflaeche_baut_den_entwurf_neu(sauber):
    paths, instance = sauber
    entwurf, freigegeben = paths.exports / "sozialbericht_2022", paths.exports / "sozialbericht_2021"
    entwurf_vorher = json.loads((entwurf / "manifest.json").read_text(encoding="utf-8"))
    freigegeben_vorher = {str(p.relative_to(freigegeben)): p.read_bytes() for p in freigegeben.rglob("*") if p.is_file()}
    # Neu im Eingang: Lieferungen zum 31.12.2023 (noch keine Partition) und eine Korrektur zum 31.12.2022, die den
    # Entwurf 2022 ändert
    write_sgb2(paths.inbox, dt.date(2022, 12, 31), dict(SGB2_2022, A1=[70, 140, 90, 50, 40, 44, 12]),
               titel="Stand 31.12.2022 (korrigiert)")
    _schreibe_bevoelkerung(paths.inbox, dt.date(2023, 12, 31))
    write_sgb2(paths.inbox, dt.date(2023, 12, 31), SGB2_2022)
    time.sleep(1.1)  # Erstellzeit der Ausgabe hat Sekunden

    # „Launch Run“ auf alles_starten, dann die Anfrage des Sensors alles_nach_start
    start = defs.resolve_job_def("alles_starten").execute_in_process(instance=instance)
    assert start.success and "2023-12-31" in instance.get_dynamic_partitions(STICHTAGE.name)
    anfrage = _nach_lauf(alles_nach_start, instance, start)
    assert isinstance(anfrage, dg.RunRequest) and anfrage.job_name == "alles"
    assert (anfrage.tags[BEREICH_START], anfrage.tags[BEREICH_ENDE]) == ("2021-12-31", "2023-12-31")
    assert anfrage.tags[ANLASS_TAG].startswith("Oberfläche")
    lauf = _wie_der_daemon(instance, anfrage)
    assert lauf.success
    assert instance.get_materialized_partitions(dg.AssetKey(["staging", "stg_sgb2"])) >= {"2023-12-31"}
    # Alles geladen: der Check besteht
    evaluation = _check(lauf)
    assert evaluation.passed and evaluation.metadata["dateien_geladen"].value == 3 and _zeilen(evaluation) == []

    # Nach dem Lauf: der Entwurf wird angefragt, die eingefrorene Ausgabe nicht
    ergebnis = _nach_lauf(entwuerfe_nach_lauf, instance, lauf)
    assert isinstance(ergebnis, dg.SensorResult)
    assert [(r.job_name, r.partition_key) for r in ergebnis.run_requests] == [("berichte", "2022")]
    for anfrage in ergebnis.run_requests:
        assert _wie_der_daemon(instance, anfrage).success
    entwurf_nachher = json.loads((entwurf / "manifest.json").read_text(encoding="utf-8"))
    assert entwurf_nachher["erstellt_am"] > entwurf_vorher["erstellt_am"]
    assert entwurf_nachher["pruefsumme"] != entwurf_vorher["pruefsumme"]  # mit der Korrektur zum 31.12.2022
    assert {str(p.relative_to(freigegeben)): p.read_bytes() for p in freigegeben.rglob("*")
            if p.is_file()} == freigegeben_vorher  # auch Karten, Profile und Atlas der freigegebenen Ausgabe

    # `sozial-dwh run` baut die Ausgaben selbst: der Sensor lässt seine Läufe aus
    cli = alles_ausfuehren(instance)
    assert cli.dagster_run.tags[ANLASS_TAG] == KOMMANDOZEILE
    assert isinstance(_nach_lauf(entwuerfe_nach_lauf, instance, cli), dg.SkipReason)


def test_zeitplan_ohne_stichtag_fragt_einen_lauf_an_der_gelingt(home: Paths):
    """Leeres Warehouse, im Eingang nur Kita: keine Stichtag-Partition. Früher fragte der Zeitplan „alles“ ohne
    Bereich an, und die Core-Schritte scheiterten („Cannot access partition_key for a non-partitioned run“)."""
    write_xlsx(home.inbox / "kita_2022-03-01.xlsx", {"Kitas": [
        ["Einrichtung", "Träger", "Gebiet", "Plätze U3", "Plätze Ü3"], ["Kita Sonne", "Stadt", "A1", 20, 40]]})
    instance = dg.DagsterInstance.get()
    zeitplan = defs.resolve_schedule_def("kita_maerz")
    kontext = dg.build_schedule_context(instance=instance, scheduled_execution_time=dt.datetime(2025, 3, 15, 6, 0))
    [anfrage] = zeitplan.evaluate_tick(kontext).run_requests
    assert instance.get_dynamic_partitions(STICHTAGE.name) == []
    assert BEREICH_START not in anfrage.tags and anfrage.asset_selection
    partitioniert = STICHTAG_ASSETS.resolve(defs.resolve_asset_graph())
    assert not set(anfrage.asset_selection) & partitioniert
    lauf = _wie_der_daemon(instance, dg.RunRequest(job_name="alles", tags=anfrage.tags,
                                                    asset_selection=anfrage.asset_selection))
    assert lauf.success, [e.event_specific_data.error.message for e in lauf.all_events if e.is_step_failure]
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from staging.stg_kita").fetchone() == (1,)

    # Der Eingangssensor ebenso: eine weitere Kita-Liste, noch immer kein Stichtag
    write_xlsx(home.inbox / "kita_2023-03-01.xlsx", {"Kitas": [
        ["Einrichtung", "Träger", "Gebiet", "Plätze U3", "Plätze Ü3"], ["Kita Mond", "AWO", "A2", 10, 20]]})
    ergebnis = auswerten(instance, None, home, jetzt=time.time() + 3600)
    [anfrage] = ergebnis.run_requests
    assert anfrage.job_name == "alles" and BEREICH_START not in anfrage.tags and anfrage.asset_selection
    assert _wie_der_daemon(instance, anfrage).success
