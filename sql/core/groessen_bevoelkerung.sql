-- Partition: stichtag
-- Bevölkerungsgrößen, aus denen die Indikatoren gebildet werden: eine Zeile je Stichtag × Gebiet × Größe
-- (z. B. bev_u18 = Einwohner von 0 bis 17 Jahren). Eine Altersgrenze wird nur aus Altersbändern der Quelle
-- gebildet, die sie lückenlos und ohne Überschneidung abdecken; sonst ist die Größe NULL mit Hinweis
-- (DESIGN §5.2: nie angenähert).
create or replace table core.groessen_bevoelkerung as
with recursive

groessen (groesse, geschlecht, staatsangehoerigkeit, migrationshintergrund, ziel_von, ziel_bis, fehlt_hinweis) as (
    values
        ('bev_alle', 'insgesamt', 'insgesamt', 'insgesamt', 0, null, 'Altersgliederung der Quelle erlaubt keine Abgrenzung aller Altersjahre'),
        ('bev_u3', 'insgesamt', 'insgesamt', 'insgesamt', 0, 2, 'Altersgliederung der Quelle erlaubt keine Abgrenzung 0 bis 2 Jahre'),
        ('bev_3_5', 'insgesamt', 'insgesamt', 'insgesamt', 3, 5, 'Altersgliederung der Quelle erlaubt keine Abgrenzung 3 bis 5 Jahre'),
        ('bev_u15', 'insgesamt', 'insgesamt', 'insgesamt', 0, 14, 'Altersgliederung der Quelle erlaubt keine Abgrenzung 0 bis 14 Jahre'),
        ('bev_u18', 'insgesamt', 'insgesamt', 'insgesamt', 0, 17, 'Altersgliederung der Quelle erlaubt keine Abgrenzung 0 bis 17 Jahre'),
        ('bev_u20', 'insgesamt', 'insgesamt', 'insgesamt', 0, 19, 'Altersgliederung der Quelle erlaubt keine Abgrenzung 0 bis 19 Jahre'),
        ('bev_15_24', 'insgesamt', 'insgesamt', 'insgesamt', 15, 24, 'Altersgliederung der Quelle erlaubt keine Abgrenzung 15 bis 24 Jahre'),
        ('bev_15_64', 'insgesamt', 'insgesamt', 'insgesamt', 15, 64, 'Altersgliederung der Quelle erlaubt keine Abgrenzung 15 bis 64 Jahre'),
        ('bev_20_64', 'insgesamt', 'insgesamt', 'insgesamt', 20, 64, 'Altersgliederung der Quelle erlaubt keine Abgrenzung 20 bis 64 Jahre'),
        ('bev_u65', 'insgesamt', 'insgesamt', 'insgesamt', 0, 64, 'Altersgliederung der Quelle erlaubt keine Abgrenzung 0 bis 64 Jahre'),
        ('bev_65plus', 'insgesamt', 'insgesamt', 'insgesamt', 65, null, 'Altersgliederung der Quelle erlaubt keine Abgrenzung ab 65 Jahren'),
        ('bev_nichtdeutsch', 'insgesamt', 'nichtdeutsch', 'insgesamt', 0, null, 'Staatsangehörigkeit in der Quelle nicht ausgewiesen'),
        ('bev_migration', 'insgesamt', 'insgesamt', 'ja', 0, null, 'Migrationshintergrund in der Quelle nicht ausgewiesen')
),

zellen as (
    select stichtag, gebiet_id, alter_von, alter_bis, geschlecht, staatsangehoerigkeit, migrationshintergrund, anzahl
    from core.fact_bevoelkerung
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
    from einheiten as e
    cross join groessen as g
    left join treffer as t
        on t.groesse = g.groesse and t.stichtag = e.stichtag and t.gebiet_id = e.gebiet_id
)

select * from final;
