"""The metric names our PromQL may read: docs/API.md's contract, recorded series, and the rest."""

from __future__ import annotations

import re

import yaml

from tests.prometheus.server import PROMETHEUS_DIR, ROOT

ALERTS = yaml.safe_load((PROMETHEUS_DIR / "rules" / "alerts.yml").read_text())
RECORDING = yaml.safe_load((PROMETHEUS_DIR / "rules" / "recording.yml").read_text())
RECORDED = {rule["record"] for group in RECORDING["groups"] for rule in group["rules"]}
# Every backquoted metric name in docs/API.md (the contract with the services).
CONTRACT = set(re.findall(r"`([a-z_]+)(?:\{[^`]*\})?`", (ROOT / "docs" / "API.md").read_text()))
# Series Prometheus itself makes, and the prefixes of kube-state-metrics and cAdvisor.
PROVIDED = {"up", "ALERTS"}
KUBERNETES_PREFIXES = ("kube_", "container_")
PROMQL_WORDS = {"sum", "max", "min", "avg", "count", "rate", "increase", "changes", "histogram_quantile",
                "max_over_time", "time", "vector", "or", "and", "unless", "on", "ignoring"}  # fmt: skip
# Strings, label matchers, label lists of groupings and joins, and range selectors.
IGNORED = re.compile(
    r'"[^"]*"|\{[^}]*\}|\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)|\[[^\]]*\]'
)


def metric_names(expr: str) -> set[str]:
    """Series names an expression selects: identifiers minus strings, matchers, groupings and functions."""
    stripped = IGNORED.sub(" ", expr)
    return set(re.findall(r"\b[a-zA-Z_:][a-zA-Z0-9_:]*\b", stripped)) - PROMQL_WORDS


def unknown_metrics(expr: str) -> set[str]:
    """Names `expr` reads that are neither in the contract, recorded, nor provided."""
    unknown = set()
    for name in metric_names(expr):
        if name in RECORDED or name in PROVIDED or name.startswith(KUBERNETES_PREFIXES):
            continue
        if re.sub(r"_(bucket|count|sum)$", "", name) not in CONTRACT:
            unknown.add(name)
    return unknown
