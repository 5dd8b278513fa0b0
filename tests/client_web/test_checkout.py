from __future__ import annotations

import asyncio
import re
import uuid

import httpx
from litestar.testing import AsyncTestClient

from tests.client_web.conftest import csrf_headers
from tests.client_web.support import Backends, set_stock


async def add(client: AsyncTestClient, sku: str, quantity: int) -> None:
    response = await client.post(
        "/cart/lines", data={"sku": sku, "quantity": str(quantity)}, headers=await csrf_headers(client)
    )
    assert response.status_code == 303, response.text


def address(email: str) -> dict[str, str]:
    return {"name": "Ana Driver", "email": email, "line1": "1 Main St", "line2": "", "city": "Springfield",
            "region": "IL", "postal_code": "62701", "country": "us"}  # fmt: skip


async def checkout_key(client: AsyncTestClient) -> str:
    page = await client.get("/checkout")
    assert page.status_code == 200, page.text
    match = re.search(r'name="idempotency_key" value="([^"]+)"', page.text)
    assert match
    return match.group(1)


async def orders_for(backends: Backends, email: str) -> list[dict]:
    async with httpx.AsyncClient(base_url=backends.orders_url) as http:
        response = await http.get("/orders", params={"email": email})
        assert response.status_code == 200, response.text
        return response.json()["items"]


async def test_checkout_redirects_to_the_cart_when_the_cart_is_empty(client: AsyncTestClient) -> None:
    response = await client.get("/checkout")
    assert response.status_code == 303
    assert response.headers["location"] == "/cart"


async def test_checkout_form_carries_the_same_key_when_it_is_rendered_again(client: AsyncTestClient) -> None:
    await add(client, "OIL-FLT-3003", 1)
    first = await checkout_key(client)
    assert first == await checkout_key(client)
    page = await client.get("/checkout")
    for label in ('for="field-name"', 'for="field-email"', 'for="field-postal_code"', 'name="_csrf_token"'):
        assert label in page.text


async def test_checkout_key_changes_when_the_cart_changes(client: AsyncTestClient) -> None:
    await add(client, "OIL-FLT-3003", 1)
    first = await checkout_key(client)
    await add(client, "OIL-FLT-3003", 1)
    assert first != await checkout_key(client)


async def test_checkout_shows_inline_errors_when_fields_are_invalid(client: AsyncTestClient) -> None:
    await add(client, "OIL-FLT-3003", 1)
    key = await checkout_key(client)
    data = {**address("not-an-email"), "name": "", "idempotency_key": key}
    response = await client.post("/checkout", data=data, headers=await csrf_headers(client))
    assert response.status_code == 422
    assert '<small id="error-email" class="field-error">Enter an email address' in response.text
    assert '<small id="error-name" class="field-error">Enter your name.</small>' in response.text
    assert 'aria-invalid="true" aria-describedby="error-name"' in response.text
    assert 'value="1 Main St"' in response.text  # what was typed is kept
    assert f'value="{key}"' in response.text


async def test_double_submit_creates_one_order_when_both_posts_carry_the_same_key(
    client: AsyncTestClient, backends: Backends
) -> None:
    email = f"double-{uuid.uuid4().hex[:8]}@example.com"
    await add(client, "OIL-FLT-3003", 2)
    key = await checkout_key(client)
    headers = await csrf_headers(client)
    data = {**address(email), "idempotency_key": key}
    first, second = await asyncio.gather(
        client.post("/checkout", data=data, headers=headers),
        client.post("/checkout", data=data, headers=headers),
    )
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert first.headers["location"].startswith("/orders/")
    assert len(await orders_for(backends, email)) == 1
    # A later retry (refresh, timeout) with the same form still lands on the same order.
    third = await client.post("/checkout", data=data, headers=headers)
    assert third.headers["location"] == first.headers["location"]
    assert len(await orders_for(backends, email)) == 1
    cart = await client.get("/cart")
    assert "Your cart is empty" in cart.text


async def test_out_of_stock_names_the_line_and_keeps_the_cart_when_stock_ran_out_at_the_last_moment(
    client: AsyncTestClient, backends: Backends
) -> None:
    email = f"oos-{uuid.uuid4().hex[:8]}@example.com"
    await add(client, "BRK-ROT-2002", 2)
    await add(client, "OIL-FLT-3003", 1)
    key = await checkout_key(client)
    set_stock(backends.inventory_url, "BRK-ROT-2002", warehouse="EAST", available=1)
    try:
        data = {**address(email), "idempotency_key": key}
        response = await client.post("/checkout", data=data, headers=await csrf_headers(client))
    finally:
        set_stock(backends.inventory_url, "BRK-ROT-2002", warehouse="EAST", available=2)
    assert response.status_code == 409
    assert "Not enough stock for: Front Brake Rotor (BRK-ROT-2002): 2 wanted, 1 available" in response.text
    assert "Your cart is kept" in response.text
    assert f'value="{key}"' not in response.text  # a refused key is not reused
    # Orders keeps the refused attempt as a failed order; nothing was reserved or placed.
    assert [o["status"] for o in await orders_for(backends, email)] in ([], ["failed"])
    cart = await client.get("/cart")
    assert "Front Brake Rotor" in cart.text


async def test_order_page_shows_the_timeline_when_opened_with_the_tracking_token(
    client: AsyncTestClient, backends: Backends
) -> None:
    email = f"track-{uuid.uuid4().hex[:8]}@example.com"
    await add(client, "OIL-FLT-3003", 1)
    key = await checkout_key(client)
    placed = await client.post(
        "/checkout", data={**address(email), "idempotency_key": key}, headers=await csrf_headers(client)
    )
    page = await client.get(placed.headers["location"])
    assert page.status_code == 200
    assert "Thank you, Ana Driver" in page.text
    assert 'sse-connect="/orders/' in page.text
    assert 'sse-swap="order-status"' in page.text
    assert '<section id="order-status"' in page.text
    assert "Engine Oil Filter" in page.text
    assert "Springfield, IL 62701" in page.text


async def test_order_page_is_a_friendly_404_when_the_token_is_unknown(client: AsyncTestClient) -> None:
    response = await client.get("/orders/not-a-real-token")
    assert response.status_code == 404
    assert "Page not found" in response.text
