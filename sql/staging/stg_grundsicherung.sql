-- Partition: stichtag
-- Mindestsicherung (SGB XII, AsylbLG) je Gebiet, Leistungsart und Altersband, typisiert und auf die gültige Lieferung reduziert: eine Zeile je Würfelzelle der Quelle.
-- Liefern zwei geladene Dateien denselben Stichtag einer Gemeinde, gilt die zuletzt geladene.
-- „ohne Zuordnung“ (Fälle ohne verwertbare Adresse) bleibt als Pseudo-Gebiet der Gemeinde erhalten.
create or replace table staging.stg_grundsicherung as
with

dateien as (
    select datei_id
    from ops.dateien
    where quelle = 'grundsicherung' and status = 'geladen'
),

zellen as (
    select raw_zellen.*
    from raw.grundsicherung as raw_zellen
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
        zellen.leistungsart, zellen.alter_von, zellen.alter_bis,
        zellen.anzahl,
        zellen.kennzeichen,
        zellen.datei_id,
        zellen.blatt,
        zellen.zeile,
        zellen.spalte,
    from zellen
    inner join gebiete using (gebiet_id)
    qualify zellen.datei_id = max(zellen.datei_id) over (partition by zellen.stichtag, gebiete.gemeinde_id)
)

select * from final;
