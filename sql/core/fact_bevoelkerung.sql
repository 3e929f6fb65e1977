-- Partition: stichtag
-- Stücke: staging.stg_bevoelkerung je 100.000 Zeilen
-- Bevölkerungswürfel mit expliziten Randsummen: eine Zeile je Stichtag × Gebiet × Altersband ×
-- Geschlecht × Staatsangehörigkeit × Migrationshintergrund; „insgesamt“ ist ein Wert.
-- Fehlt in der Quelle eine Randsumme („insgesamt“), wird sie aus vollständigen Teilen gebildet
-- (m + w [+ d]; deutsch + nichtdeutsch; ja + nein) und als abgeleitet markiert.
-- Ein gesperrter Teil (NULL) macht die Summe NULL: nie als 0 gezählt.
-- Die mehrfach gelesenen Stufen sind „not materialized“: materialisiert hielte DuckDB sie ganz im Speicher, ohne
-- auslagern zu können. Jede Summe hängt nur von Zeilen desselben Stichtags und Gebiets ab; deshalb rechnet der
-- Runner in Stücken nach Gebiet (und bei einem Lauf für Stichtage nur deren Zeilen): der Speicher wächst nicht mit
-- der Zahl der Gemeinden (Issue 17).
create or replace table core.fact_bevoelkerung as
with

quelle as not materialized (
    select
        stichtag,
        gebiet_id,
        alter_von,
        alter_bis,
        geschlecht,
        staatsangehoerigkeit,
        migrationshintergrund,
        anzahl,
        datei_id,
        false as abgeleitet,
    from staging.stg_bevoelkerung
    where (getvariable('stuecke') is null or hash(gebiet_id) % getvariable('stuecke') = getvariable('stueck'))
        and (getvariable('stichtage') is null or list_contains(getvariable('stichtage'), stichtag))
),

-- Schritt 1: Geschlecht insgesamt aus m + w (+ d)
summe_geschlecht as (
    select
        stichtag, gebiet_id, alter_von, alter_bis,
        'insgesamt' as geschlecht,
        staatsangehoerigkeit, migrationshintergrund,
        case when count(anzahl) = count(*) then sum(anzahl) end as anzahl,
        max(datei_id) as datei_id,
        true as abgeleitet,
    from quelle
    where geschlecht <> 'insgesamt'
    group by stichtag, gebiet_id, alter_von, alter_bis, staatsangehoerigkeit, migrationshintergrund
    having count(*) filter (where geschlecht = 'm') > 0 and count(*) filter (where geschlecht = 'w') > 0
),

stufe_1 as not materialized (
    select * from quelle
    union all by name
    select neu.*
    from summe_geschlecht as neu
    anti join quelle as alt
        on alt.stichtag = neu.stichtag and alt.gebiet_id = neu.gebiet_id and alt.alter_von = neu.alter_von
        and alt.alter_bis is not distinct from neu.alter_bis and alt.geschlecht = 'insgesamt'
        and alt.staatsangehoerigkeit = neu.staatsangehoerigkeit
        and alt.migrationshintergrund = neu.migrationshintergrund
),

-- Schritt 2: Staatsangehörigkeit insgesamt aus deutsch + nichtdeutsch
summe_staatsangehoerigkeit as (
    select
        stichtag, gebiet_id, alter_von, alter_bis, geschlecht,
        'insgesamt' as staatsangehoerigkeit,
        migrationshintergrund,
        case when count(anzahl) = count(*) then sum(anzahl) end as anzahl,
        max(datei_id) as datei_id,
        true as abgeleitet,
    from stufe_1
    where staatsangehoerigkeit <> 'insgesamt'
    group by stichtag, gebiet_id, alter_von, alter_bis, geschlecht, migrationshintergrund
    having count(*) filter (where staatsangehoerigkeit = 'deutsch') > 0
        and count(*) filter (where staatsangehoerigkeit = 'nichtdeutsch') > 0
),

stufe_2 as not materialized (
    select * from stufe_1
    union all by name
    select neu.*
    from summe_staatsangehoerigkeit as neu
    anti join stufe_1 as alt
        on alt.stichtag = neu.stichtag and alt.gebiet_id = neu.gebiet_id and alt.alter_von = neu.alter_von
        and alt.alter_bis is not distinct from neu.alter_bis and alt.geschlecht = neu.geschlecht
        and alt.staatsangehoerigkeit = 'insgesamt'
        and alt.migrationshintergrund = neu.migrationshintergrund
),

-- Schritt 3: Migrationshintergrund insgesamt aus ja + nein
summe_migration as (
    select
        stichtag, gebiet_id, alter_von, alter_bis, geschlecht, staatsangehoerigkeit,
        'insgesamt' as migrationshintergrund,
        case when count(anzahl) = count(*) then sum(anzahl) end as anzahl,
        max(datei_id) as datei_id,
        true as abgeleitet,
    from stufe_2
    where migrationshintergrund <> 'insgesamt'
    group by stichtag, gebiet_id, alter_von, alter_bis, geschlecht, staatsangehoerigkeit
    having count(*) filter (where migrationshintergrund = 'ja') > 0
        and count(*) filter (where migrationshintergrund = 'nein') > 0
),

final as (
    select * from stufe_2
    union all by name
    select neu.*
    from summe_migration as neu
    anti join stufe_2 as alt
        on alt.stichtag = neu.stichtag and alt.gebiet_id = neu.gebiet_id and alt.alter_von = neu.alter_von
        and alt.alter_bis is not distinct from neu.alter_bis and alt.geschlecht = neu.geschlecht
        and alt.staatsangehoerigkeit = neu.staatsangehoerigkeit
        and alt.migrationshintergrund = 'insgesamt'
)

select
    stichtag,
    gebiet_id,
    alter_von,
    alter_bis,
    geschlecht,
    staatsangehoerigkeit,
    migrationshintergrund,
    cast(anzahl as bigint) as anzahl,
    datei_id,
    abgeleitet,
from final;
