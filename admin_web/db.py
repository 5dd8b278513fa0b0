"""The admin database engine (STYLE rule 15: the one module that builds something at import)."""

from __future__ import annotations

from admin_web.settings import AdminSettings
from common.db import make_engine

DB = make_engine(AdminSettings.from_env().database_url)
