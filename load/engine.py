"""The load engine: open (arrival rate) and closed (concurrent users) models on asyncio.

Open model: arrivals are scheduled at fixed intended times from the stages' rates; a pool
of `max_in_flight` workers takes them in order, so each latency is measured from the
arrival's intended send time and a slow server cannot hide its queueing (no coordinated
omission). An arrival that no worker could start within `max_lag` of its intended time is
dropped and reported as such: the client, not the server, fell behind.

Closed model: N users each send, wait for the answer, optionally think, and send again;
latency runs from the actual send.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec

from load.histogram import Histogram
from load.http import Origin, Pool, RequestFailed, encode_request
from load.scenario import Iteration, Scenario, has_template, parse_duration, pick, render_body

# Every timestamp comes from perf_counter: uvloop's `loop.time()` is a millisecond value
# cached per loop iteration, too coarse for latencies. The loop clock only sets deadlines.
clock = time.perf_counter


class CompiledStep:
    """A step with its target resolved and, when nothing varies, its request pre-encoded."""

    __slots__ = ("expect", "name", "origin", "static", "step")

    def __init__(self, *, name: str, step: Any, origin: Origin) -> None:
        self.name = name
        self.step = step
        self.origin = origin
        self.expect = frozenset(step.expect)
        self.static = None if has_template(step) else self.encode(None, None)

    def encode(self, iteration: Iteration | None, cookies: dict[str, str] | None) -> bytes:
        path = iteration.render(self.step.path, quote_values=True) if iteration else self.step.path
        body, headers = render_body(self.step, iteration)
        for key, value in self.step.headers.items():
            headers[key] = iteration.render(value) if iteration else value
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        return encode_request(
            self.step.method, path, host=self.origin.host_header, headers=headers, body=body
        )

    def request(self, iteration: Iteration | None, cookies: dict[str, str] | None) -> bytes:
        if self.static is not None and not cookies:
            return self.static
        return self.encode(iteration, cookies)

    def is_success(self, status: int) -> bool:
        return status in self.expect if self.expect else status < 400


class Plan:
    """A scenario compiled for the engine: steps with origins, tasks with cumulative weights."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.data = {k: list(v) for k, v in scenario.data.items()}
        origins = {name: Origin(url) for name, url in scenario.targets.items()}
        self.tasks: list[tuple[list[CompiledStep], bool]] = []
        self.weights: list[float] = []
        self.step_names: list[str] = []
        for task in scenario.tasks:
            steps = []
            for index, step in enumerate(task.steps):
                name = step.name or (task.name if len(task.steps) == 1 else f"{task.name}/{index + 1}")
                steps.append(CompiledStep(name=name, step=step, origin=origins[step.target]))
                if name not in self.step_names:
                    self.step_names.append(name)
            self.tasks.append((steps, any(s.static is None for s in steps)))
            self.weights.append(task.weight)
        self.cum_weights = list(itertools.accumulate(self.weights))

    def choose(self, rng: random.Random) -> tuple[list[CompiledStep], bool]:
        if len(self.tasks) == 1:
            return self.tasks[0]
        return rng.choices(self.tasks, cum_weights=self.cum_weights)[0]


class StepStats:
    __slots__ = ("errors", "histogram", "ok", "statuses")

    def __init__(self) -> None:
        self.histogram = Histogram()
        self.ok = 0
        self.errors: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()


class Interval(msgspec.Struct, frozen=True):
    """One second of the run (the last one may be shorter), as printed and kept in the report."""

    t: float
    seconds: float
    requests: int
    errors: int
    dropped: int
    in_flight: int
    p50_ms: float
    p99_ms: float
    max_ms: float


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


@dataclass
class RunResult:
    plan: Plan
    options: Options
    steps: dict[str, StepStats]
    timeline: list[Interval]
    elapsed_s: float
    sent: int
    dropped: int
    stopped_by: str
    # CPU seconds the client process used during the run: near `elapsed_s`, the client
    # itself (one core) was the limit, not the server.
    cpu_s: float = 0.0


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


class Engine:
    def __init__(self, plan: Plan, options: Options, *, progress: Callable[[Interval], None] | None = None):
        self.plan = plan
        self.options = options
        self.progress = progress
        self.steps = {name: StepStats() for name in plan.step_names}
        self.random = random.Random(options.seed)
        self.timeline: list[Interval] = []
        self.sent = 0
        self.dropped = 0
        self.in_flight = 0
        self.iterations = 0
        self.stopped_by = "duration"
        self._stop = False
        self._stopped: asyncio.Event | None = None
        # Set when the last request in flight ends after a stop.
        self._idle: asyncio.Event | None = None
        self._interval = Histogram()
        self._interval_errors = 0
        self._interval_dropped = 0

    async def run(self) -> RunResult:
        self._stopped = asyncio.Event()
        await self._setup()
        self.start = clock()
        cpu_start = time.process_time()
        self.end = self.start + self.options.duration_s
        if self.options.model == "open":
            arrivals = Arrivals(self.options)
            workers = [self._open_worker(arrivals) for _ in range(self.options.max_in_flight)]
        else:
            users = max(round(level) for _, level in self.options.stages)
            workers = [self._closed_worker(index) for index in range(max(users, 1))]
        ticker = asyncio.create_task(self._tick())
        tasks = [asyncio.create_task(worker) for worker in workers]
        stopped = asyncio.create_task(self._stopped.wait())
        # Every worker stops by itself at the end of the stages; the grace covers requests in flight.
        grace = self.options.timeout_s + 2
        all_done = asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.wait(
            [all_done, stopped], timeout=self.options.duration_s + grace, return_when=asyncio.FIRST_COMPLETED
        )
        if not all_done.done() and stopped.done():
            # The request budget is spent: let requests in flight finish, but do not wait for
            # open-model workers asleep until arrivals that will never be sent.
            self._idle = asyncio.Event()
            if self.in_flight:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._idle.wait(), grace)
        for task in tasks:
            task.cancel()
        await asyncio.wait([all_done])
        stopped.cancel()
        ticker.cancel()
        failures = [t.exception() for t in tasks if not t.cancelled() and t.exception() is not None]
        if failures:
            # A bug in the client, not a failed request: say so rather than report partial figures.
            raise RuntimeError(f"a load worker failed: {failures[0]!r}") from failures[0]
        self._flush_interval(clock())
        return RunResult(
            plan=self.plan,
            options=self.options,
            steps=self.steps,
            timeline=self.timeline,
            elapsed_s=clock() - self.start,
            sent=self.sent,
            dropped=self.dropped,
            stopped_by=self.stopped_by,
            cpu_s=time.process_time() - cpu_start,
        )

    async def _setup(self) -> None:
        loop = asyncio.get_running_loop()
        pool = Pool()
        try:
            for fetch in self.plan.scenario.setup:
                origin = Origin(self.plan.scenario.targets[fetch.target])
                data = encode_request("GET", fetch.path, host=origin.host_header)
                try:
                    response = await pool.send(origin, data, deadline=loop.time() + self.options.timeout_s)
                except RequestFailed as exc:
                    raise RuntimeError(f"setup {fetch.name}: GET {fetch.path}: {exc}") from exc
                if response.status >= 400:
                    raise RuntimeError(f"setup {fetch.name}: GET {fetch.path} answered {response.status}")
                try:
                    values = pick(msgspec.json.decode(response.body), fetch.pick)
                except (msgspec.DecodeError, KeyError, TypeError) as exc:
                    raise RuntimeError(
                        f"setup {fetch.name}: {fetch.pick!r} on {fetch.path}: {exc!r}"
                    ) from exc
                if not values:
                    raise RuntimeError(
                        f"setup {fetch.name}: {fetch.pick!r} selected nothing from {fetch.path}"
                    )
                self.plan.data[fetch.name] = values
        finally:
            pool.close()

    async def _open_worker(self, arrivals: Arrivals) -> None:
        pool = Pool()
        try:
            while not self._stop:
                offset = arrivals.next()
                if offset is None:
                    return
                intended = self.start + offset
                delay = intended - clock()
                if delay > 0:
                    await asyncio.sleep(delay)
                elif -delay > self.options.max_lag_s:
                    self.dropped += 1
                    self._interval_dropped += 1
                    continue
                await self._iterate(pool, intended)
        finally:
            pool.close()

    async def _closed_worker(self, index: int) -> None:
        pool = Pool()
        think = self.options.think_time_s
        try:
            while not self._stop:
                now = clock()
                if now >= self.end:
                    return
                if index >= round(self.options.level_at(now - self.start)):
                    # Not yet ramped in (or ramped out): idle, cheaply.
                    await asyncio.sleep(0.05)
                    continue
                await self._iterate(pool, now)
                if think:
                    await asyncio.sleep(think)
        finally:
            pool.close()

    async def _iterate(self, pool: Pool, intended: float) -> None:
        loop = asyncio.get_running_loop()
        steps, templated = self.plan.choose(self.random)
        self.iterations += 1
        iteration = Iteration(self.plan.data, n=self.iterations, random=self.random) if templated else None
        cookies: dict[str, str] = iteration.cookies if iteration is not None else {}
        for index, step in enumerate(steps):
            if self._stop:
                return
            limit = self.options.max_requests
            if limit and self.sent >= limit:
                self._stop = True
                self.stopped_by = "max_requests"
                if self._stopped is not None:
                    self._stopped.set()
                return
            self.sent += 1
            data = step.request(iteration, cookies)
            # The first request counts from the intended time; later ones wait on earlier ones.
            start = intended if index == 0 else clock()
            self.in_flight += 1
            try:
                response = await pool.send(step.origin, data, deadline=loop.time() + self.options.timeout_s)
            except RequestFailed as exc:
                self._record(step.name, clock() - start, status=0, error=exc.kind)
                return
            finally:
                self.in_flight -= 1
                if self._idle is not None and not self.in_flight:
                    self._idle.set()
            done = clock()
            if not step.is_success(response.status):
                kind = f"http_{response.status // 100}xx" if response.status >= 400 else "unexpected_status"
                self._record(step.name, done - start, status=response.status, error=kind)
                return
            self._record(step.name, done - start, status=response.status, error=None)
            if response.cookies:
                for raw in response.cookies:
                    pair = raw.split(b";", 1)[0].decode("latin-1")
                    key, _, value = pair.partition("=")
                    cookies[key.strip()] = value.strip()

    def _record(self, name: str, seconds: float, *, status: int, error: str | None) -> None:
        stats = self.steps[name]
        micros = int(seconds * 1_000_000)
        stats.histogram.record(micros)
        self._interval.record(micros)
        if status:
            stats.statuses[status] += 1
        if error is None:
            stats.ok += 1
        else:
            stats.errors[error] += 1
            self._interval_errors += 1

    async def _tick(self) -> None:
        next_tick = self.start + 1.0
        while True:
            await asyncio.sleep(max(0.0, next_tick - clock()))
            self._flush_interval(next_tick)
            next_tick += 1.0

    def _flush_interval(self, now: float) -> None:
        histogram, self._interval = self._interval, Histogram()
        if histogram.count == 0 and self._interval_dropped == 0 and self.timeline and now > self.end:
            return
        previous = self.timeline[-1].t if self.timeline else 0.0
        interval = Interval(
            t=round(now - self.start, 3),
            seconds=round(now - self.start - previous, 3),
            requests=histogram.count,
            errors=self._interval_errors,
            dropped=self._interval_dropped,
            in_flight=self.in_flight,
            p50_ms=histogram.percentile(50) / 1000,
            p99_ms=histogram.percentile(99) / 1000,
            max_ms=histogram.max / 1000,
        )
        self._interval_errors = 0
        self._interval_dropped = 0
        self.timeline.append(interval)
        if self.progress is not None:
            self.progress(interval)
