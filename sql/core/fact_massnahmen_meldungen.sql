-- Status der Maßnahmen, wie ihn jede Konferenz-Arbeitsmappe meldet: eine Zeile je Maßnahme und Mappe.
-- Eine Maßnahme ist über Gemeinde und Nr über alle Mappen hinweg dieselbe (massnahme_id = AGS:Nr); eine spätere
-- Mappe (Sachstand) aktualisiert so den Status einer früheren Maßnahme. Der Verlauf bleibt vollständig erhalten.
create or replace table core.fact_massnahmen_meldungen as
select
    m.gemeinde_id || ':' || m.nr as massnahme_id,
    m.gemeinde_id,
    m.nr,
    k.konferenz_id,
    m.datum as konferenz_datum,
    m.stand,
    m.titel,
    m.zustaendig,
    m.status,
    m.termin,
    m.gremium,
    m.bezug_ergebnis,
    m.datei_id,
    m.blatt,
    m.zeile,
from staging.stg_konferenz_massnahmen as m
inner join core.dim_konferenz as k using (datei_id)
order by m.gemeinde_id, m.nr, m.stand;
