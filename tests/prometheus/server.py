"""A real Prometheus on 127.0.0.1 for tests, and the cluster it would see, faked at the edges.

Debian's Prometheus is built without Kubernetes service discovery, so `kubernetes_config`
swaps each `kubernetes_sd_configs` of prometheus/prometheus-kubernetes.yml for a file_sd
file holding the same `__meta_kubernetes_*` labels Kubernetes SD would attach to a pod. The
job's relabelling, honor_labels and metric_relabel rules then run unchanged.
"""

from __future__ import annotations

import http.server
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.helpers import free_port

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS_DIR = ROOT / "prometheus"
RULE_FILES = sorted(str(p) for p in (PROMETHEUS_DIR / "rules").glob("*.yml"))


def binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is required (apt-get install prometheus; `make system-deps` does it)")
    return found


def promtool(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [binary("promtool"), *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def pod_target(
    address: str, *, pod: str, app: str, port: int | None, phase: str = "Running"
) -> dict[str, Any]:
    """A file_sd entry labelled as Kubernetes pod SD labels a pod (annotations included)."""
    labels = {
        "__meta_kubernetes_namespace": "autoforge",
        "__meta_kubernetes_pod_name": pod,
        "__meta_kubernetes_pod_label_app": app,
        "__meta_kubernetes_pod_phase": phase,
    }
    if port is not None:
        labels |= {
            "__meta_kubernetes_pod_annotation_prometheus_io_scrape": "true",
            "__meta_kubernetes_pod_annotation_prometheus_io_port": str(port),
            "__meta_kubernetes_pod_annotation_prometheus_io_path": "/metrics",
        }
    return {"targets": [address], "labels": labels}


def kubernetes_config(*, pods_file: Path, cadvisor_address: str) -> dict[str, Any]:
    """prometheus-kubernetes.yml with discovery swapped for files and 1s intervals."""
    config = yaml.safe_load((PROMETHEUS_DIR / "prometheus-kubernetes.yml").read_text())
    config["global"] |= {"scrape_interval": "1s", "evaluation_interval": "1s"}
    config["rule_files"] = RULE_FILES
    for job in config["scrape_configs"]:
        if job["job_name"] == "kubernetes-pods":
            del job["kubernetes_sd_configs"]
            job["file_sd_configs"] = [{"files": [str(pods_file)], "refresh_interval": "1s"}]
        elif job["job_name"] == "kubernetes-cadvisor":
            # The kubelet is reached through the API server in a cluster; here the fake
            # exporter serves the same path. Only metric_relabel_configs are kept as written.
            for key in ("kubernetes_sd_configs", "tls_config", "authorization", "relabel_configs"):
                job.pop(key)
            job |= {"scheme": "http", "metrics_path": "/metrics/cadvisor",
                    "static_configs": [{"targets": [cadvisor_address]}]}  # fmt: skip
    return config


class Prometheus:
    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=10.0)

    def query(self, expr: str) -> list[dict[str, Any]]:
        """Evaluate `expr` now; raise AssertionError with Prometheus' message when it is invalid."""
        response = self.http.post("/api/v1/query", data={"query": expr})
        body = response.json()
        if body["status"] != "success":
            raise AssertionError(f"{expr!r}: {body.get('errorType')}: {body.get('error')}")
        return body["data"]["result"]

    def get(self, path: str) -> Any:
        body = self.http.get(path).json()
        assert body["status"] == "success", body
        return body["data"]

    def wait_for(self, check: Callable[[], bool], *, timeout_s: float, what: str) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(0.5)
        raise TimeoutError(f"Prometheus: {what} not within {timeout_s}s")


@contextmanager
def run_prometheus(config: dict[str, Any], *, workdir: Path, timeout_s: float = 30.0) -> Iterator[Prometheus]:
    """Start Prometheus with `config` on a free 127.0.0.1 port; stop it on exit."""
    workdir.mkdir(parents=True, exist_ok=True)
    config_path = workdir / "prometheus.yml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    check = promtool("check", "config", str(config_path))
    assert check.returncode == 0, check.stdout + check.stderr
    port = free_port()
    log = (workdir / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [binary("prometheus"), f"--config.file={config_path}", f"--web.listen-address=127.0.0.1:{port}",
         f"--storage.tsdb.path={workdir / 'data'}", "--log.level=warn"],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    server = Prometheus(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"prometheus exited with {process.returncode}: see {workdir / 'prometheus.log'}"
                )
            try:
                if server.http.get("/-/ready").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("prometheus did not become ready")
            time.sleep(0.2)
        yield server
    finally:
        server.http.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


class _Handler(http.server.BaseHTTPRequestHandler):
    pages: dict[str, Callable[[], str]] = {}

    def do_GET(self) -> None:
        page = self.pages.get(self.path)
        body = (page() if page else "not found\n").encode()
        self.send_response(200 if page else 404)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve_text(pages: dict[str, Callable[[], str]]) -> Iterator[str]:
    """Serve `pages` (path → text exposition) on 127.0.0.1; yield "127.0.0.1:port"."""
    handler = type("Handler", (_Handler,), {"pages": pages})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class FakeCluster:
    """kube-state-metrics and cAdvisor, as text expositions shaped like the real ones.

    Counters grow with wall time so rate() and increase() have something to measure.
    """

    def __init__(self, pods: dict[str, str]) -> None:
        # pod name → container name (and `app`), for the pods the cluster "runs".
        self.pods = pods
        self.started = time.monotonic()

    def kube_state_metrics(self) -> str:
        lines = []
        for hpa in ("inventory-svc", "orders-svc"):
            labels = f'namespace="autoforge",horizontalpodautoscaler="{hpa}"'
            lines += [
                f"kube_horizontalpodautoscaler_status_current_replicas{{{labels}}} 2",
                f"kube_horizontalpodautoscaler_status_desired_replicas{{{labels}}} 3",
                f"kube_horizontalpodautoscaler_spec_min_replicas{{{labels}}} 2",
                f"kube_horizontalpodautoscaler_spec_max_replicas{{{labels}}} 4",
            ]
        for pod, container in self.pods.items():
            labels = f'namespace="autoforge",pod="{pod}",container="{container}"'
            lines.append(f"kube_pod_container_status_restarts_total{{{labels}}} 0")
            lines.append(f'kube_pod_container_status_waiting_reason{{{labels},reason="CrashLoopBackOff"}} 0')
        return "\n".join(lines) + "\n"

    def cadvisor(self) -> str:
        elapsed = time.monotonic() - self.started
        lines = []
        for index, (pod, container) in enumerate(self.pods.items()):
            labels = f'namespace="autoforge",pod="{pod}",container="{container}"'
            lines += [
                f"container_cpu_usage_seconds_total{{{labels}}} {0.2 * (index + 1) * elapsed:.3f}",
                f"container_memory_working_set_bytes{{{labels}}} {(100 + 20 * index) * 2**20}",
                # Dropped by metric_relabel_configs: the pod-level aggregate, and an unused series.
                f'container_memory_working_set_bytes{{namespace="autoforge",pod="{pod}",container=""}} 1',
                f"container_fs_reads_total{{{labels}}} 1",
            ]
        return "\n".join(lines) + "\n"
