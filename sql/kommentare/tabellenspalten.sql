-- Datenwörterbuch, Ausnahmen: Spalten, deren Name in einer bestimmten Tabelle etwas anderes oder mehr bedeutet als in
-- spalten.sql. Geht spalten.sql vor; ein Kommentar, den das Modell selbst setzt (sql/mart/*.sql), geht beiden vor.
-- Einträge für Tabellen, die es (noch) nicht gibt, bleiben ohne Wirkung.
with

ausnahmen (schema_name, table_name, spalte, kommentar) as (
    values
        -- Dimensionen
        ('core', 'dim_gebiet', 'name', 'Name der Einheit (Gebiet, Sozialraum, Stadtbezirk oder Gemeinde).'),
        ('core', 'dim_gebiet', 'sozialraum_id', 'Sozialraum, zu dem das Gebiet gehört (bei einem Sozialraum er selbst); NULL bei Stadtbezirken, Gemeinden und „ohne Zuordnung“.'),
        ('core', 'dim_indikator', 'name', 'Name des Indikators.'),
        ('core', 'dim_indikator', 'quelle', 'Quelle(n) der Daten des Indikators, durch Semikolon getrennt (z. B. sgb2;grundsicherung).'),
        ('core', 'dim_indikator', 'zaehler', 'Größe des Zählers (groesse in core.groessen_*).'),
        ('core', 'dim_indikator', 'nenner', 'Größe des Nenners (groesse in core.groessen_*); NULL bei reinen Anzahlen.'),
        ('core', 'dim_stichtag', 'bericht_id', 'Ausgabe des Sozialberichts, deren Stichtag dies ist; NULL, wenn keine.'),
        ('core', 'dim_bericht', 'titel', 'Titel der Berichtsausgabe.'),
        ('core', 'dim_bericht', 'stichtag', 'Stichtag der Ausgabe: Datenstand aller ihrer Tabellen.'),
        ('core', 'dim_bericht', 'status', 'entwurf (wird bei jedem Lauf neu gebaut) oder freigegeben (eingefroren).'),
        ('core', 'dim_bericht', 'vergleich_stichtag', 'Stichtag der vorigen Ausgabe (vergleich_bericht_id), gegen den Veränderungen gerechnet werden.'),
        ('core', 'dim_konferenz', 'titel', 'Titel der Konferenz.'),
        ('core', 'dim_konferenz', 'sozialraeume', 'Sozialräume, für die die Konferenz stattfand (Schlüssel).'),

        -- Fakten und Größen
        ('core', 'fact_arbeitslose', 'merkmal', 'Merkmal: insgesamt, langzeitarbeitslos, unter25 oder 55plus.'),
        ('core', 'fact_sgb2', 'merkmal', 'Merkmal: bedarfsgemeinschaften, leistungsberechtigte, elb (erwerbsfähige LB), nef (nicht erwerbsfähige LB), nef_u15, lb_u18 (LB unter 18) oder bg_alleinerziehend.'),
        ('core', 'fact_kita', 'stichtag', 'Stichtag der Platzzahlen (01.03.); in den Indikatoren zählen sie zum 31.12. des Vorjahres (core.groessen_kita).'),
        ('core', 'groessen_kita', 'stichtag', '31.12. vor dem Stichtag der Platzzahlen (01.03.): die Plätze werden den Kindern dieses Tages gegenübergestellt.'),
        ('core', 'groessen_konferenz', 'stichtag', 'Datum der Konferenz.'),
        ('core', 'groessen_konferenz', 'ebene', 'Ebene, auf der die Größe direkt vorliegt: sozialraum oder gemeinde (nicht je Gebiet).'),
        ('core', 'bridge_massnahme_ergebnis', 'ergebnis_id', 'Ergebnis mit dieser Nr (in derselben Arbeitsmappe, sonst in der letzten früheren Konferenz der Gemeinde); NULL, wenn keines gefunden wurde (siehe hinweis).'),
        ('core', 'fact_merkmale', 'art', 'Art des Merkmals (merkmale.csv): anzahl und saldo werden zu höheren Ebenen summiert, wert (Mittelwert, Quote, Index) gilt nur für das gelieferte Gebiet.'),
        ('core', 'fact_merkmale', 'wert', 'Gelieferte Zahl; NULL = gesperrt oder unbekannt (Grund in kennzeichen).'),
        ('core', 'groessen_merkmale', 'anzahl', 'Anzahl bzw. Saldo (summierbar); NULL bei einem Wert der Art „wert“ (dann in wert) oder wenn nicht bildbar (Grund in hinweis).'),
        ('core', 'groessen_merkmale', 'wert', 'Wert der Art „wert“ (Mittelwert, Quote, Index; nicht summierbar); NULL bei Anzahlen und Salden.'),

        -- Betrieb
        ('ops', 'dateien', 'datei_id', 'Kennung der Datei (laufende Nummer); alle Tabellen mit datei_id verweisen hierher.'),
        ('ops', 'dateien', 'quelle', 'Quelle, als die die Datei erkannt wurde (bevoelkerung, sgb2, arbeitslose, grundsicherung, kita, konferenz, merkmale); NULL, wenn nicht erkennbar.'),
        ('ops', 'dateien', 'stichtag', 'Jüngster Stichtag der Datei (alle in stichtage).'),
        ('ops', 'dateien', 'status', 'geladen, abgelehnt (Gründe in meldungen und in rejected/<name>.fehler.txt) oder ersetzt (durch eine spätere Lieferung, siehe ersetzt_durch).'),
        ('ops', 'dateien', 'meldungen', 'Meldungen zur Datei, eine je Zeile: Gründe der Ablehnung, Warnungen (z. B. Summenzeilen, die nicht aufgehen) und Zeilen in Quarantäne.'),
        ('ops', 'pruefungen', 'beschreibung', 'Was die Prüfregel verlangt, in Worten.'),
        ('quarantine', 'zeilen', 'spalte', 'Spalte mit dem beanstandeten Wert: Überschrift in der Datei bzw. Spalte der Staging-Tabelle bei einer Prüfregel.'),
        ('quarantine', 'zeilen', 'wert', 'Der beanstandete Zellinhalt als Text.'),
        ('quarantine', 'zeilen', 'pruefung', 'Prüfregel, die die Zeile zurückhält (ops.pruefungen.pruefung); NULL, wenn sie schon beim Lesen der Datei zurückgehalten wurde.'),

        -- Berichtsausgaben
        ('bericht', 'ausgaben', 'titel', 'Titel der Berichtsausgabe.'),
        ('bericht', 'ausgaben', 'stichtag', 'Stichtag der Ausgabe: Datenstand aller ihrer Tabellen.'),
        ('bericht', 'ausgaben', 'status', 'entwurf (wird bei jedem Lauf neu gebaut) oder freigegeben (eingefroren).'),
        ('bericht', 'ausgaben', 'vergleich_stichtag', 'Stichtag der vorigen Ausgabe, gegen den Veränderungen gerechnet werden.'),
        ('bericht', 'massnahmen', 'titel', 'Titel der Maßnahme; bei offenen Bedarfen die Beschreibung des Bedarfs.'),
        ('bericht', 'massnahmen', 'sozialraeume', 'Sozialräume der aufgegriffenen Ergebnisse (Namen) bzw. „Gesamtstadt“.')
)

select * from ausnahmen
