-- Randsummen des Langformats der Bevölkerung: gelieferte Zeilen „insgesamt“ gegen die Summe ihrer Teile.
-- Läuft beim Lesen einer Datei im Zellspeicher (sozial_dwh/sources/zellen.py), nicht im Warehouse: `zellen` ist
-- eine Zeile je Würfelzelle der Datei (Stichtag × Gebiet × Alter × Geschlecht × Staatsangehörigkeit ×
-- Migrationshintergrund, doppelte schon entfernt), `seq` die Reihenfolge des Lesens.
-- Eine Zeile je Abweichung, höchstens $hoechstens, in der Reihenfolge der Meldungen: erst „alle Alter“ gegen
-- lückenlose Altersgruppen (pruefung 1), dann Geschlecht (2), Staatsangehörigkeit (3), Migrationshintergrund (4),
-- darin nach der ersten gelesenen Zelle der Gruppe; `abweichungen` zählt alle. Verglichen wird nur, wo alle Teile
-- einen Wert haben (ein gesperrter Teil macht keine Aussage).
with

-- Altersgruppen ohne „alle Alter“, je Gruppe nach Beginn geordnet (bei gleichem Beginn in Lesereihenfolge)
altersteile as (
    select
        stichtag,
        gebiet_id,
        geschlecht,
        staatsangehoerigkeit,
        migrationshintergrund,
        alter_von,
        alter_bis,
        anzahl,
        row_number() over nach_beginn as nr,
        lag(alter_bis) over nach_beginn as bis_davor,
    from zellen
    where not (alter_von = 0 and alter_bis is null)
    window nach_beginn as (
        partition by stichtag, gebiet_id, geschlecht, staatsangehoerigkeit, migrationshintergrund
        order by alter_von, seq
    )
),

altersteile_bis_offen as (
    select
        *,
        min(case when alter_bis is null then nr end) over (
            partition by stichtag, gebiet_id, geschlecht, staatsangehoerigkeit, migrationshintergrund
        ) as erste_offene,
    from altersteile
),

-- lückenlos: die erste Gruppe beginnt bei 0, jede weitere dort, wo die vorige endet, bis zur ersten offenen
altersgruppen as (
    select
        stichtag,
        gebiet_id,
        geschlecht,
        staatsangehoerigkeit,
        migrationshintergrund,
        sum(anzahl) as summe,
        count(*) filter (where anzahl is null) as gesperrt,
        bool_and(alter_von = coalesce(bis_davor + 1, 0)) filter (where nr <= erste_offene) as lueckenlos,
    from altersteile_bis_offen
    group by all
),

alle_alter as (
    select
        stichtag,
        gebiet_id,
        geschlecht,
        staatsangehoerigkeit,
        migrationshintergrund,
        anzahl as wert,
        zeile,
    from zellen
    where alter_von = 0 and alter_bis is null
),

reihenfolge_alter as (
    select
        stichtag,
        gebiet_id,
        geschlecht,
        staatsangehoerigkeit,
        migrationshintergrund,
        min(seq) as reihenfolge,
    from zellen
    group by all
),

abweichungen_alter as (
    select
        1 as pruefung,
        reihenfolge_alter.reihenfolge,
        alle_alter.zeile,
        alle_alter.stichtag,
        alle_alter.gebiet_id,
        0 as alter_von,
        null::integer as alter_bis,
        alle_alter.geschlecht,
        alle_alter.staatsangehoerigkeit,
        alle_alter.migrationshintergrund,
        alle_alter.wert,
        altersgruppen.summe,
    from alle_alter
    inner join altersgruppen
        using (stichtag, gebiet_id, geschlecht, staatsangehoerigkeit, migrationshintergrund)
    inner join reihenfolge_alter
        using (stichtag, gebiet_id, geschlecht, staatsangehoerigkeit, migrationshintergrund)
    where alle_alter.wert is not null
        and altersgruppen.gesperrt = 0
        and altersgruppen.lueckenlos
        and altersgruppen.summe <> alle_alter.wert
),

-- je Merkmal: Gruppe = alle übrigen Koordinaten; „insgesamt“ gegen alle anderen Ausprägungen, wenn die
-- nötigen Teile ($teile_…) da sind
geschlecht_gruppen as (
    select
        stichtag,
        gebiet_id,
        alter_von,
        alter_bis,
        staatsangehoerigkeit,
        migrationshintergrund,
        min(seq) as reihenfolge,
        count(*) filter (where geschlecht = $insgesamt) as gesamt,
        any_value(anzahl) filter (where geschlecht = $insgesamt) as wert,
        any_value(zeile) filter (where geschlecht = $insgesamt) as zeile,
        sum(anzahl) filter (where geschlecht <> $insgesamt) as summe,
        count(*) filter (where geschlecht <> $insgesamt and anzahl is null) as gesperrt,
        count(*) filter (where list_contains($teile_geschlecht, geschlecht)) as teile,
    from zellen
    group by all
),

abweichungen_geschlecht as (
    select
        2 as pruefung,
        reihenfolge,
        zeile,
        stichtag,
        gebiet_id,
        alter_von,
        alter_bis,
        $insgesamt as geschlecht,
        staatsangehoerigkeit,
        migrationshintergrund,
        wert,
        summe,
    from geschlecht_gruppen
    where gesamt = 1 and teile = len($teile_geschlecht) and gesperrt = 0 and wert is not null and summe <> wert
),

staatsangehoerigkeit_gruppen as (
    select
        stichtag,
        gebiet_id,
        alter_von,
        alter_bis,
        geschlecht,
        migrationshintergrund,
        min(seq) as reihenfolge,
        count(*) filter (where staatsangehoerigkeit = $insgesamt) as gesamt,
        any_value(anzahl) filter (where staatsangehoerigkeit = $insgesamt) as wert,
        any_value(zeile) filter (where staatsangehoerigkeit = $insgesamt) as zeile,
        sum(anzahl) filter (where staatsangehoerigkeit <> $insgesamt) as summe,
        count(*) filter (where staatsangehoerigkeit <> $insgesamt and anzahl is null) as gesperrt,
        count(*) filter (where list_contains($teile_staatsangehoerigkeit, staatsangehoerigkeit)) as teile,
    from zellen
    group by all
),

abweichungen_staatsangehoerigkeit as (
    select
        3 as pruefung,
        reihenfolge,
        zeile,
        stichtag,
        gebiet_id,
        alter_von,
        alter_bis,
        geschlecht,
        $insgesamt as staatsangehoerigkeit,
        migrationshintergrund,
        wert,
        summe,
    from staatsangehoerigkeit_gruppen
    where gesamt = 1 and teile = len($teile_staatsangehoerigkeit) and gesperrt = 0 and wert is not null
        and summe <> wert
),

migrationshintergrund_gruppen as (
    select
        stichtag,
        gebiet_id,
        alter_von,
        alter_bis,
        geschlecht,
        staatsangehoerigkeit,
        min(seq) as reihenfolge,
        count(*) filter (where migrationshintergrund = $insgesamt) as gesamt,
        any_value(anzahl) filter (where migrationshintergrund = $insgesamt) as wert,
        any_value(zeile) filter (where migrationshintergrund = $insgesamt) as zeile,
        sum(anzahl) filter (where migrationshintergrund <> $insgesamt) as summe,
        count(*) filter (where migrationshintergrund <> $insgesamt and anzahl is null) as gesperrt,
        count(*) filter (where list_contains($teile_migrationshintergrund, migrationshintergrund)) as teile,
    from zellen
    group by all
),

abweichungen_migrationshintergrund as (
    select
        4 as pruefung,
        reihenfolge,
        zeile,
        stichtag,
        gebiet_id,
        alter_von,
        alter_bis,
        geschlecht,
        staatsangehoerigkeit,
        $insgesamt as migrationshintergrund,
        wert,
        summe,
    from migrationshintergrund_gruppen
    where gesamt = 1 and teile = len($teile_migrationshintergrund) and gesperrt = 0 and wert is not null
        and summe <> wert
),

abweichungen as (
    select * from abweichungen_alter
    union all by name
    select * from abweichungen_geschlecht
    union all by name
    select * from abweichungen_staatsangehoerigkeit
    union all by name
    select * from abweichungen_migrationshintergrund
),

final as (
    select
        *,
        count(*) over () as abweichungen,
    from abweichungen
)

select * from final
order by pruefung, reihenfolge
limit $hoechstens
