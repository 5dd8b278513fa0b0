"""The deployed functions by name: the same names and handlers as `serverless.yml`."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

Handler = Callable[[dict[str, Any], Any], Any]

FUNCTIONS: dict[str, str] = {
    "ingest-logs": "serverless.ingest_logs.handler",
    "vectorize-logs": "serverless.vectorize_logs.handler",
    "inventory-http": "serverless.http_inventory.handler",
    "orders-http": "serverless.http_orders.handler",
}


def load_handler(function: str) -> Handler:
    """Import the handler of `function`, or raise KeyError naming the known functions."""
    try:
        dotted = FUNCTIONS[function]
    except KeyError:
        raise KeyError(f"unknown function {function!r}; known: {', '.join(FUNCTIONS)}") from None
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)
