"""Function `ingest-logs`: read new lines since the checkpoint and hand them on to the stream.

Source: Loki (`SLS_LOKI_URL`) or the local runner's files under `<data_dir>/logs`. Each
page is handed on and checkpointed in one atomic step (`LineStream.hand_on`), so a fault
anywhere (Loki down, Redis restarting) stops the run with everything before it kept and
nothing after it half-done; the next run starts at the checkpoint.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import msgspec
import redis
from loguru import logger

from serverless import metrics, resources
from serverless.entry import ensure_logging
from serverless.records import LineParser
from serverless.settings import PipelineSettings
from serverless.sources import FileSource, LokiSource, SourceUnavailable
from serverless.summary import RunSummary, finish

FUNCTION = "ingest-logs"


def handler(event: dict[str, Any] | None, context: Any = None) -> dict[str, Any]:
    """Lambda entry point; `event` may name `services` and a `max_lines` budget."""
    settings = PipelineSettings.from_env()
    ensure_logging()
    return msgspec.to_builtins(run_ingest(settings, event=event or {}))


def run_ingest(settings: PipelineSettings, *, event: dict[str, Any] | None = None) -> RunSummary:
    event = event or {}
    started = time.monotonic()
    now = time.time()
    summary = RunSummary(function=FUNCTION)
    services = tuple(event.get("services") or settings.service_names)
    budget = int(event.get("max_lines") or settings.max_lines_per_run)
    parser = LineParser(
        known_services=settings.service_names,
        max_bytes=settings.max_line_bytes,
        max_skew_s=settings.max_clock_skew_s,
    )
    client = resources.redis_client(settings)
    stream = resources.line_stream(client, settings)
    source_name = "loki" if settings.loki_url else "file"
    http = (
        httpx.Client(base_url=settings.loki_url, timeout=settings.loki_timeout_s)
        if settings.loki_url
        else None
    )
    newest = 0.0
    source: LokiSource | FileSource | None = None
    try:
        if http is not None:
            source = LokiSource(
                http,
                parser=parser,
                page_limit=settings.loki_page_limit,
                max_retries=settings.loki_max_retries,
                initial_lookback_s=settings.loki_initial_lookback_s,
                max_span_s=settings.loki_max_span_s,
                tenant=settings.loki_tenant,
            )
        else:
            source = FileSource(settings.log_dir, parser=parser, batch_lines=settings.batch_lines)
        for service in services:
            checkpoint = stream.get_checkpoint(f"{source_name}:{service}")
            for page in source.pages(service, checkpoint, now=now):
                added = stream.hand_on(
                    page.records, batch_id=page.batch_id, checkpoint=(page.checkpoint_name, page.checkpoint)
                )
                if added:
                    summary.batches_handed_on += 1
                    summary.lines_read += len(page.records)
                    metrics.LINES.labels(source=source_name).inc(len(page.records))
                elif page.records:
                    summary.duplicate_batches += 1
                newest = max(newest, page.newest_ts)
                if summary.lines_read >= budget:
                    break
            if summary.lines_read >= budget:
                logger.bind(budget=budget).info(
                    "line budget of this run reached; the rest waits for the next run"
                )
                break
    except SourceUnavailable as exc:
        _fault(summary, kind=f"{exc.source}_{exc.reason}", message=f"log source unavailable: {exc}")
    except redis.RedisError as exc:
        _fault(summary, kind="redis", message=f"redis unavailable while handing lines on: {exc}")
    finally:
        if isinstance(source, LokiSource) and source.retries:
            metrics.RETRIES.labels(target="loki").inc(source.retries)
        if http is not None:
            http.close()
    summary.bad_lines = {reason: n for reason, n in parser.bad.items() if n}
    for reason, n in summary.bad_lines.items():
        metrics.BAD_LINES.labels(reason=reason).inc(n)
    if newest:
        summary.lag_s = round(max(0.0, now - newest), 3)
    try:
        summary.backlog = stream.backlog()
    except redis.RedisError:
        summary.backlog = -1
    if summary.outcome == "ok" and summary.backlog > settings.backlog_threshold:
        # The stream has grown past the threshold: vectorize now instead of waiting for its schedule.
        from serverless.vectorize_logs import run_vectorize

        logger.bind(backlog=summary.backlog, threshold=settings.backlog_threshold).info(
            "stream backlog past threshold; running vectorize-logs now"
        )
        summary.vectorize = run_vectorize(settings)
    client.close()
    return finish(summary, started=started)


def _fault(summary: RunSummary, *, kind: str, message: str) -> None:
    summary.outcome = "partial" if summary.batches_handed_on else "failed"
    summary.errors.append(message)
    metrics.ERRORS.labels(function=FUNCTION, kind=kind).inc()
    logger.bind(kind=kind).error(message)
