"""Schichten der Module: keine Importzyklen, die Bibliothek `sozial_dwh` kennt weder Dagster noch `pipelines`.

Der Importgraph entsteht aus dem Syntaxbaum jedes Moduls unter `sozial_dwh/` und `pipelines/` – auch Importe in
Funktionen zählen (ein verzögerter Import versteckt einen Zyklus nur, er löst ihn nicht). Eine Kante führt zu jedem
Modul, das Python beim Import ausführt: `import a.b.c` und `from a.b import c` (c ein Untermodul) führen zu `a.b.c`
und zu den Paketen `a`, `a.b` darüber – außer zu den Paketen, in denen das importierende Modul selbst liegt (die sind
dann schon geladen); `from a.b import name` (name kein Untermodul) führt zu `a.b`.

Über beiden Schichten steht genau ein Einstiegsmodul, die Kommandozeile (`sozial-dwh`, `python -m sozial_dwh`):
nur sie darf `pipelines` importieren.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from sozial_dwh.config import REPO_ROOT

PAKETE = ("sozial_dwh", "pipelines")
EINSTIEG = "sozial_dwh.cli"  # pyproject.toml [project.scripts] und sozial_dwh/__main__.py
VERBOTEN = ("dagster", "pipelines")  # für die Bibliothek sozial_dwh (dagster_webserver, dagster_duckdb … ebenso)


def module_dateien(root: Path = REPO_ROOT) -> dict[str, Path]:
    """{Modulname: Datei} für jedes .py unter den Paketen."""
    module = {}
    for paket in PAKETE:
        for path in sorted((root / paket).rglob("*.py")):
            teile = list(path.relative_to(root).with_suffix("").parts)
            if teile[-1] == "__init__":
                teile.pop()
            module[".".join(teile)] = path
    return module


def _ist_paket(name: str, module: dict[str, Path]) -> bool:
    return name in module and module[name].name == "__init__.py"


def importe(name: str, path: Path, module: dict[str, Path]) -> list[tuple[str, int]]:
    """Alle Importe eines Moduls als (Zielname, Zeile), auch in Funktionen; relative Importe aufgelöst.

    Zielnamen außerhalb der Pakete (z. B. `dagster`) bleiben, wie sie geschrieben sind."""
    baum = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    eigenes_paket = name if _ist_paket(name, module) else name.rpartition(".")[0]
    ziele: list[tuple[str, int]] = []
    for knoten in ast.walk(baum):
        if isinstance(knoten, ast.Import):
            ziele += [(alias.name, knoten.lineno) for alias in knoten.names]
        elif isinstance(knoten, ast.ImportFrom):
            if knoten.level:
                basis = eigenes_paket.split(".")
                basis = basis[:len(basis) - (knoten.level - 1)]
                quelle = ".".join(basis + ([knoten.module] if knoten.module else []))
            else:
                quelle = knoten.module or ""
            for alias in knoten.names:
                unter = f"{quelle}.{alias.name}"
                ziele.append((unter if unter in module else quelle, knoten.lineno))
    return ziele


def modulstarts(path: Path) -> list[tuple[str, int]]:
    """Module, die ein Modul als eigenen Prozess startet (`[sys.executable, "-m", "modul", …]`): auch so greift es
    nach oben, nur ohne Import."""
    starts = []
    for knoten in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(knoten, (ast.List, ast.Tuple)):
            werte = [e.value if isinstance(e, ast.Constant) else None for e in knoten.elts]
            starts += [(werte[i + 1], knoten.lineno) for i, wert in enumerate(werte[:-1])
                       if wert == "-m" and isinstance(werte[i + 1], str)]
    return starts


def _ausgefuehrt(importierer: str, ziel: str, module: dict[str, Path]) -> list[str]:
    """Die eigenen Module, die Python für `ziel` ausführt: das Ziel und die Pakete darüber (ohne die des
    Importierers)."""
    teile = ziel.split(".")
    kandidaten = [".".join(teile[:i]) for i in range(1, len(teile) + 1)]
    return [k for k in kandidaten if k in module and k != importierer and not importierer.startswith(k + ".")]


def importgraph(root: Path = REPO_ROOT) -> dict[str, set[str]]:
    module = module_dateien(root)
    return {name: {k for ziel, _ in importe(name, path, module) for k in _ausgefuehrt(name, ziel, module)}
            for name, path in module.items()}


def finde_zyklus(graph: dict[str, set[str]]) -> list[str] | None:
    """Ein Zyklus als Pfad [a, b, …, a] oder None (Tiefensuche, Knoten und Nachfolger sortiert)."""
    zustand: dict[str, int] = {}  # 1 = auf dem Pfad, 2 = fertig
    pfad: list[str] = []

    def besuche(knoten: str) -> list[str] | None:
        zustand[knoten] = 1
        pfad.append(knoten)
        for nachfolger in sorted(graph.get(knoten, ())):
            if zustand.get(nachfolger) == 1:
                return pfad[pfad.index(nachfolger):] + [nachfolger]
            if nachfolger not in zustand and (zyklus := besuche(nachfolger)):
                return zyklus
        pfad.pop()
        zustand[knoten] = 2
        return None

    for knoten in sorted(graph):
        if knoten not in zustand and (zyklus := besuche(knoten)):
            return zyklus
    return None


def komponenten(graph: dict[str, set[str]]) -> list[set[str]]:
    """Stark zusammenhängende Komponenten mit mehr als einem Modul (Tarjan, ohne Rekursion)."""
    index: dict[str, int] = {}
    tief: dict[str, int] = {}
    stapel: list[str] = []
    auf_stapel: set[str] = set()
    gefunden = []
    for start in sorted(graph):
        if start in index:
            continue
        arbeit = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = tief[start] = len(index)
        stapel.append(start)
        auf_stapel.add(start)
        while arbeit:
            knoten, nachfolger = arbeit[-1]
            weiter = next(nachfolger, None)
            if weiter is not None:
                if weiter not in index:
                    index[weiter] = tief[weiter] = len(index)
                    stapel.append(weiter)
                    auf_stapel.add(weiter)
                    arbeit.append((weiter, iter(sorted(graph.get(weiter, ())))))
                elif weiter in auf_stapel:
                    tief[knoten] = min(tief[knoten], index[weiter])
                continue
            arbeit.pop()
            if arbeit:
                tief[arbeit[-1][0]] = min(tief[arbeit[-1][0]], tief[knoten])
            if tief[knoten] == index[knoten]:
                teil = set()
                while True:
                    oben = stapel.pop()
                    auf_stapel.discard(oben)
                    teil.add(oben)
                    if oben == knoten:
                        break
                if len(teil) > 1:
                    gefunden.append(teil)
    return gefunden


def alle_zyklen(graph: dict[str, set[str]]) -> list[list[str]]:
    """Je Komponente ein Zyklus als Pfad – so nennt die Meldung jede Verflechtung auf einmal."""
    return [finde_zyklus({k: graph[k] & teil for k in teil}) for teil in komponenten(graph)]


def test_zyklensuche_findet_zyklus_im_kleinen_graphen():
    """Die Suche kann fehlschlagen: in einem kleinen Graphen findet sie den Zyklus, in einem ohne keinen."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a", "e"}, "e": {"f"}, "f": {"e"}}
    assert finde_zyklus(graph) == ["a", "b", "c", "a"]
    assert sorted(map(sorted, komponenten(graph))) == [["a", "b", "c"], ["e", "f"]]
    assert alle_zyklen(graph) in ([["a", "b", "c", "a"], ["e", "f", "e"]], [["e", "f", "e"], ["a", "b", "c", "a"]])
    assert finde_zyklus({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None
    assert alle_zyklen({"a": {"b", "c"}, "b": {"c"}, "c": set()}) == []


def test_graph_zaehlt_importe_in_funktionen_und_untermodule(tmp_path: Path):
    """Ein verzögerter Import in einer Funktion und `from paket import untermodul` sind Kanten; der Zyklus wird
    gefunden."""
    (tmp_path / "sozial_dwh" / "sub").mkdir(parents=True)
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "sozial_dwh" / "__init__.py").write_text("")
    (tmp_path / "sozial_dwh" / "sub" / "__init__.py").write_text("")
    (tmp_path / "sozial_dwh" / "sub" / "b.py").write_text("def f():\n    from sozial_dwh import a\n")
    (tmp_path / "sozial_dwh" / "a.py").write_text("from sozial_dwh.sub import b\n")
    (tmp_path / "pipelines" / "__init__.py").write_text("")
    graph = importgraph(tmp_path)
    assert graph["sozial_dwh.a"] == {"sozial_dwh.sub", "sozial_dwh.sub.b"}
    assert graph["sozial_dwh.sub.b"] == {"sozial_dwh.a"}
    assert finde_zyklus(graph) == ["sozial_dwh.a", "sozial_dwh.sub.b", "sozial_dwh.a"]


def test_keine_importzyklen():
    zyklen = alle_zyklen(importgraph())
    assert not zyklen, "Importzyklen (auch über Importe in Funktionen):\n" + "\n".join(
        "  " + " -> ".join(z) for z in zyklen)


def _oben(ziel: str) -> bool:
    return any(ziel == v or ziel.startswith((v + ".", v + "_")) for v in VERBOTEN)


def test_bibliothek_importiert_weder_dagster_noch_pipelines():
    module = module_dateien()
    assert EINSTIEG in module
    bibliothek = {name: path for name, path in module.items() if name.startswith("sozial_dwh") and name != EINSTIEG}
    verstoesse = [f"{name} ({path.relative_to(REPO_ROOT)}:{zeile}) importiert {ziel}"
                  for name, path in bibliothek.items() for ziel, zeile in importe(name, path, module) if _oben(ziel)]
    # ein eigener Prozess mit `python -m pipelines…` oder der Kommandozeile ist derselbe Griff nach oben
    verstoesse += [f"{name} ({path.relative_to(REPO_ROOT)}:{zeile}) startet python -m {ziel}"
                   for name, path in bibliothek.items() for ziel, zeile in modulstarts(path)
                   if _oben(ziel) or ziel in ("sozial_dwh", EINSTIEG)]
    assert not verstoesse, "Bibliothekscode in sozial_dwh/ greift nach oben:\n" + "\n".join(verstoesse)


def test_prozessstarts_werden_erkannt(tmp_path: Path):
    datei = tmp_path / "m.py"
    datei.write_text('import sys\nbefehl = [sys.executable, "-m", "pipelines.bench_lauf", "{}"]\n')
    assert modulstarts(datei) == [("pipelines.bench_lauf", 2)]


def test_einstieg_ist_die_kommandozeile():
    """Der Konsolenbefehl `sozial-dwh` und `python -m sozial_dwh` führen auf dasselbe Einstiegsmodul."""
    skripte = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert skripte == {"sozial-dwh": f"{EINSTIEG}:main"}
    haupt = importe("sozial_dwh.__main__", REPO_ROOT / "sozial_dwh" / "__main__.py", module_dateien())
    assert [ziel for ziel, _ in haupt] == [EINSTIEG]
