"""The HPA replay against the algorithm as the Kubernetes documentation states it.

Formula: desiredReplicas = ceil[currentReplicas * (currentMetricValue / desiredMetricValue)],
skipped when the ratio is within the tolerance (0.1); with several metrics the largest
proposal wins; scale-down is stabilized over 300 s by default; behavior policies limit the
rate. The examples are written for these tests after the documentation's own.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from load.hpa import Autoscaler, LoadPoint, Metric, PodModel, Policy, Rules, simulate
from load.hpa_sim import main


def hpa(**kwargs: object) -> Autoscaler:
    defaults: dict[str, object] = {
        "min_replicas": 1,
        "max_replicas": 100,
        "metrics": [Metric(name="cpu", target=50)],
    }
    return Autoscaler(**{**defaults, **kwargs})  # type: ignore[arg-type]


def test_replicas_double_when_the_metric_is_twice_the_target() -> None:
    # The docs: current 200m, desired 100m -> the number of replicas doubles.
    assert hpa().proposal(ready=3, current=3, value=200, target=100) == 6


def test_replicas_halve_when_the_metric_is_half_the_target() -> None:
    # The docs: current 50m, desired 100m -> the number of replicas halves.
    assert hpa().proposal(ready=4, current=4, value=50, target=100) == 2


def test_proposal_rounds_up_when_the_product_is_fractional() -> None:
    # 3 pods at 80% of a 50% target: 3 * 1.6 = 4.8 -> 5.
    assert hpa().proposal(ready=3, current=3, value=80, target=50) == 5


@pytest.mark.parametrize(("value", "expected"), [(54.9, 4), (45.1, 4), (55.5, 5), (44.0, 4)])
def test_replicas_stay_when_the_ratio_is_within_the_tolerance(value: float, expected: int) -> None:
    # Target 50: ratios 1.098 and 0.902 are inside 10%; 1.11 scales to ceil(4.44) = 5;
    # 0.88 proposes ceil(3.52) = 4, the same count.
    assert hpa().proposal(ready=4, current=4, value=value, target=50) == expected


def test_largest_proposal_wins_when_there_are_several_metrics() -> None:
    scaler = hpa(metrics=[Metric(name="cpu", target=60), Metric(name="rps", target=5)])
    desired, proposals = scaler.desired(ready=2, current=2, values={"cpu": 30.0, "rps": 20.0})
    assert proposals == {"cpu": 1, "rps": 8}
    assert desired == 8


def test_missing_metric_is_ignored_when_others_have_values() -> None:
    scaler = hpa(metrics=[Metric(name="cpu", target=60), Metric(name="memory", target=70)])
    assert scaler.desired(ready=2, current=2, values={"cpu": 120.0})[0] == 4


def test_scale_down_waits_for_the_stabilization_window_when_load_drops() -> None:
    scaler = hpa()
    _, replicas = scaler.step(0, ready=4, current=4, values={"cpu": 100.0})
    assert replicas == 8
    # Load falls away at t=15: the highest recommendation of the last 300 s still holds.
    for t in range(15, 300, 15):
        _, replicas = scaler.step(t, ready=8, current=replicas, values={"cpu": 5.0})
        assert replicas == 8, t
    _, replicas = scaler.step(300, ready=8, current=replicas, values={"cpu": 5.0})
    assert replicas == 1


def test_scale_up_is_limited_by_the_default_policies_when_demand_jumps() -> None:
    # Default scale-up: the larger of +4 pods and +100% per 15 s.
    scaler = hpa()
    _, replicas = scaler.step(0, ready=1, current=1, values={"cpu": 1000.0})  # wants 20
    assert replicas == 5  # max(1 + 4, 1 * 2)
    _, replicas = scaler.step(15, ready=5, current=replicas, values={"cpu": 200.0})  # wants 20
    assert replicas == 10  # max(5 + 4, 5 * 2)


def test_percent_policy_removes_ten_percent_per_period_when_it_allows_the_larger_change() -> None:
    # The docs' example: policies Pods 4 / 60 s and Percent 10 / 60 s, scaling 80 pods down
    # to 10: 10% of 80 = 8 pods go in the first minute (more than 4), then 72 -> 64 ...
    down = Rules(
        stabilization_s=0,
        policies=[Policy(type="Pods", value=4, period_s=60), Policy(type="Percent", value=10, period_s=60)],
    )
    scaler = hpa(scale_down=down)
    replicas = 80
    seen = []
    for t in range(0, 181, 15):
        _, replicas = scaler.step(t, ready=replicas, current=replicas, values={"cpu": 6.25})
        seen.append(replicas)
    # Changes happen once per 60 s period: 80 -> 72 at t=0, -> 64 at t=60 (int(72*0.9)=64).
    assert seen[0] == 72
    assert seen[1:4] == [72, 72, 72]
    assert seen[4] == 64
    assert seen[8] == 57


def test_min_policy_picks_the_smaller_change_when_select_is_min() -> None:
    down = Rules(
        stabilization_s=0,
        policies=[Policy(type="Pods", value=4, period_s=60), Policy(type="Percent", value=10, period_s=60)],
        select="Min",
    )
    _, replicas = hpa(scale_down=down).step(0, ready=80, current=80, values={"cpu": 6.25})
    assert replicas == 76


def test_replicas_stay_within_bounds_when_the_proposal_is_outside() -> None:
    scaler = hpa(min_replicas=2, max_replicas=4)
    assert scaler.step(0, ready=2, current=2, values={"cpu": 500.0})[1] == 4
    down = Rules(stabilization_s=0, policies=[Policy(type="Percent", value=100, period_s=15)])
    scaler = hpa(min_replicas=2, max_replicas=4, scale_down=down)
    assert scaler.step(0, ready=4, current=4, values={"cpu": 1.0})[1] == 2


def test_simulation_scales_out_and_back_when_a_load_spike_passes() -> None:
    curve = [LoadPoint(t=0, rps=10), LoadPoint(t=60, rps=200), LoadPoint(t=300, rps=10)]
    scaler = hpa(min_replicas=2, max_replicas=10, metrics=[Metric(name="cpu", target=60)])
    ticks = simulate(curve, hpa=scaler, pods=PodModel(capacity_rps=50, startup_s=30), until=900)
    at = {tick.t: tick for tick in ticks}
    assert at[0].replicas == 2
    assert max(tick.replicas for tick in ticks) == 7  # ceil(200 / 50 / 0.6) = 7
    assert at[285].replicas == 7
    assert at[900].replicas == 2  # back down once the 300 s window has passed


def test_cli_prints_replicas_and_writes_a_png_when_given_a_stress_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.json"
    timeline = [{"t": float(t), "requests": 40 if 30 <= t < 120 else 4} for t in range(1, 240)]
    report.write_text(json.dumps({"timeline": timeline}))
    png = tmp_path / "replicas.png"
    assert main([str(report), "--capacity-rps", "20", "--max", "6", "--png", str(png)]) == 0
    out = capsys.readouterr().out
    assert "replicas" in out
    assert "peak replicas" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_reads_cpu_and_memory_when_the_curve_is_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    curve = tmp_path / "curve.csv"
    curve.write_text("t,rps,cpu_m,memory_mib\n0,1,300,200\n30,1,3000,400\n")
    argv = [
        str(curve),
        "--capacity-rps",
        "100",
        "--rps-target",
        "0",
        "--startup",
        "0",
        "--max",
        "10",
        "--tail",
        "60",
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    # 3000m over 2 pods of 500m is 300% against a 60% target: 10 pods are wanted; the
    # default scale-up policy allows 2 -> 6 in one sync, then 6 -> 10.
    replicas = [
        int(line.split()[4]) for line in out.splitlines()[1:] if line.strip() and line.split()[0].isdigit()
    ]
    assert replicas[-1] == 10
    assert 6 in replicas
    assert "memory 15.62" in out  # 400 MiB over 10 pods of 256 MiB
