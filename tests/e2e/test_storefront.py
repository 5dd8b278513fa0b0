"""The storefront in real headless Chromium, from picking a vehicle to watching the order live."""

from __future__ import annotations

import uuid

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Storefront, WatchedPage

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def htmx_idle(page: Page) -> None:
    """Wait until htmx has no request in flight and has finished swapping and settling."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


def test_shopper_buys_a_part_and_watches_the_order_update_live_when_it_is_confirmed(
    storefront: Storefront, watched_page: WatchedPage, screenshots
) -> None:
    page = watched_page.page
    # A double click submits the checkout form twice; the browser cancels the first navigation.
    watched_page.tolerated_aborts.append("/checkout")
    email = f"e2e-{uuid.uuid4().hex[:8]}@example.com"

    page.goto(storefront.url + "/")
    expect(page.locator("h1")).to_contain_text("Find parts")
    page.screenshot(path=screenshots / "01-catalog.png", full_page=True)

    # 1. Choose a vehicle: each select is refilled by htmx from inventory's vehicle lists.
    page.get_by_role("link", name="Choose your vehicle").first.click()
    page.wait_for_url("**/garage**")
    page.select_option("#year", "2012")
    expect(page.locator("#make option[value=HONDA]")).to_have_count(1)
    htmx_idle(page)
    page.select_option("#make", "HONDA")
    expect(page.locator("#model option[value=CIVIC]")).to_have_count(1)
    htmx_idle(page)
    page.select_option("#model", "CIVIC")
    save = page.get_by_role("button", name="Save and shop for this vehicle")
    expect(save).to_be_enabled()
    page.screenshot(path=screenshots / "02-vehicle-picker.png", full_page=True)
    save.click()
    page.wait_for_url(storefront.url + "/")
    expect(page.locator("#active-vehicle")).to_have_text("2012 HONDA CIVIC")

    # 2. Search as you type: the results fragment is swapped in and the URL carries the query.
    page.fill("#q", "brake")
    page.wait_for_url("**q=brake**")
    results = page.locator("#results")
    expect(results).to_contain_text("Ceramic Front Brake Pads")
    expect(results).not_to_contain_text("Engine Oil Filter")
    expect(results.locator(".fits").first).to_have_text("✓ Fits your 2012 HONDA CIVIC")
    page.screenshot(path=screenshots / "03-search.png", full_page=True)

    # 3. Product page, then add two to the cart without leaving it.
    results.get_by_role("link", name="Ceramic Front Brake Pads").click()
    page.wait_for_url("**/products/BRK-PAD-1001")
    expect(page.locator("#fitment-status")).to_contain_text("Fits your 2012 HONDA CIVIC")
    availability = page.locator("#availability")
    expect(availability).to_contain_text("East Coast DC")
    # Stock arrives in the West warehouse: the availability table refreshes by itself.
    west = availability.locator("tr", has_text="West Coast DC").locator("td").nth(1)
    before = int(west.inner_text())
    restock = {"warehouse": "WEST", "quantity": 7, "reason": "delivery", "actor": "e2e"}
    response = httpx.post(f"{storefront.backends.inventory_url}/stock/BRK-PAD-1001/restocks", json=restock)
    assert response.status_code in (200, 201), response.text
    expect(west).to_have_text(str(before + 7))
    page.fill("#quantity", "2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-notice")).to_contain_text("Added 2")
    expect(page.locator("#cart-count")).to_have_text("2")
    page.screenshot(path=screenshots / "04-product-added.png", full_page=True)

    # 4. Cart: change the quantity in place; the server recomputes the total.
    page.locator("#cart-notice").get_by_role("link", name="View cart").click()
    page.wait_for_url("**/cart")
    htmx_idle(page)
    page.fill("#qty-1", "3")
    page.locator("#qty-1").dispatch_event("change")
    expect(page.locator("#cart-total")).to_have_text("$137.97")
    expect(page.locator("#cart-count")).to_have_text("3")
    page.screenshot(path=screenshots / "05-cart.png", full_page=True)

    # 5. Checkout, double-clicking the submit button.
    page.locator("#checkout-link").click()
    page.wait_for_url("**/checkout")
    for field, value in {"name": "Ana Driver", "email": email, "line1": "1 Main St", "city": "Springfield",
                         "region": "IL", "postal_code": "62701", "country": "US"}.items():  # fmt: skip
        page.fill(f"#field-{field}", value)
    page.screenshot(path=screenshots / "06-checkout.png", full_page=True)
    page.locator("#place-order").dblclick()
    page.wait_for_url("**/orders/**")
    status = page.locator("#order-status")
    expect(status).to_have_attribute("data-status", "reserved")
    page.screenshot(path=screenshots / "07-order-placed.png", full_page=True)

    orders = httpx.get(f"{storefront.backends.orders_url}/orders", params={"email": email}).json()["items"]
    assert len(orders) == 1, orders
    assert orders[0]["total_cents"] == 3 * 4599

    # 6. An operator confirms the order through the orders API; the page changes by itself.
    url_before = page.url
    body = {"to": "confirmed", "actor": "e2e", "reason": "payment received"}
    response = httpx.post(f"{storefront.backends.orders_url}/orders/{orders[0]['id']}/transitions", json=body)
    assert response.status_code == 200, response.text
    expect(status).to_have_attribute("data-status", "confirmed")
    expect(status).to_contain_text("payment received")
    assert page.url == url_before
    page.screenshot(path=screenshots / "08-order-confirmed-live.png", full_page=True)

    assert watched_page.problems.all() == []
