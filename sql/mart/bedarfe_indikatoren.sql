-- Die Indikatoren zu jedem Konferenzergebnis: eine Zeile je Ergebnis und verknüpftem Indikator
-- (Handlungsfeld → Indikatoren aus data/reference/handlungsfeld_indikatoren.csv), mit dem Wert des Sozialraums
-- am letzten Stichtag bis zum Konferenzdatum, dem Wert der Gemeinde und ob der Sozialraum – nach der Polarität
-- des Indikators – schlechter dasteht als die Gemeinde.
create or replace table mart.bedarfe_indikatoren as
with

links as (
    select handlungsfeld, indikator_id from raw.ref_handlungsfeld_indikatoren
),

ergebnisse as (
    select ergebnis_id, datum, gemeinde_id, raum_id, raum_ebene, handlungsfeld
    from core.fact_konferenz_ergebnisse
),

-- letzter Stichtag bis zum Konferenzdatum, an dem die Einheit einen Wert hat
kandidaten as (
    select
        e.ergebnis_id,
        l.indikator_id,
        w.stichtag,
        w.wert,
        w.wert_gemeinde,
        w.abweichung,
        w.einheit,
        w.hinweis,
        row_number() over (partition by e.ergebnis_id, l.indikator_id order by w.stichtag desc) as rang,
    from ergebnisse as e
    inner join links as l using (handlungsfeld)
    left join mart.indikator_werte as w
        on w.gebiet_id = e.raum_id and w.ebene = e.raum_ebene and w.indikator_id = l.indikator_id
        and w.stichtag <= e.datum and w.wert is not null
),

final as (
    select
        c.ergebnis_id,
        c.indikator_id,
        k.name as indikator,
        k.polaritaet,
        c.stichtag,
        c.wert,
        c.wert_gemeinde,
        c.abweichung,
        c.einheit,
        case
            when c.wert is null or k.polaritaet = 0 or e.raum_ebene <> 'sozialraum' then null
            else k.polaritaet * c.abweichung > 0
        end as schlechter_als_gemeinde,
        case
            when c.wert is null then 'kein Wert bis zum Konferenzdatum'
            when e.raum_ebene <> 'sozialraum' then 'Gesamtstadt: kein Vergleich mit der Gemeinde möglich'
            when k.polaritaet = 0 then 'beschreibender Indikator ohne Richtung: geht nicht in die Bewertung ein'
        end as hinweis,
    from kandidaten as c
    inner join ergebnisse as e using (ergebnis_id)
    inner join core.dim_indikator as k using (indikator_id)
    where c.rang = 1
)

select * from final
order by ergebnis_id, indikator_id;

comment on table mart.bedarfe_indikatoren is 'Je Konferenzergebnis die Indikatoren seines Handlungsfelds (data/reference/handlungsfeld_indikatoren.csv) mit Wert des Sozialraums am letzten Stichtag bis zur Konferenz und Vergleich mit der Gemeinde.';
comment on column mart.bedarfe_indikatoren.ergebnis_id is 'Ergebnis (mart.bedarfe.ergebnis_id).';
comment on column mart.bedarfe_indikatoren.indikator_id is 'Verknüpfter Indikator (core.dim_indikator).';
comment on column mart.bedarfe_indikatoren.indikator is 'Name des Indikators.';
comment on column mart.bedarfe_indikatoren.polaritaet is '+1: höherer Wert = mehr Bedarf; −1: niedrigerer Wert = mehr Bedarf (z. B. Kita-Versorgung); 0: ohne Richtung.';
comment on column mart.bedarfe_indikatoren.stichtag is 'Letzter Stichtag bis zum Konferenzdatum mit einem Wert (Kita-Plätze zum 01.03. zählen zum 31.12. des Vorjahres).';
comment on column mart.bedarfe_indikatoren.wert is 'Wert des Sozialraums (bzw. der Gemeinde bei gesamtstädtischen Ergebnissen).';
comment on column mart.bedarfe_indikatoren.wert_gemeinde is 'Wert der Gemeinde am selben Stichtag.';
comment on column mart.bedarfe_indikatoren.abweichung is 'wert minus wert_gemeinde.';
comment on column mart.bedarfe_indikatoren.einheit is 'Einheit des Werts.';
comment on column mart.bedarfe_indikatoren.schlechter_als_gemeinde is 'Wahr, wenn polaritaet × abweichung > 0, d. h. der Sozialraum in Richtung Bedarf vom Gemeindewert abweicht; NULL ohne Wert, ohne Richtung oder bei Gesamtstadt.';
comment on column mart.bedarfe_indikatoren.hinweis is 'Warum ein Indikator nicht in die Bewertung eingeht.';
