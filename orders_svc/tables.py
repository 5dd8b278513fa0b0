from __future__ import annotations

import enum

from piccolo.columns import (
    JSONB,
    UUID,
    BigInt,
    BigSerial,
    ForeignKey,
    Integer,
    OnDelete,
    SmallInt,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from orders_svc.db import DB


class Status(enum.StrEnum):
    pending = "pending"
    reserved = "reserved"
    confirmed = "confirmed"
    shipped = "shipped"
    delivered = "delivered"
    cancelled = "cancelled"
    failed = "failed"


class Hold(enum.StrEnum):
    """What orders believes inventory holds for the order (reservation keyed by order id)."""

    unknown = "unknown"  # a reservation was (or may be being) requested; no answer yet
    held = "held"
    committed = "committed"
    release_due = "release_due"  # must be released; retried by the sweeper until inventory confirms
    released = "released"
    none = "none"  # inventory refused the reservation: nothing is held


class Order(Table, db=DB, tablename="orders", help_text="A customer's order and where it is in its life."):
    id = UUID(primary_key=True)
    # Indexed with created_at (migration 2): status changes on every move, and each extra index
    # on it is written again by every UPDATE.
    status = Varchar(length=16, choices=Status, default=Status.pending)
    idempotency_key = Varchar(
        length=128, unique=True, help_text="Client-chosen key; a second POST with it returns this order."
    )
    request_hash = Varchar(length=64, help_text="SHA-256 of the canonical request body sent with the key.")
    tracking_token = Varchar(length=64, unique=True, help_text="Unguessable token for shopper tracking.")
    customer_name = Varchar(length=200)
    customer_email = Varchar(length=254, index=True, help_text="Stored lower-cased.")
    shipping_address = JSONB()
    total_cents = BigInt(default=0, help_text="Sum of line totals, computed from inventory's prices.")
    currency = Varchar(length=3, default="USD")
    hold = Varchar(length=16, choices=Hold, default=Hold.unknown)
    failure = JSONB(null=True, default=None, help_text="The problem that failed the order at creation.")
    created_at = Timestamptz(help_text="Indexed with id for keyset pages (migration 2).")
    updated_at = Timestamptz()


class OrderLine(Table, db=DB, tablename="order_lines", help_text="One SKU of an order, price snapshotted."):
    id = BigSerial(primary_key=True)
    order = ForeignKey(references=Order, on_delete=OnDelete.cascade, index=True)
    position = SmallInt()
    sku = Varchar(length=64)
    name = Varchar(length=300, default="", help_text="Product name when the order was reserved.")
    quantity = Integer()
    unit_price_cents = BigInt(default=0, help_text="Inventory's price when the order was reserved.")
    line_total_cents = BigInt(default=0)


class OrderHistory(Table, db=DB, tablename="order_history", help_text="Every status change of an order."):
    id = BigSerial(primary_key=True)
    order = ForeignKey(references=Order, on_delete=OnDelete.cascade, index=True)
    from_status = Varchar(length=16, null=True, default=None)
    to_status = Varchar(length=16)
    actor = Varchar(length=100)
    reason = Varchar(length=500, default="")
    at = Timestamptz()


class OutboxEvent(
    Table,
    db=DB,
    tablename="outbox_events",
    help_text="Events to publish, written with the change they report.",
):
    id = BigSerial(primary_key=True)
    order_id = UUID(index=True)
    payload = JSONB()
    created_at = Timestamptz()
    published_at = Timestamptz(
        null=True, default=None, help_text="Unpublished rows have a partial index (migration 2)."
    )
