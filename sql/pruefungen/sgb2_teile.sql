-- Prüfdaten: Leistungsberechtigte gegen ELB + NEF je Gebiet und Stichtag (wo alle drei geliefert sind).
with zellen as (
    select rowid as zeilen_id, * from staging.stg_sgb2
)
select
    min(zeilen_id) filter (where merkmal = 'leistungsberechtigte') as zeilen_id,
    min(datei_id) as datei_id, min(blatt) as blatt,
    min(zeile) filter (where merkmal = 'leistungsberechtigte') as zeile,
    stichtag, gebiet_id,
    max(anzahl) filter (where merkmal = 'leistungsberechtigte') as leistungsberechtigte,
    max(anzahl) filter (where merkmal = 'elb') + max(anzahl) filter (where merkmal = 'nef') as elb_plus_nef,
from zellen
group by stichtag, gebiet_id
