"""The two-level product cache against a real Redis, with two processes' caches side by side."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from common.cache import Cache
from inventory_svc.product_cache import ProductCache, product_key
from tests.conftest import redis_url


@pytest.fixture(name="caches")
async def fx_caches() -> AsyncIterator[tuple[ProductCache, ProductCache]]:
    """Two replicas' caches on one Redis, as two inventory processes would have."""
    first, second = (
        Cache(redis_url("INV_"), service="inventory"),
        Cache(redis_url("INV_"), service="inventory"),
    )
    await first.client.delete(product_key("RACE-1"))
    try:
        yield ProductCache(first, ttl_s=60), ProductCache(second, ttl_s=60)
    finally:
        await first.close()
        await second.close()


async def test_a_read_does_not_restore_the_old_product_when_another_process_wrote_meanwhile(
    caches: tuple[ProductCache, ProductCache],
) -> None:
    reader, writer = caches
    # The reader misses and notes the generation before reading the database ...
    generation = await reader.generation("RACE-1")
    # ... another process changes the product and invalidates it before the reader stores ...
    await writer.invalidate(["RACE-1"])
    # ... so what the reader read from the database is old and must not be cached.
    await reader.set("RACE-1", b'{"price_cents": 100}', generation=generation)
    assert await reader.redis.client.get(product_key("RACE-1")) is None


async def test_a_read_is_cached_for_every_process_when_nothing_changed_meanwhile(
    caches: tuple[ProductCache, ProductCache],
) -> None:
    reader, other = caches
    generation = await reader.generation("RACE-1")
    await reader.set("RACE-1", b'{"price_cents": 100}', generation=generation)
    assert await other.get("RACE-1") == b'{"price_cents": 100}'
