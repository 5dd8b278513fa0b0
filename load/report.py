"""The end of a run: the JSON report, the readable summary, and thresholds that set the exit code."""

from __future__ import annotations

import re
from typing import Any

import msgspec

from load.engine import RunResult
from load.histogram import Histogram

PERCENTILES = (("p50", 50.0), ("p90", 90.0), ("p95", 95.0), ("p99", 99.0), ("p99.9", 99.9))
_THRESHOLD = re.compile(
    r"^\s*(?:(?P<step>[\w./-]+):)?(?P<metric>p\d+(?:\.\d+)?|max|mean|errors|dropped|rps)\s*"
    r"(?P<op><=|>=|<|>)\s*(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>ms|us|s|%)?\s*$"
)
_UNIT_MS = {"ms": 1.0, "us": 0.001, "s": 1000.0, None: 1.0}


class Threshold(msgspec.Struct, frozen=True):
    """`p99<300ms`, `errors<1%`, `rps>=100`, optionally for one step: `checkout:p95<800ms`."""

    expression: str
    metric: str
    op: str
    value: float
    step: str | None = None

    @classmethod
    def parse(cls, expression: str) -> Threshold:
        match = _THRESHOLD.match(expression)
        if not match:
            raise ValueError(
                f"threshold {expression!r}: expected METRIC<OP><VALUE>, e.g. p99<300ms, errors<1%, rps>50"
            )
        metric, unit, value = match["metric"], match["unit"], float(match["value"])
        is_latency = metric.startswith("p") or metric in {"max", "mean"}
        if is_latency:
            if unit == "%":
                raise ValueError(f"threshold {expression!r}: latency takes ms, s or us")
            value *= _UNIT_MS[unit]
        elif unit not in {None, "%"} or (metric == "rps" and unit == "%"):
            raise ValueError(
                f"threshold {expression!r}: {metric} takes {'%' if metric != 'rps' else 'a number'}"
            )
        return cls(
            expression=expression.strip(), metric=metric, op=match["op"], value=value, step=match["step"]
        )

    def holds(self, actual: float) -> bool:
        return {
            "<": actual < self.value,
            "<=": actual <= self.value,
            ">": actual > self.value,
            ">=": actual >= self.value,
        }[self.op]


def latency_ms(histogram: Histogram) -> dict[str, float]:
    figures = {name: histogram.percentile(p) / 1000 for name, p in PERCENTILES}
    figures["max"] = histogram.max / 1000
    figures["min"] = histogram.min / 1000
    figures["mean"] = round(histogram.mean() / 1000, 3)
    return figures


def _block(histogram: Histogram, *, ok: int, errors: dict[str, int], elapsed_s: float) -> dict[str, Any]:
    requests = histogram.count
    failed = sum(errors.values())
    return {
        "requests": requests,
        "ok": ok,
        "errors": failed,
        "error_ratio": failed / requests if requests else 0.0,
        "rps": requests / elapsed_s if elapsed_s > 0 else 0.0,
        "latency_ms": latency_ms(histogram),
        "errors_by_kind": dict(sorted(errors.items())),
    }


def build_report(result: RunResult, *, thresholds: list[Threshold]) -> dict[str, Any]:
    """Return the JSON-able report of a run, thresholds evaluated."""
    total = Histogram()
    ok = 0
    errors: dict[str, int] = {}
    statuses: dict[str, int] = {}
    steps: dict[str, Any] = {}
    for name, stats in result.steps.items():
        total.merge(stats.histogram)
        ok += stats.ok
        for kind, n in stats.errors.items():
            errors[kind] = errors.get(kind, 0) + n
        for status, n in stats.statuses.items():
            statuses[str(status)] = statuses.get(str(status), 0) + n
        block = _block(stats.histogram, ok=stats.ok, errors=dict(stats.errors), elapsed_s=result.elapsed_s)
        block["statuses"] = {str(k): v for k, v in sorted(stats.statuses.items())}
        block["histogram_us"] = stats.histogram.buckets()
        steps[name] = block
    summary = _block(total, ok=ok, errors=errors, elapsed_s=result.elapsed_s)
    arrivals = result.sent + result.dropped
    summary["statuses"] = dict(sorted(statuses.items()))
    summary["dropped"] = result.dropped
    summary["dropped_ratio"] = result.dropped / arrivals if arrivals else 0.0
    summary["histogram_us"] = total.buckets()
    options = result.options
    report: dict[str, Any] = {
        "scenario": result.plan.scenario.name,
        "targets": result.plan.scenario.targets,
        "model": options.model,
        "stages": [{"seconds": s, "level": level} for s, level in options.stages],
        "timeout_s": options.timeout_s,
        "max_requests": options.max_requests,
        "max_in_flight": options.max_in_flight if options.model == "open" else None,
        "elapsed_s": round(result.elapsed_s, 3),
        "client_cpu_ratio": round(result.cpu_s / result.elapsed_s, 3) if result.elapsed_s > 0 else 0.0,
        "stopped_by": result.stopped_by,
        "summary": summary,
        "steps": steps,
        "timeline": [msgspec.to_builtins(i) for i in result.timeline],
    }
    report["thresholds"] = [check(t, report) for t in thresholds]
    report["passed"] = all(t["passed"] for t in report["thresholds"])
    return report


def check(threshold: Threshold, report: dict[str, Any]) -> dict[str, Any]:
    block = report["summary"] if threshold.step is None else report["steps"].get(threshold.step)
    if block is None:
        return {"expression": threshold.expression, "actual": None, "passed": False, "why": "no such step"}
    metric = threshold.metric
    if metric == "errors":
        actual = 100 * block["error_ratio"]
    elif metric == "dropped":
        actual = 100 * report["summary"]["dropped_ratio"]
    elif metric == "rps":
        actual = block["rps"]
    else:
        actual = block["latency_ms"].get(metric)
        if actual is None:
            # An unusual percentile (p75): compute it from the histogram buckets.
            actual = _percentile_from_buckets(block["histogram_us"], float(metric[1:])) / 1000
    # No requests at all can satisfy no threshold: a dead target must fail the run.
    passed = block["requests"] > 0 and threshold.holds(actual)
    return {"expression": threshold.expression, "actual": round(actual, 3), "passed": passed}


def _percentile_from_buckets(buckets: list[list[int]], p: float) -> int:
    count = sum(n for _, _, n in buckets)
    rank, seen = max(1, -(-count * p // 100)), 0
    for _, high, n in buckets:
        seen += n
        if seen >= rank:
            return high
    return 0


def summary_text(report: dict[str, Any]) -> str:
    """Render the report as a few aligned lines for the terminal."""
    s = report["summary"]
    lines = [
        f"scenario {report['scenario']} ({report['model']} model), {report['elapsed_s']:.1f}s, "
        f"stopped by {report['stopped_by']}",
        f"requests {s['requests']}  ok {s['ok']}  errors {s['errors']} ({100 * s['error_ratio']:.2f}%)  "
        f"dropped {s['dropped']} ({100 * s['dropped_ratio']:.2f}%)  {s['rps']:.1f} req/s",
        "",
        f"{'step':<24} {'reqs':>8} {'err%':>6} {'rps':>8} "
        + " ".join(f"{name:>8}" for name in ("p50", "p90", "p95", "p99", "p99.9", "max"))
        + "  (ms)",
    ]
    for name, block in [*report["steps"].items(), ("all", s)]:
        lat = block["latency_ms"]
        lines.append(
            f"{name[:24]:<24} {block['requests']:>8} {100 * block['error_ratio']:>6.2f} {block['rps']:>8.1f} "
            + " ".join(f"{lat[k]:>8.2f}" for k in ("p50", "p90", "p95", "p99", "p99.9", "max"))
        )
    if s["errors_by_kind"]:
        lines += ["", "errors: " + ", ".join(f"{k} {v}" for k, v in s["errors_by_kind"].items())]
    cpu = report["client_cpu_ratio"]
    lines += ["", f"client CPU {cpu:.0%} of one core"]
    if cpu > 0.9:
        lines[-1] += ": the client was (near) its limit; figures may describe it rather than the server"
    if report["thresholds"]:
        lines.append("")
        for t in report["thresholds"]:
            mark = "ok  " if t["passed"] else "FAIL"
            lines.append(f"{mark} {t['expression']}  (actual {t['actual']})")
    return "\n".join(lines)


def progress_line(interval: Any, *, total_s: float) -> str:
    rate = interval.requests / interval.seconds if interval.seconds > 0 else 0.0
    return (
        f"[{interval.t:6.1f}/{total_s:.0f}s] {rate:>8.1f} req/s  err {interval.errors:<4} "
        f"drop {interval.dropped:<4} in-flight {interval.in_flight:<4} "
        f"p50 {interval.p50_ms:7.2f}ms  p99 {interval.p99_ms:7.2f}ms  max {interval.max_ms:7.2f}ms"
    )
