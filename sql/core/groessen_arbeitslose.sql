-- Partition: stichtag
-- Arbeitslosen-Größen je Stichtag × Gebiet (alo_insgesamt, alo_langzeit, alo_u25; erklärt in
-- data/reference/groessen.csv). Je Merkmal gilt die Zelle über beide Rechtskreise („insgesamt“); fehlt sie, die
-- Summe aus SGB II und SGB III. So wird nichts doppelt gezählt, auch wenn eine Datei Zellen verschiedener Feinheit
-- enthält.
create or replace table core.groessen_arbeitslose as
with

-- erklärt in data/reference/groessen.csv (quelle = arbeitslose): welches Merkmal welche Größe ist
namen as (
    select merkmal, groesse
    from raw.ref_groessen
    where quelle = 'arbeitslose'
),

zellen as (
    select
        f.stichtag,
        f.gebiet_id,
        n.groesse,
        max(f.anzahl) filter (where f.rechtskreis = 'insgesamt') as insgesamt,
        count(*) filter (where f.rechtskreis = 'insgesamt') as hat_insgesamt,
        sum(f.anzahl) filter (where f.rechtskreis in ('sgb2', 'sgb3')) as teile,
        count(*) filter (where f.rechtskreis in ('sgb2', 'sgb3')) as anzahl_teile,
        count(*) filter (where f.rechtskreis in ('sgb2', 'sgb3') and f.anzahl is null) as gesperrte_teile,
    from core.fact_arbeitslose as f
    inner join namen as n using (merkmal)
    group by all
),

final as (
    select
        stichtag,
        gebiet_id,
        groesse,
        case
            when hat_insgesamt > 0 then insgesamt
            when anzahl_teile = 2 and gesperrte_teile = 0 then teile
        end as anzahl,
        case
            when hat_insgesamt > 0 and insgesamt is null then 'Arbeitslose: Wert in der Quelle gesperrt oder unbekannt'
            when hat_insgesamt = 0 and anzahl_teile < 2 then 'Arbeitslose: nur ein Rechtskreis geliefert'
            when hat_insgesamt = 0 and gesperrte_teile > 0 then 'Arbeitslose: Wert in der Quelle gesperrt oder unbekannt'
        end as hinweis,
        'arbeitslose' as quelle,
    from zellen
)

select * from final;
