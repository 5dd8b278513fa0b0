"""Helpers every page module shares: template globals, filters, form parsing, dependencies."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency

from client_web import session as store
from client_web.clients import InventoryClient, OrdersClient

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}
HTMX_HEADERS = {"Vary": "HX-Request, HX-Target"}


def money(cents: int, currency: str = "USD") -> str:
    """Format integer minor units for people: 123456 → "$1,234.56"."""
    sign = "-" if cents < 0 else ""
    units, minor = divmod(abs(int(cents)), 100)
    symbol = CURRENCY_SYMBOLS.get(currency, "")
    amount = f"{units:,}.{minor:02d}"
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {currency}"


class Shopper(msgspec.Struct, frozen=True):
    """What the header shows on every page."""

    vehicle: store.Vehicle | None
    garage: list[store.Vehicle]
    cart_count: int


def session_of(request: Request) -> dict[str, Any]:
    """The session dict, or an empty one where the session middleware did not run (a 404)."""
    value = request.scope.get("session")
    return value if isinstance(value, dict) else {}


def shopper(request: Request) -> Shopper:
    data = session_of(request)
    return Shopper(
        vehicle=store.active_vehicle(data), garage=store.garage(data), cart_count=store.cart_count(data)
    )


def block_for(request: Request, *blocks: str) -> str | None:
    """Return the block an htmx request targets (one of `blocks`), or None for a full page.

    History restores and boosted navigations need the whole page, so they get it.
    """
    htmx = getattr(request, "htmx", None)
    if not htmx or htmx.history_restore_request or htmx.boosted:
        return None
    target = htmx.target or ""
    return target.replace("-", "_") if target.replace("-", "_") in blocks else None


def form_value(form: dict[str, Any], key: str, *, max_length: int = 200) -> str:
    value = form.get(key, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value).strip()[:max_length]


def form_int(form: dict[str, Any], key: str, *, default: int) -> int:
    try:
        return int(form_value(form, key, max_length=12))
    except ValueError:
        return default


def safe_next(target: str, *, default: str = "/") -> str:
    """Allow only local redirects (no open redirect through `next`)."""
    return (
        target if target.startswith("/") and not target.startswith("//") and "\\" not in target else default
    )


def provide_inventory(state: State) -> InventoryClient:
    return state.inventory


def provide_orders(state: State) -> OrdersClient:
    return state.orders


# Handler parameters injected by name (Litestar 3 drops inferred dependencies).
Inventory = NamedDependency[InventoryClient]
Orders = NamedDependency[OrdersClient]
