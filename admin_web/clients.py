"""Typed clients for inventory and orders (docs/API.md); the only module that knows their URLs."""

from __future__ import annotations

from typing import Any, TypeVar
from urllib.parse import quote

import httpx
import msgspec

from admin_web.schemas import (
    HistoryRead,
    LowStockRead,
    MovementPage,
    OrderPage,
    OrderRead,
    ProductPage,
    ProductRead,
    StockLevelRead,
    Warehouse,
)
from common.errors import DomainError, Unavailable
from common.observability import outbound_headers

T = TypeVar("T")


class ServiceProblem(DomainError):
    """The service refused the request (4xx); its `code` and `detail` are shown to the operator."""

    def __init__(self, detail: str, *, status: int, code: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail, extra=extra)
        self.status = status
        self.problem_code = code


class ServiceDown(Unavailable):
    """The service did not answer or answered 5xx."""


class _Client:
    service = "service"

    def __init__(
        self, base_url: str, *, timeout_s: float = 3.0, transport: httpx.AsyncBaseTransport | None = None
    ):
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout_s, transport=transport)

    async def _call(self, method: str, path: str, *, type_: type[T], **kwargs: Any) -> T:
        try:
            response = await self._http.request(method, path, headers=outbound_headers(), **kwargs)
        except httpx.HTTPError as exc:
            raise ServiceDown(f"{self.service} is unreachable ({type(exc).__name__})") from exc
        if response.status_code >= 500:
            raise ServiceDown(f"{self.service} answered {response.status_code}")
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {}
            raise ServiceProblem(
                str(body.get("detail") or response.reason_phrase),
                status=response.status_code,
                code=str(body.get("code", "error")),
                extra={k: v for k, v in body.items() if k not in {"code", "detail"}},
            )
        return msgspec.json.decode(response.content, type=type_)

    async def aclose(self) -> None:
        await self._http.aclose()


def _seg(value: str) -> str:
    """One path segment, escaped: an id can never reach another path."""
    return quote(value, safe="")


def _params(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v not in (None, "")}


class InventoryClient(_Client):
    service = "inventory"

    async def search_products(
        self, *, q: str = "", limit: int = 25, cursor: str | None = None
    ) -> ProductPage:
        return await self._call(
            "GET", "/products", type_=ProductPage, params=_params(q=q, limit=limit, cursor=cursor)
        )

    async def get_product(self, sku: str) -> ProductRead:
        return await self._call("GET", f"/products/{_seg(sku)}", type_=ProductRead)

    async def get_stock(self, sku: str) -> list[StockLevelRead]:
        return await self._call("GET", f"/stock/{_seg(sku)}", type_=list[StockLevelRead])

    async def list_movements(self, sku: str, *, limit: int = 50, cursor: str | None = None) -> MovementPage:
        return await self._call(
            "GET",
            f"/stock/{_seg(sku)}/movements",
            type_=MovementPage,
            params=_params(limit=limit, cursor=cursor),
        )

    async def list_low_stock(self, *, limit: int = 50) -> list[LowStockRead]:
        return await self._call("GET", "/stock/low", type_=list[LowStockRead], params={"limit": limit})

    async def list_warehouses(self) -> list[Warehouse]:
        return await self._call("GET", "/warehouses", type_=list[Warehouse])

    async def restock(self, sku: str, *, warehouse: str, quantity: int, reason: str, actor: str) -> Any:
        body = {"warehouse": warehouse, "quantity": quantity, "reason": reason, "actor": actor}
        return await self._call("POST", f"/stock/{_seg(sku)}/restocks", type_=Any, json=body)

    async def adjust(self, sku: str, *, warehouse: str, delta: int, reason: str, actor: str) -> Any:
        body = {"warehouse": warehouse, "delta": delta, "reason": reason, "actor": actor}
        return await self._call("POST", f"/stock/{_seg(sku)}/adjustments", type_=Any, json=body)


class OrdersClient(_Client):
    service = "orders"

    async def list_orders(
        self,
        *,
        status: str = "",
        email: str = "",
        created_from: str = "",
        created_to: str = "",
        limit: int = 25,
        cursor: str | None = None,
    ) -> OrderPage:
        params = _params(
            status=status,
            email=email,
            created_from=created_from,
            created_to=created_to,
            limit=limit,
            cursor=cursor,
        )
        return await self._call("GET", "/orders", type_=OrderPage, params=params)

    async def get_order(self, order_id: str) -> OrderRead:
        return await self._call("GET", f"/orders/{_seg(order_id)}", type_=OrderRead)

    async def get_history(self, order_id: str) -> list[HistoryRead]:
        return await self._call("GET", f"/orders/{_seg(order_id)}/history", type_=list[HistoryRead])

    async def transition(self, order_id: str, *, to: str, actor: str, reason: str) -> OrderRead:
        body = {"to": to, "actor": actor, "reason": reason}
        return await self._call("POST", f"/orders/{_seg(order_id)}/transitions", type_=OrderRead, json=body)

    async def cancel(self, order_id: str, *, actor: str, reason: str) -> OrderRead:
        body = {"actor": actor, "reason": reason}
        return await self._call("POST", f"/orders/{_seg(order_id)}/cancellation", type_=OrderRead, json=body)
