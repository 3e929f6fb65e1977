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
),

-- Geheimhaltung (architektur.md §10): der Text nennt Werte des Sozialraums und der Gemeinde. Beruht ein Wert auf
-- einer Fallzahl von 1 bis geheimhaltung_max der Ausgabe, steht statt der Zahl „*“ – wie in den Tabellen.
grenze as (
    select coalesce(max(geheimhaltung_max), 2) as g from core.dim_bericht where stichtag = $stichtag
),

texte as (
    select
        bi.ergebnis_id,
        string_agg(
            bi.indikator || ' ' || case
                when wz.zaehler between 1 and (select g from grenze) then '*'
                else coalesce(replace(cast(round(bi.wert, 1) as varchar), '.', ',') || ' ' || bi.einheit, 'k. A.')
            end
            || coalesce(' (Gemeinde ' || case
                when gz.zaehler between 1 and (select g from grenze) and bi.wert_gemeinde is not null then '*'
                else replace(cast(round(bi.wert_gemeinde, 1) as varchar), '.', ',')
            end || ')', ''),
            '; ' order by bi.indikator_id
        ) as indikatoren_text,
    from mart.bedarfe_indikatoren as bi
    inner join core.fact_konferenz_ergebnisse as e using (ergebnis_id)
    left join mart.indikator_werte as wz
        on wz.stichtag = bi.stichtag and wz.gebiet_id = e.raum_id and wz.ebene = e.raum_ebene
        and wz.indikator_id = bi.indikator_id
    left join mart.indikator_werte as gz
        on gz.stichtag = bi.stichtag and gz.gebiet_id = e.gemeinde_id and gz.ebene = 'gemeinde'
        and gz.indikator_id = bi.indikator_id
    group by bi.ergebnis_id
)

select
    b.konferenz_datum,
    b.raum,
    b.handlungsfeld,
    b.art,
    b.prioritaet,
    b.beschreibung,
    b.bewertung,
    t.indikatoren_text,
    m.massnahmen,
from mart.bedarfe as b
left join massnahmen as m using (ergebnis_id)
left join texte as t using (ergebnis_id)
where b.konferenz_datum <= $stichtag
order by b.konferenz_datum, b.sozialraum_id nulls last, b.art, b.prioritaet nulls last, b.nr
