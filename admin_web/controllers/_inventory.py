"""Inventory operations: search, stock per warehouse with the ledger, restock and adjust."""

from __future__ import annotations

import asyncio
from typing import Annotated

import msgspec
from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from admin_web import guards
from admin_web.clients import InventoryClient, ServiceDown, ServiceProblem
from admin_web.controllers._common import actor, back, current_user, page

Form = Body(media_type=RequestEncodingType.URL_ENCODED)


class RestockForm(msgspec.Struct, kw_only=True):
    warehouse: str = ""
    quantity: str = ""
    reason: str = ""


class AdjustForm(msgspec.Struct, kw_only=True):
    warehouse: str = ""
    delta: str = ""
    reason: str = ""


def _int(value: str) -> int | None:
    try:
        return int(value.strip())
    except ValueError:
        return None


def _reason(value: str) -> str:
    return " ".join(value.split())[:200]


class InventoryController(Controller):
    path = "/inventory"
    opt = guards.viewer()

    @get()
    async def search(
        self,
        request: HTMXRequest,
        inventory: NamedDependency[InventoryClient],
        q: FromQuery[str] = "",
        cursor: FromQuery[str | None] = None,
    ) -> Template:
        products, problem = None, ""
        try:
            products = await inventory.search_products(q=q.strip()[:100], limit=25, cursor=cursor)
        except ServiceDown as exc:
            problem = str(exc)
        except ServiceProblem as exc:
            problem = str(exc)
        context = {"products": products, "q": q, "unavailable": problem, "user": request.state.user}
        if request.htmx:
            return HTMXBlockTemplate(
                template_name="inventory.html.j2", block_name="products_table", context=context
            )
        return page("inventory.html.j2", request, active="inventory", **context)

    @get("/{sku:str}")
    async def product(
        self, request: Request, inventory: NamedDependency[InventoryClient], sku: FromPath[str]
    ) -> Template:
        try:
            product, movements, warehouses = await asyncio.gather(
                inventory.get_product(sku),
                inventory.list_movements(sku, limit=50),
                inventory.list_warehouses(),
            )
        except ServiceProblem as exc:
            if exc.status == 404:
                raise NotFoundException(f"no product {sku}") from exc
            raise
        except ServiceDown as exc:
            return page("product.html.j2", request, active="inventory", sku=sku, unavailable=str(exc))
        return page(
            "product.html.j2", request, active="inventory", sku=sku, product=product,
            movements=movements.items, warehouses=warehouses, unavailable="",
        )  # fmt: skip

    @post("/{sku:str}/restocks", opt=guards.operator())
    async def restock(
        self,
        request: Request,
        inventory: NamedDependency[InventoryClient],
        sku: FromPath[str],
        data: Annotated[RestockForm, Form],
    ) -> Redirect:
        here = f"/inventory/{sku}"
        quantity, reason = _int(data.quantity), _reason(data.reason)
        if quantity is None or quantity <= 0:
            return back(here, problem="restock quantity must be a positive whole number")
        if len(reason) < 3:
            return back(here, problem="give a reason (at least 3 characters)")
        try:
            await inventory.restock(
                sku,
                warehouse=data.warehouse,
                quantity=quantity,
                reason=reason,
                actor=actor(current_user(request)),
            )
        except (ServiceDown, ServiceProblem) as exc:
            return back(here, problem=f"restock refused: {exc}")
        return back(here, notice=f"restocked {quantity} x {sku} at {data.warehouse}")

    @post("/{sku:str}/adjustments", opt=guards.operator())
    async def adjust(
        self,
        request: Request,
        inventory: NamedDependency[InventoryClient],
        sku: FromPath[str],
        data: Annotated[AdjustForm, Form],
    ) -> Redirect:
        here = f"/inventory/{sku}"
        delta, reason = _int(data.delta), _reason(data.reason)
        if not delta:
            return back(here, problem="adjustment must be a non-zero whole number")
        if len(reason) < 3:
            return back(here, problem="give a reason (at least 3 characters)")
        try:
            await inventory.adjust(
                sku, warehouse=data.warehouse, delta=delta, reason=reason, actor=actor(current_user(request))
            )
        except (ServiceDown, ServiceProblem) as exc:
            return back(here, problem=f"adjustment refused: {exc}")
        return back(here, notice=f"adjusted {sku} at {data.warehouse} by {delta:+d}")
