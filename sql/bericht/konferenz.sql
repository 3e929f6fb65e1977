-- Berichtstabelle „Konferenzergebnisse“: Ergebnisse der Sozialraumkonferenzen bis zum Stichtag der Ausgabe je
-- Sozialraum, mit Bewertung durch die Daten und den Maßnahmen dazu (Status laut jüngster Meldung).
-- Parameter: $stichtag.
with

massnahmen as (
    select
        b.ergebnis_id,
        string_agg(m.titel || ' (' || m.status || ')', '; ' order by m.massnahme_id) as massnahmen,
    from mart.bedarfe as b, unnest(b.massnahme_ids) as u(massnahme_id)
    inner join mart.massnahmen as m on m.massnahme_id = u.massnahme_id
    group by b.ergebnis_id
)

select
    b.konferenz_datum,
    b.raum,
    b.handlungsfeld,
    b.art,
    b.prioritaet,
    b.beschreibung,
    b.bewertung,
    b.indikatoren_text,
    m.massnahmen,
from mart.bedarfe as b
left join massnahmen as m using (ergebnis_id)
where b.konferenz_datum <= $stichtag
order by b.konferenz_datum, b.sozialraum_id nulls last, b.art, b.prioritaet nulls last, b.nr
