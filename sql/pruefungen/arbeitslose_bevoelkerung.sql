-- Prüfdaten: Arbeitslose insgesamt je Gebiet neben den Einwohnern von 15 bis 64 desselben Stichtags.
-- Arbeitslose insgesamt = Zelle insgesamt/insgesamt, sonst SGB II + SGB III.
with zellen as (
    select rowid as zeilen_id, * from staging.stg_arbeitslose where not ist_pseudo and merkmal = 'insgesamt'
),
arbeitslose as (
    select
        min(zeilen_id) as zeilen_id, min(datei_id) as datei_id, min(blatt) as blatt, min(zeile) as zeile,
        stichtag, gebiet_id,
        coalesce(
            max(anzahl) filter (where rechtskreis = 'insgesamt'),
            max(anzahl) filter (where rechtskreis = 'sgb2') + max(anzahl) filter (where rechtskreis = 'sgb3')
        ) as arbeitslose,
    from zellen
    group by stichtag, gebiet_id
)
select arbeitslose.*, groessen.anzahl as bev_15_64
from arbeitslose
left join core.groessen_bevoelkerung as groessen
    on groessen.stichtag = arbeitslose.stichtag and groessen.gebiet_id = arbeitslose.gebiet_id
    and groessen.groesse = 'bev_15_64'
