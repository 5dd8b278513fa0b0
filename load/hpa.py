"""The Kubernetes HorizontalPodAutoscaler (autoscaling/v2) algorithm, replayed over a load curve.

Per metric the controller proposes `ceil(ready_pods * current / target)`, or keeps the
current count when the ratio is within the tolerance (10%); the largest proposal wins.
The proposal is then stabilized (the highest recommendation of the scale-down window and
the lowest of the scale-up window bound it) and rate-limited by the behavior policies, and
finally held within min/max replicas. This follows `pkg/controller/podautoscaler/
horizontal.go` (`stabilizeRecommendationWithBehaviors`, `convertDesiredReplicasWithBehaviorRate`).

Simplifications, on purpose: every ready pod carries an equal share of the load; pods
that are starting are not counted (the controller's special treatment of unready pods'
CPU is not modelled); metrics are the average of the load over the last sync period.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import msgspec


class Policy(msgspec.Struct, frozen=True, kw_only=True):
    type: Literal["Pods", "Percent"]
    value: int
    period_s: int


class Rules(msgspec.Struct, frozen=True, kw_only=True):
    stabilization_s: int
    policies: list[Policy]
    select: Literal["Max", "Min", "Disabled"] = "Max"


# The defaults of autoscaling/v2 `behavior`.
DEFAULT_SCALE_UP = Rules(
    stabilization_s=0,
    policies=[Policy(type="Pods", value=4, period_s=15), Policy(type="Percent", value=100, period_s=15)],
)
DEFAULT_SCALE_DOWN = Rules(stabilization_s=300, policies=[Policy(type="Percent", value=100, period_s=15)])


class Metric(msgspec.Struct, frozen=True, kw_only=True):
    """A target: `cpu`/`memory` as utilization percent of the request, `rps` as average per pod."""

    name: str
    target: float


class Autoscaler(msgspec.Struct, kw_only=True):
    min_replicas: int = 1
    max_replicas: int = 10
    metrics: list[Metric] = []
    scale_up: Rules = DEFAULT_SCALE_UP
    scale_down: Rules = DEFAULT_SCALE_DOWN
    tolerance: float = 0.1
    # (time, unstabilized recommendation) and (time, replica change) histories.
    recommendations: list[tuple[float, int]] = []
    events: list[tuple[float, int]] = []

    def proposal(self, *, ready: int, current: int, value: float, target: float) -> int:
        """Return one metric's replica proposal: `ceil(ready * value / target)` outside the tolerance."""
        ratio = value / target
        if abs(1.0 - ratio) <= self.tolerance:
            return current
        return math.ceil(ratio * ready)

    def desired(self, *, ready: int, current: int, values: dict[str, float]) -> tuple[int, dict[str, int]]:
        """Return the largest proposal over the metrics that have a value, and every proposal."""
        proposals = {
            m.name: self.proposal(ready=ready, current=current, value=values[m.name], target=m.target)
            for m in self.metrics
            if values.get(m.name) is not None
        }
        return (max(proposals.values()) if proposals else current), proposals

    def stabilize(self, now: float, *, current: int, desired: int) -> int:
        """Bound `desired` by the recommendations of the stabilization windows, then remember it."""
        up_cutoff = now - self.scale_up.stabilization_s
        down_cutoff = now - self.scale_down.stabilization_s
        up, down = desired, desired
        for at, recommendation in self.recommendations:
            if at > up_cutoff:
                up = min(up, recommendation)
            if at > down_cutoff:
                down = max(down, recommendation)
        keep_from = min(up_cutoff, down_cutoff)
        self.recommendations = [(at, r) for at, r in self.recommendations if at > keep_from]
        self.recommendations.append((now, desired))
        return min(max(current, up), down)

    def _changed_within(self, now: float, period_s: int, *, sign: int) -> int:
        return sum(abs(change) for at, change in self.events if at > now - period_s and change * sign > 0)

    def _limit(self, now: float, *, current: int, rules: Rules, up: bool) -> int:
        if rules.select == "Disabled":
            return current
        pick = max if (rules.select == "Max") == up else min
        result: int | None = None
        for policy in rules.policies:
            start = current - self._changed_within(now, policy.period_s, sign=1)
            start += self._changed_within(now, policy.period_s, sign=-1)
            if policy.type == "Pods":
                proposed = start + policy.value if up else start - policy.value
            elif up:
                # Rounded up, or a small deployment could never grow by a percentage.
                proposed = math.ceil(start * (1 + policy.value / 100))
            else:
                proposed = int(start * (1 - policy.value / 100))
            result = proposed if result is None else pick(result, proposed)
        return current if result is None else result

    def rate_limit(self, now: float, *, current: int, desired: int) -> int:
        """Apply the behavior policies and min/max replicas to a stabilized recommendation."""
        if desired > current:
            limit = max(self._limit(now, current=current, rules=self.scale_up, up=True), current)
            return min(desired, limit, self.max_replicas)
        if desired < current:
            limit = min(self._limit(now, current=current, rules=self.scale_down, up=False), current)
            return max(desired, limit, self.min_replicas)
        return min(max(desired, self.min_replicas), self.max_replicas)

    def step(self, now: float, *, ready: int, current: int, values: dict[str, float]) -> tuple[int, int]:
        """Run one sync: return (unstabilized desired replicas, replicas to set)."""
        desired, _ = self.desired(ready=ready, current=current, values=values)
        stabilized = self.stabilize(now, current=current, desired=desired)
        final = self.rate_limit(now, current=current, desired=stabilized)
        if final != current:
            self.events.append((now, final - current))
        return desired, final


class LoadPoint(msgspec.Struct, frozen=True, kw_only=True):
    """Offered load at `t` seconds: total req/s and, optionally, total CPU (millicores) and memory (MiB)."""

    t: float
    rps: float
    cpu_m: float | None = None
    memory_mib: float | None = None


class Tick(msgspec.Struct, frozen=True, kw_only=True):
    t: float
    rps: float
    ready: int
    replicas: int
    desired: int
    metrics: dict[str, float]


class PodModel(msgspec.Struct, frozen=True, kw_only=True):
    """How load turns into per-pod metrics, and how long a new pod takes to become ready."""

    # Requests per second one pod serves at 100% of its CPU request (measured by `make bench`).
    capacity_rps: float
    cpu_request_m: float = 500.0
    memory_request_mib: float = 256.0
    startup_s: float = 30.0


def _value_at(curve: Sequence[LoadPoint], t: float) -> LoadPoint:
    current = curve[0]
    for point in curve:
        if point.t > t:
            break
        current = point
    return current


def metric_values(point: LoadPoint, *, ready: int, pods: PodModel) -> dict[str, float]:
    """Per-pod metric values for `point` spread over `ready` pods (cpu/memory in % of request)."""
    ready = max(ready, 1)
    per_pod_rps = point.rps / ready
    if point.cpu_m is not None:
        cpu = 100 * point.cpu_m / ready / pods.cpu_request_m
    else:
        cpu = 100 * per_pod_rps / pods.capacity_rps
    values = {"rps": per_pod_rps, "cpu": cpu}
    if point.memory_mib is not None:
        values["memory"] = 100 * point.memory_mib / ready / pods.memory_request_mib
    return values


def simulate(
    curve: Sequence[LoadPoint],
    *,
    hpa: Autoscaler,
    pods: PodModel,
    sync_s: float = 15.0,
    start_replicas: int | None = None,
    until: float | None = None,
) -> list[Tick]:
    """Replay the HPA every `sync_s` seconds over `curve`; return one Tick per sync."""
    if not curve:
        raise ValueError("the load curve is empty")
    curve = sorted(curve, key=lambda p: p.t)
    end = curve[-1].t if until is None else until
    replicas = max(hpa.min_replicas, min(start_replicas or hpa.min_replicas, hpa.max_replicas))
    # Time at which each pod is (or becomes) ready; the initial pods are ready already.
    ready_at = [curve[0].t] * replicas
    ticks: list[Tick] = []
    t = curve[0].t
    while t <= end + 1e-9:
        ready = sum(1 for at in ready_at if at <= t)
        # The metric is the average load over the last sync period, sampled each second.
        samples = [_value_at(curve, t - k) for k in range(int(sync_s))] or [_value_at(curve, t)]
        window = [metric_values(p, ready=ready, pods=pods) for p in samples]
        values = {name: sum(v[name] for v in window) / len(window) for name in window[0]}
        offered = sum(p.rps for p in samples) / len(samples)
        desired, final = hpa.step(t, ready=max(ready, 1), current=replicas, values=values)
        ticks.append(
            Tick(
                t=t,
                rps=round(offered, 3),
                ready=ready,
                replicas=final,
                desired=desired,
                metrics={k: round(v, 2) for k, v in values.items()},
            )
        )
        if final > replicas:
            ready_at += [t + pods.startup_s] * (final - replicas)
        elif final < replicas:
            # The newest pods go first, as a ReplicaSet prefers deleting not-ready pods.
            ready_at = sorted(ready_at)[:final]
        replicas = final
        t += sync_s
    return ticks
