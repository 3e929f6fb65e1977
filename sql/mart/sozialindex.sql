-- Der Sozialindex der Sozialräume (architektur.md §7/§8): eine Zeile je Stichtag und Sozialraum.
-- Sozialräume unter der Mindesteinwohnerzahl oder ohne vollständige Werte fehlen hier und stehen in
-- mart.sozialindex_ausschluesse.
create or replace table mart.sozialindex as
select
    stichtag,
    einheit_id as sozialraum_id,
    name,
    gemeinde_id,
    einwohner,
    vergleich_stichtag,
    statusindex,
    statusklasse,
    dynamikindex,
    dynamikklasse,
    gesamtklasse,
    gesamtgruppe,
from mart.sozialindex_ebenen
where ebene = 'sozialraum'
order by stichtag, gemeinde_id, sozialraum_id;

comment on table mart.sozialindex is 'Sozialindex der Sozialräume je Stichtag (nach dem Berliner Monitoring Soziale Stadtentwicklung 2021): Statusindex, Dynamikindex über zwei Jahre und Gesamtklasse. Ausgeschlossene Sozialräume: mart.sozialindex_ausschluesse; Rechenschritte: mart.sozialindex_werte.';
comment on column mart.sozialindex.stichtag is 'Stichtag der Indikatorwerte.';
comment on column mart.sozialindex.sozialraum_id is 'Schlüssel des Sozialraums (core.dim_gebiet).';
comment on column mart.sozialindex.name is 'Name des Sozialraums.';
comment on column mart.sozialindex.gemeinde_id is 'AGS der Gemeinde; standardisiert wird innerhalb der Gemeinde.';
comment on column mart.sozialindex.einwohner is 'Einwohnerinnen und Einwohner am Stichtag.';
comment on column mart.sozialindex.vergleich_stichtag is 'Stichtag, gegen den die Dynamik gerechnet ist (Vorgabe: zwei Jahre zuvor).';
comment on column mart.sozialindex.statusindex is 'Statusindex: Summe der gewichteten z-Werte von Arbeitslosenanteil, SGB-II-Quote und Kinderarmut (Vorgabe), erneut z-standardisiert; höher = mehr Bedarf.';
comment on column mart.sozialindex.statusklasse is 'hoch (< −1,0), mittel (−1,0 bis +1,0), niedrig (über +1,0 bis +1,5), sehr niedrig (> +1,5); „hoch“ = guter sozialer Status.';
comment on column mart.sozialindex.dynamikindex is 'Dynamikindex aus den Veränderungen in Prozentpunkten gegenüber vergleich_stichtag, ebenso standardisiert.';
comment on column mart.sozialindex.dynamikklasse is 'positiv (< −1,0), stabil (−1,0 bis +1,0), negativ (> +1,0).';
comment on column mart.sozialindex.gesamtklasse is 'Statusklasse / Dynamikklasse (12 Gruppen), z. B. „mittel / stabil“.';
comment on column mart.sozialindex.gesamtgruppe is 'Nummer der Gesamtklasse 1–12 (1 = hoch / positiv, 12 = sehr niedrig / negativ).';
