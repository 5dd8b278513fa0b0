"""docker-compose.yml, checked for structure (Docker cannot run here)."""

from __future__ import annotations

import re

import pytest
import yaml

from common.platform import DEPLOYABLES
from tests.k8s.manifests import ROOT, settings_fields

COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
COMPOSE = yaml.safe_load(COMPOSE_TEXT)
SERVICES = COMPOSE["services"]


def environment(service: str) -> dict[str, str]:
    return {k: str(v) for k, v in SERVICES[service].get("environment", {}).items()}


def test_compose_runs_the_platform_and_its_observability_when_parsed() -> None:
    assert {d.name for d in DEPLOYABLES} | {"postgres", "redis", "migrate", "prometheus", "loki", "alloy",
                                           "grafana"} == set(SERVICES)  # fmt: skip


@pytest.mark.parametrize("deployable", DEPLOYABLES, ids=lambda d: d.name)
def test_each_deployable_runs_from_the_dockerfile_on_its_port_when_composed(deployable) -> None:
    service = SERVICES[deployable.name]
    assert service["build"] == {"context": ".", "dockerfile": "Dockerfile"}
    assert (ROOT / service["build"]["dockerfile"]).is_file()
    assert service["ports"] == [f"{deployable.port}:{deployable.port}"]
    assert f"{deployable.package}.app:create_app" in service["command"]
    assert str(deployable.port) in service["command"]
    assert service["read_only"] is True
    assert service["user"] == "10001:10001"
    assert any(f"{deployable.port}/readyz" in part for part in service["healthcheck"]["test"])
    env = environment(deployable.name)
    assert env[f"{deployable.prefix}REDIS_URL"].startswith("redis://redis:6379/")
    if deployable.database:
        assert env[f"{deployable.prefix}DATABASE_URL"].endswith(f"@postgres:5432/{deployable.database}")
    # Every neighbour URL the local runner passes, pointing at a compose service on its port.
    for key in deployable.env:
        url = env[f"{deployable.prefix}{key}"]
        host, port = url.removeprefix("http://").split(":")
        assert host in SERVICES
        assert SERVICES[host]["ports"][0].endswith(f":{port}")
    assert SERVICES[deployable.name]["depends_on"]["migrate"] == {
        "condition": "service_completed_successfully"
    }


def test_dependencies_name_services_with_healthchecks_when_they_wait_for_health() -> None:
    for name, service in SERVICES.items():
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in SERVICES, (name, dependency)
            if condition["condition"] == "service_healthy":
                assert "healthcheck" in SERVICES[dependency], (name, dependency)


def test_mounted_configuration_exists_in_the_repository_when_composed() -> None:
    mounts = [v for s in SERVICES.values() for v in s.get("volumes", []) if v.startswith("./")]
    assert mounts
    for mount in mounts:
        assert (ROOT / mount.split(":")[0]).exists(), mount
    assert (
        "./prometheus/prometheus-compose.yml:/etc/prometheus/prometheus.yml:ro"
        in SERVICES["prometheus"]["volumes"]
    )
    assert "./loki/loki.yaml:/etc/loki/loki.yaml:ro" in SERVICES["loki"]["volumes"]
    assert "./loki/docker.alloy:/etc/alloy/config.alloy:ro" in SERVICES["alloy"]["volumes"]
    assert "./grafana/provisioning:/etc/grafana/provisioning:ro" in SERVICES["grafana"]["volumes"]


def test_prometheus_scrapes_each_composed_deployable_when_configured() -> None:
    config = yaml.safe_load((ROOT / "prometheus" / "prometheus-compose.yml").read_text())
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == "autoforge"]
    targets = {t: group["labels"]["app"] for group in job["static_configs"] for t in group["targets"]}
    assert targets == {f"{d.name}:{d.port}": d.package.replace("_", "-") for d in DEPLOYABLES}


def test_named_volumes_are_declared_when_used() -> None:
    used = {
        v.split(":")[0]
        for s in SERVICES.values()
        for v in s.get("volumes", [])
        if not v.startswith(("./", "/"))
    }
    assert used == set(COMPOSE["volumes"])


def test_secrets_have_no_defaults_when_interpolated() -> None:
    # Passwords and signing secrets come from .env and compose refuses to start without them.
    # `$${...}` is an escaped shell expansion, not compose interpolation.
    for name, value in re.findall(r"(?<!\$)\$\{(\w+)([^}]*)\}", COMPOSE_TEXT):
        assert value.startswith(":?"), f"${{{name}}} must be required, not defaulted"
    secrets = {"POSTGRES_PASSWORD", "GRAFANA_ADMIN_PASSWORD", "STOREFRONT_SECRET", "ADMIN_PASSWORD"}
    assert secrets <= set(re.findall(r"\$\{(\w+):\?", COMPOSE_TEXT))
    for service in SERVICES.values():
        for key, value in service.get("environment", {}).items():
            if any(word in key for word in ("PASSWORD", "SECRET")):
                assert str(value).startswith("${"), key


@pytest.mark.parametrize("deployable", DEPLOYABLES, ids=lambda d: d.name)
def test_prefixed_variables_name_real_settings_fields_when_composed(deployable) -> None:
    prefix, fields = settings_fields(deployable.package.replace("_", "-"))
    assert prefix == deployable.prefix
    names = {n.removeprefix(prefix).lower() for n in environment(deployable.name) if n.startswith(prefix)}
    assert names <= fields
