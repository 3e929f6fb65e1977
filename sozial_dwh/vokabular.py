"""Die festen Vokabulare der Konferenz-Arbeitsmappe (DESIGN §5.2): Sektor, Handlungsfeld, Art, Status.

Ein eigenes kleines Modul, weil Leser (`sources.konferenz`), Referenzdaten (`raw.ref_vokabular`), Prüfregeln und
Vorlagen sie teilen: so hängt keiner von ihnen vom anderen ab, nur um die Wörter zu kennen.
"""

SEKTOREN = ["soziale Einrichtung", "Glaubensgemeinschaft", "Wohnungsgesellschaft", "freie Wohlfahrtspflege",
            "Verwaltung", "Politik", "Schule", "Kita", "Verein", "Sonstige"]
HANDLUNGSFELDER = ["Kinderbetreuung", "Bildung", "Mobilität/ÖPNV", "Ehrenamt", "Vernetzung/Koordination", "Wohnen",
                   "Gesundheit/Pflege", "Senioren", "Integration", "Armut/Teilhabe", "Jugend", "Sonstiges"]
ARTEN = ["Bedarf", "Ressource", "Maßnahmenvorschlag"]
STATUS = ["vorgeschlagen", "beschlossen", "in Umsetzung", "umgesetzt", "verworfen"]

# Feld -> Wörter in ihrer Rangfolge (so stehen sie in raw.ref_vokabular)
VOKABULARE = {"sektor": SEKTOREN, "handlungsfeld": HANDLUNGSFELDER, "art": ARTEN, "status": STATUS}
