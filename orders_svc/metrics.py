from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from common.observability import LATENCY_BUCKETS

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
