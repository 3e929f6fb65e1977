-- Berichtstabelle „SGB II und Mindestsicherung“ je Sozialraum und für die Gemeinde. Parameter: $stichtag.
with

w as (
    -- dazu die Fallzahl am Stichtag der vorigen Ausgabe (Geheimhaltung der Veränderung, sozial_dwh/bericht/geheimhaltung.py)
    select w.*, v.zaehler as zaehler_vorher
    from mart.indikator_werte as w
    left join mart.indikator_werte as v
        on v.stichtag = (select max(b.vergleich_stichtag) from core.dim_bericht as b where b.stichtag = $stichtag)
        and v.ebene = w.ebene and v.gebiet_id = w.gebiet_id and v.indikator_id = w.indikator_id
    where w.stichtag = $stichtag and w.ebene in ('sozialraum', 'gemeinde')
),

raeume as (
    select gebiet_id, ebene, name, gemeinde_id from core.dim_gebiet where ebene in ('sozialraum', 'gemeinde')
)

select
    w.ebene,
    w.gebiet_id as raum_id,
    case when w.ebene = 'gemeinde' then 'Gemeinde ' || any_value(r.name) else any_value(r.name) end as raum,
    any_value(r.gemeinde_id) as gemeinde_id,
    max(w.zaehler) filter (where w.indikator_id = 'sgb2_quote') as leistungsberechtigte,
    max(w.zaehler_vorher) filter (where w.indikator_id = 'sgb2_quote') as leistungsberechtigte_vorher,
    max(w.wert) filter (where w.indikator_id = 'sgb2_quote') as sgb2_quote,
    max(w.veraenderung_bericht) filter (where w.indikator_id = 'sgb2_quote') as sgb2_quote_veraenderung,
    max(w.zaehler) filter (where w.indikator_id = 'elb_quote') as elb,
    max(w.wert) filter (where w.indikator_id = 'elb_quote') as elb_quote,
    max(w.zaehler) filter (where w.indikator_id = 'kinderarmut_u15') as nef_u15,
    max(w.wert) filter (where w.indikator_id = 'kinderarmut_u15') as kinderarmut_u15,
    max(w.zaehler) filter (where w.indikator_id = 'alleinerziehende_bg') as bg_alleinerziehend,
    max(w.wert) filter (where w.indikator_id = 'alleinerziehende_bg') as alleinerziehende_bg,
    max(w.zaehler) filter (where w.indikator_id = 'altersarmut_65plus') as grusi_alter,
    max(w.wert) filter (where w.indikator_id = 'altersarmut_65plus') as altersarmut_65plus,
    max(w.zaehler) filter (where w.indikator_id = 'mindestsicherungsquote') as mindestsicherung,
    max(w.wert) filter (where w.indikator_id = 'mindestsicherungsquote') as mindestsicherungsquote,
from w
inner join raeume as r on r.gebiet_id = w.gebiet_id and r.ebene = w.ebene
group by w.ebene, w.gebiet_id
order by gemeinde_id, w.ebene desc, w.gebiet_id
