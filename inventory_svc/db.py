"""The one import-time object of the service: the Piccolo engine.

Piccolo binds tables to an engine when their classes are created, so the engine must exist
at import; constructing it opens no connection (STYLE rule 15).
"""

from __future__ import annotations

from common.db import make_engine
from inventory_svc.settings import InventorySettings

DB = make_engine(InventorySettings.from_env().database_url)
