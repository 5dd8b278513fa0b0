"""The one image every Python deployable runs from (Docker cannot run here: structure only)."""

from __future__ import annotations

import re
import tomllib

from common.platform import DEPLOYABLES
from tests.k8s.manifests import ROOT, containers, pod_spec, workloads

DOCKERFILE = (ROOT / "Dockerfile").read_text()


def instructions(name: str) -> list[str]:
    return re.findall(rf"^{name}\s+(.+)$", DOCKERFILE, flags=re.MULTILINE)


def test_image_copies_every_package_pyproject_installs_when_built() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = {p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]}
    copied = {line.split()[0] for line in instructions("COPY") if not line.startswith("--from")}
    assert packages <= copied
    sources = {word for line in instructions("COPY") for word in line.split()}
    assert {"pyproject.toml", "package.json", "serverless.yml"} <= sources


def test_image_runs_as_the_uid_the_pod_specs_require_when_started() -> None:
    (user,) = instructions("USER")
    uid = int(user.split(":")[0])
    assert uid != 0
    for workload in workloads():
        if any(c["image"].startswith("autoforge:") for c in containers(workload)):
            assert pod_spec(workload)["securityContext"]["runAsUser"] == uid, workload["metadata"]["name"]


def test_image_exposes_every_deployable_port_when_built() -> None:
    exposed = {int(port) for line in instructions("EXPOSE") for port in line.split()}
    assert {d.port for d in DEPLOYABLES} <= exposed


def test_build_context_leaves_out_local_state_when_ignored() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", ".autoforge", ".env", "node_modules", "tests"} <= ignored
