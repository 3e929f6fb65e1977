"""Kommandozeile `sozial-dwh` (auch `python -m sozial_dwh`), architektur.md §3.

Exit-Codes: 0 = erfolgreich, 1 = Lauf gescheitert bzw. Dateien würden abgelehnt, 2 = Aufruf falsch.

Das einzige Einstiegsmodul: es steht über beiden Schichten. Befehle ohne Dagster (`check`, `demo`, `templates`, `sql`)
rufen die Bibliothek `sozial_dwh`; `run`, `export` und `bench` rufen `pipelines/` (Dagster wird erst dort geladen,
`check` bleibt schnell). Kein anderes Modul in `sozial_dwh/` importiert `pipelines` oder Dagster
(tests/test_importe.py).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from sozial_dwh import config
from sozial_dwh.config import Paths


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# argparse spricht Englisch: seine festen Texte und Fehlermeldungen auf Deutsch
_HILFE_DEUTSCH = (
    (re.compile(r"^usage: ", re.MULTILINE), "Aufruf: "),
    (re.compile(r"^options:$", re.MULTILINE), "Optionen:"),
    (re.compile(r"^positional arguments:$", re.MULTILINE), "Angaben:"),
    (re.compile(r"show this help message and exit"), "diese Hilfe zeigen und beenden"),
)
_FEHLER_DEUTSCH = (
    (re.compile(r"^the following arguments are required: (.*)$"), r"Pflichtangabe fehlt: \1"),
    (re.compile(r"^argument (.+?): invalid choice: (.*) \(choose from (.*)\)$"),
     r"\1: unbekannte Auswahl \2 (möglich: \3)"),
    (re.compile(r"^unrecognized arguments: (.*)$"), r"unbekannte Angaben: \1"),
    (re.compile(r"^argument (.+?): invalid \w+ value: (.*)$"), r"\1: ungültiger Wert \2"),
    (re.compile(r"^argument (.+?): expected one argument$"), r"\1: braucht einen Wert"),
    (re.compile(r"^one of the arguments (.*) is required$"), r"eine dieser Angaben ist nötig: \1"),
    (re.compile(r"^argument (.+?): not allowed with argument (.*)$"), r"\1 geht nicht zusammen mit \2"),
)


def _deutsch(text: str, ersetzungen) -> str:
    for muster, ersatz in ersetzungen:
        text = muster.sub(ersatz, text)
    return text


class _Parser(argparse.ArgumentParser):
    def format_usage(self) -> str:
        return _deutsch(super().format_usage(), _HILFE_DEUTSCH)

    def format_help(self) -> str:
        return _deutsch(super().format_help(), _HILFE_DEUTSCH)

    def error(self, message: str) -> None:  # argparse beendet mit 2; Meldung auf Deutsch
        self.print_usage(sys.stderr)
        _err(f"Aufruf fehlerhaft: {_deutsch(message, _FEHLER_DEUTSCH)}")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="sozial-dwh", description="Data Warehouse für die integrierte Sozialplanung.")
    commands = parser.add_subparsers(dest="command", metavar="BEFEHL", parser_class=_Parser)

    demo = commands.add_parser("demo", help="Beispieldateien aller Quellen in den Eingangsordner schreiben")
    demo.add_argument("--inbox", type=Path, help="Zielordner (Standard: $SOZIAL_DWH_HOME/inbox)")
    demo.add_argument("--scale", type=int, default=1, metavar="N",
                      help="Zahl der Gemeinden in der Größe des Beispiels (Standard 1 = das Beispiel); ab 2 mit "
                           "eigener Gebietsgliederung (--referenz) und SGB II als Personendatensätze")
    demo.add_argument("--referenz", type=Path, metavar="ORDNER",
                      help="bei --scale ab 2: Ordner für die passende Gebietsgliederung und die übrigen Referenzdateien "
                           "(Standard: $SOZIAL_DWH_HOME/referenz_<N>_gemeinden); mit SOZIAL_DWH_REFERENCE nutzen")
    demo.add_argument("--nur-wenn-leer", action="store_true",
                      help="nur schreiben, wenn Eingang und Archiv leer sind (für `make run`)")

    run = commands.add_parser("run", help="alle Assets materialisieren (wie in der Dagster-Oberfläche)")
    run.add_argument("--prozesse", type=int, default=None, metavar="N",
                     help="die Dateien in bis zu N Prozessen nebeneinander lesen, 1: alles in einem Prozess "
                          "(Vorgabe: SOZIAL_DWH_PROZESSE, sonst so viele wie Kerne, höchstens 4); Schritte, die das "
                          "Warehouse schreiben, laufen danach nacheinander")

    bench = commands.add_parser("bench", help="Benchmark: Lesen, Prüfen, Modelle, Export für N Gemeinden messen")
    was = bench.add_mutually_exclusive_group(required=True)
    was.add_argument("--scale", type=int, metavar="N", help="Zahl der Gemeinden (Größe des Beispiels)")
    was.add_argument("--bombe", type=float, metavar="GIB",
                       help="statt --scale: Speicher eines Laufs mit einer ZIP-Bombe im Eingang messen, die entpackt "
                            "GIB GiB groß ist, laut ihren Größenangaben aber nur so groß wie ein echtes Blatt")
    bench.add_argument("--json", type=Path, metavar="DATEI", help="Ergebnis zusätzlich als JSON-Datei schreiben")
    bench.add_argument("--wiederholungen", type=int, metavar="K",
                       help="Durchgänge, aus denen der Median gebildet wird (Standard: 3, ab 20 Gemeinden 1)")
    bench.add_argument("--ordner", type=Path, metavar="ORDNER",
                       help="Ort des temporären Arbeitsordners (Standard: Temp-Ordner des Systems)")
    bench.add_argument("--behalten", action="store_true", help="Arbeitsordner mit Daten und Warehouse nicht löschen")
    bench.add_argument("--lange-csv", type=int, nargs="?", const=2_000_000, metavar="ZEILEN",
                       help="zusätzlich: `sozial-dwh run` auf einer langen Bevölkerungs-CSV mit ZEILEN Zeilen (Standard "
                            "2.000.000) unter /usr/bin/time -v messen (peak_rss_mb_lange_csv_2mio)")

    check = commands.add_parser("check", help="Dateien gegen ihren Vertrag prüfen, ohne zu laden")
    check.add_argument("files", nargs="+", type=Path, metavar="DATEI")
    check.add_argument("--profil", metavar="NAME",
                       help="nach diesem Lieferprofil lesen (lieferprofile/NAME.yaml) und eine Vorschau zeigen")

    ui = commands.add_parser("ui", help="Dagster-Oberfläche starten (nur auf diesem Rechner erreichbar)")
    ui.add_argument("--port", type=int, default=3000, metavar="PORT", help="Port auf 127.0.0.1 (Standard: 3000)")

    sql = commands.add_parser("sql", help="SQL-Shell auf der Analysekopie (schreibgeschützt, DuckDB des Projekts)")
    sql.add_argument("-c", dest="befehl", metavar="SQL", help="nur diese Anweisung(en) ausführen und beenden")

    export = commands.add_parser("export", help="eine Ausgabe des Sozialberichts (neu) bauen: Excel, CSV, PNG")
    export.add_argument("--bericht", required=True, metavar="ID", help="Ausgabe aus data/reference/berichte.csv")
    export.add_argument("--neu", action="store_true",
                        help="auch eine freigegebene (eingefrorene) Ausgabe neu bauen")

    profil = commands.add_parser("profil", help="Lieferprofile (eigene Dateilayouts, ohne Code)")
    profil_befehle = profil.add_subparsers(dest="profil_befehl", metavar="BEFEHL", parser_class=_Parser, required=True)
    entwurf = profil_befehle.add_parser("entwurf", help="Entwurf eines Lieferprofils für eine neue Datei schreiben")
    entwurf.add_argument("datei", type=Path, metavar="DATEI")
    entwurf.add_argument("--quelle", metavar="Q", help="die Quelle, die die Datei füllt (Standard: aus den Spalten "
                                                         "geraten), z. B. bevoelkerung")
    entwurf.add_argument("--ausgabe", type=Path, metavar="PFAD",
                         help="Zieldatei oder -ordner (Standard: <profil>.yaml im aktuellen Ordner)")

    templates = commands.add_parser("templates", help="leere Vorlage je Quelle mit Erläuterungen schreiben")
    templates.add_argument("dir", nargs="?", type=Path, metavar="ORDNER",
                           help="Zielordner (Standard: $SOZIAL_DWH_HOME/templates)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        build_parser().print_help(sys.stderr)
        return 2
    return {"demo": cmd_demo, "run": cmd_run, "check": cmd_check, "ui": cmd_ui,
            "templates": cmd_templates, "export": cmd_export, "bench": cmd_bench, "profil": cmd_profil,
            "sql": cmd_sql}[args.command](args)


def cmd_demo(args: argparse.Namespace) -> int:
    from sozial_dwh.demo import write_demo, write_reference

    if args.scale < 1:
        _err("--scale: die Zahl der Gemeinden muss mindestens 1 sein.")
        return 2
    if args.referenz and args.scale == 1:
        _err("--referenz gilt nur mit --scale ab 2 (das Beispiel nutzt data/reference).")
        return 2
    paths = Paths.from_env()
    inbox = args.inbox or paths.inbox
    if args.nur_wenn_leer:
        used = [p for p in (inbox, paths.archive) if p.exists() and any(p.iterdir())]
        if used:
            print(f"Beispieldaten nicht geschrieben: {used[0]} ist nicht leer.")
            return 0
    referenz = None
    if args.scale > 1:
        referenz = write_reference(args.referenz or paths.home / f"referenz_{args.scale}_gemeinden", args.scale)
    files = write_demo(inbox, scale=args.scale)
    print(f"{len(files)} Beispieldateien geschrieben nach {inbox}" + (":" if args.scale == 1 else
          f" ({args.scale} Gemeinden, je {len(files) // args.scale} Dateien)."))
    for path in files if args.scale == 1 else []:
        print(f"  {path.name}")
    if referenz is not None:
        print(f"Gebietsgliederung für alle {args.scale} Gemeinden: {referenz}\n"
              f"Vor `sozial-dwh run` setzen: SOZIAL_DWH_REFERENCE={referenz}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from pipelines.bench import BenchFehler, run_bench, zusammenfassung
    from pipelines.fortschritt import protokoll_datei

    if args.bombe is not None:
        return _bench_bombe(args)
    if args.scale < 1:
        _err("--scale: die Zahl der Gemeinden muss mindestens 1 sein.")
        return 2
    wiederholungen = args.wiederholungen if args.wiederholungen is not None else (3 if args.scale < 20 else 1)
    if wiederholungen < 1:
        _err("--wiederholungen: mindestens 1.")
        return 2
    if args.lange_csv is not None and args.lange_csv < 1:
        _err("--lange-csv: mindestens 1 Zeile.")
        return 2
    protokoll = protokoll_datei(Paths.from_env(), "bench")
    try:
        ergebnis = run_bench(args.scale, wiederholungen, json_path=args.json, ordner=args.ordner,
                             behalten=args.behalten, progress=_err, lange_csv=args.lange_csv, protokoll=protokoll)
    except BenchFehler as exc:
        _err(f"Benchmark gescheitert: {exc}")
        return 1
    print(zusammenfassung(ergebnis))
    if args.json:
        print(f"\nJSON: {args.json}")
    print(f"Protokoll (Dagster): {protokoll}")
    return 0


def _bench_bombe(args: argparse.Namespace) -> int:
    import json

    from pipelines.bench_bombe import run_bomb_bench, zusammenfassung

    if args.bombe <= 0:
        _err("--bombe: die Größe in GiB muss größer als 0 sein.")
        return 2
    try:
        ergebnis = run_bomb_bench(args.bombe, ordner=args.ordner, behalten=args.behalten, progress=_err)
    except RuntimeError as exc:
        _err(f"Benchmark gescheitert: {exc}")
        return 1
    print(zusammenfassung(ergebnis))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(ergebnis, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"\nJSON: {args.json}")
    return 0


def _dagster_home(paths: Paths) -> Path:
    """Eine gemeinsame Dagster-Instanz für `run` und `ui`, damit die Oberfläche die Läufe zeigt (ohne Telemetrie,
    höchstens ein Lauf zugleich: `config.dagster_instanz_anlegen`)."""
    folder = config.dagster_instanz_anlegen(Path(os.environ.get("DAGSTER_HOME") or paths.home / "dagster"))
    os.environ["DAGSTER_HOME"] = str(folder)
    return folder


PROZESSE_ENV = "SOZIAL_DWH_PROZESSE"


def cmd_run(args: argparse.Namespace) -> int:
    from pipelines.fortschritt import Ausgabe, protokoll_datei
    from pipelines.runner import run_all  # Dagster erst hier laden, nicht beim Import der CLI
    from sozial_dwh.diskspace import disk_full_message, is_disk_full

    paths = Paths.from_env()
    prozesse = args.prozesse
    if prozesse is None and os.environ.get(PROZESSE_ENV, "").strip():
        try:
            prozesse = int(os.environ[PROZESSE_ENV])
        except ValueError:
            _err(f"{PROZESSE_ENV}={os.environ[PROZESSE_ENV]!r} ist keine ganze Zahl.")
            return 2
    if prozesse is not None and prozesse < 1:
        _err("--prozesse: mindestens 1.")
        return 2
    try:
        _dagster_home(paths)
    except OSError as exc:  # z. B. volle Platte beim Anlegen von DAGSTER_HOME
        detail = f"{type(exc).__name__}: {exc}"
        _err("FEHLER: " + (disk_full_message(paths, detail) if is_disk_full(exc) else
                           f"Der Ordner der Dagster-Instanz lässt sich nicht anlegen (technische Angabe: {detail})."))
        return 1
    ausgabe = Ausgabe(datei=protokoll_datei(paths, "lauf"))
    with ausgabe.umgeleitet():
        code = run_all(paths, ausgabe=ausgabe, prozesse=prozesse)
    if code and ausgabe.datei.exists():  # nach Erfolg nennt die Zusammenfassung das Protokoll
        _err(f"Einzelheiten in Dagsters Protokoll: {ausgabe.datei}")
    return code


def cmd_export(args: argparse.Namespace) -> int:
    from pipelines.export import export_bericht
    from pipelines.fortschritt import Ausgabe, protokoll_datei

    paths = Paths.from_env()
    _dagster_home(paths)
    ausgabe = Ausgabe(datei=protokoll_datei(paths, "export"))
    with ausgabe.umgeleitet():
        code = export_bericht(paths, args.bericht, neu=args.neu, ausgabe=ausgabe)
    if ausgabe.datei.exists():
        _err(f"Protokoll: {ausgabe.datei}")
    return code


def cmd_check(args: argparse.Namespace) -> int:
    from sozial_dwh.ingest import describe_quarantine, inspect_file
    from sozial_dwh.reference import GebietMatcher, ReferenceError, load_gebiete
    from sozial_dwh.sources import zellen

    try:
        matcher = GebietMatcher(load_gebiete(config.reference_dir()), config.reference_dir())
    except ReferenceError as exc:
        _err(f"Referenzdaten fehlerhaft: {exc}")
        return 1
    missing = [f for f in args.files if not f.is_file()]
    if missing:
        _err(f"Datei nicht gefunden: {', '.join(str(f) for f in missing)}")
        return 2
    from sozial_dwh.sources import lieferprofile

    profile = lieferprofile(config.reference_dir())
    for fehler in profile.fehler:
        _err(f"Warnung: {fehler}")
    if args.profil and args.profil not in profile.profile:
        vorhanden = ", ".join(sorted(profile.profile)) or "keine"
        _err(f"Lieferprofil „{args.profil}“ gibt es nicht (oder es ist fehlerhaft, siehe oben). Vorhanden: {vorhanden}. "
             f"Ordner: {config.reference_dir() / 'lieferprofile'}")
        return 2
    rejected = 0
    for path in args.files:
        verdict = inspect_file(path, matcher, profile=profile, profil=args.profil)
        if verdict.ok and args.profil:
            for line in vorschau(verdict.result, matcher):
                print(line)
        if verdict.ok:
            result = verdict.result
            stichtage = ", ".join(f"{d:%d.%m.%Y}" for d in sorted(result.stichtage))
            print(f"OK        {path}: Quelle {verdict.quelle}, Stichtag {stichtage}, {result.row_count} Zellen, "
                  f"{len(result.quarantine)} Zeilen in Quarantäne")
            for line in result.meldungen + describe_quarantine(result, path):
                print(f"          {line}")
        else:
            rejected += 1
            print(f"ABGELEHNT {path}" + (f" (Quelle {verdict.quelle})" if verdict.quelle else ""))
            for line in verdict.fehler + (describe_quarantine(verdict.result, path) if verdict.result else []):
                print(f"          {line}")
        if verdict.result:
            verdict.result.close()
    zellen.release()
    return 1 if rejected else 0


def vorschau(result, matcher, zellen_zeigen: int = 12, gebiete_zeigen: int = 200) -> list[str]:
    """`check --profil`: die ersten Würfelzellen und je Gebiet den Wert der Zelle „insgesamt“ (alle Merkmale
    insgesamt, alle Alter) am letzten Stichtag – zum Vergleich mit der Datei."""
    from sozial_dwh.parsing import INSGESAMT

    zeilen = ["Vorschau (erste Würfelzellen):"]
    summe: dict[str, object] = {}
    stichtag = max(result.stichtage) if result.stichtage else None
    merkmale: list[str] = []
    for nummer, zelle in enumerate(r for rows in result.tables.values() for r in rows):
        merkmale = merkmale or [k for k in zelle if k not in ("blatt", "zeile", "spalte", "stichtag", "gebiet_id",
                                                                "anzahl", "kennzeichen", "wert")]
        if nummer < zellen_zeigen:
            teile = ", ".join([*(f"{k} {zelle[k]}" for k in merkmale if k not in ("alter_von", "alter_bis")
                                 and zelle[k] not in (INSGESAMT, None)), *_alter(zelle)])
            zeilen.append(f"  Zeile {zelle.get('zeile')}, Spalte {zelle.get('spalte')}: Gebiet {zelle['gebiet_id']}, "
                          f"{zelle['stichtag']:%d.%m.%Y}, {teile or 'insgesamt'} = {_de(zelle)}")
        ganz = all(zelle[k] in (INSGESAMT, None) or (k == "alter_von" and zelle[k] == 0) for k in merkmale)
        if ganz and zelle["stichtag"] == stichtag:
            summe[zelle["gebiet_id"]] = _de(zelle)
    if stichtag is not None:
        zeilen.append(f"Insgesamt je Gebiet am {stichtag:%d.%m.%Y} ({len(summe)} Gebiete):")
        for gebiet_id in sorted(summe)[:gebiete_zeigen]:
            gebiet = matcher.by_id.get(gebiet_id)
            zeilen.append(f"  {gebiet_id} {gebiet.name if gebiet else ''}: {summe[gebiet_id]}")
    return zeilen


def _alter(zelle: dict) -> list[str]:
    von, bis = zelle.get("alter_von"), zelle.get("alter_bis")
    if von is None or (von == 0 and bis is None):
        return []
    return [f"Alter {von}+" if bis is None else f"Alter {von}–{bis}"]


def _de(zelle: dict) -> str:
    wert = zelle.get("anzahl", zelle.get("wert"))
    if wert is None:
        return f"unbekannt ({zelle.get('kennzeichen')})"
    return f"{wert:,.0f}".replace(",", ".") if float(wert).is_integer() else f"{wert:,.2f}".replace(",", " ").replace(
        ".", ",").replace(" ", ".")


def cmd_profil(args: argparse.Namespace) -> int:
    """`profil entwurf`: 0 geschrieben, 1 keine Tabelle in der Datei, 2 Aufruf falsch."""
    from sozial_dwh.profil_entwurf import FileRejected, KeineTabelle, schreibe_entwurf
    from sozial_dwh.reference import ReferenceError, load_gebiete
    from sozial_dwh.sources import wuerfel_dimensionen

    if not args.datei.is_file():
        _err(f"Datei nicht gefunden: {args.datei}")
        return 2
    quellen = sorted(wuerfel_dimensionen())
    if args.quelle is not None and args.quelle not in quellen:
        _err(f"--quelle: „{args.quelle}“ ist keine Quelle, die ein Lieferprofil füllen kann. Möglich: "
             f"{', '.join(quellen)}.")
        return 2
    try:
        gebiete = load_gebiete(config.reference_dir())
    except ReferenceError as exc:
        _err(f"Hinweis: Gebietsgliederung nicht lesbar ({exc}); der Entwurf erkennt Gebiete und Gemeinde nicht daran.")
        gebiete = []
    try:
        ziel, entwurf = schreibe_entwurf(args.datei, args.ausgabe, args.quelle, gebiete)
    except FileExistsError as exc:
        _err(f"{exc.args[0]} gibt es schon; nicht überschrieben. Bitte mit --ausgabe einen anderen Namen wählen oder "
             "die Datei löschen.")
        return 2
    except (KeineTabelle, FileRejected) as exc:
        _err(f"Kein Entwurf geschrieben: {exc}")
        return 1
    offen = len(entwurf.fragen)
    print(f"Entwurf geschrieben: {ziel} (Profil {entwurf.profil}, Quelle {entwurf.quelle or 'offen'}, Layout "
          f"{entwurf.layout}, {offen} offene Frage{'' if offen == 1 else 'n'}).")
    if offen:
        print("Bitte die Zeilen mit „# FRAGE:“ beantworten; solange eine offen ist, lädt das Profil nicht.")
    print(f"Dann nach data/reference/lieferprofile/ legen und prüfen: sozial-dwh check --profil {entwurf.profil} "
          f"{args.datei}")
    return 0


DG_DEV_WARNUNG = "Function `dev_command` is superseded"


def cmd_ui(args: argparse.Namespace) -> int:
    """`dagster dev` als Kindprozess in eigener Prozessgruppe: Strg+C (SIGINT) und SIGTERM an `sozial-dwh ui` gehen
    genau einmal als SIGINT an `dagster dev`, das Webserver und Daemon geordnet beendet; danach wird gewartet, bis
    kein Prozess der Gruppe mehr läuft (nötigenfalls werden die Reste beendet)."""
    import signal

    if not 0 < args.port < 65536:
        _err("--port: eine Zahl von 1 bis 65535.")
        return 2
    paths = Paths.from_env()
    _dagster_home(paths)
    workspace = config.REPO_ROOT / "workspace.yaml"
    # `dagster dev` empfiehlt bei jedem Start auf Englisch `dg dev` (Paket dagster-dg-cli, hier nicht installiert;
    # es startet dieselben Dienste): diese eine Warnung wird unterdrückt
    command = [sys.executable, "-W", f"ignore:{DG_DEV_WARNUNG}", "-m", "dagster", "dev", "-w", str(workspace),
               "-h", "127.0.0.1", "-p", str(args.port)]
    windows = sys.platform == "win32"
    started = time.monotonic()
    proc = subprocess.Popen(command, cwd=config.REPO_ROOT, start_new_session=not windows,
                            creationflags=subprocess.CREATE_NEW_PROCESS_GROUP if windows else 0)
    _err(f"Dagster-Oberfläche: http://127.0.0.1:{args.port} (beenden mit Strg+C)")
    beenden: list[int] = []

    def weiterleiten(signum, frame) -> None:
        if not beenden:  # nur einmal: ein zweites SIGINT bräche das geordnete Beenden von `dagster dev` ab
            proc.send_signal(signal.CTRL_BREAK_EVENT if windows else signal.SIGINT)
        beenden.append(signum)

    vorher = {sig: signal.signal(sig, weiterleiten) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        code = proc.wait()
    finally:
        for sig, handler in vorher.items():
            signal.signal(sig, handler)
        if not windows:
            _reste_beenden(proc.pid)
    if beenden:
        _err(f"Beendet nach {time.monotonic() - started:.0f} s.")
        return 0
    return code


def _reste_beenden(gruppe: int, warten_s: float = 10.0) -> None:
    """Wartet, bis kein Prozess der Gruppe `gruppe` mehr läuft; beendet, was danach noch lebt (erst SIGTERM,
    dann SIGKILL)."""
    import signal

    for sig in (None, signal.SIGTERM, signal.SIGKILL):
        if sig is not None:
            try:
                os.killpg(gruppe, sig)
            except ProcessLookupError:
                return
        ende = time.monotonic() + warten_s
        while time.monotonic() < ende:
            try:
                os.killpg(gruppe, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)


def cmd_sql(args: argparse.Namespace) -> int:
    """Shell auf der Analysekopie; Exit-Code der Shell (1: Datei fehlt oder eine Anweisung scheiterte)."""
    from sozial_dwh.sql_shell import run_shell

    return run_shell(Paths.from_env().analyse, befehl=args.befehl)


def cmd_templates(args: argparse.Namespace) -> int:
    from sozial_dwh.reference import ReferenceError, load_gebiete
    from sozial_dwh.templates import TEMPLATES_DIRNAME, write_templates

    folder = args.dir or Paths.from_env().home / TEMPLATES_DIRNAME
    try:
        gebiete = load_gebiete(config.reference_dir())
    except ReferenceError as exc:
        _err(f"Warnung: Gebietsgliederung nicht lesbar ({exc}); Vorlagen ohne Gebietslisten.")
        gebiete = []
    files = write_templates(folder, gebiete)
    print(f"{len(files)} Vorlagen geschrieben nach {folder}:")
    for path in files:
        print(f"  {path.name}")
    return 0
