-- Stichtage: einer je Datenstand, der in einer Quelle vorkommt, mit den Quellen und der Berichtsausgabe,
-- deren Stichtag er ist. Kita-Plätze zum 01.03.J zählen zum Stichtag 31.12.(J−1) (siehe core.groessen_kita).
-- Die Quellen kommen aus allen Größen-Tabellen (core.groessen_*, je Zeile ihre `quelle`): eine neue Quelle oder
-- Größe erscheint hier ohne Änderung dieser Datei. Größen ohne eigene Lieferung (quelle NULL, z. B. die
-- Mindestsicherung) und Größen, die direkt auf einer Ebene vorliegen (Konferenzen: Datum der Konferenz, kein
-- Datenstand), zählen nicht.
create or replace table core.dim_stichtag as
with

-- Vereinigung aller Tabellen core.groessen_* (setzt der Modell-Lader ein, sozial_dwh.models.model_sql)
alle_groessen as (
    -- @vereinigung core.groessen_*
),

quellen as (
    select distinct stichtag, quelle
    from alle_groessen
    where quelle is not null and ebene is null
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
