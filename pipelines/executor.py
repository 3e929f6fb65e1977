"""Der Executor der Code-Location: ein Lauf in einem Prozess oder mit Lesen in mehreren (architektur.md §11.1).

`lauf_executor` nimmt Dagsters eigene Executoren und ergänzt, was ein Lauf über mehrere Prozesse für das eine
Warehouse braucht:

- `prozesse: 0` (ab Werk): automatisch (`prozesse_automatisch`) – so viele Prozesse wie Kerne (höchstens so viele
  wie Lesestränge), wenn die Instanz es erlaubt; sonst einer.
- `prozesse: 1`: alle Schritte nacheinander in einem Prozess (Dagsters In-Process-Executor); Sperre, Arbeitskopie
  und die Entscheidung am Ende liegen bei der Ressource (`pipelines.resources`).
- `prozesse: N > 1`: der Plan wird geteilt. Zuerst die Schritte, die das Warehouse nicht schreiben (die
  Lesestränge, ohne Tag `sozial_dwh/schreibt`), nebeneinander in bis zu N eigenen Prozessen (Dagsters
  Multiprozess-Executor, `forkserver` mit vorgeladenem `pipelines.definitions`); sie legen ihr Gelesenes unter
  `lauf/<Lauf>/` ab. Danach alle übrigen Schritte nacheinander im steuernden Prozess (wie Dagsters
  In-Process-Executor, für diesen Teil des Plans): DuckDB hat je Datei einen schreibenden Prozess, und ein Prozess je
  Modellschritt kostete mehr (Start, Import, Verbindung), als er bringt. Während die Stränge lesen, lädt der
  steuernde Prozess Great Expectations für die Prüfungen. Der steuernde Prozess hält die Sperre des Warehouse für den
  ganzen Lauf; die Ressource in den Schritten schließt sich der Arbeitskopie an. Am Ende entscheidet er wie sonst
  der Abbau der Ressource: übernehmen (auch nach einer blockierenden Prüfung) oder verwerfen. Stirbt er (`kill -9`),
  gibt das Betriebssystem die Sperre frei; der nächste Lauf verwirft die Arbeitskopie.

Mehrere Prozesse brauchen eine Dagster-Instanz auf der Platte (nicht `DagsterInstance.ephemeral()`) und einen Job,
der sich aus dem Modul rekonstruieren lässt – so startet ihn die Oberfläche und `sozial-dwh run`
(`pipelines.ausfuehren.lauf_starten`).

Im Kubernetes-Cluster (`deploy/kubernetes/`) wählt `SOZIAL_DWH_EXECUTOR=k8s` statt dessen
`pipelines.executor_k8s.lauf_executor_k8s`: derselbe `LaufExecutor` um Dagsters `k8s_job_executor` (ein Pod je
Schritt; die Schreiber nacheinander über `tag_concurrency_limits`).
"""


import multiprocessing
import os
import threading

import dagster as dg
from dagster._core.definitions.executor_definition import (
    check_cross_process_constraints,
    multiple_process_executor_requirements,
)
from dagster._core.definitions.reconstruct import ReconstructableJob
from dagster._core.execution.api import ExecuteRunWithPlanIterable
from dagster._core.execution.context_creation_job import PlanExecutionContextManager
from dagster._core.execution.retries import RetryMode
from dagster._core.executor.base import Executor
from dagster._core.executor.in_process import InProcessExecutor, inprocess_execution_iterator
from dagster._core.executor.multiprocess import MultiprocessExecutor
from dagster._core.system_config.objects import ResolvedRunConfig

from pipelines.constants import PRUEFT, SCHREIBT, SCHREIBT_WAREHOUSE, STRAENGE
from pipelines.fortschritt import fremder_schritt
from pipelines.resources import lauf_abschliessen
from sozial_dwh import warehouse
from sozial_dwh.config import Paths

VORLADEN = ["pipelines.definitions"]

# Gemessen (sozial-dwh bench, 2 Kerne): Prozesse starten kostet einen Lauf rund 2 s (Forkserver mit den Definitions,
# je Leseprozess Plan und Instanz), zwei Prozesse sparen beim Lesen rund 0,3 s je MB. Darunter liest ein Prozess.
PROZESSE_AB_MB = 8.0
PROZESSE_AB_MB_ENV = "SOZIAL_DWH_PROZESSE_AB_MB"


class LaufExecutor(Executor):
    """Führt den Plan mit `innen` aus; bei mehreren Prozessen mit Sperre und Entscheidung im steuernden Prozess."""

    def __init__(self, innen: Executor, prozesse: int, schreiber_im_prozess: bool = False) -> None:
        self.innen = innen
        self.prozesse = prozesse
        self.schreiber_im_prozess = schreiber_im_prozess

    @property
    def retries(self) -> RetryMode:
        return self.innen.retries

    def execute(self, plan_context, execution_plan):
        from sozial_dwh.validation.pruefen import pruefprozess_beenden, pruefprozess_starten

        # nur, wo die Prüfungen in diesem Prozess laufen (nicht, wenn jeder Schritt einen eigenen Pod hat)
        hier = self.prozesse <= 1 or self.schreiber_im_prozess
        pruefprozess = pruefprozess_starten() if hier and _prueft(execution_plan) else None
        if pruefprozess:
            plan_context.log.info(f"Great Expectations lädt und prüft im Prüfprozess (PID {pruefprozess}).")
        try:
            yield from self._ausfuehren(plan_context, execution_plan)
        finally:
            if pruefprozess:
                pruefprozess_beenden()

    def _ausfuehren(self, plan_context, execution_plan):
        if self.prozesse <= 1:
            global _IN_EINEM_PROZESS
            _IN_EINEM_PROZESS += 1
            try:
                yield from self.innen.execute(plan_context, execution_plan)
            finally:
                _IN_EINEM_PROZESS -= 1
            return
        run_id = plan_context.dagster_run.run_id
        paths = Paths.from_env()
        kopie = warehouse.RunCopy(paths, run_id, log=plan_context.log.info, besitzer=True)
        kopie.sperren()
        try:
            lesen, schreiben = _teilen(execution_plan)
            if self.schreiber_im_prozess:
                gescheitert = False
                if lesen:
                    # Lesen nebeneinander in eigenen Prozessen, danach die Schreiber hier, nacheinander (Great
                    # Expectations lädt derweil der Prüfprozess, siehe `execute`)
                    teil = _teilplan(plan_context, execution_plan, lesen) if schreiben else execution_plan
                    for ereignis in self.innen.execute(plan_context, teil):
                        gescheitert = gescheitert or ereignis.is_step_failure
                        if ereignis.step_key and ereignis.pid != os.getpid():
                            fremder_schritt(run_id, ereignis)
                        yield ereignis
                if schreiben and gescheitert:
                    plan_context.log.warning("Ein Lesestrang ist gescheitert: die übrigen Schritte laufen nicht; "
                                             "die Arbeitskopie wird verworfen, die Dateien bleiben im Eingang.")
                elif schreiben:
                    teil = _teilplan(plan_context, execution_plan, schreiben) if lesen else execution_plan
                    yield from _im_prozess(plan_context, teil)
            else:
                yield from self.innen.execute(plan_context, execution_plan)
            lauf_abschliessen(kopie, plan_context.instance, run_id, plan_context.log, paths)
        except BaseException:
            if kopie.pending:  # abgebrochen oder Fehler im steuernden Prozess: nichts übernehmen
                kopie.discard()
            raise
        finally:
            kopie.release()


_IN_EINEM_PROZESS = 0  # > 0, solange dieser Prozess einen Lauf ganz in sich ausführt (`LaufExecutor`, prozesse ≤ 1)


def alles_in_diesem_prozess() -> bool:
    """Führt dieser Prozess gerade einen ganzen Lauf in sich aus? Dann legen die Lesestränge nichts ab: der Eingang
    liest im selben Prozess ohnehin jede Datei, und Parquet schreiben und wieder lesen kostete nur (beim Beispiel
    rund 1 s). Schritte in anderen Prozessen (Multiprozess-Executor, Kubernetes) sehen hier False und lesen."""
    return _IN_EINEM_PROZESS > 0


def _prueft(execution_plan) -> bool:
    """Prüft ein Schritt des Plans mit Great Expectations (Tag `PRUEFT`)?"""
    return any(step.tags.get(PRUEFT) for step in execution_plan.get_steps_to_execute_in_topo_order())


def _schreibt(step) -> bool:
    return step.tags.get(SCHREIBT) == SCHREIBT_WAREHOUSE


def _teilen(execution_plan) -> tuple[list[str], list[str]]:
    """Schritte, die nicht schreiben und nur von ebensolchen abhängen (die Lesestränge), und alle übrigen."""
    lesen: list[str] = []
    schreiben: list[str] = []
    deps = execution_plan.get_executable_step_deps()
    for step in execution_plan.get_steps_to_execute_in_topo_order():
        if not _schreibt(step) and not (deps.get(step.key, set()) & set(schreiben)):
            lesen.append(step.key)
        else:
            schreiben.append(step.key)
    return lesen, schreiben


def _teilplan(plan_context, execution_plan, schritte: list[str]):
    job = plan_context.job.get_definition()
    return execution_plan.build_subset_plan(schritte, job, ResolvedRunConfig.build(job, plan_context.run_config))


def _im_prozess(plan_context, teilplan):
    """Die Schritte von `teilplan` nacheinander in diesem Prozess – wie Dagsters In-Process-Executor, aber für einen
    Teil des Plans (der In-Process-Executor führt immer den ganzen Plan des Laufs aus)."""
    yield from ExecuteRunWithPlanIterable(
        execution_plan=teilplan,
        iterator=inprocess_execution_iterator,
        execution_context_manager=PlanExecutionContextManager(
            job=plan_context.job,
            retry_mode=plan_context.retry_mode,
            execution_plan=teilplan,
            run_config=plan_context.run_config,
            dagster_run=plan_context.dagster_run,
            instance=plan_context.instance,
            raise_on_error=plan_context.raise_on_error,
            output_capture=plan_context.output_capture,
        ),
    )


def _forkserver() -> bool:
    return "forkserver" in multiprocessing.get_all_start_methods()


def schrittprozesse_vorbereiten() -> None:
    """Den Forkserver der Schrittprozesse schon jetzt im Hintergrund starten (er lädt `VORLADEN`, gut eine Sekunde),
    während dieser Prozess den Lauf anlegt; der Multiprozess-Executor findet ihn dann fertig vor. Für Läufe, die
    mehrere Prozesse nehmen werden (`pipelines.ausfuehren.alles_ausfuehren`)."""
    if not _forkserver():
        return
    kontext = multiprocessing.get_context("forkserver")
    # wie Dagsters Multiprozess-Executor: sein Modul zuerst, dann die Definitions
    kontext.set_forkserver_preload(["dagster._core.executor.multiprocess", *VORLADEN])
    from multiprocessing import forkserver

    threading.Thread(target=forkserver.ensure_running, name="forkserver-vorstarten", daemon=True).start()


def prozesse_automatisch(init_context: dg.InitExecutorContext) -> int:
    """Ab Werk: so viele Prozesse zum Lesen, wie es Kerne gibt (höchstens so viele, wie es Lesestränge gibt), wenn
    die Instanz es erlaubt – Instanz auf der Platte und ein Job, der sich aus dem Modul rekonstruieren lässt (so
    starten ihn `sozial-dwh run` und die Oberfläche). Sonst (z. B. `execute_in_process`, flüchtige Instanz) einer."""
    kerne = min(os.cpu_count() or 1, STRAENGE)
    if kerne < 2:
        return 1
    if init_context.instance.is_ephemeral or not isinstance(init_context.job, ReconstructableJob):
        return 1
    if _eingang_mb(Paths.from_env()) < ab_mb():
        return 1  # kleine Lieferung: Prozesse zu starten kostet mehr, als sie beim Lesen sparen
    return kerne


def ab_mb() -> float:
    """Ab so vielen MB im Eingang liest ein Lauf ab Werk in mehreren Prozessen (`SOZIAL_DWH_PROZESSE_AB_MB`)."""
    wert = os.environ.get(PROZESSE_AB_MB_ENV, "").strip()
    try:
        return float(wert) if wert else PROZESSE_AB_MB
    except ValueError as exc:
        raise ValueError(f"{PROZESSE_AB_MB_ENV}={wert!r} ist keine Zahl (MB, z. B. 8).") from exc


def mehrere_prozesse(instance: dg.DagsterInstance, paths: Paths, prozesse: int | None) -> bool:
    """Wird ein Lauf mit `prozesse` (None: ab Werk) in mehreren Prozessen lesen? (für `schrittprozesse_vorbereiten`;
    die Entscheidung selbst trifft `lauf_executor`)."""
    if prozesse is not None:
        return prozesse > 1
    return (not instance.is_ephemeral and min(os.cpu_count() or 1, 2) > 1 and _eingang_mb(paths) >= ab_mb())


def _eingang_mb(paths: Paths) -> float:
    try:
        return sum(p.stat().st_size for p in paths.inbox.rglob("*") if p.is_file()) / 1e6
    except OSError:
        return 0.0


@dg.executor(
    name="sozial_dwh",
    config_schema={
        "prozesse": dg.Field(int, default_value=0, description=(
            "0 (ab Werk): automatisch – Lesen in so vielen Prozessen wie Kerne, wenn die Instanz es erlaubt, sonst "
            "alles in einem Prozess; 1: alle Schritte nacheinander in einem Prozess; N: die Lesestränge in bis zu N "
            "Prozessen nebeneinander, die Schritte, die das Warehouse schreiben, danach nacheinander im steuernden "
            "Prozess.")),
    },
    # mehrere Prozesse verlangt: rekonstruierbarer Job und eine Instanz auf der Platte (Dagster prüft beides);
    # automatisch (0) prüft `prozesse_automatisch` selbst und nimmt sonst einen Prozess
    requirements=lambda config: multiple_process_executor_requirements() if config.get("prozesse", 0) > 1 else [],
)
def lauf_executor(init_context: dg.InitExecutorContext) -> Executor:
    prozesse = init_context.executor_config["prozesse"]
    if prozesse == 0:
        prozesse = prozesse_automatisch(init_context)
    retries = RetryMode.DISABLED
    if prozesse <= 1:
        return LaufExecutor(InProcessExecutor(retries=retries), 1)
    check_cross_process_constraints(init_context)
    return LaufExecutor(MultiprocessExecutor(
        retries=retries,
        max_concurrent=prozesse,
        tag_concurrency_limits=[{"key": SCHREIBT, "value": SCHREIBT_WAREHOUSE, "limit": 1}],
        start_method="forkserver" if _forkserver() else None,
        explicit_forkserver_preload=VORLADEN,
    ), prozesse, schreiber_im_prozess=True)
