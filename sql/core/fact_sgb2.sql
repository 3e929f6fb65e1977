-- Partition: stichtag
-- SGB II je Stichtag × Gebiet × Merkmal (Bedarfsgemeinschaften, Leistungsberechtigte, ELB, NEF, NEF unter 15,
-- Leistungsberechtigte unter 18, Alleinerziehende BG). „ohne Zuordnung“ ist ein Pseudo-Gebiet der Gemeinde.
-- anzahl NULL = vom Lieferanten gesperrt oder unbekannt (kennzeichen nennt den Grund).
create or replace table core.fact_sgb2 as
select stichtag, gebiet_id, merkmal, anzahl, kennzeichen, datei_id
from staging.stg_sgb2;
