"""The SSE generators with finite sources: no HTTP, no hanging."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import msgspec

from admin_web import events
from admin_web.schemas import Business, MetricsReading, ServiceStats, Snapshot
from admin_web.streams import DashboardRenderer, dashboard_events, with_keepalive
from admin_web.web import make_environment


def snapshot(seq: int, *, rps: float = 1.5) -> bytes:
    reading = MetricsReading(
        source="scrape", source_ok=True,
        services=[ServiceStats(name="inventory", up=True, rps=rps, p95_s=0.02, error_ratio=0.0)],
        business=Business(low_stock_count=2),
    )  # fmt: skip
    return msgspec.json.encode(Snapshot(seq=seq, at=1000.0 + seq, reading=reading, low_stock=[], alerts=[]))


async def one_by_one(items: list[bytes]) -> AsyncIterator[bytes]:
    for item in items:
        yield item


async def test_each_snapshot_becomes_panel_events_when_streamed() -> None:
    render = DashboardRenderer(make_environment())
    sent = [e async for e in dashboard_events(one_by_one([snapshot(1), snapshot(2)]), latest=None, history=[],
                                              render=render)]  # fmt: skip
    assert sent[0].event == events.CHART_HISTORY
    names = [e.event for e in sent[1:]]
    per_snapshot = [events.SERVICES_PANEL, events.BUSINESS_PANEL, events.ALERTS_PANEL, events.LOW_STOCK_PANEL,
                    events.CHART_POINT]  # fmt: skip
    assert names == per_snapshot * 2
    assert [e.id for e in sent[1:]] == ["1"] * 5 + ["2"] * 5
    assert 'data-service="inventory"' in sent[1].data
    assert "1.50" in sent[1].data


async def test_greeting_sends_latest_snapshot_when_a_browser_connects() -> None:
    render = DashboardRenderer(make_environment())
    sent = [e async for e in dashboard_events(one_by_one([]), latest=snapshot(7), history=[b"[1,{}]"],
                                              render=render)]  # fmt: skip
    assert sent[0].data == "[[1,{}]]"
    assert {e.id for e in sent[1:]} == {"7"}


async def test_reconnect_skips_what_the_browser_has_when_last_event_id_is_current() -> None:
    render = DashboardRenderer(make_environment())
    source = one_by_one([snapshot(7), snapshot(8)])  # 7 also arrives on the channel: not sent twice
    sent = [e async for e in dashboard_events(source, latest=snapshot(7), history=[], render=render,
                                              last_event_id=7)]  # fmt: skip
    assert [e.id for e in sent[1:]] == ["8"] * 5


async def test_older_snapshots_are_dropped_when_they_arrive_late() -> None:
    render = DashboardRenderer(make_environment())
    source = one_by_one([snapshot(5), snapshot(4), snapshot(6)])
    sent = [e async for e in dashboard_events(source, latest=None, history=[], render=render)]
    assert [e.id for e in sent[1:] if e.event == events.CHART_POINT] == ["5", "6"]


async def test_snapshot_is_rendered_once_when_many_browsers_receive_it() -> None:
    render = DashboardRenderer(make_environment())
    first = render(snapshot(3))[1]
    assert render(snapshot(3))[1] is first


async def test_no_data_panel_is_rendered_when_the_source_is_down() -> None:
    reading = MetricsReading(source="prometheus", source_ok=False, services=[ServiceStats(name="orders")],
                             business=Business())  # fmt: skip
    raw = msgspec.json.encode(Snapshot(seq=1, at=1.0, reading=reading, low_stock=None, alerts=[]))
    messages = DashboardRenderer(make_environment())(raw)[1]
    services, business, _, low_stock, _ = (m.data for m in messages)
    assert "No data: the prometheus metrics source is unreachable" in services
    assert "no data" in services
    assert "No data" in business
    assert "No data: inventory is not answering" in low_stock


async def test_keepalive_comment_is_sent_when_the_source_is_quiet() -> None:
    async def slow() -> AsyncIterator[str]:
        await asyncio.sleep(0.25)
        yield "late"

    sent = [e async for e in with_keepalive(slow(), every_s=0.1)]
    assert sent[-1] == "late"
    assert [getattr(e, "comment", None) for e in sent[:-1]] == ["keep-alive"] * len(sent[:-1])
    assert len(sent) >= 2


async def test_stream_ends_when_max_duration_passes() -> None:
    closed = asyncio.Event()

    async def endless() -> AsyncIterator[str]:
        try:
            while True:
                await asyncio.sleep(10)
                yield "never"
        finally:
            closed.set()

    sent = [e async for e in with_keepalive(endless(), every_s=0.05, max_s=0.2)]
    assert all(e.comment == "keep-alive" for e in sent)
    assert closed.is_set()
