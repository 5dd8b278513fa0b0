"""Domain metrics of the inventory service (names and labels are fixed by docs/API.md)."""

from __future__ import annotations

from typing import get_args

from prometheus_client import Counter, Gauge

from inventory_svc.schemas import MovementKind

RESERVATION_RESULTS = ("reserved", "replayed", "out_of_stock", "committed", "released", "expired")
MOVEMENT_KINDS: tuple[str, ...] = get_args(MovementKind)

RESERVATIONS = Counter("inventory_reservations_total", "Reservation outcomes.", ["result"])
STOCK_MOVEMENTS = Counter("inventory_stock_movements_total", "Rows appended to the stock ledger.", ["kind"])
LOW_STOCK_ITEMS = Gauge("inventory_low_stock_items", "Stock rows at or below their reorder point.")


def initialise_label_values() -> None:
    """Expose every known series at 0, so rate() and increase() also see each series' first event.

    A series that appears only with its first increment has no earlier sample to compare with,
    and that increment never shows in a rate.
    """
    for result in RESERVATION_RESULTS:
        RESERVATIONS.labels(result=result)
    for kind in MOVEMENT_KINDS:
        STOCK_MOVEMENTS.labels(kind=kind)
