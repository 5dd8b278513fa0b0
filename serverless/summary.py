"""What every function run returns and logs, and how it lands in the metrics."""

from __future__ import annotations

import time

import msgspec
from loguru import logger

from serverless import metrics


class RunSummary(msgspec.Struct, kw_only=True):
    function: str
    # ok: finished; partial: stopped early on a fault, resumes next run; failed: did nothing;
    # skipped: another run held the lock.
    outcome: str = "ok"
    lines_read: int = 0
    batches_handed_on: int = 0
    duplicate_batches: int = 0
    templates: int = 0
    documents: int = 0
    vectors_upserted: int = 0
    backlog: int = 0
    lag_s: float | None = None
    duration_s: float = 0.0
    bad_lines: dict[str, int] = {}
    # Seconds spent per phase (vectorize: merge, embed, upsert), for tuning and the benchmark.
    timings: dict[str, float] = {}
    errors: list[str] = []
    vectorize: RunSummary | None = None


def finish(summary: RunSummary, *, started: float) -> RunSummary:
    """Stamp the duration, log the summary line and update the metrics."""
    summary.duration_s = round(time.monotonic() - started, 3)
    metrics.RUNS.labels(function=summary.function, outcome=summary.outcome).inc()
    if summary.lag_s is not None:
        metrics.LAG.labels(function=summary.function).set(summary.lag_s)
    if summary.outcome in {"ok", "skipped"}:
        metrics.LAST_SUCCESS.labels(function=summary.function).set(time.time())
    fields = {
        k: v for k, v in msgspec.to_builtins(summary).items() if k not in {"errors", "vectorize", "timings"}
    }
    log = logger.bind(**fields, errors="; ".join(summary.errors)[:500])
    (log.info if summary.outcome in {"ok", "skipped"} else log.warning)(f"{summary.function} run finished")
    return summary
