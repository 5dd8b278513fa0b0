from __future__ import annotations

from client_web import session as store
from client_web.views import money, safe_next

CIVIC = store.Vehicle(2012, "HONDA", "CIVIC")
CAMRY = store.Vehicle(2012, "TOYOTA", "CAMRY")


def test_adding_a_saved_vehicle_again_only_activates_it_when_it_is_in_the_garage() -> None:
    data: store.Session = {}
    store.add_vehicle(data, CIVIC)
    store.add_vehicle(data, CAMRY)
    store.add_vehicle(data, CIVIC)
    assert store.garage(data) == [CIVIC, CAMRY]
    assert store.active_vehicle(data) == CIVIC


def test_garage_keeps_the_newest_vehicles_when_it_is_full() -> None:
    data: store.Session = {}
    for year in range(2000, 2000 + store.MAX_GARAGE + 2):
        store.add_vehicle(data, store.Vehicle(year, "HONDA", "CIVIC"))
    assert len(store.garage(data)) == store.MAX_GARAGE
    assert store.active_vehicle(data) == store.Vehicle(2000 + store.MAX_GARAGE + 1, "HONDA", "CIVIC")


def test_removing_a_vehicle_before_the_active_one_keeps_the_same_vehicle_active() -> None:
    data: store.Session = {}
    store.add_vehicle(data, CIVIC)
    store.add_vehicle(data, CAMRY)
    store.remove_vehicle(data, 0)
    assert store.active_vehicle(data) == CAMRY


def test_checkout_key_is_stable_until_the_cart_changes() -> None:
    data: store.Session = {}
    store.add_to_cart(data, "A-1", 1)
    key = store.checkout_key(data)
    assert store.checkout_key(data) == key
    store.set_quantity(data, "A-1", 2)
    assert store.checkout_key(data) != key


def test_placing_an_order_empties_the_cart_and_remembers_the_key() -> None:
    data: store.Session = {}
    store.add_to_cart(data, "A-1", 1)
    key = store.checkout_key(data)
    store.remember_order(data, key=key, tracking_token="tok")
    assert store.cart(data) == {}
    assert store.placed_order(data, key) == "tok"


def test_quantities_stay_between_1_and_99_when_added_repeatedly() -> None:
    data: store.Session = {}
    store.add_to_cart(data, "A-1", 60)
    store.add_to_cart(data, "A-1", 60)
    assert store.cart(data) == {"A-1": 99}


def test_money_formats_minor_units_when_given_cents() -> None:
    assert money(123456) == "$1,234.56"
    assert money(5, "EUR") == "€0.05"
    assert money(100, "JPY") == "1.00 JPY"


def test_safe_next_refuses_other_sites_when_given_absolute_urls() -> None:
    assert safe_next("/cart") == "/cart"
    assert safe_next("//evil.example") == "/"
    assert safe_next("https://evil.example") == "/"
