"""Helpers every page module shares: template globals, filters, form parsing, dependencies."""

from __future__ import annotations

import re
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


# Unit suffixes of attribute keys as inventory stores them (weight_kg) and how people write them.
UNITS = {
    "kg": "kg", "g": "g", "lb": "lb", "oz": "oz", "mm": "mm", "cm": "cm", "m": "m", "in": "in",
    "nm": "N·m", "v": "V", "w": "W", "a": "A", "ah": "Ah", "l": "L", "ml": "mL", "psi": "psi",
    "rpm": "rpm", "c": "°C", "pct": "%",
}  # fmt: skip


def attribute_label(key: str) -> str:
    """Turn an attribute key into a label: "weight_kg" → "Weight (kg)", "thread_size" → "Thread size"."""
    words = [w for w in key.replace("-", "_").split("_") if w]
    if not words:
        return key
    unit = UNITS.get(words[-1].lower()) if len(words) > 1 else None
    if unit:
        words = words[:-1]
    label = " ".join(words)
    label = label[:1].upper() + label[1:]
    return f"{label} ({unit})" if unit else label


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


# C0 and C1 control characters (NUL, ESC, DEL, ...): never part of a search, a part number or an
# address, and the backends refuse them; tabs and newlines are refused too (no field is multi-line).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class InvalidInput(Exception):
    """A value the shopper sent that no page can use; rendered as a friendly 400 page."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def text_problem(value: str, *, max_length: int) -> str:
    """Return why `value` cannot be used as a text field (control characters, too long), or ""."""
    if CONTROL_CHARACTERS.search(value):
        return "Use only letters, digits, spaces and punctuation."
    if len(value) > max_length:
        return f"Use at most {max_length} characters."
    return ""


def clean_text(value: str, *, field: str, max_length: int) -> str:
    """`value` without surrounding spaces, or InvalidInput when it is unusable (see `text_problem`)."""
    value = value.strip()
    if problem := text_problem(value, max_length=max_length):
        raise InvalidInput(field, problem)
    return value


def form_text(form: dict[str, Any], key: str) -> str:
    """The raw (stripped, unclipped) text of one form field; validation is the caller's."""
    value = form.get(key, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value).strip()


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
