"""Prüfungen der Staging-Daten mit Great Expectations (DESIGN §9): Regeln, Ausführung, Bericht."""
