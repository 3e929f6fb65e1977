"""sozial_dwh – Data Warehouse für die integrierte Sozialplanung.

Die Bibliothek (Leser, Verträge, Lager-Zugriff, Beispieldaten, CLI) kennt Dagster nicht;
`pipelines/` verdrahtet sie zu Assets.
"""

__version__ = "0.1.0"
