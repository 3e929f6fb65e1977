"""Messprozess des Benchmarks (`sozial-dwh bench`, pipelines/bench.py): ein Dagster-Lauf in einem eigenen Prozess.

`python -m pipelines.bench_lauf '<Auftrag als JSON>'` – vom Benchmark gestartet, mit eigenem `SOZIAL_DWH_HOME`,
`SOZIAL_DWH_REFERENCE` und `DAGSTER_HOME`, damit `ru_maxrss` nur diesen Lauf misst. Aufträge:

- `voll`: Job „alles“ über alle Stichtage (wie `sozial-dwh run`), danach eine Berichtsausgabe;
- `zuwachs`: Job `stichtag_lauf` für einen weiteren Stichtag auf dem fertigen Warehouse.

Das Ergebnis (Wandzeit, Schritt-Zeiten, Prüfdauer aus den Metadaten der Staging-Assets, Speicher) schreibt er als
JSON in die Datei `ergebnis` des Auftrags.
"""

import contextlib
import json
import os
import resource  # nur Unix; der Benchmark ist für Linux/macOS gedacht
import sys
import threading
import time
from pathlib import Path

_start = time.perf_counter()
import dagster as dg  # noqa: E402 (die Importzeit wird gemessen)

from pipelines.ausfuehren import alles_ausfuehren, lauf_starten  # noqa: E402
from pipelines.bench import BenchFehler  # noqa: E402
from pipelines.definitions import defs  # noqa: E402
from pipelines.export import export_bericht, schritt_fehler  # noqa: E402
from pipelines.fortschritt import Ausgabe, schritte  # noqa: E402
from pipelines.partitions import stichtage_anmelden  # noqa: E402
from sozial_dwh import warehouse  # noqa: E402
from sozial_dwh.config import Paths  # noqa: E402

IMPORT_S = time.perf_counter() - _start
RUHIG = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def messen(auftrag: dict) -> dict:
    speicher = _SpeicherVerlauf().starten()
    paths = Paths.from_env()
    instance = dg.DagsterInstance.get()
    # Fortschritt auf stderr (der Benchmark zeigt ihn eingerückt), Dagsters Protokoll in die Datei des Benchmarks
    ausgabe = Ausgabe(datei=Path(auftrag["protokoll"])) if auftrag.get("protokoll") else None
    with ausgabe.umgeleitet() if ausgabe else contextlib.nullcontext():
        return _messen(auftrag, speicher, paths, instance, ausgabe)


def _messen(auftrag: dict, speicher: "_SpeicherVerlauf", paths: Paths, instance: dg.DagsterInstance,
            ausgabe: Ausgabe | None) -> dict:
    ergebnis: dict = {"import_s": IMPORT_S}
    clock = time.perf_counter()
    if auftrag["art"] == "voll":
        result = alles_ausfuehren(instance, paths, raise_on_error=False, run_config=RUHIG, ausgabe=ausgabe)
    else:
        stichtage_anmelden(instance, [auftrag["stichtag"]])
        job = defs.resolve_job_def("stichtag_lauf")
        run_config = {"loggers": ausgabe.loggers(schritte(defs, job.asset_layer.executable_asset_keys))} if ausgabe \
            else RUHIG
        result = lauf_starten(instance, "stichtag_lauf", partition_key=auftrag["stichtag"], raise_on_error=False,
                              run_config=run_config)
    ergebnis["wand_s"] = time.perf_counter() - clock
    _erfolg_pruefen(result, auftrag["art"])
    ergebnis["schritte"] = _schritt_zeiten(instance, result.run_id)
    ergebnis["validate_s"] = _pruefdauer(instance, result.run_id)
    if auftrag["art"] == "voll":
        ergebnis["warehouse"] = _warehouse_umfang(paths)
        clock = time.perf_counter()
        meldungen: list[str] = []
        code = export_bericht(paths, auftrag["bericht"], progress=meldungen.append, ausgabe=ausgabe)
        ergebnis["export_s"] = time.perf_counter() - clock
        ergebnis["export_bericht"] = auftrag["bericht"]
        if code != 0:
            raise BenchFehler(f"Berichtsausgabe {auftrag['bericht']} gescheitert: " + " | ".join(meldungen[-3:]))
    ergebnis["rss_spitze"] = speicher.spitze(instance)
    # höchster Speicher des Laufs: dieser Prozess allein (VmHWM) oder mit seinen Lese- und Forkserver-Prozessen
    # zusammen (abgetastet), je nachdem, was größer ist
    ergebnis["peak_rss_mb"] = max(_eigene_spitze_mb(), (ergebnis["rss_spitze"] or {}).get("mb", 0.0))
    ergebnis["prozesse"] = _prozesse_im_lauf(instance, result.run_id)
    Path(auftrag["ergebnis"]).write_text(json.dumps(ergebnis), encoding="utf-8")
    return ergebnis


class _SpeicherVerlauf:
    """Tastet den belegten Arbeitsspeicher (RSS bzw. PSS) alle 0,25 s ab, um die Spitze einem Schritt zuzuordnen (nur Linux)."""

    def __init__(self) -> None:
        self.proben: list[tuple[float, float]] = []
        self._ende = False
        self._runde = 0

    def starten(self) -> "_SpeicherVerlauf":
        if Path("/proc/self/statm").exists():
            threading.Thread(target=self._abtasten, daemon=True).start()
        return self

    def _abtasten(self) -> None:
        seite = os.sysconf("SC_PAGE_SIZE") / 2**20
        while not self._ende:
            # dieser Prozess und alle, die von ihm abstammen (Forkserver und Leseprozesse des Laufs), zusammen – als
            # PSS (geteilte Seiten anteilig: Kindprozesse aus dem Forkserver teilen sich dessen Speicher)
            # (die Prozesse einmal je Sekunde suchen, den Speicher viermal: das Abtasten kostet diesen Prozess wenig)
            if not self._runde % 4:
                prozesse = _mit_nachkommen(os.getpid())
            self._runde += 1
            mb = (sum(_pss_kib(pid) for pid in prozesse) / 1024 if len(prozesse) > 1
                  else _rss_seiten(os.getpid()) * seite)
            self.proben.append((time.time(), mb))
            time.sleep(0.25)

    def spitze(self, instance: dg.DagsterInstance) -> dict | None:
        self._ende = True
        if not self.proben:
            return None
        zeit, mb = max(self.proben, key=lambda probe: probe[1])
        schritt = next((f"{run.job_name}/{s.step_key}" for run in instance.get_runs(limit=5)
                        for s in instance.get_run_step_stats(run.run_id)
                        if s.start_time and s.end_time and s.start_time <= zeit <= s.end_time), "außerhalb der Schritte")
        return {"mb": round(mb, 1), "schritt": schritt}


def _mit_nachkommen(wurzel: int) -> list[int]:
    """`wurzel` und alle Prozesse, die von ihm abstammen (aus /proc/<pid>/stat, Feld 4 = Elternprozess)."""
    eltern: dict[int, int] = {}
    for eintrag in os.listdir("/proc"):
        if eintrag.isdigit():
            try:
                with open(f"/proc/{eintrag}/stat", encoding="ascii", errors="replace") as handle:
                    eltern[int(eintrag)] = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    gefunden, neu = {wurzel}, [wurzel]
    while neu:
        neu = [pid for pid, vater in eltern.items() if vater in neu and pid not in gefunden]
        gefunden.update(neu)
    return sorted(gefunden)


def _pss_kib(pid: int) -> int:
    """Proportional Set Size eines Prozesses in KiB (/proc/<pid>/smaps_rollup); 0, wenn er nicht mehr läuft."""
    return _proc_kib(f"/proc/{pid}/smaps_rollup", "Pss:") or 0


def _proc_kib(pfad: str, feld: str) -> int | None:
    """Der Wert in KiB der Zeile `feld` einer Datei unter /proc (z. B. „Pss:“); None, wenn es sie nicht gibt."""
    try:
        with open(pfad, encoding="ascii") as handle:
            for zeile in handle:
                if zeile.startswith(feld):
                    return int(zeile.split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return None


def _rss_seiten(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1])
    except (OSError, IndexError, ValueError):  # inzwischen beendet
        return 0


def _eigene_spitze_mb() -> float:
    """Höchster Speicher dieses Prozesses: unter Linux `VmHWM` aus /proc/self/status. Nicht `ru_maxrss`: Linux
    überträgt es über `execve` – ein Prozess, den `subprocess` aus dem Benchmark startet (vfork), begänne mit der
    Spitze des Benchmarks selbst (bei N = 200 rund 1,9 GB nach dem Laden des Bodens, gemessen 30.11.2026)."""
    kib = _proc_kib("/proc/self/status", "VmHWM:")
    return kib / 1024 if kib is not None else _maxrss_mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _maxrss_mb(value: int) -> float:
    return value / (1024 * 1024) if sys.platform == "darwin" else value / 1024  # macOS: Bytes, Linux: KiB


def _pruefdauer(instance: dg.DagsterInstance, run_id: str) -> float:
    """Summe der Metadaten `pruefdauer_s` (Great-Expectations-Prüfungen, Quarantäne, Prüfbericht) des Laufs.

    Ein Lauf über einen Bereich von Partitionen meldet dieselben Metadaten für jede Partition: je Asset zählt
    der Wert einmal."""
    je_asset: dict[dg.AssetKey, float] = {}
    for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
        materialization = record.asset_materialization
        wert = materialization.metadata.get("pruefdauer_s")
        if wert is not None:
            je_asset[materialization.asset_key] = float(wert.value)
    return sum(je_asset.values())


def _erfolg_pruefen(result: dg.ExecuteInProcessResult, art: str) -> None:
    fehler = [f"{schritt}: {meldung}" for schritt, meldung in schritt_fehler(result)]
    if not result.success or fehler:
        raise BenchFehler(f"Lauf „{art}“ gescheitert: " + " | ".join(fehler[:5]))


def _schritt_zeiten(instance: dg.DagsterInstance, run_id: str) -> dict[str, float]:
    """Dauer je Schritt; dazu `lesen_wand` = Wandzeit vom Start des ersten bis zum Ende des letzten Lesestrangs
    (sie laufen nebeneinander: ihre Summe ist mehr als die Zeit, die sie den Lauf kosten)."""
    stats = [s for s in instance.get_run_step_stats(run_id) if s.start_time is not None]
    zeiten = {s.step_key: (s.end_time or 0) - (s.start_time or 0) for s in stats}
    lesen = [s for s in stats if s.step_key.startswith("ops__lesen_") and s.end_time is not None]
    if lesen:
        zeiten["lesen_wand"] = max(s.end_time for s in lesen) - min(s.start_time for s in lesen)
    return zeiten


def _prozesse_im_lauf(instance: dg.DagsterInstance, run_id: str) -> int:
    """In wie vielen Prozessen die Schritte des Laufs liefen (verschiedene Prozessnummern der Schritt-Starts)."""
    return len({r.dagster_event.pid for r in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_START)})


def _warehouse_umfang(paths: Paths) -> dict:
    tabellen = ("raw.bevoelkerung", "raw.sgb2", "core.fact_bevoelkerung", "core.fact_sgb2", "mart.indikator_werte",
                "core.dim_gebiet")
    with warehouse.connect(paths, read_only=True) as con:
        zeilen = {t: warehouse.table_row_count(con, *t.split(".")) for t in tabellen}
        dateien = dict(con.execute("select status, count(*) from ops.dateien group by status").fetchall())
        quarantaene = con.execute("select count(*) from quarantine.zeilen").fetchall()[0][0]
    return {"tabellen": zeilen, "dateien": dateien, "quarantaene_zeilen": quarantaene,
            "groesse_mb": round(paths.warehouse.stat().st_size / 1e6, 1)}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("Aufruf: python -m pipelines.bench_lauf '<Auftrag als JSON>' (wird von `sozial-dwh bench` gestartet)")
    messen(json.loads(sys.argv[1]))
