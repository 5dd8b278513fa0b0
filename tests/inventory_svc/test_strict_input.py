"""Input the types do not allow is refused with a 400 naming the field, and changes nothing.

Covers what lax decoding let through: numbers sent as strings, cursor values PostgreSQL cannot
hold, overlong query text (which must not be echoed back), and U+0000 in text.
"""

# ruff: noqa: E501  (one case per line keeps the table readable)

from __future__ import annotations

import base64
import json
import uuid

import pytest
from litestar.testing import AsyncTestClient

from tests.inventory_svc.conftest import ProductFactory, fetch, fetchval

ORDER = str(uuid.UUID(int=7))
RESTOCK = {"warehouse": "EAST", "quantity": 5, "reason": "delivery", "actor": "ana"}


def cursor(*values: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).rstrip(b"=").decode()


BODY_CASES = [
    # (id, method, path, body, text the problem must contain)
    ("price as string", "PATCH", "/products/PAD-1", {"price_cents": "1"}, "price_cents"),
    ("restock quantity as string", "POST", "/stock/PAD-1/restocks", RESTOCK | {"quantity": "5"}, "quantity"),
    ("adjustment delta as string", "POST", "/stock/PAD-1/adjustments", RESTOCK | {"quantity": None} and {"warehouse": "EAST", "delta": "-1", "reason": "count", "actor": "ana"}, "delta"),
    ("reservation quantity as string", "POST", "/reservations", {"order_id": ORDER, "lines": [{"sku": "PAD-1", "quantity": "1"}]}, "quantity"),
    ("reservation ttl as string", "POST", "/reservations", {"order_id": ORDER, "lines": [{"sku": "PAD-1", "quantity": 1}], "ttl_s": "60"}, "ttl_s"),
    ("product price as string", "POST", "/products", {"sku": "NEW-1", "name": "N", "brand": "B", "category": "C", "part_type": "T", "price_cents": "100"}, "price_cents"),
    ("fitment year as string", "POST", "/products", {"sku": "NEW-1", "name": "N", "brand": "B", "category": "C", "part_type": "T", "price_cents": 100, "fitments": [{"make": "A", "model": "B", "year_from": "2010", "year_to": 2012}]}, "year_from"),
    ("restock reason with NUL", "POST", "/stock/PAD-1/restocks", RESTOCK | {"reason": "a\u0000b"}, "reason"),
    ("patch name with NUL", "PATCH", "/products/PAD-1", {"name": "a\u0000"}, "name"),
    ("patch attribute with NUL", "PATCH", "/products/PAD-1", {"attributes": {"colour": "re\u0000d"}}, "attributes"),
    ("new product brand with NUL", "POST", "/products", {"sku": "NEW-1", "name": "N", "brand": "B\u0000", "category": "C", "part_type": "T", "price_cents": 100}, "brand"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path", "body", "mentions"), [c[1:] for c in BODY_CASES], ids=[c[0] for c in BODY_CASES]
)
async def test_body_is_refused_with_the_field_named_when_a_value_has_the_wrong_type(
    client: AsyncTestClient,
    make_product: ProductFactory,
    method: str,
    path: str,
    body: dict[str, object],
    mentions: str,
) -> None:
    await make_product(sku="PAD-1", name="Pad", price_cents=4999, stock={"EAST": 5})
    movements_before = await fetchval("SELECT count(*) FROM stock_movement")
    response = await client.request(method, path, json=body)
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert mentions in problem["detail"]
    assert await fetchval("SELECT count(*) FROM stock_movement") == movements_before
    assert await fetchval("SELECT count(*) FROM reservation") == 0
    assert await fetch("SELECT sku, name, price_cents, attributes FROM product") == [
        ("PAD-1", "Pad", 4999, "{}")
    ]


async def test_body_is_accepted_when_numbers_are_json_numbers(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(sku="PAD-1", price_cents=4999, stock={"EAST": 5})
    assert (await client.patch("/products/PAD-1", json={"price_cents": 1})).status_code == 200
    assert (await client.post("/stock/PAD-1/restocks", json=RESTOCK)).status_code == 201
    reservation = {"order_id": ORDER, "lines": [{"sku": "PAD-1", "quantity": 1}]}
    assert (await client.post("/reservations", json=reservation)).status_code == 201
    assert await fetchval("SELECT price_cents FROM product") == 1


@pytest.mark.parametrize(
    ("sort", "value"),
    [
        ("price", cursor("price", 999999999999999999999999, 1)),
        ("price", cursor("price", 2**31, 1)),
        ("price", cursor("price", 100, 2**31)),
        ("price", cursor("price", 100, -1)),
        ("price", cursor("price", 1.5, 1)),
        ("-price", cursor("-price", "cheap", 1)),
        ("name", cursor("name", "a\u0000b", 1)),
        ("name", cursor("name", "x" * 300, 1)),
        ("sku", cursor("sku", None, 1)),
        ("relevance", base64.urlsafe_b64encode(b'["relevance", 1e999, 1]').decode()),
    ],
    ids=[
        "huge key",
        "key past int4",
        "id past int4",
        "negative id",
        "float key",
        "text key",
        "NUL key",
        "long key",
        "null key",
        "infinite rank",
    ],
)
async def test_listing_answers_invalid_cursor_when_cursor_values_are_out_of_range(
    client: AsyncTestClient, make_product: ProductFactory, sort: str, value: str
) -> None:
    await make_product(sku="PAD-1")
    params = {"sort": sort, "cursor": value} | ({"q": "pad"} if sort == "relevance" else {})
    response = await client.get("/products", params=params)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "invalid_cursor"


async def test_movements_accept_a_cursor_past_int4_when_ids_are_bigint(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(sku="PAD-1", stock={"EAST": 5})
    response = await client.get(
        "/stock/PAD-1/movements", params={"cursor": cursor("movements", 2**40, 2**40)}
    )
    assert response.status_code == 200, response.text
    assert len(response.json()["items"]) == 1


async def test_listing_continues_when_cursor_is_one_it_issued(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    for price in (100, 200, 300):
        await make_product(price_cents=price)
    first = (await client.get("/products", params={"sort": "price", "limit": 2})).json()
    second = await client.get(
        "/products", params={"sort": "price", "limit": 2, "cursor": first["next_cursor"]}
    )
    assert [item["price_cents"] for item in second.json()["items"]] == [300]


@pytest.mark.parametrize("name", ["q", "part_number", "make", "brand"])
async def test_listing_refuses_without_echoing_it_when_query_text_is_too_long(
    client: AsyncTestClient, name: str
) -> None:
    response = await client.get("/products", params={name: "A" * 10_000})
    assert response.status_code == 400, response.text
    assert name in response.text
    assert len(response.text) < 1_000
    assert "A" * 100 not in response.text


@pytest.mark.parametrize(
    ("path", "params", "mentions"),
    [
        ("/products", {"q": "a\u0000b"}, "q"),
        ("/products", {"part_number": "a\u0000b"}, "part_number"),
        ("/products/a%00b", {}, "sku"),
        ("/products/a%00b/availability", {}, "sku"),
        ("/stock/a%00b/movements", {}, "sku"),
        ("/vehicles/models", {"make": "HON\u0000DA"}, "make"),
    ],
    ids=["q", "part number", "product sku", "availability sku", "movements sku", "vehicle make"],
)
async def test_read_is_a_400_naming_the_field_when_text_contains_nul(
    client: AsyncTestClient, make_product: ProductFactory, path: str, params: dict[str, str], mentions: str
) -> None:
    await make_product(sku="PAD-1")
    response = await client.get(path, params=params)
    assert response.status_code == 400, response.text
    assert mentions in response.text


@pytest.mark.parametrize(
    ("method", "path", "schema"),
    [
        ("post", "/products", "ProductCreate"),
        ("patch", "/products/{sku}", "ProductPatch"),
        ("post", "/stock/{sku}/restocks", "RestockCreate"),
        ("post", "/stock/{sku}/adjustments", "AdjustmentCreate"),
        ("post", "/reservations", "ReservationCreate"),
    ],
)
async def test_openapi_names_the_body_type_when_bodies_are_decoded_strictly(
    client: AsyncTestClient, method: str, path: str, schema: str
) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    body = document["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": f"#/components/schemas/{schema}"}
    assert schema in document["components"]["schemas"]
