"""Races against a real server process with a connection pool, as in production."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from inventory_svc import services
from tests.helpers import serve
from tests.inventory_svc.conftest import LEDGER_MISMATCHES, ProductFactory, fetch, fetchval

pytestmark = pytest.mark.slow


@pytest.fixture(name="server", scope="module")
def fx_server(inventory_database: str) -> Iterator[str]:
    env = {
        "INV_DB_POOL": "true",
        "INV_POOL_MAX_SIZE": "20",
        "INV_SWEEP_INTERVAL_S": "0",
        "INV_LOG_LEVEL": "WARNING",
    }
    with serve("inventory_svc", env=env) as url:
        yield url


@pytest.fixture(name="http")
async def fx_http(server: str) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=server, timeout=30, limits=limits) as client:
        yield client


async def test_exactly_available_units_are_reserved_when_200_orders_race_for_50(
    http: httpx.AsyncClient, make_product: ProductFactory
) -> None:
    await make_product(sku="HOT-1", stock={"EAST": 20, "CENTRAL": 20, "WEST": 10})

    async def place() -> httpx.Response:
        body = {"order_id": str(uuid.uuid4()), "lines": [{"sku": "HOT-1", "quantity": 1}]}
        return await http.post("/reservations", json=body)

    responses = await asyncio.gather(*(place() for _ in range(200)))
    outcomes = Counter((r.status_code, r.json().get("code")) for r in responses)
    assert outcomes == {(201, None): 50, (409, "out_of_stock"): 150}
    stock = await fetch(
        "SELECT on_hand, reserved FROM stock_level s JOIN product p ON p.id = s.product WHERE p.sku = 'HOT-1'"
    )
    assert sum(row["reserved"] for row in stock) == 50
    assert all(0 <= row["reserved"] <= row["on_hand"] for row in stock)
    assert await fetch(LEDGER_MISMATCHES) == []


async def test_one_reservation_exists_when_the_same_order_id_is_sent_20_times_at_once(
    http: httpx.AsyncClient, make_product: ProductFactory
) -> None:
    await make_product(sku="HOT-1", stock={"EAST": 50})
    body = {"order_id": str(uuid.uuid4()), "lines": [{"sku": "HOT-1", "quantity": 3}]}
    responses = await asyncio.gather(*(http.post("/reservations", json=body) for _ in range(20)))
    assert sorted(r.status_code for r in responses) == [200] * 19 + [201]
    assert len({r.content for r in responses}) == 1
    assert await fetchval("SELECT sum(reserved) FROM stock_level") == 3


async def test_stock_comes_back_once_when_release_is_sent_twice_concurrently(
    http: httpx.AsyncClient, make_product: ProductFactory
) -> None:
    await make_product(sku="HOT-1", stock={"EAST": 10})
    order_id = str(uuid.uuid4())
    await http.post("/reservations", json={"order_id": order_id, "lines": [{"sku": "HOT-1", "quantity": 4}]})
    responses = await asyncio.gather(*(http.post(f"/reservations/{order_id}/release") for _ in range(10)))
    assert {r.status_code for r in responses} == {200}
    assert await fetchval("SELECT sum(reserved) FROM stock_level") == 0
    assert await fetchval("SELECT sum(on_hand) FROM stock_level") == 10
    assert await fetchval("SELECT count(*) FROM stock_movement WHERE kind = 'release'") == 1


async def test_levels_equal_ledger_sums_when_every_kind_of_write_runs_concurrently(
    http: httpx.AsyncClient, make_product: ProductFactory
) -> None:
    skus = ["MIX-1", "MIX-2", "MIX-3"]
    for sku in skus:
        await make_product(sku=sku, stock={"EAST": 15, "CENTRAL": 10, "WEST": 5})
    rng = random.Random(7)
    orders: list[str] = []

    async def reserve() -> None:
        order_id = str(uuid.uuid4())
        lines = [{"sku": sku, "quantity": rng.randint(1, 6)} for sku in rng.sample(skus, rng.randint(1, 3))]
        response = await http.post(
            "/reservations", json={"order_id": order_id, "lines": lines, "ttl_s": rng.choice([1, 900])}
        )
        if response.status_code == 201:
            orders.append(order_id)

    async def settle() -> None:
        if orders:
            action = rng.choice(["commitment", "release"])
            await http.post(f"/reservations/{rng.choice(orders)}/{action}")

    async def stock_write() -> None:
        sku, warehouse = rng.choice(skus), rng.choice(["EAST", "CENTRAL", "WEST"])
        if rng.random() < 0.5:
            body = {"warehouse": warehouse, "quantity": rng.randint(1, 5), "reason": "race", "actor": "tests"}
            await http.post(f"/stock/{sku}/restocks", json=body)
        else:
            body = {
                "warehouse": warehouse,
                "delta": rng.choice([-3, -1, 2]),
                "reason": "race",
                "actor": "tests",
            }
            await http.post(f"/stock/{sku}/adjustments", json=body)

    for _ in range(4):
        await asyncio.gather(*(rng.choice([reserve, reserve, settle, stock_write])() for _ in range(60)))
    await asyncio.sleep(1.1)
    # The sweeper races with late releases and commits.
    await asyncio.gather(services.sweep_expired(batch=5, cache=None), *(settle() for _ in range(20)))
    await services.sweep_expired(batch=500, cache=None)

    assert await fetch(LEDGER_MISMATCHES) == []
    assert await fetchval("SELECT count(*) FROM stock_level WHERE reserved < 0 OR reserved > on_hand") == 0
    kinds = {row["kind"] for row in await fetch("SELECT DISTINCT kind FROM stock_movement")}
    assert {"reservation", "restock", "adjustment", "expiry"} <= kinds
    # What is still held is exactly what the held reservations' lines say.
    held = await fetchval(
        "SELECT coalesce(sum(l.quantity), 0) FROM reservation_line l "
        "JOIN reservation r ON r.id = l.reservation WHERE r.status = 'held'"
    )
    assert await fetchval("SELECT sum(reserved) FROM stock_level") == held
