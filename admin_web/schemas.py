"""Wire types of the admin: dashboard snapshots and what the typed clients read."""

from __future__ import annotations

from typing import Any

import msgspec


class ServiceStats(msgspec.Struct, frozen=True, kw_only=True):
    """One service as the dashboard shows it; None means "no data"."""

    name: str
    up: bool | None = None
    rps: float | None = None
    p50_s: float | None = None
    p95_s: float | None = None
    p99_s: float | None = None
    error_ratio: float | None = None
    in_flight: float | None = None


class Business(msgspec.Struct, frozen=True, kw_only=True):
    orders_per_min: dict[str, float] | None = None
    reservations_per_min: dict[str, float] | None = None
    low_stock_count: int | None = None


class LowStockRead(msgspec.Struct, frozen=True):
    sku: str
    name: str
    warehouse: str
    available: int
    reorder_point: int
    safety_stock: int = 0


class Alert(msgspec.Struct, frozen=True, kw_only=True):
    severity: str  # "critical" | "warning"
    subject: str
    text: str


class MetricsReading(msgspec.Struct, frozen=True, kw_only=True):
    """What a metric source returns for one poll."""

    source: str
    source_ok: bool
    services: list[ServiceStats]
    business: Business


class Snapshot(msgspec.Struct, frozen=True, kw_only=True):
    """Everything one dashboard tick shows; published once, rendered for every browser."""

    seq: int
    at: float
    reading: MetricsReading
    low_stock: list[LowStockRead] | None
    alerts: list[Alert]


class ChartPoint(msgspec.Struct, frozen=True, array_like=True):
    """One point of the 15-minute charts: time, then per service rps, p95 (ms), 5xx %."""

    at: float
    series: dict[str, tuple[float | None, float | None, float | None]]


# --- what the clients read from inventory and orders (docs/API.md) ---------------------


class StockLevelRead(msgspec.Struct, frozen=True):
    warehouse: str
    on_hand: int
    reserved: int
    available: int
    reorder_point: int = 0
    safety_stock: int = 0


class ProductSummary(msgspec.Struct, frozen=True):
    sku: str
    name: str
    id: int | None = None
    brand: str = ""
    category: str = ""
    part_type: str = ""
    price_cents: int = 0
    currency: str = "USD"
    available: int = 0


class ProductPage(msgspec.Struct, frozen=True):
    items: list[ProductSummary]
    next_cursor: str | None = None


class ProductRead(msgspec.Struct, frozen=True):
    sku: str
    name: str
    brand: str = ""
    category: str = ""
    part_type: str = ""
    price_cents: int = 0
    currency: str = "USD"
    description: str = ""
    stock: list[StockLevelRead] = []


class MovementRead(msgspec.Struct, frozen=True):
    sku: str
    warehouse: str
    kind: str
    on_hand_delta: int
    reserved_delta: int
    created_at: str
    id: Any = None
    reason: str | None = None
    actor: str | None = None
    reference: str | None = None


class MovementPage(msgspec.Struct, frozen=True):
    items: list[MovementRead]
    next_cursor: str | None = None


class Warehouse(msgspec.Struct, frozen=True):
    code: str
    name: str = ""


class OrderSummary(msgspec.Struct, frozen=True):
    id: str
    status: str
    customer_name: str
    customer_email: str
    total_cents: int
    currency: str
    line_count: int
    created_at: str


class OrderPage(msgspec.Struct, frozen=True):
    items: list[OrderSummary]
    next_cursor: str | None = None


class Customer(msgspec.Struct, frozen=True):
    name: str
    email: str


class OrderLine(msgspec.Struct, frozen=True):
    sku: str
    quantity: int
    unit_price_cents: int
    line_total_cents: int
    name: str = ""


class OrderRead(msgspec.Struct, frozen=True):
    id: str
    status: str
    customer: Customer
    lines: list[OrderLine]
    total_cents: int
    currency: str
    created_at: str
    allowed_transitions: list[str] = []
    shipping_address: dict[str, Any] = {}
    updated_at: str | None = None
    tracking_token: str | None = None


class HistoryRead(msgspec.Struct, frozen=True):
    to_status: str
    at: str
    from_status: str | None = None
    actor: str | None = None
    reason: str | None = None
