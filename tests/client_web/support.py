"""Start the real inventory and orders services and fill them with a small catalog.

Shared by the storefront's handler tests and the browser tests. Warehouses and the vehicle
list are reference data that inventory's seeding loads from files; the tests insert the
few rows they need directly, then create every product and its stock through inventory's
own HTTP API.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import asyncpg
import httpx
import redis.asyncio as redis

from common.db import ensure_database, migrate, with_database
from common.embedded import redis_url_with_db
from tests.conftest import PG_SERVER_URL, REDIS_SERVER_URL, TEST_OUTPUT, run_sync
from tests.helpers import serve

WAREHOUSES = [("EAST", "East Coast DC", 0), ("WEST", "West Coast DC", 1)]
VEHICLES = [
    (2012, "HONDA", "CIVIC"),
    (2012, "HONDA", "ACCORD"),
    (2012, "TOYOTA", "CAMRY"),
    (2013, "HONDA", "CIVIC"),
    (2011, "FORD", "F-150"),
]
CIVIC = [{"make": "HONDA", "model": "CIVIC", "year_from": 2012, "year_to": 2015}]
PRODUCTS = [
    {
        "sku": "BRK-PAD-1001",
        "name": "Ceramic Front Brake Pads",
        "brand": "Akebono",
        "category": "Brakes",
        "part_type": "Brake Pads",
        "price_cents": 4599,
        "description": "Quiet, low-dust ceramic pads.",
        "oem_numbers": ["45022-TR0-A01"],
        "interchange_numbers": ["D1578"],
        "attributes": {"position": "front", "material": "ceramic"},
        "fitments": CIVIC,
    },
    {
        "sku": "BRK-ROT-2002",
        "name": "Front Brake Rotor",
        "brand": "Brembo",
        "category": "Brakes",
        "part_type": "Rotors",
        "price_cents": 7850,
        "description": "Vented front rotor.",
        "oem_numbers": ["45251-TR0-A00"],
        "attributes": {"position": "front"},
        "fitments": CIVIC,
    },
    {
        "sku": "OIL-FLT-3003",
        "name": "Engine Oil Filter",
        "brand": "Bosch",
        "category": "Engine",
        "part_type": "Oil Filters",
        "price_cents": 899,
        "oem_numbers": ["15400-PLM-A02"],
        "interchange_numbers": ["PH7317"],
        "fitments": [*CIVIC, {"make": "TOYOTA", "model": "CAMRY", "year_from": 2010, "year_to": 2014}],
    },
    {
        "sku": "WPR-BLD-4004",
        "name": "Wiper Blade 26in <script>alert(1)</script>",
        "brand": "Bosch",
        "category": "Body",
        "part_type": "Wiper Blades",
        "price_cents": 1999,
        "fitments": [{"make": "FORD", "model": "F-150", "year_from": 2009, "year_to": 2014}],
    },
    {
        "sku": "SPK-PLG-5005",
        "name": "Iridium Spark Plug",
        "brand": "NGK",
        "category": "Engine",
        "part_type": "Spark Plugs",
        "price_cents": 1249,
        "fitments": CIVIC,
    },
]
# Units per warehouse: EAST, WEST. The rotor is scarce (checkout out-of-stock tests).
STOCK = {
    "BRK-PAD-1001": (20, 5),
    "BRK-ROT-2002": (2, 0),
    "OIL-FLT-3003": (50, 50),
    "WPR-BLD-4004": (10, 0),
    "SPK-PLG-5005": (0, 0),
}


async def _insert_reference_data(url: str) -> None:
    conn = await asyncpg.connect(url, timeout=10)
    try:
        await conn.executemany(
            "INSERT INTO warehouse (code, name, priority) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            WAREHOUSES,
        )
        await conn.executemany(
            "INSERT INTO vehicle (year, make, model) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", VEHICLES
        )
    finally:
        await conn.close()


def seed_catalog(inventory_url: str) -> None:
    """Create the test catalog through inventory's API (idempotent: existing SKUs are kept)."""
    with httpx.Client(base_url=inventory_url, timeout=10) as http:
        for product in PRODUCTS:
            response = http.post("/products", json=product)
            assert response.status_code in (201, 409), response.text
            if response.status_code == 409:
                continue
            for warehouse, quantity in zip(("EAST", "WEST"), STOCK[product["sku"]], strict=True):
                if quantity:
                    body = {
                        "warehouse": warehouse,
                        "quantity": quantity,
                        "reason": "test seed",
                        "actor": "tests",
                    }
                    restock = http.post(f"/stock/{product['sku']}/restocks", json=body)
                    assert restock.status_code in (200, 201), restock.text


def set_stock(inventory_url: str, sku: str, *, warehouse: str, available: int) -> None:
    """Adjust one warehouse so that exactly `available` units are free (for out-of-stock tests)."""
    with httpx.Client(base_url=inventory_url, timeout=10) as http:
        levels = {s["warehouse"]: s for s in http.get(f"/stock/{sku}").json()}
        delta = available - levels[warehouse]["available"]
        if delta:
            body = {"warehouse": warehouse, "delta": delta, "reason": "test", "actor": "tests"}
            response = http.post(f"/stock/{sku}/adjustments", json=body)
            assert response.status_code in (200, 201), response.text


class Backends:
    def __init__(self, inventory_url: str, orders_url: str) -> None:
        self.inventory_url = inventory_url
        self.orders_url = orders_url


# The storefront's backends get databases of their own (not the services' own test databases):
# other suites recreate and truncate those, possibly at the same time on a shared machine.
# Each caller (handler tests, browser tests) gets its own pair of databases, named after it.
def backend_env(name: str) -> dict[str, str]:
    return {
        "INV_DATABASE_URL": with_database(PG_SERVER_URL, f"autoforge_test_{name}_inventory"),
        "INV_REDIS_URL": redis_url_with_db(REDIS_SERVER_URL, 9),
        "ORD_DATABASE_URL": with_database(PG_SERVER_URL, f"autoforge_test_{name}_orders"),
        "ORD_REDIS_URL": redis_url_with_db(REDIS_SERVER_URL, 15),
    }


async def _flush_redis(*urls: str) -> None:
    # inventory caches products in Redis: nothing cached from an earlier catalog may survive.
    for url in urls:
        client = redis.from_url(url)
        try:
            await client.flushdb()
        finally:
            await client.aclose()


def _prepare_databases(env: dict[str, str]) -> None:
    for prefix, app_name, package in (
        ("INV_", "inventory", "inventory_svc"),
        ("ORD_", "orders", "orders_svc"),
    ):
        run_sync(ensure_database(env[f"{prefix}DATABASE_URL"], recreate=True))
        migrate(app_name=app_name, piccolo_conf=f"{package}.piccolo_conf", env=env)
    run_sync(_insert_reference_data(env["INV_DATABASE_URL"]))
    run_sync(_flush_redis(env["INV_REDIS_URL"], env["ORD_REDIS_URL"]))


@contextmanager
def running_backends(name: str, *, log_dir: Path | None = None) -> Iterator[Backends]:
    """Fresh inventory and orders databases, both services as real processes, the catalog seeded."""
    env = backend_env(name)
    _prepare_databases(env)
    log_dir = log_dir or TEST_OUTPUT / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        inventory_env = {**env, "INV_SWEEP_INTERVAL_S": "1"}
        inventory_url = stack.enter_context(
            serve("inventory_svc", env=inventory_env, log_path=log_dir / "inventory.log")
        )
        orders_env = {**env, "ORD_INVENTORY_URL": inventory_url, "ORD_RELAY_INTERVAL_S": "0.1"}
        orders_url = stack.enter_context(serve("orders_svc", env=orders_env, log_path=log_dir / "orders.log"))
        seed_catalog(inventory_url)
        yield Backends(inventory_url, orders_url)
