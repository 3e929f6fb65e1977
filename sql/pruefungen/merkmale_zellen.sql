-- Prüfdaten: jede Zelle aus staging.stg_merkmale mit der Gültigkeit ihres Gebiets am Stichtag (Pseudo-Gebiet
-- „ohne Zuordnung“ gilt immer), ihrem Merkmal, wenn es nicht (mehr) in data/reference/merkmale.csv erklärt ist, der
-- Angabe, ob der Stichtag in der Zukunft liegt, und – nur für Merkmale der Art „anzahl“ – ihrem Wert als `anzahl`
-- (muss ≥ 0 sein; Salden und nicht summierbare Werte dürfen negativ sein).
select
    zellen.rowid as zeilen_id,
    zellen.*,
    case when zellen.art = 'anzahl' then zellen.wert end as anzahl,
    case when zellen.art is null then zellen.merkmal end as merkmal_nicht_erklaert,
    coalesce(
        gebiete.ist_pseudo
        or (zellen.stichtag >= gebiete.gueltig_ab and zellen.stichtag <= coalesce(gebiete.gueltig_bis, date '9999-12-31')),
        false
    ) as gebiet_gueltig,
    zellen.stichtag > current_date as in_zukunft,
from staging.stg_merkmale as zellen
left join core.dim_gebiet as gebiete on gebiete.gebiet_id = zellen.gebiet_id and gebiete.ebene = 'gebiet'
