-- Tabellenkommentare für Tabellen, die keine Modelldatei haben (Python schreibt in sie; angelegt in
-- sql/init/warehouse.sql bzw. sozial_dwh/bericht/ausgabe.py). Die Modelle unter sql/core/ usw. bekommen ihren
-- Kopfkommentar (dieselbe Beschreibung wie ihr Asset), sofern sie keinen eigenen Kommentar setzen.
with

tabellen (schema_name, table_name, kommentar) as (
    values
        ('ops', 'dateien', 'Dateiregister: eine Zeile je gesehener Datei mit Quelle, Stichtagen, Status (geladen, abgelehnt, ersetzt), Meldungen und Ablage. Jede Zeile im Warehouse verweist über datei_id hierher.'),
        ('ops', 'pruefungen', 'Ergebnisse aller Prüfregeln (Great Expectations) aller Läufe: eine Zeile je Lauf × Tabelle × Prüfung mit Zahl der geprüften, verletzenden und in Quarantäne verschobenen Zeilen und Beispielen.'),
        ('quarantine', 'zeilen', 'Zurückgehaltene Zeilen: eine Zeile je Zeile einer Lieferung, die nicht geladen wurde, mit Datei, Fundstelle (Blatt, Zeile, Spalte), Wert und Grund. Sie fehlen in staging, core und mart.'),
        ('bericht', 'ausgaben', 'Register der gebauten Ausgaben des Sozialberichts: eine Zeile je Ausgabe mit Stichtag, Status, Zeitpunkt, Ordner der Dateien und Prüfsumme.')
)

select * from tabellen
