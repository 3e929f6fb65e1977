"""Feste Vokabulare: der Konferenz-Arbeitsmappe (Sektor, Handlungsfeld, Art, Status) und der Würfel der Statistik-
quellen (Merkmale SGB II, Merkmale der Arbeitslosen, Leistungsarten der Mindestsicherung).

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

# Würfel der Statistikquellen: die kanonischen Werte, die Leser schreiben und groessen.csv auswählen kann
SGB2_MERKMALE = ["bedarfsgemeinschaften", "leistungsberechtigte", "elb", "nef", "nef_u15", "lb_u18", "bg_alleinerziehend"]
ARBEITSLOSE_MERKMALE = ["insgesamt", "langzeitarbeitslos", "unter25", "55plus"]
LEISTUNGSARTEN = ["grusi_alter", "grusi_em", "hlu", "asylblg"]
