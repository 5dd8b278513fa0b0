"""What the storefront keeps in the shopper's server-side session (Redis): garage, cart, checkout.

The session is a plain dict that Litestar's server-side session middleware stores in Redis
under an HttpOnly cookie; these helpers are the only code that knows its keys.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

import msgspec

MAX_GARAGE = 8
MAX_CART_LINES = 50
MAX_QUANTITY = 99
# Keys of orders placed from this session, so a late duplicate submit finds its order.
MAX_PLACED = 10


class Vehicle(msgspec.Struct, frozen=True):
    year: int
    make: str
    model: str

    @property
    def label(self) -> str:
        return f"{self.year} {self.make} {self.model}"

    def as_tuple(self) -> tuple[int, str, str]:
        return (self.year, self.make, self.model)


Session = dict[str, Any]


def garage(session: Session) -> list[Vehicle]:
    return [Vehicle(int(y), str(mk), str(md)) for y, mk, md in session.get("garage", [])]


def active_index(session: Session) -> int | None:
    index = session.get("active")
    return index if isinstance(index, int) and 0 <= index < len(session.get("garage", [])) else None


def active_vehicle(session: Session) -> Vehicle | None:
    index = active_index(session)
    return None if index is None else garage(session)[index]


def add_vehicle(session: Session, vehicle: Vehicle) -> None:
    """Put `vehicle` in the garage (once) and make it the active one."""
    vehicles = garage(session)
    if vehicle in vehicles:
        session["active"] = vehicles.index(vehicle)
        return
    vehicles = [*vehicles, vehicle][-MAX_GARAGE:]
    session["garage"] = [[v.year, v.make, v.model] for v in vehicles]
    session["active"] = len(vehicles) - 1


def activate_vehicle(session: Session, index: int) -> None:
    if 0 <= index < len(session.get("garage", [])):
        session["active"] = index


def remove_vehicle(session: Session, index: int) -> None:
    vehicles = garage(session)
    if not 0 <= index < len(vehicles):
        return
    active = active_index(session)
    del vehicles[index]
    session["garage"] = [[v.year, v.make, v.model] for v in vehicles]
    if active is None or not vehicles:
        session.pop("active", None)
    elif active == index:
        session["active"] = len(vehicles) - 1
    elif active > index:
        session["active"] = active - 1


def cart(session: Session) -> dict[str, int]:
    """Return the cart as {sku: quantity}, in the order lines were added."""
    return {str(sku): int(qty) for sku, qty in session.get("cart", {}).items()}


def cart_count(session: Session) -> int:
    return sum(cart(session).values())


def _clamp(quantity: int) -> int:
    return max(1, min(MAX_QUANTITY, quantity))


def add_to_cart(session: Session, sku: str, quantity: int) -> None:
    lines = cart(session)
    if sku not in lines and len(lines) >= MAX_CART_LINES:
        return
    lines[sku] = _clamp(lines.get(sku, 0) + quantity)
    session["cart"] = lines


def set_quantity(session: Session, sku: str, quantity: int) -> None:
    lines = cart(session)
    if sku in lines:
        lines[sku] = _clamp(quantity)
        session["cart"] = lines


def remove_from_cart(session: Session, sku: str) -> None:
    lines = cart(session)
    if lines.pop(sku, None) is not None:
        session["cart"] = lines


def _fingerprint(lines: dict[str, int]) -> str:
    return hashlib.sha256(repr(sorted(lines.items())).encode()).hexdigest()[:16]


def checkout_key(session: Session) -> str:
    """Return the Idempotency-Key for checking out this cart, creating one for a new cart.

    The key is created when the checkout form is rendered and lives as long as the cart is
    unchanged, so a refresh, a double click or a retry all submit the same key; a changed
    cart gets a new key because the orders service refuses a key reused with another body.
    """
    fingerprint = _fingerprint(cart(session))
    current = session.get("checkout") or {}
    if current.get("fingerprint") == fingerprint and current.get("key"):
        return str(current["key"])
    key = secrets.token_urlsafe(24)
    session["checkout"] = {"key": key, "fingerprint": fingerprint}
    return key


def renew_checkout_key(session: Session) -> None:
    session.pop("checkout", None)


def remember_order(session: Session, *, key: str, tracking_token: str) -> None:
    """Record a placed order and empty the cart."""
    placed = dict(session.get("placed", {}))
    placed[key] = tracking_token
    session["placed"] = dict(list(placed.items())[-MAX_PLACED:])
    session.pop("cart", None)
    session.pop("checkout", None)


def placed_order(session: Session, key: str) -> str | None:
    return session.get("placed", {}).get(key)
