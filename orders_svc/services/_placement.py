"""Placing an order: idempotent on the client's key, priced and reserved by inventory."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import msgspec
from loguru import logger

from common.errors import Conflict, DomainError
from orders_svc.db import DB
from orders_svc.inventory_client import (
    InventoryClient,
    InventoryUnavailable,
    OutOfStock,
    ReservationRead,
    UnknownSku,
)
from orders_svc.metrics import ORDERS_CREATED, ORDERS_TRANSITIONS
from orders_svc.schemas import OrderCreate, OrderLineRead, OrderRead
from orders_svc.services._machine import apply_transition, release_hold
from orders_svc.services._queries import get_order, to_order_read
from orders_svc.tables import Hold, Order, OrderLine, Status

SYSTEM_ACTOR = "orders-svc"
# How often a request that reuses a key may find the key freed (its order was withdrawn).
MAX_PLACEMENT_ATTEMPTS = 3


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"


class DuplicateSku(DomainError):
    status_code, code = 422, "duplicate_sku"


class UnknownSkus(DomainError):
    status_code, code = 422, "unknown_sku"


class StoredProblem(DomainError):
    """The problem that failed an order at creation, answered again to a replay of its key."""

    def __init__(self, failure: dict[str, Any]) -> None:
        extra = {k: v for k, v in failure.items() if k not in {"status", "code", "detail"}}
        super().__init__(str(failure.get("detail", "order failed")), extra=extra)
        self.status_code = int(failure.get("status", 409))
        self.code = str(failure.get("code", "order_failed"))


# One statement writes the pending order, its lines, its first history row and its first
# outbox event, so they exist together or not at all. ON CONFLICT makes the idempotency key
# safe under concurrency: a second insert with the same key waits for the first to commit and
# then inserts nothing, and the caller reads the existing order instead.
PLACE_SQL = """
WITH new_order AS (
    INSERT INTO orders (id, status, idempotency_key, request_hash, tracking_token, customer_name,
                        customer_email, shipping_address, total_cents, currency, hold, created_at, updated_at)
    VALUES ({}, 'pending', {}, {}, {}, {}, {}, {}::jsonb, 0, 'USD', 'unknown', {}, {})
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id
), new_lines AS (
    INSERT INTO order_lines ("order", position, sku, name, quantity, unit_price_cents, line_total_cents)
    SELECT new_order.id, line.position, line.sku, '', line.quantity, 0, 0
    FROM new_order, unnest({}::varchar[], {}::int[]) WITH ORDINALITY AS line(sku, quantity, position)
), history AS (
    INSERT INTO order_history ("order", from_status, to_status, actor, reason, at)
    SELECT id, NULL, 'pending', {}, 'order placed', {} FROM new_order
), outbox AS (
    INSERT INTO outbox_events (order_id, payload, created_at)
    SELECT id, {}::jsonb, {} FROM new_order
)
SELECT id FROM new_order
"""

# pending → reserved with inventory's prices, as one statement (see TRANSITION_SQL).
RESERVED_SQL = """
WITH current AS (
    SELECT id FROM orders WHERE id = {} AND status = 'pending' FOR UPDATE
), changed AS (
    UPDATE orders AS o
    SET status = 'reserved', hold = 'held', total_cents = {}, currency = {}, updated_at = {}
    FROM current WHERE o.id = current.id
    RETURNING o.id, o.tracking_token, o.created_at, o.updated_at
), priced AS (
    UPDATE order_lines AS l
    SET name = p.name, unit_price_cents = p.price, line_total_cents = p.price * l.quantity
    FROM changed, unnest({}::varchar[], {}::varchar[], {}::bigint[]) AS p(sku, name, price)
    WHERE l."order" = changed.id AND l.sku = p.sku
), history AS (
    INSERT INTO order_history ("order", from_status, to_status, actor, reason, at)
    SELECT id, 'pending', 'reserved', {}, 'stock reserved', {} FROM changed
), outbox AS (
    INSERT INTO outbox_events (order_id, payload, created_at)
    SELECT id, json_build_object(
        'event', 'order-status-changed', 'order_id', id, 'tracking_token', tracking_token,
        'from_status', 'pending', 'to_status', 'reserved', 'at', {}::timestamptz), {}
    FROM changed
)
SELECT created_at, updated_at FROM changed
"""


def request_hash(data: OrderCreate) -> str:
    """Fingerprint the request: the same order sent twice hashes the same, whatever its JSON layout."""
    return hashlib.sha256(msgspec.json.encode(data)).hexdigest()


def _check_lines(data: OrderCreate) -> None:
    seen: dict[str, int] = {}
    for index, line in enumerate(data.lines):
        if line.sku in seen:
            raise DuplicateSku(
                f"lines[{index}].sku repeats lines[{seen[line.sku]}].sku ({line.sku}); send one line per SKU",
                extra={"field": f"lines[{index}].sku"},
            )
        seen[line.sku] = index


def _event(*, order_id: UUID, token: str, to: Status, at: datetime) -> str:
    return msgspec.json.encode(
        {
            "event": "order-status-changed",
            "order_id": order_id,
            "tracking_token": token,
            "from_status": None,
            "to_status": to.value,
            "at": at,
        }
    ).decode()


def price_lines(
    requested: list[tuple[str, int]], reservation: ReservationRead
) -> tuple[list[OrderLineRead], int, str]:
    """Price each requested line from inventory's reservation (a line may span warehouses)."""
    prices: dict[str, tuple[str, int]] = {}
    currency = "USD"
    for line in reservation.lines:
        prices.setdefault(line.sku, (line.name, line.unit_price_cents))
        currency = line.currency
    lines = []
    for sku, quantity in requested:
        name, price = prices.get(sku, ("", 0))
        lines.append(
            OrderLineRead(
                sku=sku,
                name=name,
                quantity=quantity,
                unit_price_cents=price,
                line_total_cents=price * quantity,
            )
        )
    return lines, sum(line.line_total_cents for line in lines), currency


class Reserved(msgspec.Struct, frozen=True, kw_only=True):
    lines: list[OrderLineRead]
    total_cents: int
    currency: str
    created_at: datetime
    updated_at: datetime


async def mark_reserved(
    order_id: UUID, *, requested: list[tuple[str, int]], reservation: ReservationRead
) -> Reserved | None:
    """Move a pending order to reserved with the reservation's prices; None if it is no longer pending."""
    lines, total, currency = price_lines(requested, reservation)
    now = datetime.now(UTC)
    rows = await Order.raw(
        RESERVED_SQL,
        order_id,
        total,
        currency,
        now,
        [line.sku for line in lines],
        [line.name for line in lines],
        [line.unit_price_cents for line in lines],
        SYSTEM_ACTOR,
        now,
        now,
        now,
    )
    if not rows:
        return None
    ORDERS_TRANSITIONS.labels(to_status=Status.reserved.value).inc()
    return Reserved(lines=lines, total_cents=total, currency=currency, **rows[0])


async def mark_reserved_from_reservation(order_id: UUID, *, reservation: ReservationRead) -> bool:
    """Move a pending order to reserved from a reservation found later (crash recovery)."""
    rows = await (
        OrderLine.select(OrderLine.sku, OrderLine.quantity)
        .where(OrderLine.order == order_id)
        .order_by(OrderLine.position)
    )
    requested = [(row["sku"], row["quantity"]) for row in rows]
    return await mark_reserved(order_id, requested=requested, reservation=reservation) is not None


async def _fail(order_id: UUID, *, problem: DomainError, hold: Hold | None, reason: str) -> bool:
    """Fail a pending order, recording the problem; False when it was no longer pending."""
    failure = {"status": problem.status_code, "code": problem.code, "detail": str(problem), **problem.extra}
    failure["order_id"] = str(order_id)
    async with DB.transaction():
        await Order.update({Order.failure: msgspec.json.encode(failure).decode()}).where(
            (Order.id == order_id) & (Order.status == Status.pending)
        )
        moved = await apply_transition(
            order_id, to=Status.failed, actor=SYSTEM_ACTOR, reason=reason, manual=False, hold=hold
        )
    problem.extra["order_id"] = str(order_id)
    return moved is not None


async def _withdraw(order_id: UUID) -> None:
    # An order naming an unknown SKU was never valid, and bad input changes nothing. The outbox
    # relay never publishes events of pending orders, so none of this order's has left yet.
    async with DB.transaction():
        await Order.raw("DELETE FROM outbox_events WHERE order_id = {}", order_id)
        await Order.raw("DELETE FROM orders WHERE id = {} AND status = 'pending'", order_id)


async def _existing(key: str, *, fingerprint: str, wait_s: float) -> OrderRead | None:
    """Return the order already placed with `key`, waiting (bounded) while it is still pending.

    Raises:
        IdempotencyKeyReused: the key was used with a different body.
        StoredProblem: the order failed at creation; its problem is answered again.
    """
    deadline = time.monotonic() + wait_s
    delay = 0.01
    while True:
        rows = await Order.raw(
            "SELECT id, status, request_hash, failure::text AS failure FROM orders "
            "WHERE idempotency_key = {}",
            key,
        )
        if not rows:
            return None
        row = rows[0]
        if row["request_hash"] != fingerprint:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was already used with a different request body",
                extra={"field": "Idempotency-Key", "order_id": str(row["id"])},
            )
        if row["status"] != Status.pending.value or time.monotonic() >= deadline:
            break
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.2)
    if row["status"] == Status.failed.value and row["failure"]:
        raise StoredProblem(msgspec.json.decode(row["failure"]))
    return await get_order(row["id"])


async def place_order(
    data: OrderCreate, *, idempotency_key: str, inventory: InventoryClient, ttl_s: int, wait_s: float
) -> tuple[OrderRead, bool]:
    """Place the order once per key and reserve its stock; return it and whether it is new.

    Raises:
        IdempotencyKeyReused, DuplicateSku, UnknownSkus, OutOfStock, InventoryUnavailable.
    """
    _check_lines(data)
    fingerprint = request_hash(data)
    for _ in range(MAX_PLACEMENT_ATTEMPTS):
        order_id, token, now = uuid4(), secrets.token_urlsafe(24), datetime.now(UTC)
        inserted = await Order.raw(
            PLACE_SQL,
            order_id,
            idempotency_key,
            fingerprint,
            token,
            data.customer.name,
            data.customer.email.lower(),
            msgspec.json.encode(data.shipping_address).decode(),
            now,
            now,
            [line.sku for line in data.lines],
            [line.quantity for line in data.lines],
            SYSTEM_ACTOR,
            now,
            _event(order_id=order_id, token=token, to=Status.pending, at=now),
            now,
        )
        if inserted:
            break
        existing = await _existing(idempotency_key, fingerprint=fingerprint, wait_s=wait_s)
        if existing is not None:
            return existing, False
        # The key's order was withdrawn between our insert and our read: try again.
    else:
        raise InventoryUnavailable("could not place the order; retry with the same Idempotency-Key")
    ORDERS_CREATED.inc()
    log = logger.bind(order_id=str(order_id), lines=len(data.lines))
    try:
        reservation = await inventory.reserve(
            order_id, lines=[(line.sku, line.quantity) for line in data.lines], ttl_s=ttl_s
        )
    except UnknownSku as exc:
        await _withdraw(order_id)
        skus = exc.extra.get("skus", [])
        fields = [f"lines[{i}].sku" for i, line in enumerate(data.lines) if line.sku in skus]
        raise UnknownSkus(str(exc), extra={"skus": skus, "fields": fields}) from exc
    except OutOfStock as exc:
        # Inventory reserves all lines or none: nothing is held.
        await _fail(order_id, problem=exc, hold=Hold.none, reason="out of stock")
        log.info("order failed: out of stock")
        raise
    except InventoryUnavailable as exc:
        # A reservation may have landed before a timeout: release it, whatever happened.
        if await _fail(order_id, problem=exc, hold=Hold.release_due, reason="inventory unavailable"):
            await release_hold(order_id, inventory=inventory)
        log.warning("order failed: inventory unavailable")
        raise
    requested = [(line.sku, line.quantity) for line in data.lines]
    reserved = await mark_reserved(order_id, requested=requested, reservation=reservation)
    if reserved is None:
        # The recovery sweeper resolved this order first (we took longer than its grace period).
        current = await get_order(order_id)
        if current.status is Status.reserved:
            return current, True  # it found our reservation and recorded it
        # It found no reservation then and failed the order; ours landed since: hand it back.
        await Order.update({Order.hold: Hold.release_due}).where(
            (Order.id == order_id) & (Order.status == Status.failed)
        )
        await release_hold(order_id, inventory=inventory)
        raise InventoryUnavailable("inventory answered too late; the order was not placed")
    log.info("order reserved")
    # Everything is known here; reading the order back would double the queries per order.
    order = to_order_read(
        {
            "id": order_id,
            "status": Status.reserved.value,
            "customer_name": data.customer.name,
            "customer_email": data.customer.email.lower(),
            "shipping_address": msgspec.json.encode(data.shipping_address),
            "total_cents": reserved.total_cents,
            "currency": reserved.currency,
            "tracking_token": token,
            "created_at": reserved.created_at,
            "updated_at": reserved.updated_at,
        },
        reserved.lines,
    )
    return order, True
