from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from common.observability import LATENCY_BUCKETS
from orders_svc.tables import Status

ORDERS_CREATED = Counter("orders_created_total", "Orders written (status pending) by POST /orders.")
ORDERS_TRANSITIONS = Counter("orders_transitions_total", "Order status changes.", ["to_status"])
ORDERS_BY_STATUS = Gauge("orders_by_status", "Orders per status, refreshed periodically.", ["status"])
INVENTORY_CALL_SECONDS = Histogram(
    "orders_inventory_call_seconds",
    "Latency of calls to inventory, retries included.",
    ["operation", "outcome"],
    buckets=LATENCY_BUCKETS,
)
OUTBOX_PUBLISHED = Counter("orders_outbox_published_total", "Outbox events published to Redis.")


def initialise_series() -> None:
    """Create every known label value at zero, so rate() and increase() see the first event.

    A counter series that first appears already at 1 shows no increase from it.
    """
    for status in Status:
        ORDERS_TRANSITIONS.labels(to_status=status.value)
        ORDERS_BY_STATUS.labels(status=status.value)
