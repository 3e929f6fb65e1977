-- Rechenschritte des Sozialindex (architektur.md §8, nach dem Berliner Monitoring Soziale Stadtentwicklung 2021):
-- je Stichtag, Ebene (sozialraum, gebiet), Gemeinde, Einheit und Index-Indikator der Wert, seine Veränderung
-- in Prozentpunkten über den Dynamik-Zeitraum und beide z-Werte (Richtung: höher = mehr Bedarf).
-- Einheiten unter der Mindesteinwohnerzahl oder ohne vollständige Werte werden nicht standardisiert;
-- sie stehen mit Grund in mart.sozialindex_werte (ausschluss) und in mart.sozialindex_ausschluesse.
-- Indikatoren, Gewichte, Zeitraum, Mindestgröße und Rundung: data/reference/sozialindex_*.csv.
create or replace table mart.sozialindex_werte as
with

parameter as (
    select
        cast(max(wert) filter (where parameter = 'mindest_einwohner') as double) as mindest_einwohner,
        cast(max(wert) filter (where parameter = 'dynamik_jahre') as integer) as dynamik_jahre,
        coalesce(max(wert) filter (where parameter = 'standardabweichung'), 'stichprobe') as standardabweichung,
    from raw.ref_sozialindex_parameter
),

index_indikatoren as (
    select
        s.indikator_id,
        cast(s.gewicht as double) as gewicht,
        case
            when k.indikator_id is null
                then error('sozialindex_indikatoren.csv: Indikator ' || s.indikator_id || ' steht nicht im Indikatorenkatalog.')
            when k.polaritaet = 0
                then error('sozialindex_indikatoren.csv: Indikator ' || s.indikator_id || ' hat die Polarität 0; '
                           || 'für den Sozialindex braucht er eine Richtung (+1 oder −1) in indikatoren.csv.')
            else sign(k.polaritaet)
        end as richtung,
    from raw.ref_sozialindex_indikatoren as s
    left join core.dim_indikator as k using (indikator_id)
),

-- heutige Einheiten: Sozialräume und gültige Gebiete (keine aufgelösten, kein „ohne Zuordnung“)
einheiten as (
    select gebiet_id, name, ebene, gemeinde_id
    from core.dim_gebiet
    where ebene in ('sozialraum', 'gebiet') and not ist_pseudo and aktuell_id = gebiet_id and gueltig_bis is null
),

mart_basis as (
    select stichtag, ebene, gebiet_id, indikator_id, wert
    from mart.indikator_werte
),

stichtage as (
    select distinct w.stichtag, e.ebene, e.gemeinde_id, e.gebiet_id, e.name
    from mart_basis as w
    inner join einheiten as e on e.gebiet_id = w.gebiet_id and e.ebene = w.ebene
    where w.indikator_id = 'bev_insgesamt' or w.indikator_id in (select indikator_id from index_indikatoren)
),

einwohner as (
    select stichtag, ebene, gebiet_id, wert as einwohner
    from mart_basis
    where indikator_id = 'bev_insgesamt'
),

werte as (
    select
        s.stichtag,
        s.ebene,
        s.gemeinde_id,
        s.gebiet_id,
        s.name,
        e.einwohner,
        i.indikator_id,
        i.gewicht,
        i.richtung,
        jetzt.wert,
        cast(s.stichtag - to_years(p.dynamik_jahre) as date) as vergleich_stichtag,
        frueher.wert as wert_vergleich,
        jetzt.wert - frueher.wert as veraenderung_pp,
    from stichtage as s
    cross join index_indikatoren as i
    cross join parameter as p
    left join einwohner as e using (stichtag, ebene, gebiet_id)
    left join mart_basis as jetzt
        on jetzt.stichtag = s.stichtag and jetzt.ebene = s.ebene and jetzt.gebiet_id = s.gebiet_id
        and jetzt.indikator_id = i.indikator_id
    left join mart_basis as frueher
        on frueher.stichtag = cast(s.stichtag - to_years(p.dynamik_jahre) as date) and frueher.ebene = s.ebene
        and frueher.gebiet_id = s.gebiet_id and frueher.indikator_id = i.indikator_id
),

-- Ausschlussgrund je Einheit und Stichtag (der erste zutreffende)
einheit_status as (
    select
        stichtag, ebene, gebiet_id,
        case
            when any_value(einwohner) is null then 'keine Einwohnerzahl'
            when any_value(einwohner) < any_value(p.mindest_einwohner)
                then 'weniger als ' || cast(any_value(p.mindest_einwohner) as integer) || ' Einwohnerinnen und Einwohner ('
                     || cast(any_value(einwohner) as integer) || ')'
            when bool_or(wert is null)
                then 'kein Wert für ' || string_agg(indikator_id, ', ' order by indikator_id) filter (where wert is null)
            when bool_or(wert_vergleich is null)
                then 'kein Vergleichswert ' || any_value(p.dynamik_jahre) || ' Jahre zuvor für '
                     || string_agg(indikator_id, ', ' order by indikator_id) filter (where wert_vergleich is null)
        end as ausschluss,
    from werte
    cross join parameter as p
    group by stichtag, ebene, gebiet_id
),

mit_status as (
    select w.*, s.ausschluss
    from werte as w
    inner join einheit_status as s using (stichtag, ebene, gebiet_id)
),

-- z-Standardisierung je Stichtag, Ebene, Gemeinde und Indikator über die einbezogenen Einheiten
verteilung as (
    select
        stichtag, ebene, gemeinde_id, indikator_id,
        avg(wert) as mittel_wert,
        case when any_value(p.standardabweichung) = 'grundgesamtheit' then stddev_pop(wert) else stddev_samp(wert) end
            as sd_wert,
        avg(veraenderung_pp) as mittel_veraenderung,
        case when any_value(p.standardabweichung) = 'grundgesamtheit'
            then stddev_pop(veraenderung_pp) else stddev_samp(veraenderung_pp) end as sd_veraenderung,
        count(*) as einheiten,
    from mit_status
    cross join parameter as p
    where ausschluss is null
    group by stichtag, ebene, gemeinde_id, indikator_id
),

final as (
    select
        m.stichtag,
        m.ebene,
        m.gemeinde_id,
        m.gebiet_id,
        m.name,
        m.einwohner,
        m.indikator_id,
        m.gewicht,
        m.richtung,
        m.wert,
        m.vergleich_stichtag,
        m.wert_vergleich,
        m.veraenderung_pp,
        -- ohne Streuung (alle Einheiten gleich) ist jede Einheit durchschnittlich: z = 0
        case when m.ausschluss is null
            then m.richtung * coalesce((m.wert - v.mittel_wert) / nullif(v.sd_wert, 0), 0) end as z_status,
        case when m.ausschluss is null
            then m.richtung * coalesce((m.veraenderung_pp - v.mittel_veraenderung) / nullif(v.sd_veraenderung, 0), 0)
        end as z_dynamik,
        v.einheiten,
        m.ausschluss,
    from mit_status as m
    left join verteilung as v using (stichtag, ebene, gemeinde_id, indikator_id)
)

select * from final
order by stichtag, ebene, gemeinde_id, gebiet_id, indikator_id;

comment on table mart.sozialindex_werte is 'Rechenschritte des Sozialindex: je Stichtag, Ebene, Einheit und Index-Indikator Wert, Veränderung in Prozentpunkten und z-Werte. Zum Nachrechnen und für die Methodik.';
comment on column mart.sozialindex_werte.stichtag is 'Stichtag.';
comment on column mart.sozialindex_werte.ebene is 'sozialraum oder gebiet.';
comment on column mart.sozialindex_werte.gemeinde_id is 'AGS der Gemeinde (Standardisierung innerhalb der Gemeinde).';
comment on column mart.sozialindex_werte.gebiet_id is 'Schlüssel des Sozialraums bzw. Gebiets.';
comment on column mart.sozialindex_werte.name is 'Name der Einheit.';
comment on column mart.sozialindex_werte.einwohner is 'Einwohnerinnen und Einwohner am Stichtag.';
comment on column mart.sozialindex_werte.indikator_id is 'Index-Indikator (aus sozialindex_indikatoren.csv).';
comment on column mart.sozialindex_werte.gewicht is 'Gewicht des Indikators in der Summe (Vorgabe 1 = ungewichtet).';
comment on column mart.sozialindex_werte.richtung is 'Vorzeichen aus der Polarität des Katalogs: +1, wenn ein höherer Wert mehr Bedarf bedeutet.';
comment on column mart.sozialindex_werte.wert is 'Indikatorwert am Stichtag (mart.indikator_werte).';
comment on column mart.sozialindex_werte.vergleich_stichtag is 'Stichtag des Vergleichswerts für die Dynamik.';
comment on column mart.sozialindex_werte.wert_vergleich is 'Indikatorwert am Vergleichsstichtag.';
comment on column mart.sozialindex_werte.veraenderung_pp is 'wert minus wert_vergleich in Prozentpunkten.';
comment on column mart.sozialindex_werte.z_status is 'richtung × (wert − Mittel) / Standardabweichung über die einbezogenen Einheiten; 0, wenn alle gleich sind.';
comment on column mart.sozialindex_werte.z_dynamik is 'richtung × (veraenderung_pp − Mittel) / Standardabweichung über die einbezogenen Einheiten.';
comment on column mart.sozialindex_werte.einheiten is 'Zahl der Einheiten, über die standardisiert wurde.';
comment on column mart.sozialindex_werte.ausschluss is 'Grund, warum die Einheit nicht eingeht (NULL = eingerechnet).';
