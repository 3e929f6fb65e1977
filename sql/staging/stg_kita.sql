-- Kindertageseinrichtungen, eine Zeile je Einrichtung und Stichtag (Plätze U3 und Ü3), aus der gültigen
-- Lieferung: liefern zwei geladene Dateien denselben Stichtag einer Gemeinde, gilt die zuletzt geladene.
create or replace table staging.stg_kita as
with

dateien as (
    select datei_id
    from ops.dateien
    where quelle = 'kita' and status = 'geladen'
),

einrichtungen as (
    select raw_kita.*
    from raw.kita as raw_kita
    inner join dateien using (datei_id)
),

gebiete as (
    select gebiet_id, gemeinde_id
    from core.dim_gebiet
    where ebene = 'gebiet'
),

final as (
    select
        einrichtungen.stichtag,
        einrichtungen.gebiet_id,
        gebiete.gemeinde_id,
        einrichtungen.einrichtung,
        einrichtungen.traeger,
        einrichtungen.adresse,
        einrichtungen.plaetze_u3,
        einrichtungen.kennzeichen_u3,
        einrichtungen.plaetze_ue3,
        einrichtungen.kennzeichen_ue3,
        einrichtungen.datei_id,
        einrichtungen.blatt,
        einrichtungen.zeile,
    from einrichtungen
    inner join gebiete using (gebiet_id)
    qualify einrichtungen.datei_id
        = max(einrichtungen.datei_id) over (partition by einrichtungen.stichtag, gebiete.gemeinde_id)
)

select * from final;
