-- Berichtstabelle „Zeitreihe“: SGB-II-Quote und Arbeitslosenanteil je Sozialraum und Gemeinde an allen
-- Stichtagen bis zum Stichtag der Ausgabe (heutige Gebietsgliederung). Parameter: $stichtag.
with

w as (
    select * from mart.indikator_werte
    where stichtag <= $stichtag and ebene in ('sozialraum', 'gemeinde')
      and indikator_id in ('sgb2_quote', 'arbeitslosenanteil')
),

raeume as (
    select gebiet_id, ebene, name, gemeinde_id from core.dim_gebiet where ebene in ('sozialraum', 'gemeinde')
)

select
    w.stichtag,
    w.ebene,
    w.gebiet_id as raum_id,
    case when w.ebene = 'gemeinde' then 'Gemeinde ' || any_value(r.name) else any_value(r.name) end as raum,
    any_value(r.gemeinde_id) as gemeinde_id,
    max(w.zaehler) filter (where w.indikator_id = 'sgb2_quote') as leistungsberechtigte,
    max(w.wert) filter (where w.indikator_id = 'sgb2_quote') as sgb2_quote,
    max(w.zaehler) filter (where w.indikator_id = 'arbeitslosenanteil') as arbeitslose,
    max(w.wert) filter (where w.indikator_id = 'arbeitslosenanteil') as arbeitslosenanteil,
from w
inner join raeume as r on r.gebiet_id = w.gebiet_id and r.ebene = w.ebene
group by w.stichtag, w.ebene, w.gebiet_id
order by w.stichtag, gemeinde_id, w.ebene desc, w.gebiet_id
