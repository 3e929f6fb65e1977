"""Berichtsausgaben des Sozialberichts (architektur.md §10): Tabellen, Geheimhaltung, Excel, CSV, Grafiken."""
