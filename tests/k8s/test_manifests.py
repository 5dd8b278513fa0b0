"""Schema validation and build of k8s/: every file alone, and the kustomize output."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from tests.k8s.manifests import K8S, KUBERNETES_VERSION, built, find, kustomize, manifest_files


@pytest.mark.parametrize("path", manifest_files(), ids=lambda p: p.name)
def test_manifest_file_validates_strictly_when_checked_against_the_pinned_kubernetes(path: Path) -> None:
    documents = [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    assert documents, f"{path.name} is empty"
    for doc in documents:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_strict_validation_rejects_a_field_when_kubernetes_has_no_such_field() -> None:
    # A control: proves the validator above would catch a typo rather than pass anything.
    deployment = copy.deepcopy(find("Deployment", "inventory-svc"))
    assert deployment is not None
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = {"httpGet": {"path": "/readyz"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_kustomize_builds_every_resource_when_the_load_restrictor_is_off() -> None:
    kinds = {(m["kind"], m["metadata"]["name"]) for m in built()}
    expected = {
        ("Namespace", "autoforge"),
        ("Deployment", "inventory-svc"),
        ("Deployment", "orders-svc"),
        ("Deployment", "client-web"),
        ("Deployment", "admin-web"),
        ("Deployment", "stress-inventory"),
        ("Deployment", "stress-orders"),
        ("Job", "db-migrate"),
        ("StatefulSet", "postgres"),
        ("Deployment", "redis"),
        ("Deployment", "prometheus"),
        ("Deployment", "prometheus-adapter"),
        ("APIService", "v1beta1.custom.metrics.k8s.io"),
        ("StatefulSet", "loki"),
        ("DaemonSet", "alloy"),
        ("Deployment", "grafana"),
        ("HorizontalPodAutoscaler", "inventory-svc"),
        ("HorizontalPodAutoscaler", "orders-svc"),
    }
    assert expected <= kinds
    generated = {m["metadata"]["name"].rsplit("-", 1)[0] for m in built() if m["kind"] == "ConfigMap"}
    assert {"prometheus-config", "prometheus-rules", "loki-config", "alloy-config", "grafana-datasources",
            "grafana-dashboard-providers", "grafana-dashboards"} <= generated  # fmt: skip


def test_kustomize_output_validates_strictly_when_configmaps_are_generated() -> None:
    for manifest in built():
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)


def test_generated_configmaps_carry_the_observability_files_when_built() -> None:
    def data(prefix: str) -> dict[str, str]:
        # Generated names end in a content hash: prometheus-rules-<hash>.
        (found,) = [
            m
            for m in built()
            if m["kind"] == "ConfigMap" and m["metadata"]["name"].rsplit("-", 1)[0] == prefix
        ]
        return found["data"]

    root = K8S.parent
    assert data("prometheus-rules")["alerts.yml"] == (root / "prometheus/rules/alerts.yml").read_text()
    assert (
        data("prometheus-config")["prometheus-kubernetes.yml"]
        == (root / "prometheus/prometheus-kubernetes.yml").read_text()
    )
    assert set(data("grafana-dashboards")) == {p.name for p in (root / "grafana/dashboards").glob("*.json")}
    assert data("alloy-config")["config.alloy"] == (root / "loki/config.alloy").read_text()


def test_every_object_lives_in_the_autoforge_namespace_when_namespaced() -> None:
    cluster_scoped = {"Namespace", "ClusterRole", "ClusterRoleBinding", "APIService"}
    for manifest in built():
        meta = manifest["metadata"]
        if manifest["kind"] in cluster_scoped:
            assert "namespace" not in meta, meta["name"]
        elif (manifest["kind"], meta["name"]) == ("RoleBinding", "autoforge-prometheus-adapter-auth-reader"):
            # Aggregated API servers read the client-CA ConfigMap in kube-system.
            assert meta["namespace"] == "kube-system"
        else:
            assert meta.get("namespace") == "autoforge", f"{manifest['kind']}/{meta['name']}"


def test_hpa_burst_component_raises_max_replicas_when_an_overlay_uses_it(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                # kustomize wants relative paths to other kustomization roots.
                "resources": [os.path.relpath(K8S, tmp_path)],
                "components": [os.path.relpath(K8S / "components" / "hpa-burst", tmp_path)],
            }
        )
    )
    overlay = kustomize(tmp_path)
    hpas = {m["metadata"]["name"]: m["spec"] for m in overlay if m["kind"] == "HorizontalPodAutoscaler"}
    assert {name: (spec["minReplicas"], spec["maxReplicas"]) for name, spec in hpas.items()} == {
        "inventory-svc": (2, 8),
        "orders-svc": (2, 8),
    }
