-- Prüfdaten: Zelle „insgesamt“ (Geschlecht) gegen die Summe der Geschlechter, wo männlich und weiblich
-- geliefert sind (übrige Merkmale gleich).
with zellen as (
    select rowid as zeilen_id, * from staging.stg_bevoelkerung
),
teile as (
    select
        stichtag, gebiet_id, alter_von, alter_bis, staatsangehoerigkeit, migrationshintergrund,
        sum(anzahl) as summe_teile,
        count(*) filter (where geschlecht in ('m', 'w')) as geliefert,
        count(*) filter (where anzahl is null) as gesperrt,
    from zellen
    where geschlecht in ('m', 'w', 'd')
    group by all
)
select
    zellen.zeilen_id, zellen.datei_id, zellen.blatt, zellen.zeile, zellen.stichtag, zellen.gebiet_id,
    zellen.anzahl as insgesamt,
    teile.summe_teile,
from zellen
inner join teile
    on teile.stichtag = zellen.stichtag and teile.gebiet_id = zellen.gebiet_id
    and teile.alter_von = zellen.alter_von and teile.alter_bis is not distinct from zellen.alter_bis
    and teile.staatsangehoerigkeit = zellen.staatsangehoerigkeit
    and teile.migrationshintergrund = zellen.migrationshintergrund
where zellen.geschlecht = 'insgesamt' and teile.geliefert = 2 and teile.gesperrt = 0 and zellen.anzahl is not null
