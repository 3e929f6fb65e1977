-- Berichtstabelle „Kinderbetreuung“: Plätze zum 01.03. des Folgejahres gegenüber den Kindern am Stichtag,
-- je Sozialraum und für die Gemeinde. Parameter: $stichtag.
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
    max(w.nenner) filter (where w.indikator_id = 'kita_versorgung_u3') as kinder_u3,
    max(w.zaehler) filter (where w.indikator_id = 'kita_versorgung_u3') as plaetze_u3,
    max(w.wert) filter (where w.indikator_id = 'kita_versorgung_u3') as versorgung_u3,
    max(w.nenner) filter (where w.indikator_id = 'kita_versorgung_ue3') as kinder_3_5,
    max(w.zaehler) filter (where w.indikator_id = 'kita_versorgung_ue3') as plaetze_ue3,
    max(w.wert) filter (where w.indikator_id = 'kita_versorgung_ue3') as versorgung_ue3,
from w
inner join raeume as r on r.gebiet_id = w.gebiet_id and r.ebene = w.ebene
group by w.ebene, w.gebiet_id
order by gemeinde_id, w.ebene desc, w.gebiet_id
