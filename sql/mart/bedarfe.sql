-- Konferenzergebnisse mit den Daten: eine Zeile je Ergebnis (Bedarf, Ressource, Maßnahmenvorschlag) mit
-- Sozialraum, Handlungsfeld, Priorität, den verknüpften Indikatorwerten und ob die Daten den Bedarf bestätigen.
-- Bewertung (nur Bedarfe und Maßnahmenvorschläge eines Sozialraums, nur Indikatoren mit Richtung und Wert):
-- bestätigt = alle schlechter als die Gemeinde, teilweise bestätigt = einige, nicht bestätigt = keiner,
-- nicht prüfbar = kein bewertbarer Indikator.
create or replace table mart.bedarfe as
with

ergebnisse as (
    select e.*, g.name as sozialraum
    from core.fact_konferenz_ergebnisse as e
    left join core.dim_gebiet as g on g.gebiet_id = e.sozialraum_id and g.ebene = 'sozialraum'
),

indikatoren as (
    select
        ergebnis_id,
        list({
            'indikator_id': indikator_id, 'stichtag': stichtag, 'wert': wert, 'wert_gemeinde': wert_gemeinde,
            'abweichung': abweichung, 'schlechter_als_gemeinde': schlechter_als_gemeinde
        } order by indikator_id) as indikatoren,
        string_agg(
            indikator || ' ' || coalesce(replace(cast(round(wert, 1) as varchar), '.', ',') || ' ' || einheit, 'k. A.')
            || coalesce(' (Gemeinde ' || replace(cast(round(wert_gemeinde, 1) as varchar), '.', ',') || ')', ''),
            '; ' order by indikator_id
        ) as indikatoren_text,
        max(stichtag) as datenstand,
        count(schlechter_als_gemeinde) as indikatoren_bewertet,
        count(*) filter (where schlechter_als_gemeinde) as indikatoren_schlechter,
    from mart.bedarfe_indikatoren
    group by ergebnis_id
),

massnahmen as (
    select
        b.ergebnis_id,
        list(distinct b.massnahme_id order by b.massnahme_id) as massnahme_ids,
        bool_or(m.status <> 'verworfen') as hat_massnahme,
    from core.bridge_massnahme_ergebnis as b
    inner join (
        select massnahme_id, arg_max(status, stand) as status from core.fact_massnahmen_meldungen group by massnahme_id
    ) as m using (massnahme_id)
    where b.ergebnis_id is not null
    group by b.ergebnis_id
),

final as (
    select
        e.ergebnis_id,
        e.konferenz_id,
        e.datum as konferenz_datum,
        e.gemeinde_id,
        e.nr,
        e.ag,
        e.sozialraum_id,
        coalesce(e.sozialraum, case when e.raum_ebene = 'gemeinde' then 'Gesamtstadt' end) as raum,
        e.handlungsfeld,
        e.art,
        e.prioritaet,
        e.beschreibung,
        i.datenstand,
        i.indikatoren,
        i.indikatoren_text,
        coalesce(i.indikatoren_bewertet, 0) as indikatoren_bewertet,
        coalesce(i.indikatoren_schlechter, 0) as indikatoren_schlechter,
        case
            when e.art = 'Ressource' or e.sozialraum_id is null or coalesce(i.indikatoren_bewertet, 0) = 0 then null
            else i.indikatoren_schlechter > 0
        end as bestaetigt,
        case
            when e.art = 'Ressource' then 'nicht bewertet: Ressource'
            when e.sozialraum_id is null then 'nicht prüfbar: gesamtstädtisches Ergebnis'
            when i.ergebnis_id is null then 'nicht prüfbar: keine Indikatoren für dieses Handlungsfeld verknüpft'
            when i.indikatoren_bewertet = 0 then 'nicht prüfbar: keine bewertbaren Indikatorwerte bis zum Konferenzdatum'
            when i.indikatoren_schlechter = i.indikatoren_bewertet then 'bestätigt'
            when i.indikatoren_schlechter > 0 then 'teilweise bestätigt'
            else 'nicht bestätigt'
        end as bewertung,
        coalesce(m.massnahme_ids, []) as massnahme_ids,
        coalesce(m.hat_massnahme, false) as hat_massnahme,
    from ergebnisse as e
    left join indikatoren as i using (ergebnis_id)
    left join massnahmen as m using (ergebnis_id)
)

select * from final
order by gemeinde_id, konferenz_datum, nr;

comment on table mart.bedarfe is 'Ergebnisse der Sozialraumkonferenzen (eine Zeile je Ergebnis) mit Sozialraum, Handlungsfeld, Priorität, den Werten der verknüpften Indikatoren am letzten Stichtag bis zur Konferenz und ob die Daten den Bedarf bestätigen. Einzelwerte: mart.bedarfe_indikatoren.';
comment on column mart.bedarfe.ergebnis_id is 'Schlüssel des Ergebnisses: konferenz_id/Nr.';
comment on column mart.bedarfe.konferenz_id is 'Konferenz (AGS-Datum), siehe core.dim_konferenz.';
comment on column mart.bedarfe.konferenz_datum is 'Datum der Konferenz.';
comment on column mart.bedarfe.gemeinde_id is 'AGS der Gemeinde.';
comment on column mart.bedarfe.nr is 'Nr des Ergebnisses in der Arbeitsmappe.';
comment on column mart.bedarfe.ag is 'Arbeitsgruppe.';
comment on column mart.bedarfe.sozialraum_id is 'Sozialraum des Ergebnisses; NULL bei gesamtstädtischen Ergebnissen.';
comment on column mart.bedarfe.raum is 'Name des Sozialraums oder „Gesamtstadt“.';
comment on column mart.bedarfe.handlungsfeld is 'Handlungsfeld (Vokabular architektur.md §5.2), z. B. Kinderbetreuung.';
comment on column mart.bedarfe.art is 'Bedarf, Ressource oder Maßnahmenvorschlag.';
comment on column mart.bedarfe.prioritaet is 'Priorität 1 (hoch) bis 3; bei Ressourcen meist leer.';
comment on column mart.bedarfe.beschreibung is 'Beschreibung aus der Arbeitsmappe (ohne Namen und E-Mail-Adressen).';
comment on column mart.bedarfe.datenstand is 'Jüngster Stichtag der herangezogenen Indikatorwerte (bis zum Konferenzdatum).';
comment on column mart.bedarfe.indikatoren is 'Liste der verknüpften Indikatoren mit Stichtag, Wert, Gemeindewert, Abweichung und ob schlechter als die Gemeinde.';
comment on column mart.bedarfe.indikatoren_text is 'Dieselben Werte lesbar, z. B. „Versorgungsquote Kindertagesbetreuung U3 24,3 % (Gemeinde 34,2)“.';
comment on column mart.bedarfe.indikatoren_bewertet is 'Zahl der Indikatoren mit Richtung und Wert, die in die Bewertung eingehen.';
comment on column mart.bedarfe.indikatoren_schlechter is 'Davon schlechter als die Gemeinde (nach Polarität).';
comment on column mart.bedarfe.bestaetigt is 'Wahr, wenn mindestens ein bewerteter Indikator den Sozialraum schlechter als die Gemeinde zeigt; falsch, wenn keiner; NULL, wenn nicht prüfbar.';
comment on column mart.bedarfe.bewertung is 'bestätigt (alle bewerteten Indikatoren schlechter), teilweise bestätigt, nicht bestätigt oder nicht prüfbar/nicht bewertet mit Grund.';
comment on column mart.bedarfe.massnahme_ids is 'Maßnahmen, die sich auf dieses Ergebnis beziehen (mart.massnahmen).';
comment on column mart.bedarfe.hat_massnahme is 'Wahr, wenn mindestens eine nicht verworfene Maßnahme das Ergebnis aufgreift.';
