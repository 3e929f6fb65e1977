"""Great Expectations laden ohne, was keine Regel braucht (Issue 17, feste Kosten eines Laufs): `scipy.stats` wird
erst beim ersten Gebrauch ausgeführt; die Prüfungen selbst laufen unverändert mit GX."""

import json
import subprocess
import sys

from sozial_dwh.config import REPO_ROOT

# in einem frischen Prozess: im Testprozess kann scipy.stats schon geladen sein
SKRIPT = """
import json, sys
import pandas as pd
from sozial_dwh.validation import pruefen
from sozial_dwh.validation.regeln import Regel

regel = Regel("probe_nicht_negativ", "staging.probe", "probe", "ExpectColumnValuesToBeBetween",
              {"column": "anzahl", "min_value": 0}, zeilenweise=True, spalte="anzahl")
frame = pd.DataFrame({"zeilen_id": [1, 2, 3], "anzahl": [4, -1, 0]})
ergebnis = pruefen.validieren_hier(frame, [regel], {}, "probe")["probe_nicht_negativ"]
vorher = type(sys.modules["scipy.stats"]).__name__
import scipy.stats
wert = float(scipy.stats.norm.cdf(0.0))  # erster Gebrauch: jetzt wird das Modul ausgeführt
print(json.dumps({"erfolg": ergebnis["success"], "fehlzeilen": ergebnis["result"]["unexpected_count"],
                  "vorher": vorher, "nachher": type(sys.modules["scipy.stats"]).__name__, "wert": wert,
                  "gx": "great_expectations.expectations" in sys.modules}))
"""


def test_scipy_stats_erst_bei_gebrauch():
    proc = subprocess.run([sys.executable, "-c", SKRIPT], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    aus = json.loads(proc.stdout.strip().splitlines()[-1])
    # die Prüfung lief mit GX: eine von drei Zeilen (-1) unter 0
    assert aus["gx"] is True
    assert aus["erfolg"] is False and aus["fehlzeilen"] == 1
    # scipy.stats war nach Import und Prüfung noch nicht ausgeführt, danach auf Zugriff vollständig
    assert aus["vorher"] == "_LazyModule"
    assert aus["nachher"] == "module"
    assert aus["wert"] == 0.5  # Normalverteilung bei 0: genau die Hälfte
