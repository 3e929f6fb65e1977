-- Berichtstabelle „Arbeitslosigkeit“ je Sozialraum und für die Gemeinde. Parameter: $stichtag.
with

w as (
    -- dazu die Fallzahl am Stichtag der vorigen Ausgabe (Geheimhaltung der Veränderung, sozial_dwh/bericht/geheimhaltung.py)
    select w.*, v.zaehler as zaehler_vorher
    from mart.indikator_werte as w
    left join mart.indikator_werte as v
        on v.stichtag = (select max(b.vergleich_stichtag) from core.dim_bericht as b where b.stichtag = $stichtag)
        and v.ebene = w.ebene and v.gebiet_id = w.gebiet_id and v.indikator_id = w.indikator_id
    where w.stichtag = $stichtag and w.ebene in ('sozialraum', 'gemeinde')
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
    max(w.zaehler_vorher) filter (where w.indikator_id = 'arbeitslosenanteil') as arbeitslose_vorher,
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
