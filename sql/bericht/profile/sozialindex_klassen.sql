-- Sozialraumprofile: Klassen des Sozialindex in ihrer Rangfolge (Status: 1 hoch … 4 sehr niedrig; Dynamik:
-- positiv, stabil, negativ), für den Klassencode wie im Monitoring Soziale Stadtentwicklung. Ohne Parameter.
select
    index,
    klasse,
from raw.ref_sozialindex_klassen
order by index, cast(rang as integer)
