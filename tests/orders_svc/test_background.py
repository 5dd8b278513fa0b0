import asyncio
import os
import signal
import subprocess
import sys

import httpx
import msgspec
import pytest
import redis.asyncio as redis
from litestar import Litestar

from orders_svc import services
from orders_svc.inventory_client import InventoryClient
from tests.conftest import database_url, redis_url
from tests.helpers import free_port, wait_until_up
from tests.orders_svc.conftest import OrdersFactory, StockFactory, order_body, stock_of


async def test_every_status_change_is_published_to_redis_when_the_relay_runs(
    make_client: OrdersFactory, product_with_stock: StockFactory, orders_db
) -> None:
    client = await make_client(workers=True, relay_interval_s=0.05, sweeper_interval_s=60)
    subscriber = redis.from_url(redis_url("ORD_"))
    pubsub = subscriber.pubsub()
    await pubsub.subscribe(services.ORDER_EVENTS_CHANNEL)
    try:
        await product_with_stock("PAD-1", available=5)
        order = (
            await client.post("/orders", json=order_body(("PAD-1", 1)), headers={"Idempotency-Key": "o"})
        ).json()
        await client.post(f"/orders/{order['id']}/cancellation", json={"actor": "ops", "reason": "test"})
        events = []
        async with asyncio.timeout(5):
            while len(events) < 3:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                if message is not None:
                    events.append(msgspec.json.decode(message["data"]))
    finally:
        await pubsub.aclose()
        await subscriber.aclose()
    assert [(e["from_status"], e["to_status"]) for e in events] == [
        (None, "pending"),
        ("pending", "reserved"),
        ("reserved", "cancelled"),
    ]
    assert {e["event"] for e in events} == {"order-status-changed"}
    assert {e["order_id"] for e in events} == {order["id"]}
    assert {e["tracking_token"] for e in events} == {order["tracking_token"]}
    assert all(e["at"] for e in events)
    # The relay marks a batch published right after publishing it, in the same transaction.
    for _ in range(100):
        if await orders_db.fetchval("SELECT count(*) FROM outbox_events WHERE published_at IS NULL") == 0:
            break
        await asyncio.sleep(0.02)
    assert await orders_db.fetchval("SELECT count(*) FROM outbox_events WHERE published_at IS NULL") == 0


async def test_orphaned_pending_order_is_resolved_from_inventory_when_the_sweeper_runs(
    client: httpx.AsyncClient, inventory: httpx.AsyncClient, product_with_stock: StockFactory, orders_db
) -> None:
    await product_with_stock("PAD-1", available=5)
    held = (
        await client.post("/orders", json=order_body(("PAD-1", 2)), headers={"Idempotency-Key": "a"})
    ).json()
    never = (
        await client.post("/orders", json=order_body(("PAD-1", 1)), headers={"Idempotency-Key": "b"})
    ).json()
    # Simulate a crash between writing the order and recording inventory's answer: `held` has a
    # reservation held in inventory, `never` holds nothing (its reservation was released).
    await inventory.post(f"/reservations/{never['id']}/release")
    await orders_db.execute(
        "UPDATE orders SET status = 'pending', hold = 'unknown', created_at = now() - interval '1 hour'"
    )
    async with httpx.AsyncClient(transport=inventory._transport, base_url="http://inventory") as http:
        resolved = await services.recover_pending_orders(inventory=InventoryClient(http), older_than_s=60)
    assert resolved == 2
    statuses = dict(await orders_db.fetch("SELECT id::text, status FROM orders"))
    assert statuses == {held["id"]: "reserved", never["id"]: "failed"}
    assert await stock_of(inventory, "PAD-1") == {"on_hand": 5, "reserved": 2, "available": 3}


@pytest.fixture(name="inventory_process")
def fx_inventory_process(inventory_app: Litestar):
    """A real inventory process on a free port, killed (SIGKILL) or restarted by the test."""
    port = free_port()
    env = {**os.environ, "INV_DATABASE_URL": database_url("INV_"), "INV_SWEEP_INTERVAL_S": "0"}
    argv = [sys.executable, "-m", "uvicorn", "inventory_svc.app:create_app", "--factory",
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]  # fmt: skip
    processes: list[subprocess.Popen] = []

    def start() -> str:
        process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(process)
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url, process=process)
        return url

    def kill() -> None:
        processes[-1].send_signal(signal.SIGKILL)
        processes[-1].wait(timeout=10)

    yield start, kill
    for process in processes:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)


async def test_no_stock_stays_reserved_when_inventory_dies_during_order_creation(
    make_client: OrdersFactory, product_with_stock: StockFactory, inventory: httpx.AsyncClient, orders_db,
    inventory_db, inventory_process,
) -> None:  # fmt: skip
    start, kill = inventory_process
    url = await asyncio.to_thread(start)
    client = await make_client(
        inventory_transport=httpx.AsyncHTTPTransport(),
        inventory_url=url,
        inventory_timeout_s=0.5,
        inventory_retries=1,
    )
    await product_with_stock("PAD-1", available=1000)

    async def place(i: int) -> httpx.Response:
        await asyncio.sleep(i * 0.004)
        return await client.post(
            "/orders", json=order_body(("PAD-1", 1)), headers={"Idempotency-Key": f"d-{i}"}
        )

    orders = asyncio.gather(*(place(i) for i in range(150)))
    for _ in range(1000):  # kill inventory mid-stream, once some orders got through
        if await orders_db.fetchval("SELECT count(*) FROM orders WHERE status = 'reserved'") >= 5:
            break
        await asyncio.sleep(0.01)
    await asyncio.to_thread(kill)
    responses = await orders
    codes = {r.status_code for r in responses}
    assert codes <= {201, 503}, codes
    assert 503 in codes
    assert await orders_db.fetchval("SELECT count(*) FROM orders WHERE status = 'pending'") == 0
    failed = await orders_db.fetchval("SELECT count(*) FROM orders WHERE status = 'failed'")
    assert failed == sum(r.status_code == 503 for r in responses)

    # Inventory comes back; the release that could not be delivered is retried.
    await asyncio.to_thread(start)
    async with httpx.AsyncClient(base_url=url, timeout=2.0) as http:
        for _ in range(10):  # what the sweeper does on its interval, one batch at a time
            if not await services.retry_releases(inventory=InventoryClient(http), older_than_s=0):
                break
    assert await orders_db.fetchval("SELECT count(*) FROM orders WHERE hold = 'release_due'") == 0
    reserved_ids = {r["id"] for r in await orders_db.fetch("SELECT id FROM orders WHERE status = 'reserved'")}
    held_ids = {
        r["order_id"]
        for r in await inventory_db.fetch("SELECT order_id FROM reservation WHERE status = 'held'")
    }
    assert held_ids == reserved_ids
    assert 0 < len(reserved_ids) < 150
    assert (await stock_of(inventory, "PAD-1"))["reserved"] == len(reserved_ids)


async def test_late_reservation_is_released_when_the_sweeper_failed_the_order_meanwhile(
    make_client: OrdersFactory,
    inventory_app,
    inventory: httpx.AsyncClient,
    product_with_stock: StockFactory,
    orders_db,
) -> None:
    async def sweeper_first(
        scope, receive, send
    ) -> None:  # the sweeper fails the order before inventory answers
        if scope["type"] == "http" and scope["path"] == "/reservations":
            await orders_db.execute(
                "UPDATE orders SET status = 'failed', hold = 'none' WHERE status = 'pending'"
            )
        await inventory_app(scope, receive, send)

    client = await make_client(inventory_transport=httpx.ASGITransport(app=sweeper_first))
    await product_with_stock("PAD-1", available=3)
    response = await client.post(
        "/orders", json=order_body(("PAD-1", 2)), headers={"Idempotency-Key": "late"}
    )
    assert response.status_code == 503
    assert await orders_db.fetchval("SELECT hold FROM orders") == "released"
    assert await stock_of(inventory, "PAD-1") == {"on_hand": 3, "reserved": 0, "available": 3}


async def test_events_wait_in_the_outbox_when_redis_cannot_be_reached(
    make_client: OrdersFactory, product_with_stock: StockFactory, orders_db
) -> None:
    client = await make_client(
        workers=True, relay_interval_s=0.05, redis_url=f"redis://127.0.0.1:{free_port()}/0"
    )
    await product_with_stock("PAD-1", available=5)
    response = await client.post("/orders", json=order_body(("PAD-1", 1)), headers={"Idempotency-Key": "r"})
    assert response.status_code == 201
    await asyncio.sleep(0.3)  # several relay rounds, each failing to reach Redis
    assert await orders_db.fetchval("SELECT count(*) FROM outbox_events WHERE published_at IS NULL") == 2
    ready = (await client.get("/readyz")).json()
    assert ready["status"] == "ready"
    assert ready["checks"]["cache"]["ok"] is False
