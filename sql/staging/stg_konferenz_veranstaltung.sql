-- Sozialraumkonferenzen: eine Zeile je geladener Konferenz-Arbeitsmappe (Titel, Datum, Ort, Format,
-- behandelte Sozialräume). Eine spätere Mappe derselben Konferenz (gleiches Datum, gleiche Gemeinde) ersetzt
-- die frühere; Folgemappen späterer Treffen sind eigene Zeilen.
create or replace table staging.stg_konferenz_veranstaltung as
with

dateien as (
    select datei_id, dateiname, geladen_am
    from ops.dateien
    where quelle = 'konferenz' and status = 'geladen'
),

final as (
    select
        veranstaltung.datei_id,
        veranstaltung.datum,
        veranstaltung.titel,
        veranstaltung.ort,
        veranstaltung.format,
        veranstaltung.sozialraeume,
        veranstaltung.gemeinde_ags as gemeinde_id,
        coalesce(veranstaltung.stand, veranstaltung.datum) as stand,
        dateien.dateiname,
    from raw.konferenz_veranstaltung as veranstaltung
    inner join dateien using (datei_id)
)

select * from final;
