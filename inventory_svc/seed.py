"""Seed the catalog: vehicles, warehouses, ≥ 5,000 products with fitments, stock and ledger.

`python -m inventory_svc.seed` (the local runner calls it after migrations). The data is
generated from a fixed random seed, so every run produces the same catalog, and only rows
that are missing are inserted: running it twice changes nothing, and stock that moved since
the first run is left alone.

The catalog has two layers:

* the *assortment*: `PRODUCTS_PER_PART_TYPE` products of every part type, each fitting a few
  models of one make over part of their run (SKUs `AF-<category><type>-00001`...);
* the *coverage* layer: for each `COVERAGE_PART_TYPES` part type, one product per model
  generation (a run split into `GENERATION_YEARS`-year pieces), shared by two to five
  generations of the same make (SKUs `AF-<category><type>-G0001`...). Every seeded vehicle
  therefore has at least one part of each of those types, across twelve categories.

Seeds are keyed by SKU and only ever add. A database seeded by an older version (before the
coverage layer, with other stock levels) gets the coverage products on its next run and keeps
what it already had: existing products, fitments and stock rows are never rewritten, because
stock may have moved since and the ledger must keep explaining it. A layer added later must
use SKUs of its own for the same reason. To get today's stock levels, seed an empty database.
"""

from __future__ import annotations

import asyncio
import csv
import itertools
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import msgspec

from inventory_svc.services import normalise_part_number
from inventory_svc.settings import InventorySettings
from inventory_svc.taxonomy import BRAND_PREFIX, CATEGORIES, WAREHOUSES, PartType, is_car

VEHICLES_CSV = Path(__file__).resolve().parent.parent / "data" / "vehicles" / "year_make_model.csv"
RANDOM_SEED = 20_261_203
PRODUCTS_PER_PART_TYPE = 120
# Everyday maintenance and repair parts: every vehicle gets at least one of each.
COVERAGE_PART_TYPES = (
    ("Brakes", "PAD"), ("Brakes", "ROT"), ("Filtration", "OIL"), ("Filtration", "AIR"), ("Filtration", "CAB"),
    ("Ignition", "PLG"), ("Ignition", "COI"), ("Electrical", "BAT"), ("Electrical", "ALT"), ("Wipers", "BLD"),
    ("Engine", "SBT"), ("Cooling", "THM"), ("Suspension", "STR"), ("Steering", "TRE"), ("Drivetrain", "WBH"),
    ("Lighting", "HLB"),
)  # fmt: skip
GENERATION_YEARS = 6
# Share of stock rows seeded at or below their reorder point, so low-stock alerts have
# something to show without firing permanently on a fresh start.
LOW_STOCK_SHARE = 0.03
# Taken in the same transaction by every seeder, so two concurrent runs do not race.
SEED_LOCK = 4_002_001
POPULAR_MAKES = frozenset(
    {"CHEVROLET", "DODGE", "FORD", "GMC", "HONDA", "HYUNDAI", "JEEP", "KIA", "MAZDA", "NISSAN", "RAM",
     "SUBARU", "TOYOTA", "VOLKSWAGEN"}
)  # fmt: skip
POPULAR_MAKE_WEIGHT = 6


@dataclass(frozen=True)
class ModelRun:
    """A model sold over consecutive model years: a natural fitment year range."""

    make: str
    model: str
    year_from: int
    year_to: int


@dataclass
class SeedProduct:
    sku: str
    name: str
    brand: str
    category: str
    part_type: str
    price_cents: int
    description: str
    oem_numbers: list[str]
    interchange_numbers: list[str]
    attributes: dict[str, str]
    fitments: list[tuple[str, str, int, int]] = field(default_factory=list)
    # (warehouse code, on_hand, reorder_point, safety_stock)
    stock: list[tuple[str, int, int, int]] = field(default_factory=list)


class SeedReport(msgspec.Struct, frozen=True):
    vehicles: int
    products: int
    fitments: int
    stock_rows: int
    movements: int
    seconds: float


def read_vehicles(path: Path = VEHICLES_CSV) -> list[tuple[int, str, str]]:
    """Car and light-truck (year, make, model) rows of the vehicle file, sorted and unique."""
    with path.open(newline="") as handle:
        rows = {
            (int(row["year"]), row["make"].strip().upper(), row["model"].strip().upper())
            for row in csv.DictReader(handle)
        }
    return sorted(row for row in rows if is_car(row[1], row[2]))


def model_runs(vehicles: list[tuple[int, str, str]]) -> list[ModelRun]:
    """Split each make/model's years into runs of consecutive years."""
    years: dict[tuple[str, str], list[int]] = defaultdict(list)
    for year, make, model in vehicles:
        years[make, model].append(year)
    runs = []
    for (make, model), values in sorted(years.items()):
        values.sort()
        start = previous = values[0]
        for year in values[1:]:
            if year != previous + 1:
                runs.append(ModelRun(make, model, start, previous))
                start = year
            previous = year
        runs.append(ModelRun(make, model, start, previous))
    return runs


def _oem_number(rng: random.Random, make: str) -> str:
    digits = lambda n: "".join(rng.choice("0123456789") for _ in range(n))  # noqa: E731
    letters = lambda n: "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(n))  # noqa: E731
    if make in {"HONDA", "ACURA"}:
        return f"{digits(5)}-{letters(3)}-{letters(1)}{digits(2)}"
    if make in {"TOYOTA", "LEXUS", "SCION"}:
        return f"{digits(5)}-{digits(5)}"
    if make in {"FORD", "LINCOLN", "MERCURY"}:
        return f"{letters(2)}{digits(1)}Z-{digits(4)}-{letters(1)}"
    if make in {"CHEVROLET", "GMC", "BUICK", "CADILLAC", "PONTIAC", "SATURN", "OLDSMOBILE", "HUMMER"}:
        return digits(8)
    if make in {"DODGE", "CHRYSLER", "JEEP", "RAM", "PLYMOUTH", "FIAT"}:
        return f"{digits(8)}{letters(2)}"
    if make in {"NISSAN", "INFINITI"}:
        return f"{letters(1)}{digits(4)}-{digits(1)}{letters(2)}{digits(1)}{letters(1)}"
    if make in {"BMW", "MINI"}:
        return f"{digits(2)} {digits(2)} {digits(1)} {digits(3)} {digits(3)}"
    if make in {"VOLKSWAGEN", "AUDI", "PORSCHE"}:
        return f"{digits(1)}{letters(1)}{digits(1)} {digits(3)} {digits(3)} {letters(1)}"
    if make == "MERCEDES-BENZ":
        return f"A {digits(3)} {digits(3)} {digits(2)} {digits(2)}"
    return f"{letters(2)}{digits(6)}"


def _interchange(rng: random.Random, brand: str) -> str:
    prefix = BRAND_PREFIX.get(brand, brand[:3].upper().replace(" ", ""))
    return f"{prefix}{rng.randint(100, 99999)}"


def _assortment_fitments(
    rng: random.Random, part_type: PartType, runs: list[ModelRun], cum_weights: list[int]
) -> list[tuple[str, str, int, int]]:
    # Parts are engineered per platform: a product fits a few models of one make, over a
    # contiguous part of each model's production run.
    anchor = rng.choices(runs, cum_weights=cum_weights)[0]
    same_make = [run for run in runs if run.make == anchor.make]
    count = min(len(same_make), rng.randint(*part_type.vehicles))
    chosen = [anchor, *rng.sample([run for run in same_make if run != anchor], count - 1)]
    fitments = []
    for run in chosen:
        span = run.year_to - run.year_from
        start = run.year_from + rng.randint(0, span // 3)
        end = min(run.year_to, start + rng.randint(3, 10))
        fitments.append((run.make, run.model, start, end))
    return sorted(fitments)


def _stock(rng: random.Random) -> list[tuple[str, int, int, int]]:
    """Stock per warehouse: healthy, except a `LOW_STOCK_SHARE` of rows at or below reorder point."""
    stock = []
    for warehouse, _, _ in WAREHOUSES:
        reorder_point, safety_stock = rng.randint(4, 15), rng.randint(1, 4)
        if rng.random() < LOW_STOCK_SHARE:
            on_hand = rng.randint(0, reorder_point)
        else:
            on_hand = rng.randint(reorder_point + 5, reorder_point + 90)
        stock.append((warehouse, on_hand, reorder_point, safety_stock))
    return stock


def _product(
    rng: random.Random,
    *,
    sku: str,
    category: str,
    part_type: PartType,
    fitments: list[tuple[str, str, int, int]],
) -> SeedProduct:
    brand = rng.choice(part_type.brands)
    line = rng.choice(part_type.lines)
    position = rng.choice(part_type.positions) if part_type.positions else ""
    attributes = {"weight_kg": f"{rng.uniform(*part_type.weight_kg):.2f}", "warranty": rng.choice(
        ("1 year", "2 years", "3 years", "Limited lifetime"))}  # fmt: skip
    if position:
        attributes["position"] = position
    for spec, values in part_type.specs.items():
        attributes[spec] = rng.choice(values)

    low, high = part_type.price
    price = rng.randint(low // 100, high // 100) * 100 + rng.choice((49, 79, 99))
    spec_text = " ".join(attributes[spec] for spec in part_type.specs)
    name = " ".join(part for part in (brand, line, position, part_type.name, spec_text) if part)
    first = fitments[0]
    description = (
        f"{brand} {line} {part_type.name.lower()} for the {first[2]}-{first[3]} {first[0].title()} "
        f"{first[1].title()} and {len(fitments) - 1} more models. Direct-fit {category.lower()} replacement"
        f"{' for the ' + position.lower() + ' position' if position else ''}, built to OE specifications."
    )
    oem_numbers = sorted({_oem_number(rng, first[0]) for _ in range(rng.randint(1, 3))})
    interchange = sorted({_interchange(rng, rng.choice(part_type.brands)) for _ in range(rng.randint(1, 3))})
    return SeedProduct(
        sku=sku,
        name=name[:200],
        brand=brand,
        category=category,
        part_type=part_type.name,
        price_cents=price,
        description=description,
        oem_numbers=oem_numbers,
        interchange_numbers=interchange,
        attributes=attributes,
        fitments=fitments,
        stock=_stock(rng),
    )


def generations(runs: list[ModelRun], *, years: int = GENERATION_YEARS) -> list[tuple[str, str, int, int]]:
    """Split each run into pieces of at most `years` model years: (make, model, from, to)."""
    return [
        (run.make, run.model, start, min(run.year_to, start + years - 1))
        for run in runs
        for start in range(run.year_from, run.year_to + 1, years)
    ]


def _coverage(rng: random.Random, runs: list[ModelRun]) -> list[SeedProduct]:
    """One product of each coverage part type for every generation, shared by 2-5 of one make."""
    by_make: dict[str, list[tuple[str, str, int, int]]] = defaultdict(list)
    for generation in generations(runs):
        by_make[generation[0]].append(generation)
    products = []
    for category, type_code in COVERAGE_PART_TYPES:
        code, part_types = CATEGORIES[category]
        part_type = next(pt for pt in part_types if pt.code == type_code)
        index = 0
        for make in sorted(by_make):
            pool = by_make[make][:]
            rng.shuffle(pool)
            while pool:
                size = rng.randint(2, 5)
                group, pool = sorted(pool[:size]), pool[size:]
                index += 1
                sku = f"AF-{code}{part_type.code}-G{index:04d}"
                products.append(
                    _product(rng, sku=sku, category=category, part_type=part_type, fitments=group)
                )
    return products


def generate_catalog(
    vehicles: list[tuple[int, str, str]],
    *,
    per_part_type: int = PRODUCTS_PER_PART_TYPE,
    coverage: bool = True,
) -> list[SeedProduct]:
    """The deterministic product list: the same input always gives the same products."""
    rng = random.Random(RANDOM_SEED)
    runs = model_runs(vehicles)
    # The best-selling makes get more parts, as in a real catalog.
    cum_weights = list(
        itertools.accumulate(POPULAR_MAKE_WEIGHT if run.make in POPULAR_MAKES else 1 for run in runs)
    )
    products = []
    for category, (code, part_types) in CATEGORIES.items():
        for part_type in part_types:
            for index in range(1, per_part_type + 1):
                products.append(
                    _product(
                        rng,
                        sku=f"AF-{code}{part_type.code}-{index:05d}",
                        category=category,
                        part_type=part_type,
                        fitments=_assortment_fitments(rng, part_type, runs, cum_weights),
                    )
                )
    if coverage:
        # A generator of its own, so the coverage layer does not shift with the assortment's size.
        products.extend(_coverage(random.Random(RANDOM_SEED + 1), runs))
    return products


async def _copy_new(conn: asyncpg.Connection, table: str, columns: list[str], records: list[tuple]) -> None:
    if records:
        await conn.copy_records_to_table(table, records=records, columns=columns)


async def load_catalog(
    conn: asyncpg.Connection, vehicles: list[tuple[int, str, str]], products: list[SeedProduct]
) -> SeedReport:
    """Insert whatever of the seed is missing, in one transaction; return what was inserted."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", SEED_LOCK)
        await conn.executemany(
            "INSERT INTO warehouse (code, name, priority) VALUES ($1, $2, $3) ON CONFLICT (code) DO NOTHING",
            WAREHOUSES,
        )
        warehouses = {row["code"]: row["id"] for row in await conn.fetch("SELECT id, code FROM warehouse")}

        await conn.execute("CREATE TEMP TABLE seed_vehicle (year int, make text, model text) ON COMMIT DROP")
        await conn.copy_records_to_table("seed_vehicle", records=vehicles)
        vehicle_status = await conn.execute(
            """INSERT INTO vehicle (year, make, model) SELECT year, make, model FROM seed_vehicle
               ON CONFLICT (year, make, model) DO NOTHING"""
        )

        existing = {row["sku"] for row in await conn.fetch("SELECT sku FROM product")}
        new = [p for p in products if p.sku not in existing]
        await _copy_new(
            conn,
            "product",
            ["sku", "name", "brand", "category", "part_type", "price_cents", "currency", "description",
             "oem_numbers", "interchange_numbers", "part_numbers", "attributes", "created_at", "updated_at"],
            [
                (p.sku, p.name, p.brand, p.category, p.part_type, p.price_cents, "USD", p.description,
                 p.oem_numbers, p.interchange_numbers,
                 sorted({normalise_part_number(n) for n in [p.sku, *p.oem_numbers, *p.interchange_numbers]}),
                 msgspec.json.encode(p.attributes).decode(), now, now)
                for p in new
            ],
        )  # fmt: skip
        ids = {
            row["sku"]: row["id"]
            for row in await conn.fetch(
                "SELECT id, sku FROM product WHERE sku = ANY($1::text[])", [p.sku for p in new]
            )
        }
        fitments = [(ids[p.sku], *f) for p in new for f in p.fitments]
        await _copy_new(conn, "fitment", ["product", "make", "model", "year_from", "year_to"], fitments)
        stock = [
            (ids[p.sku], warehouses[w], on_hand, 0, rp, ss) for p in new for (w, on_hand, rp, ss) in p.stock
        ]
        await _copy_new(
            conn,
            "stock_level",
            ["product", "warehouse", "on_hand", "reserved", "reorder_point", "safety_stock"],
            stock,
        )
        # The ledger starts with one `seed` row per non-empty stock row, so its sums equal the levels.
        movements = [
            (product, warehouse, "seed", on_hand, 0, "initial catalog seed", "seed", "", now)
            for (product, warehouse, on_hand, _, _, _) in stock
            if on_hand
        ]
        await _copy_new(
            conn,
            "stock_movement",
            ["product", "warehouse", "kind", "on_hand_delta", "reserved_delta", "reason", "actor",
             "reference", "created_at"],
            movements,
        )  # fmt: skip
    return SeedReport(
        vehicles=int(vehicle_status.split()[-1]),
        products=len(new),
        fitments=len(fitments),
        stock_rows=len(stock),
        movements=len(movements),
        seconds=round(time.perf_counter() - started, 2),
    )


async def seed(database_url: str, *, per_part_type: int = PRODUCTS_PER_PART_TYPE) -> SeedReport:
    """Seed the database at `database_url`; safe to run any number of times."""
    vehicles = read_vehicles()
    products = generate_catalog(vehicles, per_part_type=per_part_type)
    conn = await asyncpg.connect(database_url, timeout=30)
    try:
        return await load_catalog(conn, vehicles, products)
    finally:
        await conn.close()


def main() -> int:
    report = asyncio.run(seed(InventorySettings.from_env().database_url))
    sys.stdout.write(
        msgspec.json.encode({"message": "inventory seed", **msgspec.structs.asdict(report)}).decode() + "\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
