-- Maßnahmen der Konferenzen mit Status, Bezug zu Ergebnissen, Termin und Gremium (Stand der jeweiligen Mappe).
-- Nur Zeilen geladener Mappen; Datum und Stand der Konferenz aus staging.stg_konferenz_veranstaltung.
create or replace table staging.stg_konferenz_massnahmen as
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
        zeilen.bezug_ergebnis,
        zeilen.titel,
        zeilen.zustaendig,
        zeilen.status,
        zeilen.termin,
        zeilen.gremium,
        zeilen.datei_id,
        zeilen.blatt,
        zeilen.zeile,
    from raw.konferenz_massnahmen as zeilen
    inner join konferenzen using (datei_id)
)

select * from final;
