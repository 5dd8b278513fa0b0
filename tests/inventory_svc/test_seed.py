"""The catalog seed: real vehicles filtered to cars, ≥ 5,000 products, deterministic, idempotent."""

from __future__ import annotations

import pytest

from inventory_svc.seed import generate_catalog, model_runs, read_vehicles, seed
from inventory_svc.taxonomy import is_car
from tests.inventory_svc.conftest import LEDGER_MISMATCHES, fetch, fetchval

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
    makes = {row["make"] for row in await fetch("SELECT DISTINCT make FROM vehicle")}
    assert "HONDA" in makes
    assert makes.isdisjoint({"HARLEY DAVIDSON", "KAWASAKI", "YAMAHA", "POLARIS", "KENWORTH", "BLUE BIRD"})
