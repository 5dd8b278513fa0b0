"""The catalog seed: real vehicles filtered to cars, ≥ 5,000 products, deterministic, idempotent."""

from __future__ import annotations

from collections import defaultdict

import asyncpg
import pytest

from inventory_svc.seed import generate_catalog, load_catalog, model_runs, read_vehicles, seed
from inventory_svc.taxonomy import is_car
from tests.inventory_svc.conftest import LEDGER_MISMATCHES, fetch, fetchval

POPULAR_VEHICLES = [
    (2015, "HONDA", "CIVIC"),
    (2015, "HONDA", "ACCORD"),
    (2015, "CHEVROLET", "SILVERADO 1500"),
    (2015, "TOYOTA", "CAMRY"),
    (2014, "FORD", "F-150"),
    (2012, "NISSAN", "ALTIMA"),
    (2010, "JEEP", "WRANGLER"),
]
FITTING_PARTS = """
SELECT count(*) AS parts, count(DISTINCT p.category) AS categories FROM product p
WHERE EXISTS (SELECT 1 FROM fitment f WHERE f.product = p.id AND f.make = $2 AND f.model = $3
              AND f.year_from <= $1 AND f.year_to >= $1)
"""
LOW_SHARE = "SELECT avg((on_hand - reserved <= reorder_point)::int)::float FROM stock_level"
DUPLICATE_STOCK_ROWS = """
SELECT count(*) FROM (SELECT 1 FROM stock_level GROUP BY product, warehouse HAVING count(*) > 1) d
"""
MOVE_SOME_STOCK = """
WITH moved AS (UPDATE stock_level SET on_hand = on_hand + 1 WHERE id % 7 = 0 RETURNING product, warehouse)
INSERT INTO stock_movement (product, warehouse, kind, on_hand_delta, reserved_delta, reason, actor, reference,
                            created_at)
SELECT product, warehouse, 'restock', 1, 0, 'moved', 'test', '', now() FROM moved
"""
STOCK_CHECKSUM = (
    "SELECT md5(string_agg(product || ':' || warehouse || ':' || on_hand, ',' ORDER BY id)) FROM stock_level"
)


@pytest.mark.parametrize(
    ("make", "model", "kept"),
    [
        ("HONDA", "CIVIC", True),
        ("HONDA", "CBR600RR", False),
        ("HONDA", "TRX420FA RANCHER AT", False),
        ("BMW", "328I", True),
        ("BMW", "X5", True),
        ("BMW", "R1200GS", False),
        ("BMW", "K1600GT", False),
        ("SUZUKI", "GRAND VITARA", True),
        ("SUZUKI", "GSX-R600", False),
        ("YAMAHA", "YZF-R1", False),
        ("HARLEY DAVIDSON", "FLHX STREET GLIDE", False),
        ("KENWORTH", "T680", False),
        ("CHEVROLET", "SILVERADO 1500", True),
        ("CHEVROLET", "C4500 KODIAK", False),
        ("FORD", "F-150", True),
        ("FORD", "F-450 SUPER DUTY", False),
        ("ISUZU", "NPR", False),
    ],
)
def test_vehicle_filter_keeps_only_cars_and_light_trucks_when_reading_the_file(
    make: str, model: str, kept: bool
) -> None:
    assert is_car(make, model) is kept


def test_model_runs_split_at_gaps_when_years_are_not_consecutive() -> None:
    vehicles = [(2001, "A", "X"), (2002, "A", "X"), (2003, "A", "X"), (2006, "A", "X"), (2005, "A", "Y")]
    assert [(r.model, r.year_from, r.year_to) for r in model_runs(vehicles)] == [
        ("X", 2001, 2003),
        ("X", 2006, 2006),
        ("Y", 2005, 2005),
    ]


def test_generated_catalog_is_identical_when_generated_twice() -> None:
    vehicles = read_vehicles()
    assert generate_catalog(vehicles, per_part_type=5) == generate_catalog(vehicles, per_part_type=5)


def test_every_vehicle_has_ten_parts_in_three_categories_when_the_catalog_is_generated() -> None:
    vehicles = read_vehicles()
    fits: dict[tuple[str, str], list[tuple[int, int, str, str]]] = defaultdict(list)
    for product in generate_catalog(vehicles):
        for make, model, year_from, year_to in product.fitments:
            fits[make, model].append((year_from, year_to, product.sku, product.category))
    poor = []
    for year, make, model in vehicles:
        fitting = [(sku, category) for a, b, sku, category in fits[make, model] if a <= year <= b]
        if len({sku for sku, _ in fitting}) < 10 or len({category for _, category in fitting}) < 3:
            poor.append((year, make, model, len(fitting)))
    assert poor == []


def test_a_small_share_of_stock_starts_low_when_the_catalog_is_generated() -> None:
    rows = [row for product in generate_catalog(read_vehicles()) for row in product.stock]
    low = sum(1 for _, on_hand, reorder_point, _ in rows if on_hand <= reorder_point)
    assert 0.02 <= low / len(rows) <= 0.04


async def test_seed_inserts_full_catalog_once_and_changes_nothing_when_run_again(
    inventory_database: str,
) -> None:
    first = await seed(inventory_database)
    assert first.products >= 5_000
    assert first.vehicles > 5_000
    assert first.fitments > first.products
    assert await fetch(LEDGER_MISMATCHES) == []
    snapshot = await fetchval(STOCK_CHECKSUM)
    second = await seed(inventory_database)
    assert (second.vehicles, second.products, second.fitments, second.stock_rows, second.movements) == (
        0,
        0,
        0,
        0,
        0,
    )
    assert await fetchval(STOCK_CHECKSUM) == snapshot
    assert await fetchval("SELECT count(*) FROM product") == first.products
    for vehicle in POPULAR_VEHICLES:
        [row] = await fetch(FITTING_PARTS, *vehicle)
        assert (row["parts"] >= 10, row["categories"] >= 3) == (True, True), (vehicle, dict(row))
    assert 0.02 <= await fetchval(LOW_SHARE) <= 0.04
    makes = {row["make"] for row in await fetch("SELECT DISTINCT make FROM vehicle")}
    assert "HONDA" in makes
    assert makes.isdisjoint({"HARLEY DAVIDSON", "KAWASAKI", "YAMAHA", "POLARIS", "KENWORTH", "BLUE BIRD"})


async def test_seed_adds_only_what_is_missing_when_the_database_holds_an_older_seed(
    inventory_database: str,
) -> None:
    # An older seed: part of the assortment and none of the coverage layer; its stock moved since.
    vehicles = read_vehicles()
    older = generate_catalog(vehicles, per_part_type=5, coverage=False)
    conn = await asyncpg.connect(inventory_database)
    try:
        await load_catalog(conn, vehicles, older)
    finally:
        await conn.close()
    await fetch(MOVE_SOME_STOCK)
    older_stock = await fetchval(STOCK_CHECKSUM)

    report = await seed(inventory_database)

    expected = {product.sku for product in generate_catalog(vehicles)}
    assert report.products == len(expected) - len(older)
    assert {row["sku"] for row in await fetch("SELECT sku FROM product")} == expected
    assert await fetchval(DUPLICATE_STOCK_ROWS) == 0
    # The older products' stock, moved or not, is left as it was.
    older_ids = "SELECT id FROM product WHERE sku = ANY($1::text[])"
    assert (
        await fetchval(f"{STOCK_CHECKSUM} WHERE product IN ({older_ids})", [p.sku for p in older])
        == older_stock
    )
    assert await fetch(LEDGER_MISMATCHES) == []
    [row] = await fetch(FITTING_PARTS, 2015, "HONDA", "CIVIC")
    assert row["parts"] >= 10
    again = await seed(inventory_database)
    assert (again.products, again.fitments, again.stock_rows, again.movements) == (0, 0, 0, 0)
