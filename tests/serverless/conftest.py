from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis

from serverless.embedders import MiniLMEmbedder
from serverless.settings import PipelineSettings
from tests.serverless.fakes import LokiHandler, LokiState, PineconeHandler, PineconeState, serve


@pytest.fixture(name="redis_client")
def fx_redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(os.environ["SLS_REDIS_URL"])
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture(name="settings")
def fx_settings(tmp_path: Path, redis_client: redis.Redis) -> PipelineSettings:
    (tmp_path / "logs").mkdir()
    return PipelineSettings.from_env(
        {
            "SLS_REDIS_URL": os.environ["SLS_REDIS_URL"],
            "SLS_DATA_DIR": str(tmp_path),
            "SLS_BATCH_LINES": "50",
            "SLS_BACKLOG_THRESHOLD": "100000",
            "SLS_LOKI_MAX_RETRIES": "2",
        }
    )


@pytest.fixture(name="embedder", scope="session")
def fx_embedder() -> MiniLMEmbedder:
    return MiniLMEmbedder(batch_size=32)


@pytest.fixture(name="loki")
def fx_loki() -> Iterator[tuple[str, LokiState]]:
    state = LokiState()
    with serve(LokiHandler, state) as url:
        yield url, state


@pytest.fixture(name="pinecone_server")
def fx_pinecone_server() -> Iterator[tuple[str, PineconeState]]:
    state = PineconeState(dimension=384)
    with serve(PineconeHandler, state) as url:
        yield url, state


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")


def json_line(ts: float, service: str, message: str, level: str = "info", **fields: object) -> str:
    return json.dumps({"ts": iso(ts), "level": level, "service": service, "message": message, **fields})


def request_line(
    ts: float, service: str, *, status: int, route: str, method: str = "GET", latency: float = 5.0
) -> str:
    level = "error" if status >= 500 else "warning" if status >= 400 else "info"
    return json_line(
        ts,
        service,
        "request",
        level,
        request_id=f"r{ts}",
        method=method,
        route=route,
        path=route,
        status=status,
        latency_ms=latency,
    )


def write_lines(path: Path, lines: list[str], *, mode: str = "a") -> None:
    with path.open(mode) as f:
        f.writelines(line + "\n" for line in lines)


@pytest.fixture(autouse=True)
def fx_reset_logging() -> Iterator[None]:
    """Undo a JSON sink a test installed on a captured stream, which pytest closes afterwards."""
    import sys

    from loguru import logger

    from serverless import entry

    yield
    if entry._configured:
        logger.remove()
        logger.add(sys.stderr)
        entry._configured = False
