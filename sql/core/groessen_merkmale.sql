-- Partition: stichtag
-- Größen aus den weiteren Merkmalen (architektur.md §5.5): eine Zeile je Stichtag × Gebiet × Größe. Erklärt in
-- data/reference/groessen.csv (quelle = merkmale: Merkmal, Geschlecht, Altersgrenzen); dazu ist jedes Merkmal aus
-- merkmale.csv selbst eine Größe gleichen Namens (insgesamt, alle Alter), wenn groessen.csv den Namen nicht erklärt.
-- Anzahlen und Salden kommen aus der genau passenden Zelle oder aus Altersbändern, die die Grenzen lückenlos und ohne
-- Überschneidung abdecken; sonst NULL mit Hinweis (nie geschätzt). Ein Wert der Art „wert“ kommt nur aus der genau
-- passenden Zelle, steht in `wert` (nicht in `anzahl`) und ist nicht summierbar (`additiv` = false):
-- mart.indikator_werte zeigt ihn nur für das gelieferte Gebiet und nimmt ihn in keinen Zähler oder Nenner.
create or replace table core.groessen_merkmale as
with

erklaert as (
    select
        groesse,
        merkmal,
        coalesce(nullif(geschlecht, ''), 'insgesamt') as geschlecht,
        coalesce(cast(nullif(alter_von, '') as integer), 0) as ziel_von,
        cast(nullif(alter_bis, '') as integer) as ziel_bis,
        nullif(hinweis_fehlt, '') as hinweis_fehlt,
    from raw.ref_groessen
    where quelle = 'merkmale'
    union all
    -- jedes Merkmal ist auch eine Größe gleichen Namens (insgesamt, alle Alter)
    select merkmal, merkmal, 'insgesamt', 0, null, null
    from raw.ref_merkmale
    where merkmal not in (select groesse from raw.ref_groessen)
),

groessen as (
    select erklaert.*, katalog.art, katalog.name as merkmal_name,
    from erklaert
    inner join raw.ref_merkmale as katalog using (merkmal)
),

zellen as (
    select stichtag, gebiet_id, merkmal, geschlecht, alter_von, alter_bis, wert
    from core.fact_merkmale
),

-- die Zelle, die genau die Größe ist
genau as (
    select g.groesse, z.stichtag, z.gebiet_id, z.wert
    from zellen as z
    inner join groessen as g
        on z.merkmal = g.merkmal and z.geschlecht = g.geschlecht
        and z.alter_von = g.ziel_von and z.alter_bis is not distinct from g.ziel_bis
),

-- sonst: Altersbänder ganz innerhalb der Grenzen (nur summierbare Arten), nach ihrem Beginn geordnet
baender as (
    select
        g.groesse,
        z.stichtag,
        z.gebiet_id,
        z.alter_von,
        z.alter_bis,
        z.wert,
        g.ziel_von,
        g.ziel_bis,
        lag(z.alter_bis) over teile as vorher_bis,
        row_number() over teile as nr,
    from zellen as z
    inner join groessen as g on z.merkmal = g.merkmal and z.geschlecht = g.geschlecht
    where g.art <> 'wert'
        and z.alter_von >= g.ziel_von
        and (g.ziel_bis is null or z.alter_bis <= g.ziel_bis)
        and not (z.alter_von = g.ziel_von and z.alter_bis is not distinct from g.ziel_bis)
    window teile as (partition by g.groesse, z.stichtag, z.gebiet_id order by z.alter_von, z.alter_bis nulls last)
),

-- lückenlos: jedes Band beginnt ein Jahr nach dem Ende des vorigen (keine Lücke, keine Überschneidung), das erste an
-- der unteren Grenze, genau eines endet an der oberen
aus_baendern as (
    select
        groesse,
        stichtag,
        gebiet_id,
        bool_and(coalesce(case when nr = 1 then alter_von = ziel_von else alter_von = vorher_bis + 1 end, false))
            and count(*) filter (where alter_bis is not distinct from ziel_bis) = 1 as lueckenlos,
        case when bool_and(wert is not null) then sum(wert) end as summe,
    from baender
    group by groesse, stichtag, gebiet_id
),

einheiten as (
    select distinct stichtag, gebiet_id, merkmal from zellen
),

geschlechter as (
    select distinct stichtag, gebiet_id, merkmal, geschlecht from zellen
),

final as (
    select
        e.stichtag,
        e.gebiet_id,
        g.groesse,
        case
            when g.art = 'wert' then null
            when genau.groesse is not null then cast(genau.wert as bigint)
            when b.lueckenlos then cast(b.summe as bigint)
        end as anzahl,
        case when g.art = 'wert' then genau.wert end as wert,
        g.art <> 'wert' as additiv,
        case
            when genau.groesse is not null and genau.wert is null
                then g.merkmal_name || ': Wert in der Quelle gesperrt oder unbekannt'
            when genau.groesse is not null then null
            when b.lueckenlos and b.summe is null then g.merkmal_name || ': Wert in der Quelle gesperrt oder unbekannt'
            when b.lueckenlos then null
            when g.hinweis_fehlt is not null then g.hinweis_fehlt
            when gs.geschlecht is null then g.merkmal_name || ': Geschlecht ' || g.geschlecht || ' in der Quelle nicht ausgewiesen'
            when g.art = 'wert' then g.merkmal_name || ': keine Zelle genau für diese Abgrenzung geliefert (ein nicht '
                || 'summierbarer Wert wird nie aus Teilen gebildet)'
            else g.merkmal_name || ': Altersgliederung der Quelle erlaubt keine Abgrenzung '
                || case
                    when g.ziel_von = 0 and g.ziel_bis is null then 'aller Altersjahre'
                    when g.ziel_bis is null then 'ab ' || g.ziel_von || ' Jahren'
                    else g.ziel_von || ' bis ' || g.ziel_bis || ' Jahre'
                end
        end as hinweis,
        'merkmale' as quelle,
    from einheiten as e
    inner join groessen as g using (merkmal)
    left join genau on genau.groesse = g.groesse and genau.stichtag = e.stichtag and genau.gebiet_id = e.gebiet_id
    left join aus_baendern as b on b.groesse = g.groesse and b.stichtag = e.stichtag and b.gebiet_id = e.gebiet_id
    left join geschlechter as gs
        on gs.stichtag = e.stichtag and gs.gebiet_id = e.gebiet_id and gs.merkmal = g.merkmal
        and gs.geschlecht = g.geschlecht
)

select * from final;
