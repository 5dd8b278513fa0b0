from __future__ import annotations

import pytest

from load.report import Threshold


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
