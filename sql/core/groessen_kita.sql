-- Plätze der Kindertagesbetreuung je Gebiet (kita_plaetze_u3, kita_plaetze_ue3). Die Plätze zum 01.03. eines
-- Jahres werden den Kindern am 31.12. des Vorjahres gegenübergestellt (letzter Bevölkerungsstand davor):
-- `stichtag` ist daher der 31.12. des Vorjahres. Gebiete ohne Einrichtung haben 0 Plätze. Einrichtungen ohne
-- Gebietszuordnung (Pseudo-Gebiet „ohne Zuordnung“) bleiben erhalten: sie zählen in der Gemeinde, in keinem
-- Gebiet (DESIGN §5.2).
create or replace table core.groessen_kita as
with

lieferungen as (
    select distinct
        stichtag as platz_stichtag,
        cast(make_date(year(stichtag) - 1, 12, 31) as date) as stichtag,
    from core.fact_kita
),

gebiete as (
    select l.platz_stichtag, l.stichtag, d.gebiet_id
    from lieferungen as l
    inner join core.dim_gebiet as d
        on d.ebene = 'gebiet' and not d.ist_pseudo
        and l.platz_stichtag >= d.gueltig_ab and l.platz_stichtag <= coalesce(d.gueltig_bis, date '9999-12-31')
    union
    select distinct l.platz_stichtag, l.stichtag, k.gebiet_id
    from lieferungen as l
    inner join core.fact_kita as k on k.stichtag = l.platz_stichtag
    inner join core.dim_gebiet as d on d.gebiet_id = k.gebiet_id and d.ebene = 'gebiet' and d.ist_pseudo
),

plaetze as (
    select
        stichtag as platz_stichtag,
        gebiet_id,
        case when bool_and(plaetze_u3 is not null) then sum(plaetze_u3) end as u3,
        case when bool_and(plaetze_ue3 is not null) then sum(plaetze_ue3) end as ue3,
    from core.fact_kita
    group by all
),

final as (
    select
        g.stichtag,
        g.gebiet_id,
        groesse,
        case groesse when 'kita_plaetze_u3' then coalesce(p.u3, case when p.gebiet_id is null then 0 end)
                     else coalesce(p.ue3, case when p.gebiet_id is null then 0 end) end as anzahl,
        'Plätze zum ' || strftime(g.platz_stichtag, '%d.%m.%Y') as hinweis,
    from gebiete as g
    cross join (values ('kita_plaetze_u3'), ('kita_plaetze_ue3')) as namen (groesse)
    left join plaetze as p using (platz_stichtag, gebiet_id)
)

select * from final;
