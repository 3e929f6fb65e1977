-- Sozialraumprofile: Quelle, Einheit und Richtung der Indikatoren für die Kennzahlen (eine Zeile je Indikator).
-- Polarität +1: höher = mehr Bedarf, −1: niedriger = mehr Bedarf, 0: ohne Wertung. Ohne Parameter.
select
    indikator_id,
    coalesce(polaritaet, 0) as polaritaet,
    coalesce(quelle, '') as quelle,
    coalesce(einheit, '') as einheit,
    name,
from core.dim_indikator
order by indikator_id
