-- Ergebnisse der Konferenzen (Bedarf, Ressource, Maßnahmenvorschlag) je Sozialraum und Handlungsfeld.
-- Nur Zeilen geladener Mappen; Datum und Stand der Konferenz aus staging.stg_konferenz_veranstaltung.
create or replace table staging.stg_konferenz_ergebnisse as
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
        zeilen.nr,
        zeilen.ag,
        zeilen.raum_id,
        zeilen.raum_ebene,
        zeilen.handlungsfeld,
        zeilen.art,
        zeilen.beschreibung,
        zeilen.prioritaet,
        zeilen.datei_id,
        zeilen.blatt,
        zeilen.zeile,
    from raw.konferenz_ergebnisse as zeilen
    inner join konferenzen using (datei_id)
)

select * from final;
