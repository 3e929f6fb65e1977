"""Dagster-Code-Location von sozial_dwh: `pipelines.definitions.defs` ist der einzige Einstiegspunkt."""
