-- Partition: stichtag
-- SGB II je Gebiet und Merkmal (Bedarfsgemeinschaften, Leistungsberechtigte, ELB, NEF …), typisiert und auf die gültige Lieferung reduziert: eine Zeile je Würfelzelle der Quelle.
-- Liefern zwei geladene Dateien denselben Stichtag einer Gemeinde, gilt die zuletzt geladene.
-- „ohne Zuordnung“ (Fälle ohne verwertbare Adresse) bleibt als Pseudo-Gebiet der Gemeinde erhalten.
create or replace table staging.stg_sgb2 as
with

dateien as (
    select datei_id
    from ops.dateien
    where quelle = 'sgb2' and status = 'geladen'
),

zellen as (
    select raw_zellen.*
    from raw.sgb2 as raw_zellen
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
        zellen.merkmal,
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
