-- Prüfdaten: Zeilen aus staging.stg_konferenz_teilnehmende; raum_gueltig = Sozialraum bzw. Gemeinde ist bekannt.
select
    zeilen.rowid as zeilen_id,
    zeilen.*,
    coalesce(zeilen.raum_id is null or exists (
        select 1 from core.dim_gebiet as gebiete
        where gebiete.gebiet_id = zeilen.raum_id and gebiete.ebene = zeilen.raum_ebene
    ), false) as raum_gueltig,
from staging.stg_konferenz_teilnehmende as zeilen
