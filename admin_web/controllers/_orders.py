"""Order operations: list and filter, detail with lines and history, transitions, cancel."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated
from uuid import UUID

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
from admin_web.clients import OrdersClient, ServiceDown, ServiceProblem
from admin_web.controllers._common import actor, back, current_user, page

Form = Body(media_type=RequestEncodingType.URL_ENCODED)
STATUSES = ("pending", "reserved", "confirmed", "shipped", "delivered", "cancelled", "failed")


class TransitionForm(msgspec.Struct, kw_only=True):
    to: str = ""
    reason: str = ""


class CancelForm(msgspec.Struct, kw_only=True):
    reason: str = ""


def _day(value: str, *, end: bool = False) -> str:
    """A `YYYY-MM-DD` filter as an ISO instant (start or end of that UTC day), or ""."""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return ""
    moment = dt.datetime.combine(day, dt.time.max if end else dt.time.min, tzinfo=dt.UTC)
    return moment.isoformat()


class OrderController(Controller):
    path = "/orders"
    opt = guards.viewer()

    @get()
    async def list_orders(
        self,
        request: HTMXRequest,
        orders: NamedDependency[OrdersClient],
        status: FromQuery[str] = "",
        customer: FromQuery[str] = "",
        created_from: FromQuery[str] = "",
        created_to: FromQuery[str] = "",
        cursor: FromQuery[str | None] = None,
    ) -> Template:
        status = status if status in STATUSES else ""
        filters = {"status": status, "customer": customer[:254], "created_from": created_from[:10],
                   "created_to": created_to[:10]}  # fmt: skip
        listing, problem = None, ""
        try:
            listing = await orders.list_orders(
                status=status, email=customer.strip()[:254], created_from=_day(created_from),
                created_to=_day(created_to, end=True), limit=25, cursor=cursor,
            )  # fmt: skip
        except (ServiceDown, ServiceProblem) as exc:
            problem = str(exc)
        context = {"orders": listing, "filters": filters, "statuses": STATUSES, "unavailable": problem}
        if request.htmx:
            return HTMXBlockTemplate(
                template_name="orders.html.j2", block_name="orders_table", context=context
            )
        return page("orders.html.j2", request, active="orders", **context)

    @get("/{order_id:uuid}")
    async def order(
        self, request: Request, orders: NamedDependency[OrdersClient], order_id: FromPath[UUID]
    ) -> Template:
        try:
            order, history = await asyncio.gather(
                orders.get_order(str(order_id)), orders.get_history(str(order_id))
            )
        except ServiceProblem as exc:
            if exc.status == 404:
                raise NotFoundException(f"no order {order_id}") from exc
            raise
        except ServiceDown as exc:
            return page("order.html.j2", request, active="orders", order_id=order_id, unavailable=str(exc))
        transitions = [t for t in order.allowed_transitions if t != "cancelled"]
        return page(
            "order.html.j2", request, active="orders", order_id=order_id, order=order, history=history,
            transitions=transitions, can_cancel="cancelled" in order.allowed_transitions, unavailable="",
        )  # fmt: skip

    @post("/{order_id:uuid}/transitions", opt=guards.operator())
    async def transition(
        self,
        request: Request,
        orders: NamedDependency[OrdersClient],
        order_id: FromPath[UUID],
        data: Annotated[TransitionForm, Form],
    ) -> Redirect:
        here = f"/orders/{order_id}"
        if data.to not in STATUSES or data.to == "cancelled":
            return back(here, problem="choose one of the offered transitions")
        reason = " ".join(data.reason.split())[:200] or f"set to {data.to} in admin"
        try:
            order = await orders.transition(
                str(order_id), to=data.to, actor=actor(current_user(request)), reason=reason
            )
        except (ServiceDown, ServiceProblem) as exc:
            return back(here, problem=f"transition refused: {exc}")
        return back(here, notice=f"order is now {order.status}")

    @post("/{order_id:uuid}/cancellation", opt=guards.operator())
    async def cancel(
        self,
        request: Request,
        orders: NamedDependency[OrdersClient],
        order_id: FromPath[UUID],
        data: Annotated[CancelForm, Form],
    ) -> Redirect:
        here = f"/orders/{order_id}"
        reason = " ".join(data.reason.split())[:200]
        if len(reason) < 3:
            return back(here, problem="give a reason to cancel (at least 3 characters)")
        try:
            await orders.cancel(str(order_id), actor=actor(current_user(request)), reason=reason)
        except (ServiceDown, ServiceProblem) as exc:
            return back(here, problem=f"cancel refused: {exc}")
        return back(here, notice="order cancelled")
