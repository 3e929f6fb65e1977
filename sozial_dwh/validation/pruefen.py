"""Prüfregeln mit Great Expectations auf den gespeicherten Staging-Daten ausführen (architektur.md §9).

Ablauf je Staging-Tabelle: Prüfdaten aus `sql/pruefungen/<abfrage>.sql` lesen (DuckDB -> pandas), je Abfrage
eine Validierung mit allen Regeln (ephemerer GX-Kontext), Zeilen zeilenweiser Fehlerregeln in
`quarantine.zeilen` verschieben (Grund, Datei, Blatt, Zeile) und aus der Staging-Tabelle löschen, Ergebnisse
in `ops.pruefungen` festhalten. Great Expectations wird erst hier importiert (teuer beim Import).
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import gc
import importlib.util
import itertools
import json
import logging
import math
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from sozial_dwh.config import SQL_DIR
from sozial_dwh.einfuegen import zeilen_einfuegen
from sozial_dwh.validation.regeln import Regel, regeln_fuer

PRUEF_SQL = SQL_DIR / "pruefungen"
PARAMETER_FILE = "pruefparameter.csv"
MAX_BEISPIELE = 20
# Ab so vielen Prüfzeilen wird nach der Prüfung (eines Stücks) sofort aufgeräumt: GX-Objekte halten den
# Datenrahmen in Referenzzyklen, ohne `gc.collect()` bliebe er belegt, bis Python von selbst aufräumt.
GROSS_ZEILEN = 50_000
# Größere Prüfdaten werden in Stücken dieser Größe geprüft (`_stuecke`): pandas und GX brauchen je Zeile rund
# 600 Byte, ein Stück also rund 60 MB statt über 1 GB für 2 Mio. Zellen. Mit Prüfprozess liegt ein großes Stück nur
# dort als DataFrame (hier als Datei, `DATEI_AB_ZEILEN`); 250.000 Zeilen je Stück ließen den Lauf mit 10 Gemeinden um
# rund 100 MB wachsen, als es noch in beiden Prozessen lag (Sitzung 9).
PRUEF_STUECK = 100_000
# Ab so vielen Zeilen geht ein Stück als Parquet-Datei an den Prüfprozess (`_validate`), darunter als DataFrame: je
# Datei kostet es Ordner, Schreiben und Lesen (gemessen am Beispiel mit 19 kleinen Prüfungen: 0,7 s mehr je Lauf),
# ein DataFrame von 20.000 Zeilen wenige MB.
DATEI_AB_ZEILEN = 20_000
_CONTEXT = None
_PRUEFPROZESS = None  # sozial_dwh.validation.pruefprozess.Pruefprozess, solange einer läuft
_BATCH = None  # GX-Batch-Definition für DataFrames (`_batch_definition`)
_LESER = None  # DuckDB im Speicher, die im Prüfprozess die Dateien der Stücke liest (`pruefdaten_lesen`)
_log = logging.getLogger(__name__)
# Module, die Great Expectations beim Import lädt, obwohl keine unserer Regeln sie braucht: `scipy.stats` (für
# Verteilungstests wie KL-Divergenz und KS-Test, rund 0,9 s von 2,6 s Import). Sie werden erst geladen, wenn jemand
# sie wirklich benutzt (`_bei_bedarf`); eine Regel mit solch einer Erwartung funktioniert also weiter.
SPAETER_LADEN = ("scipy.stats",)


@dataclass
class Ergebnis:
    regel: Regel
    erfolgreich: bool
    zeilen: int  # geprüfte Zeilen
    fehlzeilen: int
    beobachtet: str
    beispiele: list[dict] = field(default_factory=list)  # Datei, Blatt, Zeile, Wert
    quarantaene: int = 0


def lade_parameter(reference: Path) -> dict[str, float]:
    """Schwellen der Prüfungen aus `pruefparameter.csv` (parameter, wert, beschreibung)."""
    path = reference / PARAMETER_FILE
    if not path.exists():
        raise FileNotFoundError(f"Prüfparameter fehlen: {path}. Bitte die Datei aus dem Repository übernehmen.")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {row["parameter"].strip(): float(row["wert"]) for row in csv.DictReader(handle)}


def abfrage_sql(name: str) -> str:
    return (PRUEF_SQL / f"{name}.sql").read_text(encoding="utf-8")


def vorbereiten() -> None:
    """Great Expectations laden und den Kontext anlegen (gut eine Sekunde Import); die erste Prüfung findet ihn dann
    fertig vor."""
    _context()


def _kerne() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # nicht Linux
        return os.cpu_count() or 1


def pruefprozess_starten() -> int | None:
    """Die Prüfungen dieses Prozesses (`_validate`) ab jetzt im Prüfprozess ausführen
    (`sozial_dwh.validation.pruefprozess`), der Great Expectations sofort lädt – auf dem zweiten Kern, während
    dieser Prozess liest und lädt. Gemessen am Beispiel: der Import kostete den Lauf sonst 1,6 s Wandzeit. Nur mit
    mindestens zwei Kernen und wenn GX hier nicht schon geladen ist. Gibt die Prozessnummer des Prüfprozesses zurück
    (None: die Prüfungen laufen hier). Beenden mit `pruefprozess_beenden`."""
    global _PRUEFPROZESS
    if _PRUEFPROZESS is not None:
        return _PRUEFPROZESS.pid
    if _CONTEXT is not None or _kerne() < 2:
        return None
    from sozial_dwh.validation.pruefprozess import Pruefprozess

    _PRUEFPROZESS = Pruefprozess()
    return _PRUEFPROZESS.pid


def pruefprozess_beenden() -> None:
    """Den Prüfprozess beenden (am Ende eines Laufs). Ohne Prüfprozess nichts."""
    global _PRUEFPROZESS
    prozess, _PRUEFPROZESS = _PRUEFPROZESS, None
    if prozess is not None:
        prozess.beenden()


def _bei_bedarf(name: str) -> None:
    """Modul `name` (ein Untermodul, z. B. scipy.stats) erst beim ersten Zugriff auf eines seiner Attribute ausführen
    (`importlib.util.LazyLoader`). Es wird auch am Elternpaket eingetragen: sonst fragte `from scipy import stats`
    beim Import nach dem Modul und führte es sofort aus. Schon geladene oder fehlende Module bleiben, wie sie sind."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)  # importiert das Elternpaket (bei scipy selbst billig)
    if spec is None or spec.loader is None:
        return
    spec.loader = importlib.util.LazyLoader(spec.loader)
    modul = importlib.util.module_from_spec(spec)
    sys.modules[name] = modul
    spec.loader.exec_module(modul)
    eltern, _, kurz = name.rpartition(".")
    if eltern:
        setattr(sys.modules[eltern], kurz, modul)


def _gx_importieren() -> None:
    for name in SPAETER_LADEN:
        _bei_bedarf(name)
    import great_expectations  # noqa: F401


def _context():
    global _CONTEXT
    if _CONTEXT is None:
        _gx_importieren()
        import great_expectations as gx

        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        from great_expectations.data_context.types.base import ProgressBarsConfig

        _CONTEXT = gx.get_context(mode="ephemeral")
        _CONTEXT.variables.progress_bars = ProgressBarsConfig(globally=False)
    return _CONTEXT


def _argumente(regel: Regel, parameter: dict[str, float]) -> dict:
    args = {}
    for key, value in regel.argumente.items():
        if isinstance(value, str) and value.startswith("param:"):
            name = value[len("param:"):]
            if name not in parameter:
                raise KeyError(f"Prüfparameter „{name}“ fehlt in {PARAMETER_FILE} (Regel {regel.id}).")
            value = parameter[name]
        args[key] = value
    if regel.erwartung.startswith("ExpectColumnPair"):
        args.setdefault("ignore_row_if", "either_value_is_missing")
    return args


def _validate(con: duckdb.DuckDBPyConnection, stueck: _Stueck, regeln: list[Regel], parameter: dict[str, float],
              name: str) -> dict[str, dict]:
    """Alle Regeln einer Abfrage in einer GX-Validierung über die Zeilen eines Stücks der Prüfdaten (`_stuecke`);
    Ergebnis je Regel-id: success + result.

    Läuft ein Prüfprozess (`pruefprozess_starten`), schreibt DuckDB die geprüften Spalten des Stücks als Parquet-Datei
    in einen eigenen Ordner unter dem Temp-Verzeichnis, und der Prüfprozess liest sie selbst: Dieser Prozess legt
    kein DataFrame an (bei 30 Gemeinden wuchs er sonst in der Prüfung von `stg_bevoelkerung` um gut 200 MB, die
    Python nicht zurückgab), und nichts wird in pickle verpackt. Die Datei ist nach der Prüfung gelöscht. Stücke unter
    `DATEI_AB_ZEILEN` Zeilen gehen als DataFrame. Ohne Prüfprozess prüft dieser Prozess selbst."""
    global _PRUEFPROZESS
    spalten = ", ".join(f'"{spalte}"' for spalte in _noetige_spalten(stueck.spalten, regeln))
    auswahl = f"select {spalten} from pruefdaten where {stueck.bedingung}"  # Spalten aus der Abfrage, Werte gebunden
    if _PRUEFPROZESS is not None:
        from sozial_dwh.validation.pruefprozess import PruefprozessAusgefallen

        try:
            if stueck.zeilen < DATEI_AB_ZEILEN:  # klein: als DataFrame (eine Datei kostete mehr, als sie spart)
                return _PRUEFPROZESS.pruefen(con.execute(auswahl, stueck.werte).df(), regeln, parameter, name)
            with tempfile.TemporaryDirectory(prefix="sozial_dwh_pruefung_") as ordner:
                datei = Path(ordner) / "stueck.parquet"
                con.execute(f"copy ({auswahl}) to '{datei}' (format parquet)", stueck.werte)
                return _PRUEFPROZESS.pruefen(datei, regeln, parameter, name)
        except PruefprozessAusgefallen as exc:  # z. B. vom Betriebssystem beendet (Speicher): dieselbe Prüfung hier
            _log.warning(f"Der Prüfprozess ist ausgefallen ({exc}); die Prüfungen laufen in diesem Prozess weiter.")
            _PRUEFPROZESS = None
    return validieren_hier(con.execute(auswahl, stueck.werte).df(), regeln, parameter, name)


def pruefdaten_lesen(daten: pd.DataFrame | Path) -> pd.DataFrame:
    """Prüfdaten als DataFrame: wie übergeben oder aus der Parquet-Datei eines Stücks (`_validate`)."""
    if isinstance(daten, pd.DataFrame):
        return daten
    global _LESER
    if _LESER is None:
        _LESER = duckdb.connect()  # eine Verbindung im Speicher für alle Stücke dieses Prozesses
    return _LESER.execute("select * from read_parquet(?)", [str(daten)]).df()


# Argumente einer Erwartung, die Spalten nennen; eine Regel mit anderen (etwa einer Bedingung über Zeilen) bekommt alle
_SPALTEN_ARGUMENTE = {"column", "column_list", "column_A", "column_B"}
_WERT_ARGUMENTE = {"value_set", "min_value", "max_value", "or_equal"}


def _noetige_spalten(spalten: list[str], regeln: list[Regel]) -> list[str]:
    """Die Spalten, die die Regeln prüfen, und `zeilen_id` (Blatt, Zeile, Datei holt der Lauf nur für die verletzenden
    Zeilen, `_fehlzeilen`); eine Regel mit anderen Argumenten (etwa einer Bedingung über Zeilen) bekommt alle."""
    noetig = {"zeilen_id"}
    for regel in regeln:
        if not set(regel.argumente) <= _SPALTEN_ARGUMENTE | _WERT_ARGUMENTE:
            return spalten
        noetig.update(_spalten(regel))
    return [spalte for spalte in spalten if spalte in noetig]


def validieren_hier(frame: pd.DataFrame, regeln: list[Regel], parameter: dict[str, float],
                    name: str) -> dict[str, dict]:
    """Alle Regeln in einer GX-Validierung über `frame`, in diesem Prozess; Ergebnis je Regel-id: success, result
    (mit `unexpected_count` und `element_count`, `unexpected_index_list` der zeilen_id, wo eine Regel Zeilen verletzt)
    und exception.

    Zuerst nur Erfolg oder nicht (Ergebnisformat BOOLEAN_ONLY), danach nur die Regeln, die nicht bestehen, ein zweites
    Mal im Format COMPLETE: erst das nennt Zahl und zeilen_id der verletzenden Zeilen. Eine bestandene Regel über
    Zeilen (`_ueber_zeilen`, ohne `mostly`) hat keine verletzende Zeile: 0 von `len(frame)`. Regeln, die einen Wert
    beobachten statt Zeilen zu zählen, prüft die erste Validierung im Format BASIC (es nennt den beobachteten Wert).
    Gemessen (die 19 Validierungen eines Laufs des Beispiels, im selben Prozess): BASIC 0,39 s, BOOLEAN_ONLY 0,30 s;
    COMPLETE für alles kostete je Validierung noch einmal gut das Doppelte. Fast immer besteht jede Regel."""
    format_ = "BOOLEAN_ONLY" if all(_ueber_zeilen(regel) for regel in regeln) else "BASIC"
    ergebnisse = _gx_validieren(frame, regeln, parameter, name, format_)
    for regel in regeln if format_ == "BOOLEAN_ONLY" else []:
        ergebnis = ergebnisse[regel.id]
        if ergebnis["success"]:
            ergebnis["result"] = {**(ergebnis["result"] or {}), "unexpected_count": 0, "element_count": len(frame)}
    verletzt = [regel for regel in regeln if not ergebnisse[regel.id]["success"]
                or (ergebnisse[regel.id]["result"] or {}).get("unexpected_count")]
    if verletzt:
        ergebnisse.update(_gx_validieren(frame, verletzt, parameter, name, "COMPLETE"))
    return ergebnisse


def _ueber_zeilen(regel: Regel) -> bool:
    """Zählt die Regel verletzende Zeilen (eine Map-Erwartung von GX) und hat kein `mostly` (dann heißt bestanden:
    keine Zeile verletzt sie)?"""
    _gx_importieren()  # zuerst: GX ohne die Module, die keine Regel braucht (`SPAETER_LADEN`)
    import great_expectations.expectations as gxe
    from great_expectations.expectations.expectation import (
        ColumnMapExpectation,
        ColumnPairMapExpectation,
        MulticolumnMapExpectation,
    )

    klasse = getattr(gxe, regel.erwartung)
    return (issubclass(klasse, (ColumnMapExpectation, ColumnPairMapExpectation, MulticolumnMapExpectation))
            and "mostly" not in regel.argumente)


def _batch_definition():
    """Die Batch-Definition „ganzes DataFrame“ dieses Prozesses (einmal angelegt; das DataFrame kommt je Validierung
    als Parameter). Eine Suite je Validierung wird nicht im Kontext abgelegt: `Batch.validate` nimmt sie direkt."""
    global _BATCH
    if _BATCH is None:
        quelle = _context().data_sources.add_pandas("pruefdaten")
        _BATCH = quelle.add_dataframe_asset("pruefdaten").add_batch_definition_whole_dataframe("ganz")
    return _BATCH


def _gx_validieren(frame: pd.DataFrame, regeln: list[Regel], parameter: dict[str, float], name: str,
                   format_: str) -> dict[str, dict]:
    batch_definition = _batch_definition()
    import great_expectations as gx
    import great_expectations.expectations as gxe

    suite = gx.ExpectationSuite(name=f"suite_{name}")
    for regel in regeln:
        suite.add_expectation(getattr(gxe, regel.erwartung)(**_argumente(regel, parameter), meta={"regel": regel.id}))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(suite, result_format={"result_format": format_,
                                                      "unexpected_index_column_names": ["zeilen_id"]})
    return {item.expectation_config.meta["regel"]: {"success": bool(item.success), "result": item.result,
                                                    "exception": item.exception_info}
            for item in result.results}


def _plain(value: object) -> object:
    """numpy- und pandas-Werte in einfache Python-Werte (für Metadaten und JSON)."""
    if value is None:
        return None
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, decimal.Decimal):  # wie pandas aus DuckDB: Dezimalzahlen als float
        return float(value)
    if isinstance(value, dt.date | pd.Timestamp):
        return str(value)[:10]
    return value


@dataclass
class _Stand:
    """Ergebnis einer Regel über die Stücke einer Abfrage hinweg (`_stuecke`)."""

    erfolgreich: bool = True
    fehl_ids: list[int] = field(default_factory=list)
    unexpected: int | None = 0
    element_count: int = 0
    beobachtet: str | None = None  # Ausnahme oder beobachteter Wert (Regeln ohne Zeilenzählung)
    beispiele: list[dict] = field(default_factory=list)

    def dazu(self, regel: Regel, res: dict, fehlzeilen: dict[int, dict], dateinamen: dict,
             quarantaene: dict[int, tuple[Regel, dict]], zeilen: int) -> None:
        """Das Ergebnis eines Stücks aufnehmen; Beispiele und Quarantänezeilen aus dessen verletzenden Zeilen
        (`fehlzeilen`: zeilen_id -> Zeile der Prüfdaten, `_fehlzeilen`)."""
        result = res["result"] or {}
        fehl_ids = _fehl_ids(res)
        for zeilen_id in fehl_ids:
            if len(self.beispiele) >= MAX_BEISPIELE and not regel.zeilenweise:
                break
            row = fehlzeilen[zeilen_id]
            datei_id = None if row.get("datei_id") is None else int(row["datei_id"])
            beispiel = {"datei": dateinamen.get(datei_id), "datei_id": datei_id,
                        "blatt": _plain(row.get("blatt")), "zeile": _plain(row.get("zeile"))}
            beispiel.update({spalte: _plain(row.get(spalte)) for spalte in ("stichtag", "gebiet_id")
                             if spalte in row})
            beispiel.update({spalte: _plain(row.get(spalte)) for spalte in _spalten(regel)})
            if len(self.beispiele) < MAX_BEISPIELE:
                self.beispiele.append(beispiel)
            if regel.zeilenweise and zeilen_id not in quarantaene:
                quarantaene[zeilen_id] = (regel, beispiel)
        self.fehl_ids += fehl_ids
        unexpected = result.get("unexpected_count")
        self.erfolgreich = self.erfolgreich and res["success"]
        if res["exception"] and res["exception"].get("raised_exception"):
            self.beobachtet = f"Prüfung nicht ausführbar: {res['exception'].get('exception_message')}"
            self.erfolgreich = False
        elif unexpected is None or self.unexpected is None:
            self.unexpected = None
            self.beobachtet = self.beobachtet or str(_plain(result.get("observed_value")))
        else:
            self.unexpected += unexpected
            self.element_count += result.get("element_count", zeilen)

    def ergebnis(self, regel: Regel, zeilen: int) -> Ergebnis:
        if self.beobachtet is not None:
            beobachtet = self.beobachtet
        else:
            beobachtet = f"{self.unexpected} von {self.element_count} Zeilen verletzen die Regel"
        fehlzeilen = len(self.fehl_ids) if self.fehl_ids else (self.unexpected or 0)
        return Ergebnis(regel, self.erfolgreich, zeilen, fehlzeilen, beobachtet, self.beispiele)


def _fehl_ids(res: dict) -> list[int]:
    """Die zeilen_id der Zeilen, die eine Regel verletzen (je einmal, in der Reihenfolge von GX)."""
    result = res["result"] or {}
    fehl_ids = [int(_plain(item["zeilen_id"])) for item in result.get("unexpected_index_list") or []
                if item.get("zeilen_id") is not None and not pd.isna(item.get("zeilen_id"))]
    return list(dict.fromkeys(fehl_ids))


def _fehlzeilen(con: duckdb.DuckDBPyConnection, gruppe: list[Regel], resultate: dict[str, dict]) -> dict[int, dict]:
    """Die Zeilen der Prüfdaten, die `_Stand.dazu` braucht: je zeilenweiser Regel alle verletzenden (Quarantäne),
    sonst die ersten `MAX_BEISPIELE` (Beispiele) – aus DuckDB, nicht aus einem DataFrame des ganzen Stücks."""
    ids: set[int] = set()
    for regel in gruppe:
        fehl = _fehl_ids(resultate[regel.id])
        ids.update(fehl if regel.zeilenweise else fehl[:MAX_BEISPIELE])
    if not ids:
        return {}
    cursor = con.execute("select * from pruefdaten where zeilen_id in (select unnest(?))", [sorted(ids)])
    namen = [spalte[0] for spalte in cursor.description]  # mit Streuwert (stört nicht: nur benannte Spalten zählen)
    zeilen: dict[int, dict] = {}
    for werte in cursor.fetchall():
        zeile = dict(zip(namen, werte, strict=True))
        zeilen.setdefault(int(zeile["zeilen_id"]), zeile)  # eine Abfrage kann eine Zeile mehrfach liefern: die erste
    return zeilen


STREUWERT = "pruef_streuwert"  # Spalte der Prüfdaten in Stücken (`_stuecke`), nie geprüft


@dataclass(frozen=True)
class _Stueck:
    """Ein Stück der Prüfdaten (Temp-Tabelle `pruefdaten`): Bedingung mit gebundenen Werten, Zeilen, Spalten."""

    bedingung: str
    werte: list
    zeilen: int
    spalten: list[str]


def _stuecke(con: duckdb.DuckDBPyConnection, sql: str, params: list | None,
             gruppe: list[Regel]) -> Iterator[_Stueck]:
    """Die Prüfdaten einer Abfrage (Temp-Tabelle `pruefdaten`, solange der Aufrufer iteriert): bis `PRUEF_STUECK`
    Zeilen in einem Stück, sonst in Stücken.

    Ein Stück sind die Zeilen eines Bereichs von Streuwerten (`hash`) der `gebiet_id`: jedes Stück enthält seine
    Gebiete ganz. Eine Eindeutigkeitsregel, deren Schlüssel `gebiet_id` enthält, sieht so alle Zeilen eines
    Schlüssels; Zeilenregeln gelten je Zeile. So hält pandas nie eine ganze große Tabelle (bei 2 Mio. Zellen über
    1 GB). Abfragen ohne `gebiet_id` oder mit einer Eindeutigkeitsregel ohne diese Spalte bleiben in einem Stück.
    """
    spalten = [spalte[0] for spalte in con.execute(f"select * from ({sql}) limit 0", params).description]
    teilbar = "gebiet_id" in spalten and all(
        "gebiet_id" in regel.argumente.get("column_list", ["gebiet_id"]) for regel in gruppe
        if regel.erwartung == "ExpectCompoundColumnsToBeUnique")
    # eine Kopie der Prüfdaten, gleich mit Streuwert (nicht sortiert: ein Stück liest die Tabelle mit Filter ganz,
    # das kostet bei 1 Mio. Zeilen Millisekunden; eine sortierte zweite Kopie kostete Speicher)
    streuwert = f", hash(gebiet_id) as {STREUWERT}" if teilbar else ""
    con.execute(f"create or replace temp table pruefdaten as select *{streuwert} from ({sql})", params)
    try:
        zeilen = con.execute("select count(*) from pruefdaten").fetchall()[0][0]
        if zeilen <= PRUEF_STUECK or not teilbar:
            yield _Stueck("true", [], zeilen, spalten)
            return
        stuecke = math.ceil(zeilen / PRUEF_STUECK)
        grenzen = [stueck * 2**64 // stuecke for stueck in range(stuecke + 1)]  # hash() ist ein UBIGINT
        bedingung = f"{STREUWERT} >= ? and {STREUWERT} < ?"
        for von, bis in itertools.pairwise(grenzen):
            anzahl = con.execute(f"select count(*) from pruefdaten where {bedingung}", [von, bis]).fetchall()[0][0]
            yield _Stueck(bedingung, [von, bis], anzahl, spalten)
    finally:
        con.execute("drop table if exists temp.pruefdaten")


def pruefe_tabelle(con: duckdb.DuckDBPyConnection, tabelle: str, parameter: dict[str, float],
                   lauf_id: str = "", quelle: str | None = None, stichtage: list | None = None) -> list[Ergebnis]:
    """Prüft eine Staging-Tabelle; verschiebt Zeilen zeilenweiser Fehler in die Quarantäne.

    Mit `stichtage` (Lauf für eine Stichtag-Partition) werden nur die Prüfzeilen dieser Stichtage geprüft: nur
    sie sind neu gebaut, die übrigen sind schon geprüft. Vergleiche mit dem Vorjahr rechnet die Abfrage vorher über
    die ganze Tabelle.
    """
    regeln = regeln_fuer(tabelle)
    if not regeln:
        return []
    quelle = quelle or tabelle.split(".")[1].removeprefix("stg_")
    con.execute("set variable veraenderung_min_basis = ?", [parameter.get("veraenderung_min_basis", 0)])
    dateinamen = dict(con.execute("select datei_id, dateiname from ops.dateien").fetchall())
    ergebnisse: list[Ergebnis] = []
    quarantaene: dict[int, tuple[Regel, dict]] = {}  # zeilen_id -> erste verletzte Regel
    for abfrage in dict.fromkeys(r.abfrage for r in regeln):
        gruppe = [r for r in regeln if r.abfrage == abfrage]
        sql, params = abfrage_sql(abfrage), None
        if stichtage is not None:
            # Abfrage aus sql/pruefungen (im Repository); die Stichtage werden gebunden
            sql, params = f"select * from ({sql}) where stichtag in (select unnest(?))", [stichtage]
        stand = {regel.id: _Stand() for regel in gruppe}
        zeilen = 0
        for stueck in _stuecke(con, sql, params, gruppe):
            zeilen += stueck.zeilen
            if not stueck.zeilen:
                continue
            resultate = _validate(con, stueck, gruppe, parameter, abfrage)
            fehlzeilen = _fehlzeilen(con, gruppe, resultate)
            for regel in gruppe:
                stand[regel.id].dazu(regel, resultate[regel.id], fehlzeilen, dateinamen, quarantaene, stueck.zeilen)
            resultate = fehlzeilen = None
            if stueck.zeilen >= GROSS_ZEILEN and _PRUEFPROZESS is None:
                gc.collect()  # GX hält das Stück in Referenzzyklen: vor dem nächsten freigeben (mit Prüfprozess dort)
        if not zeilen:
            ergebnisse += [Ergebnis(r, True, 0, 0, "keine Zeilen zu prüfen") for r in gruppe]
            continue
        ergebnisse += [stand[regel.id].ergebnis(regel, zeilen) for regel in gruppe]
    if quarantaene:
        _in_quarantaene(con, tabelle, quelle, quarantaene)
        for ergebnis in ergebnisse:
            ergebnis.quarantaene = sum(1 for regel, _ in quarantaene.values() if regel.id == ergebnis.regel.id)
    _protokollieren(con, tabelle, lauf_id, ergebnisse)
    return ergebnisse


def _spalten(regel: Regel) -> list[str]:
    args = regel.argumente
    if "column" in args:
        return [args["column"]] + ([regel.spalte] if regel.spalte and regel.spalte != args["column"] else [])
    if "column_list" in args:
        return list(args["column_list"])
    return [c for c in (args.get("column_A"), args.get("column_B")) if c]


def _in_quarantaene(con: duckdb.DuckDBPyConnection, tabelle: str, quelle: str,
                    zeilen: dict[int, tuple[Regel, dict]]) -> None:
    """Zeilen mit Grund in quarantine.zeilen schreiben und aus der Staging-Tabelle löschen (eine Transaktion)."""
    rows = []
    for zeilen_id, (regel, beispiel) in zeilen.items():
        datei_id = beispiel.get("datei_id")
        wert = beispiel.get(regel.argumente.get("column", "")) if "column" in regel.argumente else None
        rows.append([datei_id, quelle, beispiel.get("blatt"), beispiel.get("zeile"), regel.spalte,
                     f"Prüfung {regel.id}: {regel.beschreibung} – verletzt", None if wert is None else str(wert),
                     regel.id, zeilen_id])
    con.execute("begin transaction")
    try:
        zeilen_einfuegen(con, "quarantine.zeilen",
                         ["datei_id", "quelle", "blatt", "zeile", "spalte", "grund", "wert", "pruefung"],
                         [row[:8] for row in rows])
        schema, name = tabelle.split(".")
        # Tabellenname aus den Regeln im Code, nie aus Eingaben; die Zeilen-ids werden gebunden.
        con.execute(f'delete from "{schema}"."{name}" where rowid in (select unnest(?))', [[row[8] for row in rows]])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def entferne_alte_quarantaene(con: duckdb.DuckDBPyConnection, tabelle: str, stichtage: list | None = None) -> None:
    """Vor einem neuen Aufbau der Staging-Tabelle: Quarantänezeilen früherer Prüfungen dieser Tabelle entfernen.

    Mit `stichtage` (Lauf für eine Partition) nur die der Dateien dieser Stichtage: die Zeilen der übrigen
    Stichtage werden nicht neu aufgebaut, ihre Quarantäne bleibt.
    """
    ids = [r.id for r in regeln_fuer(tabelle)]
    if not ids:
        return
    if stichtage is None:
        con.execute("delete from quarantine.zeilen where pruefung in (select unnest(?))", [ids])
    else:
        con.execute("delete from quarantine.zeilen where pruefung in (select unnest(?)) and datei_id in "
                    "(select datei_id from ops.dateien where stichtag in (select unnest(?)))", [ids, stichtage])


def _protokollieren(con: duckdb.DuckDBPyConnection, tabelle: str, lauf_id: str, ergebnisse: list[Ergebnis]) -> None:
    now = dt.datetime.now().replace(microsecond=0)
    zeilen_einfuegen(
        con, "ops.pruefungen",
        ["lauf_id", "geprueft_am", "tabelle", "pruefung", "beschreibung", "erwartung", "schwere", "blockierend",
         "erfolgreich", "zeilen", "fehlzeilen", "quarantaene", "beobachtet", "beispiele"],
        [[lauf_id, now, tabelle, e.regel.id, e.regel.beschreibung, e.regel.erwartung, e.regel.schwere,
          e.regel.blockierend, e.erfolgreich, e.zeilen, e.fehlzeilen, e.quarantaene, e.beobachtet,
          json.dumps(e.beispiele, ensure_ascii=False, default=str)] for e in ergebnisse],
    )
