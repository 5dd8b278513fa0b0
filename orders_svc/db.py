"""The orders database engine: the one object built at import time.

Piccolo binds each table to its engine when the class is created, so `tables.py` needs the
engine at import. Building it opens nothing; the pool is opened in the app's lifespan.
"""

from __future__ import annotations

from common.db import make_engine
from orders_svc.settings import OrdersSettings

DB = make_engine(OrdersSettings.from_env().database_url)
