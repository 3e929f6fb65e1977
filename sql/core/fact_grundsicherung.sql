-- Partition: stichtag
-- Empfängerinnen und Empfänger von Mindestsicherung je Stichtag × Gebiet × Leistungsart (grusi_alter,
-- grusi_em, hlu, asylblg) × Altersband (alter_von/alter_bis; 0/NULL = alle Alter).
create or replace table core.fact_grundsicherung as
select stichtag, gebiet_id, leistungsart, alter_von, alter_bis, anzahl, kennzeichen, datei_id
from staging.stg_grundsicherung;
