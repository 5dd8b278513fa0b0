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
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import msgspec

from load.histogram import Histogram
from load.http import Origin, Pool, RequestFailed, encode_request
from load.plan import Plan
from load.scenario import Iteration, pick
from load.schedule import Arrivals, Options, options_from

__all__ = ("Arrivals", "Engine", "Interval", "Options", "Plan", "RunResult", "StepStats", "options_from")

# Every timestamp comes from perf_counter: uvloop's `loop.time()` is a millisecond value
# cached per loop iteration, too coarse for latencies. The loop clock only sets deadlines.
clock = time.perf_counter


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
