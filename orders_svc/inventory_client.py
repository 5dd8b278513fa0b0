"""The typed client for inventory_svc: the only module that knows inventory's URLs.

Every call has a timeout. Calls that are safe (GET) or idempotent on the order id
(reserve, commit, release) are retried a bounded number of times with exponential back-off
and jitter when inventory cannot be reached or answers 502/503/504; a business refusal
(out of stock, unknown SKU) is never retried.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from typing import Any
from uuid import UUID

import httpx
import msgspec
from litestar import Litestar
from loguru import logger

from common.errors import Conflict, DomainError, NotFound, Unavailable
from common.observability import outbound_headers
from orders_svc.metrics import INVENTORY_CALL_SECONDS

_RETRYABLE_STATUS = frozenset({502, 503, 504})


class ReservationLine(msgspec.Struct, frozen=True):
    sku: str
    quantity: int
    unit_price_cents: int
    warehouse: str = ""
    currency: str = "USD"
    name: str = ""


class ReservationRead(msgspec.Struct, frozen=True):
    order_id: UUID
    status: str  # held | committed | released | expired
    lines: list[ReservationLine] = []
    expires_at: datetime | None = None
    created_at: datetime | None = None


class _LineRequest(msgspec.Struct, frozen=True):
    sku: str
    quantity: int


class _ReservationRequest(msgspec.Struct, frozen=True):
    order_id: UUID
    lines: list[_LineRequest]
    ttl_s: int


class InventoryUnavailable(Unavailable):
    code = "inventory_unavailable"


class OutOfStock(Conflict):
    code = "out_of_stock"


class UnknownSku(NotFound):
    code = "unknown_sku"


class ReservationNotFound(NotFound):
    code = "reservation_not_found"


class ReservationCommitted(Conflict):
    code = "reservation_committed"


class _Retryable(Exception):
    """One attempt failed in a way that a repeat of the same idempotent call may fix."""


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class InventoryClient:
    """Reserve, inspect, commit and release stock for orders, over inventory's HTTP API."""

    def __init__(
        self, http: httpx.AsyncClient, *, timeout_s: float = 2.0, retries: int = 2, backoff_s: float = 0.05
    ) -> None:
        self.http = http
        # httpx times each phase (connect, read, ...); this bounds a whole attempt, so a server
        # that answers slowly, byte by byte, cannot hold an order open either.
        self.timeout_s = timeout_s
        self.retries = max(0, retries)
        self.backoff_s = backoff_s

    async def reserve(self, order_id: UUID, *, lines: list[tuple[str, int]], ttl_s: int) -> ReservationRead:
        """Hold stock for every line of the order, or raise OutOfStock / UnknownSku."""
        body = _ReservationRequest(
            order_id=order_id, lines=[_LineRequest(sku=s, quantity=q) for s, q in lines], ttl_s=ttl_s
        )
        response = await self._call("reserve", "POST", "/reservations", content=msgspec.json.encode(body))
        if response.status_code in (200, 201):
            return msgspec.json.decode(response.content, type=ReservationRead)
        problem = _problem(response)
        if response.status_code == 409 and problem.get("code") == "out_of_stock":
            raise OutOfStock(
                problem.get("detail", "not enough stock"), extra={"lines": problem.get("lines", [])}
            )
        if response.status_code in (404, 422) and problem.get("code") == "unknown_sku":
            raise UnknownSku(problem.get("detail", "unknown SKU"), extra={"skus": problem.get("skus", [])})
        raise self._unexpected("reserve", response)

    async def get_reservation_or_none(self, order_id: UUID) -> ReservationRead | None:
        """Return inventory's reservation for the order, or None when it never made one."""
        response = await self._call("get_reservation", "GET", f"/reservations/{order_id}")
        if response.status_code == 200:
            return msgspec.json.decode(response.content, type=ReservationRead)
        if response.status_code == 404:
            return None
        raise self._unexpected("get_reservation", response)

    async def commit(self, order_id: UUID) -> ReservationRead:
        """Turn the order's held stock into a shipment out of on-hand."""
        response = await self._call("commit", "POST", f"/reservations/{order_id}/commitment")
        if response.status_code in (200, 201):
            return msgspec.json.decode(response.content, type=ReservationRead)
        if response.status_code == 404:
            raise ReservationNotFound(f"inventory holds no reservation for order {order_id}")
        raise self._unexpected("commit", response)

    async def release(self, order_id: UUID) -> ReservationRead | None:
        """Give the order's held stock back; None when inventory never held any."""
        response = await self._call("release", "POST", f"/reservations/{order_id}/release")
        if response.status_code in (200, 201):
            return msgspec.json.decode(response.content, type=ReservationRead)
        if response.status_code == 404:
            return None
        if response.status_code == 409:
            raise ReservationCommitted(f"the reservation of order {order_id} is already committed")
        raise self._unexpected("release", response)

    def _unexpected(self, operation: str, response: httpx.Response) -> DomainError:
        problem = _problem(response)
        logger.bind(operation=operation, status=response.status_code, code=problem.get("code", "")).warning(
            "unexpected inventory answer"
        )
        return InventoryUnavailable(f"inventory answered {response.status_code} to {operation}")

    async def _call(
        self, operation: str, method: str, path: str, *, content: bytes | None = None
    ) -> httpx.Response:
        started = time.perf_counter()
        outcome = "error"
        try:
            for attempt in range(self.retries + 1):
                try:
                    response = await self._attempt(method, path, content=content)
                except _Retryable as exc:
                    if attempt == self.retries:
                        logger.bind(operation=operation, attempts=attempt + 1, error=str(exc)).warning(
                            "inventory unavailable"
                        )
                        raise InventoryUnavailable(f"inventory could not be reached for {operation}") from exc
                    # Full jitter keeps retrying replicas from hitting inventory in lock-step.
                    await asyncio.sleep(random.uniform(0, self.backoff_s * 2**attempt))
                    continue
                outcome = "ok" if response.status_code < 400 else "rejected"
                return response
            raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises
        finally:
            INVENTORY_CALL_SECONDS.labels(operation=operation, outcome=outcome).observe(
                time.perf_counter() - started
            )

    async def _attempt(self, method: str, path: str, *, content: bytes | None) -> httpx.Response:
        headers = outbound_headers()
        if content is not None:
            headers["content-type"] = "application/json"
        try:
            async with asyncio.timeout(self.timeout_s):
                response = await self.http.request(method, path, content=content, headers=headers)
        except httpx.TransportError as exc:  # connect errors, timeouts, broken connections
            raise _Retryable(type(exc).__name__) from exc
        except TimeoutError as exc:
            raise _Retryable("attempt timed out") from exc
        if response.status_code in _RETRYABLE_STATUS:
            raise _Retryable(f"status {response.status_code}")
        return response


def inventory_lifespan(
    *,
    base_url: str,
    timeout_s: float,
    retries: int,
    backoff_s: float,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """Lifespan hook: one InventoryClient at `app.state.inventory`, on the app's own loop."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        http = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeout_s),
            # httpcore scans every pooled connection (a poll() each) whenever it assigns one, so a
            # big pool costs CPU on every call; inventory's own database pool is smaller anyway.
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
            transport=transport,
        )
        app.state.inventory = InventoryClient(http, timeout_s=timeout_s, retries=retries, backoff_s=backoff_s)
        try:
            yield
        finally:
            await http.aclose()

    return lifespan
