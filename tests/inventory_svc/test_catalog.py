"""Catalog search, pagination, detail, pickers and facets over HTTP."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from tests.inventory_svc.conftest import ProductFactory


async def skus(client: AsyncTestClient, **params: object) -> list[str]:
    response = await client.get("/products", params=params)
    assert response.status_code == 200, response.text
    return [item["sku"] for item in response.json()["items"]]


async def test_search_finds_products_by_free_text_when_words_are_stemmed(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(sku="PAD-1", name="Wagner ThermoQuiet Front Disc Brake Pad Set")
    await make_product(
        sku="FIL-1",
        name="Fram Extra Guard Engine Air Filter",
        category="Filtration",
        part_type="Engine Air Filter",
    )
    assert await skus(client, q="brake pads") == ["PAD-1"]
    assert await skus(client, q="filters") == ["FIL-1"]


async def test_search_finds_products_by_partial_name_when_text_is_a_fragment(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(sku="PAD-1", name="Wagner ThermoQuiet Front Disc Brake Pad Set")
    await make_product(sku="PAD-2", name="Akebono ProACT Rear Disc Brake Pad Set")
    assert await skus(client, q="thermoqu") == ["PAD-1"]


async def test_search_finds_part_numbers_when_written_with_spaces_and_dashes(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(sku="PAD-1", oem_numbers=["45022-SNA-A01"], interchange_numbers=["ZD 1089"])
    await make_product(sku="PAD-2", oem_numbers=["04465-33450"])
    assert await skus(client, part_number="45022sna a01") == ["PAD-1"]
    assert await skus(client, part_number="zd-1089") == ["PAD-1"]
    assert await skus(client, q="0446533450") == ["PAD-2"]


async def test_search_filters_by_category_part_type_and_brand_when_given(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(sku="PAD-1", brand="Wagner")
    await make_product(sku="PAD-2", brand="Bosch")
    await make_product(sku="FIL-1", brand="Bosch", category="Filtration", part_type="Engine Oil Filter")
    assert await skus(client, brand="bosch", sort="sku") == ["FIL-1", "PAD-2"]
    assert await skus(client, category="Filtration") == ["FIL-1"]
    assert await skus(client, part_type="Disc Brake Pad Set", brand="Wagner") == ["PAD-1"]


async def test_search_returns_parts_that_fit_the_vehicle_when_year_make_model_given(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(sku="CIVIC-1", fitments=[("HONDA", "CIVIC", 2006, 2011)])
    await make_product(sku="CIVIC-2", fitments=[("HONDA", "CIVIC", 2012, 2015), ("HONDA", "FIT", 2009, 2013)])
    await make_product(sku="ACCORD-1", fitments=[("HONDA", "ACCORD", 2008, 2012)])
    assert await skus(client, year=2012, make="honda", model="civic") == ["CIVIC-2"]
    assert await skus(client, year=2011, make="HONDA", model="CIVIC") == ["CIVIC-1"]
    assert await skus(client, make="HONDA", model="CIVIC", sort="sku") == ["CIVIC-1", "CIVIC-2"]
    assert await skus(client, year=2016, make="HONDA", model="CIVIC") == []


@pytest.mark.parametrize("sort", ["name", "price", "-price", "sku", "relevance"])
async def test_pagination_visits_every_match_once_in_order_when_following_cursors(
    client: AsyncTestClient, make_product: ProductFactory, sort: str
) -> None:
    # Equal names and prices force the id tie-breaker to keep the order stable.
    for i in range(11):
        await make_product(sku=f"P-{i:02d}", name=f"Brake Rotor {i % 3}", price_cents=1000 + (i % 4) * 100)
    seen, cursor, pages = [], None, 0
    while True:
        params = {"q": "rotor", "sort": sort, "limit": 4} | ({"cursor": cursor} if cursor else {})
        body = (await client.get("/products", params=params)).json()
        seen.extend(body["items"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert sorted(item["sku"] for item in seen) == [f"P-{i:02d}" for i in range(11)]
    keys = {
        "name": lambda item: (item["name"], item["id"]),
        "price": lambda item: (item["price_cents"], item["id"]),
        "-price": lambda item: (-item["price_cents"], -item["id"]),
        "sku": lambda item: (item["sku"],),
    }
    if sort in keys:
        assert seen == sorted(seen, key=keys[sort])


async def test_search_rejects_cursor_when_it_belongs_to_another_sort(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    for i in range(3):
        await make_product(sku=f"P-{i:02d}")
    cursor = (await client.get("/products", params={"sort": "name", "limit": 1})).json()["next_cursor"]
    response = await client.get("/products", params={"sort": "price", "cursor": cursor})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"
    garbage = await client.get("/products", params={"cursor": "not-a-cursor"})
    assert garbage.status_code == 400


async def test_product_detail_has_fitments_and_live_stock_per_warehouse_when_product_exists(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(
        sku="PAD-1",
        stock={"EAST": 3, "WEST": 7},
        fitments=[("HONDA", "CIVIC", 2006, 2011)],
        oem_numbers=["45022-SNA-A01"],
    )
    response = await client.get("/products/PAD-1")
    assert response.status_code == 200
    body = response.json()
    assert body["available"] == 10
    assert body["oem_numbers"] == ["45022-SNA-A01"]
    assert body["fitments"] == [
        {
            "make": "HONDA",
            "model": "CIVIC",
            "year_from": 2006,
            "year_to": 2011,
            "engine": None,
            "submodel": None,
        }
    ]
    assert [(s["warehouse"], s["on_hand"], s["available"]) for s in body["stock"]] == [
        ("EAST", 3, 3),
        ("CENTRAL", 0, 0),
        ("WEST", 7, 7),
    ]
    availability = (await client.get("/products/PAD-1/availability")).json()
    assert [s["available"] for s in availability] == [3, 0, 7]


async def test_product_detail_is_404_problem_when_sku_is_unknown(client: AsyncTestClient) -> None:
    response = await client.get("/products/NOPE-1")
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_sku"
    assert response.json()["skus"] == ["NOPE-1"]


async def test_batch_lookup_lists_missing_skus_when_some_are_unknown(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(sku="PAD-1", stock={"EAST": 2})
    response = await client.get("/products/by-sku", params={"sku": ["NOPE-1", "PAD-1"]})
    assert response.status_code == 200
    body = response.json()
    assert [(item["sku"], item["available"]) for item in body["items"]] == [("PAD-1", 2)]
    assert body["missing"] == ["NOPE-1"]


async def test_fitment_check_answers_per_vehicle_when_product_exists(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(sku="PAD-1", fitments=[("HONDA", "CIVIC", 2006, 2011)])
    fits = await client.get(
        "/products/PAD-1/fitment", params={"year": 2008, "make": "Honda", "model": "Civic"}
    )
    assert fits.json() == {"fits": True}
    misses = await client.get(
        "/products/PAD-1/fitment", params={"year": 2012, "make": "HONDA", "model": "CIVIC"}
    )
    assert misses.json() == {"fits": False}


async def test_vehicle_pickers_list_years_makes_and_models_when_vehicles_are_seeded(
    client: AsyncTestClient,
) -> None:
    from tests.inventory_svc.conftest import fetch

    await fetch(
        "INSERT INTO vehicle (year, make, model) VALUES (2012, 'HONDA', 'CIVIC'), (2012, 'HONDA', 'FIT'), "
        "(2011, 'HONDA', 'CIVIC'), (2012, 'FORD', 'F-150')"
    )
    assert (await client.get("/vehicles/years")).json() == [2012, 2011]
    assert (await client.get("/vehicles/makes", params={"year": 2012})).json() == ["FORD", "HONDA"]
    assert (await client.get("/vehicles/models", params={"year": 2012, "make": "honda"})).json() == [
        "CIVIC",
        "FIT",
    ]
    assert (await client.get("/vehicles/models", params={"year": 2011, "make": "HONDA"})).json() == ["CIVIC"]


async def test_facets_list_categories_brands_and_warehouses_when_catalog_has_products(
    client: AsyncTestClient, make_product: ProductFactory
) -> None:
    await make_product(brand="Wagner")
    await make_product(brand="Bosch", category="Filtration", part_type="Engine Oil Filter")
    await make_product(brand="Bosch", part_type="Disc Brake Rotor")
    assert (await client.get("/categories")).json() == [
        {"name": "Brakes", "part_types": ["Disc Brake Pad Set", "Disc Brake Rotor"]},
        {"name": "Filtration", "part_types": ["Engine Oil Filter"]},
    ]
    assert (await client.get("/brands")).json() == ["Bosch", "Wagner"]
    assert [w["code"] for w in (await client.get("/warehouses")).json()] == ["EAST", "CENTRAL", "WEST"]


async def test_create_product_is_201_and_duplicate_sku_is_409_when_posted_twice(
    client: AsyncTestClient,
) -> None:
    body = {
        "sku": "NEW-1",
        "name": "Bosch Icon Wiper Blade 22",
        "brand": "Bosch",
        "category": "Wipers",
        "part_type": "Wiper Blade",
        "price_cents": 2499,
        "fitments": [{"make": "toyota", "model": "camry", "year_from": 2012, "year_to": 2014}],
    }
    created = await client.post("/products", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["fitments"][0]["make"] == "TOYOTA"
    assert [s["on_hand"] for s in created.json()["stock"]] == [0, 0, 0]
    again = await client.post("/products", json=body)
    assert again.status_code == 409
    assert again.json()["code"] == "sku_exists"


async def test_openapi_schema_lists_the_inventory_routes_when_requested(client: AsyncTestClient) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/products", "/products/{sku}", "/reservations", "/stock/{sku}/restocks"} <= set(paths)
