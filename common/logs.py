"""One JSON line per log record on stdout, for Loki and the local log files alike.

The line format is a contract with `serverless/` (which parses it) and `loki/` (whose
LogQL queries read its fields): `ts`, `level`, `service`, `message`, plus whatever was bound
(`request_id`, `method`, `route`, `status`, `latency_ms`, ...).
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

import msgspec
from loguru import logger

_encoder = msgspec.json.Encoder()
_LEVELS = {"TRACE": 5, "DEBUG": 10, "INFO": 20, "SUCCESS": 25, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}


class _FastSink:
    """Where `log_request` writes: the stream, service and threshold of `configure_logging`."""

    stream: TextIO | None = None
    service: str = ""
    threshold: int = 20


def _json_sink(stream: TextIO, service: str):
    def write(message: Any) -> None:
        record = message.record
        line: dict[str, Any] = {
            "ts": record["time"].astimezone(UTC).isoformat(timespec="milliseconds"),
            "level": record["level"].name.lower(),
            "service": service,
            "message": record["message"],
        }
        for key, value in record["extra"].items():
            line[key] = value if isinstance(value, str | int | float | bool | None) else str(value)
        if record["exception"] is not None:
            exc = record["exception"]
            line["error"] = f"{exc.type.__name__}: {exc.value}" if exc.type else "error"
        stream.write(_encoder.encode(line).decode() + "\n")
        stream.flush()

    return write


class _InterceptHandler(logging.Handler):
    """Route stdlib logging (uvicorn, asyncpg, httpx, litestar) into loguru."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        logger.bind(logger=record.name).opt(exception=record.exc_info).log(level, record.getMessage())


def configure_logging(*, service: str, level: str = "INFO", stream: TextIO | None = None) -> None:
    """Install the JSON sink for `service` and route stdlib logging into it."""
    logger.remove()
    logger.add(_json_sink(stream or sys.stdout, service), level=level.upper(), enqueue=False)
    _FastSink.stream, _FastSink.service = stream or sys.stdout, service
    _FastSink.threshold = _LEVELS.get(level.upper(), 20)
    logging.basicConfig(handlers=[_InterceptHandler()], level=logging.WARNING, force=True)
    # Our per-request line replaces uvicorn's access log; httpx logs every call at INFO.
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("httpx").setLevel(logging.WARNING)


def log_request(level: str, fields: dict[str, Any]) -> None:
    """Write the per-request line straight to the JSON sink.

    The same line as `logger.bind(**fields).log(level, "request")`, for about a tenth of the
    cost: loguru builds a full record (frame, thread, process) that the hot path never uses.
    Falls back to loguru when `configure_logging` has not run (e.g. a bare test app).
    """
    stream = _FastSink.stream
    if stream is None:
        logger.bind(**fields).log(level, "request")
        return
    if _LEVELS[level] < _FastSink.threshold:
        return
    head = {"ts": now_iso(), "level": level.lower(), "service": _FastSink.service, "message": "request"}
    line = head | fields
    stream.write(_encoder.encode(line).decode() + "\n")
    stream.flush()


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")
