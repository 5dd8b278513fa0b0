"""Load k8s/ the way a deploy does: `kubectl kustomize` with the load restrictor off."""

from __future__ import annotations

import functools
import importlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"
# The Kubernetes version the manifests are validated against (kubectl here is 1.32 too).
KUBERNETES_VERSION = "1.32.0"
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job"}
# Long-running workloads whose containers must have readiness and liveness probes. The
# stress clients are the exception: they serve nothing, so there is nothing to probe.
UNPROBED = {"stress-inventory", "stress-orders"}

Manifest = dict[str, Any]
# Workload → (environment prefix, "module:Class" of the settings its process loads).
SETTINGS = {
    "inventory-svc": ("INV_", "inventory_svc.settings:InventorySettings"),
    "orders-svc": ("ORD_", "orders_svc.settings:OrdersSettings"),
    "client-web": ("WEB_", "client_web.settings:WebSettings"),
    "admin-web": ("ADM_", "admin_web.settings:AdminSettings"),
    "log-pipeline": ("SLS_", "serverless.settings:PipelineSettings"),
    "db-migrate": ("INV_", "inventory_svc.settings:InventorySettings"),
}


def settings_fields(workload: str) -> tuple[str, set[str]]:
    """The prefix and field names of the settings class `workload`'s process loads."""
    prefix, target = SETTINGS[workload]
    module, cls = target.split(":")
    return prefix, {f.name for f in msgspec.structs.fields(getattr(importlib.import_module(module), cls))}


def kubectl() -> str:
    found = shutil.which("kubectl")
    if found is None:
        raise RuntimeError("kubectl is required for tests/k8s (`kubectl kustomize` builds k8s/)")
    return found


def kustomize(path: Path) -> list[Manifest]:
    result = subprocess.run(
        [kubectl(), "kustomize", "--load-restrictor", "LoadRestrictionsNone", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"kubectl kustomize {path} failed:\n{result.stderr}")
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@functools.cache
def built() -> tuple[Manifest, ...]:
    return tuple(kustomize(K8S))


def manifest_files() -> list[Path]:
    return sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")


def by_kind(kind: str) -> list[Manifest]:
    return [m for m in built() if m["kind"] == kind]


def find(kind: str, name: str) -> Manifest | None:
    return next((m for m in built() if m["kind"] == kind and m["metadata"]["name"] == name), None)


def workloads() -> list[Manifest]:
    return [m for m in built() if m["kind"] in WORKLOAD_KINDS]


def pod_spec(workload: Manifest) -> Manifest:
    return workload["spec"]["template"]["spec"]


def containers(workload: Manifest) -> Iterator[Manifest]:
    spec = pod_spec(workload)
    yield from spec.get("initContainers", [])
    yield from spec["containers"]
