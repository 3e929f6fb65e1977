-- Sozialraumkonferenzen: eine Zeile je Konferenz (je geladener Arbeitsmappe). konferenz_id = AGS und Datum.
create or replace table core.dim_konferenz as
select
    gemeinde_id || '-' || strftime(datum, '%Y-%m-%d') as konferenz_id,
    datum,
    stand,
    titel,
    ort,
    format,
    sozialraeume,
    gemeinde_id,
    datei_id,
    dateiname,
from staging.stg_konferenz_veranstaltung
order by gemeinde_id, datum;
