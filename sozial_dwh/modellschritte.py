"""Welche SQL-Modelle in einem Schritt des Laufs zusammen gerechnet werden (architektur.md §11.1).

Jedes Modell `sql/<schicht>/<tabelle>.sql` bleibt ein eigenes Asset (eigene Metadaten, eigene Prüfungen, einzeln
in der Oberfläche materialisierbar); gerechnet werden sie aber in wenigen Schritten. Ein Schritt kostet Dagster
einen Start, Ereignisse und eine Verbindung zur Arbeitskopie – bei 45 Modellen mehr als das SQL selbst.

Die Gruppen folgen allein aus dem, was die Modelle erklären (keine Liste von Hand):

- **Tore:** ein Modell mit einer blockierenden Prüfung (`sozial_dwh.validation.regeln`, `blockierend`) ist ein Tor.
  Die Signatur eines Modells ist die Menge der Tore, von denen es abhängt (es selbst eingeschlossen, wenn es eines
  ist) – über die Tabellenverweise im SQL und in den Abfragen seiner Prüfungen.
- **Ein Schritt** = alle Modelle mit derselben Signatur und derselben Partitionierung (Stichtag oder nicht).

Warum so: Scheitert die blockierende Prüfung eines Tors, darf nichts gerechnet werden, was davon abhängt – und
alles andere soll weiterlaufen. In einem Schritt hängen alle Modelle außer dem Tor selbst vom Tor ab (sie tragen
es in der Signatur); der Schritt hört nach dem Tor auf. Schritte mit anderer Signatur hängen nur dann vom
gescheiterten Schritt ab, wenn ihre Modelle vom Tor abhängen – dann hält Dagster sie an, sonst laufen sie weiter.
So bleibt die Wirkung einer blockierenden Prüfung genau die wie bei einem Schritt je Modell.

Die Schritte bilden keinen Kreis: hängt ein Modell von einem anderen ab, umfasst seine Signatur dessen Signatur;
ein Kreis zwischen zwei Schritten hieße gleiche Signatur, also derselbe Schritt – außer, ein Stichtag-Modell hinge
über ein Modell ohne Stichtag mit derselben Signatur wieder von einem Stichtag-Modell ab. Das meldet
`modellschritte` mit den beteiligten Modellen.
"""

from __future__ import annotations

import functools
import graphlib
from dataclasses import dataclass

from sozial_dwh.models import SqlModel, discover, references
from sozial_dwh.validation.regeln import Regel, regeln_fuer


@dataclass(frozen=True)
class Modellschritt:
    """Ein Schritt des Laufs: Modelle in der Reihenfolge ihrer Abhängigkeiten; `tor` ist das Modell mit der
    blockierenden Prüfung, von dem alle anderen abhängen (oder None)."""

    name: str
    modelle: tuple[SqlModel, ...]
    partitioniert: bool
    tor: SqlModel | None

    def beschreibung(self) -> str:
        tabellen = [f"{m.schema}.{m.name}" for m in self.modelle]
        pruefen = any(regeln_fuer(t) for t in tabellen)
        weitere = len(tabellen) - 1
        was = tabellen[0] + ("" if not weitere else f" und {weitere} weitere Tabelle" + ("n" if weitere > 1 else ""))
        return f"{was} rechnen" + (" und prüfen" if pruefen else "")


def tabelle(model: SqlModel) -> str:
    return f"{model.schema}.{model.name}"


def regel_abhaengigkeiten(regeln: list[Regel], eigene: tuple[str, str]) -> set[tuple[str, str]]:
    """Tabellen, die die Abfragen der Prüfungen einer Tabelle lesen (sie hängt auch von ihnen ab)."""
    from sozial_dwh.validation.pruefen import abfrage_sql

    deps: set[tuple[str, str]] = set()
    for abfrage in {r.abfrage for r in regeln}:
        deps |= references(abfrage_sql(abfrage))
    deps.discard(eigene)
    return deps


def abhaengigkeiten(model: SqlModel) -> set[tuple[str, str]]:
    """Alle Tabellen, von denen ein Modell abhängt: aus seinem SQL und aus den Abfragen seiner Prüfungen."""
    return set(model.deps) | regel_abhaengigkeiten(regeln_fuer(tabelle(model)), model.key)


def modellschritte(models: list[SqlModel]) -> list[Modellschritt]:
    """Die Schritte (siehe Moduldokumentation), in einer Reihenfolge, in der jeder nach denen kommt, von denen er
    abhängt."""
    nach_key = {m.key: m for m in models}
    deps = {m.key: {d for d in abhaengigkeiten(m) if d in nach_key} for m in models}
    tore = {m.key for m in models if any(r.blockierend for r in regeln_fuer(tabelle(m)))}
    reihenfolge = list(graphlib.TopologicalSorter(deps).static_order())
    rang = {key: i for i, key in enumerate(reihenfolge)}

    @functools.cache
    def signatur(key: tuple[str, str]) -> frozenset:
        eigene = frozenset({key}) if key in tore else frozenset()
        return eigene.union(*(signatur(d) for d in deps[key]))

    gruppen: dict[tuple[frozenset, bool], list[SqlModel]] = {}
    for key in reihenfolge:
        model = nach_key[key]
        gruppen.setdefault((signatur(key), model.partitioniert), []).append(model)

    schritte = {}
    gruppe_von = {}
    for (_signatur, partitioniert), mitglieder in gruppen.items():
        tor = next((m for m in mitglieder if m.key in tore), None)
        erstes = tor or mitglieder[0]
        name = "modelle_" + (erstes.name.removeprefix("stg_") if tor else erstes.name)
        if name in schritte:  # gleicher Tabellenname in zwei Schichten
            name = f"modelle_{erstes.schema}_{erstes.name}"
        schritte[name] = Modellschritt(name, tuple(sorted(mitglieder, key=lambda m: rang[m.key])), partitioniert,
                                       tor)
        for m in mitglieder:
            gruppe_von[m.key] = name

    schritt_deps = {name: {gruppe_von[d] for m in s.modelle for d in deps[m.key]} - {name}
                    for name, s in schritte.items()}
    try:
        ordnung = list(graphlib.TopologicalSorter(schritt_deps).static_order())
    except graphlib.CycleError as exc:
        kreis = exc.args[1]
        raise ValueError(
            "Die SQL-Modelle lassen sich nicht in Schritte ohne Kreis teilen: " + " → ".join(
                f"{n} ({', '.join(tabelle(m) for m in schritte[n].modelle)})" for n in kreis)
            + ". Ein Modell nach Stichtag hängt über ein Modell ohne Stichtag wieder von einem Modell nach Stichtag "
              "ab. Bitte das mittlere Modell ebenfalls nach Stichtag partitionieren (Kopfzeile "
              "„-- Partition: stichtag“) oder die Abhängigkeit auflösen.") from exc
    return [schritte[name] for name in ordnung]


@functools.cache
def schritte_des_projekts() -> tuple[Modellschritt, ...]:
    """Die Schritte der Modelle unter `sql/` (einmal je Prozess gebildet)."""
    return tuple(modellschritte(discover()))


def schritt_nach_name(name: str) -> Modellschritt | None:
    return next((s for s in schritte_des_projekts() if s.name == name), None)
