"""Reservations: all or none, idempotent, split across warehouses, commit, release, expiry."""

from __future__ import annotations

import asyncio
import uuid

from litestar.testing import AsyncTestClient

from inventory_svc import services
from tests.inventory_svc.conftest import LEDGER_MISMATCHES, ProductFactory, fetch, fetchval


def order() -> str:
    return str(uuid.uuid4())


async def levels(client: AsyncTestClient, sku: str) -> list[tuple[str, int, int]]:
    return [(s["warehouse"], s["on_hand"], s["reserved"]) for s in (await client.get(f"/stock/{sku}")).json()]


async def test_reserve_holds_every_line_with_price_snapshot_when_stock_suffices(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(sku="PAD-1", name="Pads", price_cents=4999, stock={"EAST": 5})
    await make_product(sku="ROT-1", name="Rotor", price_cents=8999, stock={"EAST": 5})
    order_id = order()
    response = await client.post(
        "/reservations",
        json={
            "order_id": order_id,
            "lines": [{"sku": "PAD-1", "quantity": 2}, {"sku": "ROT-1", "quantity": 1}],
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "held"
    assert body["order_id"] == order_id
    assert body["lines"] == [
        {
            "sku": "PAD-1",
            "warehouse": "EAST",
            "quantity": 2,
            "unit_price_cents": 4999,
            "currency": "USD",
            "name": "Pads",
        },
        {
            "sku": "ROT-1",
            "warehouse": "EAST",
            "quantity": 1,
            "unit_price_cents": 8999,
            "currency": "USD",
            "name": "Rotor",
        },
    ]
    assert await levels(client, "PAD-1") == [("EAST", 5, 2), ("CENTRAL", 0, 0), ("WEST", 0, 0)]
    assert await fetch(LEDGER_MISMATCHES) == []


async def test_reserve_holds_nothing_when_one_line_is_short(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(sku="PAD-1", stock={"EAST": 5})
    await make_product(sku="ROT-1", stock={"EAST": 1, "WEST": 1})
    order_id = order()
    response = await client.post(
        "/reservations",
        json={
            "order_id": order_id,
            "lines": [{"sku": "PAD-1", "quantity": 2}, {"sku": "ROT-1", "quantity": 3}],
        },
    )
    assert response.status_code == 409
    assert response.json()["code"] == "out_of_stock"
    assert response.json()["lines"] == [{"sku": "ROT-1", "requested": 3, "available": 2}]
    assert await levels(client, "PAD-1") == [("EAST", 5, 0), ("CENTRAL", 0, 0), ("WEST", 0, 0)]
    assert await fetchval("SELECT count(*) FROM reservation") == 0
    assert (await client.get(f"/reservations/{order_id}")).status_code == 404


async def test_reserve_is_404_naming_skus_when_a_sku_is_unknown(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(sku="PAD-1", stock={"EAST": 5})
    response = await client.post(
        "/reservations",
        json={
            "order_id": order(),
            "lines": [{"sku": "PAD-1", "quantity": 1}, {"sku": "NOPE-9", "quantity": 1}],
        },
    )
    assert response.status_code == 404
    assert response.json() | {"detail": ""} == {"code": "unknown_sku", "detail": "", "skus": ["NOPE-9"]}
    assert await levels(client, "PAD-1") == [("EAST", 5, 0), ("CENTRAL", 0, 0), ("WEST", 0, 0)]


async def test_reserve_replays_the_same_reservation_when_order_id_repeats(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(sku="PAD-1", stock={"EAST": 5})
    body = {"order_id": order(), "lines": [{"sku": "PAD-1", "quantity": 2}]}
    first = await client.post("/reservations", json=body)
    again = await client.post("/reservations", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert await levels(client, "PAD-1") == [("EAST", 5, 2), ("CENTRAL", 0, 0), ("WEST", 0, 0)]


async def test_reserve_is_409_when_order_id_repeats_with_other_lines(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(sku="PAD-1", stock={"EAST": 5})
    order_id = order()
    await client.post(
        "/reservations", json={"order_id": order_id, "lines": [{"sku": "PAD-1", "quantity": 2}]}
    )
    response = await client.post(
        "/reservations", json={"order_id": order_id, "lines": [{"sku": "PAD-1", "quantity": 3}]}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "order_id_reused"
    assert await levels(client, "PAD-1") == [("EAST", 5, 2), ("CENTRAL", 0, 0), ("WEST", 0, 0)]


async def test_reserve_prefers_one_warehouse_then_splits_in_priority_order_when_none_suffices(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(sku="PAD-1", stock={"EAST": 2, "CENTRAL": 3, "WEST": 10})
    whole = (
        await client.post(
            "/reservations", json={"order_id": order(), "lines": [{"sku": "PAD-1", "quantity": 4}]}
        )
    ).json()
    assert [(line["warehouse"], line["quantity"]) for line in whole["lines"]] == [("WEST", 4)]
    split = (
        await client.post(
            "/reservations", json={"order_id": order(), "lines": [{"sku": "PAD-1", "quantity": 9}]}
        )
    ).json()
    assert [(line["warehouse"], line["quantity"]) for line in split["lines"]] == [
        ("EAST", 2),
        ("CENTRAL", 3),
        ("WEST", 4),
    ]
    assert await levels(client, "PAD-1") == [("EAST", 2, 2), ("CENTRAL", 3, 3), ("WEST", 10, 8)]
    assert await fetch(LEDGER_MISMATCHES) == []


async def test_commit_ships_out_of_on_hand_once_when_committed_twice(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(sku="PAD-1", stock={"EAST": 5})
    order_id = order()
    await client.post(
        "/reservations", json={"order_id": order_id, "lines": [{"sku": "PAD-1", "quantity": 2}]}
    )
    first = await client.post(f"/reservations/{order_id}/commitment")
    second = await client.post(f"/reservations/{order_id}/commitment")
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json()["status"] == "committed"
    assert await levels(client, "PAD-1") == [("EAST", 3, 0), ("CENTRAL", 0, 0), ("WEST", 0, 0)]
    kinds = [m["kind"] for m in (await client.get("/stock/PAD-1/movements")).json()["items"]]
    assert kinds == ["shipment", "reservation", "restock"]
    assert await fetch(LEDGER_MISMATCHES) == []


async def test_release_returns_stock_once_when_released_twice(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(sku="PAD-1", stock={"EAST": 5})
    order_id = order()
    await client.post(
        "/reservations", json={"order_id": order_id, "lines": [{"sku": "PAD-1", "quantity": 2}]}
    )
    first = await client.post(f"/reservations/{order_id}/release")
    second = await client.post(f"/reservations/{order_id}/release")
    assert (first.json()["status"], second.json()["status"]) == ("released", "released")
    assert await levels(client, "PAD-1") == [("EAST", 5, 0), ("CENTRAL", 0, 0), ("WEST", 0, 0)]
    assert await fetchval("SELECT count(*) FROM stock_movement WHERE kind = 'release'") == 1


async def test_release_is_409_and_commit_of_released_is_409_when_states_conflict(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(sku="PAD-1", stock={"EAST": 5})
    shipped, released = order(), order()
    for order_id in (shipped, released):
        await client.post(
            "/reservations", json={"order_id": order_id, "lines": [{"sku": "PAD-1", "quantity": 1}]}
        )
    await client.post(f"/reservations/{shipped}/commitment")
    await client.post(f"/reservations/{released}/release")
    release_shipped = await client.post(f"/reservations/{shipped}/release")
    commit_released = await client.post(f"/reservations/{released}/commitment")
    assert (release_shipped.status_code, release_shipped.json()["code"]) == (409, "reservation_committed")
    assert (commit_released.status_code, commit_released.json()["code"]) == (409, "reservation_not_held")
    assert await levels(client, "PAD-1") == [("EAST", 4, 0), ("CENTRAL", 0, 0), ("WEST", 0, 0)]


async def test_reservation_actions_are_404_when_order_is_unknown(client: AsyncTestClient) -> None:
    for response in (
        await client.get(f"/reservations/{order()}"),
        await client.post(f"/reservations/{order()}/commitment"),
        await client.post(f"/reservations/{order()}/release"),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "reservation_not_found"


async def test_sweep_expires_overdue_holds_and_returns_stock_when_ttl_passed(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(sku="PAD-1", stock={"EAST": 5})
    overdue, fresh = order(), order()
    await client.post(
        "/reservations", json={"order_id": overdue, "lines": [{"sku": "PAD-1", "quantity": 2}], "ttl_s": 1}
    )
    await client.post("/reservations", json={"order_id": fresh, "lines": [{"sku": "PAD-1", "quantity": 1}]})
    await fetch(
        "UPDATE reservation SET expires_at = now() - interval '1 second' WHERE order_id = $1",
        uuid.UUID(overdue),
    )
    assert await services.sweep_expired(batch=10, cache=None) == 1
    assert await services.sweep_expired(batch=10, cache=None) == 0
    assert (await client.get(f"/reservations/{overdue}")).json()["status"] == "expired"
    assert (await client.get(f"/reservations/{fresh}")).json()["status"] == "held"
    assert await levels(client, "PAD-1") == [("EAST", 5, 1), ("CENTRAL", 0, 0), ("WEST", 0, 0)]
    assert await fetchval("SELECT count(*) FROM stock_movement WHERE kind = 'expiry'") == 1
    assert await fetch(LEDGER_MISMATCHES) == []


async def test_commit_is_409_when_the_hold_has_expired_but_not_been_swept(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(sku="PAD-1", stock={"EAST": 5})
    order_id = order()
    await client.post(
        "/reservations", json={"order_id": order_id, "lines": [{"sku": "PAD-1", "quantity": 2}]}
    )
    await fetch(
        "UPDATE reservation SET expires_at = now() - interval '1 second' WHERE order_id = $1",
        uuid.UUID(order_id),
    )
    response = await client.post(f"/reservations/{order_id}/commitment")
    assert response.status_code == 409
    assert await levels(client, "PAD-1") == [("EAST", 5, 2), ("CENTRAL", 0, 0), ("WEST", 0, 0)]


async def test_background_sweeper_releases_expired_holds_when_app_runs(
    make_product: ProductFactory, settings
) -> None:
    import msgspec
    from litestar.testing import AsyncTestClient as Client

    from inventory_svc.app import create_app

    await make_product(sku="PAD-1", stock={"EAST": 5})
    app = create_app(msgspec.structs.replace(settings, sweep_interval_s=0.1))
    async with Client(app) as client:
        order_id = order()
        await client.post(
            "/reservations",
            json={"order_id": order_id, "lines": [{"sku": "PAD-1", "quantity": 2}], "ttl_s": 1},
        )
        status = "held"
        for _ in range(50):
            status = (await client.get(f"/reservations/{order_id}")).json()["status"]
            if status == "expired":
                break
            await asyncio.sleep(0.1)
        assert status == "expired"
        assert await levels(client, "PAD-1") == [("EAST", 5, 0), ("CENTRAL", 0, 0), ("WEST", 0, 0)]
