"""Quell-Leser je Quelle aus DESIGN §5.2 und §5.5; `READERS` ist das Verzeichnis, das Erkennung und Laden nutzen."""

from sozial_dwh.sources.arbeitslose import ArbeitsloseReader
from sozial_dwh.sources.base import QuarantineRow, ReadContext, ReadResult, SourceReader
from sozial_dwh.sources.bevoelkerung import BevoelkerungReader
from sozial_dwh.sources.grundsicherung import GrundsicherungReader
from sozial_dwh.sources.kita import KitaReader
from sozial_dwh.sources.konferenz import KonferenzReader
from sozial_dwh.sources.merkmale import MerkmaleReader
from sozial_dwh.sources.sgb2 import Sgb2Reader

READERS: dict[str, SourceReader] = {
    reader.quelle: reader
    for reader in (BevoelkerungReader(), Sgb2Reader(), ArbeitsloseReader(), GrundsicherungReader(), KitaReader(),
                   KonferenzReader(), MerkmaleReader())
}

__all__ = ["READERS", "QuarantineRow", "ReadContext", "ReadResult", "SourceReader"]
