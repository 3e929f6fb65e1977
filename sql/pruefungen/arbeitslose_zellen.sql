-- Prüfdaten: jede Zelle aus staging.stg_arbeitslose mit der Gültigkeit ihres Gebiets am Stichtag
-- (Pseudo-Gebiet „ohne Zuordnung“ gilt immer) und der Angabe, ob der Stichtag in der Zukunft liegt.
select
    zellen.rowid as zeilen_id,
    zellen.*,
    coalesce(
        gebiete.ist_pseudo
        or (zellen.stichtag >= gebiete.gueltig_ab and zellen.stichtag <= coalesce(gebiete.gueltig_bis, date '9999-12-31')),
        false
    ) as gebiet_gueltig,
    zellen.stichtag > current_date as in_zukunft,
from staging.stg_arbeitslose as zellen
left join core.dim_gebiet as gebiete on gebiete.gebiet_id = zellen.gebiet_id and gebiete.ebene = 'gebiet'
