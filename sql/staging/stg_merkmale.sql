-- Partition: stichtag
-- Weitere Merkmale (architektur.md §5.5) je Gebiet, Merkmal, Geschlecht und Altersband, typisiert, mit der Art aus
-- data/reference/merkmale.csv und auf die gültige Lieferung reduziert: eine Zeile je Würfelzelle der Quelle.
-- Liefern zwei geladene Dateien dasselbe Merkmal für denselben Stichtag einer Gemeinde, gilt die zuletzt geladene;
-- verschiedene Merkmale können aus verschiedenen Dateien kommen (eine Wohngeld-Lieferung ersetzt keine Fläche).
-- „ohne Zuordnung“ (Fälle ohne verwertbare Adresse) bleibt als Pseudo-Gebiet der Gemeinde erhalten.
create or replace table staging.stg_merkmale as
with

dateien as (
    select datei_id
    from ops.dateien
    where quelle = 'merkmale' and status = 'geladen'
),

zellen as (
    select raw_zellen.*
    from raw.merkmale as raw_zellen
    inner join dateien using (datei_id)
),

gebiete as (
    select gebiet_id, gemeinde_id, ist_pseudo
    from core.dim_gebiet
    where ebene = 'gebiet'
),

-- ein Merkmal, das nicht (mehr) im Katalog steht, behält art NULL: die Prüfung merkmale_merkmal_erklaert hält es an
katalog as (
    select merkmal, art, einheit
    from raw.ref_merkmale
),

final as (
    select
        zellen.stichtag,
        zellen.gebiet_id,
        gebiete.gemeinde_id,
        gebiete.ist_pseudo,
        zellen.merkmal, zellen.geschlecht, zellen.alter_von, zellen.alter_bis,
        katalog.art,
        katalog.einheit,
        zellen.wert,
        zellen.kennzeichen,
        zellen.datei_id,
        zellen.blatt,
        zellen.zeile,
        zellen.spalte,
    from zellen
    inner join gebiete using (gebiet_id)
    left join katalog using (merkmal)
    qualify zellen.datei_id = max(zellen.datei_id) over (partition by zellen.stichtag, gebiete.gemeinde_id, zellen.merkmal)
)

select * from final;
