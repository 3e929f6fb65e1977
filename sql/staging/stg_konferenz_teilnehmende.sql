-- Teilnehmende Organisationen je Konferenz mit Sektor und Sozialraum (keine Personennamen).
-- Nur Zeilen geladener Mappen; Datum und Stand der Konferenz aus staging.stg_konferenz_veranstaltung.
create or replace table staging.stg_konferenz_teilnehmende as
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
        zeilen.organisation,
        zeilen.sektor,
        zeilen.raum_id,
        zeilen.raum_ebene,
        zeilen.datei_id,
        zeilen.blatt,
        zeilen.zeile,
    from raw.konferenz_teilnehmende as zeilen
    inner join konferenzen using (datei_id)
)

select * from final;
