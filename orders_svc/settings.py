from __future__ import annotations

from collections.abc import Mapping

import msgspec

from common.settings import load


class OrdersSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Settings of orders_svc, read from variables prefixed `ORD_`."""

    database_url: str
    redis_url: str = "redis://127.0.0.1:6379/1"
    inventory_url: str = "http://127.0.0.1:4002"
    # Every call to inventory has this timeout; safe and idempotent calls are retried
    # `inventory_retries` more times with exponential back-off starting at `inventory_backoff_s`.
    inventory_timeout_s: float = 2.0
    inventory_retries: int = 2
    inventory_backoff_s: float = 0.05
    # How long inventory holds stock for an order that is never confirmed.
    reservation_ttl_s: int = 900
    db_pool: bool = True
    db_pool_size: int = 10
    # Background work in the lifespan: outbox relay, pending-order recovery, status gauge.
    workers: bool = True
    relay_interval_s: float = 0.2
    # Two events per placed order: a batch of 500 every round keeps up with well over 1,000 orders/s.
    relay_batch_size: int = 500
    sweeper_interval_s: float = 5.0
    # An order still pending this long after creation is treated as orphaned by a crash.
    pending_grace_s: float = 30.0
    max_body_bytes: int = 65_536
    log_level: str = "INFO"
    debug: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> OrdersSettings:
        return load(cls, prefix="ORD_", environ=environ)
