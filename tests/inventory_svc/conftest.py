"""Inventory test fixtures: a migrated database, an app per test, builders, clean-up."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import msgspec
import pytest
import redis.asyncio as redis
from litestar import Litestar
from litestar.testing import AsyncTestClient

from inventory_svc import services
from inventory_svc.app import create_app
from inventory_svc.schemas import FitmentCreate, ProductCreate, ProductRead, RestockCreate
from inventory_svc.settings import InventorySettings
from inventory_svc.taxonomy import WAREHOUSES
from tests.conftest import database_url, prepare_database, redis_url

TABLES = "reservation_line, reservation, stock_movement, stock_level, fitment, product, vehicle, warehouse"

# Levels minus ledger sums, per product and warehouse: empty when the ledger explains every level.
LEDGER_MISMATCHES = """
SELECT s.product, s.warehouse, s.on_hand, s.reserved,
       m.on_hand AS ledger_on_hand, m.reserved AS ledger_reserved
FROM stock_level s
FULL JOIN (SELECT product, warehouse, sum(on_hand_delta) AS on_hand, sum(reserved_delta) AS reserved
           FROM stock_movement GROUP BY product, warehouse) m USING (product, warehouse)
WHERE coalesce(s.on_hand, 0) <> coalesce(m.on_hand, 0) OR coalesce(s.reserved, 0) <> coalesce(m.reserved, 0)
"""

ProductFactory = Callable[..., Awaitable[ProductRead]]


@pytest.fixture(scope="session", autouse=True)
def inventory_database() -> str:
    """The test database, recreated from empty and migrated forwards once per session."""
    return prepare_database("INV_", app_name="inventory", piccolo_conf="inventory_svc.piccolo_conf")


async def fetch(sql: str, *args: Any) -> list[asyncpg.Record]:
    """Run `sql` on a connection of its own (the test's view of the database)."""
    conn = await asyncpg.connect(database_url("INV_"))
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def fetchval(sql: str, *args: Any) -> Any:
    rows = await fetch(sql, *args)
    return rows[0][0] if rows else None


@pytest.fixture(autouse=True)
async def fx_clean_database(inventory_database: str) -> AsyncIterator[None]:
    """Start each test with the three warehouses and nothing else; empty the cache afterwards too."""
    conn = await asyncpg.connect(inventory_database)
    try:
        await conn.executemany("INSERT INTO warehouse (code, name, priority) VALUES ($1, $2, $3)", WAREHOUSES)
        yield
        await conn.execute(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()
    cache = redis.from_url(redis_url("INV_"))
    try:
        await cache.flushdb()
    finally:
        await cache.aclose()


@pytest.fixture(name="settings")
def fx_settings() -> InventorySettings:
    """Test settings: no pool (the test client runs the app on its own loop), no background sweeper."""
    return msgspec.structs.replace(
        InventorySettings.from_env(), db_pool=False, sweep_interval_s=0, log_level="WARNING"
    )


@pytest.fixture(name="app")
def fx_app(settings: InventorySettings) -> Litestar:
    return create_app(settings)


@pytest.fixture(name="client")
async def fx_client(app: Litestar) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app) as client:
        yield client


@pytest.fixture(name="make_product")
def fx_make_product() -> ProductFactory:
    """Create a product through the service layer, with stock per warehouse restocked into the ledger."""
    counter = iter(range(1, 10_000))

    async def make(
        *,
        sku: str | None = None,
        name: str = "Test Brake Pad Set",
        brand: str = "Wagner",
        category: str = "Brakes",
        part_type: str = "Disc Brake Pad Set",
        price_cents: int = 4999,
        stock: dict[str, int] | None = None,
        fitments: list[tuple[str, str, int, int]] = (),
        oem_numbers: list[str] = (),
        interchange_numbers: list[str] = (),
        description: str = "",
        reorder_point: int = 5,
    ) -> ProductRead:
        sku = sku or f"T-{next(counter):05d}"
        await services.create_product(
            ProductCreate(
                sku=sku,
                name=name,
                brand=brand,
                category=category,
                part_type=part_type,
                price_cents=price_cents,
                description=description,
                oem_numbers=list(oem_numbers),
                interchange_numbers=list(interchange_numbers),
                fitments=[
                    FitmentCreate(make=m, model=mo, year_from=a, year_to=b) for m, mo, a, b in fitments
                ],
                reorder_point=reorder_point,
            ),
            cache=None,
        )
        for warehouse, quantity in (stock or {}).items():
            if quantity:
                await services.restock(
                    sku,
                    RestockCreate(warehouse=warehouse, quantity=quantity, reason="test", actor="tests"),
                    cache=None,
                )
        return await services.get_product(sku)

    return make
