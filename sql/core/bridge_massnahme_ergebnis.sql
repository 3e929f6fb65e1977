-- Welche Ergebnisse eine Maßnahme aufgreift („Bezug Ergebnis“). Eine Nr verweist auf das Ergebnis derselben
-- Mappe; gibt es dort keines, auf das Ergebnis mit dieser Nr der letzten früheren Konferenz derselben Gemeinde
-- (Sachstandsmappen nennen die Nummern der ursprünglichen Konferenz). Nicht auffindbare Nummern bleiben mit
-- ergebnis_id NULL und Hinweis stehen.
create or replace table core.bridge_massnahme_ergebnis as
with

bezuege as (
    select distinct
        m.massnahme_id,
        m.gemeinde_id,
        m.konferenz_id,
        m.konferenz_datum,
        trim(unnest(m.bezug_ergebnis)) as ergebnis_nr,
    from core.fact_massnahmen_meldungen as m
    where m.bezug_ergebnis is not null
),

kandidaten as (
    select
        b.massnahme_id,
        b.ergebnis_nr,
        e.ergebnis_id,
        row_number() over (
            partition by b.massnahme_id, b.konferenz_id, b.ergebnis_nr
            order by (e.konferenz_id = b.konferenz_id) desc, e.datum desc
        ) as rang,
    from bezuege as b
    left join core.fact_konferenz_ergebnisse as e
        on e.gemeinde_id = b.gemeinde_id and e.nr = b.ergebnis_nr and e.datum <= b.konferenz_datum
)

select distinct
    massnahme_id,
    ergebnis_nr,
    ergebnis_id,
    case when ergebnis_id is null
        then 'Ergebnis Nr ' || ergebnis_nr || ' ist in keiner Konferenz-Mappe bis zu dieser Meldung enthalten' end
        as hinweis,
from kandidaten
where rang = 1
order by massnahme_id, ergebnis_nr;
