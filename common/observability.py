"""Request metrics, request ids and the one-JSON-line-per-request log, as one ASGI middleware.

Metric names and labels are a contract with `prometheus/`, `grafana/` and `admin_web`:
`http_requests_total{service,method,route,status}`,
`http_request_duration_seconds{service,method,route}` and `http_requests_in_flight{service}`.
`route` is the route template (`/products/{sku}`), never the raw path, so cardinality is
bounded by the number of routes.
"""

from __future__ import annotations

import contextvars
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from litestar import Controller, Response, get
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

from common.logs import log_request

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

REQUEST_ID_HEADER = "x-request-id"
# The request id of the request being served; outbound clients copy it onto their calls.
current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "http_requests_total", "HTTP requests served.", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time from request start to the end of the response.",
    ["service", "method", "route"],
    buckets=LATENCY_BUCKETS,
)
HTTP_IN_FLIGHT = Gauge("http_requests_in_flight", "Requests being served now.", ["service"])

# Probes and scrapes are not traffic: they are neither counted nor logged per request.
_QUIET_ROUTES = frozenset({"/metrics", "/healthz", "/readyz"})


def _valid_request_id(value: str) -> bool:
    return 0 < len(value) <= 128 and value.isascii() and value.isprintable()


def observability_middleware(service: str) -> Callable[[ASGIApp], ASGIApp]:
    """Build the middleware factory for `service`; Litestar applies it after routing."""
    # `*_created` series double the scrape size and no dashboard reads them.
    disable_created_metrics()
    in_flight = HTTP_IN_FLIGHT.labels(service=service)

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            route = scope.get("path_template") or "unmatched"
            if route in _QUIET_ROUTES:
                await app(scope, receive, send)
                return
            incoming = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), "")
            request_id = incoming if _valid_request_id(incoming) else uuid.uuid4().hex
            token = current_request_id.set(request_id)
            status = 500
            method = scope["method"]

            async def send_wrapper(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                    message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
                await send(message)

            start = time.perf_counter()
            in_flight.inc()
            try:
                await app(scope, receive, send_wrapper)
            except Exception as exc:
                # Middleware inside ours (CSRF, for one) raises HTTP errors that Litestar turns
                # into responses further out: count them with their own status, not as 500s.
                status = getattr(exc, "status_code", 500)
                raise
            finally:
                elapsed = time.perf_counter() - start
                in_flight.dec()
                HTTP_REQUESTS.labels(service=service, method=method, route=route, status=str(status)).inc()
                HTTP_LATENCY.labels(service=service, method=method, route=route).observe(elapsed)
                log_request(
                    "ERROR" if status >= 500 else "INFO",
                    {
                        "request_id": request_id,
                        "method": method,
                        "route": route,
                        "path": scope["path"],
                        "status": status,
                        "latency_ms": round(elapsed * 1000, 2),
                    },
                )
                current_request_id.reset(token)

        return middleware

    return factory


class MetricsController(Controller):
    path = "/metrics"
    include_in_schema = False

    @get(media_type="text/plain", sync_to_thread=False)
    def metrics(self) -> Response[bytes]:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


def outbound_headers() -> dict[str, str]:
    """Headers every call to another of our services carries: the current request id."""
    request_id = current_request_id.get()
    return {REQUEST_ID_HEADER: request_id} if request_id else {}


__all__ = (
    "HTTP_IN_FLIGHT",
    "HTTP_LATENCY",
    "HTTP_REQUESTS",
    "MetricsController",
    "current_request_id",
    "observability_middleware",
    "outbound_headers",
)
