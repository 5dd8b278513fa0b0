"""The admin in a real headless Chromium: log in, watch requests/s rise, restock, confirm an order."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import pytest

from tests.admin_web.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, admin_env
from tests.client_web.support import Backends, running_backends
from tests.conftest import TEST_OUTPUT
from tests.e2e.conftest import WatchedPage
from tests.helpers import serve

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Admin:
    url: str
    backends: Backends


@pytest.fixture(name="admin", scope="module")
def fx_admin() -> Iterator[Admin]:
    logs = TEST_OUTPUT / "logs" / "e2e-admin"
    # Set-up runs asyncio.run(); Playwright's sync API may already run a loop on this thread.
    backends_cm = running_backends("e2e_admin", log_dir=logs)
    with ThreadPoolExecutor(max_workers=1) as worker:
        backends = worker.submit(backends_cm.__enter__).result(timeout=300)
        try:
            env = admin_env(backends, ADM_POLL_INTERVAL_S="1")
            with serve("admin_web", env=env, log_path=logs / "admin.log") as url:
                yield Admin(url=url, backends=backends)
        finally:
            worker.submit(backends_cm.__exit__, None, None, None).result(timeout=60)


def _place_order(orders_url: str) -> str:
    body = {
        "customer": {"name": "Ada Driver", "email": "ada@example.test"},
        "shipping_address": {
            "line1": "1 Main St",
            "city": "Springfield",
            "region": "IL",
            "postal_code": "62701",
            "country": "US",
        },
        "lines": [{"sku": "OIL-FLT-3003", "quantity": 2}],
    }
    response = httpx.post(f"{orders_url}/orders", json=body, headers={"Idempotency-Key": str(uuid.uuid4())},
                          timeout=10)  # fmt: skip
    assert response.status_code in (200, 201), response.text
    return response.json()["id"]


def _rps(page) -> float:
    text = page.locator('#services-panel tr[data-service="inventory"] td[data-metric="rps"]').inner_text()
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return 0.0


def test_operator_watches_traffic_restocks_and_confirms_an_order_when_logged_in(
    admin: Admin, watched_page: WatchedPage, screenshots
) -> None:
    page = watched_page.page
    order_id = _place_order(admin.backends.orders_url)

    # Log in.
    page.goto(f"{admin.url}/")
    assert "/login" in page.url
    page.fill("#email", ADMIN_EMAIL)
    page.fill("#password", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{admin.url}/")
    page.wait_for_selector('#services-panel tr[data-service="inventory"]')
    page.screenshot(path=str(screenshots / "1-dashboard.png"), full_page=True)
    baseline = _rps(page)

    # Send traffic to inventory while watching the live number rise (no reload).
    stop = threading.Event()

    def traffic() -> None:
        with httpx.Client(base_url=admin.backends.inventory_url, timeout=5) as http:
            while not stop.is_set():
                http.get("/products", params={"limit": 5})

    sender = threading.Thread(target=traffic, daemon=True)
    sender.start()
    try:
        deadline = time.monotonic() + 30
        while _rps(page) <= max(5.0, baseline * 2) and time.monotonic() < deadline:
            page.wait_for_timeout(500)
        risen = _rps(page)
    finally:
        stop.set()
        sender.join(timeout=10)
    assert risen > max(5.0, baseline * 2), (baseline, risen)
    page.wait_for_function("document.querySelectorAll('#chart-rps canvas').length > 0")
    page.screenshot(path=str(screenshots / "2-dashboard-traffic.png"), full_page=True)

    # Restock a product, with a reason recorded under the operator's name.
    page.click("nav >> text=Inventory")
    page.fill("input[name=q]", "brake pads")  # htmx searches as the operator types
    page.wait_for_url("**/inventory?q=brake*")  # the search's swap is done and pushed to history
    page.click("#products-table >> text=BRK-PAD-1001")
    on_hand = int(page.locator('#stock-table tr[data-warehouse="EAST"] td[data-col="on_hand"]').inner_text())
    page.select_option("#restock-warehouse", "EAST")
    page.fill("#restock-quantity", "7")
    page.fill("#restock-reason", "supplier delivery PO-77")
    page.click("#restock-form button[type=submit]")
    page.wait_for_selector("p.notice")
    after = int(page.locator('#stock-table tr[data-warehouse="EAST"] td[data-col="on_hand"]').inner_text())
    assert after == on_hand + 7
    ledger = page.locator("#ledger-table tbody tr").first.inner_text()
    assert "supplier delivery PO-77" in ledger
    assert ADMIN_EMAIL in ledger
    page.screenshot(path=str(screenshots / "3-restocked.png"), full_page=True)

    # Confirm the order: only legal transitions are offered.
    page.goto(f"{admin.url}/orders/{order_id}")
    assert page.locator("#order-status").inner_text() == "reserved"
    offered = page.locator("button[data-transition]").evaluate_all(
        "els => els.map(e => e.dataset.transition)"
    )
    assert "confirmed" in offered
    assert set(offered) <= {"confirmed", "failed"}  # the legal moves from reserved (cancel has its own form)
    page.click('button[data-transition="confirmed"]')
    page.wait_for_selector("p.notice")
    assert page.locator("#order-status").inner_text() == "confirmed"
    assert re.search(r"reserved\s+confirmed", page.locator("#history-table").inner_text())
    page.screenshot(path=str(screenshots / "4-order-confirmed.png"), full_page=True)

    assert watched_page.problems.all() == []


MENU = ("Dashboard", "Inventory", "Low stock", "Orders", "Alerts", "Users")


def test_admin_pages_fit_a_phone_when_viewed_at_390_px(
    admin: Admin, watched_page: WatchedPage, screenshots
) -> None:
    page = watched_page.page
    page.set_viewport_size({"width": 390, "height": 844})
    _place_order(admin.backends.orders_url)  # the orders table has a row to lay out
    page.goto(f"{admin.url}/login")
    page.fill("#email", ADMIN_EMAIL)
    page.fill("#password", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{admin.url}/")
    page.wait_for_selector('#services-panel tr[data-service="inventory"]')
    page.wait_for_function("document.querySelectorAll('#chart-rps canvas').length > 0")
    assert page.locator("#live-state").inner_text() == "● live"
    # The legend names the series; no "--" value placeholders (the charts have no cursor).
    assert "--" not in page.locator("#charts").inner_text()

    for name, path, ready in (
        ("dashboard", "/", "#services-panel table"),
        ("inventory", "/inventory?q=brake", "#products-table table"),
        ("orders", "/orders", "#orders-table table"),
        ("users", "/users", "main table"),
    ):
        page.goto(f"{admin.url}{path}")
        page.wait_for_selector(ready)
        if name == "dashboard":
            page.wait_for_function("document.querySelectorAll('#chart-rps canvas').length > 0")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
        # Every menu entry is on screen, not pushed off to the right.
        nav = page.locator("header nav")
        items = [nav.get_by_role("link", name=n, exact=True) for n in MENU] + [
            nav.get_by_role("button", name="Log out", exact=True)
        ]
        for item in items:
            box = item.bounding_box()
            assert box is not None, (path, item)
            assert box["x"] >= 0, (path, item, box)
            assert box["x"] + box["width"] <= 390, (path, item, box)
        page.screenshot(path=str(screenshots / f"phone-{name}.png"), full_page=True)

    assert watched_page.problems.all() == []
