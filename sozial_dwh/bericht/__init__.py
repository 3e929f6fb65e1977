"""Berichtsausgaben des Sozialberichts (DESIGN §10): Tabellen, Geheimhaltung, Excel, CSV, Grafiken."""
