"""Settings of the inventory service, read from `INV_*` variables."""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from common.settings import load


class InventorySettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Inventory settings, prefix `INV_` (e.g. `INV_DATABASE_URL`, `INV_RESERVATION_TTL_S`)."""

    database_url: str = "postgresql://postgres@127.0.0.1:5432/inventory"
    redis_url: str = "redis://127.0.0.1:6379/0"
    # A reservation that is neither committed nor released gives its stock back after this
    # long, so an abandoned checkout cannot hold stock forever.
    reservation_ttl_s: int = 900
    # How often the sweeper looks for expired reservations, and how many it frees per batch.
    sweep_interval_s: float = 5.0
    sweep_batch: int = 200
    # Product detail stays in Redis this long at most; writes also delete it.
    cache_ttl_s: int = 60
    # Each process also keeps hot product details in memory this long, only while it is
    # subscribed to the invalidation channel (see product_cache.py); 0 turns that level off.
    local_cache_ttl_s: float = 5.0
    # Tests disable the pool: the test client runs the app on its own loop (STYLE §4.1).
    db_pool: bool = True
    pool_max_size: int = 10
    log_level: str = "INFO"
    debug: bool = False
    max_body_bytes: int = 65_536

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> InventorySettings:
        return load(cls, prefix="INV_", environ=environ)
