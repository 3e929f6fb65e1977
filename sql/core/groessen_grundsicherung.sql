-- Partition: stichtag
-- Mindestsicherungs-Größen je Stichtag × Gebiet: grusi_alter, grusi_em, hlu, asylblg (alle Alter; erklärt in
-- data/reference/groessen.csv). Gilt die
-- Zelle „alle Alter“ der Quelle; fehlt sie, die Summe der Altersbänder, wenn diese lückenlos von 0 bis offen
-- reichen – sonst NULL mit Hinweis (nie geschätzt, nichts doppelt).
create or replace table core.groessen_grundsicherung as
with

baender as (
    select
        *,
        lag(alter_bis) over (partition by stichtag, gebiet_id, leistungsart order by alter_von) as vorher_bis,
        row_number() over (partition by stichtag, gebiet_id, leistungsart order by alter_von) as nr,
    from core.fact_grundsicherung
    where not (alter_von = 0 and alter_bis is null)
),

aus_baendern as (
    select
        stichtag,
        gebiet_id,
        leistungsart,
        bool_and(case when nr = 1 then alter_von = 0 else alter_von = vorher_bis + 1 end)
            and count(*) filter (where alter_bis is null) = 1 as lueckenlos,
        case when bool_and(anzahl is not null) then sum(anzahl) end as anzahl,
    from baender
    group by all
),

alle_alter as (
    select stichtag, gebiet_id, leistungsart, anzahl
    from core.fact_grundsicherung
    where alter_von = 0 and alter_bis is null
),

-- erklärt in data/reference/groessen.csv (quelle = grundsicherung): welche Leistungsart welche Größe ist
namen as (
    select merkmal as leistungsart, groesse
    from raw.ref_groessen
    where quelle = 'grundsicherung'
),

final as (
    select
        coalesce(a.stichtag, b.stichtag) as stichtag,
        coalesce(a.gebiet_id, b.gebiet_id) as gebiet_id,
        n.groesse,
        case when a.leistungsart is not null then a.anzahl when b.lueckenlos then b.anzahl end as anzahl,
        case
            when a.leistungsart is not null and a.anzahl is null then 'Mindestsicherung: Wert in der Quelle gesperrt oder unbekannt'
            when a.leistungsart is null and not b.lueckenlos then 'Mindestsicherung: Altersgruppen der Quelle ergeben keine Summe aller Alter'
            when a.leistungsart is null and b.anzahl is null then 'Mindestsicherung: Wert in der Quelle gesperrt oder unbekannt'
        end as hinweis,
        'grundsicherung' as quelle,
    from alle_alter as a
    full outer join aus_baendern as b using (stichtag, gebiet_id, leistungsart)
    inner join namen as n on n.leistungsart = coalesce(a.leistungsart, b.leistungsart)
)

select * from final;
