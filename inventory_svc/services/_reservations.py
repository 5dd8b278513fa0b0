"""Reservations: hold all lines of an order or none, then commit (ship) or release them.

Race safety lives in PostgreSQL. A reservation locks the stock rows it needs with
`SELECT ... FOR UPDATE`, always in one global order (product id, then warehouse priority),
so concurrent reservations queue instead of overselling and can never deadlock; the CHECK
`0 <= reserved <= on_hand` backs this up. Every lock path takes the reservation row first
and stock rows second. `order_id` is a unique key, so a replayed request finds the first
one's reservation instead of holding stock twice.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from uuid import UUID

import asyncpg
from loguru import logger

from inventory_svc.metrics import RESERVATIONS
from inventory_svc.product_cache import ProductCache
from inventory_svc.schemas import ReservationCreate, ReservationLineRead, ReservationRead
from inventory_svc.services._catalog import invalidate_products
from inventory_svc.services._errors import (
    OrderIdReused,
    OutOfStock,
    ReservationCommitted,
    ReservationNotFound,
    ReservationNotHeld,
    UnknownSku,
)
from inventory_svc.services._sql import transaction
from inventory_svc.services._stock import Movement, append_movements, count_movements, refresh_low_stock_gauge

_LOCK_STOCK = """
SELECT s.id, s.product, s.warehouse, w.code, s.on_hand - s.reserved AS available,
       p.sku, p.name, p.price_cents, p.currency
FROM stock_level s JOIN warehouse w ON w.id = s.warehouse JOIN product p ON p.id = s.product
WHERE p.sku = ANY($1::text[])
ORDER BY s.product, w.priority, w.id
FOR UPDATE OF s
"""

_RESERVE_WRITES = """
WITH v AS (
  SELECT * FROM unnest($2::int[], $3::int[], $4::int[], $5::int[], $6::text[], $7::text[], $8::int[],
                       $9::text[]) AS v(stock, product, warehouse, quantity, sku, name, price_cents, currency)
), levels AS (
  UPDATE stock_level s SET reserved = s.reserved + v.quantity FROM v WHERE s.id = v.stock
), ledger AS (
  INSERT INTO stock_movement (product, warehouse, kind, on_hand_delta, reserved_delta, reason, actor,
                              reference, created_at)
  SELECT product, warehouse, 'reservation', 0, quantity, 'reserved for order', 'inventory', $10, now()
  FROM v
)
INSERT INTO reservation_line (reservation, product, warehouse, sku, name, quantity, unit_price_cents,
                              currency)
SELECT $1, product, warehouse, sku, name, quantity, price_cents, currency FROM v
"""

_LINES = """
SELECT r.order_id, l.product, l.warehouse, l.sku, w.code AS warehouse_code, l.quantity, l.unit_price_cents,
       l.currency, l.name
FROM reservation_line l JOIN reservation r ON r.id = l.reservation JOIN warehouse w ON w.id = l.warehouse
WHERE l.reservation = ANY($1::int[])
ORDER BY l.reservation, l.id
"""


def _read(row: asyncpg.Record, lines: list[asyncpg.Record]) -> ReservationRead:
    return ReservationRead(
        order_id=row["order_id"],
        status=row["status"],
        expires_at=row["expires_at"],
        created_at=row["created_at"],
        lines=[
            ReservationLineRead(
                sku=line["sku"],
                warehouse=line["warehouse_code"],
                quantity=line["quantity"],
                unit_price_cents=line["unit_price_cents"],
                currency=line["currency"],
                name=line["name"],
            )
            for line in lines
        ],
    )


async def _load(
    conn: asyncpg.Connection, order_id: UUID, *, lock: bool
) -> tuple[asyncpg.Record, list[asyncpg.Record]]:
    row = await conn.fetchrow(
        "SELECT id, order_id, status, expires_at, created_at, expires_at <= now() AS is_expired "
        f"FROM reservation WHERE order_id = $1 {'FOR UPDATE' if lock else ''}",
        order_id,
    )
    if row is None:
        raise ReservationNotFound(order_id)
    return row, await conn.fetch(_LINES, [row["id"]])


def allocate(
    requested: dict[int, int], stock: list[asyncpg.Record]
) -> tuple[list[tuple[asyncpg.Record, int]], dict[int, int]]:
    """Choose warehouses for each product: (stock row, quantity) pairs, and the shortfall per product.

    Deterministic: the first warehouse (by priority) that can fill a whole line gets it; when
    none can, the line is split across warehouses in priority order.
    """
    by_product: dict[int, list[asyncpg.Record]] = defaultdict(list)
    for row in stock:
        by_product[row["product"]].append(row)
    picks: list[tuple[asyncpg.Record, int]] = []
    short: dict[int, int] = {}
    for product, quantity in requested.items():
        rows = by_product.get(product, [])
        whole = next((row for row in rows if row["available"] >= quantity), None)
        if whole is not None:
            picks.append((whole, quantity))
            continue
        remaining = quantity
        for row in rows:
            take = min(remaining, row["available"])
            if take > 0:
                picks.append((row, take))
                remaining -= take
        if remaining:
            short[product] = quantity - remaining
    return picks, short


async def reserve(
    data: ReservationCreate, *, default_ttl_s: int, cache: ProductCache | None
) -> tuple[ReservationRead, bool]:
    """Hold every line of the order or none; return (reservation, created).

    Replaying an order id returns the existing reservation with created=False; different
    lines under the same order id raise OrderIdReused.
    """
    requested_by_sku: dict[str, int] = {}
    for line in data.lines:
        requested_by_sku[line.sku] = requested_by_sku.get(line.sku, 0) + line.quantity
    ttl_s = data.ttl_s or default_ttl_s
    try:
        async with transaction() as conn:
            created = await conn.fetchrow(
                """INSERT INTO reservation (order_id, status, expires_at, created_at, updated_at)
                   VALUES ($1, 'held', now() + make_interval(secs => $2), now(), now())
                   ON CONFLICT (order_id) DO NOTHING
                   RETURNING id, order_id, status, expires_at, created_at""",
                data.order_id,
                float(ttl_s),
            )
            if created is None:
                row, lines = await _load(conn, data.order_id, lock=False)
                held: dict[str, int] = {}
                for line in lines:
                    held[line["sku"]] = held.get(line["sku"], 0) + line["quantity"]
                if held != requested_by_sku:
                    raise OrderIdReused(data.order_id)
                RESERVATIONS.labels(result="replayed").inc()
                return _read(row, lines), False

            # One round trip locks the stock rows and reads the price snapshot with them.
            stock = await conn.fetch(_LOCK_STOCK, list(requested_by_sku))
            by_id = {row["product"]: row for row in stock}
            by_sku = {row["sku"]: row for row in stock}
            missing = [sku for sku in requested_by_sku if sku not in by_sku]
            if missing:
                # A product without stock rows exists but has nothing to give.
                known = await conn.fetch("SELECT sku FROM product WHERE sku = ANY($1::text[])", missing)
                unknown = [sku for sku in missing if sku not in {row["sku"] for row in known}]
                if unknown:
                    raise UnknownSku(unknown)
                RESERVATIONS.labels(result="out_of_stock").inc()
                raise OutOfStock(
                    [{"sku": sku, "requested": requested_by_sku[sku], "available": 0} for sku in missing]
                )
            requested = {by_sku[sku]["product"]: quantity for sku, quantity in requested_by_sku.items()}
            picks, short = allocate(requested, stock)
            if short:
                RESERVATIONS.labels(result="out_of_stock").inc()
                raise OutOfStock(
                    [
                        {"sku": by_id[p]["sku"], "requested": requested[p], "available": available}
                        for p, available in short.items()
                    ]
                )
            reference = str(data.order_id)
            movements: list[Movement] = [
                (
                    row["product"],
                    row["warehouse"],
                    "reservation",
                    0,
                    qty,
                    "reserved for order",
                    "inventory",
                    reference,
                )
                for row, qty in picks
            ]
            # Levels, ledger and lines in one statement: fewer round trips while the locks are held.
            await conn.execute(
                _RESERVE_WRITES,
                created["id"],
                [row["id"] for row, _ in picks],
                [row["product"] for row, _ in picks],
                [row["warehouse"] for row, _ in picks],
                [qty for _, qty in picks],
                [row["sku"] for row, _ in picks],
                [row["name"] for row, _ in picks],
                [row["price_cents"] for row, _ in picks],
                [row["currency"] for row, _ in picks],
                reference,
            )
    except asyncpg.CheckViolationError:  # pragma: no cover - the row locks make this unreachable
        RESERVATIONS.labels(result="out_of_stock").inc()
        raise
    count_movements(movements)
    RESERVATIONS.labels(result="reserved").inc()
    await invalidate_products(cache, set(requested_by_sku))
    read = ReservationRead(
        order_id=created["order_id"],
        status="held",
        expires_at=created["expires_at"],
        created_at=created["created_at"],
        lines=[
            ReservationLineRead(
                sku=row["sku"],
                warehouse=row["code"],
                quantity=quantity,
                unit_price_cents=row["price_cents"],
                currency=row["currency"],
                name=row["name"],
            )
            for row, quantity in picks
        ],
    )
    return read, True


async def get_reservation(order_id: UUID) -> ReservationRead:
    """Read the reservation of `order_id`, or raise ReservationNotFound."""
    async with transaction() as conn:
        row, lines = await _load(conn, order_id, lock=False)
    return _read(row, lines)


async def _settle(
    conn: asyncpg.Connection, lines: list[asyncpg.Record], *, kind: str, reason: str
) -> list[Movement]:
    """Take the held units of `lines` off `reserved` (and off `on_hand` for a shipment)."""
    totals: dict[tuple[int, int], int] = defaultdict(int)
    references: dict[tuple[int, int, str], int] = defaultdict(int)
    for line in lines:
        totals[line["product"], line["warehouse"]] += line["quantity"]
        references[line["product"], line["warehouse"], str(line["order_id"])] += line["quantity"]
    # Same global lock order as reserve(): product, then warehouse priority.
    await conn.fetch(
        """SELECT s.id FROM stock_level s JOIN warehouse w ON w.id = s.warehouse
           JOIN unnest($1::int[], $2::int[]) AS v(product, warehouse)
             ON s.product = v.product AND s.warehouse = v.warehouse
           ORDER BY s.product, w.priority, w.id FOR UPDATE OF s""",
        [key[0] for key in totals],
        [key[1] for key in totals],
    )
    shipped = 1 if kind == "shipment" else 0
    await conn.execute(
        """UPDATE stock_level s SET reserved = s.reserved - v.quantity, on_hand = s.on_hand - v.quantity * $4
           FROM unnest($1::int[], $2::int[], $3::int[]) AS v(product, warehouse, quantity)
           WHERE s.product = v.product AND s.warehouse = v.warehouse""",
        [key[0] for key in totals],
        [key[1] for key in totals],
        list(totals.values()),
        shipped,
    )
    movements: list[Movement] = [
        (product, warehouse, kind, -quantity * shipped, -quantity, reason, "inventory", reference)
        for (product, warehouse, reference), quantity in references.items()
    ]
    await append_movements(conn, movements)
    return movements


async def commit_reservation(order_id: UUID, *, cache: ProductCache | None) -> ReservationRead:
    """Ship a held reservation: on-hand and reserved both drop. Committing twice is a no-op."""
    async with transaction() as conn:
        row, lines = await _load(conn, order_id, lock=True)
        if row["status"] == "committed":
            return _read(row, lines)
        if row["status"] != "held":
            raise ReservationNotHeld(order_id, row["status"])
        if row["is_expired"]:
            raise ReservationNotHeld(order_id, "expired")
        movements = await _settle(conn, lines, kind="shipment", reason="shipped for order")
        row = await conn.fetchrow(
            """UPDATE reservation SET status = 'committed', updated_at = now() WHERE id = $1
               RETURNING id, order_id, status, expires_at, created_at""",
            row["id"],
        )
    count_movements(movements)
    RESERVATIONS.labels(result="committed").inc()
    await invalidate_products(cache, {line["sku"] for line in lines})
    return _read(row, lines)


async def release_reservation(order_id: UUID, *, cache: ProductCache | None) -> ReservationRead:
    """Give held stock back. Releasing twice changes stock once; a committed one is a conflict."""
    async with transaction() as conn:
        row, lines = await _load(conn, order_id, lock=True)
        if row["status"] in ("released", "expired"):
            return _read(row, lines)
        if row["status"] == "committed":
            raise ReservationCommitted(order_id)
        movements = await _settle(conn, lines, kind="release", reason="released for order")
        row = await conn.fetchrow(
            """UPDATE reservation SET status = 'released', updated_at = now() WHERE id = $1
               RETURNING id, order_id, status, expires_at, created_at""",
            row["id"],
        )
    count_movements(movements)
    RESERVATIONS.labels(result="released").inc()
    await invalidate_products(cache, {line["sku"] for line in lines})
    return _read(row, lines)


async def sweep_expired(*, batch: int, cache: ProductCache | None) -> int:
    """Expire up to `batch` held reservations past their TTL; return how many.

    SKIP LOCKED lets several replicas sweep at once and never waits on a reservation that a
    request is committing or releasing right now.
    """
    async with transaction() as conn:
        rows = await conn.fetch(
            """SELECT id FROM reservation WHERE status = 'held' AND expires_at <= now()
               ORDER BY expires_at, id LIMIT $1 FOR UPDATE SKIP LOCKED""",
            batch,
        )
        if not rows:
            return 0
        ids = [row["id"] for row in rows]
        lines = await conn.fetch(_LINES, ids)
        movements = await _settle(conn, lines, kind="expiry", reason="reservation expired")
        await conn.execute(
            "UPDATE reservation SET status = 'expired', updated_at = now() WHERE id = ANY($1::int[])", ids
        )
    count_movements(movements)
    RESERVATIONS.labels(result="expired").inc(len(ids))
    await invalidate_products(cache, {line["sku"] for line in lines})
    return len(ids)


async def run_sweeper(
    *, interval_s: float, batch: int, cache: ProductCache | None, max_rounds: int = 20
) -> None:
    """Forever: expire overdue reservations (at most `max_rounds` batches per tick), refresh the gauge."""
    while True:
        try:
            for _ in range(max_rounds):
                if await sweep_expired(batch=batch, cache=cache) < batch:
                    break
            await refresh_low_stock_gauge()
        except (OSError, asyncpg.PostgresError) as exc:
            logger.bind(error=type(exc).__name__).warning("reservation sweep failed; retrying next tick")
        except Exception as exc:
            # A bug must not stop expiry for good: log it with its traceback and try again.
            logger.opt(exception=exc).error("reservation sweep crashed; retrying next tick")
        await asyncio.sleep(interval_s)
