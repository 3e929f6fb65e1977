-- Ausgaben des Sozialberichts (DESIGN §10) aus data/reference/berichte.csv: je Ausgabe Stichtag,
-- Vergleichsausgabe mit deren Stichtag und Status (entwurf, freigegeben).
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
    from berichte as b
    left join berichte as v on v.bericht_id = b.vergleich_bericht_id
)

select * from final
order by stichtag;
