"""The LogQL evaluator itself, on hand-made streams whose answers are known."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.loki.logql import Entry, Evaluator, LogQLError, quantile

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def stream(*lines: str, service: str = "orders", level: str = "info", start: int = 0) -> list[Entry]:
    labels = {"namespace": "autoforge", "service": service, "level": level}
    return [Entry(T0 + timedelta(seconds=start + i), line, labels) for i, line in enumerate(lines)]


def run(entries: list[Entry], query: str):
    return Evaluator(entries, at=T0 + timedelta(minutes=1)).query(query)


def test_quantile_interpolates_between_ranks_when_between_samples() -> None:
    assert quantile(0.5, [1, 2, 3, 4]) == 2.5
    assert quantile(0.95, [10.0]) == 10.0
    assert quantile(0.95, list(range(1, 101))) == pytest.approx(95.05)


def test_json_field_named_like_a_stream_label_is_renamed_when_extracted() -> None:
    ((_, labels),) = run(stream('{"service": "orders", "route": "/orders"}'), '{service="orders"} | json')
    assert labels["service"] == "orders"
    assert labels["service_extracted"] == "orders"
    assert labels["route"] == "/orders"


def test_selector_regex_is_anchored_when_matching() -> None:
    entries = stream("a", service="orders") + stream("b", service="orders-worker")
    assert len(run(entries, '{service=~"orders"}')) == 1
    assert len(run(entries, '{service=~"orders.*"}')) == 2


def test_numeric_filter_drops_lines_without_the_label_when_compared() -> None:
    entries = stream('{"latency_ms": 700}', '{"latency_ms": 20}', '{"message": "started"}')
    assert len(run(entries, '{service="orders"} | json | latency_ms > 500')) == 1


def test_line_filters_match_substrings_and_regexes_when_chained() -> None:
    entries = stream("GET /orders 200", "GET /orders 500", "POST /orders 201")
    assert len(run(entries, '{service="orders"} |= "GET" != "500"')) == 1
    assert len(run(entries, '{service="orders"} |~ "(POST|GET) /orders 5.."')) == 1


def test_unwrap_fails_the_query_when_a_value_is_not_a_number() -> None:
    entries = stream('{"latency_ms": "fast"}')
    with pytest.raises(LogQLError, match="SampleExtractionErr"):
        run(entries, 'sum_over_time({service="orders"} | json | unwrap latency_ms [5m])')


def test_range_window_excludes_lines_when_older_than_the_range() -> None:
    entries = stream("old", start=-600) + stream("new", start=30)
    assert run(entries, 'count_over_time({service="orders"} [1m])') == {
        (("level", "info"), ("namespace", "autoforge"), ("service", "orders")): 1.0
    }


def test_rate_is_count_per_second_when_aggregated_by_label() -> None:
    entries = stream("x", "y", service="orders", start=1) + stream("z", service="inventory", start=1)
    result = run(entries, 'sum by (service) (rate({namespace="autoforge"} [1m]))')
    assert result == {(("service", "orders"),): 2 / 60, (("service", "inventory"),): 1 / 60}


def test_unknown_functions_are_refused_when_outside_the_subset() -> None:
    with pytest.raises(LogQLError):
        run(stream("x"), 'topk(1, count_over_time({service="orders"} [1m]))')
