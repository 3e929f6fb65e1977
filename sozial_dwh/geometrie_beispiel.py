"""Schematische Beispielgeometrie für die Beispielgliederung `data/reference/gebiete.csv` (architektur.md §10.1).

Die mitgelieferte `data/reference/gebiete.geojson` ist **nicht amtlich**: eine gedachte Stadtfläche um Iserlohn in
ETRS89 / UTM 32N (EPSG:25832), in der die heute gültigen Gebiete der Beispielgliederung ungefähr dort liegen, wo
ihre Namen es nahelegen (Letmathe im Westen, Hennen im Norden, Sümmern im Osten, der Stadtwald im Süden). Eine
Stadt ersetzt die Datei durch ihre eigene Geometrie (`data/reference/geometrie.csv`).

So entsteht sie (neu erzeugen: `python -m sozial_dwh.geometrie_beispiel`):

1. Je Gebiet ein Saatpunkt (`SAAT`, Kilometer vom Mittelpunkt), so gelegt, dass die Gebiete eines Sozialraums und
   eines Stadtbezirks nebeneinander liegen; die Zentrumsrand-Gebiete umschließen das Zentrum von drei Seiten.
2. Voronoi-Zerlegung der Saatpunkte, zugeschnitten auf einen unregelmäßigen Stadtumriss (Summe einiger Sinuswellen
   über dem Winkel). Die Zellen zerlegen den Umriss lückenlos und ohne Überlappung.
3. Die gemeinsamen Grenzlinien werden einmal gebildet (jede Grenze ist genau eine Linie), verdichtet und mit einem
   glatten Verschiebungsfeld verbogen, dessen Ableitung überall kleiner als 1 ist: die Abbildung ist umkehrbar,
   aus Nachbarn bleiben Nachbarn, aus geraden Voronoi-Kanten werden gewundene Grenzen. Danach werden die Flächen
   aus den Linien wieder zusammengesetzt (polygonize) – Nachbarn teilen sich exakt dieselben Stützpunkte.

Kein Zufall: dieselbe Eingabe ergibt dieselbe Datei.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from sozial_dwh import config
from sozial_dwh.reference import Gebiet, load_gebiete

HINWEIS = "Geometrie schematisch, nicht amtlich"
BESCHREIBUNG = (
    "Schematische Beispielgeometrie zur Beispielgliederung gebiete.csv (gedachte Stadtfläche um Iserlohn, "
    "ETRS89 / UTM 32N). Nicht amtlich: Lage und Zuschnitt der Gebiete sind erfunden. Erzeugt mit "
    "python -m sozial_dwh.geometrie_beispiel; eine Stadt ersetzt die Datei durch ihre eigene Geometrie."
)
CRS = "EPSG:25832"
MITTE = (409_500.0, 5_692_300.0)  # Iserlohn, Innenstadt (ungefähr), EPSG:25832

# Saatpunkte je heute gültigem Gebiet in Kilometern vom Mittelpunkt (x nach Osten, y nach Norden)
SAAT: dict[str, tuple[float, float]] = {
    # SR01 Zentrum
    "101": (0.05, 0.55), "102": (0.15, -0.45),
    # SR02 Zentrumsrand: Westen, Südwesten, Süden, Südosten, Osten um das Zentrum
    "202": (-1.45, 0.55), "201": (-1.35, -1.05), "205": (-0.15, -1.75), "203": (1.35, -1.25), "204": (1.75, 0.35),
    # SR03 Nordwest
    "301": (-0.25, 1.85), "303": (1.05, 1.95), "302": (-1.75, 1.95), "304": (-1.55, 3.55),
    # SR04 Süd (ein großes Waldgebiet)
    "403": (0.3, -4.2),
    # SR05 Sümmern (Osten)
    "501": (3.65, 3.15), "502": (3.85, 0.55),
    # SR06 Hennen (Norden)
    "601": (0.35, 5.45), "602": (2.05, 4.45), "603": (0.55, 7.15),
    # SR07 Letmathe-Mitte, SR08 Letmathe-Nord, SR09 Letmathe-Süd (Westen)
    "701": (-5.95, 0.35), "702": (-4.15, 0.75),
    "801": (-6.15, 2.55), "802": (-3.75, 2.85), "803": (-7.85, 1.85),
    "901": (-5.3, -2.3), "902": (-3.25, -1.3), "903": (-7.25, -0.45),
}

# Stadtumriss: Ellipse um (UMRISS_MITTE) mit Halbachsen (km), verformt durch Sinuswellen (Ordnung, Stärke, Phase)
UMRISS_MITTE = (-1.4, 0.2)
UMRISS_ACHSEN = (6.9, 6.6)
UMRISS_WELLEN = ((2, 0.10, 0.4), (3, 0.08, 1.9), (4, 0.04, 3.0), (5, 0.035, 0.7), (7, 0.02, 2.6), (11, 0.012, 1.1))

# Verschiebungsfeld (Meter, Wellenlänge in Metern, Phase); Summe der Ableitungen 2π·A/L < 1 (umkehrbar)
WELLEN = ((240.0, 4000.0, 0.3), (45.0, 900.0, 1.7), (9.0, 190.0, 0.9))
STUETZABSTAND_M = 60.0
NACHKOMMA = 1  # Koordinaten auf 0,1 m


def _umriss():
    import shapely

    punkte = []
    for i in range(720):
        winkel = 2 * math.pi * i / 720
        faktor = 1 + sum(a * math.sin(k * winkel + p) for k, a, p in UMRISS_WELLEN)
        x = UMRISS_MITTE[0] + UMRISS_ACHSEN[0] * faktor * math.cos(winkel)
        y = UMRISS_MITTE[1] + UMRISS_ACHSEN[1] * faktor * math.sin(winkel)
        punkte.append((MITTE[0] + 1000 * x, MITTE[1] + 1000 * y))
    return shapely.Polygon(punkte)


def _verschiebung(xy):
    """Glattes Verschiebungsfeld (Meter) für ein Array von Punkten (n × 2)."""
    import numpy as np

    x = xy[:, 0] - MITTE[0]
    y = xy[:, 1] - MITTE[1]
    dx = np.zeros_like(x)
    dy = np.zeros_like(y)
    for amplitude, laenge, phase in WELLEN:
        k = 2 * math.pi / laenge
        # Anteil je Richtung höchstens amplitude/√2: die Ableitung bleibt unter 2π·A/L
        dx += amplitude / math.sqrt(2) * np.sin(k * y + phase) * np.cos(k * 0.6 * x + 2 * phase)
        dy += amplitude / math.sqrt(2) * np.sin(k * x + 1.3 * phase) * np.cos(k * 0.7 * y + phase)
    return np.column_stack([xy[:, 0] + dx, xy[:, 1] + dy])


def _runden(xy):
    import numpy as np

    return np.round(xy, NACHKOMMA)


def flaechen(gebiete: list[Gebiet] | None = None) -> dict[str, object]:
    """Die schematischen Flächen je heute gültigem Gebiet (shapely-Polygone in EPSG:25832)."""
    import shapely

    gebiete = gebiete if gebiete is not None else load_gebiete(config.reference_dir())
    aktuell = [g.gebiet_id for g in gebiete if g.nachfolger_id is None and g.gueltig_bis is None]
    fehlend = sorted(set(aktuell) - set(SAAT))
    if fehlend:
        raise ValueError(f"Für die Gebiete {', '.join(fehlend)} ist kein Saatpunkt festgelegt (SAAT).")
    ids = [g for g in aktuell]
    punkte = shapely.MultiPoint([(MITTE[0] + 1000 * SAAT[i][0], MITTE[1] + 1000 * SAAT[i][1]) for i in ids])
    umriss = _umriss()
    zellen_roh = shapely.voronoi_polygons(punkte, extend_to=umriss.buffer(5000))
    zellen = {}
    for zelle in zellen_roh.geoms:
        treffer = [i for i, p in zip(ids, punkte.geoms, strict=True) if zelle.contains(p)]
        zellen[treffer[0]] = zelle.intersection(umriss)
    # Grenzlinien einmal bilden (geknotet, jede gemeinsame Grenze genau einmal), verdichten, verbiegen
    linien = shapely.unary_union([z.boundary for z in zellen.values()])
    linien = shapely.segmentize(linien, STUETZABSTAND_M)
    linien = shapely.transform(linien, lambda xy: _runden(_verschiebung(xy)))
    teile = list(shapely.polygonize(list(shapely.get_parts(linien))).geoms)
    ergebnis: dict[str, object] = {}
    for gebiet_id, zelle in zellen.items():
        punkt = shapely.transform(zelle.point_on_surface(), _verschiebung)
        passend = [t for t in teile if t.contains(punkt)]
        if len(passend) != 1:
            raise RuntimeError(f"Gebiet {gebiet_id}: {len(passend)} Flächen nach dem Verbiegen")
        ergebnis[gebiet_id] = passend[0]
    if len(ergebnis) != len(teile):
        raise RuntimeError(f"{len(teile)} Flächen, aber {len(ergebnis)} Gebiete")
    return ergebnis


def _ring(ring) -> list[list[float]]:
    return [[round(x, NACHKOMMA), round(y, NACHKOMMA)] for x, y in ring.coords]


def geojson(gebiete: list[Gebiet] | None = None) -> str:
    """Der Inhalt von `gebiete.geojson`: eine Zeile je Feature, Koordinaten in EPSG:25832 auf 0,1 m."""
    import shapely

    gebiete = gebiete if gebiete is not None else load_gebiete(config.reference_dir())
    nach_id = {g.gebiet_id: g for g in gebiete}
    formen = flaechen(gebiete)
    zeilen = []
    for gebiet_id in sorted(formen, key=lambda i: (nach_id[i].sozialraum_id, i)):
        form = shapely.orient_polygons(formen[gebiet_id], exterior_cw=False)  # RFC 7946: außen gegen den Uhrzeiger
        g = nach_id[gebiet_id]
        feature = {
            "type": "Feature",
            "properties": {"gebiet_id": gebiet_id, "name": g.name, "sozialraum_id": g.sozialraum_id,
                           "hinweis": HINWEIS},
            "geometry": {"type": "Polygon",
                         "coordinates": [_ring(form.exterior), *[_ring(r) for r in form.interiors]]},
        }
        zeilen.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    kopf = {
        "type": "FeatureCollection",
        "name": "gebiete",
        "description": BESCHREIBUNG,
        "hinweis": HINWEIS,
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}},
    }
    anfang = json.dumps(kopf, ensure_ascii=False, indent=1)[:-2]
    return anfang + ',\n "features": [\n' + ",\n".join(zeilen) + "\n ]\n}\n"


def schreibe(ziel: Path | None = None) -> Path:
    ziel = Path(ziel) if ziel else config.REPO_ROOT / "data" / "reference" / "gebiete.geojson"
    ziel.write_text(geojson(), encoding="utf-8")
    return ziel


if __name__ == "__main__":  # pragma: no cover - Werkzeug zum Neuerzeugen der Beispieldatei
    print(f"geschrieben: {schreibe(Path(sys.argv[1]) if len(sys.argv) > 1 else None)}")
