"""sozial_dwh – Data Warehouse für die integrierte Sozialplanung.

Die Bibliothek (Leser, Verträge, Lager-Zugriff, Beispieldaten) kennt weder Dagster noch `pipelines/`;
`pipelines/` verdrahtet sie zu Assets. Über beiden steht nur die Kommandozeile `sozial_dwh.cli`.
"""

__version__ = "0.1.0"
