-- Gebietsdimension: eine Zeile je Gebiet, Sozialraum, Stadtbezirk und Gemeinde, dazu je Gemeinde das
-- Pseudo-Gebiet „ohne Zuordnung“ (zählt in der Gemeinde, in keinem Gebiet).
-- aktuell_id folgt der Kette nachfolger_id bis zum heute gültigen Gebiet (architektur.md §6).
create or replace table core.dim_gebiet as
with recursive

referenz as (
    select
        gebiet_id,
        name,
        sozialraum_id,
        sozialraum,
        stadtbezirk,
        coalesce(
            nullif(stadtbezirk_id, ''),
            'SB-' || upper(regexp_replace(strip_accents(
                replace(replace(replace(replace(lower(stadtbezirk), 'ä', 'ae'), 'ö', 'oe'), 'ü', 'ue'), 'ß', 'ss')
            ), '[^A-Za-z0-9]+', '', 'g'))
        ) as stadtbezirk_id,
        gemeinde_ags,
        gemeinde,
        cast(gueltig_ab as date) as gueltig_ab,
        cast(gueltig_bis as date) as gueltig_bis,
        nullif(nachfolger_id, '') as nachfolger_id,
        nullif(akg_code, '') as akg_code,
    from raw.ref_gebiete
),

nachfolge (gebiet_id, aktuell_id, schritte) as (
    select gebiet_id, gebiet_id, 0 from referenz where nachfolger_id is null
    union all
    select r.gebiet_id, n.aktuell_id, n.schritte + 1
    from referenz as r
    inner join nachfolge as n on r.nachfolger_id = n.gebiet_id
),

gebiete as (
    select
        r.gebiet_id,
        r.name,
        'gebiet' as ebene,
        r.sozialraum_id,
        r.stadtbezirk_id,
        r.gemeinde_ags as gemeinde_id,
        r.gueltig_ab,
        r.gueltig_bis,
        r.nachfolger_id,
        n.aktuell_id,
        r.akg_code,
        false as ist_pseudo,
    from referenz as r
    inner join nachfolge as n on r.gebiet_id = n.gebiet_id
),

sozialraeume as (
    select
        sozialraum_id as gebiet_id,
        any_value(sozialraum) as name,
        'sozialraum' as ebene,
        sozialraum_id,
        null as stadtbezirk_id,
        any_value(gemeinde_ags) as gemeinde_id,
        sozialraum_id as aktuell_id,
        min(gueltig_ab) as gueltig_ab,
        case when bool_and(gueltig_bis is not null) then max(gueltig_bis) end as gueltig_bis,
    from referenz
    group by sozialraum_id
),

stadtbezirke as (
    select
        stadtbezirk_id as gebiet_id,
        any_value(stadtbezirk) as name,
        'stadtbezirk' as ebene,
        null as sozialraum_id,
        stadtbezirk_id,
        any_value(gemeinde_ags) as gemeinde_id,
        stadtbezirk_id as aktuell_id,
        min(gueltig_ab) as gueltig_ab,
        case when bool_and(gueltig_bis is not null) then max(gueltig_bis) end as gueltig_bis,
    from referenz
    group by stadtbezirk_id
),

gemeinden as (
    select
        gemeinde_ags as gebiet_id,
        any_value(gemeinde) as name,
        'gemeinde' as ebene,
        gemeinde_ags as gemeinde_id,
        gemeinde_ags as aktuell_id,
        min(gueltig_ab) as gueltig_ab,
    from referenz
    group by gemeinde_ags
),

ohne_zuordnung as (
    select
        gebiet_id || '-oZ' as gebiet_id,
        name || ': ohne Zuordnung' as name,
        'gebiet' as ebene,
        gemeinde_id,
        gueltig_ab,
        gebiet_id || '-oZ' as aktuell_id,
        true as ist_pseudo,
    from gemeinden
),

final as (
    select * from gebiete
    union all by name
    select * from ohne_zuordnung
    union all by name
    select * from sozialraeume
    union all by name
    select * from stadtbezirke
    union all by name
    select * from gemeinden
)

select
    gebiet_id,
    name,
    ebene,
    sozialraum_id,
    stadtbezirk_id,
    gemeinde_id,
    gueltig_ab,
    gueltig_bis,
    nachfolger_id,
    aktuell_id,
    akg_code,
    coalesce(ist_pseudo, false) as ist_pseudo,
from final;
