import asyncio

import httpx

from tests.orders_svc.conftest import OrdersFactory, StockFactory, order_body, stock_of


async def test_order_is_reserved_and_priced_by_inventory_when_stock_suffices(
    client: httpx.AsyncClient, inventory: httpx.AsyncClient, product_with_stock: StockFactory
) -> None:
    await product_with_stock("PAD-1", available=10, price_cents=2599)
    await product_with_stock("ROT-1", available=5, price_cents=8900)
    response = await client.post(
        "/orders", json=order_body(("PAD-1", 2), ("ROT-1", 1)), headers={"Idempotency-Key": "k-1"}
    )
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["status"] == "reserved"
    assert [(line["sku"], line["unit_price_cents"], line["line_total_cents"]) for line in order["lines"]] == [
        ("PAD-1", 2599, 5198),
        ("ROT-1", 8900, 8900),
    ]
    assert order["total_cents"] == 14098
    assert order["allowed_transitions"] == ["confirmed", "cancelled", "failed"]
    assert await stock_of(inventory, "PAD-1") == {"on_hand": 10, "reserved": 2, "available": 8}
    again = await client.get(f"/orders/{order['id']}")
    assert again.json() == order


async def test_request_id_reaches_inventory_when_an_order_is_placed(
    client: httpx.AsyncClient, inventory: httpx.AsyncClient, product_with_stock: StockFactory
) -> None:
    await product_with_stock("PAD-1", available=3)
    response = await client.post(
        "/orders",
        json=order_body(("PAD-1", 1)),
        headers={"Idempotency-Key": "k-rid", "X-Request-ID": "rid-orders-1"},
    )
    assert response.headers["x-request-id"] == "rid-orders-1"
    movements = (await inventory.get("/stock/PAD-1/movements")).json()["items"]
    assert any(m["kind"] == "reservation" for m in movements)


async def test_exactly_the_available_stock_is_sold_when_200_orders_race_for_50_units(
    client: httpx.AsyncClient, inventory: httpx.AsyncClient, product_with_stock: StockFactory, inventory_db
) -> None:
    await product_with_stock("HOT-1", available=30, west=20)

    async def place(i: int) -> httpx.Response:
        return await client.post(
            "/orders", json=order_body(("HOT-1", 1)), headers={"Idempotency-Key": f"race-{i}"}
        )

    responses = await asyncio.gather(*(place(i) for i in range(200)))
    codes = sorted(r.status_code for r in responses)
    assert codes.count(201) == 50, codes
    assert codes.count(409) == 150
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"out_of_stock"}
    assert await stock_of(inventory, "HOT-1") == {"on_hand": 50, "reserved": 50, "available": 0}
    negative = await inventory_db.fetchval("SELECT count(*) FROM stock_level WHERE on_hand - reserved < 0")
    assert negative == 0
    mismatched = await inventory_db.fetchval(
        """SELECT count(*) FROM stock_level s
           JOIN (SELECT product, warehouse, sum(on_hand_delta) AS on_hand, sum(reserved_delta) AS reserved
                 FROM stock_movement GROUP BY product, warehouse) m
             ON m.product = s.product AND m.warehouse = s.warehouse
           WHERE m.on_hand <> s.on_hand OR m.reserved <> s.reserved"""
    )
    assert mismatched == 0
    page = (await client.get("/orders", params={"status": "reserved", "limit": 100})).json()
    assert len(page["items"]) == 50


async def test_one_order_is_created_when_one_key_is_sent_50_times_at_once(
    client: httpx.AsyncClient, inventory: httpx.AsyncClient, product_with_stock: StockFactory, orders_db
) -> None:
    await product_with_stock("PAD-1", available=100)
    body = order_body(("PAD-1", 2))
    responses = await asyncio.gather(
        *(client.post("/orders", json=body, headers={"Idempotency-Key": "same-key"}) for _ in range(50))
    )
    assert sorted(r.status_code for r in responses) == [200] * 49 + [201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert await orders_db.fetchval("SELECT count(*) FROM orders") == 1
    assert await stock_of(inventory, "PAD-1") == {"on_hand": 100, "reserved": 2, "available": 98}


async def test_same_order_is_returned_when_the_key_is_replayed_with_the_same_body(
    client: httpx.AsyncClient, product_with_stock: StockFactory
) -> None:
    await product_with_stock("PAD-1", available=5)
    first = await client.post("/orders", json=order_body(("PAD-1", 1)), headers={"Idempotency-Key": "k"})
    # The same body with its keys in another order is the same request.
    body = order_body(("PAD-1", 1))
    reordered = {
        "lines": body["lines"],
        "shipping_address": body["shipping_address"],
        "customer": body["customer"],
    }
    second = await client.post("/orders", json=reordered, headers={"Idempotency-Key": "k"})
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == first.json()


async def test_key_reuse_is_409_when_the_body_differs(
    client: httpx.AsyncClient, inventory: httpx.AsyncClient, product_with_stock: StockFactory
) -> None:
    await product_with_stock("PAD-1", available=5)
    await client.post("/orders", json=order_body(("PAD-1", 1)), headers={"Idempotency-Key": "k"})
    response = await client.post("/orders", json=order_body(("PAD-1", 2)), headers={"Idempotency-Key": "k"})
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert await stock_of(inventory, "PAD-1") == {"on_hand": 5, "reserved": 1, "available": 4}


async def test_order_fails_with_the_short_lines_named_when_stock_is_short(
    client: httpx.AsyncClient, inventory: httpx.AsyncClient, product_with_stock: StockFactory
) -> None:
    await product_with_stock("PAD-1", available=5)
    await product_with_stock("ROT-1", available=1)
    body = order_body(("PAD-1", 2), ("ROT-1", 3))
    response = await client.post("/orders", json=body, headers={"Idempotency-Key": "short"})
    assert response.status_code == 409
    problem = response.json()
    assert problem["code"] == "out_of_stock"
    assert problem["lines"] == [{"sku": "ROT-1", "requested": 3, "available": 1}]
    order = (await client.get(f"/orders/{problem['order_id']}")).json()
    assert order["status"] == "failed"
    assert await stock_of(inventory, "PAD-1") == {"on_hand": 5, "reserved": 0, "available": 5}
    replay = await client.post("/orders", json=body, headers={"Idempotency-Key": "short"})
    assert (replay.status_code, replay.json()) == (409, problem)


async def test_inventory_unavailable_is_503_and_the_order_fails_when_inventory_cannot_be_reached(
    make_client: OrdersFactory, orders_db
) -> None:
    client = await make_client(
        inventory_transport=httpx.AsyncHTTPTransport(),
        inventory_url="http://127.0.0.1:9",
        inventory_retries=1,
    )
    response = await client.post(
        "/orders", json=order_body(("PAD-1", 1)), headers={"Idempotency-Key": "down"}
    )
    assert response.status_code == 503
    assert response.json()["code"] == "inventory_unavailable"
    row = await orders_db.fetchrow("SELECT status, hold FROM orders")
    assert (row["status"], row["hold"]) == ("failed", "release_due")


async def test_request_id_is_copied_onto_the_reservation_call_when_given(
    make_client: OrdersFactory, inventory_app, product_with_stock: StockFactory
) -> None:
    seen: list[bytes | None] = []

    async def observed(scope, receive, send) -> None:  # the real inventory app, its headers noted
        if scope["type"] == "http":
            seen.append(dict(scope["headers"]).get(b"x-request-id"))
        await inventory_app(scope, receive, send)

    client = await make_client(inventory_transport=httpx.ASGITransport(app=observed))
    await product_with_stock("PAD-1", available=3)
    headers = {"Idempotency-Key": "k-rid2", "X-Request-ID": "rid-from-shop"}
    response = await client.post("/orders", json=order_body(("PAD-1", 1)), headers=headers)
    assert response.status_code == 201
    assert seen == [b"rid-from-shop"]


async def test_order_fails_cleanly_and_holds_nothing_when_inventory_is_too_slow(
    make_client: OrdersFactory,
    inventory_app,
    inventory: httpx.AsyncClient,
    product_with_stock: StockFactory,
    orders_db,
) -> None:
    async def slow(scope, receive, send) -> None:  # the real inventory app behind a slow link
        if scope["type"] == "http" and scope["path"] == "/reservations":
            await asyncio.sleep(0.5)
        await inventory_app(scope, receive, send)

    client = await make_client(
        inventory_transport=httpx.ASGITransport(app=slow), inventory_timeout_s=0.1, inventory_retries=1
    )
    await product_with_stock("PAD-1", available=3)
    response = await client.post(
        "/orders", json=order_body(("PAD-1", 1)), headers={"Idempotency-Key": "slow"}
    )
    assert response.status_code == 503
    assert response.json()["code"] == "inventory_unavailable"
    row = await orders_db.fetchrow("SELECT status, hold FROM orders")
    assert (row["status"], row["hold"]) == ("failed", "released")
    assert await stock_of(inventory, "PAD-1") == {"on_hand": 3, "reserved": 0, "available": 3}
    history = await orders_db.fetch("SELECT to_status, reason FROM order_history ORDER BY id")
    assert [(h["to_status"], h["reason"]) for h in history] == [
        ("pending", "order placed"),
        ("failed", "inventory unavailable"),
    ]


async def test_service_reports_health_metrics_and_schema_when_running(
    client: httpx.AsyncClient, product_with_stock: StockFactory
) -> None:
    await product_with_stock("PAD-1", available=3)
    await client.post("/orders", json=order_body(("PAD-1", 1)), headers={"Idempotency-Key": "m"})
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"]["ok"] is True
    assert "cache" in ready.json()["checks"]
    metrics = (await client.get("/metrics")).text
    for name in (
        "orders_created_total",
        'orders_transitions_total{to_status="reserved"}',
        'orders_inventory_call_seconds_count{operation="reserve",outcome="ok"}',
        'http_requests_total{method="POST",route="/orders",service="orders",status="201"}',
        "orders_by_status",
    ):
        assert name in metrics, name
    schema = await client.get("/schema/openapi.json")
    assert schema.status_code == 200
    assert "/orders/{order_id}/transitions" in schema.json()["paths"]
