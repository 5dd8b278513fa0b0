from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

import httpx
import msgspec
from litestar.testing import AsyncTestClient

from client_web import events
from client_web.live import order_status_events
from tests.client_web.support import Backends
from tests.conftest import TEST_OUTPUT, redis_url
from tests.helpers import serve


async def one_by_one(items: list[bytes]) -> AsyncIterator[bytes]:
    for item in items:
        yield item


def changed(token: str, to_status: str, event: str = events.ORDER_STATUS_CHANGED) -> bytes:
    return msgspec.json.encode(
        {"event": event, "order_id": str(uuid.uuid4()), "tracking_token": token, "from_status": "reserved",
         "to_status": to_status, "at": "2026-01-01T00:00:00Z"}
    )  # fmt: skip


async def test_each_change_of_this_order_becomes_one_rendered_event_after_the_initial_one() -> None:
    renders = iter(
        ["<section>reserved</section>", "<section>confirmed</section>", "<section>shipped</section>"]
    )

    async def render() -> str:
        return next(renders)

    raw = [changed("tok", "confirmed"), changed("tok", "shipped")]
    sent = [e async for e in order_status_events(one_by_one(raw), tracking_token="tok", render=render)]
    assert [(e.event, e.data) for e in sent] == [
        ("order-status", "<section>reserved</section>"),
        ("order-status", "<section>confirmed</section>"),
        ("order-status", "<section>shipped</section>"),
    ]


async def test_messages_are_skipped_when_they_are_about_other_orders_or_malformed() -> None:
    calls = 0

    async def render() -> str:
        nonlocal calls
        calls += 1
        return f"<p>{calls}</p>"

    raw = [
        changed("other", "confirmed"),
        b"not json",
        b'{"event": 1}',
        changed("tok", "x", event="order-created"),
    ]
    sent = [e async for e in order_status_events(one_by_one(raw), tracking_token="tok", render=render)]
    assert [e.data for e in sent] == ["<p>1</p>"]


def test_order_stream_sends_the_new_status_when_the_order_is_confirmed_through_the_orders_api(
    backends: Backends,
) -> None:
    # A real server process: the stream must be read while it is open, as a browser does.
    env = {"WEB_INVENTORY_URL": backends.inventory_url, "WEB_ORDERS_URL": backends.orders_url,
           "WEB_REDIS_URL": redis_url("WEB_"), "WEB_STREAM_MAX_S": "10"}  # fmt: skip
    with serve("client_web", env=env, log_path=TEST_OUTPUT / "logs" / "client-live.log") as url:
        http = httpx.Client(base_url=url, timeout=10)
        http.get("/")
        headers = {"x-csrftoken": http.cookies["autoforge_csrf"]}
        http.post("/cart/lines", data={"sku": "OIL-FLT-3003", "quantity": "1"}, headers=headers)
        key = re.search(r'name="idempotency_key" value="([^"]+)"', http.get("/checkout").text).group(1)  # type: ignore[union-attr]
        data = {"name": "Ana", "email": "live@example.com", "line1": "1 Main St", "city": "Springfield",
                "region": "IL", "postal_code": "62701", "country": "US", "idempotency_key": key}  # fmt: skip
        token = http.post("/checkout", data=data, headers=headers).headers["location"].rsplit("/", 1)[1]
        statuses: list[str] = []
        with http.stream("GET", f"/orders/{token}/events") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            for line in stream.iter_lines():
                if match := re.search(r'data-status="(\w+)"', line):
                    statuses.append(match.group(1))
                    if statuses == ["reserved"]:
                        order = httpx.get(f"{backends.orders_url}/orders/tracking/{token}").json()
                        body = {"to": "confirmed", "actor": "tests", "reason": "payment received"}
                        response = httpx.post(
                            f"{backends.orders_url}/orders/{order['id']}/transitions", json=body
                        )
                        assert response.status_code == 200, response.text
                    if match.group(1) == "confirmed":
                        break
    assert statuses[0] == "reserved"
    assert statuses[-1] == "confirmed"


async def test_order_stream_is_a_404_when_the_token_is_unknown(client: AsyncTestClient) -> None:
    response = await client.get("/orders/nope/events")
    assert response.status_code == 404
