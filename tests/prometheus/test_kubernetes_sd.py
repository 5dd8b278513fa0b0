"""The in-cluster scrape configuration, run by a real Prometheus against pods described by files."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.prometheus.server import (
    FakeCluster,
    Prometheus,
    kubernetes_config,
    pod_target,
    run_prometheus,
    serve_text,
)

APP_METRICS = 'http_requests_total{service="inventory",method="GET",route="/products",status="200"} 7\n'


@pytest.fixture(name="cluster_prometheus", scope="module")
def fx_cluster_prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Prometheus, str]]:
    workdir = tmp_path_factory.mktemp("prometheus-sd")
    fake = FakeCluster({"inventory-svc-6d8f7-x2x9q": "inventory-svc"})
    pages = {"/metrics": lambda: APP_METRICS + fake.kube_state_metrics(), "/metrics/cadvisor": fake.cadvisor}
    with serve_text(pages) as address:
        port = int(address.rsplit(":", 1)[1])
        pods = [
            # Pod SD gives one target per container port; the annotation picks the port.
            pod_target("127.0.0.1:1", pod="inventory-svc-6d8f7-x2x9q", app="inventory-svc", port=port),
            pod_target("127.0.0.1:2", pod="postgres-0", app="postgres", port=None),
            pod_target(
                "127.0.0.1:3", pod="orders-svc-5c4b-pending", app="orders-svc", port=port, phase="Pending"
            ),
        ]
        pods_file = workdir / "pods.json"
        pods_file.write_text(json.dumps(pods))
        config = kubernetes_config(pods_file=pods_file, cadvisor_address=address)
        with run_prometheus(config, workdir=workdir) as prometheus:
            prometheus.wait_for(
                lambda: (
                    bool(prometheus.query('up{job="kubernetes-pods"} == 1'))
                    and bool(prometheus.query('up{job="kubernetes-cadvisor"} == 1'))
                ),
                timeout_s=30,
                what="both jobs scraped",
            )
            yield prometheus, address


def test_only_running_annotated_pods_are_scraped_when_discovered(
    cluster_prometheus: tuple[Prometheus, str],
) -> None:
    prometheus, address = cluster_prometheus
    targets = prometheus.get("/api/v1/targets")
    active = [t for t in targets["activeTargets"] if t["labels"]["job"] == "kubernetes-pods"]
    assert [t["labels"] for t in active] == [
        {
            "app": "inventory-svc",
            "instance": address,
            "job": "kubernetes-pods",
            "namespace": "autoforge",
            "pod": "inventory-svc-6d8f7-x2x9q",
        }
    ]
    assert active[0]["scrapeUrl"] == f"http://{address}/metrics"
    dropped = {t["discoveredLabels"]["__meta_kubernetes_pod_name"] for t in targets["droppedTargets"]}
    assert dropped == {"postgres-0", "orders-svc-5c4b-pending"}


def test_service_series_gain_pod_labels_when_scraped(cluster_prometheus: tuple[Prometheus, str]) -> None:
    prometheus, _ = cluster_prometheus
    (series,) = prometheus.query("http_requests_total")
    assert series["metric"]["pod"] == "inventory-svc-6d8f7-x2x9q"
    assert series["metric"]["namespace"] == "autoforge"
    assert series["metric"]["service"] == "inventory"


def test_kube_state_metrics_keep_their_own_pod_labels_when_honored(
    cluster_prometheus: tuple[Prometheus, str],
) -> None:
    prometheus, _ = cluster_prometheus
    (series,) = prometheus.query("kube_pod_container_status_restarts_total")
    assert series["metric"]["container"] == "inventory-svc"
    assert not any(name.startswith("exported_") for name in series["metric"])


def test_cadvisor_keeps_only_per_container_cpu_and_memory_when_relabelled(
    cluster_prometheus: tuple[Prometheus, str],
) -> None:
    prometheus, _ = cluster_prometheus
    memory = prometheus.query('container_memory_working_set_bytes{job="kubernetes-cadvisor"}')
    assert [s["metric"]["container"] for s in memory] == ["inventory-svc"]
    assert prometheus.query('container_fs_reads_total{job="kubernetes-cadvisor"}') == []


def test_rules_load_without_errors_when_evaluated(cluster_prometheus: tuple[Prometheus, str]) -> None:
    prometheus, _ = cluster_prometheus
    groups = prometheus.get("/api/v1/rules")["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    assert len(rules) == 14
    assert all(rule["health"] != "err" for rule in rules), [r.get("lastError") for r in rules]
