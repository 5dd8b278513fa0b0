"""Stock levels, the movement ledger, restocks, adjustments and the low-stock list.

Every change of `stock_level` appends a `stock_movement` row in the same transaction, so the
ledger's sums per product and warehouse always equal the current levels.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from inventory_svc.metrics import LOW_STOCK_ITEMS, STOCK_MOVEMENTS
from inventory_svc.product_cache import ProductCache
from inventory_svc.schemas import (
    AdjustmentCreate,
    LowStockRead,
    MovementPage,
    MovementRead,
    RestockCreate,
    StockLevelRead,
)
from inventory_svc.services._catalog import get_availability, invalidate_products
from inventory_svc.services._cursor import INT64_MAX, BigId, decode_cursor, encode_cursor
from inventory_svc.services._errors import BelowReserved, InvalidInput, UnknownSku, UnknownWarehouse
from inventory_svc.services._sql import connection, transaction

# One row per movement: (product, warehouse, kind, on_hand_delta, reserved_delta, reason, actor, reference)
Movement = tuple[int, int, str, int, int, str, str, str]

_INSERT_MOVEMENTS = """
INSERT INTO stock_movement (product, warehouse, kind, on_hand_delta, reserved_delta, reason, actor, reference,
                            created_at)
SELECT m.product, m.warehouse, m.kind, m.on_hand_delta, m.reserved_delta, m.reason, m.actor, m.reference,
       now()
FROM unnest($1::int[], $2::int[], $3::text[], $4::int[], $5::int[], $6::text[], $7::text[], $8::text[])
     AS m(product, warehouse, kind, on_hand_delta, reserved_delta, reason, actor, reference)
"""


async def append_movements(conn: asyncpg.Connection, movements: Sequence[Movement]) -> None:
    """Append ledger rows in one statement; call inside the transaction that changed the levels."""
    if movements:
        await conn.execute(_INSERT_MOVEMENTS, *(list(column) for column in zip(*movements, strict=True)))


def count_movements(movements: Sequence[Movement]) -> None:
    """Count committed movements by kind (after the transaction, so rollbacks are not counted)."""
    kinds: dict[str, int] = {}
    for movement in movements:
        kinds[movement[2]] = kinds.get(movement[2], 0) + 1
    for kind, count in kinds.items():
        STOCK_MOVEMENTS.labels(kind=kind).inc(count)


async def _product_and_warehouse(conn: asyncpg.Connection, sku: str, warehouse: str) -> tuple[int, int]:
    row = await conn.fetchrow(
        "SELECT (SELECT id FROM product WHERE sku = $1) AS product, "
        "(SELECT id FROM warehouse WHERE code = $2) AS w",
        sku,
        warehouse,
    )
    if row["product"] is None:
        raise UnknownSku([sku])
    if row["w"] is None:
        raise UnknownWarehouse(warehouse)
    return row["product"], row["w"]


async def stock_levels(sku: str) -> list[StockLevelRead]:
    """Live stock of `sku` per warehouse, or raise UnknownSku."""
    return await get_availability(sku)


async def restock(sku: str, data: RestockCreate, *, cache: ProductCache | None) -> list[StockLevelRead]:
    """Add `quantity` units to on-hand in one warehouse, with a ledger row."""
    async with transaction() as conn:
        product, warehouse = await _product_and_warehouse(conn, sku, data.warehouse)
        await conn.execute(
            """INSERT INTO stock_level (product, warehouse, on_hand, reserved) VALUES ($1, $2, $3, 0)
               ON CONFLICT (product, warehouse)
               DO UPDATE SET on_hand = stock_level.on_hand + EXCLUDED.on_hand""",
            product,
            warehouse,
            data.quantity,
        )
        movements = [(product, warehouse, "restock", data.quantity, 0, data.reason, data.actor, "")]
        await append_movements(conn, movements)
    count_movements(movements)
    await invalidate_products(cache, {sku})
    return await get_availability(sku)


async def adjust(sku: str, data: AdjustmentCreate, *, cache: ProductCache | None) -> list[StockLevelRead]:
    """Correct on-hand by `delta` after a count; never below what is reserved, or raise BelowReserved."""
    if data.delta == 0:
        raise InvalidInput("delta", "must not be 0")
    async with transaction() as conn:
        product, warehouse = await _product_and_warehouse(conn, sku, data.warehouse)
        # The condition sits in the UPDATE itself: a concurrent reservation cannot slip between.
        updated = await conn.fetchval(
            """UPDATE stock_level SET on_hand = on_hand + $3
               WHERE product = $1 AND warehouse = $2 AND on_hand + $3 >= reserved RETURNING id""",
            product,
            warehouse,
            data.delta,
        )
        if updated is None:
            row = await conn.fetchrow(
                "SELECT on_hand, reserved FROM stock_level WHERE product = $1 AND warehouse = $2",
                product,
                warehouse,
            )
            on_hand, reserved = (row["on_hand"], row["reserved"]) if row else (0, 0)
            if row is not None or data.delta < 0:
                raise BelowReserved(
                    sku, warehouse=data.warehouse, on_hand=on_hand, reserved=reserved, delta=data.delta
                )
            await conn.execute(
                "INSERT INTO stock_level (product, warehouse, on_hand, reserved) VALUES ($1, $2, $3, 0)",
                product,
                warehouse,
                data.delta,
            )
        movements = [(product, warehouse, "adjustment", data.delta, 0, data.reason, data.actor, "")]
        await append_movements(conn, movements)
    count_movements(movements)
    await invalidate_products(cache, {sku})
    return await get_availability(sku)


async def list_movements(sku: str, *, limit: int, cursor: str | None) -> MovementPage:
    """The ledger of `sku`, newest first, with keyset pagination on id."""
    args: list[Any] = [sku, limit + 1]
    after = ""
    if cursor:
        _, after_id = decode_cursor(cursor, sort="movements", key_type=BigId, id_max=INT64_MAX)
        args.append(after_id)
        after = "AND m.id < $3"
    async with connection() as conn:
        product = await conn.fetchval("SELECT id FROM product WHERE sku = $1", sku)
        if product is None:
            raise UnknownSku([sku])
        rows = await conn.fetch(
            f"""SELECT m.id, p.sku, w.code AS warehouse, m.kind, m.on_hand_delta, m.reserved_delta, m.reason,
                       m.actor, m.reference, m.created_at
                FROM stock_movement m JOIN product p ON p.id = m.product
                JOIN warehouse w ON w.id = m.warehouse
                WHERE p.sku = $1 {after} ORDER BY m.id DESC LIMIT $2""",
            *args,
        )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor("movements", rows[-1]["id"], rows[-1]["id"])
    return MovementPage(items=[MovementRead(**dict(row)) for row in rows], next_cursor=next_cursor)


async def low_stock(*, limit: int) -> list[LowStockRead]:
    """Stock rows whose available units are at or below their reorder point, most urgent first."""
    async with connection() as conn:
        rows = await conn.fetch(
            """SELECT p.sku, p.name, w.code AS warehouse, s.on_hand - s.reserved AS available,
                      s.reorder_point, s.safety_stock
               FROM stock_level s JOIN product p ON p.id = s.product JOIN warehouse w ON w.id = s.warehouse
               WHERE s.on_hand - s.reserved <= s.reorder_point
               ORDER BY s.on_hand - s.reserved - s.reorder_point, p.sku, w.priority LIMIT $1""",
            limit,
        )
    return [LowStockRead(**dict(row)) for row in rows]


async def refresh_low_stock_gauge() -> int:
    """Count low-stock rows into `inventory_low_stock_items`; return the count."""
    async with connection() as conn:
        count = await conn.fetchval(
            "SELECT count(*) FROM stock_level WHERE on_hand - reserved <= reorder_point"
        )
    LOW_STOCK_ITEMS.set(count)
    return int(count)
