-- Teilnahme an den Konferenzen: eine Zeile je Organisation, Sektor und Sozialraum (bzw. Gesamtstadt) einer
-- Konferenz mit der Zahl der Teilnehmenden. Personen sind nur gezählt; Namen und E-Mails werden nie geladen.
create or replace table core.fact_konferenz_teilnahme as
select
    k.konferenz_id,
    t.datum,
    t.gemeinde_id,
    t.organisation,
    t.sektor,
    coalesce(t.raum_id, t.gemeinde_id) as raum_id,
    coalesce(t.raum_ebene, 'gemeinde') as raum_ebene,
    count(*) as teilnehmende,
from staging.stg_konferenz_teilnehmende as t
inner join core.dim_konferenz as k using (datei_id)
group by all
order by k.konferenz_id, raum_id, t.sektor, t.organisation;
