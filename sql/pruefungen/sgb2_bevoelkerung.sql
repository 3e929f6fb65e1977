-- Prüfdaten: Leistungsberechtigte und ELB je Gebiet neben den Einwohnern unter 65 und von 15 bis 64
-- desselben Stichtags (core.groessen_bevoelkerung).
with zellen as (
    select rowid as zeilen_id, * from staging.stg_sgb2 where not ist_pseudo
),
sgb2 as (
    select
        min(zeilen_id) filter (where merkmal = 'leistungsberechtigte') as zeilen_id,
        min(datei_id) as datei_id, min(blatt) as blatt, min(zeile) as zeile, stichtag, gebiet_id,
        max(anzahl) filter (where merkmal = 'leistungsberechtigte') as leistungsberechtigte,
        max(anzahl) filter (where merkmal = 'elb') as elb,
    from zellen
    group by stichtag, gebiet_id
),
bevoelkerung as (
    select
        stichtag, gebiet_id,
        max(anzahl) filter (where groesse = 'bev_u65') as bev_u65,
        max(anzahl) filter (where groesse = 'bev_15_64') as bev_15_64,
    from core.groessen_bevoelkerung
    group by stichtag, gebiet_id
)
select sgb2.*, bevoelkerung.bev_u65, bevoelkerung.bev_15_64
from sgb2
left join bevoelkerung using (stichtag, gebiet_id)
