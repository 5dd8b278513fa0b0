"""Piccolo tables of the inventory database.

Constraints Piccolo cannot express (CHECKs, composite unique keys, the full-text column,
GIN and trigram indexes) are added by the raw-SQL migration that follows the generated one.
"""

from __future__ import annotations

from piccolo.columns import (
    JSONB,
    UUID,
    Array,
    BigSerial,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from inventory_svc.db import DB


class Warehouse(Table, db=DB):
    code = Varchar(length=16, unique=True, help_text="Short stable code, e.g. EAST.")
    name = Varchar(length=100, help_text="Human name of the distribution centre.")
    priority = Integer(default=0, help_text="Allocation order: lower is used first.")


class Product(Table, db=DB):
    sku = Varchar(length=32, unique=True, help_text="Our stock-keeping unit, upper case.")
    name = Varchar(length=200, help_text="Display name.")
    brand = Varchar(length=60, index=True, help_text="Manufacturer brand.")
    category = Varchar(length=40, help_text="Taxonomy category, e.g. Brakes.")
    part_type = Varchar(length=60, help_text="Part type within the category, e.g. Brake Pads.")
    price_cents = Integer(help_text="Unit price in minor units of `currency`.")
    currency = Varchar(length=3, default="USD", help_text="ISO 4217 code.")
    description = Text(default="", help_text="Long description.")
    oem_numbers = Array(base_column=Varchar(length=40), help_text="OEM part numbers as printed.")
    interchange_numbers = Array(base_column=Varchar(length=40), help_text="Aftermarket equivalents.")
    part_numbers = Array(
        base_column=Varchar(length=40),
        help_text="SKU, OEM and interchange numbers normalised (upper case, no spaces or dashes).",
    )
    attributes = JSONB(default="{}", help_text="Free-form string attributes: position, weight_kg, ...")
    created_at = Timestamptz(help_text="When the product was created.")
    updated_at = Timestamptz(help_text="Last change of the product itself (not its stock).")


class Fitment(Table, db=DB):
    product = ForeignKey(references=Product, null=False, on_delete=OnDelete.cascade, help_text="The part.")
    make = Varchar(length=40, help_text="Vehicle make, upper case.")
    model = Varchar(length=60, help_text="Vehicle model, upper case.")
    year_from = Integer(help_text="First model year that fits.")
    year_to = Integer(help_text="Last model year that fits (inclusive).")
    engine = Varchar(length=60, null=True, default=None, help_text="Engine, when fitment depends on it.")
    submodel = Varchar(length=60, null=True, default=None, help_text="Trim/submodel, when it matters.")


class Vehicle(Table, db=DB):
    year = Integer(help_text="Model year.")
    make = Varchar(length=40, help_text="Make, upper case.")
    model = Varchar(length=60, help_text="Model, upper case.")


class StockLevel(Table, db=DB):
    product = ForeignKey(references=Product, null=False, on_delete=OnDelete.cascade, help_text="The part.")
    warehouse = ForeignKey(
        references=Warehouse, null=False, on_delete=OnDelete.restrict, help_text="Where it is."
    )
    on_hand = Integer(default=0, help_text="Units physically in the warehouse.")
    reserved = Integer(default=0, help_text="Units held for orders; 0 <= reserved <= on_hand.")
    reorder_point = Integer(default=5, help_text="Available at or below this is low stock.")
    safety_stock = Integer(default=2, help_text="Buffer planners keep for demand spikes.")


class StockMovement(Table, db=DB):
    id = BigSerial(primary_key=True)
    product = ForeignKey(references=Product, null=False, on_delete=OnDelete.cascade, help_text="The part.")
    warehouse = ForeignKey(references=Warehouse, null=False, on_delete=OnDelete.restrict, help_text="Where.")
    kind = Varchar(length=16, help_text="seed, restock, adjustment, reservation, release, expiry, shipment.")
    on_hand_delta = Integer(help_text="Change of on_hand.")
    reserved_delta = Integer(help_text="Change of reserved.")
    reason = Text(default="", help_text="Why, in words.")
    actor = Varchar(length=100, default="", help_text="Who or what made the change.")
    reference = Varchar(length=64, default="", help_text="Order id for reservation movements.")
    created_at = Timestamptz(help_text="When the movement happened.")


class Reservation(Table, db=DB):
    order_id = UUID(unique=True, help_text="The order this holds stock for: the idempotency key.")
    status = Varchar(length=16, default="held", help_text="held, committed, released or expired.")
    expires_at = Timestamptz(help_text="A held reservation is released by the sweeper after this.")
    created_at = Timestamptz(help_text="When it was made.")
    updated_at = Timestamptz(help_text="Last status change.")


class ReservationLine(Table, db=DB):
    reservation = ForeignKey(
        references=Reservation, null=False, on_delete=OnDelete.cascade, help_text="Parent."
    )
    product = ForeignKey(references=Product, null=False, on_delete=OnDelete.restrict, help_text="The part.")
    warehouse = ForeignKey(
        references=Warehouse, null=False, on_delete=OnDelete.restrict, help_text="Allocated from."
    )
    sku = Varchar(length=32, help_text="SKU snapshot.")
    name = Varchar(length=200, help_text="Product name snapshot.")
    quantity = Integer(help_text="Units held in this warehouse.")
    unit_price_cents = Integer(help_text="Price snapshot at reservation time.")
    currency = Varchar(length=3, help_text="Currency of the price snapshot.")
