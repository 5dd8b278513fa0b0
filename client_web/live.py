"""Live order tracking: order events from Redis become rendered `order-status` SSE events."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import msgspec
from litestar.response import ServerSentEventMessage

from client_web import events


class OrderStatusChanged(msgspec.Struct, frozen=True, kw_only=True):
    event: str
    tracking_token: str
    to_status: str
    order_id: str = ""
    from_status: str | None = None
    at: str = ""


_decoder = msgspec.json.Decoder(OrderStatusChanged)


async def order_status_events(
    messages: AsyncIterator[bytes], *, tracking_token: str, render: Callable[[], Awaitable[str]]
) -> AsyncIterator[ServerSentEventMessage]:
    """Yield the freshly rendered status section once now and after each change of this order.

    The first event covers a change that happened between rendering the page and subscribing.
    Messages about other orders, other event kinds or in an unknown shape are skipped.
    """
    yield ServerSentEventMessage(event=events.ORDER_STATUS, data=await render())
    async for raw in messages:
        try:
            message = _decoder.decode(raw)
        except msgspec.DecodeError:
            continue
        if message.event != events.ORDER_STATUS_CHANGED or message.tracking_token != tracking_token:
            continue
        yield ServerSentEventMessage(event=events.ORDER_STATUS, data=await render())
