"""Lambda handler of inventory_svc behind API Gateway (httpApi), through mangum."""

from __future__ import annotations

from typing import Any

from serverless.http_common import asgi_handler


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    return asgi_handler("inventory_svc.app:create_app", event, context, base_path="/inventory")
