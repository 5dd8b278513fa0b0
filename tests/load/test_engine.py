from __future__ import annotations

import itertools

import pytest

from load.engine import Engine, Options, Plan
from load.report import Threshold, build_report
from load.scenario import Scenario, SetupFetch, Step, Task, single_endpoint
from tests.helpers import free_port


async def run(scenario: Scenario, **options: object) -> dict:
    result = await Engine(Plan(scenario), Options(**options)).run()  # type: ignore[arg-type]
    return build_report(result, thresholds=[Threshold.parse("errors<1%")])


async def test_closed_model_counts_every_response_when_the_server_is_healthy(server: str) -> None:
    report = await run(single_endpoint(f"{server}/json"), model="closed", stages=[(1.0, 4)])
    summary = report["summary"]
    assert summary["requests"] > 100
    assert summary["ok"] == summary["requests"]
    assert summary["statuses"] == {"200": summary["requests"]}
    assert report["passed"]
    assert 0 < summary["latency_ms"]["p50"] <= summary["latency_ms"]["p99"] <= summary["latency_ms"]["max"]


async def test_open_model_keeps_the_arrival_rate_when_the_server_keeps_up(server: str) -> None:
    report = await run(single_endpoint(f"{server}/json"), model="open", stages=[(2.0, 50)])
    assert report["summary"]["requests"] == 100
    assert report["summary"]["dropped"] == 0


async def test_latency_includes_queueing_when_the_server_is_slower_than_the_arrivals(server: str) -> None:
    # One connection, an arrival every 100 ms, 150 ms of service: each request waits for
    # the ones before it. Measured from the intended send time, the 20th request has been
    # waiting about 0.15 * 20 - 0.1 * 19 = 1.1 s; a client that timed from the actual send
    # would report 150 ms for every one of them (coordinated omission).
    report = await run(
        single_endpoint(f"{server}/slow?ms=150"),
        model="open",
        stages=[(2.0, 10)],
        max_in_flight=1,
        max_lag_s=10.0,
    )
    latency = report["summary"]["latency_ms"]
    assert report["summary"]["requests"] == 20
    # Queueing adds at least 50 ms per arrival, whatever the machine's own load adds.
    assert latency["max"] > 1000
    assert latency["max"] - latency["min"] > 800


async def test_arrivals_are_dropped_when_no_connection_is_free_in_time(server: str) -> None:
    report = await run(
        single_endpoint(f"{server}/slow?ms=300"),
        model="open",
        stages=[(1.0, 20)],
        max_in_flight=1,
        max_lag_s=0.05,
    )
    summary = report["summary"]
    assert summary["dropped"] > 10
    assert summary["requests"] + summary["dropped"] == 20


async def test_errors_are_counted_by_kind_when_requests_fail(server: str) -> None:
    closed_port = free_port()
    scenario = Scenario(
        name="failures",
        targets={"ok": server, "dead": f"http://127.0.0.1:{closed_port}"},
        tasks=[
            Task(name="server-error", steps=[Step(target="ok", path="/status/503")]),
            Task(name="not-found", steps=[Step(target="ok", path="/status/404")]),
            Task(name="slow", steps=[Step(target="ok", path="/slow?ms=400")]),
            Task(name="refused", steps=[Step(target="dead", path="/")]),
        ],
    )
    report = await run(scenario, model="closed", stages=[(1.0, 8)], timeout_s=0.1, max_requests=200)
    kinds = report["summary"]["errors_by_kind"]
    assert set(kinds) == {"http_5xx", "http_4xx", "timeout", "connect"}
    assert report["steps"]["slow"]["errors_by_kind"] == {"timeout": report["steps"]["slow"]["requests"]}
    assert not report["passed"]


async def test_run_stops_at_the_request_budget_when_it_is_reached_before_the_duration(server: str) -> None:
    report = await run(
        single_endpoint(f"{server}/json"), model="closed", stages=[(30.0, 8)], max_requests=300
    )
    assert report["summary"]["requests"] == 300
    assert report["stopped_by"] == "max_requests"
    assert report["elapsed_s"] < 10


async def test_later_steps_send_cookies_and_data_when_a_task_has_several_steps(server: str) -> None:
    scenario = Scenario(
        name="cart",
        targets={"web": server},
        setup=[],
        tasks=[
            Task(
                name="checkout",
                steps=[
                    Step(target="web", path="/products/{sku}", name="product"),
                    Step(target="web", path="/cart", method="POST", form={"sku": "{sku}"}, name="add"),
                    Step(target="web", path="/checkout", method="POST", name="place"),
                ],
            )
        ],
        data={"sku": ["SKU-1", "SKU-2"]},
    )
    report = await run(scenario, model="closed", stages=[(0.5, 2)])
    assert report["steps"]["place"]["requests"] > 0
    assert report["steps"]["place"]["errors"] == 0


async def test_setup_fills_template_data_when_the_scenario_fetches_it(server: str) -> None:
    scenario = Scenario(
        name="setup",
        targets={"api": server},
        setup=[SetupFetch(name="sku", target="api", path="/products", pick="items[].sku")],
        tasks=[Task(name="product", steps=[Step(target="api", path="/products/{sku}")])],
    )
    report = await run(scenario, model="closed", stages=[(0.5, 2)])
    assert report["steps"]["product"]["requests"] > 0
    assert report["steps"]["product"]["errors"] == 0


async def test_timeline_has_one_entry_per_second_when_the_run_is_longer_than_a_second(server: str) -> None:
    report = await run(single_endpoint(f"{server}/json"), model="open", stages=[(3.0, 20)])
    seconds = [entry["t"] for entry in report["timeline"]]
    # Whole seconds while the run lasts, then one partial interval up to the last response.
    assert seconds[:2] == [1.0, 2.0]
    assert 2.0 < seconds[2] <= 3.5
    assert sum(entry["requests"] for entry in report["timeline"]) == 60
    assert [entry["seconds"] for entry in report["timeline"][:2]] == [1.0, 1.0]
    assert 0 < report["timeline"][2]["seconds"] <= 1.5


def test_arrivals_follow_the_ramp_when_the_rate_starts_at_zero() -> None:
    from load.engine import Arrivals

    options = Options(model="open", stages=[(5.0, 50), (10.0, 400), (5.0, 20)], start_level=0.0)
    arrivals = Arrivals(options)
    times = []
    while (t := arrivals.next()) is not None:
        times.append(t)
    # Area under the ramps: 0->50 over 5 s, 50->400 over 10 s, 400->20 over 5 s.
    assert len(times) == 125 + 2250 + 1050
    assert times == sorted(times)
    assert 0 < times[0] < 1.0
    assert times[-1] < 20.0
    # Arrivals per second follow the rate: about 5 in the first second, about 225 around t=10.
    assert 3 <= sum(1 for t in times if t < 1.0) <= 7
    assert 200 <= sum(1 for t in times if 9.5 <= t < 10.5) <= 250


def test_arrivals_are_evenly_spaced_when_the_rate_is_constant() -> None:
    from load.engine import Arrivals

    arrivals = Arrivals(Options(model="open", stages=[(2.0, 10)]))
    times = [arrivals.next() for _ in range(20)]
    assert arrivals.next() is None
    assert times[0] == pytest.approx(0.05)
    assert all(b - a == pytest.approx(0.1) for a, b in itertools.pairwise(times))


def test_users_ramp_linearly_when_the_closed_model_starts_from_zero() -> None:
    options = Options(model="closed", stages=[(5.0, 10), (5.0, 10), (5.0, 0)], start_level=0.0)
    assert [options.level_at(t) for t in (0.0, 2.5, 7.0, 12.5, 20.0)] == [0.0, 5.0, 10.0, 5.0, 0.0]
