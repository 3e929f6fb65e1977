"""`sozial-dwh bench --bombe GIB`: Speicherbedarf eines Laufs mit einer ZIP-Bombe im Eingang.

Die Bombe ist eine gültige Arbeitsmappe, deren Blatt-XML tatsächlich GIB GiB größer ist (Leerzeichen), während der
lokale Kopf und das Inhaltsverzeichnis der ZIP-Datei Größe und Prüfsumme des ursprünglichen Blatts angeben – die
Größenangaben lügen, ein Prüfer, der ihnen traut, lässt sie durch (python-calamine entpackte dann alles). Gemessen werden zwei Läufe von `sozial-dwh run`,
je in einem frischen `SOZIAL_DWH_HOME` und `DAGSTER_HOME` mit dem Beispiel-Gebiet: einmal nur mit einer guten Datei
(Bevölkerung 31.12.2021 aus `sozial-dwh demo`), einmal mit derselben Datei und der Bombe (gebaut aus der
Bevölkerung 31.12.2018, die Füllung im größten Blatt). Der höchste belegte
Arbeitsspeicher (RSS) jedes Laufs kommt von `/usr/bin/time -v` („Maximum resident set size“), wo es das gibt, sonst
von `getrusage(RUSAGE_CHILDREN)` – beides misst den Prozess des Laufs. Geprüft wird auch das Ergebnis: die Bombe ist
abgelehnt (mit der Meldung der Vorabprüfung), die gute Datei geladen.
"""

from __future__ import annotations

import io
import json
import os
import re
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

from sozial_dwh import config

BOMB_NAME = "bevoelkerung_2020-12-31.xlsx"
TIME = Path("/usr/bin/time")
ZIEL_MB = 700.0


def largest_sheet(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [i for i in archive.infolist() if i.filename.startswith("xl/worksheets/")]
        return max(sheets, key=lambda info: info.file_size).filename


def lying_bomb(valid: bytes, gib: float, part: str | None = None) -> bytes:
    """`valid` neu gepackt: `part` enthält tatsächlich `gib` GiB Leerzeichen mehr, Kopf und Inhaltsverzeichnis geben
    Größe und Prüfsumme des ursprünglichen Teils an. Der gepackte Datenstrom wiederholt einen Block (Z_FULL_FLUSH
    setzt den Kompressor zurück, jeder Block packt gleich): so entstehen auch viele GiB in Sekunden."""
    part = part or largest_sheet(valid)
    source = zipfile.ZipFile(io.BytesIO(valid))
    original = source.read(part)
    head, tail = original.split(b"<sheetData>", 1)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = packer.compress(head + b"<sheetData>") + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(b" " * (1 << 20)) + packer.flush(zlib.Z_FULL_FLUSH)
    end = packer.compress(tail) + packer.flush()
    compressed = start + block * int(gib * 1024) + end
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != part:
                target.writestr(info.filename, source.read(info))
    data = out.getvalue()
    eocd = data.rindex(b"PK\x05\x06")
    count, _, directory_start = struct.unpack("<HII", data[eocd + 10:eocd + 20])
    body, directory = data[:directory_start], data[directory_start:eocd]
    name, crc, size = part.encode(), zlib.crc32(original), len(original)
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(compressed), size, len(name), 0)
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(compressed), size,
                          len(name), 0, 0, 0, 0, 0, len(body))
    directory += central + name
    body += local + name + compressed
    return body + directory + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count + 1, count + 1, len(directory),
                                          len(body), 0)


def _demo_files(folder: Path) -> tuple[Path, Path]:
    """(gute Datei, Vorlage der Bombe) aus den Beispieldaten."""
    from sozial_dwh.demo import write_demo

    files = {p.name: p for p in write_demo(folder / "demo")}
    return files["bevoelkerung_2021-12-31.xlsx"], files["bevoelkerung_2018-12-31.xlsx"]


def _measured_run(home: Path) -> dict:
    env = {**os.environ, "SOZIAL_DWH_HOME": str(home), "DAGSTER_HOME": str(home / "dagster"),
           "SOZIAL_DWH_SCHREIBPAUSE_S": "0"}
    env.pop("SOZIAL_DWH_REFERENCE", None)  # das Beispiel-Gebiet aus data/reference
    (home / "dagster").mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "sozial_dwh", "run"]
    use_time = TIME.exists()
    clock = time.monotonic()
    proc = subprocess.run([str(TIME), "-v", *command] if use_time else command, env=env, cwd=config.REPO_ROOT,
                          capture_output=True, text=True)
    seconds = time.monotonic() - clock
    if use_time:
        match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
        peak_kib = int(match[1]) if match else 0
    else:
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        peak_kib //= 1024 if sys.platform == "darwin" else 1
    return {"exit": proc.returncode, "peak_rss_mb": round(peak_kib / 1024, 1), "sekunden": round(seconds, 1),
            "messung": "/usr/bin/time -v" if use_time else "getrusage(RUSAGE_CHILDREN)",
            "stderr_ende": proc.stderr[-2000:]}


def _register(home: Path) -> list[tuple]:
    import duckdb

    with duckdb.connect(str(home / "warehouse" / config.WAREHOUSE_FILE), read_only=True) as con:
        return con.execute("select dateiname, status, meldungen from ops.dateien order by datei_id").fetchall()


def run_bomb_bench(gib: float = 4.0, ordner: Path | None = None, behalten: bool = False,
                   progress: Callable[[str], None] = print) -> dict:
    root = Path(tempfile.mkdtemp(prefix="sozial_dwh_bombe_", dir=ordner))
    try:
        good, template = _demo_files(root)
        part = largest_sheet(template.read_bytes())
        bomb = lying_bomb(template.read_bytes(), gib, part)
        info = zipfile.ZipFile(io.BytesIO(bomb)).getinfo(part)
        progress(f"ZIP-Bombe: {len(bomb) / 1e6:.1f} MB gepackt, laut Inhaltsverzeichnis {info.file_size} Bytes "
                 f"entpackt, tatsächlich über {gib:g} GiB.")
        ergebnis: dict = {"bombe_gib": gib, "bombe_gepackt_bytes": len(bomb), "bombe_angegeben_bytes": info.file_size}
        for art in ("ohne_bombe", "mit_bombe"):
            home = root / art
            (home / "inbox").mkdir(parents=True)
            shutil.copy2(good, home / "inbox" / good.name)
            if art == "mit_bombe":
                (home / "inbox" / BOMB_NAME).write_bytes(bomb)
            progress(f"Lauf {art.replace('_', ' ')} …")
            lauf = _measured_run(home)
            if lauf["exit"] != 0:
                raise RuntimeError(f"Lauf {art} gescheitert (Exit {lauf['exit']}):\n{lauf['stderr_ende']}")
            lauf["dateien"] = [(name, status) for name, status, _ in _register(home)]
            if art == "mit_bombe":
                meldung = next((m for name, status, m in _register(home) if name == BOMB_NAME), "")
                lauf["bombe_meldung"] = meldung
                if "laut Inhaltsverzeichnis" not in meldung:
                    raise RuntimeError(f"Die Bombe wurde nicht von der Vorabprüfung abgelehnt: {meldung!r}")
            del lauf["stderr_ende"]
            ergebnis[art] = lauf
        ergebnis["ziel_mb"] = ZIEL_MB
        ergebnis["erfuellt"] = ergebnis["mit_bombe"]["peak_rss_mb"] <= ZIEL_MB
        return ergebnis
    finally:
        if behalten:
            progress(f"Arbeitsordner bleibt erhalten: {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


def zusammenfassung(ergebnis: dict) -> str:
    def de(value: float) -> str:
        return f"{value:,.1f}".replace(",", "X").replace(".", ",").replace("X", ".")

    ohne, mit = ergebnis["ohne_bombe"], ergebnis["mit_bombe"]
    return "\n".join([
        f"Speicher eines Laufs mit ZIP-Bombe (tatsächlich {ergebnis['bombe_gib']:g} GiB, laut Inhaltsverzeichnis "
        f"{ergebnis['bombe_angegeben_bytes']} Bytes, gepackt {de(ergebnis['bombe_gepackt_bytes'] / 1e6)} MB), "
        f"gemessen mit {mit['messung']}:",
        f"  ohne Bombe: höchstens {de(ohne['peak_rss_mb'])} MB RSS, {de(ohne['sekunden'])} s",
        f"  mit Bombe:  höchstens {de(mit['peak_rss_mb'])} MB RSS, {de(mit['sekunden'])} s "
        f"(Ziel höchstens {de(ergebnis['ziel_mb'])} MB: {'erfüllt' if ergebnis['erfuellt'] else 'NICHT erfüllt'})",
        f"  Dateien: {', '.join(f'{n} {s}' for n, s in mit['dateien'])}",
        f"  Meldung zur Bombe: {mit['bombe_meldung'][:240]}…",
    ])


if __name__ == "__main__":  # python -m pipelines.bench_bombe [GIB]
    result = run_bomb_bench(float(sys.argv[1]) if len(sys.argv) > 1 else 4.0, progress=lambda m: print(m, file=sys.stderr))
    print(zusammenfassung(result))
    print(json.dumps(result, ensure_ascii=False, indent=2))
