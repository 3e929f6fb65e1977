-- Berichtstabelle „Sozialindex“ der Sozialräume am Stichtag der Ausgabe. Parameter: $stichtag.
select
    'sozialraum' as ebene,
    sozialraum_id as raum_id,
    name as raum,
    einwohner,
    statusindex,
    statusklasse,
    dynamikindex,
    dynamikklasse,
    gesamtklasse,
    vergleich_stichtag,
from mart.sozialindex
where stichtag = $stichtag
order by sozialraum_id
