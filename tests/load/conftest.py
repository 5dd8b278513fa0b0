from __future__ import annotations

from collections.abc import Iterator

import pytest

from common.db import ensure_database, migrate, with_database
from common.embedded import redis_url_with_db
from tests.conftest import database_url, redis_url, run_sync
from tests.helpers import serve

# Databases of their own, so a load test never touches the rows other test areas expect.
INVENTORY_DB = "autoforge_test_load_inventory"
ORDERS_DB = "autoforge_test_load_orders"
REDIS_DB = 15


@pytest.fixture(name="server", scope="module")
def fx_server() -> Iterator[str]:
    """The small Litestar app in tests/load/app.py, served by a real uvicorn process."""
    with serve("tests.load") as url:
        yield url


@pytest.fixture(name="inventory_env", scope="session")
def fx_inventory_env() -> dict[str, str]:
    """A migrated inventory database with a small seeded catalog."""
    from inventory_svc.seed import seed

    url = with_database(database_url("INV_"), INVENTORY_DB)
    run_sync(ensure_database(url, recreate=True))
    env = {"INV_DATABASE_URL": url, "INV_REDIS_URL": redis_url_with_db(redis_url("INV_"), REDIS_DB)}
    migrate(app_name="inventory", piccolo_conf="inventory_svc.piccolo_conf", env=env)
    run_sync(seed(url, per_part_type=2))
    return env


@pytest.fixture(name="inventory", scope="module")
def fx_inventory(inventory_env: dict[str, str]) -> Iterator[str]:
    """inventory_svc as a real uvicorn process on the seeded database."""
    with serve("inventory_svc", env=inventory_env) as url:
        yield url
