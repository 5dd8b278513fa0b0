"""Names shared by Python and templates for the live order page (STYLE rules 7 and 11)."""

from __future__ import annotations

# The Redis pub/sub channel orders_svc's outbox relay publishes to (docs/API.md).
ORDER_EVENTS_CHANNEL = "autoforge.order-events"
# What the relay calls a status change in the message body.
ORDER_STATUS_CHANGED = "order-status-changed"
# The SSE event the order page swaps into `#order-status` (`sse-swap="order-status"`).
ORDER_STATUS = "order-status"
