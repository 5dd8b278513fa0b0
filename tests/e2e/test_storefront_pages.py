"""Every storefront page in a real browser: no JavaScript errors, no failed requests, works without JS."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import STEP_TIMEOUT_MS, PageProblems, Storefront, WatchedPage, watch

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ADDRESS = {"name": "Ana Driver", "line1": "1 Main St", "city": "Springfield", "region": "IL",
           "postal_code": "62701", "country": "US"}  # fmt: skip


def htmx_idle(page: Page) -> None:
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


def test_pages_log_no_javascript_error_or_failed_request_when_a_shopper_browses(
    storefront: Storefront, watched_page: WatchedPage, screenshots
) -> None:
    page = watched_page.page
    # A favicon fetch still running when the next page loads is cancelled by Chromium itself
    # (how often depends on how fresh the file's Last-Modified makes it in the cache).
    watched_page.tolerated_aborts.append("/static/favicon.svg")
    base = storefront.url
    page.goto(base + "/garage")
    page.select_option("#year", "2012")
    expect(page.locator("#make option[value=HONDA]")).to_have_count(1)
    htmx_idle(page)
    page.goto(base + "/?q=oil&sort=price")
    expect(page.locator("#results")).to_contain_text("Engine Oil Filter")
    page.fill("#q", "plug")
    expect(page.locator("#results")).to_contain_text("Iridium Spark Plug")
    page.wait_for_url("**q=plug**")
    # The back button returns to the previous search (htmx history), the URL carrying its filters.
    page.go_back()
    page.wait_for_url("**q=oil**")
    expect(page.locator("#results")).to_contain_text("Engine Oil Filter")
    expect(page.locator("#q")).to_have_value("oil")
    page.goto(base + "/products/OIL-FLT-3003")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-notice")).to_contain_text("Added 1")
    page.goto(base + "/cart")
    htmx_idle(page)
    page.fill("#qty-1", "2")
    page.locator("#qty-1").dispatch_event("change")
    expect(page.locator("#cart-count")).to_have_text("2")
    page.goto(base + "/checkout")
    for name, value in {**ADDRESS, "email": f"pages-{uuid.uuid4().hex[:8]}@example.com"}.items():
        page.fill(f"#field-{name}", value)
    page.locator("#place-order").click()
    page.wait_for_url("**/orders/**")
    expect(page.locator("#order-status")).to_have_attribute("data-status", "reserved")
    page.wait_for_timeout(500)  # the event stream connects and sends its first render
    page.goto(base + "/")
    assert watched_page.problems.all() == []


def test_pages_fit_a_phone_screen_when_the_viewport_is_narrow(
    storefront: Storefront, browser: Browser, screenshots
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    problems = PageProblems()
    watch(page, problems, [])
    try:
        for name, path in (("catalog", "/"), ("product", "/products/BRK-PAD-1001"), ("garage", "/garage")):
            page.goto(storefront.url + path)
            page.screenshot(path=screenshots / f"phone-{name}.png", full_page=True)
            # Nothing sticks out sideways: the page is no wider than the screen.
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
    finally:
        context.close()
    assert problems.all() == []


def test_shopper_picks_a_vehicle_and_checks_out_when_javascript_is_off(
    storefront: Storefront, browser: Browser, screenshots
) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    try:
        base = storefront.url
        page.goto(base + "/garage")
        show = page.get_by_role("button", name="Show makes and models")
        page.select_option("#year", "2012")
        show.click()
        page.select_option("#make", "HONDA")
        page.get_by_role("button", name="Show makes and models").click()
        page.select_option("#model", "CIVIC")
        page.get_by_role("button", name="Save and shop for this vehicle").click()
        page.wait_for_url(base + "/")
        expect(page.locator("#active-vehicle")).to_have_text("2012 HONDA CIVIC")

        page.fill("#q", "filter")
        page.get_by_role("button", name="Search").click()
        page.wait_for_url(re.compile(r".*q=filter.*"))
        page.get_by_role("link", name="Engine Oil Filter").click()
        page.fill("#quantity", "2")
        page.get_by_role("button", name="Add to cart").click()
        page.wait_for_url("**/cart")
        page.fill("#qty-1", "4")
        page.get_by_role("button", name="Update").click()
        expect(page.locator("#cart-total")).to_have_text("$35.96")
        page.locator("#checkout-link").click()
        page.wait_for_url("**/checkout")
        page.fill("#field-email", "not an email")
        page.locator("#place-order").click()
        expect(page.locator("#error-email")).to_contain_text("Enter an email address")
        page.screenshot(path=screenshots / "no-js-inline-errors.png", full_page=True)
        for name, value in {**ADDRESS, "email": "nojs@example.com"}.items():
            page.fill(f"#field-{name}", value)
        page.locator("#place-order").click()
        page.wait_for_url("**/orders/**")
        expect(page.locator("h1")).to_have_text("Thank you, Ana Driver")
        page.screenshot(path=screenshots / "no-js-order.png", full_page=True)
    finally:
        context.close()
