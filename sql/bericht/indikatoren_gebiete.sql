-- Berichtstabelle „Indikatoren nach Gebieten“: jeder Indikator je Gebiet der heutigen Gliederung am Stichtag der
-- Ausgabe, unter der Zeile seines Sozialraums (Summenzeile für die Geheimhaltung: die Gebiete eines Sozialraums
-- ergeben ihn). Grundlage der Karten auf Gebietsebene. Parameter: $stichtag.
with

gebiete as (
    select gebiet_id, name, sozialraum_id, gemeinde_id
    from core.dim_gebiet
    where ebene = 'gebiet' and gebiet_id = aktuell_id and not ist_pseudo
),

sozialraeume as (
    select gebiet_id as sozialraum_id, name as sozialraum from core.dim_gebiet where ebene = 'sozialraum'
),

raeume as (
    select 'gebiet' as ebene, g.gebiet_id as raum_id, g.name as raum, g.sozialraum_id, s.sozialraum, g.gemeinde_id
    from gebiete as g
    inner join sozialraeume as s using (sozialraum_id)
    union all
    select distinct 'sozialraum', g.sozialraum_id, 'Sozialraum ' || s.sozialraum, g.sozialraum_id, s.sozialraum,
        g.gemeinde_id
    from gebiete as g
    inner join sozialraeume as s using (sozialraum_id)
),

final as (
    select
        k.indikator_id,
        k.name as indikator,
        r.ebene,
        r.raum_id,
        r.raum,
        r.sozialraum_id,
        r.sozialraum,
        r.gemeinde_id,
        w.wert,
        w.einheit,
        w.zaehler,
        w.nenner,
        -- der Nenner kann selbst eine zu sperrende Fallzahl sein: im veröffentlichten Hinweis nur die Mindestgröße
        regexp_replace(w.hinweis, 'Nenner \d+ unter der Mindestgröße', 'Nenner unter der Mindestgröße', 'g') as hinweis,
    from mart.indikator_werte as w
    inner join core.dim_indikator as k using (indikator_id)
    inner join raeume as r on r.raum_id = w.gebiet_id and r.ebene = w.ebene
    where w.stichtag = $stichtag and k.indikator_id <> 'bedarfe_anzahl'
)

select * from final
order by indikator_id, gemeinde_id, sozialraum_id, ebene desc, raum_id
