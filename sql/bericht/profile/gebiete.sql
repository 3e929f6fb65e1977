-- Sozialraumprofile: die Gebiete der heutigen Gliederung mit ihrem Sozialraum und ihrer Gemeinde (eine Zeile je
-- Gebiet). Daraus entstehen die Liste der Profile und die Flächen der Lagekarte. Ohne Parameter.
with

gebiete as (
    select gebiet_id, sozialraum_id, gemeinde_id
    from core.dim_gebiet
    where ebene = 'gebiet' and gebiet_id = aktuell_id and not ist_pseudo and sozialraum_id is not null
),

sozialraeume as (
    select gebiet_id as sozialraum_id, name as sozialraum
    from core.dim_gebiet
    where ebene = 'sozialraum'
),

gemeinden as (
    select gebiet_id as gemeinde_id, name as gemeinde
    from core.dim_gebiet
    where ebene = 'gemeinde'
),

final as (
    select
        g.gebiet_id,
        g.sozialraum_id,
        coalesce(s.sozialraum, g.sozialraum_id) as sozialraum,
        g.gemeinde_id,
        coalesce(m.gemeinde, g.gemeinde_id) as gemeinde,
    from gebiete as g
    left join sozialraeume as s using (sozialraum_id)
    left join gemeinden as m using (gemeinde_id)
)

select * from final
order by sozialraum_id, gebiet_id
