"""The live dashboard page, its SSE stream, and the live alerts and low-stock pages."""

from __future__ import annotations

from collections.abc import AsyncIterator

import msgspec
from jinja2_fragments import render_block
from litestar import Controller, Request, get
from litestar.channels import ChannelsPlugin
from litestar.di import NamedDependency
from litestar.response import ServerSentEvent, ServerSentEventMessage, Template
from loguru import logger

from admin_web import events, guards, poller
from admin_web.controllers._common import page
from admin_web.metrics import SSE_CLIENTS
from admin_web.schemas import Snapshot
from admin_web.streams import DASHBOARD_TEMPLATE, PANELS, DashboardRenderer, dashboard_events, with_keepalive

KEEPALIVE_S = 15.0


async def _latest(request: Request) -> Snapshot | None:
    raw = await poller.latest_snapshot(request.app.state.redis, request.app.state.redis_keys)
    return None if raw is None else msgspec.json.decode(raw, type=Snapshot)


def _last_event_id(request: Request) -> int | None:
    value = request.headers.get("last-event-id", "")
    return int(value) if value.isdigit() else None


class DashboardController(Controller):
    opt = guards.viewer()

    @get("/")
    async def dashboard(self, request: Request) -> Template:
        return page(
            "dashboard.html.j2", request, active="dashboard", snapshot=await _latest(request),
            poll_interval_s=request.app.state.settings.poll_interval_s,
        )  # fmt: skip

    @get("/alerts")
    async def alerts(self, request: Request, renderer: NamedDependency[DashboardRenderer]) -> Template:
        return self._live_panel(
            request, renderer, await _latest(request), events.ALERTS_PANEL, "Alerts", "alerts"
        )

    @get("/inventory/low-stock")
    async def low_stock(self, request: Request, renderer: NamedDependency[DashboardRenderer]) -> Template:
        snapshot = await _latest(request)
        return self._live_panel(request, renderer, snapshot, events.LOW_STOCK_PANEL, "Low stock", "low-stock")

    @staticmethod
    def _live_panel(request, renderer, snapshot, event: str, heading: str, active: str) -> Template:
        panel = render_block(renderer.env, DASHBOARD_TEMPLATE, PANELS[event], renderer.context(snapshot))
        return page("live_panel.html.j2", request, active=active, heading=heading, event=event, panel=panel)

    @get("/dashboard/stream")
    async def stream(
        self,
        request: Request,
        channels: NamedDependency[ChannelsPlugin],
        renderer: NamedDependency[DashboardRenderer],
    ) -> ServerSentEvent:
        redis, keys = request.app.state.redis, request.app.state.redis_keys
        channel = request.app.state.dashboard_channel
        last_event_id = _last_event_id(request)
        max_s = request.app.state.settings.stream_max_s

        async def source() -> AsyncIterator[ServerSentEventMessage]:
            SSE_CLIENTS.inc()
            try:
                # Subscribe first, then read the latest: nothing published in between is lost.
                async with channels.start_subscription([channel]) as subscriber:
                    latest = await poller.latest_snapshot(redis, keys)
                    history = await poller.chart_history(redis, keys)
                    stream = dashboard_events(
                        subscriber.iter_events(), latest=latest, history=history, render=renderer,
                        last_event_id=last_event_id,
                    )  # fmt: skip
                    async for message in with_keepalive(stream, every_s=KEEPALIVE_S, max_s=max_s):
                        yield message
            except Exception as exc:
                logger.opt(exception=exc).error("dashboard stream failed")
                raise
            finally:
                SSE_CLIENTS.dec()
                logger.debug("dashboard stream ended")

        return ServerSentEvent(source(), headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
