"""Dateien lesen: Arbeitsmappen und CSV (workbook), Kopfzeilen und Fußnoten (table)."""
