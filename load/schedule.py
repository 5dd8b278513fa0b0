"""When to send: the stages of a run, the open model's arrival times, the closed model's users."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from load.scenario import Scenario, parse_duration


@dataclass
class Options:
    model: str = "closed"
    # (seconds, level) pairs: level is arrivals/s (open) or users (closed), ramped linearly.
    stages: list[tuple[float, float]] = field(default_factory=lambda: [(10.0, 1.0)])
    start_level: float | None = None
    timeout_s: float = 5.0
    max_requests: int = 0
    max_in_flight: int = 256
    max_lag_s: float = 0.1
    think_time_s: float = 0.0
    seed: int | None = None

    @property
    def duration_s(self) -> float:
        return sum(seconds for seconds, _ in self.stages)

    def level_at(self, t: float) -> float:
        """Return the rate or user count the stages ask for at `t` seconds into the run."""
        previous = self.stages[0][1] if self.start_level is None else self.start_level
        for seconds, level in self.stages:
            if t < seconds:
                return previous + (level - previous) * (t / seconds) if seconds > 0 else level
            t -= seconds
            previous = level
        return previous


def options_from(scenario: Scenario, **overrides: Any) -> Options:
    """Translate a scenario's `load` section into engine options; `overrides` win."""
    spec = scenario.load
    model = overrides.pop("model", None) or spec.model
    stages = [(s.seconds, float((s.rate if model == "open" else s.users) or 0)) for s in spec.stages]
    options = Options(
        model=model,
        stages=stages or [(30.0, 10.0)],
        start_level=spec.start_rate if model == "open" else spec.start_users,
        timeout_s=parse_duration(spec.timeout),
        max_requests=spec.max_requests,
        think_time_s=parse_duration(spec.think_time),
    )
    for key, value in overrides.items():
        if value is not None:
            setattr(options, key, value)
    return options


class Arrivals:
    """Intended send times (seconds from start) of the open model, in order.

    The rate ramps linearly within each stage, so the expected arrivals by time t are the
    integral of the rate; arrival k is sent when that integral reaches k + 1/2 (solved
    exactly per stage). A constant rate r over d seconds gives r * d evenly spaced arrivals.
    """

    def __init__(self, options: Options) -> None:
        previous = options.stages[0][1] if options.start_level is None else options.start_level
        self._segments: list[tuple[float, float, float, float]] = []
        start = 0.0
        for seconds, level in options.stages:
            self._segments.append((start, seconds, previous, level))
            start += seconds
            previous = level
        self._index = 0
        self._count_before = 0.0
        self._k = 0

    def next(self) -> float | None:
        target = self._k + 0.5
        while self._index < len(self._segments):
            start, seconds, rate_from, rate_to = self._segments[self._index]
            in_segment = (rate_from + rate_to) / 2 * seconds
            x = target - self._count_before
            if in_segment > 0 and x <= in_segment:
                # Solve rate_from * tau + slope / 2 * tau**2 = x for the first tau >= 0, in a
                # form that stays exact when the slope is zero or the rate starts at zero.
                half_slope = (rate_to - rate_from) / (2 * seconds)
                tau = 2 * x / (rate_from + math.sqrt(max(0.0, rate_from**2 + 4 * half_slope * x)))
                self._k += 1
                return start + min(tau, seconds)
            self._count_before += in_segment
            self._index += 1
        return None
