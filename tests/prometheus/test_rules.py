"""prometheus/: configuration and rules checked by promtool, alerts unit-tested by promtool."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tests.prometheus.server import PROMETHEUS_DIR, ROOT, kubernetes_config, promtool

ALERTS = yaml.safe_load((PROMETHEUS_DIR / "rules" / "alerts.yml").read_text())
RECORDING = yaml.safe_load((PROMETHEUS_DIR / "rules" / "recording.yml").read_text())
UNIT_TESTS = sorted((PROMETHEUS_DIR / "tests").glob("*.yml"))
# The metric names docs/API.md promises (the contract), plus what Prometheus and
# kube-state-metrics/cAdvisor provide.
CONTRACT = set(re.findall(r"`([a-z_]+)(?:\{[^`]*\})?`", (ROOT / "docs" / "API.md").read_text()))
PROVIDED = {"up", "ALERTS"}
KUBERNETES_PREFIXES = ("kube_", "container_")
PROMQL_WORDS = {"sum", "max", "min", "avg", "count", "rate", "increase", "changes", "histogram_quantile",
                "max_over_time", "time", "vector", "or", "and", "unless", "on", "ignoring"}  # fmt: skip


def alert_names() -> list[str]:
    return [rule["alert"] for group in ALERTS["groups"] for rule in group["rules"]]


def test_local_config_is_valid_when_checked_by_promtool() -> None:
    result = promtool("check", "config", "prometheus/prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 rule files found" in result.stdout


def test_compose_config_is_valid_when_checked_by_promtool() -> None:
    # Its rule_files glob names the container path, which matches nothing here: syntax only.
    result = promtool("check", "config", "prometheus/prometheus-compose.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_kubernetes_config_is_valid_when_discovery_is_swapped_for_files(tmp_path: Path) -> None:
    # Debian's promtool has no Kubernetes SD; everything else in the file is checked as written.
    config = kubernetes_config(pods_file=tmp_path / "pods.json", cadvisor_address="127.0.0.1:1")
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    result = promtool("check", "config", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_local_config_scrapes_every_deployable_port_when_run_locally() -> None:
    from common.platform import DEPLOYABLES

    config = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == "autoforge"]
    targets = {t: group["labels"]["app"] for group in job["static_configs"] for t in group["targets"]}
    for deployable in DEPLOYABLES:
        assert targets[f"127.0.0.1:{deployable.port}"] == deployable.package.replace("_", "-")
    assert targets["127.0.0.1:9464"] == "log-pipeline"


def test_rules_are_valid_when_checked_by_promtool() -> None:
    result = promtool("check", "rules", "prometheus/rules/recording.yml", "prometheus/rules/alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_passes_its_unit_tests_when_run_by_promtool() -> None:
    result = promtool("test", "rules", *(str(p) for p in UNIT_TESTS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_alert_has_a_firing_and_a_silent_unit_test_when_tests_are_read() -> None:
    fired: set[str] = set()
    silent: set[str] = set()
    for path in UNIT_TESTS:
        for case in yaml.safe_load(path.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                (fired if check.get("exp_alerts") else silent).add(check["alertname"])
    required = {"HighErrorRatio", "HighLatencyP95", "ReplicasFlapping", "PodCrashLooping", "ServiceDown",
                "LowStock", "LogVectorsStale"}  # fmt: skip
    assert set(alert_names()) == required
    assert fired == required
    assert silent == required


def metric_names(expr: str) -> set[str]:
    """Series names an expression selects: identifiers minus strings, matchers, groupings and functions."""
    stripped = re.sub(r'"[^"]*"|\{[^}]*\}|\b(by|without)\s*\([^)]*\)|\[[^\]]*\]', " ", expr)
    return set(re.findall(r"\b[a-zA-Z_:][a-zA-Z0-9_:]*\b", stripped)) - PROMQL_WORDS


def test_rules_read_only_contract_metrics_when_they_select_series() -> None:
    recorded = {rule["record"] for group in RECORDING["groups"] for rule in group["rules"]}
    exprs = [
        rule["expr"] for doc in (ALERTS, RECORDING) for group in doc["groups"] for rule in group["rules"]
    ]
    for expr in exprs:
        for name in metric_names(expr):
            if name in recorded or name in PROVIDED or name.startswith(KUBERNETES_PREFIXES):
                continue
            base = re.sub(r"_(bucket|count|sum)$", "", name)
            assert base in CONTRACT, f"{name} in {expr!r} is not in docs/API.md"
