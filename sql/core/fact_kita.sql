-- Kindertageseinrichtungen je Stichtag (01.03.) mit Gebiet, Träger und genehmigten Plätzen U3 und Ü3.
-- Plätze NULL mit Kennzeichen: gesperrt/unbekannt, oder `nicht_geliefert` (Spalte fehlte in der Lieferung).
create or replace table core.fact_kita as
select
    stichtag, gebiet_id, einrichtung, traeger, adresse, plaetze_u3, kennzeichen_u3, plaetze_ue3, kennzeichen_ue3,
    datei_id,
from staging.stg_kita;
