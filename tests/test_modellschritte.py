"""Die SQL-Modelle in wenigen Schritten (sozial_dwh/modellschritte.py): Eigenschaften der Teilung am echten `sql/`
und die Meldung bei einem Kreis an einem kleinen, hier geschriebenen `sql/`.

Dass eine gescheiterte blockierende Prüfung genau die abhängigen Modelle anhält und die übrigen weiterlaufen, zeigen
die echten Läufe in tests/test_validation.py (test_blocking_error_stops_downstream_assets).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sozial_dwh.modellschritte import abhaengigkeiten, modellschritte
from sozial_dwh.models import discover
from sozial_dwh.validation.regeln import regeln_fuer


def _huelle(models) -> dict:
    """Je Modell alle Modelle, von denen es (auch über andere) abhängt."""
    nach_key = {m.key: m for m in models}
    direkt = {m.key: {d for d in abhaengigkeiten(m) if d in nach_key} for m in models}
    huelle: dict = {}

    def besuchen(key):
        if key not in huelle:
            huelle[key] = set()
            for d in direkt[key]:
                huelle[key] |= {d} | besuchen(d)
        return huelle[key]

    for key in direkt:
        besuchen(key)
    return huelle


def test_teilung_des_projekts():
    models = discover()
    schritte = modellschritte(models)
    huelle = _huelle(models)
    # jedes Modell genau einmal
    alle = [m.key for s in schritte for m in s.modelle]
    assert sorted(alle) == sorted(m.key for m in models)
    assert len(schritte) < len(models) / 2, [s.name for s in schritte]
    gesehen: set = set()
    for schritt in schritte:
        keys = [m.key for m in schritt.modelle]
        # Reihenfolge: was ein Modell braucht, ist in einem früheren Schritt oder früher im selben Schritt gerechnet
        for nummer, key in enumerate(keys):
            fehlt = huelle[key] - gesehen - set(keys[:nummer])
            assert not fehlt, f"{schritt.name}: {key} braucht {fehlt}"
        # eine Partitionierung je Schritt
        assert {m.partitioniert for m in schritt.modelle} == {schritt.partitioniert}
        # höchstens ein Tor, es steht vorn, und alle anderen hängen von ihm ab
        tore = [m for m in schritt.modelle if any(r.blockierend for r in regeln_fuer(f"{m.schema}.{m.name}"))]
        assert tore == ([schritt.tor] if schritt.tor else [])
        if schritt.tor:
            assert keys[0] == schritt.tor.key
            assert all(schritt.tor.key in huelle[k] for k in keys[1:]), schritt.name
        gesehen |= set(keys)
    # Beispiel: die Bevölkerung (Tor stg_bevoelkerung) mit Fakten und Größen in einem Schritt nach Stichtag
    [bev] = [s for s in schritte if s.tor and s.tor.name == "stg_bevoelkerung"]
    assert [m.name for m in bev.modelle] == ["stg_bevoelkerung", "fact_bevoelkerung", "groessen_bevoelkerung"]
    assert bev.partitioniert and bev.name == "modelle_bevoelkerung"
    assert bev.beschreibung() == "staging.stg_bevoelkerung und 2 weitere Tabellen rechnen und prüfen"


def _modell(sql_dir: Path, schicht: str, name: str, sql: str, stichtag: bool) -> None:
    (sql_dir / schicht).mkdir(parents=True, exist_ok=True)
    kopf = "-- Beispielmodell\n" + ("-- Partition: stichtag\n" if stichtag else "")
    (sql_dir / schicht / f"{name}.sql").write_text(kopf + sql, encoding="utf-8")


def test_kreis_ueber_modell_ohne_stichtag_wird_gemeldet(tmp_path: Path):
    # core.a (Stichtag) -> core.b (ohne) -> core.c (Stichtag): a und c hätten denselben Schritt, b läge dazwischen
    _modell(tmp_path, "core", "a", "create or replace table core.a as select 1 as stichtag;\n", True)
    _modell(tmp_path, "core", "b", "create or replace table core.b as select * from core.a;\n", False)
    _modell(tmp_path, "core", "c", "create or replace table core.c as select * from core.b;\n", True)
    with pytest.raises(ValueError) as fehler:
        modellschritte(discover(tmp_path))
    text = str(fehler.value)
    assert "ohne Kreis" in text and "core.b" in text and "„-- Partition: stichtag“" in text


def test_ohne_tor_eine_gruppe_je_partitionierung(tmp_path: Path):
    # keine Prüfungen: zwei Modelle ohne Stichtag (eins vor, eins nach den Stichtag-Modellen wäre ein Kreis, hier nicht)
    _modell(tmp_path, "core", "a", "create or replace table core.a as select 1 as x;\n", False)
    _modell(tmp_path, "core", "b", "create or replace table core.b as select * from core.a;\n", False)
    _modell(tmp_path, "core", "c", "create or replace table core.c as select 1 as stichtag from core.a;\n", True)
    schritte = modellschritte(discover(tmp_path))
    assert [(s.name, [m.name for m in s.modelle], s.partitioniert) for s in schritte] == [
        ("modelle_a", ["a", "b"], False), ("modelle_c", ["c"], True)]
