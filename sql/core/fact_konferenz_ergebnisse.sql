-- Ergebnisse der Konferenzen (Bedarf, Ressource, Maßnahmenvorschlag): eine Zeile je Ergebnis.
-- ergebnis_id = konferenz_id/Nr. Ein Ergebnis gilt für einen Sozialraum oder (raum_ebene 'gemeinde') die Gesamtstadt.
create or replace table core.fact_konferenz_ergebnisse as
select
    k.konferenz_id || '/' || e.nr as ergebnis_id,
    k.konferenz_id,
    e.datum,
    e.gemeinde_id,
    e.nr,
    e.ag,
    e.raum_id,
    e.raum_ebene,
    case when e.raum_ebene = 'sozialraum' then e.raum_id end as sozialraum_id,
    e.handlungsfeld,
    e.art,
    e.beschreibung,
    e.prioritaet,
    e.datei_id,
    e.blatt,
    e.zeile,
from staging.stg_konferenz_ergebnisse as e
inner join core.dim_konferenz as k using (datei_id)
order by e.gemeinde_id, e.datum, e.zeile;
