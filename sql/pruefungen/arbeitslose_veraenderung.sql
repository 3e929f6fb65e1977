-- Prüfdaten: Arbeitslose insgesamt je Gebiet gegenüber dem vorigen Stichtag (nur ab der Mindestbasis
-- veraenderung_min_basis): Anteil der Veränderung.
with basis as (
    select rowid as zeilen_id, stichtag, gebiet_id, anzahl, datei_id, blatt, zeile
    from staging.stg_arbeitslose
    where rechtskreis = 'insgesamt' and merkmal = 'insgesamt' and not ist_pseudo
)
select
    *,
    lag(anzahl) over (partition by gebiet_id order by stichtag) as vorher,
    case when vorher >= getvariable('veraenderung_min_basis') then abs(anzahl - vorher) / vorher end
        as veraenderung_anteil,
from basis
