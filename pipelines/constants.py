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
