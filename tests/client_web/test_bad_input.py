"""Input the storefront cannot use gets a 4xx page or field message, never the outage page."""

from __future__ import annotations

from urllib.parse import unquote

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from client_web.views import attribute_label
from tests.client_web.conftest import HTMX, csrf_headers
from tests.client_web.test_checkout import add, address, checkout_key

OUTAGE = "temporarily unavailable"


def assert_friendly_400(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    assert "Please check what you entered" in response.text
    assert OUTAGE not in response.text


async def test_search_is_a_400_page_when_the_query_has_a_nul_byte(client: AsyncTestClient) -> None:
    assert_friendly_400(await client.get("/?q=a%00b"))


async def test_search_is_a_400_page_when_the_category_is_a_nul_byte(client: AsyncTestClient) -> None:
    assert_friendly_400(await client.get("/?category=%00"))


async def test_search_is_a_400_page_when_the_query_has_control_characters(client: AsyncTestClient) -> None:
    assert_friendly_400(await client.get("/?part_number=ab%1bc"))


async def test_search_is_a_400_page_when_the_query_is_over_long(client: AsyncTestClient) -> None:
    response = await client.get("/", params={"q": "brake " * 40})
    assert_friendly_400(response)
    assert "at most 100 characters" in response.text


async def test_results_fragment_is_a_400_when_htmx_searches_with_a_nul_byte(client: AsyncTestClient) -> None:
    response = await client.get("/?q=a%00b", headers={**HTMX, "HX-Target": "results"})
    assert_friendly_400(response)
    assert response.headers["hx-retarget"] == "#main"


async def test_product_page_is_a_400_page_when_the_sku_has_a_nul_byte(client: AsyncTestClient) -> None:
    assert_friendly_400(await client.get("/products/A%00B"))


async def test_availability_is_a_400_when_the_sku_has_a_nul_byte(client: AsyncTestClient) -> None:
    response = await client.get("/products/A%00B/availability", headers={**HTMX, "HX-Target": "availability"})
    assert_friendly_400(response)


async def test_backend_4xx_is_a_4xx_page_when_inventory_refuses_the_page_cursor(
    client: AsyncTestClient,
) -> None:
    response = await client.get("/?cursor=not-a-cursor")
    assert 400 <= response.status_code < 500, response.text
    assert OUTAGE not in response.text


async def test_add_to_cart_is_a_400_page_when_the_sku_has_a_nul_byte(client: AsyncTestClient) -> None:
    headers = await csrf_headers(client)
    response = await client.post("/cart/lines", data={"sku": "A\x00B", "quantity": "1"}, headers=headers)
    assert_friendly_400(response)
    assert "Your cart is empty" in (await client.get("/cart")).text


async def test_add_to_cart_refuses_the_quantity_when_it_is_not_1_to_99(client: AsyncTestClient) -> None:
    headers = await csrf_headers(client)
    for quantity in ("0", "-3", "1000000000", "abc", "100", "", "1.5"):
        response = await client.post(
            "/cart/lines", data={"sku": "OIL-FLT-3003", "quantity": quantity}, headers=headers
        )
        assert response.status_code == 422, quantity
        assert "Enter a whole number from 1 to 99." in response.text
        assert 'href="/products/OIL-FLT-3003"' in response.text
    assert "Your cart is empty" in (await client.get("/cart")).text


async def test_add_to_cart_returns_an_inline_field_error_when_htmx_posts_a_bad_quantity(
    client: AsyncTestClient,
) -> None:
    headers = {**HTMX, **await csrf_headers(client)}
    response = await client.post(
        "/cart/lines", data={"sku": "OIL-FLT-3003", "quantity": "0"}, headers=headers
    )
    assert response.status_code == 422
    html = response.text.strip()
    assert html.startswith('<div id="cart-notice"')
    assert "Enter a whole number from 1 to 99." in html
    assert "cart-count" not in html
    assert "Your cart is empty" in (await client.get("/cart")).text


async def test_checkout_shows_a_field_error_when_the_name_has_a_nul_byte(client: AsyncTestClient) -> None:
    await add(client, "OIL-FLT-3003", 1)
    key = await checkout_key(client)
    form = {**address("nul@example.com"), "name": "a\x00b", "idempotency_key": key}
    response = await client.post("/checkout", data=form, headers=await csrf_headers(client))
    assert response.status_code == 422, response.text
    assert 'id="error-name"' in response.text
    assert OUTAGE not in response.text
    assert "Engine Oil Filter" in (await client.get("/cart")).text


async def test_checkout_shows_a_field_error_when_a_field_is_over_long(client: AsyncTestClient) -> None:
    await add(client, "OIL-FLT-3003", 1)
    key = await checkout_key(client)
    form = {**address("long@example.com"), "line2": "x" * 500, "idempotency_key": key}
    response = await client.post("/checkout", data=form, headers=await csrf_headers(client))
    assert response.status_code == 422
    assert 'id="error-line2"' in response.text


async def test_checkout_shows_a_field_error_when_the_country_is_not_a_two_letter_code(
    client: AsyncTestClient,
) -> None:
    await add(client, "OIL-FLT-3003", 1)
    key = await checkout_key(client)
    form = {**address("country@example.com"), "country": "NOTACOUNTRY", "idempotency_key": key}
    response = await client.post("/checkout", data=form, headers=await csrf_headers(client))
    assert response.status_code == 422
    assert 'id="error-country"' in response.text
    assert "two-letter country code" in response.text


async def test_checkout_treats_the_key_as_missing_when_it_has_a_nul_byte(client: AsyncTestClient) -> None:
    await add(client, "OIL-FLT-3003", 1)
    form = {**address("key@example.com"), "idempotency_key": "abc\x00def"}
    response = await client.post("/checkout", data=form, headers=await csrf_headers(client))
    assert response.status_code == 422
    assert "missing its order key" in response.text


async def _raw_get(app: Litestar, raw_path: bytes) -> int:
    """Send a path exactly as given (httpx would remove `..`, curl --path-as-is does not)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": unquote(raw_path.decode()),
        "raw_path": raw_path,
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver.local")],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver.local", 80),
    }
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)  # type: ignore[arg-type]
    return next(m["status"] for m in sent if m["type"] == "http.response.start")


async def test_static_file_is_a_404_when_the_name_has_a_nul_byte(client: AsyncTestClient) -> None:
    response = await client.get("/static/app.css%00.png")
    assert response.status_code == 404
    assert (await client.get("/vendor/htmx/htmx.min.js%00")).status_code == 404


async def test_static_file_is_a_404_when_the_path_climbs_out_of_a_file(client: AsyncTestClient) -> None:
    assert await _raw_get(client.app, b"/static/app.css/..") == 404
    assert await _raw_get(client.app, b"/static/../app.py") == 404
    assert await _raw_get(client.app, b"/vendor/pico/../../htmx.org/package.json") == 404


async def test_static_file_is_served_when_it_exists(client: AsyncTestClient) -> None:
    response = await client.get("/static/app.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert response.headers["content-disposition"] == 'inline; filename="app.css"'
    assert (await client.head("/static/favicon.svg")).status_code == 200


def test_attribute_label_is_readable_when_the_key_ends_with_a_unit() -> None:
    assert attribute_label("weight_kg") == "Weight (kg)"
    assert attribute_label("diameter_mm") == "Diameter (mm)"
    assert attribute_label("torque_nm") == "Torque (N·m)"
    assert attribute_label("thread_size") == "Thread size"
    assert attribute_label("position") == "Position"


async def test_product_page_shows_a_breadcrumb_and_attribute_labels_when_opened(
    client: AsyncTestClient,
) -> None:
    page = await client.get("/products/BRK-PAD-1001")
    assert '<nav aria-label="Breadcrumb" class="breadcrumb">' in page.text
    assert '<li><a href="/?category=Brakes">Brakes</a></li>' in page.text
    assert '<th scope="row">Material</th>' in page.text
    assert '<th scope="row">material</th>' not in page.text


async def test_no_page_answers_5xx_when_any_input_has_a_nul_byte(client: AsyncTestClient) -> None:
    headers = await csrf_headers(client)
    gets = ["/?brand=%00", "/?sort=%00", "/?cursor=%00", "/?fit=%00", "/garage?year=2012&make=%00",
            "/garage?next=%00", "/orders/A%00B", "/orders/A%00B/events",
            "/products/%00/availability"]  # fmt: skip
    for path in gets:
        response = await client.get(path)
        assert response.status_code < 500, (path, response.status_code)
    posts = [("/garage/vehicles", {"year": "2012", "make": "HONDA\x00", "model": "CIVIC"}),
             ("/cart/lines/A%00B", {"quantity": "1"}), ("/cart/lines/A%00B/deletion", {}),
             ("/cart/lines", {"sku": "OIL-FLT-3003\x00", "quantity": "1\x00"})]  # fmt: skip
    for path, form in posts:
        response = await client.post(path, data=form, headers=headers)
        assert response.status_code < 500, (path, response.status_code)


async def test_form_fields_carry_the_server_limits_when_rendered(client: AsyncTestClient) -> None:
    catalog = await client.get("/")
    assert 'id="q" name="q" type="search"' in catalog.text
    assert catalog.text.count('maxlength="100"') == 2
    await add(client, "OIL-FLT-3003", 1)
    checkout = await client.get("/checkout")
    assert 'autocomplete="country" maxlength="2"' in checkout.text
