"""Die eine Ressource: Pfade und Verbindung zum Warehouse.

Pfade werden erst bei Gebrauch aufgelöst (`SOZIAL_DWH_HOME`, sonst `data/` des Repositorys);
beim Import der Definitions wird nichts angelegt oder geöffnet.
"""


import dagster as dg
import duckdb

from sozial_dwh import warehouse
from sozial_dwh.config import Paths


class WarehouseResource(dg.ConfigurableResource):
    """DuckDB-Warehouse unter `$SOZIAL_DWH_HOME/warehouse/sozial_dwh.duckdb`."""

    home: str | None = None
    reference: str | None = None

    def paths(self) -> Paths:
        return Paths.from_env(self.home, self.reference)

    def connect(self) -> duckdb.DuckDBPyConnection:
        return warehouse.connect(self.paths())
