"""Catalog reads and writes: search, detail (cached), facets, vehicle pickers."""

from __future__ import annotations

import re
from typing import Any, Literal

import asyncpg
import msgspec

from inventory_svc.product_cache import Generation, ProductCache
from inventory_svc.schemas import (
    CategoryRead,
    FitmentCreate,
    ProductBatch,
    ProductCreate,
    ProductPage,
    ProductPatch,
    ProductRead,
    ProductSummary,
    StockLevelRead,
    WarehouseRead,
)
from inventory_svc.services._cursor import decode_cursor, encode_cursor
from inventory_svc.services._errors import InvalidInput, SkuExists, UnknownSku
from inventory_svc.services._sql import connection, transaction

Sort = Literal["relevance", "name", "price", "-price", "sku"]

_PRODUCT_ENCODER = msgspec.json.Encoder()
_PART_NUMBER_NOISE = re.compile(r"[\s\-./_]+")

# Sum over warehouses; a correlated sub-select is one index lookup per returned row.
_AVAILABLE = (
    "COALESCE((SELECT sum(s.on_hand - s.reserved) FROM stock_level s WHERE s.product = p.id), 0)::int"
)
_SUMMARY_COLUMNS = (
    "p.id, p.sku, p.name, p.brand, p.category, p.part_type, p.price_cents, p.currency, "
    f"{_AVAILABLE} AS available"
)

# The whole ProductRead in one round trip, built by PostgreSQL as JSON text.
_DETAIL_SQL = f"""
SELECT json_build_object(
  'id', p.id, 'sku', p.sku, 'name', p.name, 'brand', p.brand, 'category', p.category,
  'part_type', p.part_type, 'price_cents', p.price_cents, 'currency', p.currency,
  'available', {_AVAILABLE},
  'description', p.description, 'oem_numbers', p.oem_numbers,
  'interchange_numbers', p.interchange_numbers, 'attributes', p.attributes,
  'fitments', COALESCE((
    SELECT json_agg(json_build_object('make', f.make, 'model', f.model, 'year_from', f.year_from,
                                      'year_to', f.year_to, 'engine', f.engine, 'submodel', f.submodel)
                    ORDER BY f.make, f.model, f.year_from, f.id)
    FROM fitment f WHERE f.product = p.id), '[]'::json),
  'stock', COALESCE((
    SELECT json_agg(json_build_object('warehouse', w.code, 'on_hand', s.on_hand, 'reserved', s.reserved,
                                      'available', s.on_hand - s.reserved, 'reorder_point', s.reorder_point,
                                      'safety_stock', s.safety_stock)
                    ORDER BY w.priority, w.id)
    FROM stock_level s JOIN warehouse w ON w.id = s.warehouse WHERE s.product = p.id), '[]'::json)
)::text
FROM product p WHERE p.sku = $1
"""

_STOCK_SQL = """
SELECT w.code AS warehouse, s.on_hand, s.reserved, s.on_hand - s.reserved AS available,
       s.reorder_point, s.safety_stock
FROM stock_level s JOIN warehouse w ON w.id = s.warehouse JOIN product p ON p.id = s.product
WHERE p.sku = $1 ORDER BY w.priority, w.id
"""

# sort name -> (SQL expression of the key, direction, Python type of the key in the cursor)
_SORTS: dict[str, tuple[str, str, type]] = {
    "relevance": ("rank", "DESC", float),
    "name": ("p.name", "ASC", str),
    "price": ("p.price_cents", "ASC", int),
    "-price": ("p.price_cents", "DESC", int),
    "sku": ("p.sku", "ASC", str),
}


def normalise_part_number(value: str) -> str:
    """Return `value` upper case without spaces, dashes, dots or slashes: `bp-1234 a` → `BP1234A`."""
    return _PART_NUMBER_NOISE.sub("", value).upper()


async def invalidate_products(cache: ProductCache | None, skus: list[str] | set[str]) -> None:
    """Drop cached product details; call after the transaction that changed them committed."""
    if cache is not None:
        await cache.invalidate(skus)


def _summary(row: asyncpg.Record) -> ProductSummary:
    return ProductSummary(
        id=row["id"],
        sku=row["sku"],
        name=row["name"],
        brand=row["brand"],
        category=row["category"],
        part_type=row["part_type"],
        price_cents=row["price_cents"],
        currency=row["currency"],
        available=row["available"],
    )


class _Query:
    """Collects WHERE clauses and numbered asyncpg arguments."""

    def __init__(self) -> None:
        self.where: list[str] = []
        self.args: list[Any] = []

    def arg(self, value: Any) -> str:
        self.args.append(value)
        return f"${len(self.args)}"


async def search_products(
    *,
    q: str | None = None,
    part_number: str | None = None,
    category: str | None = None,
    part_type: str | None = None,
    brand: str | None = None,
    year: int | None = None,
    make: str | None = None,
    model: str | None = None,
    sort: Sort | None = None,
    limit: int = 24,
    cursor: str | None = None,
) -> ProductPage:
    """Search the catalog with keyset pagination on (sort key, id)."""
    query = _Query()
    q = (q or "").strip() or None
    sort = sort or ("relevance" if q else "name")
    if sort == "relevance" and not q:
        raise InvalidInput("sort", "relevance needs a search text q")
    rank = "0::float8"
    if q:
        text = query.arg(q)
        tsquery = f"websearch_to_tsquery('english', {text})"
        like = query.arg("%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        normalised = normalise_part_number(q)
        matches = [f"p.search @@ {tsquery}", f"p.name ILIKE {like}"]
        if normalised:
            matches.append(f"p.part_numbers @> ARRAY[{query.arg(normalised)}]::varchar[]")
        query.where.append("(" + " OR ".join(matches) + ")")
        rank = f"(ts_rank(p.search, {tsquery}) + similarity(p.name, {text}))::float8"
    if part_number:
        normalised = normalise_part_number(part_number)
        if not normalised:
            raise InvalidInput("part_number", "must contain letters or digits")
        query.where.append(f"p.part_numbers @> ARRAY[{query.arg(normalised)}]::varchar[]")
    for column, value in (("category", category), ("part_type", part_type), ("brand", brand)):
        if value:
            query.where.append(f"lower(p.{column}) = lower({query.arg(value.strip())})")
    vehicle: list[str] = []
    if make:
        vehicle.append(f"f.make = {query.arg(make.strip().upper())}")
    if model:
        vehicle.append(f"f.model = {query.arg(model.strip().upper())}")
    if year is not None:
        placeholder = query.arg(year)
        vehicle.append(f"f.year_from <= {placeholder} AND f.year_to >= {placeholder}")
    if vehicle:
        query.where.append(
            f"EXISTS (SELECT 1 FROM fitment f WHERE f.product = p.id AND {' AND '.join(vehicle)})"
        )

    key_sql, direction, key_type = _SORTS[sort]
    key_expr = rank if sort == "relevance" else key_sql
    if cursor:
        after_key, after_id = decode_cursor(cursor, sort=sort, key_type=key_type)
        op = ">" if direction == "ASC" else "<"
        cast = "::float8" if key_type is float else ""
        query.where.append(f"({key_expr}, p.id) {op} ({query.arg(after_key)}{cast}, {query.arg(after_id)})")
    where = " AND ".join(query.where) or "TRUE"
    sql = (
        f"SELECT {_SUMMARY_COLUMNS}, {key_expr} AS sort_key FROM product p WHERE {where} "
        f"ORDER BY {key_expr} {direction}, p.id {direction} LIMIT {query.arg(limit + 1)}"
    )
    async with connection() as conn:
        rows = await conn.fetch(sql, *query.args)
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(sort, rows[-1]["sort_key"], rows[-1]["id"])
    return ProductPage(items=[_summary(row) for row in rows], next_cursor=next_cursor)


async def get_products_by_sku(skus: list[str]) -> ProductBatch:
    """Look up many SKUs at once; unknown ones are listed in `missing`, in request order."""
    wanted = list(dict.fromkeys(skus))
    async with connection() as conn:
        rows = await conn.fetch(
            f"SELECT {_SUMMARY_COLUMNS} FROM product p WHERE p.sku = ANY($1::text[])", wanted
        )
    found = {row["sku"]: _summary(row) for row in rows}
    return ProductBatch(
        items=[found[sku] for sku in wanted if sku in found],
        missing=[sku for sku in wanted if sku not in found],
    )


async def get_product_json(sku: str, *, cache: ProductCache | None) -> bytes:
    """Return the ProductRead of `sku` as JSON bytes, from the cache when there, or raise UnknownSku."""
    generation: Generation = (0, 0, None)
    if cache is not None:
        cached = await cache.get(sku)
        if cached is not None:
            return cached
        generation = await cache.generation(sku)
    async with connection() as conn:
        text = await conn.fetchval(_DETAIL_SQL, sku)
    if text is None:
        raise UnknownSku([sku])
    # Decoding into the wire type checks the SQL's JSON against the contract before caching it.
    body = _PRODUCT_ENCODER.encode(msgspec.json.decode(text, type=ProductRead))
    if cache is not None:
        await cache.set(sku, body, generation=generation)
    return body


async def get_product(sku: str) -> ProductRead:
    """Read a product from the database (never the cache), or raise UnknownSku."""
    async with connection() as conn:
        text = await conn.fetchval(_DETAIL_SQL, sku)
    if text is None:
        raise UnknownSku([sku])
    return msgspec.json.decode(text, type=ProductRead)


async def get_availability(sku: str) -> list[StockLevelRead]:
    """Live stock of `sku` per warehouse, in allocation order."""
    async with connection() as conn:
        rows = await conn.fetch(_STOCK_SQL, sku)
        if not rows and await conn.fetchval("SELECT 1 FROM product WHERE sku = $1", sku) is None:
            raise UnknownSku([sku])
    return [StockLevelRead(**dict(row)) for row in rows]


async def product_fits(sku: str, *, year: int, make: str, model: str) -> bool:
    """Return whether `sku` fits the year/make/model vehicle, or raise UnknownSku."""
    async with connection() as conn:
        fits = await conn.fetchval(
            """SELECT EXISTS (SELECT 1 FROM fitment f WHERE f.product = p.id AND f.make = $2 AND f.model = $3
                                AND f.year_from <= $4 AND f.year_to >= $4)
               FROM product p WHERE p.sku = $1""",
            sku,
            make.strip().upper(),
            model.strip().upper(),
            year,
        )
    if fits is None:
        raise UnknownSku([sku])
    return bool(fits)


def _part_numbers(sku: str, oem: list[str], interchange: list[str]) -> list[str]:
    return sorted({normalise_part_number(n) for n in [sku, *oem, *interchange]} - {""})


def _check_fitments(fitments: list[FitmentCreate]) -> None:
    for index, fitment in enumerate(fitments):
        if fitment.year_from > fitment.year_to:
            raise InvalidInput(f"fitments[{index}].year_to", "must not be before year_from")


async def create_product(data: ProductCreate, *, cache: ProductCache | None) -> ProductRead:
    """Create a product, its fitments and an empty stock row in every warehouse, or raise SkuExists."""
    _check_fitments(data.fitments)
    async with transaction() as conn:
        product_id = await conn.fetchval(
            """INSERT INTO product (sku, name, brand, category, part_type, price_cents, currency, description,
                                    oem_numbers, interchange_numbers, part_numbers, attributes,
                                    created_at, updated_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, now(), now())
               ON CONFLICT (sku) DO NOTHING RETURNING id""",
            data.sku,
            data.name,
            data.brand,
            data.category,
            data.part_type,
            data.price_cents,
            data.currency,
            data.description,
            data.oem_numbers,
            data.interchange_numbers,
            _part_numbers(data.sku, data.oem_numbers, data.interchange_numbers),
            msgspec.json.encode(data.attributes).decode(),
        )
        if product_id is None:
            raise SkuExists(data.sku)
        await conn.executemany(
            """INSERT INTO fitment (product, make, model, year_from, year_to, engine, submodel)
               VALUES ($1, $2, $3, $4, $5, $6, $7)""",
            [
                (product_id, f.make.upper(), f.model.upper(), f.year_from, f.year_to, f.engine, f.submodel)
                for f in data.fitments
            ],
        )
        await conn.execute(
            """INSERT INTO stock_level (product, warehouse, on_hand, reserved, reorder_point, safety_stock)
               SELECT $1, w.id, 0, 0, $2, $3 FROM warehouse w""",
            product_id,
            data.reorder_point,
            data.safety_stock,
        )
    # A miss may have been cached before the product existed elsewhere; nothing to keep.
    await invalidate_products(cache, {data.sku})
    return await get_product(data.sku)


async def update_product(sku: str, data: ProductPatch, *, cache: ProductCache | None) -> ProductRead:
    """Apply the fields set in `data` to `sku`, then drop its cached detail."""
    changes = {f: getattr(data, f) for f in data.__struct_fields__ if getattr(data, f) is not msgspec.UNSET}
    async with transaction() as conn:
        row = await conn.fetchrow(
            "SELECT id, oem_numbers, interchange_numbers FROM product WHERE sku = $1 FOR UPDATE", sku
        )
        if row is None:
            raise UnknownSku([sku])
        if changes:
            if "oem_numbers" in changes or "interchange_numbers" in changes:
                changes["part_numbers"] = _part_numbers(
                    sku,
                    changes.get("oem_numbers", row["oem_numbers"]),
                    changes.get("interchange_numbers", row["interchange_numbers"]),
                )
            if "attributes" in changes:
                changes["attributes"] = msgspec.json.encode(changes["attributes"]).decode()
            # Column names come from the struct's own field list, never from the request.
            assignments = ", ".join(
                f"{name} = ${i}{'::jsonb' if name == 'attributes' else ''}"
                for i, name in enumerate(changes, 2)
            )
            await conn.execute(
                f"UPDATE product SET {assignments}, updated_at = now() WHERE id = $1",
                row["id"],
                *changes.values(),
            )
    await invalidate_products(cache, {sku})
    return await get_product(sku)


async def vehicle_years() -> list[int]:
    """Model years of the seeded vehicles, newest first."""
    async with connection() as conn:
        rows = await conn.fetch("SELECT DISTINCT year FROM vehicle ORDER BY year DESC")
    return [row["year"] for row in rows]


async def vehicle_makes(*, year: int | None) -> list[str]:
    """Makes with a vehicle in `year` (any year when None), alphabetical."""
    async with connection() as conn:
        rows = await conn.fetch(
            "SELECT DISTINCT make FROM vehicle WHERE $1::int IS NULL OR year = $1 ORDER BY make", year
        )
    return [row["make"] for row in rows]


async def vehicle_models(*, year: int | None, make: str) -> list[str]:
    """Models of `make` in `year` (any year when None), alphabetical."""
    async with connection() as conn:
        rows = await conn.fetch(
            "SELECT DISTINCT model FROM vehicle WHERE make = $2 AND ($1::int IS NULL OR year = $1) "
            "ORDER BY model",
            year,
            make.strip().upper(),
        )
    return [row["model"] for row in rows]


async def list_categories() -> list[CategoryRead]:
    """Categories in the catalog with their part types."""
    async with connection() as conn:
        rows = await conn.fetch(
            """SELECT category, array_agg(DISTINCT part_type ORDER BY part_type) AS part_types
               FROM product GROUP BY category ORDER BY category"""
        )
    return [CategoryRead(name=row["category"], part_types=list(row["part_types"])) for row in rows]


async def list_brands() -> list[str]:
    """Brands in the catalog, alphabetical."""
    async with connection() as conn:
        rows = await conn.fetch("SELECT DISTINCT brand FROM product ORDER BY brand")
    return [row["brand"] for row in rows]


async def list_warehouses() -> list[WarehouseRead]:
    """Warehouses in allocation order."""
    async with connection() as conn:
        rows = await conn.fetch("SELECT code, name FROM warehouse ORDER BY priority, id")
    return [WarehouseRead(code=row["code"], name=row["name"]) for row in rows]
