"""Invariants of the built platform: hardening, wiring between objects, HPA and adapter."""

from __future__ import annotations

import re

import pytest
import yaml

from common.platform import DEPLOYABLES
from tests.k8s.manifests import (
    SETTINGS,
    UNPROBED,
    Manifest,
    built,
    by_kind,
    containers,
    find,
    pod_spec,
    settings_fields,
    workloads,
)


def names(manifests: list[Manifest]) -> list[str]:
    return [m["metadata"]["name"] for m in manifests]


def template_labels(workload: Manifest) -> dict[str, str]:
    return workload["spec"]["template"]["metadata"]["labels"]


@pytest.mark.parametrize("workload", workloads(), ids=lambda w: f"{w['kind']}/{w['metadata']['name']}")
def test_containers_are_hardened_and_bounded_when_any_workload_runs(workload: Manifest) -> None:
    spec = pod_spec(workload)
    assert spec["enableServiceLinks"] is False
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    writable = {m["mountPath"] for c in containers(workload) for m in c.get("volumeMounts", [])}
    for container in containers(workload):
        context = container["securityContext"]
        assert context["runAsNonRoot"] is True
        assert context["allowPrivilegeEscalation"] is False
        assert context["readOnlyRootFilesystem"] is True
        assert context["capabilities"] == {"drop": ["ALL"]}
        for kind in ("requests", "limits"):
            assert set(container["resources"][kind]) == {"cpu", "memory"}, container["name"]
    # Our image writes temporary files (AUTOFORGE_DATA_DIR=/tmp/autoforge) under a read-only root.
    if any(c["image"].startswith("autoforge:") for c in containers(workload)):
        assert "/tmp" in writable


@pytest.mark.parametrize(
    "workload",
    [w for w in workloads() if w["kind"] != "Job" and w["metadata"]["name"] not in UNPROBED],
    ids=lambda w: f"{w['kind']}/{w['metadata']['name']}",
)
def test_containers_have_readiness_and_liveness_probes_when_long_running(workload: Manifest) -> None:
    for container in containers(workload):
        assert "readinessProbe" in container, container["name"]
        assert "livenessProbe" in container, container["name"]


def test_stress_clients_are_the_only_unprobed_long_running_workloads_when_built() -> None:
    unprobed = {
        w["metadata"]["name"]
        for w in workloads()
        if w["kind"] != "Job" and any("readinessProbe" not in c for c in containers(w))
    }
    assert unprobed == UNPROBED


@pytest.mark.parametrize("deployable", DEPLOYABLES, ids=lambda d: d.name)
def test_each_deployable_has_its_kebab_case_deployment_service_and_account_when_built(deployable) -> None:
    name = deployable.package.replace("_", "-")
    deployment = find("Deployment", name)
    assert deployment is not None
    assert find("Service", name) is not None
    assert pod_spec(deployment)["serviceAccountName"] == name
    assert find("ServiceAccount", name) is not None
    (container,) = pod_spec(deployment)["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["ports"] == [{"name": "http", "containerPort": deployable.port, "protocol": "TCP"}]
    assert f"--port={deployable.port}" in container["command"]
    assert f"{deployable.package}.app:create_app" in container["command"]
    env_names = {e["name"] for e in container["env"]}
    prefixed = {n for n in env_names if n.startswith(deployable.prefix)}
    assert f"{deployable.prefix}REDIS_URL" in prefixed
    assert (f"{deployable.prefix}DATABASE_URL" in prefixed) == bool(deployable.database)
    # Every service URL the local runner passes has its in-cluster counterpart.
    assert {f"{deployable.prefix}{key}" for key in deployable.env} <= prefixed
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(deployable.port)
    assert annotations["prometheus.io/path"] == "/metrics"


def test_database_urls_name_each_services_own_database_when_built() -> None:
    for deployable in DEPLOYABLES:
        if not deployable.database:
            continue
        deployment = find("Deployment", deployable.package.replace("_", "-"))
        env = {e["name"]: e for e in pod_spec(deployment)["containers"][0]["env"]}
        url = env[f"{deployable.prefix}DATABASE_URL"]["value"]
        assert url.endswith(f"@postgres:5432/{deployable.database}")
        # The password is expanded from the Secret, never written here.
        assert "$(POSTGRES_PASSWORD)" in url
        assert env["POSTGRES_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == "postgres-credentials"


@pytest.mark.parametrize("workload", workloads(), ids=lambda w: f"{w['kind']}/{w['metadata']['name']}")
def test_selector_matches_template_labels_when_a_workload_has_one(workload: Manifest) -> None:
    if workload["kind"] == "Job":
        return
    selector = workload["spec"]["selector"]["matchLabels"]
    labels = workload["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= labels.items()
    # No other workload's pods carry the same selector labels.
    for other in workloads():
        if other is workload:
            continue
        other_labels = other["spec"]["template"]["metadata"]["labels"]
        assert not selector.items() <= other_labels.items(), other["metadata"]["name"]


@pytest.mark.parametrize("service", by_kind("Service"), ids=lambda s: s["metadata"]["name"])
def test_service_selects_a_workload_and_targets_its_container_port_when_built(service: Manifest) -> None:
    selector = service["spec"]["selector"]
    matched = [w for w in workloads() if selector.items() <= template_labels(w).items()]
    assert len(matched) == 1, f"{service['metadata']['name']} selects {names(matched)}"
    ports = [p for c in containers(matched[0]) for p in c.get("ports", [])]
    for port in service["spec"]["ports"]:
        target = port["targetPort"]
        assert any(target in (p.get("name"), p["containerPort"]) for p in ports), port


def test_statefulsets_name_an_existing_headless_or_plain_service_when_built() -> None:
    for statefulset in by_kind("StatefulSet"):
        assert find("Service", statefulset["spec"]["serviceName"]) is not None
    postgres = find("StatefulSet", "postgres")
    (claim,) = postgres["spec"]["volumeClaimTemplates"]
    mounts = {m["name"]: m["mountPath"] for m in pod_spec(postgres)["containers"][0]["volumeMounts"]}
    assert mounts[claim["metadata"]["name"]] == "/var/lib/postgresql/data"


@pytest.mark.parametrize("workload", workloads(), ids=lambda w: f"{w['kind']}/{w['metadata']['name']}")
def test_referenced_secrets_configmaps_and_accounts_exist_when_built(workload: Manifest) -> None:
    spec = pod_spec(workload)
    assert find("ServiceAccount", spec["serviceAccountName"]) is not None
    for volume in spec.get("volumes", []):
        if "configMap" in volume:
            assert find("ConfigMap", volume["configMap"]["name"]) is not None, volume
    for container in containers(workload):
        for env in container.get("env", []):
            ref = env.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                secret = find("Secret", ref["name"])
                assert secret is not None, ref
                assert ref["key"] in secret.get("stringData", secret.get("data", {})), ref


def test_secrets_hold_no_values_when_committed() -> None:
    secrets = by_kind("Secret")
    assert secrets
    for secret in secrets:
        assert "data" not in secret, secret["metadata"]["name"]
        assert secret["stringData"], secret["metadata"]["name"]
        assert set(secret["stringData"].values()) == {""}, secret["metadata"]["name"]


def test_hpas_scale_existing_deployments_within_the_agreed_bounds_when_built() -> None:
    hpas = {h["metadata"]["name"]: h["spec"] for h in by_kind("HorizontalPodAutoscaler")}
    assert set(hpas) == {"inventory-svc", "orders-svc"}
    for name, spec in hpas.items():
        ref = spec["scaleTargetRef"]
        assert (ref["apiVersion"], ref["kind"], ref["name"]) == ("apps/v1", "Deployment", name)
        target = find("Deployment", ref["name"])
        assert target is not None
        # The HPA owns the replica count; a fixed one would be reset by every apply.
        assert "replicas" not in target["spec"]
        assert (spec["minReplicas"], spec["maxReplicas"]) == (2, 4)
        metrics = {m["type"]: m for m in spec["metrics"] if m["type"] == "Pods"}
        resources = {
            m["resource"]["name"]: m["resource"]["target"] for m in spec["metrics"] if m["type"] == "Resource"
        }
        assert resources == {
            "cpu": {"type": "Utilization", "averageUtilization": 60},
            "memory": {"type": "Utilization", "averageUtilization": 70},
        }
        assert metrics["Pods"]["pods"]["target"] == {"type": "AverageValue", "averageValue": "5"}
        assert spec["behavior"]["scaleDown"]["stabilizationWindowSeconds"] >= 60
        # Utilization targets are relative to requests: without them the HPA cannot compute CPU.
        container = pod_spec(target)["containers"][0]
        assert {"cpu", "memory"} <= set(container["resources"]["requests"])


def adapter_rules() -> list[dict]:
    config = find("ConfigMap", "prometheus-adapter-config")
    assert config is not None
    return yaml.safe_load(config["data"]["config.yaml"])["rules"]


def adapter_metric_names() -> set[str]:
    served = set()
    for rule in adapter_rules():
        series = re.match(r"^(\w+)\{", rule["seriesQuery"]).group(1)
        matches = rule["name"]["matches"]
        assert re.fullmatch(matches, series), (matches, series)
        served.add(re.sub(matches, rule["name"]["as"], series))
    return served


def test_hpa_pods_metric_is_the_one_the_adapter_serves_when_built() -> None:
    wanted = {
        m["pods"]["metric"]["name"]
        for h in by_kind("HorizontalPodAutoscaler")
        for m in h["spec"]["metrics"]
        if m["type"] == "Pods"
    }
    assert wanted == {"http_requests_per_second"}
    assert wanted <= adapter_metric_names()


def test_adapter_maps_series_onto_pods_from_the_request_counter_when_configured() -> None:
    (rule,) = adapter_rules()
    assert rule["seriesQuery"].startswith("http_requests_total{")
    overrides = rule["resources"]["overrides"]
    assert overrides == {"namespace": {"resource": "namespace"}, "pod": {"resource": "pod"}}
    assert "rate(<<.Series>>{<<.LabelMatchers>>}[1m])" in rule["metricsQuery"]
    service = find("APIService", "v1beta1.custom.metrics.k8s.io")
    assert service["spec"]["service"] == {"name": "prometheus-adapter", "namespace": "autoforge", "port": 443}
    assert find("Service", "prometheus-adapter") is not None


@pytest.mark.parametrize("name", ["stress-inventory", "stress-orders"])
def test_stress_client_targets_an_existing_service_port_when_configured(name: str) -> None:
    from load.scenario import parse_duration
    from load.settings import NAMES, StressSettings

    deployment = find("Deployment", name)
    (container,) = pod_spec(deployment)["containers"]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert set(NAMES) <= set(env)
    assert "autoforge stress" in container["command"][-1]
    # Read exactly as the stress client reads its environment in the pod.
    settings = StressSettings.from_env(env)
    host_port = settings.url.removeprefix("http://").split("/", 1)[0]
    host, port = host_port.split(":")
    service = find("Service", host)
    assert service is not None
    assert int(port) in {p["port"] for p in service["spec"]["ports"]}
    assert settings.concurrent > 0
    assert parse_duration(settings.duration) > 0


def test_scraped_pods_annotate_a_port_their_containers_open_when_built() -> None:
    for workload in workloads():
        annotations = workload["spec"]["template"]["metadata"].get("annotations", {})
        if annotations.get("prometheus.io/scrape") != "true":
            continue
        ports = {p["containerPort"] for c in containers(workload) for p in c.get("ports", [])}
        assert int(annotations["prometheus.io/port"]) in ports, workload["metadata"]["name"]


def test_prometheus_may_discover_pods_and_alloy_may_read_logs_when_rbac_is_built() -> None:
    def rules_for(account: str) -> list[dict]:
        bindings = [
            b for b in by_kind("ClusterRoleBinding")
            if any(s["name"] == account and s["kind"] == "ServiceAccount" for s in b["subjects"])
        ]  # fmt: skip
        roles = [find("ClusterRole", b["roleRef"]["name"]) for b in bindings]
        return [rule for role in roles if role for rule in role["rules"]]

    def allowed(account: str, resource: str, verb: str) -> bool:
        return any(resource in r.get("resources", []) and verb in r["verbs"] for r in rules_for(account))

    assert all(allowed("prometheus", r, v) for r in ("pods", "nodes/proxy") for v in ("list", "watch", "get"))
    assert allowed("alloy", "pods/log", "get")
    assert allowed("kube-state-metrics", "horizontalpodautoscalers", "list")
    assert allowed("horizontal-pod-autoscaler", "*", "get")


def test_every_kubernetes_object_is_labelled_part_of_autoforge_when_built() -> None:
    for manifest in built():
        assert manifest["metadata"]["labels"]["app.kubernetes.io/part-of"] == "autoforge"


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_prefixed_variables_name_real_settings_fields_when_a_pod_starts(name: str) -> None:
    prefix, fields = settings_fields(name)
    workload = find("Deployment", name) or find("Job", name)
    (container,) = pod_spec(workload)["containers"]
    prefixed = [e["name"] for e in container["env"] if e["name"].startswith(prefix)]
    assert prefixed
    # A typo here would be an unknown-field error at start-up (or silently ignored).
    assert {n.removeprefix(prefix).lower() for n in prefixed} <= fields


def test_autoscaled_services_keep_one_pod_through_a_drain_when_budgeted() -> None:
    for hpa in by_kind("HorizontalPodAutoscaler"):
        name = hpa["spec"]["scaleTargetRef"]["name"]
        budget = find("PodDisruptionBudget", name)
        assert budget is not None, name
        assert budget["spec"]["minAvailable"] < hpa["spec"]["minReplicas"]
        assert (
            budget["spec"]["selector"]["matchLabels"]
            == find("Deployment", name)["spec"]["selector"]["matchLabels"]
        )
