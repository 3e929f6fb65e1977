-- Prüfdaten: Arbeitslose insgesamt gegen SGB II + SGB III je Gebiet, Stichtag und Merkmal
-- (wo alle drei Zellen geliefert sind).
with zellen as (
    select rowid as zeilen_id, * from staging.stg_arbeitslose
)
select
    min(zeilen_id) filter (where rechtskreis = 'insgesamt') as zeilen_id,
    min(datei_id) as datei_id, min(blatt) as blatt,
    min(zeile) filter (where rechtskreis = 'insgesamt') as zeile,
    stichtag, gebiet_id, merkmal,
    max(anzahl) filter (where rechtskreis = 'insgesamt') as insgesamt,
    max(anzahl) filter (where rechtskreis = 'sgb2') + max(anzahl) filter (where rechtskreis = 'sgb3') as sgb2_plus_sgb3,
from zellen
group by stichtag, gebiet_id, merkmal
