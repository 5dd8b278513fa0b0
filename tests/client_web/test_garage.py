from __future__ import annotations

from litestar.testing import AsyncTestClient

from tests.client_web.conftest import choose_vehicle, csrf_headers, htmx_to


async def test_garage_page_offers_years_when_nothing_is_picked(client: AsyncTestClient) -> None:
    response = await client.get("/garage")
    assert response.status_code == 200
    assert '<option value="2012">2012</option>' in response.text
    assert "Choose a year first" in response.text
    assert 'action="/garage/vehicles"' in response.text
    assert 'formaction="/garage"' in response.text  # the no-JS step button


async def test_picker_fragment_lists_makes_when_a_year_is_chosen(client: AsyncTestClient) -> None:
    response = await client.get("/garage", params={"year": "2012"}, headers=htmx_to("vehicle-picker"))
    html = response.text.strip()
    assert html.startswith('<form id="vehicle-picker"')
    assert '<option value="HONDA">HONDA</option>' in html
    assert '<option value="FORD">' not in html  # the F-150 is a 2011 here
    assert "Choose a make first" in html


async def test_picker_fragment_lists_models_when_year_and_make_are_chosen(client: AsyncTestClient) -> None:
    params = {"year": "2012", "make": "HONDA"}
    response = await client.get("/garage", params=params, headers=htmx_to("vehicle-picker"))
    assert '<option value="CIVIC">CIVIC</option>' in response.text
    assert '<option value="ACCORD">ACCORD</option>' in response.text


async def test_picker_drops_the_make_when_it_does_not_exist_for_the_year(client: AsyncTestClient) -> None:
    params = {"year": "2013", "make": "TOYOTA"}
    response = await client.get("/garage", params=params, headers=htmx_to("vehicle-picker"))
    assert "selected>TOYOTA" not in response.text
    assert "Choose a make" in response.text


async def test_adding_a_vehicle_redirects_and_makes_it_active_when_the_pick_is_complete(
    client: AsyncTestClient,
) -> None:
    await choose_vehicle(client)
    await choose_vehicle(client, make="TOYOTA", model="CAMRY")
    page = await client.get("/garage")
    assert page.text.count("<strong>2012 HONDA CIVIC</strong>") == 1
    assert 'id="active-vehicle">2012 TOYOTA CAMRY<' in page.text


async def test_adding_a_vehicle_shows_the_picker_with_an_error_when_the_model_is_missing(
    client: AsyncTestClient,
) -> None:
    headers = await csrf_headers(client)
    response = await client.post("/garage/vehicles", data={"year": "2012", "make": "HONDA"}, headers=headers)
    assert response.status_code == 422
    assert "Choose a year, a make and a model." in response.text


async def test_activation_switches_the_active_vehicle_when_several_are_saved(client: AsyncTestClient) -> None:
    await choose_vehicle(client)
    await choose_vehicle(client, make="TOYOTA", model="CAMRY")
    headers = await csrf_headers(client)
    response = await client.post("/garage/vehicles/0/activation", data={"next": "/"}, headers=headers)
    assert response.status_code == 303
    page = await client.get("/")
    assert 'id="active-vehicle">2012 HONDA CIVIC<' in page.text


async def test_removing_the_only_vehicle_leaves_no_active_vehicle_when_it_was_active(
    client: AsyncTestClient,
) -> None:
    await choose_vehicle(client)
    response = await client.post("/garage/vehicles/0/deletion", headers=await csrf_headers(client))
    assert response.status_code == 303
    page = await client.get("/")
    assert "Choose your vehicle" in page.text


async def test_next_is_ignored_when_it_points_off_site(client: AsyncTestClient) -> None:
    headers = await csrf_headers(client)
    data = {"year": "2012", "make": "HONDA", "model": "CIVIC", "next": "//evil.example"}
    response = await client.post("/garage/vehicles", data=data, headers=headers)
    assert response.headers["location"] == "/"
