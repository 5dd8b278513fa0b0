"""Bad input gets a 4xx JSON problem naming the field or rule, never a 500, and changes nothing."""

# ruff: noqa: E501  (one case per line keeps the table readable)

from __future__ import annotations

import json
import uuid

import pytest
from litestar.testing import AsyncTestClient

from tests.inventory_svc.conftest import ProductFactory, fetch, fetchval

ORDER = str(uuid.UUID(int=1))
LINE = {"sku": "PAD-1", "quantity": 1}


def reservation(**changes: object) -> str:
    return json.dumps({"order_id": ORDER, "lines": [LINE]} | changes)


PRODUCT = {"sku": "NEW-1", "name": "N", "brand": "B", "category": "C", "part_type": "T", "price_cents": 100}

CASES = [
    # (id, method, path, raw body, expected status, text the problem must contain)
    ("malformed json", "POST", "/reservations", '{"order_id": ', 400, "truncated"),
    ("unknown field", "POST", "/reservations", reservation(coupon="FREE"), 400, "coupon"),
    ("wrong type", "POST", "/reservations", reservation(lines=[{"sku": "PAD-1", "quantity": "two"}]), 400, "quantity"),
    ("quantity zero", "POST", "/reservations", reservation(lines=[{"sku": "PAD-1", "quantity": 0}]), 400, "quantity"),
    ("quantity negative", "POST", "/reservations", reservation(lines=[{"sku": "PAD-1", "quantity": -3}]), 400, "quantity"),
    ("quantity over limit", "POST", "/reservations", reservation(lines=[{"sku": "PAD-1", "quantity": 100}]), 400, "quantity"),
    ("too many lines", "POST", "/reservations", reservation(lines=[LINE] * 51), 400, "lines"),
    ("no lines", "POST", "/reservations", reservation(lines=[]), 400, "lines"),
    ("bad order id", "POST", "/reservations", reservation(order_id="not-a-uuid"), 400, "order_id"),
    ("bad sku format", "POST", "/reservations", reservation(lines=[{"sku": "pad 1", "quantity": 1}]), 400, "sku"),
    ("unknown sku", "POST", "/reservations", reservation(lines=[{"sku": "NOPE-1", "quantity": 1}]), 404, "NOPE-1"),
    ("ttl zero", "POST", "/reservations", reservation(ttl_s=0), 400, "ttl_s"),
    ("oversized body", "POST", "/reservations", reservation(pad="x" * 70_000), 413, "body_too_large"),
    ("negative price", "POST", "/products", json.dumps(PRODUCT | {"price_cents": -1}), 400, "price_cents"),
    ("product unknown field", "POST", "/products", json.dumps(PRODUCT | {"colour": "red"}), 400, "colour"),
    (
        "fitment years reversed",
        "POST",
        "/products",
        json.dumps(PRODUCT | {"fitments": [{"make": "A", "model": "B", "year_from": 2012, "year_to": 2010}]}),
        400,
        "year_to",
    ),
    ("patch wrong type", "PATCH", "/products/PAD-1", '{"price_cents": "cheap"}', 400, "price_cents"),
    ("patch unknown sku", "PATCH", "/products/NOPE-1", '{"price_cents": 1}', 404, "unknown_sku"),
    ("restock zero", "POST", "/stock/PAD-1/restocks", '{"warehouse": "EAST", "quantity": 0, "reason": "r", "actor": "a"}', 400, "quantity"),
    ("restock no actor", "POST", "/stock/PAD-1/restocks", '{"warehouse": "EAST", "quantity": 1, "reason": "r"}', 400, "actor"),
    ("restock unknown sku", "POST", "/stock/NOPE-1/restocks", '{"warehouse": "EAST", "quantity": 1, "reason": "r", "actor": "a"}', 404, "unknown_sku"),
    ("limit zero", "GET", "/products?limit=0", None, 400, "limit"),
    ("limit too big", "GET", "/products?limit=101", None, 400, "limit"),
    ("year not a number", "GET", "/products?year=abc", None, 400, "year"),
    ("unknown sort", "GET", "/products?sort=popular", None, 400, "sort"),
    ("relevance without text", "GET", "/products?sort=relevance", None, 400, "sort"),
    ("empty part number", "GET", "/products?part_number=--", None, 400, "part_number"),
    ("fitment without model", "GET", "/products/PAD-1/fitment?year=2012&make=HONDA", None, 400, "model"),
    ("too many skus", "GET", "/products/by-sku?" + "&".join(f"sku=S{i:03d}" for i in range(101)), None, 400, "sku"),
    ("bad reservation id", "GET", "/reservations/not-a-uuid", None, 404, "not_found"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "mentions"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_bad_input_is_a_4xx_problem_and_changes_nothing_when_sent(
    client: AsyncTestClient,
    make_product: ProductFactory,
    method: str,
    path: str,
    body: str | None,
    status: int,
    mentions: str,
) -> None:
    await make_product(sku="PAD-1", price_cents=4999, stock={"EAST": 5})
    movements_before = await fetchval("SELECT count(*) FROM stock_movement")
    response = await client.request(
        method, path, content=body, headers={"content-type": "application/json"} if body is not None else {}
    )
    assert response.status_code == status, response.text
    problem = response.json()
    assert set(problem) >= {"code", "detail"}
    assert mentions in response.text
    assert await fetchval("SELECT count(*) FROM stock_movement") == movements_before
    assert await fetchval("SELECT count(*) FROM reservation") == 0
    assert await fetch("SELECT sku FROM product ORDER BY sku") == [("PAD-1",)]
    assert await fetchval("SELECT price_cents FROM product WHERE sku = 'PAD-1'") == 4999
