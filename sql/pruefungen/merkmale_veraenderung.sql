-- Prüfdaten: Merkmale der Art „anzahl“ (insgesamt, alle Alter) je Gebiet gegenüber dem vorigen Stichtag (nur ab
-- der Mindestbasis veraenderung_min_basis): Anteil der Veränderung. Salden und nicht summierbare Werte nicht.
with basis as (
    select
        min(rowid) as zeilen_id, stichtag, gebiet_id, merkmal, sum(wert) as anzahl,
        min(datei_id) as datei_id, min(blatt) as blatt, min(zeile) as zeile,
    from staging.stg_merkmale
    where art = 'anzahl' and geschlecht = 'insgesamt' and alter_von = 0 and alter_bis is null and not ist_pseudo
    group by stichtag, gebiet_id, merkmal
)
select
    *,
    lag(anzahl) over (partition by gebiet_id, merkmal order by stichtag) as vorher,
    case when vorher >= getvariable('veraenderung_min_basis') then abs(anzahl - vorher) / vorher end
        as veraenderung_anteil,
from basis
