-- Berichtstabelle „Arbeitslosigkeit“ je Sozialraum und für die Gemeinde. Parameter: $stichtag.
with

w as (
    select * from mart.indikator_werte where stichtag = $stichtag and ebene in ('sozialraum', 'gemeinde')
),

raeume as (
    select gebiet_id, ebene, name, gemeinde_id from core.dim_gebiet where ebene in ('sozialraum', 'gemeinde')
)

select
    w.ebene,
    w.gebiet_id as raum_id,
    case when w.ebene = 'gemeinde' then 'Gemeinde ' || any_value(r.name) else any_value(r.name) end as raum,
    any_value(r.gemeinde_id) as gemeinde_id,
    max(w.zaehler) filter (where w.indikator_id = 'arbeitslosenanteil') as arbeitslose,
    max(w.wert) filter (where w.indikator_id = 'arbeitslosenanteil') as arbeitslosenanteil,
    max(w.veraenderung_bericht) filter (where w.indikator_id = 'arbeitslosenanteil') as arbeitslosenanteil_veraenderung,
    max(w.zaehler) filter (where w.indikator_id = 'langzeitarbeitslosenanteil') as langzeitarbeitslose,
    max(w.wert) filter (where w.indikator_id = 'langzeitarbeitslosenanteil') as langzeitarbeitslosenanteil,
    max(w.zaehler) filter (where w.indikator_id = 'jugendarbeitslosenanteil') as arbeitslose_u25,
    max(w.wert) filter (where w.indikator_id = 'jugendarbeitslosenanteil') as jugendarbeitslosenanteil,
from w
inner join raeume as r on r.gebiet_id = w.gebiet_id and r.ebene = w.ebene
group by w.ebene, w.gebiet_id
order by gemeinde_id, w.ebene desc, w.gebiet_id
