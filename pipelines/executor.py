"""Der Executor der Code-Location: ein Lauf in einem Prozess oder in mehreren (architektur.md §11.1).

`lauf_executor` nimmt Dagsters eigene Executoren und ergänzt, was ein Lauf über mehrere Prozesse für das eine
Warehouse braucht:

- `prozesse: 1` (ab Werk): alle Schritte nacheinander in einem Prozess (Dagsters In-Process-Executor); Sperre,
  Arbeitskopie und die Entscheidung am Ende liegen bei der Ressource (`pipelines.resources`), wie bisher.
- `prozesse: N > 1`: jeder Schritt in einem eigenen Prozess (Dagsters Multiprozess-Executor, `forkserver` mit
  vorgeladenem `pipelines.definitions`: ein Schritt startet ohne erneuten Import). Der steuernde Prozess hält die
  Sperre des Warehouse für den ganzen Lauf; die Schritte schließen sich der Arbeitskopie an. Schritte, die DuckDB
  schreiben (Tag `sozial_dwh/schreibt` = `warehouse`), laufen nie gleichzeitig – DuckDB hat je Datei einen
  schreibenden Prozess; alle übrigen Schritte laufen nebeneinander. Am Ende entscheidet der steuernde Prozess wie
  sonst der Abbau der Ressource: übernehmen (auch nach einer blockierenden Prüfung) oder verwerfen. Stirbt er
  (`kill -9`), gibt das Betriebssystem die Sperre frei; der nächste Lauf verwirft die Arbeitskopie.

Mehrere Prozesse brauchen eine Dagster-Instanz auf der Platte (nicht `DagsterInstance.ephemeral()`) und einen Job,
der sich aus dem Modul rekonstruieren lässt – so startet ihn die Oberfläche und `sozial-dwh run`
(`pipelines.ausfuehren.lauf_starten`).

Im Kubernetes-Cluster (`deploy/kubernetes/`) wählt `SOZIAL_DWH_EXECUTOR=k8s` statt dessen
`pipelines.executor_k8s.lauf_executor_k8s`: derselbe `LaufExecutor` um Dagsters `k8s_job_executor` (ein Pod je Schritt).
"""


import multiprocessing

import dagster as dg
from dagster._core.definitions.executor_definition import (
    check_cross_process_constraints,
    multiple_process_executor_requirements,
)
from dagster._core.execution.retries import RetryMode
from dagster._core.executor.base import Executor
from dagster._core.executor.in_process import InProcessExecutor
from dagster._core.executor.multiprocess import MultiprocessExecutor

from pipelines.constants import SCHREIBT, SCHREIBT_WAREHOUSE
from pipelines.resources import lauf_abschliessen
from sozial_dwh import warehouse
from sozial_dwh.config import Paths

VORLADEN = ["pipelines.definitions"]


class LaufExecutor(Executor):
    """Führt den Plan mit `innen` aus; bei mehreren Prozessen mit Sperre und Entscheidung im steuernden Prozess."""

    def __init__(self, innen: Executor, prozesse: int) -> None:
        self.innen = innen
        self.prozesse = prozesse

    @property
    def retries(self) -> RetryMode:
        return self.innen.retries

    def execute(self, plan_context, execution_plan):
        if self.prozesse <= 1:
            yield from self.innen.execute(plan_context, execution_plan)
            return
        run_id = plan_context.dagster_run.run_id
        paths = Paths.from_env()
        kopie = warehouse.RunCopy(paths, run_id, log=plan_context.log.info, besitzer=True)
        kopie.sperren()
        try:
            yield from self.innen.execute(plan_context, execution_plan)
            lauf_abschliessen(kopie, plan_context.instance, run_id, plan_context.log, paths)
        except BaseException:
            if kopie.pending:  # abgebrochen oder Fehler im steuernden Prozess: nichts übernehmen
                kopie.discard()
            raise
        finally:
            kopie.release()


@dg.executor(
    name="sozial_dwh",
    config_schema={
        "prozesse": dg.Field(int, default_value=1, description=(
            "1: alle Schritte nacheinander in einem Prozess; mehr: so viele Schritte gleichzeitig in eigenen "
            "Prozessen (Schritte, die das Warehouse schreiben, nie gleichzeitig).")),
    },
    # mehrere Prozesse: rekonstruierbarer Job und eine Instanz auf der Platte (Dagster prüft beides)
    requirements=lambda config: multiple_process_executor_requirements() if config.get("prozesse", 1) > 1 else [],
)
def lauf_executor(init_context: dg.InitExecutorContext) -> Executor:
    prozesse = init_context.executor_config["prozesse"]
    retries = RetryMode.DISABLED
    if prozesse <= 1:
        return LaufExecutor(InProcessExecutor(retries=retries), 1)
    check_cross_process_constraints(init_context)
    return LaufExecutor(MultiprocessExecutor(
        retries=retries,
        max_concurrent=prozesse,
        tag_concurrency_limits=[{"key": SCHREIBT, "value": SCHREIBT_WAREHOUSE, "limit": 1}],
        start_method="forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else None,
        explicit_forkserver_preload=VORLADEN,
    ), prozesse)
