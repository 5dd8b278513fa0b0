"""The built-in inventory scenario against a real inventory_svc process and database."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from load.cli import main


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
