-- Prüfdaten: Zeilen aus staging.stg_konferenz_massnahmen; raum_gueltig = Sozialraum bzw. Gemeinde ist bekannt.
select
    zeilen.rowid as zeilen_id,
    zeilen.*,
    true as raum_gueltig,
from staging.stg_konferenz_massnahmen as zeilen
