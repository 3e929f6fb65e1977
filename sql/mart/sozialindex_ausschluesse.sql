-- Einheiten, die am Stichtag nicht in den Sozialindex eingehen, mit Grund (architektur.md §8: „excluded and listed“).
create or replace table mart.sozialindex_ausschluesse as
select
    stichtag,
    ebene,
    gemeinde_id,
    gebiet_id as einheit_id,
    any_value(name) as name,
    cast(any_value(einwohner) as bigint) as einwohner,
    any_value(ausschluss) as grund,
from mart.sozialindex_werte
where ausschluss is not null
group by stichtag, ebene, gemeinde_id, gebiet_id
order by stichtag, ebene, gemeinde_id, einheit_id;

comment on table mart.sozialindex_ausschluesse is 'Sozialräume und Gebiete, die an einem Stichtag nicht in den Sozialindex eingehen, mit Grund (zu wenige Einwohner, fehlende Werte oder kein Vergleichswert für die Dynamik).';
comment on column mart.sozialindex_ausschluesse.stichtag is 'Stichtag.';
comment on column mart.sozialindex_ausschluesse.ebene is 'sozialraum oder gebiet.';
comment on column mart.sozialindex_ausschluesse.gemeinde_id is 'AGS der Gemeinde.';
comment on column mart.sozialindex_ausschluesse.einheit_id is 'Schlüssel des Sozialraums bzw. Gebiets.';
comment on column mart.sozialindex_ausschluesse.name is 'Name der Einheit.';
comment on column mart.sozialindex_ausschluesse.einwohner is 'Einwohnerinnen und Einwohner am Stichtag (falls bekannt).';
comment on column mart.sozialindex_ausschluesse.grund is 'Warum die Einheit fehlt, z. B. „weniger als 300 Einwohnerinnen und Einwohner (212)“.';
