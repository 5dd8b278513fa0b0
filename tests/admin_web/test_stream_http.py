"""The dashboard stream end to end: a real admin process, real services, SSE over HTTP."""

from __future__ import annotations

import re
import time

import httpx

from tests.admin_web.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, admin_env
from tests.conftest import TEST_OUTPUT
from tests.helpers import serve


def _login(http: httpx.Client) -> None:
    page = http.get("/login")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    response = http.post(
        "/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "_csrf_token": token}
    )
    assert response.status_code == 303


def _sse_clients(http: httpx.Client) -> float:
    match = re.search(r"^admin_sse_clients (\S+)$", http.get("/metrics").text, re.MULTILINE)
    return float(match.group(1))


def test_stream_sends_live_panels_and_ends_cleanly_when_the_browser_disconnects(backends) -> None:
    TEST_OUTPUT.mkdir(parents=True, exist_ok=True)
    with (
        serve("admin_web", env=admin_env(backends), log_path=TEST_OUTPUT / "admin-sse.log") as url,
        httpx.Client(base_url=url, timeout=10, follow_redirects=False) as http,
    ):
        _login(http)
        events: list[tuple[str, str]] = []
        connected: float | None = None
        started = time.monotonic()
        with http.stream("GET", "/dashboard/stream", headers={"accept": "text/event-stream"}) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            name, event_id = "", ""
            for line in response.iter_lines():
                if line.startswith("event:"):
                    name = line.split(":", 1)[1].strip()
                elif line.startswith("id:"):
                    event_id = line.split(":", 1)[1].strip()
                elif line == "" and name:
                    events.append((name, event_id))
                    if name == "chart-point" and connected is None:
                        # Still reading: the server counts this browser.
                        connected = _sse_clients(http)
                    name = ""
                if (
                    len({i for n, i in events if n == "services-panel"}) >= 3
                    or time.monotonic() - started > 20
                ):
                    break
        assert connected == 1
        names = [n for n, _ in events]
        assert names[0] == "chart-history"
        assert {"services-panel", "business-panel", "alerts-panel", "low-stock-panel", "chart-point"} <= set(
            names
        )
        ids = [int(i) for n, i in events if n == "services-panel"]
        assert ids == sorted(ids)
        assert len(ids) >= 3
        # The server notices the disconnect and drops the subscriber.
        deadline = time.monotonic() + 5
        while _sse_clients(http) != 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _sse_clients(http) == 0
