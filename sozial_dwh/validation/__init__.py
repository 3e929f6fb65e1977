"""Prüfungen der Staging-Daten mit Great Expectations (architektur.md §9): Regeln, Ausführung, Bericht."""
