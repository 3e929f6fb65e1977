-- Partition: stichtag
-- Arbeitslose je Stichtag × Gebiet × Rechtskreis (sgb2, sgb3, insgesamt) × Merkmal (insgesamt,
-- langzeitarbeitslos, unter25, 55plus) – Zellen so fein, wie die Quelle sie liefert.
create or replace table core.fact_arbeitslose as
select stichtag, gebiet_id, rechtskreis, merkmal, anzahl, kennzeichen, datei_id
from staging.stg_arbeitslose;
