import asyncio

import httpx

from tests.orders_svc.conftest import StockFactory, order_body, stock_of


async def place(client: httpx.AsyncClient, *lines: tuple[str, int], key: str = "k", **kw: str) -> dict:
    response = await client.post("/orders", json=order_body(*lines, **kw), headers={"Idempotency-Key": key})
    assert response.status_code == 201, response.text
    return response.json()


async def move(client: httpx.AsyncClient, order_id: str, to: str) -> httpx.Response:
    return await client.post(
        f"/orders/{order_id}/transitions", json={"to": to, "actor": "ops@shop", "reason": f"to {to}"}
    )


async def test_order_walks_to_delivered_and_shipping_commits_stock_when_moves_are_legal(
    client: httpx.AsyncClient, inventory: httpx.AsyncClient, product_with_stock: StockFactory
) -> None:
    await product_with_stock("PAD-1", available=10)
    order = await place(client, ("PAD-1", 3))
    for to in ("confirmed", "shipped", "delivered"):
        response = await move(client, order["id"], to)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == to
    assert await stock_of(inventory, "PAD-1") == {"on_hand": 7, "reserved": 0, "available": 7}
    reservation = (await inventory.get(f"/reservations/{order['id']}")).json()
    assert reservation["status"] == "committed"
    history = (await client.get(f"/orders/{order['id']}/history")).json()
    assert [(h["from_status"], h["to_status"]) for h in history] == [
        (None, "pending"),
        ("pending", "reserved"),
        ("reserved", "confirmed"),
        ("confirmed", "shipped"),
        ("shipped", "delivered"),
    ]
    assert history[-1]["actor"] == "ops@shop"
    assert history[-1]["reason"] == "to delivered"


async def test_illegal_move_is_409_listing_the_allowed_ones_when_the_status_does_not_allow_it(
    client: httpx.AsyncClient, product_with_stock: StockFactory
) -> None:
    await product_with_stock("PAD-1", available=10)
    order = await place(client, ("PAD-1", 1))
    response = await move(client, order["id"], "delivered")
    assert response.status_code == 409
    problem = response.json()
    assert problem["code"] == "illegal_transition"
    assert problem["allowed"] == ["confirmed", "cancelled", "failed"]
    assert (await client.get(f"/orders/{order['id']}")).json()["status"] == "reserved"
    assert len((await client.get(f"/orders/{order['id']}/history")).json()) == 2


async def test_stock_is_released_once_when_two_cancellations_race(
    client: httpx.AsyncClient, inventory: httpx.AsyncClient, product_with_stock: StockFactory, inventory_db
) -> None:
    await product_with_stock("PAD-1", available=10)
    order = await place(client, ("PAD-1", 4))
    cancel = {"actor": "shopper", "reason": "changed my mind"}
    first, second = await asyncio.gather(
        client.post(f"/orders/{order['id']}/cancellation", json=cancel),
        client.post(f"/orders/{order['id']}/cancellation", json=cancel),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    assert await stock_of(inventory, "PAD-1") == {"on_hand": 10, "reserved": 0, "available": 10}
    releases = await inventory_db.fetchval(
        "SELECT count(*) FROM stock_movement WHERE kind = 'release' AND reference = $1", order["id"]
    )
    assert releases == 1
    history = (await client.get(f"/orders/{order['id']}/history")).json()
    assert [h["to_status"] for h in history].count("cancelled") == 1


async def test_cancelled_order_cannot_ship_when_cancellation_came_first(
    client: httpx.AsyncClient, inventory: httpx.AsyncClient, product_with_stock: StockFactory
) -> None:
    await product_with_stock("PAD-1", available=10)
    order = await place(client, ("PAD-1", 2))
    assert (await move(client, order["id"], "confirmed")).status_code == 200
    cancel = await client.post(
        f"/orders/{order['id']}/cancellation", json={"actor": "ops", "reason": "fraud"}
    )
    assert cancel.status_code == 200
    response = await move(client, order["id"], "shipped")
    assert response.status_code == 409
    assert response.json()["allowed"] == []
    assert await stock_of(inventory, "PAD-1") == {"on_hand": 10, "reserved": 0, "available": 10}


async def test_unknown_order_is_404_when_moved_or_read(client: httpx.AsyncClient) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    assert (await move(client, missing, "confirmed")).status_code == 404
    assert (await client.get(f"/orders/{missing}")).json()["code"] == "order_not_found"
    assert (await client.get(f"/orders/{missing}/history")).status_code == 404
    assert (await client.get("/orders/tracking/not-a-token")).status_code == 404


async def test_shopper_finds_the_order_when_given_its_tracking_token(
    client: httpx.AsyncClient, product_with_stock: StockFactory
) -> None:
    await product_with_stock("PAD-1", available=10)
    order = await place(client, ("PAD-1", 1))
    assert len(order["tracking_token"]) >= 32
    tracked = await client.get(f"/orders/tracking/{order['tracking_token']}")
    assert tracked.json()["id"] == order["id"]
