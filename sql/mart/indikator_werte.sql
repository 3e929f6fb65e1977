-- Indikatorwerte für Analyse und Bericht: eine Zeile je Stichtag × Ebene × Gebiet × Indikator.
-- Werte höherer Ebenen entstehen aus summierten Zählern und Nennern (nie aus gemittelten Quoten),
-- auf der heutigen Gebietsgliederung: Werte aufgelöster Gebiete zählen für ihren Nachfolger
-- (aktuell_id); die aufgelösten Gebiete bleiben für ihre eigenen Jahre als Gebietszeilen erhalten.
-- Die Größen kommen aus allen Tabellen core.groessen_* (eine neue Quelle oder Größe erscheint ohne Änderung dieser
-- Datei). Ihre Spalten sagen, wie eine Größe zu behandeln ist: `ebene` gesetzt = liegt direkt auf dieser Ebene vor
-- (Konferenzen); `alle_gebiete` = die Tabelle nennt jedes Gebiet selbst (Kita: ohne Einrichtung 0 Plätze);
-- `additiv` = false: ein nicht summierbarer Wert (merkmale.csv, Art „wert“, in `wert`) – er wird nur für das
-- gelieferte Gebiet gezeigt, nie summiert oder gemittelt und geht in keinen Zähler oder Nenner (architektur.md §5.5).
create or replace table mart.indikator_werte as
with

-- Vereinigung aller Tabellen core.groessen_* (setzt der Modell-Lader ein, sozial_dwh.models.model_sql)
alle_groessen as (
    -- @vereinigung core.groessen_*
),

-- Größen je Gebiet, die summiert werden und für jedes Gebiet der Gemeinde einen Wert brauchen
statistik as (
    select stichtag, gebiet_id, groesse, anzahl, hinweis
    from alle_groessen
    where ebene is null and coalesce(additiv, true) and not coalesce(alle_gebiete, false)
),

gebiete as (
    select * from core.dim_gebiet where ebene = 'gebiet'
),

-- Jedes am Stichtag gültige Gebiet einer Gemeinde, für die eine Größe geliefert wurde, braucht einen Wert. Fehlt er
-- (Zeile in Quarantäne, etwa „3,000“ in einer Anzahlspalte, oder nicht in der Datei), ist er unbekannt: das Gebiet
-- bekommt NULL mit Hinweis, und Sozialraum, Stadtbezirk und Gemeinde werden nicht aus den übrigen Gebieten zu
-- klein summiert (architektur.md §5.1: nie still weglassen). Kita-Plätze ergänzen fehlende Gebiete selbst (0 Plätze).
erwartet as (
    select distinct s.stichtag, s.groesse, d.gebiet_id
    from statistik as s
    inner join gebiete as geliefert on geliefert.gebiet_id = s.gebiet_id
    inner join gebiete as d
        on d.gemeinde_id = geliefert.gemeinde_id and not d.ist_pseudo
        and s.stichtag >= d.gueltig_ab and s.stichtag <= coalesce(d.gueltig_bis, date '9999-12-31')
),

fehlend as (
    select
        e.stichtag, e.gebiet_id, e.groesse,
        cast(null as bigint) as anzahl,
        'für Gebiet ' || e.gebiet_id || ' kein gültiger Wert geliefert (Zeile in Quarantäne oder nicht in der Datei)'
            as hinweis,
    from erwartet as e
    anti join statistik as s using (stichtag, gebiet_id, groesse)
),

groessen as (
    select * from statistik
    union all
    select * from fehlend
    union all
    select stichtag, gebiet_id, groesse, anzahl, hinweis
    from alle_groessen
    where ebene is null and coalesce(additiv, true) and alle_gebiete
),

-- Gebietsgrößen auf die heutige Gliederung umgerechnet
heutige_gebiete as (
    select
        g.stichtag,
        d.aktuell_id as gebiet_id,
        g.groesse,
        case when bool_and(g.anzahl is not null) then sum(g.anzahl) end as anzahl,
        string_agg(distinct g.hinweis, '; ') as hinweis,
        string_agg(distinct g.gebiet_id, ', ' order by g.gebiet_id) as herkunft,
        count(*) > 1 or bool_or(g.gebiet_id <> d.aktuell_id) as umgerechnet,
    from groessen as g
    inner join gebiete as d using (gebiet_id)
    group by g.stichtag, d.aktuell_id, g.groesse
),

einheiten as (
    select h.*, d.sozialraum_id, d.stadtbezirk_id, d.gemeinde_id, d.ist_pseudo
    from heutige_gebiete as h
    inner join gebiete as d using (gebiet_id)
),

ebenen as (
    -- Gebiete der heutigen Gliederung (ohne das Pseudo-Gebiet „ohne Zuordnung“)
    select
        stichtag, 'gebiet' as ebene, gebiet_id, groesse, anzahl,
        case when umgerechnet then concat_ws('; ', hinweis, 'auf heutige Gebietsgliederung umgerechnet aus ' || herkunft) else hinweis end as hinweis,
        cast(null as double) as wert,
        true as additiv,
    from einheiten
    where not ist_pseudo
    union all
    -- aufgelöste Gebiete in ihren eigenen Jahren
    select g.stichtag, 'gebiet', g.gebiet_id, g.groesse, g.anzahl, g.hinweis, null, true
    from groessen as g
    inner join gebiete as d using (gebiet_id)
    where d.aktuell_id <> d.gebiet_id
    union all
    select
        stichtag, 'sozialraum', sozialraum_id, groesse,
        case when bool_and(anzahl is not null) then sum(anzahl) end,
        string_agg(distinct hinweis, '; '), null, true,
    from einheiten
    where sozialraum_id is not null
    group by stichtag, sozialraum_id, groesse
    union all
    select
        stichtag, 'stadtbezirk', stadtbezirk_id, groesse,
        case when bool_and(anzahl is not null) then sum(anzahl) end,
        string_agg(distinct hinweis, '; '), null, true,
    from einheiten
    where stadtbezirk_id is not null
    group by stichtag, stadtbezirk_id, groesse
    union all
    -- die Gemeinde einschließlich der Fälle ohne Zuordnung
    select
        stichtag, 'gemeinde', gemeinde_id, groesse,
        case when bool_and(anzahl is not null) then sum(anzahl) end,
        string_agg(distinct hinweis, '; '), null, true,
    from einheiten
    group by stichtag, gemeinde_id, groesse
    union all
    -- Größen, die direkt auf Sozialraum- oder Gemeindeebene vorliegen (benannte Bedarfe der Konferenzen)
    select stichtag, ebene, gebiet_id, groesse, anzahl, hinweis, null, true
    from alle_groessen
    where ebene is not null
    union all
    -- nicht summierbare Werte nur für das gelieferte Gebiet: nicht auf Nachfolger umgerechnet, ohne höhere Ebene
    select g.stichtag, 'gebiet', g.gebiet_id, g.groesse, null, g.hinweis, g.wert, false
    from alle_groessen as g
    inner join gebiete as d on d.gebiet_id = g.gebiet_id and not d.ist_pseudo
    where g.ebene is null and not coalesce(g.additiv, true)
),

katalog as (
    select * from core.dim_indikator
),

berechnet as (
    select
        z.stichtag,
        z.gebiet_id,
        z.ebene,
        k.indikator_id,
        k.einheit,
        k.faktor,
        k.min_nenner,
        cast(z.anzahl as bigint) as zaehler,
        cast(n.anzahl as bigint) as nenner,
        k.nenner is null as ist_anzahl,
        -- ein nicht summierbarer Wert: als Anzahl-Indikator (ohne Nenner) so, wie er geliefert ist; in einer Quote nie
        z.wert as wert_wie_geliefert,
        not (z.additiv and coalesce(n.additiv, true)) as nicht_summierbar,
        case
            when k.nenner is not null and not (z.additiv and n.additiv)
                then 'Größe ' || case when z.additiv then k.nenner else k.zaehler end
                    || ' ist ein nicht summierbarer Wert (Art „wert“) und geht in keinen Zähler oder Nenner ein'
        end as art_hinweis,
        case
            when n.hinweis is distinct from z.hinweis then concat_ws('; ', z.hinweis, n.hinweis)
            else z.hinweis
        end as quell_hinweis,
    from katalog as k
    inner join ebenen as z on z.groesse = k.zaehler
    left join ebenen as n
        on n.groesse = k.nenner and n.stichtag = z.stichtag and n.ebene = z.ebene and n.gebiet_id = z.gebiet_id
    where k.nenner is null or n.groesse is not null
),

mit_wert as (
    select
        *,
        case
            when nicht_summierbar and ist_anzahl then wert_wie_geliefert * faktor
            when nicht_summierbar then null
            when ist_anzahl then zaehler * faktor
            when nenner is null or zaehler is null then null
            when nenner < min_nenner or nenner = 0 then null
            else zaehler / nenner * faktor
        end as wert,
        case
            when nicht_summierbar then art_hinweis
            when not ist_anzahl and nenner is not null and nenner < min_nenner
                then 'Nenner ' || nenner || ' unter der Mindestgröße ' || min_nenner || ' (kleinräumig instabil)'
            when not ist_anzahl and nenner = 0 then 'Nenner ist 0'
        end as mindest_hinweis,
    from berechnet
),

gebiet_gemeinde as (
    select gebiet_id, ebene, gemeinde_id from core.dim_gebiet
),

mit_gemeinde as (
    select
        w.*,
        gw.wert as wert_gemeinde,
    from mit_wert as w
    inner join gebiet_gemeinde as gg on gg.gebiet_id = w.gebiet_id and gg.ebene = w.ebene
    left join mit_wert as gw
        on gw.ebene = 'gemeinde' and gw.gebiet_id = gg.gemeinde_id
        and gw.stichtag = w.stichtag and gw.indikator_id = w.indikator_id
),

-- Veränderung gegenüber dem Stichtag der vorigen Berichtsausgabe (nur an Stichtagen einer Ausgabe)
mit_bericht as (
    select
        w.*,
        w.wert - v.wert as veraenderung_bericht,
    from mit_gemeinde as w
    left join core.dim_bericht as b on b.stichtag = w.stichtag
    left join mit_gemeinde as v
        on v.stichtag = b.vergleich_stichtag and v.ebene = w.ebene and v.gebiet_id = w.gebiet_id
        and v.indikator_id = w.indikator_id
),

final as (
    select
        stichtag,
        gebiet_id,
        ebene,
        indikator_id,
        wert,
        zaehler,
        nenner,
        einheit,
        wert_gemeinde,
        case when not ist_anzahl then wert - wert_gemeinde end as abweichung,
        wert - lag(wert) over (partition by ebene, gebiet_id, indikator_id order by stichtag) as veraenderung,
        veraenderung_bericht,
        nullif(concat_ws('; ', nullif(quell_hinweis, ''), mindest_hinweis), '') as hinweis,
    from mit_bericht
)

select * from final
order by indikator_id, stichtag, ebene, gebiet_id;

comment on table mart.indikator_werte is 'Indikatorwerte je Stichtag, Ebene (gebiet, sozialraum, stadtbezirk, gemeinde), Gebiet und Indikator. Höhere Ebenen aus summierten Zählern und Nennern auf der heutigen Gebietsgliederung.';
comment on column mart.indikator_werte.stichtag is 'Stichtag der Daten (z. B. 2022-12-31).';
comment on column mart.indikator_werte.gebiet_id is 'Schlüssel der räumlichen Einheit (siehe core.dim_gebiet): Gebiet, Sozialraum (SR..), Stadtbezirk (SB-..) oder Gemeinde (AGS).';
comment on column mart.indikator_werte.ebene is 'Räumliche Ebene: gebiet, sozialraum, stadtbezirk oder gemeinde.';
comment on column mart.indikator_werte.indikator_id is 'Kennung des Indikators (siehe core.dim_indikator).';
comment on column mart.indikator_werte.wert is 'Wert des Indikators: Zähler / Nenner × Faktor (Quoten in Prozent) oder Anzahl. NULL, wenn nicht bildbar oder der Nenner unter der Mindestgröße liegt – Grund in hinweis.';
comment on column mart.indikator_werte.zaehler is 'Zähler (Anzahl), summiert über die Gebiete der Einheit.';
comment on column mart.indikator_werte.nenner is 'Nenner (Anzahl), summiert über die Gebiete der Einheit; NULL bei reinen Anzahlen.';
comment on column mart.indikator_werte.einheit is 'Einheit des Werts: %, je 100, Personen oder Anzahl.';
comment on column mart.indikator_werte.wert_gemeinde is 'Wert desselben Indikators für die ganze Gemeinde am selben Stichtag (Vergleichswert).';
comment on column mart.indikator_werte.abweichung is 'wert minus wert_gemeinde (Prozentpunkte bzw. Punkte); bei Anzahlen NULL.';
comment on column mart.indikator_werte.veraenderung is 'wert minus wert am vorherigen Stichtag derselben Einheit (Prozentpunkte bzw. Personen).';
comment on column mart.indikator_werte.veraenderung_bericht is 'wert minus wert am Stichtag der vorigen Berichtsausgabe (core.dim_bericht.vergleich_stichtag); nur an Stichtagen einer Ausgabe, sonst NULL.';
comment on column mart.indikator_werte.hinweis is 'Erläuterung, z. B. warum ein Wert fehlt, oder dass Werte auf die heutige Gebietsgliederung umgerechnet wurden.';
