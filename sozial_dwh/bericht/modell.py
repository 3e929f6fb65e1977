"""Beschreibung der Tabellen einer Berichtsausgabe (architektur.md §10): Spalten, Formate und Geheimhaltungsregeln.

Jede Tabelle kommt aus einer Abfrage `sql/bericht/<name>.sql` (gebundene Parameter `$bericht_id`,
`$stichtag`, `$vergleich_stichtag`). Diese Beschreibung sagt, wie die Spalten heißen, wie sie formatiert
werden und welche Zellen der Geheimhaltung unterliegen:

- `anzahl`: eine Fallzahl; 1 bis `max_anzahl` (Vorgabe 2) wird gesperrt (primäre Sperrung).
- `quote`, `veraenderung`: aus einer Fallzahl gebildet (`basis`); gesperrt, wenn die Basis gesperrt ist – eine
  Veränderung seit der vorigen Ausgabe auch, wenn die Fallzahl am Vergleichsstichtag gesperrt ist (`basis_vorher`).
- `wie_summenzeile`: eine Spalte, die den Wert der Summenzeile wiederholt, ist gesperrt, wo er dort gesperrt ist.
- Summen: Zeilen, deren `summe_spalte` den Wert `summe_wert` hat (z. B. ebene = 'gemeinde'), sind die Summe der
  übrigen Zeilen ihrer Gruppe (`gruppe`); `zeilensummen` nennt Spalten, die Summe anderer Spalten derselben
  Zeile sind. Ist in einer Summengruppe genau eine Zelle gesperrt, ließe sie sich zurückrechnen: dann wird
  eine weitere gesperrt (sekundäre Sperrung).
"""

from __future__ import annotations

from dataclasses import dataclass, field

ARTEN = ("text", "schluessel", "anzahl", "quote", "veraenderung", "index", "datum")


@dataclass(frozen=True)
class Spalte:
    name: str
    titel: str
    art: str = "text"
    einheit: str = ""
    basis: str | None = None  # Fallzahl-Spalte, auf der eine Quote oder Veränderung beruht
    # Veränderung seit der vorigen Ausgabe: die (unsichtbare) Fallzahl am Vergleichsstichtag. Aus Wert und Veränderung
    # ließe sich der frühere Wert zurückrechnen; ist dessen Fallzahl gesperrt, wird die Veränderung es auch.
    basis_vorher: str | None = None
    # Spalte, die in jeder Zeile den Wert der Summenzeile ihrer Gruppe wiederholt (z. B. der Gemeindewert neben jedem
    # Sozialraum): gesperrt, wo diese Spalte (`wie_summenzeile`) in der Summenzeile gesperrt ist.
    wie_summenzeile: str | None = None
    nachkommastellen: int = 1
    sichtbar: bool = True  # unsichtbare Spalten dienen nur der Geheimhaltung (z. B. Zähler einer Quote)
    breite: int | None = None

    def __post_init__(self) -> None:
        if self.art not in ARTEN:
            raise ValueError(f"Spalte {self.name}: unbekannte Art {self.art}")

    @property
    def ueberschrift(self) -> str:
        return f"{self.titel} ({self.einheit})" if self.einheit else self.titel


@dataclass(frozen=True)
class Tabelle:
    name: str  # bericht.<name>, <name>.csv
    blatt: str  # Blattname (höchstens 31 Zeichen)
    titel: str
    spalten: tuple[Spalte, ...]
    beschreibung: str = ""
    summe_spalte: str | None = "ebene"  # Spalte, deren Wert `summe_wert` die Summenzeile kennzeichnet
    summe_wert: str = "gemeinde"
    gruppe: tuple[str, ...] = ()  # Spalten, die unabhängige Summengruppen bilden (z. B. indikator_id)
    zeilensummen: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (Summenspalte, Teilspalten)
    quellen: tuple[str, ...] = field(default_factory=tuple)  # Quellen (architektur.md §5.2), die in die Tabelle eingehen
    # Zeilen, die auch in einer früheren Tabelle stehen (Name, Schlüsselspalten), übernehmen deren Sperrungen: was
    # dort gesperrt ist, ist es auch hier (sonst stünde es in der einen Tabelle offen, was die andere verbirgt)
    sperre_wie: tuple[str, tuple[str, ...]] | None = None

    def spalte(self, name: str) -> Spalte:
        for s in self.spalten:
            if s.name == name:
                return s
        raise KeyError(name)

    @property
    def sichtbare(self) -> tuple[Spalte, ...]:
        return tuple(s for s in self.spalten if s.sichtbar)
