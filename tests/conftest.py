"""Session set-up shared by every test.

Environment first, imports after (STYLE rule 13): each service's `db.py` reads its database
URL at import. Tests use the real PostgreSQL and Redis on 127.0.0.1 when they answer and
fall back to the embedded ones otherwise, so `make test` also passes on a bare machine.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from common.db import ensure_database, migrate, with_database
from common.embedded import EmbeddedPostgres, EmbeddedRedis, is_listening, redis_url_with_db

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent
TEST_OUTPUT = ROOT / "test-output"
_embedded: list[EmbeddedPostgres | EmbeddedRedis] = []


def _postgres_server_url() -> str:
    if is_listening("127.0.0.1", 5432):
        return "postgresql://postgres@127.0.0.1:5432/postgres"
    server = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="autoforge-test-")))
    _embedded.append(server)
    return server.server_url


def _redis_server_url() -> str:
    if is_listening("127.0.0.1", 6379):
        return "redis://127.0.0.1:6379/0"
    server = EmbeddedRedis(Path(tempfile.mkdtemp(prefix="autoforge-test-")))
    _embedded.append(server)
    return server.url()


PG_SERVER_URL = _postgres_server_url()
REDIS_SERVER_URL = _redis_server_url()

# One database per service, as in production; test names never collide with `make run`'s.
TEST_DATABASES = {
    "INV_": "autoforge_test_inventory",
    "ORD_": "autoforge_test_orders",
    "ADM_": "autoforge_test_admin",
}
# Redis logical databases 10+ keep tests away from a developer's running platform (0-3).
TEST_REDIS_DBS = {"INV_": 10, "ORD_": 11, "WEB_": 12, "ADM_": 13, "SLS_": 14}

for _prefix, _name in TEST_DATABASES.items():
    os.environ[f"{_prefix}DATABASE_URL"] = with_database(PG_SERVER_URL, _name)
for _prefix, _db in TEST_REDIS_DBS.items():
    os.environ[f"{_prefix}REDIS_URL"] = redis_url_with_db(REDIS_SERVER_URL, _db)
os.environ["AUTOFORGE_DATA_DIR"] = tempfile.mkdtemp(prefix="autoforge-data-")


def database_url(prefix: str) -> str:
    return os.environ[f"{prefix}DATABASE_URL"]


def redis_url(prefix: str) -> str:
    return os.environ[f"{prefix}REDIS_URL"]


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` to completion from synchronous set-up code, on a loop of its own.

    It runs in a worker thread, so it also works while another loop runs in this thread
    (Playwright's sync API keeps one running for as long as a browser is open).
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def prepare_database(prefix: str, *, app_name: str, piccolo_conf: str) -> str:
    """Recreate the service's test database from empty and run its migrations forwards."""
    url = database_url(prefix)
    run_sync(ensure_database(url, recreate=True))
    migrate(app_name=app_name, piccolo_conf=piccolo_conf)
    return url


def pytest_sessionfinish() -> None:
    for server in _embedded:
        server.stop()
