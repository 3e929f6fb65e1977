-- Prüfdaten: jede Einrichtung aus staging.stg_kita mit Gültigkeit ihres Gebiets am Stichtag und einem
-- Schlüssel für die Eindeutigkeit (Name und Adresse, ohne Adresse: Name und Gebiet).
select
    kita.rowid as zeilen_id,
    kita.*,
    lower(trim(kita.einrichtung)) || '|' || coalesce(lower(trim(kita.adresse)), kita.gebiet_id) as einrichtung_schluessel,
    coalesce(
        kita.stichtag >= gebiete.gueltig_ab and kita.stichtag <= coalesce(gebiete.gueltig_bis, date '9999-12-31'),
        false
    ) as gebiet_gueltig,
    kita.stichtag > current_date as in_zukunft,
from staging.stg_kita as kita
left join core.dim_gebiet as gebiete on gebiete.gebiet_id = kita.gebiet_id and gebiete.ebene = 'gebiet'
