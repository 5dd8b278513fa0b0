"""Domain metrics of the inventory service (names and labels are fixed by docs/API.md)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

# result ∈ reserved, replayed, out_of_stock, committed, released, expired
RESERVATIONS = Counter("inventory_reservations_total", "Reservation outcomes.", ["result"])
# kind ∈ seed, restock, adjustment, reservation, release, expiry, shipment
STOCK_MOVEMENTS = Counter("inventory_stock_movements_total", "Rows appended to the stock ledger.", ["kind"])
LOW_STOCK_ITEMS = Gauge("inventory_low_stock_items", "Stock rows at or below their reorder point.")
