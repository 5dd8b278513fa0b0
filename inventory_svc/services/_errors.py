"""Domain errors of the inventory service; `common.errors` maps them to HTTP once."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from common.errors import Conflict, DomainError, NotFound


class InvalidInput(DomainError):
    """A request that passed type validation but breaks a rule the types cannot express."""

    code = "validation_error"

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}", extra={"field": field})


class InvalidCursor(DomainError):
    code = "invalid_cursor"

    def __init__(self) -> None:
        super().__init__("cursor: not a cursor of this listing and sort", extra={"field": "cursor"})


class UnknownSku(NotFound):
    code = "unknown_sku"

    def __init__(self, skus: Sequence[str]) -> None:
        super().__init__(f"unknown sku: {', '.join(skus)}", extra={"skus": list(skus)})


class UnknownWarehouse(NotFound):
    code = "unknown_warehouse"

    def __init__(self, code: str) -> None:
        super().__init__(f"warehouse: unknown warehouse {code!r}", extra={"field": "warehouse"})


class SkuExists(Conflict):
    code = "sku_exists"

    def __init__(self, sku: str) -> None:
        super().__init__(f"sku: {sku} already exists", extra={"field": "sku"})


class BelowReserved(Conflict):
    code = "below_reserved"

    def __init__(self, sku: str, *, warehouse: str, on_hand: int, reserved: int, delta: int) -> None:
        super().__init__(
            f"delta: {sku} in {warehouse} has {on_hand} on hand and {reserved} reserved; "
            f"{delta} would leave less on hand than reserved",
            extra={"field": "delta", "on_hand": on_hand, "reserved": reserved},
        )


class OutOfStock(Conflict):
    code = "out_of_stock"

    def __init__(self, lines: list[dict[str, int | str]]) -> None:
        names = ", ".join(
            f"{line['sku']} ({line['requested']} requested, {line['available']} available)" for line in lines
        )
        super().__init__(f"not enough stock: {names}", extra={"lines": lines})


class ReservationNotFound(NotFound):
    code = "reservation_not_found"

    def __init__(self, order_id: UUID) -> None:
        super().__init__(f"no reservation for order {order_id}")


class ReservationNotHeld(Conflict):
    code = "reservation_not_held"

    def __init__(self, order_id: UUID, status: str) -> None:
        super().__init__(f"reservation for order {order_id} is {status}", extra={"current_status": status})


class ReservationCommitted(Conflict):
    code = "reservation_committed"

    def __init__(self, order_id: UUID) -> None:
        super().__init__(f"reservation for order {order_id} is committed (shipped); it cannot be released")


class OrderIdReused(Conflict):
    code = "order_id_reused"

    def __init__(self, order_id: UUID) -> None:
        super().__init__(f"order_id: {order_id} already holds a reservation with different lines")
