"""Das Kubernetes-Beispiel in deploy/kubernetes/ passt zum Projekt und zu Dagster (architektur.md §11.1, Issue 17).

Ein Cluster gibt es hier nicht; geprüft wird, was sich ohne ihn prüfen lässt, mit echten Bausteinen:

- die Laufkonfiguration `lauf_k8s.yaml` gegen das Konfigurationsschema von Dagsters `k8s_job_executor` und gegen jeden
  Job der Definitions mit `SOZIAL_DWH_EXECUTOR=k8s` (`dagster definitions validate` lädt die Code-Location so);
- der Executor des Projekts wird daraus wirklich gebaut: `LaufExecutor` um Dagsters `StepDelegatingExecutor`, mit der
  Grenze 1 für die Schreiber des Warehouse (`pipelines.constants.SCHREIBER_TAGS`);
- die Einstellungen des Run Launchers in `values.yaml`, übersetzt wie das Chart sie in die `dagster.yaml` der Instanz
  schreibt, gegen `K8sRunLauncher.config_type()`;
- Modul, Name der Code-Location, Umgebungsvariablen und Volume gegen das Projekt; Kubernetes-Objekte (Volume, PVC,
  Umgebung, Ressourcen) mit dem strengen Einlesen von dagster-k8s (unbekannte Felder sind ein Fehler);
- das Dockerfile kopiert nur, was es gibt, und installiert die Extras für den Cluster.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import dagster as dg
import kubernetes.client as k8s
import pytest
import yaml
from dagster._config import process_config
from dagster._core.definitions.reconstruct import ReconstructableRepository
from dagster._core.executor.step_delegating import StepDelegatingExecutor
from dagster_k8s import K8sRunLauncher, k8s_job_executor
from dagster_k8s.models import k8s_model_from_dict, k8s_snake_case_dict

from pipelines.ausfuehren import CODE_LOCATION, MODUL
from pipelines.constants import SCHREIBER_TAGS
from pipelines.definitions import EXECUTOR_WAHL, executor_aus_umgebung
from pipelines.executor import LaufExecutor, lauf_executor
from pipelines.executor_k8s import lauf_executor_k8s, mit_schreibergrenze
from sozial_dwh.config import REPO_ROOT, Paths

ORDNER = REPO_ROOT / "deploy" / "kubernetes"


def _yaml(name: str) -> dict:
    return yaml.safe_load((ORDNER / name).read_text(encoding="utf-8"))


def _deployment() -> dict:
    (deployment,) = _yaml("values.yaml")["dagster-user-deployments"]["deployments"]
    return deployment


def _env() -> dict[str, str]:
    return {eintrag["name"]: eintrag["value"] for eintrag in _deployment()["env"]}


def _k8s(klasse, werte: dict):
    """Wie dagster-k8s Kubernetes-Objekte aus der Konfiguration liest: camelCase oder snake_case, unbekannte Felder
    sind ein Fehler."""
    return k8s_model_from_dict(klasse, k8s_snake_case_dict(klasse, werte))


def _geprueft(config_type, wert) -> dict:
    ergebnis = process_config(config_type, wert)
    assert ergebnis.success, "\n".join(fehler.message for fehler in ergebnis.errors)
    return ergebnis.value


def test_dateien_sind_yaml():
    for name in ("values.yaml", "pvc.yaml", "lauf_k8s.yaml"):
        assert isinstance(_yaml(name), dict), f"{name} ist kein YAML-Objekt"


def test_code_location_wie_im_projekt():
    deployment = _deployment()
    argumente = deployment["dagsterApiGrpcArgs"]
    assert argumente[argumente.index("--module-name") + 1] == MODUL
    # Kubernetes-Namen ohne Unterstrich: der Service heißt anders, die Code-Location heißt wie in workspace.yaml
    (server,) = _yaml("values.yaml")["dagsterWebserver"]["workspace"]["servers"]
    assert server == {"host": deployment["name"], "port": deployment["port"], "name": CODE_LOCATION}
    assert re.fullmatch(r"[a-z]([-a-z0-9]*[a-z0-9])?", deployment["name"]), "kein gültiger Name eines Services"
    (eintrag,) = yaml.safe_load((REPO_ROOT / "workspace.yaml").read_text(encoding="utf-8"))["load_from"]
    assert eintrag["python_module"] == {"module_name": MODUL, "location_name": CODE_LOCATION}
    assert deployment["includeConfigInLaunchedRuns"] == {"enabled": True}  # Lauf- und Schritt-Pods wie der Code-Server


def test_umgebung_und_volume(monkeypatch):
    deployment = _deployment()
    env = _env()
    assert env[EXECUTOR_WAHL] == "k8s"
    # die Namen sind die, die das Projekt liest
    monkeypatch.setenv("SOZIAL_DWH_HOME", env["SOZIAL_DWH_HOME"])
    monkeypatch.setenv("SOZIAL_DWH_REFERENCE", env["SOZIAL_DWH_REFERENCE"])
    paths = Paths.from_env()
    assert paths.home == Path(env["SOZIAL_DWH_HOME"]) and paths.reference == Path(env["SOZIAL_DWH_REFERENCE"])
    # beide Ordner liegen auf dem gemeinsamen Volume, und das ist der PVC aus pvc.yaml (ReadWriteMany)
    (mount,) = deployment["volumeMounts"]
    (volume,) = deployment["volumes"]
    assert mount["name"] == volume["name"]
    for ordner in (paths.home, paths.reference):
        assert ordner.is_relative_to(mount["mountPath"]), f"{ordner} liegt nicht auf dem Volume"
    pvc = _yaml("pvc.yaml")
    assert volume["persistentVolumeClaim"]["claimName"] == pvc["metadata"]["name"]
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]
    # das Dockerfile setzt dieselben Pfade
    dockerfile = (ORDNER / "Dockerfile").read_text(encoding="utf-8")
    for name in ("SOZIAL_DWH_HOME", "SOZIAL_DWH_REFERENCE"):
        assert re.search(rf"\b{name}={re.escape(env[name])}\b", dockerfile), f"Dockerfile setzt {name} anders"


def test_kubernetes_objekte_ohne_unbekannte_felder():
    werte = _yaml("values.yaml")
    deployment = _deployment()
    _k8s(k8s.V1PersistentVolumeClaim, _yaml("pvc.yaml"))
    for volume in deployment["volumes"]:
        _k8s(k8s.V1Volume, volume)
    for mount in deployment["volumeMounts"]:
        _k8s(k8s.V1VolumeMount, mount)
    for eintrag in deployment["env"]:
        _k8s(k8s.V1EnvVar, eintrag)
    _k8s(k8s.V1ResourceRequirements, deployment["resources"])
    _k8s(k8s.V1PodSecurityContext, deployment["podSecurityContext"])
    launcher = werte["runLauncher"]["config"]["k8sRunLauncher"]
    _k8s(k8s.V1ResourceRequirements, launcher["resources"])
    # Teile eines Pods oder Containers, die Dagster in den ganzen einsetzt: nur Felder und ihre Verschachtelung prüfen
    k8s_snake_case_dict(k8s.V1PodSpec, launcher["runK8sConfig"]["podSpecConfig"])
    schritt = _yaml("lauf_k8s.yaml")["execution"]["config"]["step_k8s_config"]
    k8s_snake_case_dict(k8s.V1Container, schritt["container_config"])
    with pytest.raises(Exception, match="Unexpected keys"):
        k8s_snake_case_dict(k8s.V1PodSpec, {"securityContext": {"fsGruppe": 1000}})
    with pytest.raises(Exception, match="Unexpected keys"):  # die Prüfung greift wirklich
        _k8s(k8s.V1VolumeMount, {"name": "x", "mountPfad": "/daten"})


def test_laufkonfiguration_passt_zum_k8s_job_executor():
    execution = _yaml("lauf_k8s.yaml")["execution"]["config"]
    wert = _geprueft(k8s_job_executor.config_schema.config_type, execution)
    grenzen = [(g["key"], g.get("value"), g["limit"]) for g in wert["tag_concurrency_limits"]]
    for key, value in SCHREIBER_TAGS.items():
        assert (key, value, 1) in grenzen
    # der Executor des Projekts nimmt genau dieselbe Konfiguration
    _geprueft(lauf_executor_k8s.config_schema.config_type, execution)


def test_run_launcher_passt_zum_k8s_run_launcher():
    """Die Schlüssel des Charts (camelCase) so übersetzt, wie sein Template der Instanz sie schreibt; was das Chart
    selbst einsetzt (Dienstkonto, Namensraum, Instanz-ConfigMap, Kennwort-Secret), mit Beispielwerten."""
    werte = _yaml("values.yaml")["runLauncher"]
    assert werte["type"] == "K8sRunLauncher"
    helm = werte["config"]["k8sRunLauncher"]
    namen = {"loadInclusterConfig": "load_incluster_config", "kubeconfigFile": "kubeconfig_file",
             "jobNamespace": "job_namespace", "imagePullPolicy": "image_pull_policy", "envVars": "env_vars",
             "volumeMounts": "volume_mounts", "volumes": "volumes", "labels": "labels", "resources": "resources",
             "failPodOnRunFailure": "fail_pod_on_run_failure", "schedulerName": "scheduler_name",
             "securityContext": "security_context"}
    unter = {"containerConfig": "container_config", "podSpecConfig": "pod_spec_config",
             "podTemplateSpecMetadata": "pod_template_spec_metadata", "jobSpecConfig": "job_spec_config",
             "jobMetadata": "job_metadata"}
    config = {"job_namespace": "sozial-dwh", "service_account_name": "sozial-dwh-dagster",
              "dagster_home": "/opt/dagster/dagster_home", "instance_config_map": "sozial-dwh-dagster-instance",
              "postgres_password_secret": "sozial-dwh-postgresql-secret"}
    for schluessel, wert in helm.items():
        if schluessel in ("envConfigMaps", "envSecrets"):
            if wert:
                config[{"envConfigMaps": "env_config_maps", "envSecrets": "env_secrets"}[schluessel]] = [
                    e["name"] for e in wert]
        elif schluessel == "runK8sConfig":
            config["run_k8s_config"] = {unter[k]: v for k, v in wert.items()}
        elif schluessel == "image":
            config["job_image"] = f"{wert['repository']}:{wert['tag']}"
        else:
            assert schluessel in namen, f"{schluessel} kennt das Template des Charts für den K8sRunLauncher nicht"
            if wert not in ([], None):  # leere Listen lässt das Chart weg
                config[namen[schluessel]] = wert
    _geprueft(dg.Shape(K8sRunLauncher.config_type()), config)


def test_executor_wird_gebaut(tmp_path):
    """Der Executor des Projekts aus der Laufkonfiguration, wie Dagster ihn im Lauf-Pod baut (ohne Cluster: eine
    kubeconfig-Datei, die niemand anspricht, statt der Anmeldung im Pod)."""
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "beispiel",
        "clusters": [{"name": "beispiel", "cluster": {"server": "https://127.0.0.1:1"}}],
        "users": [{"name": "beispiel", "user": {"token": "beispiel"}}],
        "contexts": [{"name": "beispiel", "context": {"cluster": "beispiel", "user": "beispiel"}}]}), encoding="utf-8")
    job = ReconstructableRepository.for_module(MODUL, "defs", working_directory=str(REPO_ROOT)
                                               ).get_reconstructable_job("alles")

    def bauen(execution: dict):
        config = _geprueft(lauf_executor_k8s.config_schema.config_type, {
            **execution, "load_incluster_config": False, "kubeconfig_file": str(kubeconfig)})
        return lauf_executor_k8s.executor_creation_fn(dg.InitExecutorContext(
            job=job, executor_def=lauf_executor_k8s, executor_config=config, instance=dg.DagsterInstance.ephemeral()))

    schreiber = [{"key": k, "value": v, "limit": 1} for k, v in SCHREIBER_TAGS.items()]
    executor = bauen(_yaml("lauf_k8s.yaml")["execution"]["config"])
    assert isinstance(executor, LaufExecutor) and executor.prozesse > 1  # Sperre im Lauf-Pod, Schritte schließen sich an
    assert isinstance(executor.innen, StepDelegatingExecutor)
    assert executor.innen._max_concurrent == 8
    assert executor.innen._tag_concurrency_limits == schreiber
    # ohne Grenzen in der Laufkonfiguration (Läufe aus Sensoren): die Grenze der Schreiber gilt trotzdem
    assert bauen({}).innen._tag_concurrency_limits == schreiber


def test_schreibergrenze_wird_ergaenzt_und_nie_gelockert():
    (key, value), = SCHREIBER_TAGS.items()
    andere = {"key": "team", "value": "statistik", "limit": 3}
    assert mit_schreibergrenze([andere]) == [andere, {"key": key, "value": value, "limit": 1}]
    assert mit_schreibergrenze([{"key": key, "limit": 1}]) == [{"key": key, "limit": 1}]  # gilt für jeden Wert
    with pytest.raises(dg.DagsterInvariantViolationError, match="muss 1 sein"):
        mit_schreibergrenze([{"key": key, "value": value, "limit": 2}])


def test_executor_wahl(monkeypatch):
    monkeypatch.delenv(EXECUTOR_WAHL, raising=False)
    assert executor_aus_umgebung() is lauf_executor  # ab Werk unverändert
    monkeypatch.setenv(EXECUTOR_WAHL, "k8s")
    assert executor_aus_umgebung() is lauf_executor_k8s
    monkeypatch.setenv(EXECUTOR_WAHL, "kubernetes")
    with pytest.raises(ValueError, match="Erlaubt sind `lokal`"):
        executor_aus_umgebung()


def test_code_location_laedt_mit_k8s_executor(tmp_path):
    """Die Code-Location lädt so, wie der Code-Server im Cluster sie lädt (Dagsters `definitions validate`), und jede
    ihrer Jobs nimmt die Laufkonfiguration aus lauf_k8s.yaml an."""
    env = {**os.environ, EXECUTOR_WAHL: "k8s", "DAGSTER_HOME": str(tmp_path), "PYTHONPATH": str(REPO_ROOT)}
    geladen = subprocess.run([sys.executable, "-m", "dagster", "definitions", "validate", "-m", MODUL,
                              "-d", str(REPO_ROOT)], env=env, capture_output=True, text=True, timeout=300)
    assert geladen.returncode == 0, geladen.stdout + geladen.stderr
    pruefen = (
        "import sys, yaml, dagster as dg\n"
        "from pipelines.definitions import defs\n"
        "konfig = yaml.safe_load(open(sys.argv[1], encoding='utf-8'))\n"
        "for job in defs.resolve_all_job_defs():\n"
        "    dg.validate_run_config(job, konfig)\n"
        "    print(job.name, job.executor_def.name)\n")
    jobs = subprocess.run([sys.executable, "-c", pruefen, str(ORDNER / "lauf_k8s.yaml")], env=env, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=300)
    assert jobs.returncode == 0, jobs.stdout + jobs.stderr
    zeilen = dict(zeile.split() for zeile in jobs.stdout.splitlines())
    assert {"alles", "stichtag_lauf"} <= set(zeilen)
    assert set(zeilen.values()) == {lauf_executor_k8s.name}


def test_dockerfile_kopiert_vorhandenes_und_installiert_k8s():
    dockerfile = (ORDNER / "Dockerfile").read_text(encoding="utf-8")
    zeilen = [z.strip() for z in dockerfile.splitlines() if z.strip() and not z.lstrip().startswith("#")]
    kopiert = []
    for zeile in zeilen:
        if zeile.upper().startswith("COPY "):
            *quellen, _ziel = zeile.split()[1:]
            kopiert += quellen
    assert kopiert, "Dockerfile kopiert nichts"
    for quelle in kopiert:
        assert (REPO_ROOT / quelle).exists(), f"Dockerfile kopiert {quelle}, das gibt es im Repository nicht"
    # Dockerfile.dockerignore lässt genau das durch, was kopiert wird
    ignore = (ORDNER / "Dockerfile.dockerignore").read_text(encoding="utf-8").split()
    for quelle in kopiert:
        assert f"!{quelle}" in ignore, f"{quelle} fehlt in Dockerfile.dockerignore"
    assert any(re.search(r'pip install -e "\.\[k8s\]"', z) for z in zeilen)
    extras = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    namen = {re.split(r"[<>=\[ ]", paket)[0] for paket in extras["k8s"]}
    assert {"dagster-k8s", "dagster-postgres"} <= namen  # Lauf-Pods: K8sRunLauncher und Instanz in PostgreSQL
    cmd = next(z for z in zeilen if z.startswith("CMD "))
    assert f'"--module-name", "{MODUL}"' in cmd
