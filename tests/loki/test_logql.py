"""The LogQL in loki/README.md and the Logs dashboard, evaluated against real log lines.

Lines come from two real sources: inventory_svc served by uvicorn (its stdout), and the
request middleware (`common.observability`) with `common.logs.configure_logging` on a small
app that can also be slow and fail, for two services. They are turned into Loki streams the way
loki/config.alloy does (labels namespace, service, level), plus one non-JSON line as a crashing
container would print, and queried with the evaluator in tests/loki/logql.py.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from litestar import Litestar, get
from litestar.params import FromPath
from loguru import logger

from common.db import ensure_database, migrate, with_database
from common.embedded import redis_url_with_db
from common.logs import configure_logging
from common.observability import observability_middleware
from tests.conftest import PG_SERVER_URL, REDIS_SERVER_URL, run_sync
from tests.grafana.dashboards import LOKI_UID, queries, substitute
from tests.helpers import serve
from tests.loki.logql import Entry, Evaluator, LogQLError, quantile

ROOT = Path(__file__).resolve().parents[2]
README_QUERIES = re.findall(
    r"```logql\n(.*?)\n```", (ROOT / "loki" / "README.md").read_text(), flags=re.DOTALL
)
TRACEBACK = 'Traceback (most recent call last):\n  File "/app/orders_svc/app.py", line 1'


def ship(raw_lines: list[str], *, app: str) -> list[Entry]:
    """What loki/config.alloy makes of a container's stdout: labels namespace, service, level."""
    entries = []
    for raw in raw_lines:
        labels = {"namespace": "autoforge", "service": app}
        ts = datetime.now(UTC)
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            labels |= {key: str(parsed[key]) for key in ("service", "level") if key in parsed}
            ts = datetime.fromisoformat(parsed["ts"])
        entries.append(Entry(ts=ts, line=raw, labels=labels))
    return entries


def small_app(service: str) -> Litestar:
    @get("/parts/{sku:str}", sync_to_thread=False)
    def part(sku: FromPath[str]) -> dict[str, str]:
        return {"sku": sku}

    @get("/slow")
    async def slow() -> dict[str, str]:
        await asyncio.sleep(0.55)
        return {}

    @get("/boom", sync_to_thread=False)
    def boom() -> None:
        raise RuntimeError("database went away")

    return Litestar([part, slow, boom], middleware=[observability_middleware(service)])


async def drive(app: Litestar, *, parts: int, slow: int, boom: int) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for index in range(parts):
            await client.get(f"/parts/P-{index}")
        for _ in range(slow):
            await client.get("/slow")
        for _ in range(boom):
            await client.get("/boom")
        await client.get("/no/such/route")


@pytest.fixture(name="middleware_entries", scope="module")
def fx_middleware_entries() -> list[Entry]:
    root = logging.getLogger()
    root_handlers, root_level = root.handlers[:], root.level
    entries: list[Entry] = []
    try:
        for service, app, counts in (
            ("inventory", "inventory-svc", {"parts": 5, "slow": 2, "boom": 2}),
            ("orders", "orders-svc", {"parts": 3, "slow": 1, "boom": 1}),
        ):
            buffer = io.StringIO()
            configure_logging(service=service, stream=buffer)
            run_sync(drive(small_app(service), **counts))
            entries += ship(buffer.getvalue().splitlines(), app=app)
    finally:
        # configure_logging is process-wide: give the rest of the session its defaults back.
        logger.remove()
        logger.add(sys.stderr)
        root.handlers[:] = root_handlers
        root.setLevel(root_level)
    entries += ship([TRACEBACK.splitlines()[0]], app="orders-svc")
    return entries


@pytest.fixture(name="served_lines", scope="module")
def fx_served_lines(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    url = with_database(PG_SERVER_URL, "autoforge_test_logs_inventory")
    run_sync(ensure_database(url, recreate=True))
    migrate(app_name="inventory", piccolo_conf="inventory_svc.piccolo_conf", env={"INV_DATABASE_URL": url})
    log_path = tmp_path_factory.mktemp("logs") / "inventory.log"
    # Own PostgreSQL and Redis databases: nothing shared with tests/inventory_svc.
    env = {"INV_DATABASE_URL": url, "INV_REDIS_URL": redis_url_with_db(REDIS_SERVER_URL, 7)}
    with (
        serve("inventory_svc", env=env, log_path=log_path) as base,
        httpx.Client(base_url=base, timeout=10) as client,
    ):
        assert client.get("/products", params={"q": "brake"}).status_code == 200
        assert client.get("/products/NO-SUCH-SKU").status_code == 404
        assert client.post("/products", json={"sku": "x"}).status_code == 400
        client.get("/vehicles/years", headers={"X-Request-ID": "0f8e4c1d2b3a4f5e9d8c7b6a5f4e3d2c"})
    return [line for line in log_path.read_text().splitlines() if line.strip()]


@pytest.fixture(name="entries")
def fx_entries(middleware_entries: list[Entry], served_lines: list[str]) -> list[Entry]:
    return middleware_entries + ship(served_lines, app="inventory-svc")


def evaluator(entries: list[Entry]) -> Evaluator:
    return Evaluator(entries, at=max(e.ts for e in entries) + timedelta(milliseconds=1))


def requests(entries: list[Entry]) -> list[dict]:
    parsed = []
    for entry in entries:
        try:
            line = json.loads(entry.line)
        except ValueError:
            continue
        if line.get("message") == "request":
            parsed.append(line)
    return parsed


@pytest.mark.parametrize("query", README_QUERIES, ids=range(len(README_QUERIES)))
def test_readme_query_evaluates_when_run_against_real_lines(entries: list[Entry], query: str) -> None:
    evaluator(entries).query(query)


def test_readme_has_the_errors_and_slow_request_queries_when_read() -> None:
    assert len(README_QUERIES) >= 5
    assert any('level="error"' in q for q in README_QUERIES)
    assert any("unwrap latency_ms" in q for q in README_QUERIES)
    assert any("latency_ms > 500" in q for q in README_QUERIES)


def test_errors_per_service_counts_every_error_line_when_queried(entries: list[Entry]) -> None:
    result = evaluator(entries).query(README_QUERIES[0])
    expected = Counter(e.labels["service"] for e in entries if e.labels.get("level") == "error")
    assert {dict(key)["service"]: value for key, value in result.items()} == expected
    # Both failing /boom requests of inventory are among them, each logged at level error.
    assert expected["inventory"] >= 2


def test_5xx_by_route_names_the_failing_route_when_queried(entries: list[Entry]) -> None:
    result = evaluator(entries).query(README_QUERIES[1])
    assert {tuple(v for _, v in key): value for key, value in result.items()} == {
        ("/boom", "inventory"): 2.0,
        ("/boom", "orders"): 1.0,
    }


def test_slow_request_lines_are_exactly_those_over_500ms_when_queried(entries: list[Entry]) -> None:
    selected = evaluator(entries).query(README_QUERIES[2])
    routes = Counter((labels["service_extracted"], labels["route"]) for _, labels in selected)
    assert routes == {("inventory", "/slow"): 2, ("orders", "/slow"): 1}
    assert all(float(labels["latency_ms"]) > 500 for _, labels in selected)
    count = evaluator(entries).query(README_QUERIES[3])
    assert {dict(key)["service"]: value for key, value in count.items()} == {"inventory": 2.0, "orders": 1.0}


def test_p95_latency_matches_the_latency_field_when_unwrapped(entries: list[Entry]) -> None:
    result = evaluator(entries).query(README_QUERIES[4])
    by_service: dict[str, list[float]] = {}
    for line in requests(entries):
        by_service.setdefault(line["service"], []).append(float(line["latency_ms"]))
    got = {dict(key)["service"]: value for key, value in result.items()}
    assert got.keys() == by_service.keys()
    for service, values in by_service.items():
        assert got[service] == pytest.approx(quantile(0.95, values))
    assert got["inventory"] > 500  # two of its requests slept 550 ms


def test_request_id_query_finds_the_lines_of_one_request_when_it_is_known(entries: list[Entry]) -> None:
    selected = evaluator(entries).query(README_QUERIES[5])
    assert [labels["route"] for _, labels in selected] == ["/vehicles/years"]


def test_metric_query_fails_when_a_line_is_not_json_and_errors_are_kept(entries: list[Entry]) -> None:
    # Why the README's metric queries drop parse errors: Loki fails the whole query otherwise.
    with pytest.raises(LogQLError, match="JSONParserErr"):
        evaluator(entries).query('sum(count_over_time({namespace="autoforge"} | json [5m]))')
    guarded = evaluator(entries).query(
        'sum(count_over_time({namespace="autoforge"} | json | __error__="" [5m]))'
    )
    assert guarded == {(): float(sum(1 for e in entries if e.line.startswith("{")))}


def test_served_request_lines_carry_each_field_the_queries_read_when_logged(served_lines: list[str]) -> None:
    lines = [json.loads(line) for line in served_lines]
    request_lines = [line for line in lines if line["message"] == "request"]
    assert len(request_lines) >= 4
    for line in lines:
        assert {"ts", "level", "service", "message"} <= line.keys()
        assert line["level"] == line["level"].lower()
        assert line["service"] == "inventory"
        datetime.fromisoformat(line["ts"])
    for line in request_lines:
        assert isinstance(line["status"], int)
        assert isinstance(line["latency_ms"], int | float)
        for key in ("request_id", "method", "route", "path"):
            assert isinstance(line[key], str)
    routes = {line["route"] for line in request_lines}
    assert "/products" in routes
    # `route` is the template (bounded), `path` the raw path: the SKU appears only in `path`.
    assert not any("NO-SUCH-SKU" in route for route in routes)
    assert any(line["path"] == "/products/NO-SUCH-SKU" for line in request_lines)
    # Probes and scrapes are not traffic: they are never logged per request.
    assert not {"/healthz", "/readyz", "/metrics"} & {line["route"] for line in request_lines}


@pytest.mark.parametrize("query", queries(LOKI_UID), ids=lambda q: q.id)
def test_logs_dashboard_query_evaluates_when_variables_take_their_defaults(
    entries: list[Entry], query
) -> None:
    result = evaluator(entries).query(substitute(query))
    if isinstance(result, dict):
        assert result, f"{query.id} returned no series"
