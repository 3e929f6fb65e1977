-- Partition: stichtag
-- SGB-II-Größen für die Indikatoren: eine Zeile je Stichtag × Gebiet × Größe (sgb2_lb, sgb2_elb, sgb2_nef_u15,
-- sgb2_lb_u18, sgb2_bg, sgb2_bg_alleinerziehend; erklärt in data/reference/groessen.csv). Gesperrte Werte bleiben
-- NULL mit Hinweis.
create or replace table core.groessen_sgb2 as
with

-- erklärt in data/reference/groessen.csv (quelle = sgb2): welches Merkmal der Lieferung welche Größe ist
namen as (
    select merkmal, groesse
    from raw.ref_groessen
    where quelle = 'sgb2'
),

final as (
    select
        f.stichtag,
        f.gebiet_id,
        n.groesse,
        f.anzahl,
        case
            when f.anzahl is null and f.kennzeichen = 'nicht_geliefert' then 'SGB II: Merkmal in der Lieferung nicht enthalten'
            when f.anzahl is null then 'SGB II: Wert in der Quelle gesperrt oder unbekannt'
        end as hinweis,
        'sgb2' as quelle,
    from core.fact_sgb2 as f
    inner join namen as n using (merkmal)
)

select * from final;
