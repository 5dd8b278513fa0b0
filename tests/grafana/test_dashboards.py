"""grafana/: provisioning files and dashboard JSON, checked for structure (Grafana cannot run here)."""

from __future__ import annotations

import pytest
import yaml

from tests.grafana.dashboards import (
    DASHBOARD_FILES,
    DATASOURCES,
    LOKI_UID,
    PROMETHEUS_UID,
    PROVIDERS,
    ROOT,
    Query,
    dashboards,
    load,
    panels,
    queries,
    substitute,
)
from tests.k8s.manifests import find, pod_spec
from tests.prometheus.contract import unknown_metrics


def test_datasources_have_fixed_uids_when_provisioned() -> None:
    by_uid = {d["uid"]: d for d in DATASOURCES["datasources"]}
    assert set(by_uid) == {PROMETHEUS_UID, LOKI_UID}
    assert (by_uid[PROMETHEUS_UID]["type"], by_uid[LOKI_UID]["type"]) == ("prometheus", "loki")
    assert [d["uid"] for d in DATASOURCES["datasources"] if d.get("isDefault")] == [PROMETHEUS_UID]
    assert DATASOURCES["apiVersion"] == 1


def test_datasource_urls_name_the_kubernetes_and_compose_services_when_provisioned() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for datasource in DATASOURCES["datasources"]:
        host, port = datasource["url"].removeprefix("http://").split(":")
        service = find("Service", host)
        assert service is not None, host
        assert int(port) in {p["port"] for p in service["spec"]["ports"]}
        assert host in compose
        assert any(str(mapping).endswith(f":{port}") for mapping in compose[host].get("ports", [])), host


def test_dashboard_provider_path_is_where_kubernetes_and_compose_mount_dashboards_when_provisioned() -> None:
    (provider,) = PROVIDERS["providers"]
    path = provider["options"]["path"]
    assert provider["type"] == "file"
    grafana = pod_spec(find("Deployment", "grafana"))
    mounts = {m["name"]: m["mountPath"] for m in grafana["containers"][0]["volumeMounts"]}
    volumes = {v["name"]: v for v in grafana["volumes"]}
    (name,) = [
        n
        for n, v in volumes.items()
        if v.get("configMap", {}).get("name", "").startswith("grafana-dashboards-")
    ]
    assert mounts[name] == path
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["grafana"]
    assert f"./grafana/dashboards:{path}:ro" in compose["volumes"]


def test_dashboards_have_unique_uids_and_titles_when_loaded() -> None:
    loaded = dashboards()
    assert {d["uid"] for d in loaded} == {"autoforge-overview", "autoforge-inventory", "autoforge-orders",
                                           "autoforge-logs"}  # fmt: skip
    assert len({d["title"] for d in loaded}) == len(loaded)
    for dashboard in loaded:
        assert len(dashboard["uid"]) <= 40
        assert dashboard["schemaVersion"] >= 36
        assert "autoforge" in dashboard["tags"]


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda p: p.name)
def test_panels_have_unique_ids_and_fit_the_grid_without_overlap_when_laid_out(path) -> None:
    dashboard = load(path)
    all_panels = list(panels(dashboard))
    assert len({p["id"] for p in all_panels}) == len(all_panels)
    cells: set[tuple[int, int]] = set()
    for panel in all_panels:
        pos = panel["gridPos"]
        assert pos["x"] >= 0, panel["title"]
        assert pos["x"] + pos["w"] <= 24, panel["title"]
        covered = {
            (x, y) for x in range(pos["x"], pos["x"] + pos["w"]) for y in range(pos["y"], pos["y"] + pos["h"])
        }
        assert not covered & cells, f"{panel['title']} overlaps another panel"
        cells |= covered


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda p: p.name)
def test_every_panel_queries_a_provisioned_datasource_when_loaded(path) -> None:
    dashboard = load(path)
    for panel in panels(dashboard):
        assert panel["datasource"]["uid"] in {PROMETHEUS_UID, LOKI_UID}, panel["title"]
        assert panel["targets"], panel["title"]
        ref_ids = [t["refId"] for t in panel["targets"]]
        assert len(set(ref_ids)) == len(ref_ids)
        for target in panel["targets"]:
            assert target["datasource"] == panel["datasource"]
            assert target["expr"].strip()


@pytest.mark.parametrize("query", queries(), ids=lambda q: q.id)
def test_every_variable_in_a_query_is_defined_when_substituted(query: Query) -> None:
    assert "$" not in substitute(query)


def test_overview_shows_traffic_latency_errors_replicas_and_resources_when_opened() -> None:
    (overview,) = [d for d in dashboards() if d["uid"] == "autoforge-overview"]
    exprs = " ".join(t["expr"] for p in panels(overview) for t in p["targets"])
    for needle in (
        "service:http_requests:rate1m",
        "service:http_request_duration_seconds:p95_5m",
        "service:http_requests_error_ratio:rate5m",
        "kube_horizontalpodautoscaler_status_current_replicas",
        "kube_horizontalpodautoscaler_status_desired_replicas",
        "container_cpu_usage_seconds_total",
        "container_memory_working_set_bytes",
    ):
        assert needle in exprs


def test_logs_dashboard_reads_only_loki_when_opened() -> None:
    (logs,) = [d for d in dashboards() if d["uid"] == "autoforge-logs"]
    assert {p["datasource"]["uid"] for p in panels(logs)} == {LOKI_UID}
    assert any(p["type"] == "logs" for p in panels(logs))


@pytest.mark.parametrize("query", queries(PROMETHEUS_UID), ids=lambda q: q.id)
def test_prometheus_panels_read_only_contract_or_recorded_metrics_when_they_select_series(
    query: Query,
) -> None:
    assert not unknown_metrics(substitute(query)), "reads metrics docs/API.md does not define"


# Grafana's built-in panel types and unit ids that these dashboards may use.
PANEL_TYPES = {"timeseries", "stat", "logs", "table", "gauge", "bargauge", "text"}
UNITS = {"short", "reqps", "ops", "s", "ms", "percentunit", "bytes", "cores"}


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda p: p.name)
def test_panels_use_core_panel_types_and_units_when_rendered(path) -> None:
    for panel in panels(load(path)):
        assert panel["type"] in PANEL_TYPES, panel["title"]
        assert panel["fieldConfig"]["defaults"].get("unit", "short") in UNITS, panel["title"]
        # Logs panels show lines; everything else plots a metric query.
        is_log_query = panel["targets"][0]["expr"].lstrip().startswith("{")
        assert (panel["type"] == "logs") == is_log_query, panel["title"]
