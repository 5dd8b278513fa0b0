"""The rules of orders: placement, the state machine, reads, and background work."""

from orders_svc.services._background import (
    ORDER_EVENTS_CHANNEL,
    recover_pending_orders,
    refresh_status_gauge,
    relay_outbox,
    retry_releases,
)
from orders_svc.services._machine import TRANSITIONS, IllegalTransition, OrderNotFound, allowed_transitions
from orders_svc.services._placement import (
    DuplicateSku,
    IdempotencyKeyReused,
    StoredProblem,
    UnknownSkus,
    place_order,
    request_hash,
)
from orders_svc.services._queries import (
    InvalidCursor,
    get_order,
    get_order_by_token,
    list_history,
    list_orders,
)
from orders_svc.services._transitions import transition_order

__all__ = (
    "ORDER_EVENTS_CHANNEL",
    "TRANSITIONS",
    "DuplicateSku",
    "IdempotencyKeyReused",
    "IllegalTransition",
    "InvalidCursor",
    "OrderNotFound",
    "StoredProblem",
    "UnknownSkus",
    "allowed_transitions",
    "get_order",
    "get_order_by_token",
    "list_history",
    "list_orders",
    "place_order",
    "recover_pending_orders",
    "refresh_status_gauge",
    "relay_outbox",
    "request_hash",
    "retry_releases",
    "transition_order",
)
