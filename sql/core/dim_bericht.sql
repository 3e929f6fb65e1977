-- Ausgaben des Sozialberichts (architektur.md §10) aus data/reference/berichte.csv: je Ausgabe Stichtag,
-- Vergleichsausgabe mit deren Stichtag, Status (entwurf, freigegeben) und Schwelle der Geheimhaltung
-- (Fallzahlen 1 bis geheimhaltung_max werden in den Veröffentlichungen gesperrt; Vorgabe 2).
create or replace table core.dim_bericht as
with

berichte as (
    select
        bericht_id,
        titel,
        cast(stichtag as date) as stichtag,
        nullif(vergleich_bericht_id, '') as vergleich_bericht_id,
        lower(status) as status,
        cast(nullif(freigegeben_am, '') as date) as freigegeben_am,
        coalesce(cast(nullif(geheimhaltung_max, '') as integer), 2) as geheimhaltung_max,
    from raw.ref_berichte
),

final as (
    select
        b.bericht_id,
        b.titel,
        b.stichtag,
        b.vergleich_bericht_id,
        v.stichtag as vergleich_stichtag,
        b.status,
        b.freigegeben_am,
        b.geheimhaltung_max,
    from berichte as b
    left join berichte as v on v.bericht_id = b.vergleich_bericht_id
)

select * from final
order by stichtag;
