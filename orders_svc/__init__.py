"""Orders: order placement, the order state machine, history and the event outbox (database "orders")."""
