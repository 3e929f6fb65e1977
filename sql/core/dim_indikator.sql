-- Indikatorenkatalog (architektur.md §8): eine Zeile je Indikator mit Zähler- und Nennergröße, Faktor,
-- Einheit, Polarität (+1 = höher bedeutet mehr Bedarf) und Mindestnenner.
create or replace table core.dim_indikator as
with

katalog as (
    select * from raw.ref_indikatoren
),

final as (
    select
        indikator_id,
        name,
        einheit,
        cast(polaritaet as integer) as polaritaet,
        quelle,
        zaehler,
        nullif(nenner, '') as nenner,
        cast(faktor as double) as faktor,
        cast(min_nenner as bigint) as min_nenner,
        definition,
    from katalog
)

select * from final;
