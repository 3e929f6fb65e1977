-- Steckbriefe der Indikatoren für den Atlas einer Berichtsausgabe: Katalog (core.dim_indikator) mit Namen und
-- Beschreibung der Zähler- und Nennergröße (raw.ref_groessen) und allen Quellen, die in den Indikator eingehen.
with

katalog as (
    select * from core.dim_indikator where indikator_id <> 'bedarfe_anzahl'
),

groessen as (
    select groesse, name, beschreibung, quelle from raw.ref_groessen
),

quellen as (
    select
        k.indikator_id,
        list_sort(list_distinct(list_concat(
            any_value(list_transform(string_split(coalesce(k.quelle, ''), ';'), lambda q: trim(q))),
            list(g.quelle) filter (where g.quelle is not null)
        ))) as quellen,
    from katalog as k
    left join groessen as g on g.groesse in (k.zaehler, k.nenner)
    group by k.indikator_id
),

final as (
    select
        k.indikator_id,
        k.name,
        k.einheit,
        k.polaritaet,
        k.definition,
        k.faktor,
        k.min_nenner,
        k.zaehler,
        z.name as zaehler_name,
        z.beschreibung as zaehler_beschreibung,
        k.nenner,
        n.name as nenner_name,
        n.beschreibung as nenner_beschreibung,
        list_filter(q.quellen, lambda x: x <> '') as quellen,
    from katalog as k
    left join groessen as z on z.groesse = k.zaehler
    left join groessen as n on n.groesse = k.nenner
    inner join quellen as q using (indikator_id)
)

select * from final
order by name, indikator_id
