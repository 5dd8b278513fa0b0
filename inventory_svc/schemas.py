"""Wire types of the inventory API (docs/API.md): `XRead` out, `XCreate`/`XPatch` in."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import UNSET, Meta, UnsetType

# Limits of one reservation; orders enforces the same ones on its own input.
MAX_LINES = 50
MAX_LINE_QUANTITY = 99

# PostgreSQL text cannot hold U+0000: refuse it at the edge, where the error can name the field.
NO_NUL = Meta(pattern=r"^[^\x00]*$")

Sku = Annotated[str, Meta(pattern=r"^[A-Z0-9][A-Z0-9-]{2,31}$", description="Upper case, digits, dashes.")]
Cents = Annotated[int, Meta(ge=0, le=100_000_000)]
Currency = Annotated[str, Meta(pattern=r"^[A-Z]{3}$")]
Name = Annotated[str, NO_NUL, Meta(min_length=1, max_length=200)]
Label = Annotated[str, NO_NUL, Meta(min_length=1, max_length=60)]
PartNumber = Annotated[str, NO_NUL, Meta(min_length=1, max_length=40)]
Year = Annotated[int, Meta(ge=1900, le=2100)]
WarehouseCode = Annotated[str, NO_NUL, Meta(min_length=1, max_length=16)]
Reason = Annotated[str, NO_NUL, Meta(min_length=1, max_length=500)]
Actor = Annotated[str, NO_NUL, Meta(min_length=1, max_length=100)]
LineQuantity = Annotated[int, Meta(ge=1, le=MAX_LINE_QUANTITY)]
StockQuantity = Annotated[int, Meta(ge=1, le=1_000_000)]
StockDelta = Annotated[int, Meta(ge=-1_000_000, le=1_000_000)]
Description = Annotated[str, NO_NUL, Meta(max_length=4000)]
Attributes = Annotated[
    dict[Annotated[str, NO_NUL, Meta(max_length=40)], Annotated[str, NO_NUL, Meta(max_length=200)]],
    Meta(max_length=30),
]

ReservationStatus = Literal["held", "committed", "released", "expired"]
MovementKind = Literal["seed", "restock", "adjustment", "reservation", "release", "expiry", "shipment"]


class Input(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Base of request bodies: unknown fields are an error, not silently dropped."""


class StockLevelRead(msgspec.Struct, frozen=True):
    warehouse: str
    on_hand: int
    reserved: int
    available: int
    reorder_point: int
    safety_stock: int


class FitmentRead(msgspec.Struct, frozen=True):
    make: str
    model: str
    year_from: int
    year_to: int
    engine: str | None = None
    submodel: str | None = None


class ProductSummary(msgspec.Struct, frozen=True):
    id: int
    sku: str
    name: str
    brand: str
    category: str
    part_type: str
    price_cents: int
    currency: str
    available: int


class ProductRead(msgspec.Struct, frozen=True):
    id: int
    sku: str
    name: str
    brand: str
    category: str
    part_type: str
    price_cents: int
    currency: str
    available: int
    description: str
    oem_numbers: list[str]
    interchange_numbers: list[str]
    attributes: dict[str, str]
    fitments: list[FitmentRead]
    stock: list[StockLevelRead]


class ProductPage(msgspec.Struct, frozen=True):
    items: list[ProductSummary]
    next_cursor: str | None


class ProductBatch(msgspec.Struct, frozen=True):
    items: list[ProductSummary]
    missing: list[str]


class FitsRead(msgspec.Struct, frozen=True):
    fits: bool


class FitmentCreate(Input):
    make: Label
    model: Label
    year_from: Year
    year_to: Year
    engine: Label | None = None
    submodel: Label | None = None


class ProductCreate(Input):
    sku: Sku
    name: Name
    brand: Label
    category: Label
    part_type: Label
    price_cents: Cents
    currency: Currency = "USD"
    description: Description = ""
    oem_numbers: Annotated[list[PartNumber], Meta(max_length=50)] = []
    interchange_numbers: Annotated[list[PartNumber], Meta(max_length=50)] = []
    attributes: Attributes = {}
    fitments: Annotated[list[FitmentCreate], Meta(max_length=500)] = []
    reorder_point: Annotated[int, Meta(ge=0, le=1_000_000)] = 5
    safety_stock: Annotated[int, Meta(ge=0, le=1_000_000)] = 2


class ProductPatch(Input):
    name: Name | UnsetType = UNSET
    brand: Label | UnsetType = UNSET
    category: Label | UnsetType = UNSET
    part_type: Label | UnsetType = UNSET
    price_cents: Cents | UnsetType = UNSET
    currency: Currency | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    oem_numbers: Annotated[list[PartNumber], Meta(max_length=50)] | UnsetType = UNSET
    interchange_numbers: Annotated[list[PartNumber], Meta(max_length=50)] | UnsetType = UNSET
    attributes: Attributes | UnsetType = UNSET


class CategoryRead(msgspec.Struct, frozen=True):
    name: str
    part_types: list[str]


class WarehouseRead(msgspec.Struct, frozen=True):
    code: str
    name: str


class LowStockRead(msgspec.Struct, frozen=True):
    sku: str
    name: str
    warehouse: str
    available: int
    reorder_point: int
    safety_stock: int


class RestockCreate(Input):
    warehouse: WarehouseCode
    quantity: StockQuantity
    reason: Reason
    actor: Actor


class AdjustmentCreate(Input):
    warehouse: WarehouseCode
    # Must not be 0; checked by the service, which names the field in its answer.
    delta: StockDelta
    reason: Reason
    actor: Actor


class MovementRead(msgspec.Struct, frozen=True):
    id: int
    sku: str
    warehouse: str
    kind: MovementKind
    on_hand_delta: int
    reserved_delta: int
    reason: str
    actor: str
    reference: str
    created_at: datetime


class MovementPage(msgspec.Struct, frozen=True):
    items: list[MovementRead]
    next_cursor: str | None


class ReservationLineCreate(Input):
    sku: Sku
    quantity: LineQuantity


class ReservationCreate(Input):
    order_id: UUID
    lines: Annotated[list[ReservationLineCreate], Meta(min_length=1, max_length=MAX_LINES)]
    ttl_s: Annotated[int, Meta(ge=1, le=86_400)] | None = None


class ReservationLineRead(msgspec.Struct, frozen=True):
    sku: str
    warehouse: str
    quantity: int
    unit_price_cents: int
    currency: str
    name: str


class ReservationRead(msgspec.Struct, frozen=True):
    order_id: UUID
    status: ReservationStatus
    expires_at: datetime
    created_at: datetime
    lines: list[ReservationLineRead]
