"""Orders tests run against the real inventory app, in-process over `httpx.ASGITransport`.

Both apps run their lifespans on the test's own event loop (`app.lifespan()`), so their
connection pools are real pools, as in production.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest
from litestar import Litestar

from common.db import with_database
from tests.conftest import PG_SERVER_URL

# This suite gets databases of its own, named after this process, so that it can run while
# other suites, or another run of itself, run on the same server (each recreates its databases
# at session start); they are dropped at session end. When another suite already imported a
# service in this process, its engine is bound to the shared name, and we use that one.
OWN_DATABASES: list[str] = []
for _prefix, _package, _name in (
    ("INV_", "inventory_svc", f"autoforge_test_orders_inventory_{os.getpid()}"),
    ("ORD_", "orders_svc", f"autoforge_test_orders_own_{os.getpid()}"),
):
    if f"{_package}.db" not in sys.modules:
        os.environ[f"{_prefix}DATABASE_URL"] = with_database(PG_SERVER_URL, _name)
        OWN_DATABASES.append(os.environ[f"{_prefix}DATABASE_URL"])

from inventory_svc.app import create_app as create_inventory_app  # noqa: E402 - after the environment is set
from inventory_svc.settings import InventorySettings  # noqa: E402 - after the environment is set
from orders_svc.app import create_app as create_orders_app  # noqa: E402 - after the environment is set
from orders_svc.settings import OrdersSettings  # noqa: E402 - after the environment is set
from tests.conftest import database_url, prepare_database, redis_url, run_sync  # noqa: E402 - env set above

WAREHOUSES = (("EAST", "East DC", 1), ("WEST", "West DC", 2))

ADDRESS = {
    "line1": "1 Main St",
    "city": "Springfield",
    "region": "IL",
    "postal_code": "62701",
    "country": "US",
}


def order_body(*lines: tuple[str, int], email: str = "ana@example.com") -> dict[str, Any]:
    return {
        "customer": {"name": "Ana Diaz", "email": email},
        "shipping_address": ADDRESS,
        "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
    }


@pytest.fixture(scope="session", autouse=True)
def _databases() -> Iterator[None]:
    prepare_database("INV_", app_name="inventory", piccolo_conf="inventory_svc.piccolo_conf")
    prepare_database("ORD_", app_name="orders", piccolo_conf="orders_svc.piccolo_conf")
    yield
    for url in OWN_DATABASES:
        run_sync(_drop(url))


async def _drop(url: str) -> None:
    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = await asyncpg.connect(with_database(url, "postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def _truncate(url: str, *, keep: set[str]) -> None:
    conn = await asyncpg.connect(url)
    try:
        names = [
            r["tablename"]
            for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            if r["tablename"] not in keep
        ]
        if names:
            quoted = ", ".join(f'"{name}"' for name in names)
            await conn.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


@pytest.fixture(name="inventory_db")
async def fx_inventory_db() -> AsyncIterator[asyncpg.Connection]:
    """A connection to inventory's test database, emptied but for its warehouses."""
    url = database_url("INV_")
    await _truncate(url, keep={"migration"})
    conn = await asyncpg.connect(url)
    await conn.executemany("INSERT INTO warehouse (code, name, priority) VALUES ($1, $2, $3)", WAREHOUSES)
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture(name="orders_db")
async def fx_orders_db() -> AsyncIterator[asyncpg.Connection]:
    url = database_url("ORD_")
    await _truncate(url, keep={"migration"})
    conn = await asyncpg.connect(url)
    try:
        yield conn
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def running(app: Litestar) -> AsyncIterator[Litestar]:
    """Run the app's lifespan in a task of its own until the block ends.

    Litestar's lifespan holds an anyio cancel scope, which must be left by the task that
    entered it; pytest-asyncio sets a fixture up and tears it down in different tasks.
    """
    started, stopping = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with app.lifespan():
            started.set()
            await stopping.wait()

    task = asyncio.create_task(hold())
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        waiter.cancel()
        await task  # raises what made the start-up fail
    try:
        yield app
    finally:
        stopping.set()
        await task


def inventory_settings(**overrides: Any) -> InventorySettings:
    return InventorySettings(
        database_url=database_url("INV_"),
        redis_url=redis_url("INV_"),
        sweep_interval_s=0,
        pool_max_size=20,
        log_level="WARNING",
        **overrides,
    )


def orders_settings(**overrides: Any) -> OrdersSettings:
    values: dict[str, Any] = {
        "database_url": database_url("ORD_"),
        "redis_url": redis_url("ORD_"),
        "inventory_url": "http://inventory",
        "workers": False,
        "db_pool_size": 20,
        "log_level": "WARNING",
    }
    return OrdersSettings(**{**values, **overrides})


@pytest.fixture(name="inventory_app")
async def fx_inventory_app(inventory_db: asyncpg.Connection) -> AsyncIterator[Litestar]:
    app = create_inventory_app(inventory_settings())
    async with running(app):
        yield app


@pytest.fixture(name="inventory")
async def fx_inventory(inventory_app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """The real inventory API, served in-process: a contract test without a network."""
    transport = httpx.ASGITransport(app=inventory_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://inventory") as client:
        yield client


OrdersFactory = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture(name="make_client")
async def fx_make_client(
    inventory_app: Litestar, orders_db: asyncpg.Connection
) -> AsyncIterator[OrdersFactory]:
    """Start an orders app (settings overridable) wired to the real inventory app; return its client."""
    async with contextlib.AsyncExitStack() as stack:

        async def make(**overrides: Any) -> httpx.AsyncClient:
            transport = overrides.pop("inventory_transport", None) or httpx.ASGITransport(app=inventory_app)
            app = create_orders_app(orders_settings(**overrides), inventory_transport=transport)
            await stack.enter_async_context(running(app))
            client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://orders")
            return await stack.enter_async_context(client)

        yield make


@pytest.fixture(name="client")
async def fx_client(make_client: OrdersFactory) -> httpx.AsyncClient:
    return await make_client()


StockFactory = Callable[..., Awaitable[str]]


@pytest.fixture(name="product_with_stock")
def fx_product_with_stock(inventory: httpx.AsyncClient) -> StockFactory:
    """Create a product in inventory with `available` units in EAST (and `west` in WEST)."""

    async def make(sku: str, *, available: int, price_cents: int = 2599, west: int = 0) -> str:
        product = {
            "sku": sku,
            "name": f"Brake pad set {sku}",
            "brand": "Acme",
            "category": "Brakes",
            "part_type": "Brake Pads",
            "price_cents": price_cents,
        }
        response = await inventory.post("/products", json=product)
        assert response.status_code == 201, response.text
        for warehouse, quantity in (("EAST", available), ("WEST", west)):
            if quantity:
                restock = {"warehouse": warehouse, "quantity": quantity, "reason": "test", "actor": "test"}
                response = await inventory.post(f"/stock/{sku}/restocks", json=restock)
                assert response.status_code in (200, 201), response.text
        return sku

    return make


async def stock_of(inventory: httpx.AsyncClient, sku: str) -> dict[str, int]:
    """Sum of on-hand, reserved and available over the warehouses, from inventory's API."""
    response = await inventory.get(f"/stock/{sku}")
    assert response.status_code == 200, response.text
    levels = response.json()
    return {key: sum(level[key] for level in levels) for key in ("on_hand", "reserved", "available")}


def decode(response: httpx.Response) -> Any:
    return msgspec.json.decode(response.content)
