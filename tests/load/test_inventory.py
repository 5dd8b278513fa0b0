"""The built-in inventory scenario against a real inventory_svc process and database."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from common.db import ensure_database, migrate, with_database
from common.embedded import redis_url_with_db
from load.cli import main
from tests.conftest import database_url, redis_url
from tests.helpers import serve


@pytest.fixture(name="inventory", scope="module")
def fx_inventory() -> Iterator[str]:
    """A seeded inventory in a database of its own, so other test areas' rows are untouched."""
    from inventory_svc.seed import seed

    url = with_database(database_url("INV_"), "autoforge_test_load_inventory")
    asyncio.run(ensure_database(url, recreate=True))
    env = {"INV_DATABASE_URL": url, "INV_REDIS_URL": redis_url_with_db(redis_url("INV_"), 15)}
    migrate(app_name="inventory", piccolo_conf="inventory_svc.piccolo_conf", env=env)
    asyncio.run(seed(url, per_part_type=2))
    with serve("inventory_svc", env=env) as base:
        yield base


def test_inventory_scenario_meets_its_thresholds_when_run_against_the_real_service(
    inventory: str, tmp_path: Path
) -> None:
    report_path = tmp_path / "report.json"
    argv = ["inventory", "--target", f"inventory={inventory}", "--users", "4", "--duration", "2s"]
    assert main([*argv, "-t", "errors<1%", "--json", str(report_path), "--quiet"]) == 0
    report = json.loads(report_path.read_text())
    assert set(report["steps"]) == {"product", "availability", "search", "vehicle-search", "categories"}
    assert all(step["requests"] > 0 for step in report["steps"].values())
    assert report["summary"]["errors"] == 0


def test_single_endpoint_run_is_bounded_by_its_request_budget_when_loading_product_by_sku(
    inventory: str, tmp_path: Path
) -> None:
    report_path = tmp_path / "report.json"
    sku = httpx.get(f"{inventory}/products?limit=1&sort=sku", timeout=10).json()["items"][0]["sku"]
    argv = ["--url", f"{inventory}/products/{sku}", "--rate", "200", "-d", "5s", "-n", "150"]
    assert main([*argv, "--json", str(report_path), "--quiet"]) == 0
    report = json.loads(report_path.read_text())
    assert report["summary"]["requests"] == 150
    assert report["stopped_by"] == "max_requests"
