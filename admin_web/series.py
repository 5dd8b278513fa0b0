"""Rates, histogram quantiles and error ratios computed from successive `/metrics` scrapes.

A scrape is flattened into a `Sample`: one float per key, summed over the label sets that do
not matter to the dashboard (route, method). Counter keys are turned into per-second rates
over a window of samples, with counter resets handled as Prometheus does (a drop means the
process restarted and counted from zero). Quantiles use Prometheus' `histogram_quantile`
method: find the bucket holding the rank, interpolate linearly inside it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

import msgspec
from prometheus_client.parser import text_string_to_metric_families

# Keys of a flattened sample. Counters end in "_total" semantics; the rest are gauges.
REQUESTS = "requests"
ERRORS = "errors_5xx"
IN_FLIGHT = "in_flight"
BUCKET = "bucket:"  # + upper bound, e.g. "bucket:0.005", "bucket:+Inf"
ORDERS_CREATED = "orders_created"
TRANSITION = "transition:"  # + to_status
RESERVATION = "reservation:"  # + result
LOW_STOCK = "low_stock"

GAUGES = frozenset({IN_FLIGHT, LOW_STOCK})


class Sample(msgspec.Struct, frozen=True):
    """One scrape of one service at `at` (seconds): key → value."""

    at: float
    values: dict[str, float]


def flatten(text: str, *, at: float) -> Sample:
    """Parse Prometheus text exposition and sum the series the dashboard needs."""
    values: dict[str, float] = {}

    def add(key: str, value: float) -> None:
        values[key] = values.get(key, 0.0) + value

    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            name, labels, value = sample.name, sample.labels, float(sample.value)
            if name == "http_requests_total":
                add(REQUESTS, value)
                if labels.get("status", "").startswith("5"):
                    add(ERRORS, value)
            elif name == "http_request_duration_seconds_bucket":
                add(BUCKET + _le_key(labels["le"]), value)
            elif name == "http_requests_in_flight":
                add(IN_FLIGHT, value)
            elif name == "orders_created_total":
                add(ORDERS_CREATED, value)
            elif name == "orders_transitions_total":
                add(TRANSITION + labels.get("to_status", "unknown"), value)
            elif name == "inventory_reservations_total":
                add(RESERVATION + labels.get("result", "unknown"), value)
            elif name == "inventory_low_stock_items":
                add(LOW_STOCK, value)
    return Sample(at=at, values=values)


def _le_key(le: str) -> str:
    bound = float(le)
    return "+Inf" if math.isinf(bound) else repr(bound)


def increase(samples: Sequence[Sample], key: str) -> float | None:
    """Counter increase of `key` across `samples` (oldest first), tolerating resets.

    Returns None when fewer than two samples carry the key.
    """
    points = [s.values[key] for s in samples if key in s.values]
    if len(points) < 2:
        return None
    total = 0.0
    for previous, current in itertools.pairwise(points):
        # A drop means the counter restarted from zero: everything it shows now is new.
        total += current - previous if current >= previous else current
    return total


def rate(samples: Sequence[Sample], key: str) -> float | None:
    """Per-second rate of counter `key` between the first and last sample that carry it."""
    carrying = [s for s in samples if key in s.values]
    if len(carrying) < 2:
        return None
    elapsed = carrying[-1].at - carrying[0].at
    if elapsed <= 0:
        return None
    grown = increase(carrying, key)
    return None if grown is None else grown / elapsed


def bucket_increases(samples: Sequence[Sample]) -> dict[float, float]:
    """Per-bucket increase of the latency histogram: upper bound → count (cumulative)."""
    keys = {k for s in samples for k in s.values if k.startswith(BUCKET)}
    out: dict[float, float] = {}
    for key in keys:
        grown = increase(samples, key)
        if grown is not None:
            out[float(key[len(BUCKET) :])] = grown
    return out


def histogram_quantile(q: float, buckets: Mapping[float, float]) -> float | None:
    """Prometheus' `histogram_quantile` over cumulative `buckets` (upper bound → count).

    None stands for Prometheus' NaN: no observations, or no +Inf bucket.
    """
    if not buckets or math.inf not in buckets:
        return None
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    bounds = sorted(buckets)
    counts = [buckets[b] for b in bounds]
    # Counts must be cumulative; rates computed separately can break that by rounding.
    for i in range(1, len(counts)):
        counts[i] = max(counts[i], counts[i - 1])
    total = counts[-1]
    if total <= 0:
        return None
    rank = q * total
    index = next(i for i, c in enumerate(counts) if c >= rank)
    if index == len(bounds) - 1:
        # The rank falls in the +Inf bucket: the best answer is the highest finite bound.
        return bounds[-2] if len(bounds) > 1 else None
    if index == 0 and bounds[0] <= 0:
        return bounds[0]
    start = 0.0 if index == 0 else bounds[index - 1]
    end = bounds[index]
    below = 0.0 if index == 0 else counts[index - 1]
    in_bucket = counts[index] - below
    if in_bucket <= 0:
        return end
    return start + (end - start) * ((rank - below) / in_bucket)


def error_ratio(samples: Sequence[Sample]) -> float | None:
    """Share of requests answered 5xx over the window; None when there was no traffic."""
    requests = increase(samples, REQUESTS)
    if not requests:
        return None
    errors = increase(samples, ERRORS) or 0.0
    return errors / requests


def per_minute(samples: Sequence[Sample], prefix: str) -> dict[str, float]:
    """Rates per minute of every counter whose key starts with `prefix`, keyed by the label."""
    keys = sorted({k for s in samples for k in s.values if k.startswith(prefix)})
    out: dict[str, float] = {}
    for key in keys:
        value = rate(samples, key)
        if value is not None:
            out[key[len(prefix) :]] = value * 60
    return out
