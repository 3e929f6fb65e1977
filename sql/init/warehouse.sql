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
