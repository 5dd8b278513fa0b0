import io

import asyncpg
import msgspec
from litestar import Litestar, get, post
from litestar.config.csrf import CSRFConfig
from litestar.params import FromPath, FromQuery
from litestar.testing import AsyncTestClient
from prometheus_client import REGISTRY

from common.errors import EXCEPTION_HANDLERS, NotFound
from common.logs import configure_logging
from common.observability import MetricsController, observability_middleware


@get("/things/{thing_id:int}", sync_to_thread=False)
def thing(thing_id: FromPath[int]) -> dict[str, int]:
    if thing_id == 0:
        raise NotFound("thing 0 does not exist")
    if thing_id == 13:
        raise RuntimeError("boom")
    return {"id": thing_id}


def make_app() -> Litestar:
    return Litestar(
        route_handlers=[thing, MetricsController],
        middleware=[observability_middleware("testsvc")],
        exception_handlers=EXCEPTION_HANDLERS,
    )


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, {"service": "testsvc", **labels}) or 0.0


async def test_requests_are_counted_by_route_template_when_served() -> None:
    labels = {"method": "GET", "route": "/things/{thing_id}"}
    before_ok = sample("http_requests_total", **labels, status="200")
    before_404 = sample("http_requests_total", **labels, status="404")
    async with AsyncTestClient(make_app()) as client:
        await client.get("/things/1")
        await client.get("/things/2")
        missing = await client.get("/things/0")
    assert sample("http_requests_total", **labels, status="200") == before_ok + 2
    assert sample("http_requests_total", **labels, status="404") == before_404 + 1
    assert missing.json() == {"code": "not_found", "detail": "thing 0 does not exist"}


async def test_unexpected_errors_are_500_problems_when_a_handler_raises() -> None:
    async with AsyncTestClient(make_app()) as client:
        response = await client.get("/things/13")
    assert response.status_code == 500
    assert response.json() == {"code": "internal_error", "detail": "internal server error"}


async def test_one_json_log_line_carries_the_request_id_when_given() -> None:
    stream = io.StringIO()
    configure_logging(service="testsvc", stream=stream)
    async with AsyncTestClient(make_app()) as client:
        response = await client.get("/things/7", headers={"X-Request-ID": "req-abc"})
    assert response.headers["x-request-id"] == "req-abc"
    lines = [msgspec.json.decode(line) for line in stream.getvalue().splitlines()]
    request_lines = [line for line in lines if line["message"] == "request"]
    assert len(request_lines) == 1
    line = request_lines[0]
    assert line["service"] == "testsvc"
    assert (line["request_id"], line["method"], line["route"], line["status"]) == (
        "req-abc", "GET", "/things/{thing_id}", 200,
    )  # fmt: skip
    assert line["latency_ms"] >= 0


async def test_metrics_endpoint_exposes_prometheus_text_when_scraped() -> None:
    async with AsyncTestClient(make_app()) as client:
        await client.get("/things/3")
        response = await client.get("/metrics")
    assert response.status_code == 200
    expected = 'http_requests_total{method="GET",route="/things/{thing_id}",service="testsvc"'
    assert expected in response.text


@get("/texts", sync_to_thread=False)
def echo_text(text: FromQuery[str]) -> dict[str, str]:
    # Stands in for a query that passes request text to PostgreSQL, which refuses NUL.
    if "\x00" in text:
        raise asyncpg.CharacterNotInRepertoireError("invalid byte sequence for encoding UTF8: 0x00")
    return {"text": text}


async def test_nul_in_text_is_a_400_problem_when_postgres_refuses_it() -> None:
    app = Litestar(route_handlers=[echo_text], exception_handlers=EXCEPTION_HANDLERS)
    async with AsyncTestClient(app) as client:
        response = await client.get("/texts", params={"text": "a\x00b"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_text"


@post("/forms", sync_to_thread=False)
def form_post() -> dict[str, str]:
    return {"ok": "yes"}


async def test_csrf_rejections_are_counted_as_403_when_the_token_is_missing() -> None:
    app = Litestar(
        route_handlers=[form_post],
        middleware=[observability_middleware("testsvc")],
        exception_handlers=EXCEPTION_HANDLERS,
        csrf_config=CSRFConfig(secret="test-secret-" * 3),
    )
    labels = {"method": "POST", "route": "/forms"}
    before_403 = sample("http_requests_total", **labels, status="403")
    before_500 = sample("http_requests_total", **labels, status="500")
    async with AsyncTestClient(app) as client:
        response = await client.post("/forms")
    assert response.status_code == 403
    assert sample("http_requests_total", **labels, status="403") == before_403 + 1
    assert sample("http_requests_total", **labels, status="500") == before_500
