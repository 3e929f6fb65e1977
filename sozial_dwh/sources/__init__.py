"""Quell-Leser je Quelle aus DESIGN §5.2; `READERS` ist das Verzeichnis, das Erkennung und Laden nutzen."""

from sozial_dwh.sources.base import QuarantineRow, ReadContext, ReadResult, SourceReader
from sozial_dwh.sources.bevoelkerung import BevoelkerungReader

READERS: dict[str, SourceReader] = {
    reader.quelle: reader for reader in (BevoelkerungReader(),)
}

__all__ = ["READERS", "QuarantineRow", "ReadContext", "ReadResult", "SourceReader"]
