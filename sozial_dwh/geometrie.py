"""Geometrie der Gebiete als Referenzdaten (architektur.md §10.1, architektur.md §6).

Die Flächen der Gebiete stehen in `data/reference/gebiete.geojson` oder in einer Datei, die
`data/reference/geometrie.csv` nennt (GeoJSON, GeoPackage oder Shapefile; eine Zeile je Datei):

| Spalte | Bedeutung |
|---|---|
| `datei` | Dateiname im Referenzordner (oder ein Pfad), z. B. `gebiete.gpkg`, `bezirke.shp` |
| `id_spalte` | Spalte mit dem Gebietsschlüssel aus `gebiete.csv` (Vorgabe `gebiet_id`) |
| `crs` | Koordinatensystem, nur wenn die Datei keines angibt (z. B. `EPSG:25832`); widerspricht es der Datei, wird sie nicht verwendet |
| `layer` | Ebene eines GeoPackage mit mehreren Ebenen (sonst die erste) |
| `quelle` | Quellenangabe der Geometrie für die Karten, z. B. „Stadt X, Geoinformation, Stand 2023“ |
| `toleranz_m2` | Überlappungen und Lücken bis zu dieser Fläche werden nicht gemeldet (Vorgabe 10 m²) |

Gelesen wird mit pyogrio (GDAL) im erklärten Koordinatensystem, umgerechnet mit pyproj in das Arbeitssystem
ETRS89 / UTM 32N (EPSG:25832, Meter; Flächen in m²); `nach_wgs84` rechnet für Webkarten in EPSG:4326 um.

Die Karten zeigen die heutige Gebietsgliederung: hat ein heute gültiges Gebiet keine eigene Form, wird sie aus den
Formen seiner aufgelösten Vorgänger zusammengesetzt (`nachfolger_id`), wenn alle vorliegen. Sozialraum, Stadtbezirk
und Gemeinde entstehen mit `aufloesen` aus den Gebieten.

Geprüft wird (deutsche Meldungen, `Meldung.schwere`):
- **fehler**: etwas wird nicht verwendet – Datei fehlt oder ist unlesbar, kein oder widersprüchliches
  Koordinatensystem, eine Kennung, die die Gebietsgliederung nicht kennt, eine Form ohne Fläche, ein heute gültiges
  Gebiet ohne Form (die Karten zeigen es als „keine Geometrie“);
- **warnung**: verwendet, aber zu prüfen – Überlappungen und Lücken über der Toleranz (Fläche in m², beteiligte
  Gebiete, Lage), ungültige Formen (repariert), mehrere Formen für ein Gebiet (vereinigt), Koordinaten außerhalb
  des Gültigkeitsbereichs des Koordinatensystems;
- **hinweis**: zur Kenntnis – z. B. aus Vorgängern zusammengesetzte Gebiete.

Eine fehlerhafte Geometrie hält nie einen Lauf auf: `lade` wirft keine Ausnahme wegen der Daten, sondern sammelt
Meldungen. Der Lauf schreibt Flächen und Meldungen nach `raw.ref_geometrie` und `raw.ref_geometrie_meldungen`
(`in_warehouse`), die Berichtsausgabe liest sie von dort (`aus_warehouse`) und nennt die Meldungen im Blatt `Info`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sozial_dwh.parsing import code_text
from sozial_dwh.reference import Gebiet, read_csv_rows

ARBEITS_CRS = "EPSG:25832"  # ETRS89 / UTM 32N: Meter, flächentreu genug für Flächen in m²
WGS84 = "EPSG:4326"
GEOMETRIE_FILE = "geometrie.csv"
STANDARD_DATEI = "gebiete.geojson"
STANDARD_ID = "gebiet_id"
STANDARD_TOLERANZ_M2 = 10.0
ENDUNGEN = (".geojson", ".json", ".gpkg", ".shp")
SCHWEREN = ("fehler", "warnung", "hinweis")
MAX_GENANNT = 12  # so viele Kennungen nennt eine Meldung, danach „und N weitere“


class GeometrieFehler(ValueError):
    """Eine Geometriedatei lässt sich nicht verwenden; die Nachricht sagt auf Deutsch, warum und was zu tun ist."""


@dataclass(frozen=True)
class Meldung:
    schwere: str  # fehler | warnung | hinweis
    text: str
    gebiete: tuple[str, ...] = ()
    flaeche_m2: float | None = None

    def __post_init__(self) -> None:
        if self.schwere not in SCHWEREN:
            raise ValueError(f"unbekannte Schwere {self.schwere}")

    def __str__(self) -> str:
        return f"{self.schwere.upper()}: {self.text}"


@dataclass(frozen=True)
class Eintrag:
    """Eine Zeile von geometrie.csv."""
    datei: str
    id_spalte: str = STANDARD_ID
    crs: str = ""
    layer: str = ""
    quelle: str = ""
    toleranz_m2: float = STANDARD_TOLERANZ_M2


@dataclass
class Geometrie:
    """Flächen der heute gültigen Gebiete in EPSG:25832 und die Meldungen der Prüfung."""
    flaechen: dict[str, Any] = field(default_factory=dict)  # gebiet_id -> Polygon/MultiPolygon
    herkunft: dict[str, str] = field(default_factory=dict)  # gebiet_id -> woher die Form stammt
    fehlend: list[str] = field(default_factory=list)  # heute gültige Gebiete ohne Form
    meldungen: list[Meldung] = field(default_factory=list)
    dateien: list[str] = field(default_factory=list)
    quelle: str = ""  # Quellenangabe für Karten („Geometrie schematisch, nicht amtlich“)

    @property
    def vorhanden(self) -> bool:
        return bool(self.flaechen)

    def melde(self, schwere: str, text: str, gebiete: Iterable[str] = (), flaeche_m2: float | None = None) -> None:
        self.meldungen.append(Meldung(schwere, text, tuple(gebiete), flaeche_m2))


# ---------------------------------------------------------------------------------------------------------------
# Zahlen und Listen deutsch


def de(wert: float, stellen: int = 0) -> str:
    """Zahl deutsch mit Tausenderpunkt und Dezimalkomma: de(1234.5, 1) = „1.234,5“."""
    return f"{wert:,.{stellen}f}".replace(",", "\0").replace(".", ",").replace("\0", ".")


def m2(wert: float) -> str:
    """Fläche deutsch: „1.234 m²“, ab 10.000 m² dazu in Hektar („12.345 m² (1,2 ha)“)."""
    return f"{de(wert)} m²" + (f" ({de(wert / 10_000, 1)} ha)" if wert >= 10_000 else "")


def _lage(punkt) -> str:
    return f"um O {de(punkt.x)} / N {de(punkt.y)} (EPSG:25832)"


def liste(ids: Iterable[str], namen: Mapping[str, str] | None = None) -> str:
    """„101 Zentrum-Nord, 102 Zentrum-Süd und 3 weitere“ (höchstens MAX_GENANNT Kennungen)."""
    ids = list(ids)
    texte = [f"{i} {namen[i]}" if namen and namen.get(i) else i for i in ids[:MAX_GENANNT]]
    rest = len(ids) - len(texte)
    return ", ".join(texte) + (f" und {rest} weitere" if rest > 0 else "")


# ---------------------------------------------------------------------------------------------------------------
# geometrie.csv


def eintraege(reference: Path) -> tuple[list[Eintrag], list[Meldung]]:
    """Die Geometriedateien laut geometrie.csv; ohne diese Datei `gebiete.geojson` (wenn vorhanden)."""
    pfad = reference / GEOMETRIE_FILE
    if not pfad.exists():
        if (reference / STANDARD_DATEI).exists():
            return [Eintrag(STANDARD_DATEI)], []
        return [], [Meldung("hinweis", f"Keine Geometrie: weder {STANDARD_DATEI} noch {GEOMETRIE_FILE} im "
                                       f"Referenzordner {reference}. Die Berichtsausgaben enthalten keine Karten.")]
    meldungen: list[Meldung] = []
    liste_: list[Eintrag] = []
    try:
        zeilen = read_csv_rows(pfad)
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Meldung("fehler", f"{GEOMETRIE_FILE} ist nicht lesbar ({exc}); es wird keine Geometrie verwendet.")]
    if zeilen and "datei" not in zeilen[0]:
        return [], [Meldung("fehler", f"{GEOMETRIE_FILE}: Spalte datei fehlt. Erwartet: datei, id_spalte, crs, "
                                      "layer, quelle, toleranz_m2.")]
    for nummer, zeile in enumerate(zeilen, start=2):
        if not zeile.get("datei"):
            meldungen.append(Meldung("fehler", f"{GEOMETRIE_FILE}, Zeile {nummer}, Spalte datei: Wert fehlt; die "
                                               "Zeile wird übergangen."))
            continue
        toleranz = STANDARD_TOLERANZ_M2
        if zeile.get("toleranz_m2"):
            try:
                toleranz = float(zeile["toleranz_m2"].replace(",", "."))
                if toleranz < 0:
                    raise ValueError
            except ValueError:
                meldungen.append(Meldung("warnung", f"{GEOMETRIE_FILE}, Zeile {nummer}, Spalte toleranz_m2: "
                                                    f"„{zeile['toleranz_m2']}“ ist keine Fläche ≥ 0; es gilt "
                                                    f"{STANDARD_TOLERANZ_M2:g} m²."))
        liste_.append(Eintrag(zeile["datei"], zeile.get("id_spalte") or STANDARD_ID, zeile.get("crs", ""),
                              zeile.get("layer", ""), zeile.get("quelle", ""), toleranz))
    if not liste_ and not meldungen:
        meldungen.append(Meldung("hinweis", f"{GEOMETRIE_FILE} nennt keine Datei: keine Karten."))
    return liste_, meldungen


# ---------------------------------------------------------------------------------------------------------------
# Lesen und umrechnen


def crs_text(crs) -> str:
    """„EPSG:25832“, wenn das Koordinatensystem eine EPSG-Nummer hat, sonst sein Name."""
    from pyproj import CRS

    crs = CRS.from_user_input(crs)
    epsg = crs.to_epsg(min_confidence=70)
    return f"EPSG:{epsg}" if epsg else crs.name


def lies(pfad: Path, id_spalte: str = STANDARD_ID, crs: str = "", layer: str = "") -> tuple[list[tuple[str, Any]], str]:
    """Liest eine Geometriedatei: [(Kennung, Form in EPSG:25832)] in Dateireihenfolge und das Quell-CRS.

    Wirft `GeometrieFehler` mit deutscher Meldung, wenn die Datei als Ganzes nicht verwendbar ist."""
    import numpy as np
    import pyogrio
    import shapely
    from pyproj import CRS

    name = pfad.name
    if not pfad.exists():
        raise GeometrieFehler(f"Geometriedatei {name} fehlt (erwartet unter {pfad}).")
    if pfad.suffix.lower() not in ENDUNGEN:
        raise GeometrieFehler(f"{name}: Format {pfad.suffix or 'ohne Endung'} wird nicht gelesen; erlaubt sind "
                              "GeoJSON (.geojson), GeoPackage (.gpkg) und Shapefile (.shp mit .shx, .dbf, .prj).")
    try:
        info = pyogrio.read_info(pfad, layer=layer or None)
        felder = [str(f) for f in info["fields"]]
        if id_spalte not in felder:
            raise GeometrieFehler(f"{name}: Spalte {id_spalte} (id_spalte in {GEOMETRIE_FILE}) fehlt. Vorhanden: "
                                  f"{', '.join(felder) or 'keine'}.")
        meta, _fids, wkb, werte = pyogrio.raw.read(pfad, layer=layer or None, columns=[id_spalte])
    except GeometrieFehler:
        raise
    except Exception as exc:  # GDAL meldet englisch; die Ursache steht dahinter
        raise GeometrieFehler(f"{name} ist nicht lesbar ({type(exc).__name__}: {str(exc).splitlines()[0]}). Ist "
                              "die Datei vollständig (beim Shapefile auch .shx und .dbf)?") from exc
    datei_crs = meta.get("crs")
    if not datei_crs and not crs:
        raise GeometrieFehler(f"{name} nennt kein Koordinatensystem. Bitte in {GEOMETRIE_FILE}, Spalte crs, "
                              f"angeben (deutsche Vermessung meist EPSG:25832) – es wird nicht geraten.")
    try:
        erklaert = CRS.from_user_input(crs) if crs else None
        quelle = CRS.from_user_input(datei_crs) if datei_crs else erklaert
    except Exception as exc:
        raise GeometrieFehler(f"{name}: Koordinatensystem „{crs or datei_crs}“ ist unbekannt ({exc}).") from exc
    if erklaert is not None and datei_crs and not erklaert.equals(quelle, ignore_axis_order=True):
        raise GeometrieFehler(
            f"{name} gibt das Koordinatensystem {crs_text(quelle)} an, {GEOMETRIE_FILE} sagt {crs_text(erklaert)}. "
            "Welches stimmt, wird nicht geraten: bitte die Spalte crs leeren oder die Datei korrigieren.")
    formen = shapely.from_wkb(wkb) if len(wkb) else np.array([], dtype=object)
    formen = transformieren(formen, quelle, ARBEITS_CRS)
    return [(code_text(k), f) for k, f in zip(werte[0], formen, strict=True)], crs_text(quelle)


def transformieren(formen, von, nach):
    """Formen (Array oder eine Form) von einem Koordinatensystem in ein anderes (x = Ost/Länge, y = Nord/Breite)."""
    import shapely
    from pyproj import CRS, Transformer

    von, nach = CRS.from_user_input(von), CRS.from_user_input(nach)
    if von.equals(nach, ignore_axis_order=True):
        return formen
    umrechnung = Transformer.from_crs(von, nach, always_xy=True)

    def _xy(xy):
        import numpy as np

        x, y = umrechnung.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(formen, _xy)


def nach_wgs84(form):
    """Eine Form aus EPSG:25832 in geographische Koordinaten (EPSG:4326, Länge/Breite) für Webkarten."""
    return transformieren(form, ARBEITS_CRS, WGS84)


# ---------------------------------------------------------------------------------------------------------------
# Prüfen und zusammensetzen


def heutige(gebiete: list[Gebiet], stichtag: dt.date | None = None) -> list[Gebiet]:
    """Die am Stichtag (Vorgabe: heute) gültigen Gebiete ohne Nachfolger: die Gliederung der Karten."""
    stichtag = stichtag or dt.date.today()
    return [g for g in gebiete if g.nachfolger_id is None and g.gueltig_ab <= stichtag
            and (g.gueltig_bis is None or g.gueltig_bis >= stichtag)]


def lade(reference: Path, gebiete: list[Gebiet], stichtag: dt.date | None = None) -> Geometrie:
    """Liest und prüft die Geometrie aller Dateien aus geometrie.csv. Wirft keine Ausnahme wegen der Daten."""
    eintraege_, meldungen = eintraege(reference)
    ergebnis = Geometrie(meldungen=list(meldungen))
    roh: dict[str, list[Any]] = {}
    herkunft_datei: dict[str, str] = {}
    toleranz = min([e.toleranz_m2 for e in eintraege_], default=STANDARD_TOLERANZ_M2)
    quellen = []
    for eintrag in eintraege_:
        pfad = Path(eintrag.datei) if Path(eintrag.datei).is_absolute() else reference / eintrag.datei
        ergebnis.dateien.append(pfad.name)
        try:
            features, crs = lies(pfad, eintrag.id_spalte, eintrag.crs, eintrag.layer)
        except GeometrieFehler as exc:
            ergebnis.melde("fehler", f"{exc} Karten entstehen ohne diese Datei.")
            continue
        if eintrag.quelle:
            quellen.append(eintrag.quelle)
        _features_pruefen(ergebnis, pfad.name, eintrag.id_spalte, crs, features, roh, herkunft_datei)
    ergebnis.quelle = "; ".join(dict.fromkeys(quellen))
    _zusammensetzen(ergebnis, roh, herkunft_datei, gebiete, stichtag)
    if ergebnis.flaechen:
        _ueberlappungen_und_luecken(ergebnis, toleranz, {g.gebiet_id: g.name for g in gebiete})
    return ergebnis


def _features_pruefen(ergebnis: Geometrie, datei: str, id_spalte: str, crs: str, features, roh, herkunft) -> None:
    import numpy as np
    import shapely

    ohne_id, leer, falscher_typ, repariert = [], [], [], []
    for nummer, (kennung, form) in enumerate(features, start=1):
        if not kennung:
            ohne_id.append(nummer)
            continue
        if form is None or form.is_empty:
            leer.append(kennung)
            continue
        if form.geom_type not in ("Polygon", "MultiPolygon"):
            if form.geom_type == "GeometryCollection":
                form = shapely.union_all([t for t in shapely.get_parts(form) if t.geom_type in ("Polygon", "MultiPolygon")])
            if form.is_empty or form.geom_type not in ("Polygon", "MultiPolygon"):
                falscher_typ.append(f"{kennung} ({form.geom_type})")
                continue
        if not np.isfinite(shapely.get_coordinates(form)).all():
            ergebnis.melde("fehler", f"{datei}: Gebiet {kennung} hat Koordinaten, die sich aus {crs} nicht umrechnen "
                                     "lassen; passt das Koordinatensystem?", [kennung])
            continue
        if not form.is_valid:
            repariert.append(kennung)
            form = shapely.make_valid(form)
            teile = [t for t in shapely.get_parts(form) if t.geom_type in ("Polygon", "MultiPolygon")]
            form = shapely.union_all(teile) if teile else form
        roh.setdefault(kennung, []).append(form)
        herkunft.setdefault(kennung, datei)
    if ohne_id:
        ergebnis.melde("fehler", f"{datei}: {len(ohne_id)} Form(en) ohne Kennung in Spalte {id_spalte} (Feature "
                                 f"Nr. {', '.join(map(str, ohne_id[:MAX_GENANNT]))}); sie werden nicht verwendet.")
    if leer:
        ergebnis.melde("fehler", f"{datei}: Gebiet(e) {liste(leer)} ohne Fläche (leere Form); nicht verwendet.", leer)
    if falscher_typ:
        ergebnis.melde("fehler", f"{datei}: keine Flächen, sondern {liste(falscher_typ)}; nicht verwendet.")
    if repariert:
        ergebnis.melde("warnung", f"{datei}: ungültige Form(en) repariert (z. B. sich selbst schneidende Ränder): "
                                  f"{liste(repariert)}. Bitte in der Quelle prüfen.", repariert)
    _bereich_pruefen(ergebnis, datei, crs, [f for formen in roh.values() for f in formen])


def _bereich_pruefen(ergebnis: Geometrie, datei: str, crs: str, formen) -> None:
    """Liegen die Formen im Gültigkeitsbereich des Quell-CRS (± 3°)? Sonst stimmt vermutlich das CRS nicht."""
    import shapely
    from pyproj import CRS

    if not formen:
        return
    bereich = CRS.from_user_input(crs).area_of_use
    if bereich is None:
        return
    x0, y0, x1, y1 = nach_wgs84(shapely.box(*shapely.total_bounds(formen))).bounds
    w, s, o, n = bereich.bounds
    if x0 < w - 3 or x1 > o + 3 or y0 < s - 3 or y1 > n + 3:
        ergebnis.melde("warnung", f"{datei}: die Formen liegen bei {de(x0, 2)}° bis {de(x1, 2)}° Länge, {de(y0, 2)}° "
                                  f"bis {de(y1, 2)}° Breite – außerhalb des Gültigkeitsbereichs von {crs} "
                                  f"({bereich.name}). Stimmt das angegebene Koordinatensystem?")


def _zusammensetzen(ergebnis: Geometrie, roh: dict[str, list[Any]], herkunft: dict[str, str],
                    gebiete: list[Gebiet], stichtag: dt.date | None) -> None:
    """Formen auf die heutige Gliederung bringen: unbekannte Kennungen melden, mehrere Formen vereinigen, fehlende
    aus aufgelösten Vorgängern zusammensetzen, heutige Gebiete ohne Form melden."""
    import shapely

    nach_id = {g.gebiet_id: g for g in gebiete}
    namen = {g.gebiet_id: g.name for g in gebiete}
    unbekannt = sorted(k for k in roh if k not in nach_id)
    for kennung in unbekannt:
        ergebnis.melde("fehler", f"{herkunft[kennung]}: Gebiet „{kennung}“ steht nicht in der Gebietsgliederung "
                                 "(gebiete.csv); seine Form wird nicht verwendet. Bitte die Kennung prüfen oder das "
                                 "Gebiet in gebiete.csv ergänzen.", [kennung])
    mehrfach = sorted(k for k, formen in roh.items() if k in nach_id and len(formen) > 1)
    if mehrfach:
        ergebnis.melde("warnung", "Mehrere Formen für ein Gebiet (erwartet genau eine), zu einer vereinigt: "
                                  + liste([f"{k} ({len(roh[k])}×)" for k in mehrfach]) + ".", mehrfach)
    formen = {k: (f[0] if len(f) == 1 else shapely.union_all(f)) for k, f in roh.items() if k in nach_id}
    heute = heutige(gebiete, stichtag)
    heute_ids = {g.gebiet_id for g in heute}
    vorgaenger: dict[str, list[str]] = {}
    for g in gebiete:
        if g.nachfolger_id:
            vorgaenger.setdefault(g.nachfolger_id, []).append(g.gebiet_id)

    def form_von(kennung: str, besucht: frozenset[str]) -> tuple[Any, list[str]] | None:
        """(Form, verwendete Vorgänger) – eigene Form oder Vereinigung aller direkten Vorgänger (rekursiv)."""
        if kennung in formen:
            return formen[kennung], []
        teile = [v for v in vorgaenger.get(kennung, []) if v not in besucht]
        if not teile:
            return None
        gefunden = [form_von(v, besucht | {kennung}) for v in teile]
        if any(f is None for f in gefunden):
            return None
        benutzt = [v for v, (_, unter) in zip(teile, gefunden, strict=True) for v in (unter or [v])]
        return shapely.union_all([f for f, _ in gefunden]), benutzt

    fehlend: list[str] = []
    genutzt: set[str] = set()
    for g in sorted(heute, key=lambda g: g.gebiet_id):
        gefunden = form_von(g.gebiet_id, frozenset())
        if gefunden is None:
            fehlend.append(g.gebiet_id)
            continue
        form, benutzt = gefunden
        ergebnis.flaechen[g.gebiet_id] = form
        genutzt.update([g.gebiet_id, *benutzt])
        if benutzt:
            ergebnis.herkunft[g.gebiet_id] = f"aus {', '.join(sorted(benutzt))} zusammengesetzt"
            ergebnis.melde("hinweis", f"Gebiet {g.gebiet_id} {g.name} hat keine eigene Form; zusammengesetzt aus den "
                                      f"aufgelösten Gebieten {liste(sorted(benutzt), namen)}.", [g.gebiet_id])
        else:
            ergebnis.herkunft[g.gebiet_id] = herkunft[g.gebiet_id]
    ungenutzt = sorted(k for k in formen if k not in genutzt and k not in heute_ids)
    if ungenutzt:
        ergebnis.melde("hinweis", "Formen nicht mehr gültiger Gebiete werden nicht verwendet (die Karten zeigen die "
                                  f"heutige Gliederung): {liste(ungenutzt, namen)}.", ungenutzt)
    ergebnis.fehlend = fehlend
    if fehlend:
        ergebnis.melde("fehler", f"{len(fehlend)} heute gültige(s) Gebiet(e) ohne Form: {liste(fehlend, namen)}. Die "
                                 "Karten zeigen sie als „keine Geometrie“; bitte in der Geometriedatei ergänzen.",
                       fehlend)


def _ueberlappungen_und_luecken(ergebnis: Geometrie, toleranz_m2: float, namen: Mapping[str, str]) -> None:
    import shapely

    ids = sorted(ergebnis.flaechen)
    formen = [ergebnis.flaechen[i] for i in ids]
    baum = shapely.STRtree(formen)
    links, rechts = baum.query(formen, predicate="intersects")
    for a, b in zip(links, rechts, strict=True):
        if a >= b:
            continue
        schnitt = shapely.intersection(formen[a], formen[b])
        flaeche = schnitt.area
        if flaeche > toleranz_m2:
            punkt = schnitt.representative_point()
            ergebnis.melde("warnung", f"Gebiete {ids[a]} {namen.get(ids[a], '')} und {ids[b]} {namen.get(ids[b], '')} "
                                      f"überlappen sich auf {m2(flaeche)}, {_lage(punkt)}. Bitte die Grenze in der "
                                      "Geometriedatei bereinigen.", [ids[a], ids[b]], flaeche)
    ganz = shapely.union_all(formen)
    for teil in shapely.get_parts(ganz):
        for ring in getattr(teil, "interiors", []):
            loch = shapely.Polygon(ring)
            if loch.area <= toleranz_m2:
                continue
            rand = [ids[i] for i in baum.query(loch.buffer(1.0), predicate="intersects")]
            punkt = loch.representative_point()
            ergebnis.melde("warnung", f"Lücke von {m2(loch.area)} zwischen den Gebieten {liste(sorted(rand), namen)}, "
                                      f"{_lage(punkt)}: keinem Gebiet zugeordnet. Bitte prüfen, ob ein Gebiet "
                                      "fehlt oder eine Grenze nicht schließt.", sorted(rand), loch.area)


def aufloesen(flaechen: Mapping[str, Any], zuordnung: Mapping[str, str | None]) -> dict[str, Any]:
    """Flächen höherer Einheiten (Sozialraum, Stadtbezirk, Gemeinde): Vereinigung ihrer Gebiete.

    `zuordnung`: gebiet_id -> Kennung der Einheit; Gebiete ohne Einheit oder ohne Form fehlen in der Vereinigung."""
    import shapely

    gruppen: dict[str, list[Any]] = {}
    for gebiet_id, einheit in zuordnung.items():
        if einheit and gebiet_id in flaechen:
            gruppen.setdefault(einheit, []).append(flaechen[gebiet_id])
    # grid_size: Grenzen, die sich nur im Zentimeterbereich nicht decken, hinterlassen keine Haarlinien
    return {e: shapely.union_all(f, grid_size=0.01) for e, f in sorted(gruppen.items())}


def zuordnung_aus_gebieten(gebiete: list[Gebiet], ebene: str) -> dict[str, str]:
    """gebiet_id -> Einheit für die Ebenen `sozialraum`, `stadtbezirk` (stadtbezirk_id oder Name) und `gemeinde`."""
    spalte = {"sozialraum": lambda g: g.sozialraum_id, "stadtbezirk": lambda g: g.stadtbezirk_id or g.stadtbezirk,
              "gemeinde": lambda g: g.gemeinde_ags}[ebene]
    return {g.gebiet_id: spalte(g) for g in gebiete}


# ---------------------------------------------------------------------------------------------------------------
# Warehouse


def in_warehouse(con, reference: Path, gebiete: list[Gebiet], stichtag: dt.date | None = None) -> Geometrie:
    """Prüft die Geometrie und schreibt `raw.ref_geometrie` (eine Zeile je heute gültigem Gebiet mit Form, WKB in
    EPSG:25832) und `raw.ref_geometrie_meldungen` (eine Zeile je Meldung). Ersetzt beide bei jedem Lauf."""
    import pandas as pd
    import shapely

    try:
        geometrie = lade(reference, gebiete, stichtag)
    except Exception as exc:  # ein Fehler im Code oder in GDAL: gemeldet, der Lauf geht weiter
        geometrie = Geometrie()
        geometrie.melde("fehler", f"Die Geometrie konnte nicht geprüft werden ({type(exc).__name__}: {exc}); "
                                  "die Berichtsausgaben enthalten keine Karten.")
    ids = sorted(geometrie.flaechen)
    flaechen = pd.DataFrame({
        "gebiet_id": pd.Series(ids, dtype="string"),
        "herkunft": pd.Series([geometrie.herkunft.get(i, "") for i in ids], dtype="string"),
        "flaeche_m2": pd.Series([float(geometrie.flaechen[i].area) for i in ids], dtype="float64"),
        "geometrie_wkb": pd.Series([shapely.to_wkb(geometrie.flaechen[i]) for i in ids], dtype="object"),
        "quelle": pd.Series([geometrie.quelle] * len(ids), dtype="string"),
        "dateien": pd.Series([", ".join(geometrie.dateien)] * len(ids), dtype="string"),
    })
    meldungen = pd.DataFrame({
        "nr": pd.Series(range(1, len(geometrie.meldungen) + 1), dtype="int64"),
        "schwere": pd.Series([m.schwere for m in geometrie.meldungen], dtype="string"),
        "meldung": pd.Series([m.text for m in geometrie.meldungen], dtype="string"),
        "gebiete": pd.Series([", ".join(m.gebiete) for m in geometrie.meldungen], dtype="string"),
        "flaeche_m2": pd.Series([m.flaeche_m2 for m in geometrie.meldungen], dtype="float64"),
        "dateien": pd.Series([", ".join(geometrie.dateien)] * len(geometrie.meldungen), dtype="string"),
    })
    con.execute("begin transaction")
    try:
        con.register("geometrie_df", flaechen)
        con.execute("create or replace table raw.ref_geometrie as select gebiet_id, herkunft, flaeche_m2, "
                    "cast(geometrie_wkb as blob) as geometrie_wkb, quelle, dateien from geometrie_df")
        con.unregister("geometrie_df")
        con.register("meldungen_df", meldungen)
        con.execute("create or replace table raw.ref_geometrie_meldungen as select * from meldungen_df")
        con.unregister("meldungen_df")
        con.execute("comment on table raw.ref_geometrie is 'Flächen der heute gültigen Gebiete (WKB, EPSG:25832) aus "
                    "der Geometrie der Referenzdaten: eine Zeile je Gebiet mit Form.'")
        con.execute("comment on table raw.ref_geometrie_meldungen is 'Meldungen der Prüfung der Geometrie (fehler, "
                    "warnung, hinweis): eine Zeile je Meldung des letzten Laufs.'")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return geometrie


def aus_warehouse(con) -> Geometrie:
    """Die Geometrie des letzten Laufs aus `raw.ref_geometrie` (leer, wenn die Tabellen fehlen)."""
    import shapely

    vorhanden = {r[0] for r in con.execute(
        "select table_name from duckdb_tables() where schema_name = 'raw' "
        "and table_name in ('ref_geometrie', 'ref_geometrie_meldungen')").fetchall()}
    geometrie = Geometrie()
    if "ref_geometrie" not in vorhanden:
        geometrie.melde("hinweis", "Die Geometrie ist noch nicht geladen (Tabelle raw.ref_geometrie fehlt); bitte "
                                   "`sozial-dwh run` ausführen.")
        return geometrie
    for gebiet_id, herkunft, wkb, quelle, dateien in con.execute(
            "select gebiet_id, herkunft, geometrie_wkb, quelle, dateien from raw.ref_geometrie "
            "order by gebiet_id").fetchall():
        geometrie.flaechen[gebiet_id] = shapely.from_wkb(bytes(wkb))
        geometrie.herkunft[gebiet_id] = herkunft
        geometrie.quelle = quelle or geometrie.quelle
        geometrie.dateien = [d for d in (dateien or "").split(", ") if d]
    if "ref_geometrie_meldungen" in vorhanden:
        for schwere, text, gebiete, flaeche, dateien in con.execute(
                "select schwere, meldung, gebiete, flaeche_m2, dateien from raw.ref_geometrie_meldungen "
                "order by nr").fetchall():
            geometrie.meldungen.append(Meldung(schwere, text, tuple(g for g in (gebiete or "").split(", ") if g),
                                               flaeche))
            geometrie.dateien = [d for d in (dateien or "").split(", ") if d]
    return geometrie
