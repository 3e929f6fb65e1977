-- Plätze der Kindertagesbetreuung je Gebiet (kita_plaetze_u3, kita_plaetze_ue3). Die Plätze zum 01.03. eines
-- Jahres werden den Kindern am 31.12. des Vorjahres gegenübergestellt (letzter Bevölkerungsstand davor):
-- `stichtag` ist daher der 31.12. des Vorjahres. Gebiete ohne Einrichtung haben 0 Plätze (unbekannt, wenn
-- der Lieferung die Platzspalte fehlte). Einrichtungen ohne
-- Gebietszuordnung (Pseudo-Gebiet „ohne Zuordnung“) bleiben erhalten: sie zählen in der Gemeinde, in keinem
-- Gebiet (architektur.md §5.2).
create or replace table core.groessen_kita as
with

-- Fehlte einer Lieferung eine Platzspalte ganz, sind auch Gebiete ohne Einrichtung unbekannt statt 0.
lieferungen as (
    select
        stichtag as platz_stichtag,
        cast(make_date(year(stichtag) - 1, 12, 31) as date) as stichtag,
        bool_and(kennzeichen_u3 is distinct from 'nicht_geliefert') as u3_geliefert,
        bool_and(kennzeichen_ue3 is distinct from 'nicht_geliefert') as ue3_geliefert,
    from core.fact_kita
    group by all
),

gebiete as (
    select l.platz_stichtag, l.stichtag, l.u3_geliefert, l.ue3_geliefert, d.gebiet_id
    from lieferungen as l
    inner join core.dim_gebiet as d
        on d.ebene = 'gebiet' and not d.ist_pseudo
        and l.platz_stichtag >= d.gueltig_ab and l.platz_stichtag <= coalesce(d.gueltig_bis, date '9999-12-31')
    union
    select distinct l.platz_stichtag, l.stichtag, l.u3_geliefert, l.ue3_geliefert, k.gebiet_id
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
        case groesse when 'kita_plaetze_u3' then coalesce(p.u3, case when p.gebiet_id is null and g.u3_geliefert then 0 end)
                     else coalesce(p.ue3, case when p.gebiet_id is null and g.ue3_geliefert then 0 end) end as anzahl,
        'Plätze zum ' || strftime(g.platz_stichtag, '%d.%m.%Y') as hinweis,
        'kita' as quelle,
        true as alle_gebiete,  -- jedes Gebiet steht hier selbst (ohne Einrichtung: 0 Plätze), siehe oben
    from gebiete as g
    cross join (values ('kita_plaetze_u3'), ('kita_plaetze_ue3')) as namen (groesse)
    left join plaetze as p using (platz_stichtag, gebiet_id)
)

select * from final;
