-- Partition: stichtag
-- Stücke: raw.bevoelkerung je 250.000 Zeilen
-- Bevölkerung, typisiert und auf die gültige Lieferung reduziert: eine Zeile je Würfelzelle der Quelle
-- (Stichtag × Gebiet × Alter × Geschlecht × Staatsangehörigkeit × Migrationshintergrund).
-- Liefern zwei geladene Dateien denselben Stichtag einer Gemeinde, gilt die zuletzt geladene. Das hängt nur von
-- Zeilen derselben Gemeinde ab: der Runner rechnet in Stücken nach Gemeinde (Speicher, Issue 17).
create or replace table staging.stg_bevoelkerung as
with

dateien as (
    select datei_id
    from ops.dateien
    where quelle = 'bevoelkerung' and status = 'geladen'
),

zellen as (
    select raw_zellen.*
    from raw.bevoelkerung as raw_zellen
    inner join dateien using (datei_id)
),

gebiete as (
    select gebiet_id, gemeinde_id, ist_pseudo
    from core.dim_gebiet
    where ebene = 'gebiet'
),

final as (
    select
        zellen.stichtag,
        zellen.gebiet_id,
        gebiete.gemeinde_id,
        gebiete.ist_pseudo,
        zellen.alter_von,
        zellen.alter_bis,
        zellen.geschlecht,
        zellen.staatsangehoerigkeit,
        zellen.migrationshintergrund,
        zellen.anzahl,
        zellen.kennzeichen,
        zellen.datei_id,
        zellen.blatt,
        zellen.zeile,
        zellen.spalte,
    from zellen
    inner join gebiete using (gebiet_id)
    where (getvariable('stuecke') is null or hash(gebiete.gemeinde_id) % getvariable('stuecke') = getvariable('stueck'))
        and (getvariable('stichtage') is null or list_contains(getvariable('stichtage'), zellen.stichtag))
    qualify zellen.datei_id = max(zellen.datei_id) over (partition by zellen.stichtag, gebiete.gemeinde_id)
)

select * from final;
