-- Statusverlauf der Maßnahmen: eine Zeile je Maßnahme und Meldung (Arbeitsmappe), in zeitlicher Folge.
create or replace table mart.massnahmen_verlauf as
select
    massnahme_id,
    gemeinde_id,
    nr,
    konferenz_id,
    stand,
    status,
    lag(status) over (partition by massnahme_id order by stand) as status_vorher,
    termin,
    titel,
from core.fact_massnahmen_meldungen
order by massnahme_id, stand;

comment on table mart.massnahmen_verlauf is 'Statusverlauf jeder Maßnahme: eine Zeile je Meldung in einer Konferenz-Arbeitsmappe.';
comment on column mart.massnahmen_verlauf.massnahme_id is 'Maßnahme (AGS:Nr).';
comment on column mart.massnahmen_verlauf.gemeinde_id is 'AGS der Gemeinde.';
comment on column mart.massnahmen_verlauf.nr is 'Nr der Maßnahme.';
comment on column mart.massnahmen_verlauf.konferenz_id is 'Konferenz, deren Arbeitsmappe diesen Stand meldet.';
comment on column mart.massnahmen_verlauf.stand is 'Stand der Meldung (Stand der Mappe, sonst Konferenzdatum).';
comment on column mart.massnahmen_verlauf.status is 'Gemeldeter Status.';
comment on column mart.massnahmen_verlauf.status_vorher is 'Status der vorigen Meldung (NULL bei der ersten).';
comment on column mart.massnahmen_verlauf.termin is 'Gemeldeter Termin.';
comment on column mart.massnahmen_verlauf.titel is 'Titel laut dieser Meldung.';
