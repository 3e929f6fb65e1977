-- Arbeitsgruppen je Konferenz mit Sozialraum und Thema.
-- Nur Zeilen geladener Mappen; Datum und Stand der Konferenz aus staging.stg_konferenz_veranstaltung.
create or replace table staging.stg_konferenz_arbeitsgruppen as
with

konferenzen as (
    select datei_id, datum, stand, gemeinde_id
    from staging.stg_konferenz_veranstaltung
),

final as (
    select
        konferenzen.datum,
        konferenzen.stand,
        konferenzen.gemeinde_id,
        zeilen.ag,
        zeilen.raum_id,
        zeilen.raum_ebene,
        zeilen.thema,
        zeilen.datei_id,
        zeilen.blatt,
        zeilen.zeile,
    from raw.konferenz_arbeitsgruppen as zeilen
    inner join konferenzen using (datei_id)
)

select * from final;
