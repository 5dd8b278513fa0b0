import httpx
import pytest

from tests.orders_svc.conftest import StockFactory, order_body, stock_of

GOOD = order_body(("PAD-1", 1))


def with_lines(*lines: dict) -> dict:
    return {**GOOD, "lines": list(lines)}


CASES = [
    ("quantity 0", with_lines({"sku": "PAD-1", "quantity": 0}), 400, "quantity"),
    ("quantity negative", with_lines({"sku": "PAD-1", "quantity": -3}), 400, "quantity"),
    ("quantity over 99", with_lines({"sku": "PAD-1", "quantity": 100}), 400, "quantity"),
    ("quantity as string", with_lines({"sku": "PAD-1", "quantity": "2"}), 400, "quantity"),
    ("no lines", with_lines(), 400, "lines"),
    ("51 lines", with_lines(*({"sku": f"P-{i}", "quantity": 1} for i in range(51))), 400, "lines"),
    ("unknown field", {**GOOD, "coupon": "FREE"}, 400, "coupon"),
    ("unknown line field", with_lines({"sku": "PAD-1", "quantity": 1, "price_cents": 1}), 400, "price_cents"),
    ("missing customer", {k: v for k, v in GOOD.items() if k != "customer"}, 400, "customer"),
    ("bad email", {**GOOD, "customer": {"name": "A", "email": "not-an-email"}}, 400, "email"),
    ("sku wrong type", with_lines({"sku": 12, "quantity": 1}), 400, "sku"),
    ("body is a list", [GOOD], 400, ""),
    (
        "country not a code",
        {**GOOD, "shipping_address": {**GOOD["shipping_address"], "country": "ZZZZZZ"}},
        400,
        "country",
    ),
    ("NUL in name", {**GOOD, "customer": {"name": "a\u0000b", "email": "a@b.co"}}, 400, "name"),
    ("bidi override in name", {**GOOD, "customer": {"name": "\u202eevil", "email": "a@b.co"}}, 400, "name"),
    (
        "duplicate sku",
        with_lines({"sku": "PAD-1", "quantity": 1}, {"sku": "PAD-1", "quantity": 2}),
        422,
        "lines[1].sku",
    ),
]


@pytest.mark.parametrize(("body", "status", "names"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
async def test_order_is_rejected_naming_the_field_and_nothing_changes_when_the_body_is_invalid(
    client: httpx.AsyncClient,
    inventory: httpx.AsyncClient,
    product_with_stock: StockFactory,
    orders_db,
    body: object,
    status: int,
    names: str,
) -> None:
    await product_with_stock("PAD-1", available=5)
    response = await client.post("/orders", json=body, headers={"Idempotency-Key": "bad"})
    assert response.status_code == status, response.text
    assert names in response.text
    assert await orders_db.fetchval("SELECT count(*) FROM orders") == 0
    assert await stock_of(inventory, "PAD-1") == {"on_hand": 5, "reserved": 0, "available": 5}


async def test_order_is_422_and_not_recorded_when_a_sku_is_unknown(
    client: httpx.AsyncClient, product_with_stock: StockFactory, orders_db, inventory: httpx.AsyncClient
) -> None:
    await product_with_stock("PAD-1", available=5)
    body = order_body(("PAD-1", 1), ("NOPE-404", 1))
    response = await client.post("/orders", json=body, headers={"Idempotency-Key": "unknown"})
    assert response.status_code == 422
    problem = response.json()
    assert (problem["code"], problem["skus"], problem["fields"]) == (
        "unknown_sku",
        ["NOPE-404"],
        ["lines[1].sku"],
    )
    assert await orders_db.fetchval("SELECT count(*) FROM orders") == 0
    assert await orders_db.fetchval("SELECT count(*) FROM outbox_events") == 0
    assert await stock_of(inventory, "PAD-1") == {"on_hand": 5, "reserved": 0, "available": 5}


@pytest.mark.parametrize(
    ("content", "headers", "status", "code"),
    [
        (b'{"customer": ', {"Idempotency-Key": "k"}, 400, "validation_error"),
        (b"x" * 70_000, {"Idempotency-Key": "k"}, 413, "body_too_large"),
        (None, {}, 400, "validation_error"),
        (None, {"Idempotency-Key": "k" * 129}, 400, "validation_error"),
        (None, {"Idempotency-Key": ""}, 400, "validation_error"),
    ],
    ids=["malformed json", "oversized body", "missing key", "oversized key", "empty key"],
)
async def test_request_is_rejected_and_nothing_changes_when_the_envelope_is_invalid(
    client: httpx.AsyncClient,
    orders_db,
    content: bytes | None,
    headers: dict[str, str],
    status: int,
    code: str,
) -> None:
    body = content if content is not None else httpx.Request("POST", "/", json=GOOD).content
    response = await client.post(
        "/orders", content=body, headers={"content-type": "application/json", **headers}
    )
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert await orders_db.fetchval("SELECT count(*) FROM orders") == 0


@pytest.mark.parametrize(
    "body",
    [{"to": "teleported", "actor": "x"}, {"to": "confirmed"}, {"to": "confirmed", "actor": "x", "extra": 1}],
    ids=["unknown status", "missing actor", "unknown field"],
)
async def test_transition_is_400_when_its_body_is_invalid(
    client: httpx.AsyncClient, product_with_stock: StockFactory, body: dict
) -> None:
    await product_with_stock("PAD-1", available=5)
    order = (await client.post("/orders", json=GOOD, headers={"Idempotency-Key": "t"})).json()
    response = await client.post(f"/orders/{order['id']}/transitions", json=body)
    assert response.status_code == 400
    assert (await client.get(f"/orders/{order['id']}")).json()["status"] == "reserved"


async def test_listing_is_400_when_a_filter_is_malformed(client: httpx.AsyncClient) -> None:
    for params in ({"status": "lost"}, {"limit": 0}, {"limit": 101}, {"created_from": "yesterday"}):
        response = await client.get("/orders", params=params)
        assert response.status_code == 400, params


async def test_order_is_415_and_not_recorded_when_the_body_is_not_json(
    client: httpx.AsyncClient, orders_db
) -> None:
    body = httpx.Request("POST", "/", json=GOOD).content
    response = await client.post(
        "/orders", content=body, headers={"content-type": "text/plain", "Idempotency-Key": "plain"}
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert await orders_db.fetchval("SELECT count(*) FROM orders") == 0
