"""Wire types of the orders API (docs/API.md); inputs are strict, outputs are frozen."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from common.errors import DomainError
from orders_svc.tables import Status

MAX_LINES = 50
MAX_QUANTITY = 99

# One line of printable text: no control characters (NUL, newlines, escapes) and no bidi
# overrides, which could make a name display as something else in the admin.
_ONE_LINE = r"^[^\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]*$"
# Free text may span lines, but still carries no NUL or bidi overrides.
_FREE_TEXT = r"^[^\x00\u202a-\u202e\u2066-\u2069]*$"

Text = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=_ONE_LINE)]
Email = Annotated[str, msgspec.Meta(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
Sku = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")]
Quantity = Annotated[int, msgspec.Meta(ge=1, le=MAX_QUANTITY)]
Actor = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=_ONE_LINE)]
Reason = Annotated[str, msgspec.Meta(max_length=500, pattern=_FREE_TEXT)]
# ISO 3166-1 alpha-2, upper case ("US", "DE").
Country = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{2}$")]


class Customer(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Text
    email: Email


class Address(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    line1: Text
    city: Text
    region: Annotated[str, msgspec.Meta(max_length=100, pattern=_ONE_LINE)]
    postal_code: Annotated[str, msgspec.Meta(min_length=1, max_length=20, pattern=_ONE_LINE)]
    country: Country
    line2: Annotated[str, msgspec.Meta(max_length=200, pattern=_ONE_LINE)] | None = None


class OrderLineCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    sku: Sku
    quantity: Quantity


class OrderCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    customer: Customer
    shipping_address: Address
    lines: Annotated[list[OrderLineCreate], msgspec.Meta(min_length=1, max_length=MAX_LINES)]


class TransitionCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    to: Status
    actor: Actor
    reason: Reason = ""


class CancellationCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    actor: Actor
    reason: Reason = ""


class OrderLineRead(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    name: str
    quantity: int
    unit_price_cents: int
    line_total_cents: int


class OrderRead(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    status: Status
    customer: Customer
    shipping_address: Address
    lines: list[OrderLineRead]
    total_cents: int
    currency: str
    tracking_token: str
    allowed_transitions: list[Status]
    created_at: datetime
    updated_at: datetime


class OrderSummary(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    status: Status
    customer_name: str
    customer_email: str
    total_cents: int
    currency: str
    line_count: int
    created_at: datetime


class OrderPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[OrderSummary]
    next_cursor: str | None


class HistoryRead(msgspec.Struct, frozen=True, kw_only=True):
    from_status: Status | None
    to_status: Status
    actor: str
    reason: str
    at: datetime


class OrderStatusChanged(
    msgspec.Struct, frozen=True, kw_only=True, tag="order-status-changed", tag_field="event"
):
    """The event published on `autoforge.order-events` for every status change."""

    order_id: UUID
    tracking_token: str
    from_status: Status | None
    to_status: Status
    at: datetime


class UnsupportedMediaType(DomainError):
    status_code, code = 415, "unsupported_media_type"


def require_json(content_type: str) -> None:
    """Refuse a body that is not declared as JSON, whatever it contains."""
    if content_type != "application/json":
        raise UnsupportedMediaType(f"send the body as application/json, not {content_type or 'nothing'}")
