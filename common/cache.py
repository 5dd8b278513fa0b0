"""A Redis cache that never takes the service down with it.

Every call has a short timeout; after a failure the cache stays out of the way for a short
back-off (so a dead Redis costs one timeout per back-off period, not one per request), and
reads fall through to the database.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import redis.asyncio as redis
from litestar import Litestar
from loguru import logger
from prometheus_client import Counter
from redis.exceptions import RedisError

from common.health import CheckResult

CACHE_OPERATIONS = Counter(
    "cache_operations_total", "Cache operations by result.", ["service", "operation", "result"]
)


class Cache:
    """Get, set and delete bytes under string keys; every failure is a miss, never an error."""

    def __init__(self, url: str, *, service: str, timeout_s: float = 0.25, backoff_s: float = 2.0) -> None:
        self.client = redis.from_url(
            url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s, health_check_interval=30
        )
        self.service = service
        self._backoff_s = backoff_s
        self._down_until = 0.0

    @property
    def is_available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, operation: str, exc: Exception) -> None:
        if self.is_available:
            logger.bind(operation=operation, error=type(exc).__name__).warning("cache unavailable")
        self._down_until = time.monotonic() + self._backoff_s
        CACHE_OPERATIONS.labels(service=self.service, operation=operation, result="error").inc()

    async def get(self, key: str) -> bytes | None:
        if not self.is_available:
            CACHE_OPERATIONS.labels(service=self.service, operation="get", result="skipped").inc()
            return None
        try:
            value = await self.client.get(key)
        except (RedisError, OSError) as exc:
            self._failed("get", exc)
            return None
        CACHE_OPERATIONS.labels(
            service=self.service, operation="get", result="hit" if value is not None else "miss"
        ).inc()
        return value

    async def set(self, key: str, value: bytes, *, ttl_s: int) -> None:
        if not self.is_available:
            return
        try:
            await self.client.set(key, value, ex=ttl_s)
        except (RedisError, OSError) as exc:
            self._failed("set", exc)

    async def delete(self, *keys: str) -> bool:
        """Delete `keys`; return False when Redis could not be reached (callers may bump a version)."""
        if not keys:
            return True
        try:
            await self.client.delete(*keys)
        except (RedisError, OSError) as exc:
            self._failed("delete", exc)
            return False
        return True

    async def incr(self, key: str) -> int | None:
        try:
            return int(await self.client.incr(key))
        except (RedisError, OSError) as exc:
            self._failed("incr", exc)
            return None

    async def check(self) -> CheckResult:
        try:
            await self.client.ping()
        except (RedisError, OSError) as exc:
            return CheckResult(name="cache", ok=False, detail=type(exc).__name__, critical=False)
        return CheckResult(name="cache", ok=True, critical=False)

    async def close(self) -> None:
        await self.client.aclose()


def cache_lifespan(url: str, *, service: str) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """Lifespan hook: one Cache per app at `app.state.cache`, created on the app's own loop."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        app.state.cache = Cache(url, service=service)
        try:
            yield
        finally:
            await app.state.cache.close()

    return lifespan
