"""The built-in storefront and orders scenarios against real client_web, orders_svc and inventory_svc."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from common.db import ensure_database, migrate, with_database
from common.embedded import redis_url_with_db
from load.cli import main
from tests.conftest import database_url, redis_url, run_sync
from tests.helpers import serve
from tests.load.conftest import ORDERS_DB, REDIS_DB


@pytest.fixture(name="storefront", scope="module")
def fx_storefront(inventory_env: dict[str, str]) -> Iterator[tuple[str, str, str]]:
    """(storefront, inventory, orders) URLs of the three deployables running as uvicorn processes."""
    orders_url = with_database(database_url("ORD_"), ORDERS_DB)
    run_sync(ensure_database(orders_url, recreate=True))
    orders_env = {
        "ORD_DATABASE_URL": orders_url,
        "ORD_REDIS_URL": redis_url_with_db(redis_url("ORD_"), REDIS_DB),
    }
    migrate(app_name="orders", piccolo_conf="orders_svc.piccolo_conf", env=orders_env)
    with ExitStack() as stack:
        inventory = stack.enter_context(serve("inventory_svc", env=inventory_env))
        orders = stack.enter_context(serve("orders_svc", env={**orders_env, "ORD_INVENTORY_URL": inventory}))
        web_env = {
            "WEB_INVENTORY_URL": inventory,
            "WEB_ORDERS_URL": orders,
            "WEB_REDIS_URL": redis_url_with_db(redis_url("WEB_"), REDIS_DB),
        }
        storefront = stack.enter_context(serve("client_web", env=web_env))
        yield storefront, inventory, orders


def test_storefront_journey_has_no_errors_when_run_against_the_real_deployables(
    storefront: tuple[str, str, str], tmp_path: Path
) -> None:
    web, inventory, _ = storefront
    report_path = tmp_path / "report.json"
    argv = ["storefront", "--target", f"storefront={web}", "--target", f"inventory={inventory}"]
    # About 100 iterations: the 8% checkout task all but surely runs (0.92 ** 100 < 0.03%).
    argv += ["--rate", "25", "--duration", "4s", "--seed", "6", "--json", str(report_path), "--quiet"]
    assert main([*argv, "-t", "errors<1%"]) == 0
    steps = json.loads(report_path.read_text())["steps"]
    ran = {name for name, step in steps.items() if step["requests"]}
    assert {"browse", "vehicle-search", "product-page", "add-to-cart/post", "checkout/place"} <= ran
    assert all(step["errors"] == 0 for step in steps.values())
    assert steps["checkout/place"]["statuses"] == {"303": steps["checkout/place"]["requests"]}


def test_orders_scenario_places_and_lists_orders_when_run_against_the_real_service(
    storefront: tuple[str, str, str], tmp_path: Path
) -> None:
    _, inventory, orders = storefront
    report_path = tmp_path / "report.json"
    argv = ["orders", "--target", f"orders={orders}", "--target", f"inventory={inventory}"]
    argv += ["--rate", "20", "--duration", "2s", "--json", str(report_path), "--quiet"]
    assert main([*argv, "-t", "errors<1%"]) == 0
    steps = json.loads(report_path.read_text())["steps"]
    assert steps["list"]["statuses"] == {"200": steps["list"]["requests"]}
    assert set(steps["place"]["statuses"]) <= {"201", "409"}
    assert steps["place"]["statuses"].get("201", 0) > 0
