"""The order page, reached by its unguessable tracking token, and its live status stream."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from jinja2_fragments import render_block
from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar import Request, get
from litestar.channels import ChannelsPlugin
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import ServerSentEvent, ServerSentEventMessage
from litestar.template import TemplateEngineProtocol

from client_web import events
from client_web.live import order_status_events
from client_web.settings import WebSettings
from client_web.views import Orders

# Steps of the happy path, for the timeline; other statuses (failed, cancelled) end it.
STEPS = ("pending", "reserved", "confirmed", "shipped", "delivered")
STATUS_LABELS = {
    "pending": "Received",
    "reserved": "Parts reserved",
    "confirmed": "Confirmed",
    "shipped": "Shipped",
    "delivered": "Delivered",
    "cancelled": "Cancelled",
    "failed": "Could not be completed",
}


async def order_context(orders: Orders, token: str) -> dict[str, Any]:
    order = await orders.by_tracking_token_or_none(token[:200])
    if order is None:
        raise NotFoundException("No order with this tracking link")
    history = await orders.history(order.id)
    reached = {h.to_status for h in history} | {order.status}
    return {"order": order, "history": history, "steps": STEPS, "reached": reached, "labels": STATUS_LABELS}


@get("/orders/{token:str}", name="order")
async def order_page(orders: Orders, token: FromPath[str]) -> HTMXBlockTemplate:
    """The order with its status timeline; `#order-status` updates itself over SSE."""
    context = await order_context(orders, token)
    return HTMXBlockTemplate(template_name="order.html.j2", context={**context, "token": token})


@get("/orders/{token:str}/events", name="order_events", skip_session=True)
async def order_events(
    request: Request,
    orders: Orders,
    channels: NamedDependency[ChannelsPlugin],
    settings: NamedDependency[WebSettings],
    token: FromPath[str],
) -> ServerSentEvent:
    """Stream `order-status` events carrying the re-rendered status section of this order."""
    await order_context(orders, token)  # 404 before the stream starts, not inside it
    engine: TemplateEngineProtocol = request.app.template_engine  # type: ignore[assignment]

    async def render() -> str:
        context = await order_context(orders, token)
        template = engine.get_template("order.html.j2")
        return render_block(
            engine.engine, template, "order_status", {**context, "token": token, "request": request}
        )  # type: ignore[attr-defined]

    async def source() -> AsyncIterator[ServerSentEventMessage]:
        # Bounded: the stream ends after `stream_max_s` and the browser reconnects.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(settings.stream_max_s):
                async with channels.start_subscription([events.ORDER_EVENTS_CHANNEL]) as subscriber:
                    async for message in order_status_events(
                        subscriber.iter_events(), tracking_token=token, render=render
                    ):
                        yield message

    return ServerSentEvent(source())
