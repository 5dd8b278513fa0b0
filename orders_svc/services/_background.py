"""Work the lifespan runs in the background: outbox relay, recovery of orphaned orders, gauges.

Each function does one bounded batch and returns how much it did; the loops in `app.py`'s
lifespan call them on an interval. Rows are claimed with FOR UPDATE SKIP LOCKED, so several
replicas share the work without doing any of it twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import redis.asyncio as redis
from loguru import logger

from orders_svc.db import DB
from orders_svc.inventory_client import InventoryClient, InventoryUnavailable
from orders_svc.metrics import ORDERS_BY_STATUS, OUTBOX_PUBLISHED
from orders_svc.services._machine import apply_transition, release_hold
from orders_svc.services._placement import SYSTEM_ACTOR, mark_reserved_from_reservation
from orders_svc.tables import Hold, Order, Status

ORDER_EVENTS_CHANNEL = "autoforge.order-events"

# Events of a pending order wait until it is resolved: a pending order may still be withdrawn
# (unknown SKU), and then none of its events may have been published.
CLAIM_OUTBOX_SQL = """
SELECT e.id, e.payload::text AS payload FROM outbox_events e
WHERE e.published_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = e.order_id AND o.status = 'pending')
ORDER BY e.id
LIMIT {}
FOR UPDATE OF e SKIP LOCKED
"""


async def relay_outbox(publisher: redis.Redis, *, batch_size: int) -> int:
    """Publish up to `batch_size` unpublished events to Redis in order; mark them published."""
    async with DB.transaction():
        rows = await Order.raw(CLAIM_OUTBOX_SQL, batch_size)
        if not rows:
            return 0
        async with publisher.pipeline(transaction=False) as pipe:
            for row in rows:
                pipe.publish(ORDER_EVENTS_CHANNEL, row["payload"])
            await pipe.execute()
        # Delivery is at least once: a crash here republishes the batch, never loses it.
        await Order.raw(
            "UPDATE outbox_events SET published_at = {} WHERE id = ANY({}::bigint[])",
            datetime.now(UTC),
            [row["id"] for row in rows],
        )
    OUTBOX_PUBLISHED.inc(len(rows))
    return len(rows)


async def recover_pending_orders(
    *, inventory: InventoryClient, older_than_s: float, batch_size: int = 20
) -> int:
    """Resolve orders left pending by a crash, from inventory's record of their reservation."""
    cutoff = datetime.now(UTC) - timedelta(seconds=older_than_s)
    candidates = await Order.raw(
        "SELECT id FROM orders WHERE status = 'pending' AND created_at < {} ORDER BY created_at LIMIT {}",
        cutoff,
        batch_size,
    )
    resolved = 0
    for candidate in candidates:
        order_id: UUID = candidate["id"]
        try:
            async with DB.transaction():
                # Hold the row while asking inventory, so another replica's sweeper skips it.
                locked = await Order.raw(
                    "SELECT id FROM orders WHERE id = {} AND status = 'pending' FOR UPDATE SKIP LOCKED",
                    order_id,
                )
                if not locked:
                    continue
                reservation = await inventory.get_reservation_or_none(order_id)
                if reservation is not None and reservation.status in {"held", "committed"}:
                    await mark_reserved_from_reservation(order_id, reservation=reservation)
                else:
                    hold = Hold.none if reservation is None else Hold.released
                    await apply_transition(
                        order_id,
                        to=Status.failed,
                        actor=SYSTEM_ACTOR,
                        reason="recovered: no reservation was held",
                        manual=False,
                        hold=hold,
                    )
        except InventoryUnavailable:
            logger.bind(order_id=str(order_id)).warning("pending order left for later: inventory unavailable")
            break
        resolved += 1
        logger.bind(order_id=str(order_id)).info("pending order recovered")
    return resolved


async def retry_releases(*, inventory: InventoryClient, older_than_s: float, batch_size: int = 50) -> int:
    """Release the stock of failed or cancelled orders whose release inventory has not confirmed."""
    cutoff = datetime.now(UTC) - timedelta(seconds=older_than_s)
    rows = await Order.raw(
        "SELECT id FROM orders WHERE hold = 'release_due' AND updated_at < {} ORDER BY updated_at LIMIT {}",
        cutoff,
        batch_size,
    )
    released = 0
    for row in rows:
        if not await release_hold(row["id"], inventory=inventory):
            break
        released += 1
    return released


async def refresh_status_gauge() -> None:
    """Set `orders_by_status` from the database."""
    rows = await Order.raw("SELECT status, count(*) AS n FROM orders GROUP BY status")
    counts = {row["status"]: row["n"] for row in rows}
    for status in Status:
        ORDERS_BY_STATUS.labels(status=status.value).set(counts.get(status.value, 0))
