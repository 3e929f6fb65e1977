-- Maßnahmen aus den Sozialraumkonferenzen mit aktuellem Status (letzte Meldung über alle Arbeitsmappen),
-- den aufgegriffenen Ergebnissen – und als eigene Zeilen (zeilenart 'offener Bedarf') die benannten Bedarfe,
-- die noch keine Maßnahme haben (keine oder nur verworfene).
create or replace table mart.massnahmen as
with

meldungen as (
    select * from core.fact_massnahmen_meldungen
),

aktuell as (
    select
        massnahme_id,
        any_value(gemeinde_id) as gemeinde_id,
        any_value(nr) as nr,
        arg_max(titel, stand) as titel,
        arg_max(zustaendig, stand) filter (where zustaendig is not null) as zustaendig,
        arg_max(gremium, stand) filter (where gremium is not null) as gremium,
        arg_max(status, stand) as status,
        arg_max(termin, stand) as termin,
        max(stand) as status_stand,
        arg_min(konferenz_id, stand) as erste_konferenz_id,
        count(*) as meldungen,
        string_agg(status || ' (' || strftime(stand, '%d.%m.%Y') || ')', ' → ' order by stand) as status_verlauf,
    from meldungen
    group by massnahme_id
),

bezuege as (
    select
        b.massnahme_id,
        list(distinct b.ergebnis_id order by b.ergebnis_id) filter (where b.ergebnis_id is not null) as ergebnis_ids,
        list(distinct e.sozialraum_id order by e.sozialraum_id) filter (where e.sozialraum_id is not null) as sozialraum_ids,
        list(distinct e.handlungsfeld order by e.handlungsfeld) filter (where e.handlungsfeld is not null) as handlungsfelder,
        string_agg(distinct b.hinweis, '; ') as hinweis,
    from core.bridge_massnahme_ergebnis as b
    left join core.fact_konferenz_ergebnisse as e using (ergebnis_id)
    group by b.massnahme_id
),

massnahmen as (
    select
        'Maßnahme' as zeilenart,
        a.massnahme_id,
        a.gemeinde_id,
        a.nr,
        a.titel,
        a.zustaendig,
        a.gremium,
        a.status,
        a.termin,
        a.status_stand,
        a.status_verlauf,
        a.meldungen,
        a.erste_konferenz_id as konferenz_id,
        coalesce(b.ergebnis_ids, []) as ergebnis_ids,
        coalesce(b.sozialraum_ids, []) as sozialraum_ids,
        coalesce(b.handlungsfelder, []) as handlungsfelder,
        cast(null as integer) as prioritaet,
        b.hinweis,
    from aktuell as a
    left join bezuege as b using (massnahme_id)
),

offene_bedarfe as (
    select
        'offener Bedarf' as zeilenart,
        cast(null as varchar) as massnahme_id,
        gemeinde_id,
        cast(null as varchar) as nr,
        beschreibung as titel,
        cast(null as varchar) as zustaendig,
        cast(null as varchar) as gremium,
        cast(null as varchar) as status,
        cast(null as date) as termin,
        cast(null as date) as status_stand,
        cast(null as varchar) as status_verlauf,
        0 as meldungen,
        konferenz_id,
        [ergebnis_id] as ergebnis_ids,
        case when sozialraum_id is null then [] else [sozialraum_id] end as sozialraum_ids,
        [handlungsfeld] as handlungsfelder,
        prioritaet,
        case when len(massnahme_ids) > 0 then 'alle Maßnahmen zu diesem Bedarf sind verworfen'
             else 'noch keine Maßnahme' end as hinweis,
    from mart.bedarfe
    where art = 'Bedarf' and not hat_massnahme
)

select * from massnahmen
union all by name
select * from offene_bedarfe
order by gemeinde_id, zeilenart, massnahme_id, konferenz_id, ergebnis_ids;

comment on table mart.massnahmen is 'Maßnahmen der Sozialraumkonferenzen mit aktuellem Status und aufgegriffenen Ergebnissen; dazu als zeilenart „offener Bedarf“ die benannten Bedarfe ohne (nicht verworfene) Maßnahme. Statusverlauf je Meldung: mart.massnahmen_verlauf.';
comment on column mart.massnahmen.zeilenart is '„Maßnahme“ oder „offener Bedarf“ (Bedarf ohne Maßnahme).';
comment on column mart.massnahmen.massnahme_id is 'Schlüssel der Maßnahme: AGS:Nr – über alle Arbeitsmappen derselben Gemeinde dieselbe Maßnahme.';
comment on column mart.massnahmen.gemeinde_id is 'AGS der Gemeinde.';
comment on column mart.massnahmen.nr is 'Nr der Maßnahme in den Arbeitsmappen.';
comment on column mart.massnahmen.titel is 'Titel der Maßnahme (letzte Meldung); bei offenen Bedarfen die Beschreibung des Bedarfs.';
comment on column mart.massnahmen.zustaendig is 'Zuständige Stelle (letzte Meldung mit Angabe).';
comment on column mart.massnahmen.gremium is 'Gremium, das befasst ist oder entscheidet (letzte Meldung mit Angabe).';
comment on column mart.massnahmen.status is 'Aktueller Status aus der jüngsten Meldung: vorgeschlagen, beschlossen, in Umsetzung, umgesetzt oder verworfen.';
comment on column mart.massnahmen.termin is 'Termin laut jüngster Meldung.';
comment on column mart.massnahmen.status_stand is 'Stand der jüngsten Meldung (Konferenzdatum bzw. Stand der Mappe).';
comment on column mart.massnahmen.status_verlauf is 'Statusverlauf über alle Mappen, z. B. „vorgeschlagen (21.09.2022) → in Umsetzung (15.03.2023)“.';
comment on column mart.massnahmen.meldungen is 'Zahl der Arbeitsmappen, die die Maßnahme melden.';
comment on column mart.massnahmen.konferenz_id is 'Konferenz, in der die Maßnahme zuerst erscheint (bzw. der Bedarf benannt wurde).';
comment on column mart.massnahmen.ergebnis_ids is 'Aufgegriffene Ergebnisse (mart.bedarfe.ergebnis_id).';
comment on column mart.massnahmen.sozialraum_ids is 'Sozialräume der aufgegriffenen Ergebnisse.';
comment on column mart.massnahmen.handlungsfelder is 'Handlungsfelder der aufgegriffenen Ergebnisse.';
comment on column mart.massnahmen.prioritaet is 'Bei offenen Bedarfen: Priorität des Bedarfs (1 = hoch).';
comment on column mart.massnahmen.hinweis is 'Hinweise, z. B. nicht auffindbare Ergebnis-Nummern oder warum ein Bedarf offen ist.';
