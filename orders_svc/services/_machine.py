"""The order state machine: which moves are legal, and the one statement that makes a move."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from loguru import logger

from common.errors import Conflict, NotFound
from orders_svc.inventory_client import InventoryClient, InventoryUnavailable, ReservationCommitted
from orders_svc.metrics import ORDERS_TRANSITIONS
from orders_svc.tables import Hold, Order, Status

TRANSITIONS: dict[Status, tuple[Status, ...]] = {
    Status.pending: (Status.reserved, Status.failed),
    Status.reserved: (Status.confirmed, Status.cancelled, Status.failed),
    Status.confirmed: (Status.shipped, Status.cancelled),
    Status.shipped: (Status.delivered,),
    Status.delivered: (),
    Status.cancelled: (),
    Status.failed: (),
}
# Only placement (and its recovery sweeper) may declare stock reserved: it needs inventory's answer.
SYSTEM_ONLY = frozenset({(Status.pending, Status.reserved)})
# Leaving for one of these gives the order's stock back to inventory.
RELEASING = frozenset({Status.cancelled, Status.failed})


class OrderNotFound(NotFound):
    code = "order_not_found"

    def __init__(self, order_id: UUID | str) -> None:
        super().__init__(f"no order {order_id}")


class IllegalTransition(Conflict):
    code = "illegal_transition"

    def __init__(self, *, current: Status, to: Status) -> None:
        allowed = allowed_transitions(current, manual=True)
        super().__init__(
            f"an order that is {current.value} cannot become {to.value}",
            extra={"current_status": current.value, "allowed": [s.value for s in allowed]},
        )


def allowed_transitions(status: Status, *, manual: bool = False) -> list[Status]:
    """Return the statuses an order in `status` may move to (by hand, when `manual`)."""
    return [to for to in TRANSITIONS[status] if not (manual and (status, to) in SYSTEM_ONLY)]


def _sources(to: Status, *, manual: bool) -> list[str]:
    return [
        source.value
        for source, targets in TRANSITIONS.items()
        if to in targets and not (manual and (source, to) in SYSTEM_ONLY)
    ]


# One statement per move: the sub-select locks the row (waiting for a concurrent mover) and
# re-reads its status, the UPDATE applies only when that status may move to the target, and
# the history and outbox rows are written by the same statement, so they exist exactly when
# the move happened. A second, racing move finds the new status and matches nothing.
TRANSITION_SQL = """
WITH current AS (
    SELECT id, status FROM orders WHERE id = {} FOR UPDATE
), changed AS (
    UPDATE orders AS o
    SET status = {}, updated_at = {},
        hold = COALESCE({}, CASE WHEN {} AND o.hold IN ('held', 'unknown') THEN 'release_due' ELSE o.hold END)
    FROM current
    WHERE o.id = current.id AND current.status = ANY({}::varchar[])
    RETURNING o.id, o.tracking_token, current.status AS from_status, o.hold
), history AS (
    INSERT INTO order_history ("order", from_status, to_status, actor, reason, at)
    SELECT id, from_status, {}, {}, {}, {} FROM changed
), outbox AS (
    INSERT INTO outbox_events (order_id, payload, created_at)
    SELECT id, json_build_object(
        'event', 'order-status-changed', 'order_id', id, 'tracking_token', tracking_token,
        'from_status', from_status, 'to_status', {}::text, 'at', {}::timestamptz), {}
    FROM changed
)
SELECT current.status AS current_status, changed.from_status, changed.hold
FROM current LEFT JOIN changed ON true
"""


async def apply_transition(
    order_id: UUID,
    *,
    to: Status,
    actor: str,
    reason: str,
    manual: bool = True,
    hold: Hold | None = None,
) -> Hold | None:
    """Move the order to `to` if its current status allows it; return its new hold, None if it did not move.

    Raises:
        OrderNotFound: no such order.
        IllegalTransition: a `manual` move that the current status does not allow.
    """
    now = datetime.now(UTC)
    releasing = to in RELEASING
    rows: list[dict[str, Any]] = await Order.raw(
        TRANSITION_SQL,
        order_id,
        to.value,
        now,
        hold.value if hold else None,
        releasing,
        _sources(to, manual=manual),
        to.value,
        actor,
        reason,
        now,
        to.value,
        now,
        now,
    )
    if not rows:
        raise OrderNotFound(order_id)
    row = rows[0]
    if row["from_status"] is None:
        if manual:
            raise IllegalTransition(current=Status(row["current_status"]), to=to)
        return None
    ORDERS_TRANSITIONS.labels(to_status=to.value).inc()
    logger.bind(order_id=str(order_id), from_status=row["from_status"], to_status=to.value, actor=actor).info(
        "order status changed"
    )
    return Hold(row["hold"])


async def release_hold(order_id: UUID, *, inventory: InventoryClient) -> bool:
    """Ask inventory to release the order's stock; return True once it is known released.

    Inventory's release is idempotent, so a repeat (by the sweeper) changes stock at most once.
    """
    try:
        await inventory.release(order_id)
    except InventoryUnavailable:
        # The hold stays `release_due`: the sweeper retries, and inventory's TTL is the backstop.
        return False
    except ReservationCommitted:
        logger.bind(order_id=str(order_id)).error("release refused: reservation already committed")
        await Order.update({Order.hold: Hold.committed}).where(
            (Order.id == order_id) & (Order.hold == Hold.release_due)
        )
        return True
    await Order.update({Order.hold: Hold.released}).where(
        (Order.id == order_id) & (Order.hold == Hold.release_due)
    )
    return True
