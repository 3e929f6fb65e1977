"""Die Dagster-Oberfläche im echten Browser (Chromium über Playwright, architektur.md §11).

Ablauf: ein frisches SOZIAL_DWH_HOME mit den Beispieldaten (`sozial-dwh demo`, `sozial-dwh run`), dann
`dagster dev` mit workspace.yaml auf einem freien Port von 127.0.0.1 und derselben Dagster-Instanz wie der Lauf
(wie `make ui`: Webserver und Daemon; der Daemon holt die in der Oberfläche gestarteten Läufe aus der
Warteschlange und wertet die Sensoren aus). Der Browser

- öffnet den Asset-Graphen, startet „Materialize“ für `staging/stg_kita` und liest danach die Prüfergebnisse im
  Reiter „Checks“;
- findet den Lauf von `sozial-dwh run` auf der Seite „Runs“ und in der Übersicht („Overview“) unter seinem Job;
- legt eine Datei ohne Pflichtspalte in den Eingang, startet den Job `alles_starten` (Launchpad → „Launch Run“),
  öffnet den Lauf von `alles`, den der Sensor `alles_nach_start` danach anfragt, und findet dort den gescheiterten
  Check `eingang_vollstaendig_geladen` mit Dateiname und deutschem Grund; danach baut der Sensor
  `entwuerfe_nach_lauf` den Entwurf 2022 des Sozialberichts (ein Lauf von `berichte`).

Fehlen Chromium (/usr/bin/chromium, Debian-Paket `chromium`) oder das Python-Paket `playwright`, wird der Test
lokal übersprungen, mit Grund. In der CI (Umgebungsvariable CI gesetzt) oder mit
SOZIAL_DWH_BROWSERTEST=pflicht scheitert er stattdessen: dort installiert .ci/run beides.
"""

import contextlib
import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from sozial_dwh import config
from sozial_dwh.config import REPO_ROOT

CHROMIUM = Path(os.environ.get("SOZIAL_DWH_CHROMIUM", "/usr/bin/chromium"))
ASSET = "staging/stg_kita"  # bleibt ohne Partitionen (Kita-Stichtag 01.03.), hat Asset-Checks
START_TIMEOUT_S = 90  # Code-Location geladen
LAUF_TIMEOUT_MS = 120_000  # Lauf aus der Oberfläche fertig
GANZER_LAUF_S = 420  # ein Lauf von „alles“ über die Beispieldaten, mit Warteschlange und Sensor davor
UI_TIMEOUT_MS = 30_000
ANLASS_TAG = "sozial_dwh/anlass"  # wie pipelines.jobs (Dagster lädt der Test erst, wenn er ihn braucht)
KOMMANDOZEILE = "Kommandozeile (sozial-dwh run)"
SPALTE_FEHLT = "bevoelkerung_2023-12-31.xlsx"
EINGANG_CHECK = "eingang_vollstaendig_geladen"


def _pflicht() -> bool:
    ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    return ci or os.environ.get("SOZIAL_DWH_BROWSERTEST", "").strip().lower() == "pflicht"


def _voraussetzungen(was: str = "der Dagster-Oberfläche") -> None:
    """Chromium und Playwright da? Sonst lokal übersprungen, in der CI gescheitert (auch für tests/test_atlas.py)."""
    fehlt = []
    if not CHROMIUM.is_file():
        fehlt.append(f"Chromium fehlt unter {CHROMIUM} (Debian: `apt-get install chromium`)")
    if importlib.util.find_spec("playwright") is None:
        fehlt.append("das Python-Paket `playwright` fehlt (`pip install -e \".[dev]\"`)")
    if fehlt:
        grund = f"Browser-Test {was} nicht möglich: " + "; ".join(fehlt)
        if _pflicht():
            pytest.fail(grund + " – in der CI ist dieser Test Pflicht (.ci/run installiert beides).", pytrace=False)
        pytest.skip(grund)


def _freier_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ende(pfad: Path, zeilen: int = 40) -> str:
    try:
        text = pfad.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return f"({pfad} nicht lesbar)"
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)  # Farben der Dagster-Protokolle
    return "\n".join(text.splitlines()[-zeilen:])


@dataclass
class Oberflaeche:
    url: str
    prozess: subprocess.Popen
    log: Path
    home: Path

    def protokoll(self) -> str:
        return f"--- Ende der Ausgabe von `dagster dev`, stdout und stderr ({self.log}) ---\n{_ende(self.log)}"


def _graphql(url: str, query: str) -> dict:
    anfrage = urllib.request.Request(f"{url}/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(anfrage, timeout=5) as antwort:
        return json.load(antwort)


def _warte_auf_code_location(ui: Oberflaeche) -> None:
    query = ("{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus "
             "locationOrLoadError { __typename ... on PythonError { message } } } } } }")
    frist = time.monotonic() + START_TIMEOUT_S
    letzter = "noch keine Antwort"
    while time.monotonic() < frist:
        if ui.prozess.poll() is not None:
            raise AssertionError(f"`dagster dev` endete mit Code {ui.prozess.returncode}.\n{ui.protokoll()}")
        try:
            daten = _graphql(ui.url, query)
            eintraege = daten["data"]["workspaceOrError"]["locationEntries"]
            letzter = json.dumps(eintraege, ensure_ascii=False)
            for eintrag in eintraege:
                ort = eintrag.get("locationOrLoadError") or {}
                if ort.get("__typename") == "PythonError":
                    raise AssertionError(f"Code-Location {eintrag['name']} lädt nicht: {ort.get('message')}\n"
                                         f"{ui.protokoll()}")
                if eintrag["name"] == "sozial_dwh" and ort.get("__typename") == "RepositoryLocation":
                    return
        except (OSError, KeyError, TypeError, ValueError) as exc:
            letzter = repr(exc)
        time.sleep(0.5)
    raise AssertionError(f"Code-Location nicht nach {START_TIMEOUT_S} s geladen (zuletzt: {letzter}).\n"
                         f"{ui.protokoll()}")


def _sigint_zulassen() -> None:  # läuft im Kindprozess vor exec
    # Hintergrundprozesse erben oft „SIGINT ignorieren“; `dagster dev` beendet sich aber nur über SIGINT sauber.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _beenden(prozess: subprocess.Popen) -> None:
    """`dagster dev` wie mit Strg+C beenden; hilft das nicht, seine Prozessgruppe (Webserver, Daemon, Code-Server)."""
    if prozess.poll() is None:
        prozess.send_signal(signal.SIGINT)
        try:
            prozess.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(prozess.pid, signal.SIGKILL)  # eigene Gruppe (start_new_session): nur was dieser Test startete
    with contextlib.suppress(subprocess.TimeoutExpired):
        prozess.wait(timeout=10)


@pytest.fixture(scope="module")
def oberflaeche(tmp_path_factory: pytest.TempPathFactory):
    _voraussetzungen()
    basis = tmp_path_factory.mktemp("browser")
    # die Instanz des Projekts wie bei `sozial-dwh run` (ein Lauf zugleich, Telemetrie aus, sein Ereignisprotokoll
    # pipelines/instanz.py – die Oberfläche liest es)
    dagster_home = config.dagster_instanz_anlegen(basis / "dagster")
    env = {k: v for k, v in os.environ.items() if k != "SOZIAL_DWH_REFERENCE"}
    env.update(SOZIAL_DWH_HOME=str(basis / "home"), DAGSTER_HOME=str(dagster_home), SOZIAL_DWH_SCHREIBPAUSE_S="0",
               PYTHONUNBUFFERED="1")

    for befehl in (["demo"], ["run"]):
        fertig = subprocess.run([sys.executable, "-m", "sozial_dwh", *befehl], cwd=REPO_ROOT, env=env,
                                capture_output=True, text=True, timeout=300)
        assert fertig.returncode == 0, (f"`sozial-dwh {befehl[0]}` endete mit {fertig.returncode}:\n"
                                        f"{fertig.stdout[-3000:]}\n{fertig.stderr[-3000:]}")

    port = _freier_port()
    log = basis / "dagster_dev.log"
    with open(log, "wb") as ausgabe:  # Dagster schreibt seine Protokolle teils nach stdout, teils nach stderr
        prozess = subprocess.Popen(
            [sys.executable, "-m", "dagster", "dev", "-w", str(REPO_ROOT / "workspace.yaml"),
             "-h", "127.0.0.1", "-p", str(port)],
            cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=ausgabe, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=_sigint_zulassen,
        )
    ui = Oberflaeche(url=f"http://127.0.0.1:{port}", prozess=prozess, log=log, home=basis / "home")
    try:
        _warte_auf_code_location(ui)
        yield ui
    finally:
        _beenden(prozess)


@pytest.fixture
def seite(oberflaeche: Oberflaeche):
    from playwright.sync_api import sync_playwright

    args = ["--disable-background-networking", "--disable-dev-shm-usage"]
    if os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium startet als root nur ohne Sandbox
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=args)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.set_default_timeout(UI_TIMEOUT_MS)
        # Einmaliger Dialog „Join the Dagster community“ verdeckt sonst Knöpfe: wegklicken, wann immer er erscheint.
        page.add_locator_handler(page.get_by_role("button", name="Skip", exact=True), lambda knopf: knopf.click())
        try:
            yield page
        finally:
            browser.close()


@contextlib.contextmanager
def _beweise(page, ui: Oberflaeche, ordner: Path):
    """Scheitert ein Schritt: Bildschirmfoto nach `ordner` und das Ende der Server-Ausgabe in die Meldung."""
    try:
        yield
    except Exception as exc:
        bild = ordner / "fehler.png"
        with contextlib.suppress(Exception):
            page.screenshot(path=str(bild), full_page=True)
        raise AssertionError(f"{exc}\nSeite: {page.url}\nBildschirmfoto: {bild}\n{ui.protokoll()}") from exc


def _sichtbar(page, text: str, timeout: int = UI_TIMEOUT_MS) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_text(text, exact=True).first).to_be_visible(timeout=timeout)


def _checks_von_stg_kita() -> list[str]:
    import dagster as dg

    from pipelines.definitions import defs

    schluessel = dg.AssetKey(ASSET.split("/"))
    with dg.instance_for_test():  # nicht von liegengebliebenen Instanzen früherer Tests abhängen
        graph = defs.resolve_asset_graph()
    return sorted(k.name for k in graph.asset_check_keys if k.asset_key == schluessel)


def test_asset_graph_zeigt_schichten_und_assets(seite, oberflaeche, tmp_path):
    with _beweise(seite, oberflaeche, tmp_path):
        seite.goto(f"{oberflaeche.url}/asset-groups")
        for gruppe in ("ingest", "staging", "core", "mart", "bericht"):
            _sichtbar(seite, gruppe)
        seite.goto(f"{oberflaeche.url}/locations/sozial_dwh/asset-groups/staging/lineage")
        _sichtbar(seite, "stg_kita")
        # Die Gruppe mart hat so viele Nachbarn, dass der Graph verkleinert ohne Beschriftung erscheint: ihre Assets
        # stehen in der Liste der Gruppe
        seite.goto(f"{oberflaeche.url}/locations/sozial_dwh/asset-groups/mart/list")
        _sichtbar(seite, "mart / indikator_werte")


def test_materialisieren_in_der_oberflaeche_mit_checks(seite, oberflaeche, tmp_path):
    with _beweise(seite, oberflaeche, tmp_path):
        from playwright.sync_api import expect

        checks = _checks_von_stg_kita()
        assert "kita_plaetze_u3_nicht_negativ" in checks, checks

        seite.goto(f"{oberflaeche.url}/assets/{ASSET}")
        _sichtbar(seite, "Latest materialization")  # Werte aus `sozial-dwh run` sind da
        seite.locator("button").filter(has_text=re.compile(r"^Materialize$")).click()

        # Meldung „Launched run 1a2b3c4d“ mit dem Link „View“ auf die Laufseite
        ansehen = seite.get_by_role("link", name="View", exact=True)
        expect(ansehen).to_be_visible()
        treffer = re.search(r"/runs/([0-9a-f-]{36})", ansehen.get_attribute("href") or "")
        assert treffer, f"kein Lauf-Link in der Meldung: {ansehen.get_attribute('href')!r}"
        lauf_id = treffer.group(1)
        ansehen.click()
        seite.wait_for_url(re.compile(rf"/runs/{lauf_id}"))

        status = seite.get_by_text(re.compile(r"^(Success|Failure|Canceled)$")).first
        expect(status).to_be_visible(timeout=LAUF_TIMEOUT_MS)
        assert status.inner_text() == "Success", f"Lauf {lauf_id} endete mit {status.inner_text()!r}"

        # Reiter „Checks“ des Assets: alle Prüfungen gelaufen, die gewählte bestanden, und zwar in diesem Lauf
        seite.goto(f"{oberflaeche.url}/assets/{ASSET}")
        seite.get_by_role("tab", name="Checks").or_(seite.get_by_text("Checks", exact=True)).first.click()
        seite.wait_for_url(re.compile(r"view=checks"))
        for name in checks:
            _sichtbar(seite, name)
        expect(seite.get_by_text("Succeeded", exact=True)).to_have_count(len(checks))
        seite.get_by_text("kita_plaetze_u3_nicht_negativ", exact=True).first.click()
        _sichtbar(seite, "Latest execution")
        _sichtbar(seite, "Passed")
        expect(seite.locator(f"a[href*='/runs/{lauf_id}']").first).to_be_attached()


def _laeufe(ui: Oberflaeche, job: str, tags: dict[str, str]) -> list[dict]:
    """Läufe eines Jobs mit diesen Tags, wie die Instanz hinter `dagster dev` sie kennt (neueste zuerst)."""
    tag_filter = ", ".join(f"{{key: {json.dumps(k)}, value: {json.dumps(v)}}}" for k, v in tags.items())
    query = (f"{{ runsOrError(filter: {{pipelineName: {json.dumps(job)}, tags: [{tag_filter}]}}) "
             "{ ... on Runs { results { runId status tags { key value } } } } }")
    return _graphql(ui.url, query)["data"]["runsOrError"]["results"]


def _warte_auf_lauf(ui: Oberflaeche, job: str, tags: dict[str, str], fertig: bool = False) -> dict:
    """Der erste Lauf von `job` mit `tags` (mit `fertig`: erst, wenn er zu Ende ist)."""
    frist = time.monotonic() + GANZER_LAUF_S
    laeufe: list[dict] = []
    while time.monotonic() < frist:
        if ui.prozess.poll() is not None:
            raise AssertionError(f"`dagster dev` endete mit Code {ui.prozess.returncode}.\n{ui.protokoll()}")
        laeufe = _laeufe(ui, job, tags)
        if laeufe and (not fertig or laeufe[-1]["status"] in ("SUCCESS", "FAILURE", "CANCELED")):
            return laeufe[-1]
        time.sleep(2)
    raise AssertionError(f"Kein {'fertiger ' if fertig else ''}Lauf von „{job}“ mit {tags} nach {GANZER_LAUF_S} s "
                         f"(zuletzt: {laeufe}).\n{ui.protokoll()}")


def _warte_auf_status(page, erwartet: str = "Success") -> None:
    from playwright.sync_api import expect

    status = page.get_by_text(re.compile(r"^(Success|Failure|Canceled)$")).first
    expect(status).to_be_visible(timeout=GANZER_LAUF_S * 1000)
    assert status.inner_text() == erwartet, f"Lauf {page.url} endete mit {status.inner_text()!r}"


def test_kommandozeilen_lauf_in_der_lauf_liste(seite, oberflaeche, tmp_path):
    """`sozial-dwh run` (in der Fixture, vor `dagster dev`) schreibt in die Instanz unter DAGSTER_HOME, die auch die
    Oberfläche liest: die Seite „Runs“ zeigt seinen Lauf von „alles“ mit dem Anlass „Kommandozeile“, und die
    Übersicht („Overview“, Zeitleiste) führt ihn unter seinem Job in der Code-Location – wie einen Lauf, der in der
    Oberfläche gestartet wurde; ebenso die Läufe von `berichte`, mit denen `sozial-dwh run` die Ausgaben baut."""
    with _beweise(seite, oberflaeche, tmp_path):
        from playwright.sync_api import expect

        [lauf] = _laeufe(oberflaeche, "alles", {ANLASS_TAG: KOMMANDOZEILE})
        assert lauf["status"] == "SUCCESS", lauf
        seite.goto(f"{oberflaeche.url}/runs")
        # Die Zeile des Laufs: Kennung (Verweis auf die Laufseite), Job „alles“ und der Anlass als Tag
        expect(seite.locator(f"a[href*='/runs/{lauf['runId']}']").first).to_be_visible(timeout=UI_TIMEOUT_MS)
        _sichtbar(seite, f"{ANLASS_TAG}: {KOMMANDOZEILE}")
        # Das Ziel des Laufs ist der Job in der Code-Location (vorher: kein Ziel, die Übersicht blieb leer)
        [ursprung] = [r["repositoryOrigin"] for r in _graphql(oberflaeche.url, (
            f'{{ runOrError(runId: {json.dumps(lauf["runId"])}) {{ ... on Run {{ repositoryOrigin '
            "{ repositoryLocationName repositoryName } } } }"))["data"].values()]
        assert ursprung == {"repositoryLocationName": "sozial_dwh", "repositoryName": "__repository__"}
        seite.goto(f"{oberflaeche.url}/overview/activity/timeline")
        # Die Zeitleiste führt nur Jobs mit Läufen im Zeitfenster: „alles“ und „berichte“ (die Ausgaben des Laufs)
        for job in ("alles", "berichte"):
            expect(seite.locator(f"a[href='/locations/sozial_dwh/jobs/{job}']").first).to_be_visible(
                timeout=UI_TIMEOUT_MS)
        expect(seite.locator("a[href='/locations/sozial_dwh/jobs/stichtag_lauf']")).to_have_count(0)


def test_abgelehnte_datei_als_gescheiterter_check_im_lauf(seite, oberflaeche, tmp_path):
    """Eine Datei ohne Pflichtspalte im Eingang, „alles“ mit einem Klick gestartet: der Lauf zeigt den Check des
    Eingangs als gescheitert (Warnung), mit Dateiname und Grund; danach baut der Sensor den Entwurf 2022."""
    with _beweise(seite, oberflaeche, tmp_path):
        from playwright.sync_api import expect

        from tests.fixtures import write_xlsx

        datei = write_xlsx(oberflaeche.home / "inbox" / SPALTE_FEHLT,
                           {"Daten": [["Gebiet", "Alter", "Bemerkung"], ["101", "0-17", "zehn"]]})
        frueher = time.time() - 3600
        os.utime(datei, (frueher, frueher))

        # Jobs → alles_starten → Launchpad → „Launch Run“
        seite.goto(f"{oberflaeche.url}/locations/sozial_dwh/jobs/alles_starten")
        seite.get_by_role("tab", name="Launchpad").or_(seite.get_by_text("Launchpad", exact=True)).first.click()
        seite.get_by_role("button", name=re.compile(r"Launch Run", re.IGNORECASE)).first.click()
        seite.wait_for_url(re.compile(r"/runs/[0-9a-f-]{36}"))
        start_id = re.search(r"/runs/([0-9a-f-]{36})", seite.url).group(1)
        _warte_auf_status(seite)

        # Den Lauf von „alles“ fragt der Sensor an; er steht bald in der Lauf-Liste
        lauf = _warte_auf_lauf(oberflaeche, "alles", {"dagster/sensor_name": "alles_nach_start"})
        tags = {t["key"]: t["value"] for t in lauf["tags"]}
        assert start_id[:8] in tags[ANLASS_TAG], tags
        assert tags["dagster/asset_partition_range_end"] == "2023-12-31", tags  # Stichtag der neuen Datei
        seite.goto(f"{oberflaeche.url}/runs/{lauf['runId']}")
        _warte_auf_status(seite)  # eine abgelehnte Datei hält den Lauf nicht an …

        # … aber der Check des Eingangs scheitert, und sein Ereignis nennt Datei und Grund
        seite.get_by_placeholder(re.compile(r"^Filter")).first.fill(EINGANG_CHECK)
        ereignis = seite.locator("div, tr").filter(has_text=re.compile(rf"Check {EINGANG_CHECK} failed")).last
        expect(ereignis).to_be_visible()
        _sichtbar(seite, SPALTE_FEHLT)
        expect(seite.get_by_text(re.compile(r"Pflichtspalte „Anzahl“ fehlt")).first).to_be_visible()
        _sichtbar(seite, "abgelehnt")

        # Im Asset ops/dateien: Check als Warnung gescheitert, mit derselben Beschreibung
        seite.goto(f"{oberflaeche.url}/assets/ops/dateien?view=checks")
        _sichtbar(seite, "This is a non-blocking asset check.")
        # dieselben Sätze wie Konsole und Prüfbericht, dann der erste Befund
        expect(seite.get_by_text(re.compile(
            rf"^Dateien: \d+ geladen, 1 abgelehnt\. Quarantäne beim Lesen: .*Zuerst: {re.escape(SPALTE_FEHLT)}")).first
               ).to_be_visible()
        expect(seite.locator(f"a[href*='/runs/{lauf['runId']}']").first).to_be_attached()

        # Danach baut der Sensor den Entwurf 2022 (2020 ist freigegeben und bleibt eingefroren)
        entwurf = _warte_auf_lauf(oberflaeche, "berichte", {"dagster/sensor_name": "entwuerfe_nach_lauf"},
                                  fertig=True)
        tags = {t["key"]: t["value"] for t in entwurf["tags"]}
        assert entwurf["status"] == "SUCCESS" and tags["dagster/partition"] == "2022", entwurf
        assert _laeufe(oberflaeche, "berichte", {"dagster/sensor_name": "entwuerfe_nach_lauf",
                                                 "dagster/partition": "2020"}) == []
        seite.goto(f"{oberflaeche.url}/runs/{entwurf['runId']}")
        _warte_auf_status(seite)
