-- Partition: stichtag
-- Weitere Merkmale je Stichtag × Gebiet × Merkmal × Geschlecht × Altersband (alter_von/alter_bis; 0/NULL = alle
-- Alter), erklärt in data/reference/merkmale.csv. art sagt, wie ein Wert verwendet werden darf: anzahl und saldo
-- werden zu höheren Ebenen summiert, wert (Mittelwert, Quote, Index) gilt nur für das gelieferte Gebiet.
-- wert NULL = vom Lieferanten gesperrt oder unbekannt (kennzeichen nennt den Grund).
create or replace table core.fact_merkmale as
select stichtag, gebiet_id, merkmal, geschlecht, alter_von, alter_bis, art, einheit, wert, kennzeichen, datei_id
from staging.stg_merkmale;
