"""The live dashboard stream: pure async generators over an injected source (STYLE rule 11).

`dashboard_events` turns raw snapshots into rendered `ServerSentEventMessage`s; it greets a
(re)connecting browser with the chart history and the latest snapshot (unless its
Last-Event-ID says it already has it) and skips anything older than what it sent.
`with_keepalive` interleaves comment lines while the source is quiet, without cancelling the
pending read (cancelling it would end the subscription).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Sequence

import msgspec
from jinja2 import Environment
from jinja2_fragments import render_block
from litestar.response import ServerSentEventMessage

from admin_web import events
from admin_web.poller import chart_point
from admin_web.schemas import Snapshot

Render = Callable[[bytes], tuple[int, list[ServerSentEventMessage]]]

# Panels sent on every tick: event name → template block that renders it.
PANELS = {
    events.SERVICES_PANEL: "services_panel",
    events.BUSINESS_PANEL: "business_panel",
    events.ALERTS_PANEL: "alerts_panel",
    events.LOW_STOCK_PANEL: "low_stock_panel",
}
DASHBOARD_TEMPLATE = "dashboard.html.j2"


class DashboardRenderer:
    """Render a snapshot's panels once per replica, however many browsers are connected."""

    def __init__(self, env: Environment, *, cache_size: int = 4) -> None:
        self.env = env
        self._cache: OrderedDict[int, list[ServerSentEventMessage]] = OrderedDict()
        self._cache_size = cache_size

    def context(self, snapshot: Snapshot | None) -> dict:
        return {"snapshot": snapshot}

    def __call__(self, raw: bytes) -> tuple[int, list[ServerSentEventMessage]]:
        snapshot = msgspec.json.decode(raw, type=Snapshot)
        cached = self._cache.get(snapshot.seq)
        if cached is None:
            context = self.context(snapshot)
            event_id = str(snapshot.seq)
            cached = [
                ServerSentEventMessage(
                    event=name,
                    id=event_id,
                    data=" ".join(render_block(self.env, DASHBOARD_TEMPLATE, block, context).split()),
                )
                for name, block in PANELS.items()
            ]
            point = msgspec.json.encode(chart_point(snapshot)).decode()
            cached.append(ServerSentEventMessage(event=events.CHART_POINT, id=event_id, data=point))
            self._cache[snapshot.seq] = cached
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return snapshot.seq, cached


async def dashboard_events(
    snapshots: AsyncIterator[bytes],
    *,
    latest: bytes | None,
    history: Sequence[bytes],
    render: Render,
    last_event_id: int | None = None,
) -> AsyncIterator[ServerSentEventMessage]:
    """Greet, then forward every newer snapshot as rendered panel events."""
    sent = last_event_id or 0
    yield ServerSentEventMessage(
        event=events.CHART_HISTORY, data="[" + ",".join(p.decode() for p in history) + "]", retry=3000
    )
    if latest is not None:
        seq, messages = render(latest)
        if seq > sent:
            for message in messages:
                yield message
            sent = seq
    async for raw in snapshots:
        seq, messages = render(raw)
        if seq <= sent:
            continue
        for message in messages:
            yield message
        sent = seq


async def with_keepalive(
    source: AsyncIterator[ServerSentEventMessage], *, every_s: float, max_s: float | None = None
) -> AsyncIterator[ServerSentEventMessage]:
    """Yield from `source`, and a comment whenever it has been silent for `every_s` seconds.

    With `max_s`, the stream ends after that long; the browser's EventSource reconnects (the
    `retry` sent in the greeting) and is greeted with a fresh snapshot, so a stream is bounded
    and a replica can be drained without stranding anyone.
    """
    loop = asyncio.get_running_loop()
    deadline = None if max_s is None else loop.time() + max_s
    iterator = aiter(source)
    pending: asyncio.Future | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(anext(iterator))
            wait_s = every_s if deadline is None else min(every_s, deadline - loop.time())
            if wait_s <= 0:
                return
            done, _ = await asyncio.wait({pending}, timeout=wait_s)
            if not done:
                if deadline is not None and loop.time() >= deadline:
                    return
                yield ServerSentEventMessage(comment="keep-alive")
                continue
            pending = None
            try:
                item = done.pop().result()
            except StopAsyncIteration:
                return
            yield item
    finally:
        if pending is not None:
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                await pending
        with contextlib.suppress(AttributeError, RuntimeError):
            await iterator.aclose()  # type: ignore[attr-defined]
