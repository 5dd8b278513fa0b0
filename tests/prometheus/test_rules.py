"""prometheus/: configuration and rules checked by promtool, alerts unit-tested by promtool."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.prometheus.contract import ALERTS, RECORDING, unknown_metrics
from tests.prometheus.server import PROMETHEUS_DIR, kubernetes_config, promtool

UNIT_TESTS = sorted((PROMETHEUS_DIR / "tests").glob("*.yml"))


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


def test_rules_read_only_contract_metrics_when_they_select_series() -> None:
    for doc in (ALERTS, RECORDING):
        for group in doc["groups"]:
            for rule in group["rules"]:
                assert not unknown_metrics(rule["expr"]), (
                    f"{rule['expr']!r} reads metrics docs/API.md does not define"
                )


def test_contract_check_flags_a_metric_when_docs_do_not_define_it() -> None:
    # A control for the two contract tests above (rules) and in tests/grafana (panels).
    expr = 'sum by (service) (rate(http_requests_total{status=~"5.."}[5m])) / on(service) orders_placed_total'
    assert unknown_metrics(expr) == {"orders_placed_total"}
    assert (
        unknown_metrics(
            "histogram_quantile(0.95, sum by (le) (rate(orders_inventory_call_seconds_bucket[1m])))"
        )
        == set()
    )
