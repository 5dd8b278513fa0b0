"""`autoforge run`: start the whole platform locally under one supervisor.

Starts embedded PostgreSQL and Redis unless real ones are configured, creates and migrates
each deployable's database, seeds the catalog, then runs every deployable as a child
process. A child that exits is restarted with a bounded back-off; Ctrl-C (or SIGTERM)
stops every child, then the embedded servers, and nothing is left running.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from common.db import ensure_database, migrate, with_database
from common.embedded import EmbeddedPostgres, EmbeddedRedis, redis_url_with_db
from common.platform import DEPLOYABLES, Deployable, service_urls
from common.settings import PlatformSettings, process_environ

MAX_BACKOFF_S = 30.0
# A child that stayed up this long is considered healthy again: its back-off starts over.
HEALTHY_AFTER_S = 60.0
STOP_GRACE_S = 10.0


def say(text: str) -> None:
    print(f"autoforge | {text}", flush=True)


class Child:
    """One supervised process; its output goes to `log_path`, and warnings to the terminal too."""

    def __init__(self, name: str, *, argv: Sequence[str], env: dict[str, str], log_path: Path) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = env
        self.log_path = log_path
        self.process: asyncio.subprocess.Process | None = None
        self.restarts = 0

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            *self.argv,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            stdin=asyncio.subprocess.DEVNULL,
            # Own process group: Ctrl-C reaches the supervisor only, which stops children in order.
            start_new_session=True,
            limit=1 << 20,
        )

    async def pump(self) -> None:
        assert self.process is not None
        assert self.process.stdout is not None
        with self.log_path.open("ab") as log:
            async for line in self.process.stdout:
                log.write(line)
                log.flush()
                if b'"level":"error"' in line or b'"level":"critical"' in line or not line.startswith(b"{"):
                    sys.stdout.write(f"{self.name:>9} | {line.decode('utf-8', 'replace')}")
                    sys.stdout.flush()

    async def stop(self) -> None:
        process = self.process
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), timeout=STOP_GRACE_S)
        except TimeoutError:
            process.kill()
            await process.wait()


async def supervise(child: Child, stopping: asyncio.Event) -> None:
    """Keep `child` running until `stopping` is set; restart it after a crash with back-off."""
    backoff = 1.0
    while not stopping.is_set():
        started = time.monotonic()
        await child.start()
        pump = asyncio.create_task(child.pump())
        assert child.process is not None
        waiter = asyncio.create_task(child.process.wait())
        stop_waiter = asyncio.create_task(stopping.wait())
        await asyncio.wait({waiter, stop_waiter}, return_when=asyncio.FIRST_COMPLETED)
        if stopping.is_set():
            await child.stop()
            waiter.cancel()
            await pump
            return
        stop_waiter.cancel()
        await pump
        code = child.process.returncode
        if time.monotonic() - started > HEALTHY_AFTER_S:
            backoff = 1.0
        child.restarts += 1
        say(f"{child.name} exited with {code}; restart #{child.restarts} in {backoff:.0f}s")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), timeout=backoff)
        backoff = min(backoff * 2, MAX_BACKOFF_S)


def deployable_env(
    deployable: Deployable, *, server_url: str, redis_url: str, log_level: str, base: dict[str, str]
) -> dict[str, str]:
    urls = service_urls()
    env = dict(base)
    prefix = deployable.prefix
    if deployable.database:
        env[f"{prefix}DATABASE_URL"] = with_database(server_url, deployable.database)
    env[f"{prefix}REDIS_URL"] = redis_url_with_db(redis_url, deployable.redis_db)
    env[f"{prefix}LOG_LEVEL"] = log_level
    for key, template in deployable.env.items():
        env.setdefault(f"{prefix}{key}", template.format(**urls))
    return env


def uvicorn_argv(deployable: Deployable, *, host: str) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", f"{deployable.package}.app:create_app", "--factory",
        "--host", host, "--port", str(deployable.port),
        "--no-access-log", "--log-level", "warning", "--timeout-graceful-shutdown", "5",
    ]  # fmt: skip


async def prepare(deployable: Deployable, *, env: dict[str, str], seed: bool) -> None:
    if deployable.database:
        await ensure_database(env[f"{deployable.prefix}DATABASE_URL"])
        say(f"migrating {deployable.name}")
        await asyncio.to_thread(migrate, app_name=deployable.piccolo_app,
                                piccolo_conf=f"{deployable.package}.piccolo_conf", env=env)  # fmt: skip
    if seed and deployable.seed_module:
        say(f"seeding {deployable.name} (idempotent)")
        result = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", deployable.seed_module], env=env, check=False, timeout=900
        )
        if result.returncode != 0:
            raise RuntimeError(f"seeding {deployable.name} failed with exit code {result.returncode}")


ExtraChildren = Callable[[dict[str, str], Path], list[Child]]


async def run_platform(settings: PlatformSettings, *, extra_children: ExtraChildren | None = None) -> None:
    """Start everything and supervise it until SIGINT or SIGTERM."""
    data = settings.data_path
    (data / "logs").mkdir(parents=True, exist_ok=True)
    embedded_pg = embedded_redis = None
    try:
        if settings.database_url:
            server_url = settings.database_url
        else:
            say("no AUTOFORGE_DATABASE_URL: starting embedded PostgreSQL")
            embedded_pg = await asyncio.to_thread(EmbeddedPostgres, data)
            server_url = embedded_pg.server_url
        if settings.redis_url:
            redis_url = settings.redis_url
        else:
            say("no AUTOFORGE_REDIS_URL: starting embedded Redis")
            embedded_redis = await asyncio.to_thread(EmbeddedRedis, data)
            redis_url = embedded_redis.url()

        base = process_environ()
        base["AUTOFORGE_DATA_DIR"] = str(data)
        present = [d for d in DEPLOYABLES if d.is_present]
        children: list[Child] = []
        for deployable in present:
            env = deployable_env(deployable, server_url=server_url, redis_url=redis_url,
                                 log_level=settings.log_level, base=base)  # fmt: skip
            await prepare(deployable, env=env, seed=settings.seed)
            children.append(
                Child(
                    deployable.name,
                    argv=uvicorn_argv(deployable, host=settings.host),
                    env=env,
                    log_path=data / "logs" / f"{deployable.name}.log",
                )
            )
        if extra_children is not None:
            children.extend(extra_children({**base, "AUTOFORGE_REDIS_URL": redis_url}, data))

        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stopping.set)
        tasks = [asyncio.create_task(supervise(child, stopping)) for child in children]
        say("Auto-Forge is running (Ctrl-C stops everything):")
        for deployable in present:
            say(f"  {deployable.name:<10} {deployable.url}")
        say(f"  logs       {data / 'logs'}")
        await stopping.wait()
        say("stopping ...")
        await asyncio.gather(*tasks)
    finally:
        # Each server is stopped even if stopping the other one failed.
        try:
            if embedded_redis is not None:
                embedded_redis.stop()
        finally:
            if embedded_pg is not None:
                embedded_pg.stop()
        say("stopped")
