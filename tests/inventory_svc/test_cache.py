"""Product detail is cached in Redis, dropped on every write that changes it, and optional."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
import redis.asyncio as redis
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.exceptions import ConnectionError as RedisConnectionError

from common.embedded import is_listening
from inventory_svc.app import create_app
from inventory_svc.settings import InventorySettings
from tests.helpers import free_port
from tests.inventory_svc.conftest import ProductFactory, fetch

ACTOR = {"reason": "test", "actor": "tests"}


async def detail(client: AsyncTestClient, sku: str = "PAD-1") -> dict:
    response = await client.get(f"/products/{sku}")
    assert response.status_code == 200, response.text
    return response.json()


async def test_product_detail_comes_from_cache_when_read_again(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(sku="PAD-1", name="Cached Name")
    await detail(client)
    # Changed behind the service's back: only a cache hit can still show the old name.
    await fetch("UPDATE product SET name = 'Changed In Database' WHERE sku = 'PAD-1'")
    assert (await detail(client))["name"] == "Cached Name"


async def test_cached_detail_is_dropped_when_the_product_is_patched(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(sku="PAD-1", price_cents=4999)
    await detail(client)
    response = await client.patch("/products/PAD-1", json={"price_cents": 5999, "oem_numbers": ["12-34"]})
    assert response.status_code == 200
    after = await detail(client)
    assert (after["price_cents"], after["oem_numbers"]) == (5999, ["12-34"])
    assert [
        p["sku"] for p in (await client.get("/products", params={"part_number": "1234"})).json()["items"]
    ] == ["PAD-1"]


@pytest.mark.parametrize("write", ["restock", "adjustment", "reservation", "release", "commitment"])
async def test_cached_detail_shows_new_stock_when_stock_changes(
    client: AsyncTestClient, make_product: ProductFactory, write: str
) -> None:
    await make_product(sku="PAD-1", stock={"EAST": 10})
    order_id = str(uuid.uuid4())
    if write in ("release", "commitment"):
        await client.post(
            "/reservations", json={"order_id": order_id, "lines": [{"sku": "PAD-1", "quantity": 4}]}
        )
    await detail(client)
    if write == "restock":
        await client.post("/stock/PAD-1/restocks", json={"warehouse": "EAST", "quantity": 5, **ACTOR})
        expected = (15, 0)
    elif write == "adjustment":
        await client.post("/stock/PAD-1/adjustments", json={"warehouse": "EAST", "delta": -3, **ACTOR})
        expected = (7, 0)
    elif write == "reservation":
        await client.post(
            "/reservations", json={"order_id": order_id, "lines": [{"sku": "PAD-1", "quantity": 4}]}
        )
        expected = (10, 4)
    else:
        await client.post(f"/reservations/{order_id}/{write}")
        expected = (10, 0) if write == "release" else (6, 0)
    east = (await detail(client))["stock"][0]
    assert (east["on_hand"], east["reserved"]) == expected


def start_redis(port: int, data_dir: Path) -> subprocess.Popen:
    """Start a Redis server on `port` that keeps its snapshot in `data_dir`, and wait until it answers."""
    binary = shutil.which("redis-server") or str(Path(sys.prefix) / "bin" / "redis-server")
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(data_dir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        if is_listening("127.0.0.1", port):
            return process
        time.sleep(0.05)
    raise TimeoutError(f"redis-server on {port} did not start")


@pytest.fixture(name="own_redis")
def fx_own_redis(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """A Redis server of this test's own, so stopping it disturbs nothing else."""
    process = start_redis(port := free_port(), tmp_path)
    try:
        yield f"redis://127.0.0.1:{port}/0", process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


async def test_catalog_reads_succeed_uncached_when_redis_stops(
    settings: InventorySettings, make_product: ProductFactory, own_redis: tuple[str, subprocess.Popen]
) -> None:
    url, redis_process = own_redis
    await make_product(sku="PAD-1", name="Still Here", stock={"EAST": 3})
    app: Litestar = create_app(msgspec.structs.replace(settings, redis_url=url))
    async with AsyncTestClient(app) as client:
        assert (await detail(client))["name"] == "Still Here"
        assert (await client.get("/readyz")).json()["checks"]["cache"]["ok"] is True
        redis_process.kill()
        redis_process.wait()
        await fetch("UPDATE product SET name = 'Read From Database' WHERE sku = 'PAD-1'")
        # The in-process level switches itself off as soon as it notices its invalidation
        # channel is gone; after that every read goes to the database.
        for _ in range(40):
            if (await detail(client))["name"] == "Read From Database":
                break
            await asyncio.sleep(0.05)
        assert (await detail(client))["name"] == "Read From Database"
        assert (await detail(client))["stock"][0]["on_hand"] == 3
        search = await client.get("/products", params={"q": "database"})
        assert [p["sku"] for p in search.json()["items"]] == ["PAD-1"]
        restock = await client.post(
            "/stock/PAD-1/restocks", json={"warehouse": "EAST", "quantity": 1, **ACTOR}
        )
        assert restock.status_code == 201
        ready = await client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"]["cache"]["ok"] is False


async def test_other_process_drops_its_copy_when_a_product_changes_elsewhere(
    settings: InventorySettings, make_product: ProductFactory
) -> None:
    await make_product(sku="PAD-1", name="Before")
    reader, writer = create_app(settings), create_app(settings)
    async with AsyncTestClient(reader) as reader_client, AsyncTestClient(writer) as writer_client:
        for _ in range(40):
            if reader.state.product_cache.is_listening:
                break
            await asyncio.sleep(0.05)
        assert (await detail(reader_client))["name"] == "Before"
        assert (await detail(reader_client))["name"] == "Before"
        assert (await writer_client.patch("/products/PAD-1", json={"name": "After"})).status_code == 200
        seen = ""
        for _ in range(40):
            seen = (await detail(reader_client))["name"]
            if seen == "After":
                break
            await asyncio.sleep(0.05)
        assert seen == "After"


async def test_changes_made_while_redis_was_down_are_invalidated_when_it_is_back(
    settings: InventorySettings, make_product: ProductFactory, tmp_path: Path
) -> None:
    port = free_port()
    redis_process = start_redis(port, tmp_path)
    await make_product(sku="PAD-1", price_cents=1000)
    app = create_app(
        msgspec.structs.replace(settings, redis_url=f"redis://127.0.0.1:{port}/0", local_cache_ttl_s=0)
    )
    try:
        async with AsyncTestClient(app) as client:
            assert (await detail(client))["price_cents"] == 1000
            # Redis goes down keeping its data (the cached price 1000) on disk.
            admin = redis.from_url(f"redis://127.0.0.1:{port}/0")
            with contextlib.suppress(RedisConnectionError):
                await admin.shutdown(save=True)
            await admin.aclose()
            redis_process.wait()
            assert (await client.patch("/products/PAD-1", json={"price_cents": 2000})).status_code == 200
            redis_process = start_redis(port, tmp_path)
            # Once the cache is used again, it must not hand out the price from before the change.
            for _ in range(100):
                # /readyz pings through the app's own client (on the app's loop), which also
                # replaces the connections the old server left dead in its pool.
                reachable = (await client.get("/readyz")).json()["checks"]["cache"]["ok"]
                if reachable and app.state.cache.is_available and app.state.product_cache.is_listening:
                    break
                await asyncio.sleep(0.1)
            own = redis.from_url(f"redis://127.0.0.1:{port}/0")
            try:
                assert await own.exists("inventory:product:PAD-1") == 0
            finally:
                await own.aclose()
            assert (await detail(client))["price_cents"] == 2000
            assert (await detail(client))["price_cents"] == 2000
    finally:
        redis_process.kill()
        redis_process.wait()
