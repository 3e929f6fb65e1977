"""Die Code-Location: Definitions laden, jede SQL-Datei ist genau ein Asset, Abhängigkeiten existieren."""

from __future__ import annotations

import json
import subprocess
import sys

import dagster as dg

from pipelines.definitions import defs
from sozial_dwh.config import REPO_ROOT
from sozial_dwh.models import creates_table, discover, references
from sozial_dwh.validation.pruefen import abfrage_sql
from sozial_dwh.validation.regeln import regeln_fuer


def asset_keys() -> set[dg.AssetKey]:
    return set(defs.resolve_asset_graph().get_all_asset_keys())


def test_definitions_load_and_job_covers_all_assets():
    job = defs.resolve_job_def("alles")
    assert job.executor_def.name == "sozial_dwh"  # pipelines/executor.py: ab Werk ein Prozess
    keys = asset_keys()
    assert dg.AssetKey(["mart", "indikator_werte"]) in keys
    assert dg.AssetKey(["ops", "dateien"]) in keys


def test_every_sql_file_is_exactly_one_asset_with_known_deps():
    models = discover()
    files = sorted(p.relative_to(REPO_ROOT / "sql") for layer in ("staging", "core", "mart")
                   for p in (REPO_ROOT / "sql" / layer).glob("*.sql"))
    assert len(models) == len(files) >= 5
    keys = asset_keys()
    graph = defs.resolve_asset_graph()
    for model in models:
        key = dg.AssetKey(list(model.key))
        assert key in keys, model.path
        assert creates_table(model), f"{model.path} legt nicht genau {model.schema}.{model.name} an"
        for dep in model.deps:
            assert dg.AssetKey(list(dep)) in keys, f"{model.path}: unbekannte Abhängigkeit {dep}"
        # dazu die Tabellen, die die Prüfabfragen der Staging-Tabelle lesen (z. B. Einwohner für SGB II)
        regeln = regeln_fuer(f"{model.schema}.{model.name}")
        extra = {dep for r in regeln for dep in references(abfrage_sql(r.abfrage))} - {model.key}
        assert {dg.AssetKey(list(d)) for d in set(model.deps) | extra} == set(graph.get(key).parent_keys)


def test_every_source_has_checks_some_blocking():
    graph = defs.resolve_asset_graph()
    checks = {}
    for check_key in graph.asset_check_keys:
        checks.setdefault(check_key.asset_key.path[-1], []).append(graph.get_check_spec(check_key))
    for quelle in ("bevoelkerung", "sgb2", "arbeitslose", "grundsicherung", "kita", "konferenz_ergebnisse"):
        specs = checks[f"stg_{quelle}"]
        assert any(spec.blocking for spec in specs), quelle
        assert any(not spec.blocking for spec in specs), quelle


def test_every_asset_has_a_description():
    graph = defs.resolve_asset_graph()
    missing = [k.to_user_string() for k in graph.get_all_asset_keys() if not graph.get(k).description]
    assert missing == []


def test_dagster_validates_the_workspace():
    result = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_every_asset_has_a_german_description_and_a_layer_group():
    graph = defs.resolve_asset_graph()
    ohne = [k.to_user_string() for k in graph.get_all_asset_keys() if not (graph.get(k).description or "").strip()]
    assert ohne == []
    gruppen = {graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert gruppen == {"ingest", "staging", "core", "mart", "bericht"}


def test_geladene_definitions_sind_aus_der_muellsammlung_genommen():
    # frischer Prozess: nach dem Import liegen Dagster, pandas, DuckDB und die Definitions (gut 100.000 Objekte) nicht
    # mehr in den Generationen, die eine volle Sammlung durchgeht (gc.freeze am Ende von pipelines/definitions.py)
    code = ("import gc, json, pipelines.definitions; "
            "print(json.dumps([gc.get_freeze_count(), len(gc.get_objects())]))")
    ausgabe = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT,
                             timeout=120, check=True).stdout
    eingefroren, verfolgt = json.loads(ausgabe.strip().splitlines()[-1])
    assert eingefroren > 100_000 and verfolgt < eingefroren / 100
