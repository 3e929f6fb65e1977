-- Grundgerüst des Warehouse: Schemas sowie die Tabellen, in die Python-Code schreibt
-- (Dateiregister, Rohdaten, Quarantäne). Alles idempotent: wird vor jedem Lauf ausgeführt.
create schema if not exists raw;
create schema if not exists staging;
create schema if not exists quarantine;
create schema if not exists core;
create schema if not exists mart;
create schema if not exists bericht;
create schema if not exists ops;

create sequence if not exists ops.datei_id_seq start 1;

create table if not exists ops.dateien (
    datei_id bigint primary key,
    dateiname varchar not null,
    sha256 varchar not null,
    quelle varchar,
    stichtag date,
    stichtage date[],
    gemeinde varchar,
    status varchar not null check (status in ('geladen', 'abgelehnt', 'ersetzt')),
    meldungen varchar,
    geladen_am timestamp not null,
    groesse_bytes bigint,
    ablage varchar,
    zeilen_geladen bigint,
    zeilen_quarantaene bigint,
    ersetzt_durch bigint
);

create table if not exists quarantine.zeilen (
    datei_id bigint not null,
    quelle varchar,
    blatt varchar,
    zeile integer,
    spalte varchar,
    grund varchar not null,
    wert varchar
);

create table if not exists raw.bevoelkerung (
    datei_id bigint not null,
    blatt varchar,
    zeile integer,
    spalte varchar,
    stichtag date not null,
    gebiet_id varchar not null,
    alter_von integer not null,
    alter_bis integer,
    geschlecht varchar not null,
    staatsangehoerigkeit varchar not null,
    migrationshintergrund varchar not null,
    anzahl bigint,
    kennzeichen varchar
);

-- Würfel der übrigen Statistikquellen: eine Zeile je Zelle, Fundstelle (blatt, zeile, spalte),
-- `anzahl` NULL mit `kennzeichen` (DIN 55301) wenn der Lieferant den Wert gesperrt hat.
create table if not exists raw.sgb2 (
    datei_id bigint not null,
    blatt varchar,
    zeile integer,
    spalte varchar,
    stichtag date not null,
    gebiet_id varchar not null,
    merkmal varchar not null,  -- bedarfsgemeinschaften, leistungsberechtigte, elb, nef, nef_u15, lb_u18, bg_alleinerziehend
    anzahl bigint,
    kennzeichen varchar
);

create table if not exists raw.arbeitslose (
    datei_id bigint not null,
    blatt varchar,
    zeile integer,
    spalte varchar,
    stichtag date not null,
    gebiet_id varchar not null,
    rechtskreis varchar not null,  -- sgb2, sgb3, insgesamt
    merkmal varchar not null,      -- insgesamt, langzeitarbeitslos, unter25, 55plus
    anzahl bigint,
    kennzeichen varchar
);

create table if not exists raw.grundsicherung (
    datei_id bigint not null,
    blatt varchar,
    zeile integer,
    spalte varchar,
    stichtag date not null,
    gebiet_id varchar not null,
    leistungsart varchar not null,  -- grusi_alter, grusi_em, hlu, asylblg
    alter_von integer not null,
    alter_bis integer,
    anzahl bigint,
    kennzeichen varchar
);

-- Weitere Merkmale (architektur.md §5.5): jeder Wert je Gebiet × Stichtag × Merkmal (× Geschlecht × Altersband), erklärt in
-- data/reference/merkmale.csv. `wert` ist eine Dezimalzahl (Art „wert“: Mittelwert, Quote, Index), bei Anzahlen und
-- Salden ganzzahlig; NULL mit `kennzeichen` (DIN 55301), wenn der Lieferant den Wert gesperrt hat.
create table if not exists raw.merkmale (
    datei_id bigint not null,
    blatt varchar,
    zeile integer,
    spalte varchar,
    stichtag date not null,
    gebiet_id varchar not null,
    merkmal varchar not null,
    geschlecht varchar not null default 'insgesamt',
    alter_von integer not null default 0,
    alter_bis integer,  -- NULL = offen
    wert double,
    kennzeichen varchar
);

-- Kindertagesbetreuung: eine Zeile je Einrichtung.
create table if not exists raw.kita (
    datei_id bigint not null,
    blatt varchar,
    zeile integer,
    stichtag date not null,
    gebiet_id varchar not null,
    einrichtung varchar not null,
    traeger varchar,
    adresse varchar,
    plaetze_u3 bigint,
    kennzeichen_u3 varchar,
    plaetze_ue3 bigint,
    kennzeichen_ue3 varchar
);

-- Sozialraumkonferenz: die Blätter der Arbeitsmappe. Keine Namen, keine E-Mail-Adressen.
-- raum_id ist ein Sozialraum (raum_ebene 'sozialraum') oder die Gemeinde ('gemeinde', „Gesamtstadt“).
create table if not exists raw.konferenz_veranstaltung (
    datei_id bigint not null,
    blatt varchar,
    titel varchar not null,
    datum date not null,
    ort varchar,
    format varchar,
    sozialraeume varchar[],
    gemeinde_ags varchar,
    stand date
);

create table if not exists raw.konferenz_teilnehmende (
    datei_id bigint not null,
    blatt varchar,
    zeile integer,
    organisation varchar,
    sektor varchar,
    raum_id varchar,
    raum_ebene varchar
);

create table if not exists raw.konferenz_arbeitsgruppen (
    datei_id bigint not null,
    blatt varchar,
    zeile integer,
    ag varchar not null,
    raum_id varchar,
    raum_ebene varchar,
    thema varchar
);

create table if not exists raw.konferenz_ergebnisse (
    datei_id bigint not null,
    blatt varchar,
    zeile integer,
    nr varchar not null,
    ag varchar,
    raum_id varchar,
    raum_ebene varchar,
    handlungsfeld varchar not null,
    art varchar not null,
    beschreibung varchar,
    prioritaet integer
);

create table if not exists raw.konferenz_massnahmen (
    datei_id bigint not null,
    blatt varchar,
    zeile integer,
    nr varchar not null,
    bezug_ergebnis varchar[],
    titel varchar,
    zustaendig varchar,
    status varchar not null,
    termin date,
    gremium varchar
);

-- Zeilen, die eine Prüfung (Great Expectations) zurückhält, tragen die Regel-id.
alter table quarantine.zeilen add column if not exists pruefung varchar;

-- Der Lauf (Dagster-Run-ID), der die Datei registriert hat: Zahlen je Lauf in sozial_dwh/zusammenfassung.py.
alter table ops.dateien add column if not exists lauf_id varchar;

-- Ergebnisse aller Prüfungen aller Läufe (abfragbare Historie).
create table if not exists ops.pruefungen (
    lauf_id varchar,
    geprueft_am timestamp not null,
    tabelle varchar not null,
    pruefung varchar not null,
    beschreibung varchar,
    erwartung varchar,
    schwere varchar not null check (schwere in ('fehler', 'warnung')),
    blockierend boolean not null,
    erfolgreich boolean not null,
    zeilen bigint,
    fehlzeilen bigint,
    quarantaene bigint,
    beobachtet varchar,
    beispiele varchar  -- JSON: bis zu 20 Beispiele mit Datei, Blatt, Zeile und Wert
);
