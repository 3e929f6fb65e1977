-- Zahl der benannten Bedarfe (Ergebnisse der Art „Bedarf“) je Konferenz: für jeden Sozialraum der Konferenz
-- (0, wenn dort kein Bedarf benannt wurde) und für die Gemeinde (alle Bedarfe der Konferenz, auch die
-- gesamtstädtischen). Stichtag ist das Datum der Konferenz (architektur.md §8, bedarfe_anzahl). Diese Größe liegt direkt
-- auf Sozialraum- und Gemeindeebene vor, nicht je Gebiet.
create or replace table core.groessen_konferenz as
with

konferenz_raeume as (
    select konferenz_id, datum, gemeinde_id, unnest(sozialraeume) as sozialraum_id
    from core.dim_konferenz
    union
    select konferenz_id, datum, gemeinde_id, sozialraum_id
    from core.fact_konferenz_ergebnisse
    where sozialraum_id is not null
),

sozialraeume as (
    select
        r.datum as stichtag,
        'sozialraum' as ebene,
        r.sozialraum_id as gebiet_id,
        'konferenz_bedarfe' as groesse,
        count(e.ergebnis_id) as anzahl,
        'Sozialraumkonferenz vom ' || strftime(r.datum, '%d.%m.%Y') as hinweis,
        'konferenz' as quelle,
    from konferenz_raeume as r
    inner join core.dim_gebiet as g on g.gebiet_id = r.sozialraum_id and g.ebene = 'sozialraum'
    left join core.fact_konferenz_ergebnisse as e
        on e.konferenz_id = r.konferenz_id and e.sozialraum_id = r.sozialraum_id and e.art = 'Bedarf'
    group by r.datum, r.sozialraum_id
),

gemeinden as (
    select
        k.datum as stichtag,
        'gemeinde' as ebene,
        k.gemeinde_id as gebiet_id,
        'konferenz_bedarfe' as groesse,
        count(e.ergebnis_id) as anzahl,
        'Sozialraumkonferenz vom ' || strftime(k.datum, '%d.%m.%Y') || ' (alle Bedarfe, auch gesamtstädtische)' as hinweis,
        'konferenz' as quelle,
    from core.dim_konferenz as k
    left join core.fact_konferenz_ergebnisse as e on e.konferenz_id = k.konferenz_id and e.art = 'Bedarf'
    group by k.datum, k.gemeinde_id
)

select * from sozialraeume
union all
select * from gemeinden
order by stichtag, ebene, gebiet_id;
