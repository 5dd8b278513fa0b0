"""Stock levels, restocks, adjustments, the ledger and the low-stock list."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from tests.inventory_svc.conftest import LEDGER_MISMATCHES, ProductFactory, fetch

ACTOR = {"reason": "cycle count", "actor": "ana"}


async def test_restock_adds_on_hand_and_appends_a_ledger_row_when_posted(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(sku="PAD-1")
    response = await client.post("/stock/PAD-1/restocks", json={"warehouse": "WEST", "quantity": 12, **ACTOR})
    assert response.status_code == 201, response.text
    assert [(s["warehouse"], s["on_hand"]) for s in response.json()] == [
        ("EAST", 0),
        ("CENTRAL", 0),
        ("WEST", 12),
    ]
    movements = (await client.get("/stock/PAD-1/movements")).json()["items"]
    assert [(m["kind"], m["warehouse"], m["on_hand_delta"], m["actor"], m["reason"]) for m in movements] == [
        ("restock", "WEST", 12, "ana", "cycle count")
    ]
    assert await fetch(LEDGER_MISMATCHES) == []


async def test_adjustment_corrects_on_hand_in_both_directions_when_above_reserved(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(sku="PAD-1", stock={"EAST": 10})
    down = await client.post("/stock/PAD-1/adjustments", json={"warehouse": "EAST", "delta": -4, **ACTOR})
    assert down.status_code == 201
    assert down.json()[0]["on_hand"] == 6
    up = await client.post("/stock/PAD-1/adjustments", json={"warehouse": "EAST", "delta": 2, **ACTOR})
    assert up.json()[0]["on_hand"] == 8
    assert await fetch(LEDGER_MISMATCHES) == []


async def test_adjustment_is_refused_when_it_would_go_below_reserved(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(sku="PAD-1", stock={"EAST": 10})
    await client.post(
        "/reservations",
        json={"order_id": "6f1c8f4e-0000-4000-8000-000000000001", "lines": [{"sku": "PAD-1", "quantity": 7}]},
    )
    response = await client.post("/stock/PAD-1/adjustments", json={"warehouse": "EAST", "delta": -4, **ACTOR})
    assert response.status_code == 409
    assert response.json()["code"] == "below_reserved"
    assert response.json()["field"] == "delta"
    levels = (await client.get("/stock/PAD-1")).json()
    assert (levels[0]["on_hand"], levels[0]["reserved"], levels[0]["available"]) == (10, 7, 3)


async def test_adjustment_is_400_naming_delta_when_delta_is_zero(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(sku="PAD-1", stock={"EAST": 10})
    response = await client.post("/stock/PAD-1/adjustments", json={"warehouse": "EAST", "delta": 0, **ACTOR})
    assert response.status_code == 400
    assert response.json()["field"] == "delta"
    assert await fetch("SELECT kind FROM stock_movement WHERE kind = 'adjustment'") == []


async def test_stock_write_is_404_when_warehouse_is_unknown(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(sku="PAD-1")
    response = await client.post("/stock/PAD-1/restocks", json={"warehouse": "MOON", "quantity": 1, **ACTOR})
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_warehouse"


async def test_low_stock_lists_rows_at_or_below_reorder_point_when_stock_is_short(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(sku="LOW-1", stock={"EAST": 5, "CENTRAL": 20, "WEST": 30}, reorder_point=5)
    await make_product(sku="OK-1", stock={"EAST": 20, "CENTRAL": 20, "WEST": 20}, reorder_point=5)
    low = (await client.get("/stock/low")).json()
    assert [(row["sku"], row["warehouse"], row["available"]) for row in low] == [("LOW-1", "EAST", 5)]


async def test_movements_page_newest_first_when_following_the_cursor(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(sku="PAD-1")
    for quantity in range(1, 6):
        await client.post("/stock/PAD-1/restocks", json={"warehouse": "EAST", "quantity": quantity, **ACTOR})
    first = (await client.get("/stock/PAD-1/movements", params={"limit": 3})).json()
    second = (
        await client.get("/stock/PAD-1/movements", params={"limit": 3, "cursor": first["next_cursor"]})
    ).json()
    deltas = [m["on_hand_delta"] for m in first["items"] + second["items"]]
    assert deltas == [5, 4, 3, 2, 1]
    assert second["next_cursor"] is None
