-- Werte für den Atlas einer Berichtsausgabe (architektur.md §10.1): jeder Indikator an jedem Stichtag bis zum
-- Stichtag der Ausgabe, je Gebiet der heutigen Gliederung, Sozialraum, Stadtbezirk und Gemeinde. Keine
-- Berichtstabelle: sozial_dwh.bericht.atlas teilt die Zeilen je Stichtag in die Summengruppen der Geheimhaltung
-- (Sozialräume → Gemeinde, Gebiete → Sozialraum, Stadtbezirke → Gemeinde, Gebiete → Stadtbezirk) und
-- veröffentlicht nur, was sie passiert. Parameter: $stichtag.
with

gebiete as (
    select gebiet_id, name, sozialraum_id, stadtbezirk_id, gemeinde_id
    from core.dim_gebiet
    where ebene = 'gebiet' and gebiet_id = aktuell_id and not ist_pseudo
),

-- Welche heutigen Gebiete (auch Pseudogebiete wie „ohne Zuordnung“) eine Einheit umfasst: Einheiten mit denselben
-- Gebieten haben dieselben Werte (z. B. ein Stadtbezirk, der genau ein Sozialraum ist) und dieselben Sperrungen.
heutige as (
    select gebiet_id, sozialraum_id, stadtbezirk_id, gemeinde_id
    from core.dim_gebiet
    where ebene = 'gebiet' and gebiet_id = aktuell_id
),

umfang as (
    select 'gebiet' as ebene, gebiet_id as raum_id, gebiet_id as gebiete from heutige
    union all
    select 'sozialraum', sozialraum_id, string_agg(gebiet_id, ',' order by gebiet_id)
    from heutige where sozialraum_id is not null group by sozialraum_id
    union all
    select 'stadtbezirk', stadtbezirk_id, string_agg(gebiet_id, ',' order by gebiet_id)
    from heutige where stadtbezirk_id is not null group by stadtbezirk_id
    union all
    select 'gemeinde', gemeinde_id, string_agg(gebiet_id, ',' order by gebiet_id)
    from heutige where gemeinde_id is not null group by gemeinde_id
),

einheiten as (
    select gebiet_id, ebene, name, gemeinde_id from core.dim_gebiet where ebene in ('sozialraum', 'stadtbezirk', 'gemeinde')
),

raeume as (
    select
        'gebiet' as ebene,
        gebiet_id as raum_id,
        name as raum,
        sozialraum_id,
        stadtbezirk_id,
        gemeinde_id,
    from gebiete
    union all
    select
        e.ebene,
        e.gebiet_id,
        e.name,
        case when e.ebene = 'sozialraum' then e.gebiet_id end,
        case when e.ebene = 'stadtbezirk' then e.gebiet_id end,
        e.gemeinde_id,
    from einheiten as e
),

final as (
    select
        w.stichtag,
        k.indikator_id,
        r.ebene,
        r.raum_id,
        r.raum,
        r.sozialraum_id,
        r.stadtbezirk_id,
        r.gemeinde_id,
        w.wert,
        w.einheit,
        w.zaehler,
        w.nenner,
        k.min_nenner,
        u.gebiete,
        -- der Nenner kann selbst eine zu sperrende Fallzahl sein: im veröffentlichten Hinweis nur die Mindestgröße
        regexp_replace(w.hinweis, 'Nenner \d+ unter der Mindestgröße', 'Nenner unter der Mindestgröße', 'g') as hinweis,
    from mart.indikator_werte as w
    inner join core.dim_indikator as k using (indikator_id)
    inner join raeume as r on r.raum_id = w.gebiet_id and r.ebene = w.ebene
    left join umfang as u on u.raum_id = r.raum_id and u.ebene = r.ebene
    where w.stichtag <= $stichtag and k.indikator_id <> 'bedarfe_anzahl'
)

select * from final
order by stichtag, indikator_id, gemeinde_id, raum_id, ebene
