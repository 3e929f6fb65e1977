-- Berichtstabelle „Indikatoren“: jeder Indikator je Sozialraum und für die Gemeinde am Stichtag der Ausgabe,
-- mit Gemeindewert, Abweichung und Veränderung seit der vorigen Ausgabe. Parameter: $stichtag.
with

raeume as (
    select gebiet_id, ebene, name, gemeinde_id from core.dim_gebiet where ebene in ('sozialraum', 'gemeinde')
)

select
    k.indikator_id,
    k.name as indikator,
    w.ebene,
    w.gebiet_id as raum_id,
    case when w.ebene = 'gemeinde' then 'Gemeinde ' || r.name else r.name end as raum,
    r.gemeinde_id,
    w.wert,
    w.einheit,
    w.wert_gemeinde,
    w.abweichung,
    w.veraenderung_bericht,
    w.zaehler,
    v.zaehler as zaehler_vorher,
    w.nenner,
    -- der Nenner kann selbst eine zu sperrende Fallzahl sein: im veröffentlichten Hinweis nur die Mindestgröße
    regexp_replace(w.hinweis, 'Nenner \d+ unter der Mindestgröße', 'Nenner unter der Mindestgröße', 'g') as hinweis,
from mart.indikator_werte as w
inner join core.dim_indikator as k using (indikator_id)
inner join raeume as r on r.gebiet_id = w.gebiet_id and r.ebene = w.ebene
-- die Fallzahl am Stichtag der vorigen Ausgabe (Geheimhaltung der Veränderung, sozial_dwh/bericht/geheimhaltung.py)
left join mart.indikator_werte as v
    on v.stichtag = (select max(b.vergleich_stichtag) from core.dim_bericht as b where b.stichtag = $stichtag)
    and v.ebene = w.ebene and v.gebiet_id = w.gebiet_id and v.indikator_id = w.indikator_id
where w.stichtag = $stichtag and w.ebene in ('sozialraum', 'gemeinde') and k.indikator_id <> 'bedarfe_anzahl'
order by k.indikator_id, r.gemeinde_id, w.ebene desc, w.gebiet_id
