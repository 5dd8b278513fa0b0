"""Product details cached in two levels: this process's memory, then Redis.

Redis alone costs a network round trip per read; a per-process copy answers a hot SKU with
no I/O at all. A local copy is only safe while every replica hears about writes, so writes
publish the SKUs they changed on a Redis channel, and each process keeps its local level
switched on only while its subscription to that channel is live. When Redis is down the
local level is emptied and switched off, and reads fall through to the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable

from loguru import logger
from redis.exceptions import RedisError

from common.cache import Cache

INVALIDATIONS_CHANNEL = "inventory:product-invalidations"

# Every invalidation bumps the SKU's version in Redis, and a reader stores what it read only
# if the version is still the one it saw before reading the database. So a read in one process
# that races a write in another cannot put the old product back after the write removed it.
_SET_IF_UNCHANGED = """
if (redis.call('GET', KEYS[2]) or '') == ARGV[2] then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
  return 1
end
return 0
"""
_DELETE_AND_BUMP = """
for i = 1, #KEYS, 2 do
  redis.call('DEL', KEYS[i])
  redis.call('INCR', KEYS[i + 1])
end
return 1
"""

# Local generation (process epoch, per-SKU bumps) and the SKU's Redis version, or None when
# Redis could not be asked (then nothing is written to Redis).
Generation = tuple[int, int, bytes | None]


def product_key(sku: str) -> str:
    return f"inventory:product:{sku}"


def version_key(sku: str) -> str:
    return f"inventory:product-version:{sku}"


class ProductCache:
    """Get, set and invalidate encoded ProductRead bodies by SKU; never raises on cache failure."""

    def __init__(
        self, redis_cache: Cache, *, ttl_s: int, local_ttl_s: float = 5.0, max_local: int = 4096
    ) -> None:
        self.redis = redis_cache
        self.ttl_s = ttl_s
        self._local_ttl_s = local_ttl_s
        self._max_local = max_local
        self._local: dict[str, tuple[float, bytes]] = {}
        # Bumped per SKU on every invalidation (and for all on `_epoch`), so a read that
        # started before a write cannot store what it read after the write dropped the entry.
        # One counter per SKU ever invalidated: bounded by the catalog's size.
        self._epoch = 0
        self._bumps: dict[str, int] = {}
        # Pub/sub channels are server-wide; the database number keeps environments that share
        # a Redis server (tests, local runs) from invalidating each other.
        db = redis_cache.client.connection_pool.connection_kwargs.get("db", 0)
        self._channel = f"{INVALIDATIONS_CHANNEL}:{db}"
        self.is_listening = False
        # SKUs whose Redis entries could not be deleted yet (Redis was unreachable).
        self._unsent: set[str] = set()

    def _local_generation(self, sku: str) -> tuple[int, int]:
        return self._epoch, self._bumps.get(sku, 0)

    async def generation(self, sku: str) -> Generation:
        """Read before the database: what `set` checks to know no write came in between."""
        version: bytes | None = None
        if self.redis.is_available:
            try:
                version = await self.redis.client.get(version_key(sku)) or b""
            except (RedisError, OSError):
                version = None
        return (*self._local_generation(sku), version)

    def _bump(self, skus: Iterable[str]) -> None:
        for sku in skus:
            self._bumps[sku] = self._bumps.get(sku, 0) + 1
            self._local.pop(sku, None)

    async def get(self, sku: str) -> bytes | None:
        if self.is_listening:
            item = self._local.get(sku)
            if item is not None and item[0] > time.monotonic():
                return item[1]
        if sku in self._unsent:
            # Redis may still hold what this SKU looked like before a change it missed.
            return None
        value = await self.redis.get(product_key(sku))
        if value is not None:
            self._store_local(sku, value)
        return value

    async def set(self, sku: str, body: bytes, *, generation: Generation) -> None:
        """Store `body` unless `sku` was invalidated, here or in any process, since `generation`."""
        if generation[:2] != self._local_generation(sku):
            return
        version = generation[2]
        if version is None or sku in self._unsent:
            return
        try:
            stored = await self.redis.client.eval(
                _SET_IF_UNCHANGED, 2, product_key(sku), version_key(sku), body, version, self.ttl_s
            )
        except (RedisError, OSError) as exc:
            logger.bind(error=type(exc).__name__).warning("product cache write failed")
            return
        if stored:
            self._store_local(sku, body)

    async def invalidate(self, skus: Iterable[str]) -> None:
        """Drop `skus` here, in Redis, and (by a published message) in every other process."""
        skus = sorted(set(skus))
        if not skus:
            return
        self._bump(skus)
        self._unsent.update(skus)
        await self._send_invalidations()

    async def _send_invalidations(self) -> None:
        """Delete and announce every SKU not yet invalidated in Redis; keep them if Redis fails.

        Entries written before an outage survive it in Redis; the SKUs that changed meanwhile
        are deleted as soon as Redis answers again (the listener retries them).
        """
        if not self._unsent:
            return
        skus = sorted(self._unsent)
        keys = [key for sku in skus for key in (product_key(sku), version_key(sku))]
        try:
            await self.redis.client.eval(_DELETE_AND_BUMP, len(keys), *keys)
        except (RedisError, OSError) as exc:
            logger.bind(error=type(exc).__name__).warning("product invalidation deferred")
            return
        self._unsent.difference_update(skus)
        with contextlib.suppress(RedisError, OSError):
            await self.redis.client.publish(self._channel, ",".join(skus))

    def _store_local(self, sku: str, body: bytes) -> None:
        if not self.is_listening or self._local_ttl_s <= 0:
            return
        if len(self._local) >= self._max_local:
            # Oldest insertion first: a dict keeps insertion order.
            self._local.pop(next(iter(self._local)))
        self._local[sku] = (time.monotonic() + self._local_ttl_s, body)

    def _switch_off_local(self) -> None:
        self.is_listening = False
        self._epoch += 1
        self._local.clear()

    async def listen(self, stop: asyncio.Event, *, max_backoff_s: float = 5.0) -> None:
        """Until `stop` is set: follow the invalidation channel; the local level is on only while subscribed.

        Shutdown sets `stop` rather than cancelling: a cancellation that lands inside redis-py's
        `get_message` timeout handling can be swallowed, and the loop would never end.
        """
        backoff = 0.5
        while not stop.is_set():
            pubsub = self.redis.client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self._channel)
                await self._send_invalidations()
                self.is_listening = True
                backoff = 0.5
                while not stop.is_set():
                    if self._unsent:
                        await self._send_invalidations()
                    message = await pubsub.get_message(timeout=0.2)
                    if message is not None:
                        self._bump(message["data"].decode().split(","))
            except (RedisError, OSError) as exc:
                if self.is_listening:
                    logger.bind(error=type(exc).__name__).warning(
                        "product invalidations lost; local cache off"
                    )
            finally:
                self._switch_off_local()
                with contextlib.suppress(RedisError, OSError, TimeoutError):
                    await asyncio.wait_for(pubsub.aclose(), timeout=1.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=backoff)
            backoff = min(backoff * 2, max_backoff_s)
