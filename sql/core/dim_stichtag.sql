-- Stichtage: einer je Datenstand, der in einer Quelle vorkommt, mit den Quellen und der Berichtsausgabe,
-- deren Stichtag er ist. Kita-Plätze zum 01.03.J zählen zum Stichtag 31.12.(J−1) (siehe core.groessen_kita).
create or replace table core.dim_stichtag as
with

quellen as (
    select distinct stichtag, 'bevoelkerung' as quelle from core.groessen_bevoelkerung
    union
    select distinct stichtag, 'sgb2' from core.groessen_sgb2
    union
    select distinct stichtag, 'arbeitslose' from core.groessen_arbeitslose
    union
    select distinct stichtag, 'grundsicherung' from core.groessen_grundsicherung
    union
    select distinct stichtag, 'kita' from core.groessen_kita
),

final as (
    select
        q.stichtag,
        year(q.stichtag) as jahr,
        string_agg(q.quelle, ', ' order by q.quelle) as quellen,
        any_value(b.bericht_id) as bericht_id,
    from quellen as q
    left join core.dim_bericht as b on b.stichtag = q.stichtag
    group by q.stichtag
)

select * from final
order by stichtag;
