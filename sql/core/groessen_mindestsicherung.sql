-- Partition: stichtag
-- Mindestsicherung insgesamt je Stichtag × Gebiet: SGB-II-Leistungsberechtigte + Grundsicherung im Alter +
-- bei Erwerbsminderung + Hilfe zum Lebensunterhalt + AsylbLG. Fehlt ein Teil oder ist er gesperrt, ist die
-- Summe NULL mit Hinweis (kein Teil wird als 0 gezählt). Ausnahme: das Pseudo-Gebiet „ohne Zuordnung“ – liefert
-- eine Quelle dafür keine Zeile, hat sie dort keine Fälle (0).
create or replace table core.groessen_mindestsicherung as
with

teile as (
    select stichtag, gebiet_id, groesse, anzahl from core.groessen_sgb2 where groesse = 'sgb2_lb'
    union all
    select stichtag, gebiet_id, groesse, anzahl from core.groessen_grundsicherung
    where groesse in ('grusi_alter', 'grusi_em', 'hlu', 'asylblg')
),

final as (
    select
        stichtag,
        teile.gebiet_id,
        'mindestsicherung' as groesse,
        case
            when (count(distinct groesse) = 5 or any_value(ist_pseudo)) and bool_and(anzahl is not null) then sum(anzahl)
        end as anzahl,
        case
            when count(distinct groesse) < 5 and not any_value(ist_pseudo)
                then 'Mindestsicherung: nicht alle fünf Leistungen geliefert'
            when not bool_and(anzahl is not null) then 'Mindestsicherung: ein Teil ist gesperrt oder unbekannt'
        end as hinweis,
        cast(null as varchar) as quelle,  -- abgeleitet aus sgb2 und grundsicherung, keine eigene Lieferung
    from teile
    inner join core.dim_gebiet as gebiete on gebiete.gebiet_id = teile.gebiet_id and gebiete.ebene = 'gebiet'
    group by stichtag, teile.gebiet_id
)

select * from final;
