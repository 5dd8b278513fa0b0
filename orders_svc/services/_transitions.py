"""Operator and shopper-facing moves: confirm, ship (commits stock), deliver, cancel, fail."""

from __future__ import annotations

from uuid import UUID

from orders_svc.db import DB
from orders_svc.inventory_client import InventoryClient
from orders_svc.schemas import OrderRead
from orders_svc.services._machine import (
    RELEASING,
    IllegalTransition,
    OrderNotFound,
    allowed_transitions,
    apply_transition,
    release_hold,
)
from orders_svc.services._queries import get_order
from orders_svc.tables import Hold, Order, Status


async def transition_order(
    order_id: UUID, *, to: Status, actor: str, reason: str, inventory: InventoryClient
) -> OrderRead:
    """Move the order to `to`, with the stock side effect the move implies.

    Shipping commits the reservation while the order row is locked, so a racing cancellation
    waits and then finds the order shipped; if inventory cannot commit, nothing changes.
    Cancelling (or failing) releases the reservation, once: only the request whose move
    succeeded calls inventory, and a second, racing cancellation is an illegal transition.

    Raises:
        OrderNotFound, IllegalTransition, InventoryUnavailable.
    """
    if to is Status.shipped:
        async with DB.transaction():
            rows = await Order.raw("SELECT status FROM orders WHERE id = {} FOR UPDATE", order_id)
            if not rows:
                raise OrderNotFound(order_id)
            current = Status(rows[0]["status"])
            if to not in allowed_transitions(current, manual=True):
                raise IllegalTransition(current=current, to=to)
            await inventory.commit(order_id)
            await apply_transition(order_id, to=to, actor=actor, reason=reason, hold=Hold.committed)
        return await get_order(order_id)
    hold = await apply_transition(order_id, to=to, actor=actor, reason=reason)
    if to in RELEASING and hold is Hold.release_due:
        await release_hold(order_id, inventory=inventory)
    return await get_order(order_id)
