"""The one shared poller: reads the metric source every tick and publishes a snapshot.

Several admin replicas may run; a Redis lock (SET NX PX, renewed each tick by its holder,
compare-and-set in Lua) elects the one that polls, so the load on the services does not
grow with replicas or with browsers. The latest snapshot and the last 15 minutes of chart
points live in Redis, so any replica can greet a (re)connecting browser at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import msgspec
from loguru import logger
from redis.asyncio import Redis
from redis.exceptions import RedisError

from admin_web.alerts import current_alerts
from admin_web.clients import InventoryClient, ServiceDown, ServiceProblem
from admin_web.metrics import POLLS
from admin_web.schemas import ChartPoint, Snapshot
from admin_web.sources import MetricSource


class Keys:
    """Redis keys of one admin deployment (replicas share a prefix; separate deployments do not)."""

    def __init__(self, prefix: str = "adm") -> None:
        self.lock = f"{prefix}:dashboard:poller"
        self.seq = f"{prefix}:dashboard:seq"
        self.latest = f"{prefix}:dashboard:latest"
        self.history = f"{prefix}:dashboard:history"


HISTORY_WINDOW_S = 15 * 60

_RENEW = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
)
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"

Publish = Callable[[bytes], Awaitable[None]]


def chart_point(snapshot: Snapshot) -> ChartPoint:
    def ms(value: float | None) -> float | None:
        return None if value is None else round(value * 1000, 2)

    def pct(value: float | None) -> float | None:
        return None if value is None else round(value * 100, 3)

    return ChartPoint(
        at=snapshot.at,
        series={
            s.name: (None if s.rps is None else round(s.rps, 3), ms(s.p95_s), pct(s.error_ratio))
            for s in snapshot.reading.services
        },
    )


class Poller:
    def __init__(
        self,
        *,
        source: MetricSource,
        redis: Redis,
        inventory: InventoryClient,
        publish: Publish,
        interval_s: float,
        lock_ttl_s: float,
        keys: Keys | None = None,
    ) -> None:
        self.keys = keys or Keys()
        self.source = source
        self.redis = redis
        self.inventory = inventory
        self.publish = publish
        self.interval_s = interval_s
        self.lock_ttl_ms = int(lock_ttl_s * 1000)
        self.token = secrets.token_hex(16)
        self.is_leader = False

    async def hold_lock(self) -> bool:
        """Take the poller lock, or renew it when this replica already holds it."""
        if await self.redis.set(self.keys.lock, self.token, nx=True, px=self.lock_ttl_ms):
            self.is_leader = True
        else:
            self.is_leader = bool(
                await self.redis.eval(_RENEW, 1, self.keys.lock, self.token, self.lock_ttl_ms)
            )
        return self.is_leader

    async def release_lock(self) -> None:
        await self.redis.eval(_RELEASE, 1, self.keys.lock, self.token)

    async def take_snapshot(self) -> Snapshot:
        reading, low_stock = await asyncio.gather(self.source.read(), self._low_stock())
        seq = int(await self.redis.incr(self.keys.seq))
        return Snapshot(
            seq=seq,
            at=time.time(),
            reading=reading,
            low_stock=low_stock,
            alerts=current_alerts(reading, low_stock=low_stock),
        )

    async def _low_stock(self):
        try:
            return await self.inventory.list_low_stock(limit=20)
        except (ServiceDown, ServiceProblem, msgspec.ValidationError, msgspec.DecodeError):
            return None

    async def store_and_publish(self, snapshot: Snapshot) -> None:
        raw = msgspec.json.encode(snapshot)
        point = msgspec.json.encode(chart_point(snapshot))
        keep = int(HISTORY_WINDOW_S / self.interval_s)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self.keys.latest, raw, ex=max(60, int(self.interval_s * 10)))
            pipe.rpush(self.keys.history, point)
            pipe.ltrim(self.keys.history, -keep, -1)
            await pipe.execute()
        await self.publish(raw)

    async def tick(self) -> Snapshot | None:
        if not await self.hold_lock():
            return None
        snapshot = await self.take_snapshot()
        await self.store_and_publish(snapshot)
        return snapshot

    async def run(self) -> None:
        """Tick on a fixed cadence until cancelled; a failed tick is logged and the next one runs."""
        next_at = time.monotonic()
        while True:
            try:
                done = await self.tick()
                POLLS.labels(outcome="published" if done else "follower").inc()
            except (RedisError, OSError) as exc:
                POLLS.labels(outcome="error").inc()
                logger.bind(error=type(exc).__name__).warning("dashboard poll failed")
            next_at += self.interval_s
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            if time.monotonic() - next_at > self.interval_s:
                next_at = time.monotonic()  # fell behind (slow source): skip, never burst


async def latest_snapshot(redis: Redis, keys: Keys) -> bytes | None:
    return await redis.get(keys.latest)


async def chart_history(redis: Redis, keys: Keys) -> list[bytes]:
    return await redis.lrange(keys.history, 0, -1)


@asynccontextmanager
async def running(poller: Poller) -> AsyncIterator[None]:
    """Run `poller` in the background for the lifetime of the block; release its lock after."""
    task = asyncio.create_task(poller.run(), name="dashboard-poller")
    try:
        yield
    finally:
        task.cancel()
        # Bounded: shutdown never waits on a poll stuck in a dependency.
        await asyncio.wait({task}, timeout=5)
        with contextlib.suppress(RedisError, OSError, TimeoutError):
            await asyncio.wait_for(poller.release_lock(), timeout=2)
