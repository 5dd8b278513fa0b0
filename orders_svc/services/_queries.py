"""Reading orders: by id, by tracking token, filtered pages, history."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from common.errors import DomainError
from orders_svc.schemas import (
    Address,
    Customer,
    HistoryRead,
    OrderLineRead,
    OrderPage,
    OrderRead,
    OrderSummary,
)
from orders_svc.services._machine import OrderNotFound, allowed_transitions
from orders_svc.tables import Order, OrderHistory, OrderLine, Status

ORDER_COLUMNS = (
    "id, status, customer_name, customer_email, shipping_address::text AS shipping_address, "
    "total_cents, currency, tracking_token, created_at, updated_at"
)


class InvalidCursor(DomainError):
    status_code, code = 400, "invalid_cursor"


class OrderNotTracked(OrderNotFound):
    code = "order_not_found"

    def __init__(self) -> None:
        DomainError.__init__(self, "no order has this tracking token")


def to_order_read(row: dict[str, Any], lines: list[OrderLineRead]) -> OrderRead:
    status = Status(row["status"])
    return OrderRead(
        id=row["id"],
        status=status,
        customer=Customer(name=row["customer_name"], email=row["customer_email"]),
        shipping_address=msgspec.json.decode(row["shipping_address"], type=Address),
        lines=lines,
        total_cents=row["total_cents"],
        currency=row["currency"],
        tracking_token=row["tracking_token"],
        allowed_transitions=allowed_transitions(status, manual=True),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def _read(where: str, value: object) -> OrderRead | None:
    rows = await Order.raw(f"SELECT {ORDER_COLUMNS} FROM orders WHERE {where} = {{}}", value)
    if not rows:
        return None
    lines = await (
        OrderLine.select(
            OrderLine.sku,
            OrderLine.name,
            OrderLine.quantity,
            OrderLine.unit_price_cents,
            OrderLine.line_total_cents,
        )
        .where(OrderLine.order == rows[0]["id"])
        .order_by(OrderLine.position)
    )
    return to_order_read(rows[0], msgspec.convert(lines, list[OrderLineRead]))


async def get_order(order_id: UUID) -> OrderRead:
    """Return the order, or raise OrderNotFound."""
    order = await _read("id", order_id)
    if order is None:
        raise OrderNotFound(order_id)
    return order


async def get_order_by_token(token: str) -> OrderRead:
    """Return the order a shopper's tracking token points at, or raise OrderNotFound."""
    order = await _read("tracking_token", token) if 0 < len(token) <= 64 else None
    if order is None:
        raise OrderNotTracked()
    return order


async def list_history(order_id: UUID) -> list[HistoryRead]:
    """Return the order's status changes, oldest first."""
    rows = await (
        OrderHistory.select(
            OrderHistory.from_status,
            OrderHistory.to_status,
            OrderHistory.actor,
            OrderHistory.reason,
            OrderHistory.at,
        )
        .where(OrderHistory.order == order_id)
        .order_by(OrderHistory.id)
    )
    if not rows and not await Order.exists().where(Order.id == order_id):
        raise OrderNotFound(order_id)
    return msgspec.convert(rows, list[HistoryRead])


def _encode_cursor(created_at: datetime, order_id: UUID) -> str:
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{order_id}".encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    try:
        created_at, order_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return datetime.fromisoformat(created_at), UUID(order_id)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidCursor("cursor is not one this service returned", extra={"field": "cursor"}) from exc


async def list_orders(
    *,
    status: Status | None = None,
    email: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> OrderPage:
    """Return one page of orders matching the filters, newest first, with the next page's cursor."""
    clauses: list[str] = []
    args: list[object] = []
    if status is not None:
        clauses.append("o.status = {}")
        args.append(status.value)
    if email:
        clauses.append("o.customer_email = {}")
        args.append(email.strip().lower())
    if created_from is not None:
        clauses.append("o.created_at >= {}")
        args.append(created_from)
    if created_to is not None:
        clauses.append("o.created_at < {}")
        args.append(created_to)
    if cursor:
        after_at, after_id = _decode_cursor(cursor)
        # Keyset: strictly after the last row of the previous page in (created_at, id) order.
        clauses.append("(o.created_at, o.id) < ({}, {})")
        args += [after_at, after_id]
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = await Order.raw(
        f"""
        SELECT o.id, o.status, o.customer_name, o.customer_email, o.total_cents, o.currency, o.created_at,
               (SELECT count(*) FROM order_lines l WHERE l."order" = o.id) AS line_count
        FROM orders o {where}
        ORDER BY o.created_at DESC, o.id DESC
        LIMIT {{}}
        """,
        *args,
        limit + 1,
    )
    items = msgspec.convert(rows[:limit], list[OrderSummary])
    has_more = len(rows) > limit
    next_cursor = _encode_cursor(items[-1].created_at, items[-1].id) if has_more else None
    return OrderPage(items=items, next_cursor=next_cursor)
