"""Der Executor im Kubernetes-Cluster: Dagsters `k8s_job_executor` im `LaufExecutor` des Projekts (architektur.md §11.1).

Gewählt mit `SOZIAL_DWH_EXECUTOR=k8s` (`pipelines.definitions.executor_aus_umgebung`); das Beispiel dafür liegt in
`deploy/kubernetes/`. Derselbe Job, dieselben Schritte und Ressourcen wie auf einem Rechner, nur wo die Schritte laufen,
ist anders:

- Der `K8sRunLauncher` startet je Lauf einen Pod (den Lauf-Pod). In ihm läuft die Orchestrierung des Laufs und damit
  `LaufExecutor.execute`: er ist der steuernde Prozess, nimmt die Sperre `.lauf.lock` des Warehouse auf dem
  gemeinsamen Volume für den ganzen Lauf und entscheidet am Ende (übernehmen oder verwerfen) – wie der steuernde Prozess
  des Multiprozess-Executors auf einem Rechner.
- Dagsters `k8s_job_executor` (ein `StepDelegatingExecutor` mit dem `K8sStepHandler`) startet jeden Schritt als eigenen
  Kubernetes-Job. Ein Schritt findet die Sperre gehalten und seinen Lauf darin und schließt sich der Arbeitskopie an
  (`warehouse.RunCopy`, `pipelines.resources`); er entscheidet nie.
- Schritte, die DuckDB schreiben (Tag aus `pipelines.constants.SCHREIBER_TAGS`), laufen nie gleichzeitig: die Grenze 1
  für diesen Tag steht immer in `tag_concurrency_limits`, auch wenn die Laufkonfiguration sie nicht nennt (Läufe aus
  Sensoren und Zeitplänen haben keine). Eine andere Grenze für diesen Tag ist ein Fehler.

Stirbt der Lauf-Pod, gibt das Dateisystem die Sperre frei (auf NFS erst, wenn der Server es merkt); verwaiste
Schritte schreiben nichts mehr, der nächste Lauf verwirft die Arbeitskopie (deploy/kubernetes/README.md).
"""


from collections.abc import Mapping, Sequence

import dagster as dg
from dagster._core.definitions.executor_definition import multiple_process_executor_requirements
from dagster._core.executor.base import Executor
from dagster_k8s import k8s_job_executor

from pipelines.constants import SCHREIBER_TAGS
from pipelines.executor import LaufExecutor


def schreiber_grenzen() -> list[dict]:
    """Die Grenzen, ohne die kein Lauf startet: je Tag der Schreiber höchstens ein Schritt gleichzeitig."""
    return [{"key": key, "value": value, "limit": 1} for key, value in SCHREIBER_TAGS.items()]


def mit_schreibergrenze(grenzen: Sequence[Mapping] | None) -> list[dict]:
    """`tag_concurrency_limits` der Laufkonfiguration, ergänzt um die Grenze der Schreiber, wo sie fehlt."""
    ergebnis = [dict(grenze) for grenze in grenzen or []]
    for pflicht in schreiber_grenzen():
        passend = [g for g in ergebnis
                   if g.get("key") == pflicht["key"] and g.get("value") in (None, pflicht["value"])]
        for grenze in passend:
            if grenze.get("limit") != 1:
                raise dg.DagsterInvariantViolationError(
                    f"tag_concurrency_limits setzt für den Tag {pflicht['key']}={pflicht['value']} die Grenze "
                    f"{grenze.get('limit')!r}. DuckDB hat je Datei einen schreibenden Prozess: die Grenze muss 1 sein. "
                    "Bitte den Eintrag in der Laufkonfiguration auf limit: 1 setzen oder ihn weglassen "
                    "(dann ergänzt das Projekt ihn).")
        if not passend:
            ergebnis.append(pflicht)
    return ergebnis


@dg.executor(
    name="sozial_dwh_k8s",
    config_schema=k8s_job_executor.config_schema,  # genau die Konfiguration von Dagsters k8s_job_executor
    requirements=multiple_process_executor_requirements(),
)
def lauf_executor_k8s(init_context: dg.InitExecutorContext) -> Executor:
    konfig = dict(init_context.executor_config)
    konfig["tag_concurrency_limits"] = mit_schreibergrenze(konfig.get("tag_concurrency_limits"))
    innen = k8s_job_executor.executor_creation_fn(dg.InitExecutorContext(
        job=init_context.job, executor_def=k8s_job_executor, executor_config=konfig, instance=init_context.instance))
    # Jeder Schritt in einem eigenen Pod: für den LaufExecutor „mehrere Prozesse“ (Sperre im Lauf-Pod, Schritte
    # schließen sich an); die Zahl selbst begrenzt nichts, das tun max_concurrent und die Grenzen oben.
    return LaufExecutor(innen, prozesse=2)
