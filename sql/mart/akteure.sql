-- Akteure je Konferenz und Raum: welche Sektoren vertreten waren und welche fehlten – die Lücke in der
-- Koordination, die die Konferenz selbst benannt hat. Eine Zeile je Konferenz × Raum (Sozialräume der
-- Konferenz und Gesamtstadt) × Sektor des Vokabulars, auch für fehlende Sektoren (organisationen = 0).
create or replace table mart.akteure as
with

sektoren as (
    select wert as sektor, cast(rang as integer) as rang from raw.ref_vokabular where feld = 'sektor'
),

raeume as (
    select konferenz_id, unnest(sozialraeume) as raum_id, 'sozialraum' as raum_ebene from core.dim_konferenz
    union
    select konferenz_id, gemeinde_id, 'gemeinde' from core.dim_konferenz
    union
    select konferenz_id, raum_id, raum_ebene from core.fact_konferenz_teilnahme
),

final as (
    select
        r.konferenz_id,
        k.datum as konferenz_datum,
        k.gemeinde_id,
        r.raum_ebene,
        case when r.raum_ebene = 'sozialraum' then r.raum_id end as sozialraum_id,
        coalesce(case when r.raum_ebene = 'gemeinde' then 'Gesamtstadt' end, g.name, r.raum_id) as raum,
        s.sektor,
        s.rang as sektor_rang,
        count(distinct t.organisation) as organisationen,
        coalesce(sum(t.teilnehmende), 0) as teilnehmende,
        string_agg(distinct t.organisation, '; ' order by t.organisation) as organisationen_liste,
        count(t.organisation) = 0 as fehlt,
    from raeume as r
    inner join core.dim_konferenz as k using (konferenz_id)
    cross join sektoren as s
    left join core.dim_gebiet as g on g.gebiet_id = r.raum_id and g.ebene = r.raum_ebene
    left join core.fact_konferenz_teilnahme as t
        on t.konferenz_id = r.konferenz_id and t.raum_id = r.raum_id and t.sektor = s.sektor
    group by all
)

select * from final
order by konferenz_id, raum_ebene desc, sozialraum_id, sektor_rang;

comment on table mart.akteure is 'Beteiligung je Konferenz, Raum (Sozialraum oder Gesamtstadt) und Sektor: wie viele Organisationen und Teilnehmende – und welche Sektoren fehlten (fehlt = wahr). Personen werden nur gezählt.';
comment on column mart.akteure.konferenz_id is 'Konferenz (AGS-Datum).';
comment on column mart.akteure.konferenz_datum is 'Datum der Konferenz.';
comment on column mart.akteure.gemeinde_id is 'AGS der Gemeinde.';
comment on column mart.akteure.raum_ebene is 'sozialraum oder gemeinde (Gesamtstadt: Organisationen ohne Sozialraumbezug).';
comment on column mart.akteure.sozialraum_id is 'Sozialraum; NULL für die Gesamtstadt.';
comment on column mart.akteure.raum is 'Name des Sozialraums oder „Gesamtstadt“.';
comment on column mart.akteure.sektor is 'Sektor aus dem Vokabular (soziale Einrichtung, Glaubensgemeinschaft, …).';
comment on column mart.akteure.sektor_rang is 'Reihenfolge des Sektors im Vokabular (für Tabellen).';
comment on column mart.akteure.organisationen is 'Zahl verschiedener Organisationen dieses Sektors.';
comment on column mart.akteure.teilnehmende is 'Zahl der Teilnehmenden dieser Organisationen (nur gezählt, keine Namen).';
comment on column mart.akteure.organisationen_liste is 'Die Organisationen, durch Semikolon getrennt.';
comment on column mart.akteure.fehlt is 'Wahr, wenn der Sektor in diesem Raum bei dieser Konferenz nicht vertreten war.';
