"""Database plumbing shared by the services: engines, pools, readiness, creation, migrations."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from litestar import Litestar
from piccolo.engine.postgres import PostgresEngine

from common.health import CheckResult
from common.settings import process_environ


class _QuietPostgresEngine(PostgresEngine):
    """Piccolo's engine connects in its constructor (version check, CREATE EXTENSION).

    That happens at import of each service's `db.py`, before a test session or a deploy has
    created the database, and warns (an error under `filterwarnings = error`). Our migrations
    need no extension (`gen_random_uuid()` is built into PostgreSQL 13+), so skip both.
    """

    async def check_version(self) -> None:
        return None

    async def prep_database(self) -> None:
        return None


def make_engine(url: str) -> PostgresEngine:
    """Create a Piccolo engine for `url`; nothing connects until the first query."""
    return _QuietPostgresEngine(config={"dsn": url}, log_queries=False, log_responses=False)


async def _keep_session(_: asyncpg.Connection) -> None:
    """Pool reset hook that sends nothing.

    asyncpg still rolls back an open transaction on release; beyond that our services leave no
    session state (no SET, LISTEN or session-level advisory locks), so the default reset's
    extra round trip on every release would be pure cost on the hot paths.
    """


def piccolo_pool(
    engine: PostgresEngine, *, enabled: bool = True, min_size: int = 1, max_size: int = 10
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """Lifespan hook: open the engine's connection pool on the app's loop, close it on shutdown."""

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        if not enabled:
            yield
            return
        await engine.start_connection_pool(min_size=min_size, max_size=max_size, reset=_keep_session)
        try:
            yield
        finally:
            await engine.close_connection_pool()

    return lifespan


def db_ready(engine: PostgresEngine):
    """Health check: the database answers `SELECT 1`."""

    async def check() -> CheckResult:
        try:
            await engine.run_ddl("SELECT 1")
        except (OSError, asyncpg.PostgresError) as exc:
            return CheckResult(name="database", ok=False, detail=type(exc).__name__)
        return CheckResult(name="database", ok=True)

    check.check_name = "database"  # type: ignore[attr-defined]
    return check


def with_database(server_url: str, name: str) -> str:
    """Return `server_url` pointing at database `name` (keeps host, port, user and query)."""
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


async def ensure_database(url: str, *, recreate: bool = False) -> None:
    """Create the database named in `url` unless it exists; with `recreate`, drop it first."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise ValueError(f"refusing odd database name {name!r}")
    admin = await asyncpg.connect(with_database(url, "postgres"), timeout=10)
    try:
        if recreate:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            # A concurrent starter may create it between our check and our CREATE.
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


def migrate(*, app_name: str, piccolo_conf: str, env: dict[str, str] | None = None) -> None:
    """Run `piccolo migrations forwards <app_name>` in a subprocess, as a deploy would."""
    environ = {**process_environ(), **(env or {}), "PICCOLO_CONF": piccolo_conf}
    result = subprocess.run(
        [sys.executable, "-m", "piccolo.main", "migrations", "forwards", app_name],
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0 or "error" in result.stderr.lower():
        raise RuntimeError(f"migrations for {app_name} failed:\n{result.stdout}\n{result.stderr}")
