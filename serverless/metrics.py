"""Metrics of the log pipeline (docs/API.md, "log pipeline"); served by the scheduler on :9464."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

RUNS = Counter("logpipeline_runs_total", "Function runs by outcome.", ["function", "outcome"])
LINES = Counter("logpipeline_lines_total", "Log lines read and handed on.", ["source"])
VECTORS_UPSERTED = Counter("logpipeline_vectors_upserted_total", "Document vectors written to the store.")
LAG = Gauge("logpipeline_lag_seconds", "Age of the newest line the function has handled.", ["function"])
LAST_SUCCESS = Gauge(
    "logpipeline_last_success_timestamp_seconds",
    "When the function last finished without error.",
    ["function"],
)
BAD_LINES = Counter("logpipeline_bad_lines_total", "Lines that needed repair or were set aside.", ["reason"])
ERRORS = Counter(
    "logpipeline_errors_total", "Faults met during runs (the run logs each).", ["function", "kind"]
)
RETRIES = Counter("logpipeline_retries_total", "Retried calls to an outside service.", ["target"])
