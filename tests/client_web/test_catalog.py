from __future__ import annotations

import msgspec
from litestar.testing import AsyncTestClient

from client_web.settings import WebSettings
from tests.client_web.conftest import choose_vehicle, htmx_to


async def test_catalog_page_lists_parts_and_facets_when_no_vehicle_is_chosen(client: AsyncTestClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    html = response.text
    assert html.startswith("<!doctype html>")
    assert "Ceramic Front Brake Pads" in html
    assert '<option value="Brakes"' in html
    assert '<option value="Bosch"' in html
    assert "Check fitment" in html
    assert "Choose your vehicle" in html


async def test_search_returns_only_the_results_fragment_when_htmx_targets_results(
    client: AsyncTestClient,
) -> None:
    response = await client.get("/", params={"q": "brake"}, headers=htmx_to("results"))
    assert response.status_code == 200
    html = response.text.strip()
    assert html.startswith('<section id="results"')
    assert "<html" not in html
    assert "Ceramic Front Brake Pads" in html
    assert "Engine Oil Filter" not in html
    assert "HX-Request" in response.headers["vary"]


async def test_results_show_fits_your_vehicle_when_a_vehicle_is_active(client: AsyncTestClient) -> None:
    await choose_vehicle(client)
    response = await client.get("/", headers=htmx_to("results"))
    assert "Fits your 2012 HONDA CIVIC" in response.text
    assert "Wiper Blade" not in response.text  # fits an F-150 only
    page = await client.get("/")
    assert 'id="active-vehicle">2012 HONDA CIVIC<' in page.text


async def test_all_parts_show_check_fitment_when_fit_all_is_asked(client: AsyncTestClient) -> None:
    await choose_vehicle(client)
    response = await client.get("/", params={"fit": "all"}, headers=htmx_to("results"))
    assert "Wiper Blade" in response.text
    assert "Check fitment" in response.text


async def test_part_number_search_finds_product_when_given_an_interchange_number(
    client: AsyncTestClient,
) -> None:
    response = await client.get("/", params={"part_number": "PH7317"}, headers=htmx_to("results"))
    assert "Engine Oil Filter" in response.text
    assert "Brake Pads" not in response.text


async def test_part_number_search_finds_product_when_given_an_oem_number(client: AsyncTestClient) -> None:
    response = await client.get("/", params={"part_number": "45022-TR0-A01"}, headers=htmx_to("results"))
    assert "Ceramic Front Brake Pads" in response.text


async def test_deep_link_restores_filters_when_opened_as_a_full_page(client: AsyncTestClient) -> None:
    response = await client.get("/", params={"category": "Engine", "brand": "Bosch", "sort": "-price"})
    html = response.text
    assert '<option value="Engine" selected>' in html
    assert '<option value="Bosch" selected>' in html
    assert '<option value="-price" selected>' in html
    assert "Engine Oil Filter" in html
    assert "Ceramic Front Brake Pads" not in html


async def test_next_page_link_carries_filters_and_cursor_when_more_results_exist(
    settings: WebSettings,
) -> None:
    from client_web.app import create_app

    small = msgspec.structs.replace(settings, page_size=2)
    async with AsyncTestClient(create_app(small)) as client:
        first = await client.get("/", params={"sort": "sku"}, headers=htmx_to("results"))
        assert first.text.count('class="product-card"') == 2
        assert 'rel="next"' in first.text
        next_url = (
            first.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
        )
        assert "sort=sku" in next_url
        assert "cursor=" in next_url
        second = await client.get(next_url, headers=htmx_to("results"))
        assert second.status_code == 200
        assert "« First page" in second.text
        assert "BRK-PAD-1001" not in second.text


async def test_product_name_is_escaped_when_it_contains_markup(client: AsyncTestClient) -> None:
    response = await client.get("/", params={"q": "wiper"})
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


async def test_product_page_shows_details_fitment_and_stock_when_the_sku_exists(
    client: AsyncTestClient,
) -> None:
    response = await client.get("/products/BRK-PAD-1001")
    assert response.status_code == 200
    html = response.text
    for text in (
        "Ceramic Front Brake Pads",
        "$45.99",
        "ceramic",
        "45022-TR0-A01",
        "D1578",
        "East Coast DC",
        "CIVIC",
        "2012\u20132015",
        'action="/cart/lines"',
        'name="_csrf_token"',
        "Check fitment",
    ):
        assert text in html, text
    assert 'hx-trigger="every 10s"' in html


async def test_product_page_says_it_fits_when_the_active_vehicle_fits(client: AsyncTestClient) -> None:
    await choose_vehicle(client)
    response = await client.get("/products/BRK-PAD-1001")
    assert "Fits your 2012 HONDA CIVIC" in response.text


async def test_product_page_says_it_does_not_fit_when_the_active_vehicle_differs(
    client: AsyncTestClient,
) -> None:
    await choose_vehicle(client, make="TOYOTA", model="CAMRY")
    response = await client.get("/products/BRK-PAD-1001")
    assert "Does not fit your 2012 TOYOTA CAMRY" in response.text


async def test_availability_fragment_lists_warehouses_when_polled_by_htmx(client: AsyncTestClient) -> None:
    response = await client.get("/products/BRK-PAD-1001/availability", headers=htmx_to("availability"))
    assert response.status_code == 200
    html = response.text.strip()
    assert html.startswith('<section id="availability"')
    assert "East Coast DC" in html
    assert "<td>20</td>" in html


async def test_availability_url_returns_the_product_page_when_opened_directly(
    client: AsyncTestClient,
) -> None:
    response = await client.get("/products/BRK-PAD-1001/availability")
    assert response.text.startswith("<!doctype html>")
    assert "Ceramic Front Brake Pads" in response.text


async def test_product_page_is_a_friendly_404_when_the_sku_is_unknown(client: AsyncTestClient) -> None:
    response = await client.get("/products/NOPE-0000")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert "Traceback" not in response.text


async def test_catalog_is_temporarily_unavailable_when_inventory_is_down(settings: WebSettings) -> None:
    from client_web.app import create_app
    from tests.helpers import free_port

    down = msgspec.structs.replace(
        settings, inventory_url=f"http://127.0.0.1:{free_port()}", backend_timeout_s=1.0
    )
    async with AsyncTestClient(create_app(down)) as client:
        response = await client.get("/")
    assert response.status_code == 503
    assert "The catalog is temporarily unavailable" in response.text


async def test_history_restore_gets_the_full_page_when_htmx_asks_after_a_cache_miss(
    client: AsyncTestClient,
) -> None:
    headers = {**htmx_to("results"), "HX-History-Restore-Request": "true"}
    response = await client.get("/", params={"q": "oil"}, headers=headers)
    assert response.text.startswith("<!doctype html>")
    assert 'value="oil"' in response.text
