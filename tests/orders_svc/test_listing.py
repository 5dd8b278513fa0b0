from datetime import UTC, datetime, timedelta

import httpx

from tests.orders_svc.conftest import StockFactory, order_body


async def test_orders_are_filtered_and_paged_newest_first_when_listed(
    client: httpx.AsyncClient, product_with_stock: StockFactory, orders_db
) -> None:
    await product_with_stock("PAD-1", available=100)
    ids = []
    for i in range(7):
        email = "bo@example.com" if i % 2 else "Ana@Example.com"
        body = order_body(("PAD-1", 1), email=email)
        response = await client.post("/orders", json=body, headers={"Idempotency-Key": f"l-{i}"})
        ids.append(response.json()["id"])
    await client.post(f"/orders/{ids[0]}/cancellation", json={"actor": "ops", "reason": "test"})
    # Spread creation times so the date filter has something to cut.
    await orders_db.execute(
        "UPDATE orders SET created_at = created_at - interval '10 days' WHERE id = $1", ids[1]
    )

    pages, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/orders", params=params)).json()
        pages.append([item["id"] for item in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    flat = [i for page in pages for i in page]
    assert [len(p) for p in pages] == [3, 3, 1]
    assert flat == [*reversed([i for i in ids if i != ids[1]]), ids[1]]

    by_email = (await client.get("/orders", params={"email": "ana@example.com"})).json()["items"]
    assert {item["customer_email"] for item in by_email} == {"ana@example.com"}
    assert len(by_email) == 4
    cancelled = (await client.get("/orders", params={"status": "cancelled"})).json()["items"]
    assert [item["id"] for item in cancelled] == [ids[0]]
    since = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    recent = (await client.get("/orders", params={"created_from": since})).json()["items"]
    assert ids[1] not in {item["id"] for item in recent}
    assert len(recent) == 6
    old = (await client.get("/orders", params={"created_to": since})).json()["items"]
    assert [(item["id"], item["line_count"]) for item in old] == [(ids[1], 1)]


async def test_bad_cursor_is_400_when_it_was_not_issued_by_the_service(client: httpx.AsyncClient) -> None:
    response = await client.get("/orders", params={"cursor": "bm90LWEtY3Vyc29y"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"
