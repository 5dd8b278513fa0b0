from __future__ import annotations

from litestar.testing import AsyncTestClient

from tests.client_web.conftest import HTMX, csrf_headers, htmx_to


async def add(client: AsyncTestClient, sku: str, quantity: int) -> None:
    response = await client.post(
        "/cart/lines", data={"sku": sku, "quantity": str(quantity)}, headers=await csrf_headers(client)
    )
    assert response.status_code == 303, response.text


async def test_cart_page_says_empty_when_nothing_was_added(client: AsyncTestClient) -> None:
    response = await client.get("/cart")
    assert response.status_code == 200
    assert "Your cart is empty" in response.text


async def test_add_to_cart_redirects_to_the_cart_when_javascript_is_off(client: AsyncTestClient) -> None:
    await add(client, "BRK-PAD-1001", 2)
    page = await client.get("/cart")
    assert "Ceramic Front Brake Pads" in page.text
    assert 'value="2"' in page.text
    assert "$91.98" in page.text  # 2 x 45.99, computed by the server


async def test_add_to_cart_returns_the_notice_and_new_count_when_htmx_posts(client: AsyncTestClient) -> None:
    headers = {**HTMX, **await csrf_headers(client)}
    response = await client.post(
        "/cart/lines", data={"sku": "OIL-FLT-3003", "quantity": "3"}, headers=headers
    )
    assert response.status_code == 200
    html = response.text.strip()
    assert html.startswith('<div id="cart-notice"')
    assert "Added 3 \u00d7 Engine Oil Filter" in html
    assert '<span id="cart-count" class="badge" hx-swap-oob="true">3</span>' in html


async def test_add_to_cart_is_a_404_when_the_sku_is_unknown(client: AsyncTestClient) -> None:
    headers = await csrf_headers(client)
    response = await client.post("/cart/lines", data={"sku": "NOPE-1", "quantity": "1"}, headers=headers)
    assert response.status_code == 404


async def test_cart_fragment_is_returned_when_htmx_targets_the_cart(client: AsyncTestClient) -> None:
    await add(client, "BRK-PAD-1001", 1)
    response = await client.get("/cart", headers=htmx_to("cart"))
    html = response.text.strip()
    assert html.startswith('<section id="cart"')
    assert 'hx-swap-oob="true">1</span>' in html


async def test_quantity_change_updates_totals_in_place_when_htmx_posts(client: AsyncTestClient) -> None:
    await add(client, "BRK-PAD-1001", 1)
    headers = {**htmx_to("cart"), **await csrf_headers(client)}
    response = await client.post("/cart/lines/BRK-PAD-1001", data={"quantity": "4"}, headers=headers)
    assert response.status_code == 200
    assert response.text.strip().startswith('<section id="cart"')
    assert "$183.96" in response.text
    assert 'hx-swap-oob="true">4</span>' in response.text


async def test_quantity_is_clamped_when_it_is_out_of_range(client: AsyncTestClient) -> None:
    await add(client, "OIL-FLT-3003", 1)
    headers = {**htmx_to("cart"), **await csrf_headers(client)}
    response = await client.post("/cart/lines/OIL-FLT-3003", data={"quantity": "500"}, headers=headers)
    assert 'value="99"' in response.text


async def test_removing_a_line_empties_the_cart_when_it_was_the_only_line(client: AsyncTestClient) -> None:
    await add(client, "BRK-PAD-1001", 1)
    headers = {**htmx_to("cart"), **await csrf_headers(client)}
    response = await client.post("/cart/lines/BRK-PAD-1001/deletion", headers=headers)
    assert "Your cart is empty" in response.text


async def test_line_removal_redirects_when_javascript_is_off(client: AsyncTestClient) -> None:
    await add(client, "BRK-PAD-1001", 1)
    response = await client.post("/cart/lines/BRK-PAD-1001/deletion", headers=await csrf_headers(client))
    assert response.status_code == 303
    assert response.headers["location"] == "/cart"


async def test_cart_warns_about_stock_when_a_line_exceeds_what_is_available(client: AsyncTestClient) -> None:
    await add(client, "BRK-ROT-2002", 5)
    page = await client.get("/cart")
    assert "Only 2 in stock." in page.text
    await add(client, "SPK-PLG-5005", 1)
    page = await client.get("/cart")
    assert "Out of stock right now." in page.text
