"""Domain metrics on /metrics, named as docs/API.md says."""

from __future__ import annotations

import re
import uuid

from litestar.testing import AsyncTestClient

from inventory_svc import services
from tests.inventory_svc.conftest import ProductFactory


async def sample(client: AsyncTestClient, name: str, labels: str = "") -> float:
    text = (await client.get("/metrics")).text
    match = re.search(rf"^{re.escape(name)}{re.escape(labels)} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


async def test_reservation_and_movement_counters_grow_when_reservations_happen(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(sku="PAD-1", stock={"EAST": 2})
    before = {
        result: await sample(client, "inventory_reservations_total", f'{{result="{result}"}}')
        for result in ("reserved", "replayed", "out_of_stock", "released")
    }
    moves_before = await sample(client, "inventory_stock_movements_total", '{kind="reservation"}')
    body = {"order_id": str(uuid.uuid4()), "lines": [{"sku": "PAD-1", "quantity": 2}]}
    await client.post("/reservations", json=body)
    await client.post("/reservations", json=body)
    await client.post(
        "/reservations", json={"order_id": str(uuid.uuid4()), "lines": [{"sku": "PAD-1", "quantity": 1}]}
    )
    await client.post(f"/reservations/{body['order_id']}/release")
    after = {
        result: await sample(client, "inventory_reservations_total", f'{{result="{result}"}}')
        for result in ("reserved", "replayed", "out_of_stock", "released")
    }
    assert {k: after[k] - before[k] for k in after} == {
        "reserved": 1,
        "replayed": 1,
        "out_of_stock": 1,
        "released": 1,
    }
    assert await sample(client, "inventory_stock_movements_total", '{kind="reservation"}') == moves_before + 1


async def test_low_stock_gauge_counts_rows_at_or_below_reorder_point_when_refreshed(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(sku="LOW-1", stock={"EAST": 1, "CENTRAL": 50, "WEST": 50}, reorder_point=5)
    assert await services.refresh_low_stock_gauge() == 1
    assert await sample(client, "inventory_low_stock_items") == 1.0


async def test_request_metrics_use_the_route_template_when_a_product_is_read(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(sku="PAD-1")
    await client.get("/products/PAD-1")
    text = (await client.get("/metrics")).text
    assert 'route="/products/{sku}"' in text
    assert "PAD-1" not in text


async def test_every_known_series_is_exposed_at_start_when_nothing_happened_yet(
    client: AsyncTestClient,
) -> None:
    text = (await client.get("/metrics")).text
    results = ("reserved", "replayed", "out_of_stock", "committed", "released", "expired")
    kinds = ("seed", "restock", "adjustment", "reservation", "release", "expiry", "shipment")
    for result in results:
        assert f'inventory_reservations_total{{result="{result}"}}' in text
    for kind in kinds:
        assert f'inventory_stock_movements_total{{kind="{kind}"}}' in text
