"""Gruppennamen je Schicht (klein geschrieben, wie in der Dagster-Oberfläche)."""

GROUP_INGEST = "ingest"
GROUP_STAGING = "staging"
GROUP_CORE = "core"
GROUP_MART = "mart"
GROUP_BERICHT = "bericht"

LAYER_GROUPS = {
    "staging": GROUP_STAGING,
    "core": GROUP_CORE,
    "mart": GROUP_MART,
    "bericht": GROUP_BERICHT,
}

# Schritte, die DuckDB schreiben, tragen diesen Tag: im Lauf mit mehreren Prozessen nie zwei gleichzeitig
# (pipelines/executor.py; DuckDB hat je Datei einen schreibenden Prozess)
SCHREIBT = "sozial_dwh/schreibt"
SCHREIBT_WAREHOUSE = "warehouse"
SCHREIBER_TAGS = {SCHREIBT: SCHREIBT_WAREHOUSE}
# Schritte, die mit Great Expectations prüfen: ein Lauf mit solchen Schritten startet zu Beginn den Prüfprozess
# (sozial_dwh.validation.pruefen.pruefprozess_starten), der GX lädt, während dieser Prozess liest
PRUEFT = "sozial_dwh/prueft"

# Zahl der Lesestränge (pipelines/assets/lesen.py): fest; mehr Stränge als Prozesse kosten wenig, gleichen aber
# ungleich große Dateien aus
STRAENGE = 4
