"""loki/: the Loki and Alloy configurations, checked for structure (neither can run here)."""

from __future__ import annotations

import re

import yaml

from tests.k8s.manifests import ROOT, find, pod_spec

LOKI = yaml.safe_load((ROOT / "loki" / "loki.yaml").read_text())
ALLOY_K8S = (ROOT / "loki" / "config.alloy").read_text()
ALLOY_DOCKER = (ROOT / "loki" / "docker.alloy").read_text()


def block(text: str, header: str) -> str:
    """The body of the first `header { ... }` block, braces balanced."""
    start = text.index(header)
    depth, i = 0, text.index("{", start)
    for j in range(i, len(text)):
        depth += {"{": 1, "}": -1}.get(text[j], 0)
        if depth == 0:
            return text[i + 1 : j]
    raise AssertionError(f"unbalanced block {header}")


def strings(text: str) -> list[str]:
    return re.findall(r'"([^"]*)"', text)


def test_loki_stores_on_the_filesystem_with_the_tsdb_v13_schema_when_configured() -> None:
    (schema,) = LOKI["schema_config"]["configs"]
    assert (schema["store"], schema["schema"], schema["object_store"]) == ("tsdb", "v13", "filesystem")
    assert LOKI["auth_enabled"] is False
    assert LOKI["common"]["path_prefix"] == "/loki"
    assert LOKI["compactor"]["retention_enabled"] is True


def test_loki_listens_where_its_service_and_probes_point_when_deployed() -> None:
    port = LOKI["server"]["http_listen_port"]
    service = find("Service", "loki")
    assert [p["port"] for p in service["spec"]["ports"]] == [port]
    statefulset = find("StatefulSet", "loki")
    (container,) = pod_spec(statefulset)["containers"]
    assert "-config.file=/etc/loki/loki.yaml" in container["args"]
    assert {p["containerPort"] for p in container["ports"]} >= {port, LOKI["server"]["grpc_listen_port"]}
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert {"/etc/loki", LOKI["common"]["path_prefix"]} <= mounts


def test_both_alloy_pipelines_keep_only_service_level_and_namespace_labels_when_shipping() -> None:
    for config in (ALLOY_K8S, ALLOY_DOCKER):
        process = block(config, 'loki.process "autoforge"')
        assert strings(block(process, "stage.label_keep")) == ["service", "level", "namespace"]
        assert re.findall(r"(\w+)\s*=", block(process, "stage.labels")) == ["values", "level", "service"]
        assert set(strings(block(process, "stage.json"))) == {"level", "service"}
        # The same stages in Kubernetes and under docker-compose.
        assert process == block(ALLOY_K8S, 'loki.process "autoforge"')


def test_alloy_pushes_to_the_loki_service_when_writing() -> None:
    port = LOKI["server"]["http_listen_port"]
    for config in (ALLOY_K8S, ALLOY_DOCKER):
        assert strings(block(config, 'loki.write "default"')) == [f"http://loki:{port}/loki/api/v1/push"]


def test_alloy_tails_only_its_own_node_in_the_autoforge_namespace_when_in_kubernetes() -> None:
    discovery = block(ALLOY_K8S, 'discovery.kubernetes "pods"')
    assert strings(block(discovery, "namespaces")) == ["autoforge"]
    assert 'field = "spec.nodeName=" + sys.env("NODE_NAME")' in discovery
    relabel = block(ALLOY_K8S, 'discovery.relabel "pods"')
    assert re.findall(r'target_label\s*=\s*"(\w+)"', relabel) == ["namespace", "service"]
    daemonset = find("DaemonSet", "alloy")
    (container,) = pod_spec(daemonset)["containers"]
    assert {e["name"]: e["valueFrom"]["fieldRef"]["fieldPath"] for e in container["env"]} == {
        "NODE_NAME": "spec.nodeName"
    }
    assert container["args"][:2] == ["run", "/etc/alloy/config.alloy"]


def test_alloy_config_braces_and_quotes_balance_when_parsed() -> None:
    for config in (ALLOY_K8S, ALLOY_DOCKER):
        code = "\n".join(line for line in config.splitlines() if not line.strip().startswith("//"))
        assert code.count("{") == code.count("}")
        assert code.count("[") == code.count("]")
        assert code.count('"') % 2 == 0
