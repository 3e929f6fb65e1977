-- Partition: stichtag
-- Stücke: core.fact_bevoelkerung
-- Bevölkerungsgrößen, aus denen die Indikatoren gebildet werden: eine Zeile je Stichtag × Gebiet × Größe
-- (z. B. bev_u18 = Einwohner von 0 bis 17 Jahren), erklärt in data/reference/groessen.csv. Eine Altersgrenze wird
-- nur aus Altersbändern der Quelle gebildet, die sie lückenlos und ohne Überschneidung abdecken; sonst ist die Größe
-- NULL mit Hinweis (architektur.md §5.2: nie angenähert).
create or replace table core.groessen_bevoelkerung as
with recursive

-- erklärt in data/reference/groessen.csv (quelle = bevoelkerung): Merkmalsschicht und Altersgrenzen je Größe;
-- leere Angaben bedeuten insgesamt bzw. ab 0 / offen
groessen as (
    select
        groesse,
        coalesce(nullif(geschlecht, ''), 'insgesamt') as geschlecht,
        coalesce(nullif(staatsangehoerigkeit, ''), 'insgesamt') as staatsangehoerigkeit,
        coalesce(nullif(migrationshintergrund, ''), 'insgesamt') as migrationshintergrund,
        coalesce(cast(nullif(alter_von, '') as integer), 0) as ziel_von,
        cast(nullif(alter_bis, '') as integer) as ziel_bis,
        nullif(hinweis_fehlt, '') as hinweis_fehlt,
    from raw.ref_groessen
    where quelle = 'bevoelkerung'
),

-- warum eine Größe fehlt: die erklärte Begründung, sonst die erste Abgrenzung, die die Quelle nicht erlaubt
groessen_hinweise as (
    select
        *,
        coalesce(
            hinweis_fehlt,
            case
                when staatsangehoerigkeit <> 'insgesamt' then 'Staatsangehörigkeit in der Quelle nicht ausgewiesen'
                when migrationshintergrund <> 'insgesamt' then 'Migrationshintergrund in der Quelle nicht ausgewiesen'
                when geschlecht <> 'insgesamt' then 'Geschlecht in der Quelle nicht ausgewiesen'
                when ziel_von = 0 and ziel_bis is null then 'Altersgliederung der Quelle erlaubt keine Abgrenzung aller Altersjahre'
                when ziel_bis is null then 'Altersgliederung der Quelle erlaubt keine Abgrenzung ab ' || ziel_von || ' Jahren'
                else 'Altersgliederung der Quelle erlaubt keine Abgrenzung ' || ziel_von || ' bis ' || ziel_bis || ' Jahre'
            end
        ) as fehlt_hinweis,
    from groessen
),

-- Stückweise (Kopfzeile „-- Stücke:“, sozial_dwh.models): der Runner rechnet die Gebiete in `stuecke` Gruppen nach
-- dem Hash der Gebietskennung und nur die Stichtage `stichtage` (Partition); ohne diese Variablen alles auf einmal
zellen as (
    select stichtag, gebiet_id, alter_von, alter_bis, geschlecht, staatsangehoerigkeit, migrationshintergrund, anzahl
    from core.fact_bevoelkerung
    where (getvariable('stuecke') is null or hash(gebiet_id) % getvariable('stuecke') = getvariable('stueck'))
        and (getvariable('stichtage') is null or list_contains(getvariable('stichtage'), stichtag))
),

-- Bänder der passenden Merkmalsschicht, die ganz innerhalb der Altersgrenzen der Größe liegen
bausteine as (
    select
        g.groesse,
        z.stichtag,
        z.gebiet_id,
        z.alter_von,
        z.alter_bis,
        z.anzahl,
        g.ziel_von,
        g.ziel_bis,
    from zellen as z
    inner join groessen as g
        on z.geschlecht = g.geschlecht
        and z.staatsangehoerigkeit = g.staatsangehoerigkeit
        and z.migrationshintergrund = g.migrationshintergrund
    where z.alter_von >= g.ziel_von
        and (g.ziel_bis is null or z.alter_bis <= g.ziel_bis)
),

-- Ketten aneinander anschließender Bänder ab der unteren Grenze
ketten (groesse, stichtag, gebiet_id, ende, anzahl, gesperrt, glieder) as (
    select groesse, stichtag, gebiet_id, alter_bis, anzahl, anzahl is null, 1
    from bausteine
    where alter_von = ziel_von
    union all
    select k.groesse, k.stichtag, k.gebiet_id, b.alter_bis, k.anzahl + b.anzahl, k.gesperrt or b.anzahl is null, k.glieder + 1
    from ketten as k
    inner join bausteine as b
        on b.groesse = k.groesse and b.stichtag = k.stichtag and b.gebiet_id = k.gebiet_id
        and b.alter_von = k.ende + 1
),

-- Ketten, die genau an der oberen Grenze enden; die kürzeste gilt (Summen der Quelle vor Einzeljahren)
treffer as (
    select k.groesse, k.stichtag, k.gebiet_id, k.anzahl, k.gesperrt
    from ketten as k
    inner join groessen as g on k.groesse = g.groesse and k.ende is not distinct from g.ziel_bis
    qualify row_number() over (partition by k.groesse, k.stichtag, k.gebiet_id order by k.glieder, k.gesperrt) = 1
),

einheiten as (
    select distinct stichtag, gebiet_id from zellen
),

final as (
    select
        e.stichtag,
        e.gebiet_id,
        g.groesse,
        cast(t.anzahl as bigint) as anzahl,
        case
            when t.groesse is null then g.fehlt_hinweis
            when t.gesperrt then 'Wert in der Quelle gesperrt oder unbekannt'
        end as hinweis,
        'bevoelkerung' as quelle,
    from einheiten as e
    cross join groessen_hinweise as g
    left join treffer as t
        on t.groesse = g.groesse and t.stichtag = e.stichtag and t.gebiet_id = e.gebiet_id
)

select * from final;
