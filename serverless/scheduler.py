"""Fire the scheduled functions locally on the schedules read from `serverless.yml`.

`autoforge run` starts this as one child process (`python -m serverless.scheduler`). It
serves the pipeline metrics on 127.0.0.1:9464, runs each function when due (one at a time,
in this process, so the embedding model is loaded once), and also runs vectorize-logs when
the stream backlog passes `SLS_BACKLOG_THRESHOLD`. SIGTERM or Ctrl-C stops it between runs.
"""

from __future__ import annotations

import argparse
import re
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
import yaml
from loguru import logger
from prometheus_client import start_http_server

from serverless import metrics, resources
from serverless.entry import ensure_logging
from serverless.functions import load_handler
from serverless.settings import PipelineSettings

CONFIG = Path(__file__).resolve().parent.parent / "serverless.yml"
BACKLOG_CHECK_S = 30.0
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(second|minute|hour|day)s?\s*\)$")
_UNIT_S = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


@dataclass
class Schedule:
    function: str
    every_s: float
    next_due: float = 0.0


def parse_rate(expression: str) -> float:
    """Seconds between runs for an EventBridge `rate(...)` expression."""
    match = _RATE.match(expression.strip())
    if match is None:
        raise ValueError(f"unsupported schedule {expression!r}: only rate(N unit) runs locally")
    return int(match[1]) * _UNIT_S[match[2]]


def read_schedules(config: Path = CONFIG) -> list[Schedule]:
    """Every enabled `schedule` event of every function in `config`."""
    document: dict[str, Any] = yaml.safe_load(config.read_text())
    schedules = []
    for name, function in (document.get("functions") or {}).items():
        for event in function.get("events") or []:
            if not isinstance(event, dict) or "schedule" not in event:
                continue
            spec = event["schedule"]
            if isinstance(spec, dict):
                if spec.get("enabled") is False:
                    continue
                rates = spec.get("rate")
                rates = rates if isinstance(rates, list) else [rates]
            else:
                rates = [spec]
            for rate in rates:
                try:
                    schedules.append(Schedule(function=name, every_s=parse_rate(str(rate))))
                except ValueError as exc:
                    logger.bind(function=name).warning(str(exc))
    return schedules


def fire(function: str, event: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """Run one function in this process; a crash is logged and counted, never propagated."""
    try:
        return load_handler(function)(event or {}, None)
    except Exception as exc:
        metrics.RUNS.labels(function=function, outcome="failed").inc()
        metrics.ERRORS.labels(function=function, kind="crash").inc()
        logger.opt(exception=exc).bind(function=function).error("scheduled function crashed")
        return None


def run(settings: PipelineSettings, *, config: Path, stop: threading.Event, once: bool = False) -> None:
    schedules = read_schedules(config)
    logger.bind(schedules={s.function: s.every_s for s in schedules}).info("scheduler started")
    now = time.monotonic()
    for i, schedule in enumerate(schedules):
        # Staggered first runs: ingest first, then vectorize shortly after.
        schedule.next_due = now + 5.0 * i
    next_backlog_check = now + BACKLOG_CHECK_S
    fired: set[str] = set()
    client = resources.redis_client(settings)
    stream = resources.line_stream(client, settings)
    try:
        while not stop.is_set():
            for schedule in sorted(schedules, key=lambda s: s.next_due):
                if stop.is_set() or time.monotonic() < schedule.next_due:
                    continue
                fire(schedule.function)
                fired.add(schedule.function)
                schedule.next_due = time.monotonic() + schedule.every_s
            if once and fired >= {s.function for s in schedules}:
                return
            if time.monotonic() >= next_backlog_check:
                next_backlog_check = time.monotonic() + BACKLOG_CHECK_S
                try:
                    backlog = stream.backlog()
                except redis.RedisError as exc:
                    logger.bind(error=str(exc)).warning("cannot read the stream backlog")
                    backlog = 0
                if backlog > settings.backlog_threshold:
                    logger.bind(backlog=backlog).info("stream backlog past threshold; running vectorize-logs")
                    fire("vectorize-logs")
            due = min((s.next_due for s in schedules), default=time.monotonic() + 60)
            stop.wait(max(0.2, min(due, next_backlog_check) - time.monotonic()))
    finally:
        client.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m serverless.scheduler")
    parser.add_argument("--config", type=Path, default=CONFIG)
    parser.add_argument("--once", action="store_true", help="fire each scheduled function once, then exit")
    args = parser.parse_args(argv)
    settings = PipelineSettings.from_env()
    ensure_logging()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    if not args.once:
        start_http_server(settings.metrics_port, addr=settings.metrics_host)
    run(settings, config=args.config, stop=stop, once=args.once)
    logger.info("scheduler stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
