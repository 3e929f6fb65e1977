"""Quell-Leser je Quelle aus architektur.md §5.2 und §5.5; `READERS` ist das Verzeichnis, das Erkennung und Laden nutzen."""

from pathlib import Path

from sozial_dwh.profile import Profil, Profile, lade_profile
from sozial_dwh.sources.arbeitslose import ArbeitsloseReader
from sozial_dwh.sources.base import QuarantineRow, ReadContext, ReadResult, SourceReader
from sozial_dwh.sources.bevoelkerung import BevoelkerungReader
from sozial_dwh.sources.grundsicherung import GrundsicherungReader
from sozial_dwh.sources.kita import KitaReader
from sozial_dwh.sources.konferenz import KonferenzReader
from sozial_dwh.sources.merkmale import MerkmaleReader
from sozial_dwh.sources.merkmale import katalog as merkmale_katalog
from sozial_dwh.sources.merkmale import lesen_nach_art as merkmal_lesen
from sozial_dwh.sources.profiliert import ProfilLeser
from sozial_dwh.sources.sgb2 import Sgb2Reader

READERS: dict[str, SourceReader] = {
    reader.quelle: reader
    for reader in (BevoelkerungReader(), Sgb2Reader(), ArbeitsloseReader(), GrundsicherungReader(), KitaReader(),
                   KonferenzReader(), MerkmaleReader())
}



def wuerfel_dimensionen() -> dict[str, tuple[str, ...]]:
    """Quelle -> Merkmale ihres Würfels (leer: kein Würfel, z. B. Kita-Einrichtungen, Konferenzen; solche Quellen
    haben nur ihre eingebauten Layouts)."""
    return {name: tuple(getattr(reader, "dims", ())) for name, reader in READERS.items()}


def lieferprofile(referenz: Path) -> Profile:
    """Die Lieferprofile des Referenzordners, geprüft gegen die Würfel der Quellen."""
    return lade_profile(referenz, wuerfel_dimensionen())


def profil_leser(profil: Profil) -> ProfilLeser:
    """Der Leser einer Datei nach `profil` (Rohtabelle und Merkmale aus dem Leser seiner Quelle)."""
    reader = READERS[profil.quelle]
    if profil.quelle == MerkmaleReader.quelle:  # Werte nach der Art des Merkmals aus merkmale.csv
        return ProfilLeser(profil, reader.raw_tables[0], reader.dims, describe=reader.describe, wertspalte="wert",
                           merkmale=merkmale_katalog(), lesen=merkmal_lesen)
    return ProfilLeser(profil, reader.raw_tables[0], reader.dims, describe=getattr(reader, "describe", None))


__all__ = ["READERS", "lieferprofile", "profil_leser", "QuarantineRow", "ReadContext", "ReadResult", "SourceReader"]
