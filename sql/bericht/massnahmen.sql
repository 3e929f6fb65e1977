-- Berichtstabelle „Maßnahmen“: Maßnahmen aus Konferenzen bis zum Stichtag der Ausgabe mit aktuellem Status,
-- dazu die offenen Bedarfe ohne Maßnahme. Parameter: $stichtag.
with

raumnamen as (
    select
        m.zeilenart,
        m.konferenz_id,
        m.massnahme_id,
        m.ergebnis_ids,
        string_agg(coalesce(g.name, s.sozialraum_id), ', ' order by s.sozialraum_id) as sozialraeume,
    from mart.massnahmen as m, unnest(m.sozialraum_ids) as s(sozialraum_id)
    left join core.dim_gebiet as g on g.gebiet_id = s.sozialraum_id and g.ebene = 'sozialraum'
    group by all
)

select
    m.zeilenart,
    m.nr,
    m.titel,
    array_to_string(m.handlungsfelder, ', ') as handlungsfelder,
    coalesce(r.sozialraeume, 'Gesamtstadt') as sozialraeume,
    m.zustaendig,
    m.gremium,
    m.status,
    m.termin,
    m.status_verlauf,
    m.prioritaet,
from mart.massnahmen as m
inner join core.dim_konferenz as k using (konferenz_id)
left join raumnamen as r
    on r.zeilenart = m.zeilenart and r.konferenz_id = m.konferenz_id
    and r.massnahme_id is not distinct from m.massnahme_id and r.ergebnis_ids = m.ergebnis_ids
where k.datum <= $stichtag
-- eindeutig bis zum Ende: gleiche Nummern gibt es in mehreren Konferenzen und Gemeinden (sonst wechselte die Reihenfolge
-- von Lauf zu Lauf, und eine Ausgabe wäre nicht byte-gleich wiederholbar)
order by m.zeilenart, try_cast(m.nr as integer), m.nr, m.prioritaet, m.konferenz_id, m.massnahme_id nulls first,
    m.ergebnis_ids
