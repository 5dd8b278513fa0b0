from __future__ import annotations

import pytest

from load.report import Threshold, check


@pytest.mark.parametrize(
    ("expression", "metric", "op", "value", "step"),
    [
        ("p99<300ms", "p99", "<", 300.0, None),
        ("p99.9 <= 1.5s", "p99.9", "<=", 1500.0, None),
        ("max<900us", "max", "<", 0.9, None),
        ("errors<1%", "errors", "<", 1.0, None),
        ("rps>=100", "rps", ">=", 100.0, None),
        ("checkout/place:p95<800ms", "p95", "<", 800.0, "checkout/place"),
    ],
)
def test_threshold_is_parsed_when_well_formed(
    expression: str, metric: str, op: str, value: float, step: str | None
) -> None:
    threshold = Threshold.parse(expression)
    assert (threshold.metric, threshold.op, threshold.value, threshold.step) == (metric, op, value, step)


@pytest.mark.parametrize("expression", ["p99", "p99<300%", "errors<3ms", "latency<3ms", "rps>5%"])
def test_threshold_is_refused_when_malformed(expression: str) -> None:
    with pytest.raises(ValueError, match="threshold"):
        Threshold.parse(expression)


def test_threshold_compares_with_its_operator_when_checked() -> None:
    assert Threshold.parse("p99<300ms").holds(299.9)
    assert not Threshold.parse("p99<300ms").holds(300.0)
    assert Threshold.parse("rps>=100").holds(100.0)


def _report(*, requests: int, p99: float, errors: int = 0, dropped: int = 0) -> dict:
    block = {
        "requests": requests,
        "error_ratio": errors / requests if requests else 0.0,
        "rps": requests / 10,
        "latency_ms": {
            "p50": p99 / 2,
            "p90": p99,
            "p95": p99,
            "p99": p99,
            "p99.9": p99,
            "max": p99,
            "mean": p99,
        },
        "histogram_us": [[0, 0, requests]],
    }
    summary = {**block, "dropped_ratio": dropped / (requests + dropped) if requests + dropped else 0.0}
    return {"summary": summary, "steps": {"checkout/place": block}}


def test_step_threshold_reads_that_step_when_prefixed() -> None:
    result = check(Threshold.parse("checkout/place:p99<300ms"), _report(requests=10, p99=450.0))
    assert result == {"expression": "checkout/place:p99<300ms", "actual": 450.0, "passed": False}


def test_threshold_fails_when_the_run_made_no_requests() -> None:
    assert not check(Threshold.parse("errors<1%"), _report(requests=0, p99=0.0))["passed"]


def test_error_and_drop_thresholds_use_percent_when_checked() -> None:
    report = _report(requests=200, p99=10.0, errors=1, dropped=50)
    assert check(Threshold.parse("errors<1%"), report)["actual"] == 0.5
    assert check(Threshold.parse("dropped<1%"), report) == {
        "expression": "dropped<1%",
        "actual": 20.0,
        "passed": False,
    }


def test_threshold_names_the_missing_step_when_it_does_not_exist() -> None:
    assert check(Threshold.parse("nope:p99<1s"), _report(requests=5, p99=1.0))["why"] == "no such step"
