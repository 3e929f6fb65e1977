-- Sozialindex je Stichtag für Sozialräume und Gebiete (architektur.md §8): die gewichtete Summe der z-Werte der
-- Index-Indikatoren wird erneut z-standardisiert (Statusindex; Dynamikindex ebenso aus den Veränderungen
-- in Prozentpunkten), gerundet und nach den Grenzen aus sozialindex_klassen.csv klassiert.
create or replace table mart.sozialindex_ebenen as
with

parameter as (
    select
        cast(max(wert) filter (where parameter = 'nachkommastellen') as integer) as stellen,
        coalesce(max(wert) filter (where parameter = 'standardabweichung'), 'stichprobe') as standardabweichung,
    from raw.ref_sozialindex_parameter
),

klassen as (
    select
        index,
        cast(rang as integer) as rang,
        klasse,
        cast(nullif(obergrenze, '') as double) as obergrenze,
        lower(obergrenze_eingeschlossen) in ('ja', 'j', 'true', '1', 'x') as eingeschlossen,
    from raw.ref_sozialindex_klassen
),

summen as (
    select
        stichtag, ebene, gemeinde_id, gebiet_id,
        any_value(name) as name,
        any_value(einwohner) as einwohner,
        any_value(vergleich_stichtag) as vergleich_stichtag,
        sum(gewicht * z_status) as summe_status,
        sum(gewicht * z_dynamik) as summe_dynamik,
    from mart.sozialindex_werte
    where ausschluss is null
    group by stichtag, ebene, gemeinde_id, gebiet_id
),

standardisiert as (
    select
        s.*,
        round(coalesce(
            (summe_status - avg(summe_status) over w)
            / nullif(case when p.standardabweichung = 'grundgesamtheit' then stddev_pop(summe_status) over w
                          else stddev_samp(summe_status) over w end, 0), 0), p.stellen) as statusindex,
        round(coalesce(
            (summe_dynamik - avg(summe_dynamik) over w)
            / nullif(case when p.standardabweichung = 'grundgesamtheit' then stddev_pop(summe_dynamik) over w
                          else stddev_samp(summe_dynamik) over w end, 0), 0), p.stellen) as dynamikindex,
    from summen as s
    cross join parameter as p
    window w as (partition by s.stichtag, s.ebene, s.gemeinde_id)
),

-- erste Klasse (nach Rang), deren Obergrenze der Wert nicht überschreitet
klassiert as (
    select
        x.*,
        (select arg_min(k.klasse, k.rang) from klassen as k
         where k.index = 'status'
           and (k.obergrenze is null or x.statusindex < k.obergrenze or (k.eingeschlossen and x.statusindex = k.obergrenze))
        ) as statusklasse,
        (select min(k.rang) from klassen as k
         where k.index = 'status'
           and (k.obergrenze is null or x.statusindex < k.obergrenze or (k.eingeschlossen and x.statusindex = k.obergrenze))
        ) as statusrang,
        (select arg_min(k.klasse, k.rang) from klassen as k
         where k.index = 'dynamik'
           and (k.obergrenze is null or x.dynamikindex < k.obergrenze or (k.eingeschlossen and x.dynamikindex = k.obergrenze))
        ) as dynamikklasse,
        (select min(k.rang) from klassen as k
         where k.index = 'dynamik'
           and (k.obergrenze is null or x.dynamikindex < k.obergrenze or (k.eingeschlossen and x.dynamikindex = k.obergrenze))
        ) as dynamikrang,
    from standardisiert as x
),

final as (
    select
        stichtag,
        ebene,
        gemeinde_id,
        gebiet_id as einheit_id,
        name,
        cast(einwohner as bigint) as einwohner,
        vergleich_stichtag,
        statusindex,
        statusklasse,
        dynamikindex,
        dynamikklasse,
        statusklasse || ' / ' || dynamikklasse as gesamtklasse,
        cast((statusrang - 1) * (select count(*) from klassen where index = 'dynamik') + dynamikrang as integer)
            as gesamtgruppe,
    from klassiert
)

select * from final
order by stichtag, ebene, gemeinde_id, einheit_id;

comment on table mart.sozialindex_ebenen is 'Sozialindex (Status, Dynamik, Gesamtklasse) je Stichtag für Sozialräume und für Gebiete; z-standardisiert innerhalb derselben Gemeinde, Ebene und Stichtag. Methode: architektur.md §8, Parameter in data/reference/sozialindex_*.csv.';
comment on column mart.sozialindex_ebenen.stichtag is 'Stichtag der Indikatorwerte.';
comment on column mart.sozialindex_ebenen.ebene is 'Räumliche Ebene der Einheiten: sozialraum oder gebiet.';
comment on column mart.sozialindex_ebenen.gemeinde_id is 'AGS der Gemeinde; standardisiert wird nur innerhalb einer Gemeinde.';
comment on column mart.sozialindex_ebenen.einheit_id is 'Sozialraum- bzw. Gebietsschlüssel (core.dim_gebiet.gebiet_id).';
comment on column mart.sozialindex_ebenen.name is 'Name der Einheit.';
comment on column mart.sozialindex_ebenen.einwohner is 'Einwohnerinnen und Einwohner der Einheit am Stichtag.';
comment on column mart.sozialindex_ebenen.vergleich_stichtag is 'Stichtag, gegen den die Dynamik gerechnet ist (Zeitraum aus sozialindex_parameter.csv, Vorgabe 2 Jahre).';
comment on column mart.sozialindex_ebenen.statusindex is 'Statusindex: Summe der gewichteten z-Werte der Index-Indikatoren, erneut z-standardisiert (Mittel 0, Standardabweichung 1; höher = mehr Bedarf), gerundet.';
comment on column mart.sozialindex_ebenen.statusklasse is 'Klasse des Statusindex: hoch (< −1,0), mittel (−1,0 bis +1,0), niedrig (über +1,0 bis +1,5), sehr niedrig (> +1,5). „hoch“ = guter sozialer Status.';
comment on column mart.sozialindex_ebenen.dynamikindex is 'Dynamikindex: wie der Statusindex, aber aus den Veränderungen der Indikatoren in Prozentpunkten gegenüber vergleich_stichtag.';
comment on column mart.sozialindex_ebenen.dynamikklasse is 'Klasse des Dynamikindex: positiv (< −1,0), stabil (−1,0 bis +1,0), negativ (> +1,0).';
comment on column mart.sozialindex_ebenen.gesamtklasse is 'Statusklasse / Dynamikklasse, z. B. „niedrig / negativ“ (4 × 3 = 12 Gruppen).';
comment on column mart.sozialindex_ebenen.gesamtgruppe is 'Nummer der Gesamtklasse 1–12: (Rang der Statusklasse − 1) × 3 + Rang der Dynamikklasse; 1 = hoch / positiv, 12 = sehr niedrig / negativ.';
