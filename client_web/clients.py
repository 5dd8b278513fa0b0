"""Typed HTTP clients for inventory_svc and orders_svc: the only place that knows their URLs.

Wire types mirror docs/API.md. Unknown fields are ignored so the services can grow without
breaking the storefront. A backend that cannot be reached, times out or answers 5xx raises
`BackendUnavailable`, which the app renders as a friendly 503 page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

import httpcore
import msgspec

from common.observability import outbound_headers


class BackendUnavailable(Exception):
    """inventory or orders did not answer usefully; the page says so instead of failing."""

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"{service} unavailable: {reason}")
        self.service = service


class BackendProblem(Exception):
    """A 4xx problem body from a backend: a stable `code`, a `detail` and extra fields."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status} {body.get('code', '')}: {body.get('detail', '')}")
        self.status = status
        self.code = str(body.get("code", ""))
        self.detail = str(body.get("detail", ""))
        self.body = body


class ProductSummary(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    name: str
    brand: str
    category: str
    part_type: str
    price_cents: int
    currency: str
    available: int
    id: int | None = None


class StockLevelRead(msgspec.Struct, frozen=True, kw_only=True):
    warehouse: str
    available: int
    on_hand: int = 0
    reserved: int = 0


class FitmentRead(msgspec.Struct, frozen=True, kw_only=True):
    make: str
    model: str
    year_from: int
    year_to: int
    engine: str | None = None
    submodel: str | None = None


class ProductRead(ProductSummary, frozen=True, kw_only=True):
    description: str = ""
    oem_numbers: list[str] = []
    interchange_numbers: list[str] = []
    attributes: dict[str, str] = {}
    fitments: list[FitmentRead] = []
    stock: list[StockLevelRead] = []


class ProductPage(msgspec.Struct, frozen=True):
    items: list[ProductSummary]
    next_cursor: str | None = None


class ProductsBySku(msgspec.Struct, frozen=True):
    items: list[ProductSummary]
    missing: list[str] = []


class Category(msgspec.Struct, frozen=True):
    name: str
    part_types: list[str] = []


class Warehouse(msgspec.Struct, frozen=True):
    code: str
    name: str


class Fits(msgspec.Struct, frozen=True):
    fits: bool


class Customer(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    email: str


class Address(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    line1: str
    city: str
    region: str
    postal_code: str
    country: str
    line2: str | None = None


class OrderLineCreate(msgspec.Struct, frozen=True):
    sku: str
    quantity: int


class OrderCreate(msgspec.Struct, frozen=True, kw_only=True):
    customer: Customer
    shipping_address: Address
    lines: list[OrderLineCreate]


class OrderLineRead(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    name: str
    quantity: int
    unit_price_cents: int
    line_total_cents: int


class OrderRead(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    status: str
    customer: Customer
    shipping_address: Address
    lines: list[OrderLineRead]
    total_cents: int
    currency: str
    tracking_token: str
    created_at: str
    updated_at: str
    allowed_transitions: list[str] = []


class HistoryRead(msgspec.Struct, frozen=True, kw_only=True):
    to_status: str
    at: str
    from_status: str | None = None
    actor: str = ""
    reason: str = ""


_NETWORK_ERRORS = (httpcore.TimeoutException, httpcore.NetworkError, httpcore.ProtocolError, OSError)


class _Backend:
    """One keep-alive connection pool to one service; the request id is copied onto each call.

    httpcore (the engine under httpx) is used directly: building httpx's request and URL
    objects cost about as much CPU as the rest of a storefront request together (see
    bench/storefront.py), and these calls need none of what httpx adds.
    """

    service = "backend"

    def __init__(self, base_url: str, *, timeout_s: float) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeouts = {
            "connect": min(timeout_s, 2.0),
            "read": timeout_s,
            "write": timeout_s,
            "pool": timeout_s,
        }
        self._pool = httpcore.AsyncConnectionPool(
            max_connections=100, max_keepalive_connections=50, keepalive_expiry=30.0
        )

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        timeout_s: float | None = None,
    ) -> tuple[int, bytes]:
        url = self.base_url + path + (f"?{urlencode(params, doseq=True)}" if params else "")
        sent = {"accept": "application/json", **outbound_headers(), **(headers or {})}
        body = b""
        if json is not None:
            body = msgspec.json.encode(json)
            sent["content-type"] = "application/json"
        timeouts = self._timeouts if timeout_s is None else dict.fromkeys(self._timeouts, timeout_s)
        try:
            response = await self._pool.request(
                method, url, headers=list(sent.items()), content=body, extensions={"timeout": timeouts}
            )
        except _NETWORK_ERRORS as exc:
            raise BackendUnavailable(self.service, type(exc).__name__) from exc
        if response.status >= 500:
            raise BackendUnavailable(self.service, f"status {response.status}")
        if response.status >= 400:
            try:
                problem = msgspec.json.decode(response.content)
            except msgspec.DecodeError:
                problem = {}
            raise BackendProblem(response.status, problem if isinstance(problem, dict) else {})
        return response.status, response.content

    async def _get(self, path: str, result: type[Any], *, params: Any = None) -> Any:
        _, content = await self._call("GET", path, params=params)
        try:
            return msgspec.json.decode(content, type=result)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise BackendUnavailable(self.service, f"unexpected answer: {exc}") from exc

    async def check(self) -> bool:
        try:
            status, _ = await self._call("GET", "/healthz", timeout_s=1.0)
        except (BackendUnavailable, BackendProblem):
            return False
        return status == 200

    async def close(self) -> None:
        await self._pool.aclose()


def _sku(sku: str) -> str:
    return quote(sku, safe="")


class InventoryClient(_Backend):
    service = "inventory"

    async def search(
        self,
        *,
        q: str = "",
        part_number: str = "",
        category: str = "",
        brand: str = "",
        vehicle: tuple[int, str, str] | None = None,
        sort: str = "",
        limit: int = 24,
        cursor: str = "",
    ) -> ProductPage:
        params: dict[str, Any] = {"limit": limit}
        for key, value in (
            ("q", q),
            ("part_number", part_number),
            ("category", category),
            ("brand", brand),
            ("sort", sort),
            ("cursor", cursor),
        ):
            if value:
                params[key] = value
        if vehicle is not None:
            params["year"], params["make"], params["model"] = vehicle
        return await self._get("/products", ProductPage, params=params)

    async def product_or_none(self, sku: str) -> ProductRead | None:
        try:
            return await self._get(f"/products/{_sku(sku)}", ProductRead)
        except BackendProblem as exc:
            if exc.status == 404:
                return None
            raise

    async def by_skus(self, skus: list[str]) -> ProductsBySku:
        if not skus:
            return ProductsBySku(items=[])
        return await self._get("/products/by-sku", ProductsBySku, params=[("sku", s) for s in skus])

    async def availability(self, sku: str) -> list[StockLevelRead]:
        return await self._get(f"/products/{_sku(sku)}/availability", list[StockLevelRead])

    async def fits(self, sku: str, vehicle: tuple[int, str, str]) -> bool:
        year, make, model = vehicle
        params = {"year": year, "make": make, "model": model}
        result = await self._get(f"/products/{_sku(sku)}/fitment", Fits, params=params)
        return result.fits

    async def years(self) -> list[int]:
        return await self._get("/vehicles/years", list[int])

    async def makes(self, year: int) -> list[str]:
        return await self._get("/vehicles/makes", list[str], params={"year": year})

    async def models(self, year: int, make: str) -> list[str]:
        return await self._get("/vehicles/models", list[str], params={"year": year, "make": make})

    async def categories(self) -> list[Category]:
        return await self._get("/categories", list[Category])

    async def brands(self) -> list[str]:
        return await self._get("/brands", list[str])

    async def warehouses(self) -> list[Warehouse]:
        return await self._get("/warehouses", list[Warehouse])


class OrdersClient(_Backend):
    service = "orders"

    async def place(self, order: OrderCreate, *, idempotency_key: str) -> OrderRead:
        """Create the order, or get the one this key already created (raises BackendProblem on 4xx)."""
        _, content = await self._call(
            "POST", "/orders", json=msgspec.to_builtins(order), headers={"Idempotency-Key": idempotency_key}
        )
        return msgspec.json.decode(content, type=OrderRead)

    async def by_tracking_token_or_none(self, token: str) -> OrderRead | None:
        try:
            return await self._get(f"/orders/tracking/{quote(token, safe='')}", OrderRead)
        except BackendProblem as exc:
            if exc.status in (404, 422, 400):
                return None
            raise

    async def history(self, order_id: str) -> list[HistoryRead]:
        return await self._get(f"/orders/{quote(order_id, safe='')}/history", list[HistoryRead])
