"""Serve an HTTP deployable on Lambda through mangum, importing it by name at call time.

The app module is imported with importlib from a string, so `serverless` never imports
another deployable (the import-linter independence contract) and the Lambda package for
one function does not load the other's code.
"""

from __future__ import annotations

import importlib
from typing import Any

_handlers: dict[str, Any] = {}


def asgi_handler(app_factory: str, event: dict[str, Any], context: Any, *, base_path: str) -> dict[str, Any]:
    """Call `module:factory()` once per process, wrap it in Mangum, and handle `event`.

    `base_path` is the route prefix API Gateway adds (`/inventory/{proxy+}`); mangum strips it.
    """
    handler = _handlers.get(app_factory)
    if handler is None:
        from mangum import Mangum

        module_name, _, factory = app_factory.partition(":")
        app = getattr(importlib.import_module(module_name), factory)()
        handler = _handlers[app_factory] = Mangum(app, lifespan="auto", api_gateway_base_path=base_path)
    return handler(event, context)
