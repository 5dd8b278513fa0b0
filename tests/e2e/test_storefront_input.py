"""Bad input and small screens in a real browser against the real storefront process."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import STEP_TIMEOUT_MS, PageProblems, Storefront, WatchedPage, watch

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}


def htmx_idle(page: Page) -> None:
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


def pick_civic(page: Page, base: str) -> None:
    page.goto(base + "/garage")
    page.select_option("#year", "2012")
    expect(page.locator("#make option[value=HONDA]")).to_have_count(1)
    htmx_idle(page)
    page.select_option("#make", "HONDA")
    expect(page.locator("#model option[value=CIVIC]")).to_have_count(1)
    htmx_idle(page)
    page.select_option("#model", "CIVIC")
    htmx_idle(page)
    page.get_by_role("button", name="Save and shop for this vehicle").click()
    page.wait_for_url(base + "/")


def raw_status(base: str, raw_path: str) -> int:
    """GET a path byte for byte, like `curl --path-as-is` (browsers and httpx remove `..`)."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", raw_path)
        return connection.getresponse().status
    finally:
        connection.close()


def test_static_files_are_404_when_the_path_is_malformed(storefront: Storefront) -> None:
    assert raw_status(storefront.url, "/static/app.css%00.png") == 404
    assert raw_status(storefront.url, "/static/app.css/..") == 404
    assert raw_status(storefront.url, "/vendor/htmx/../pico/pico.min.css") == 404
    assert raw_status(storefront.url, "/static/app.css") == 200


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_header_stays_compact_when_a_vehicle_is_active(
    storefront: Storefront, browser: Browser, screenshots, viewport: dict[str, int]
) -> None:
    context = browser.new_context(viewport=viewport, is_mobile=viewport is PHONE, has_touch=viewport is PHONE)
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    problems = PageProblems()
    # Chromium may still be fetching the favicon when the next navigation cancels it.
    watch(page, problems, ["/static/favicon.svg"])
    name = "phone" if viewport is PHONE else "laptop"
    try:
        pick_civic(page, storefront.url)
        page.goto(storefront.url + "/products/BRK-PAD-1001")
        expect(page.locator("nav[aria-label=Breadcrumb] li")).to_have_text(
            ["Catalog", "Brakes", "Brake Pads"]
        )
        page.screenshot(path=screenshots / f"{name}-product.png")
        header = page.locator(".site-header").bounding_box()
        assert header is not None
        assert header["height"] <= 80, header
        assert page.locator("#active-vehicle").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        # The garage menu still opens and offers the garage.
        page.locator(".garage-menu summary").click()
        expect(page.get_by_role("link", name="Manage my garage")).to_be_visible()
        expect(page.locator(".garage-menu ul button").first).to_have_text("2012 HONDA CIVIC")
        assert (
            page.locator(".garage-menu ul button").first.evaluate("e => getComputedStyle(e).direction")
            == "ltr"
        )
        page.screenshot(path=screenshots / f"{name}-garage-menu.png")
        page.goto(storefront.url + "/")
        page.screenshot(path=screenshots / f"{name}-catalog.png")
    finally:
        context.close()
    assert problems.all() == []


def test_bad_quantity_shows_an_inline_error_when_the_browser_lets_it_through(
    storefront: Storefront, watched_page: WatchedPage, screenshots
) -> None:
    page = watched_page.page
    page.goto(storefront.url + "/products/OIL-FLT-3003")
    htmx_idle(page)
    # Browsers stop 0 at the `min` attribute; without it the server must refuse it itself.
    page.evaluate("document.querySelector('#quantity').removeAttribute('min')")
    page.fill("#quantity", "0")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-notice")).to_contain_text("Enter a whole number from 1 to 99.")
    expect(page.locator("#cart-count")).to_have_text("0")
    page.screenshot(path=screenshots / "quantity-error.png")
    # The 422 itself is the expected answer (Chromium logs every 4xx as a console error).
    problems = [p for p in watched_page.problems.all() if "422" not in p]
    assert problems == []


def test_search_with_a_nul_byte_shows_a_friendly_400_when_opened(
    storefront: Storefront, watched_page: WatchedPage, screenshots
) -> None:
    page = watched_page.page
    response = page.goto(storefront.url + "/?q=a%00b")
    assert response is not None
    assert response.status == 400
    expect(page.locator("h1")).to_have_text("Please check what you entered")
    page.screenshot(path=screenshots / "nul-search.png")
    problems = [p for p in watched_page.problems.all() if "-> 400" not in p and "status of 400" not in p]
    assert problems == []
