"""Benchmark the stress client against wrk on the same endpoints, in the same run.

`python -m bench.stress`. Each endpoint is served by a real uvicorn process pinned to one
core; wrk and then `autoforge stress` (closed model, same connection count, pinned to the
other core) load it for the same time. The client must reach at least half of wrk's
request rate while it records full latency histograms. An open-model run at half of wrk's
rate then shows the client holds a fixed arrival rate without dropping arrivals.

Endpoints: a bare Litestar JSON handler (the client's ceiling, nearly free server work)
and, when inventory_svc exists, its product-by-SKU endpoint on a seeded database.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from litestar import Litestar, get

from bench.report import table, write_section
from common.db import ensure_database, migrate, with_database
from common.embedded import EmbeddedPostgres, EmbeddedRedis, is_listening, redis_url_with_db
from common.settings import process_environ

SECONDS = 6
CONNECTIONS = 32
SERVER_CPU, CLIENT_CPU = 1, 0
TARGET_RATIO = 0.5
ROUNDS = 3


@get("/healthz", sync_to_thread=False)
def _healthz() -> dict[str, str]:
    return {"status": "ok"}


@get("/json", sync_to_thread=False)
def _json() -> dict[str, object]:
    return {"sku": "BRK-1001", "name": "Brake pad set", "price_cents": 4599, "currency": "USD"}


def bare_app() -> Litestar:
    """The bare endpoint: a Litestar JSON handler with no middleware, database or cache."""
    return Litestar([_healthz, _json], openapi_config=None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pin(cpu: int) -> None:
    os.sched_setaffinity(0, {cpu})


@contextlib.contextmanager
def uvicorn(app: str, *, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run `app` (a factory) under uvicorn on 127.0.0.1, pinned to SERVER_CPU; yield its URL."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--factory", "--host", "127.0.0.1", "--port", str(port),
         "--no-access-log", "--log-level", "warning"],
        env={**process_environ(), **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=lambda: _pin(SERVER_CPU),
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{app} exited with {process.returncode}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{url}/healthz", timeout=1) as response,
            ):
                if response.status == 200:
                    break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{app} did not come up")
            time.sleep(0.2)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _child_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_wrk(url: str, *, seconds: int = SECONDS) -> dict[str, float]:
    """Run wrk on CLIENT_CPU (one thread, CONNECTIONS connections); return req/s, latencies, CPU."""
    command = [
        "taskset",
        "-c",
        str(CLIENT_CPU),
        "wrk",
        "-t1",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--latency",
        url,
    ]
    cpu = _child_cpu_s()
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 30).stdout
    cpu = _child_cpu_s() - cpu
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    figures = {"rps": rps, "cpu_us": 1e6 * cpu / max(1.0, rps * seconds)}
    for name in ("50", "90", "99"):
        match = re.search(rf"^\s+{name}%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        if match:
            figures[f"p{name}"] = float(match[1]) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match[2]]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    figures["errors"] = float(errors[1]) if errors else 0.0
    return figures


def run_stress(url: str, *args: str) -> dict:
    """Run `autoforge stress` on CLIENT_CPU with `args`; return its JSON report (plus CPU per request)."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        command = [sys.executable, "-m", "common.cli", "stress", "--url", url, "--cpu", str(CLIENT_CPU),
                   "--quiet", "--json", str(report), *args]  # fmt: skip
        subprocess.run(command, capture_output=True, text=True, check=False, timeout=SECONDS + 60)
        data = json.loads(report.read_text())
        # The client's CPU during the run itself (start-up excluded), per request.
        data["cpu_us"] = (
            1e6 * data["client_cpu_ratio"] * data["elapsed_s"] / max(1, data["summary"]["requests"])
        )
        return data


def measure(name: str, url: str) -> list[object]:
    """Alternate wrk and the client ROUNDS times (other work on the machine drifts); keep each one's best."""
    print(f"-- {name}: {url}", flush=True)
    run_wrk(url, seconds=2)  # warm-up: imports, caches, connection set-up
    wrks, closeds = [], []
    for _ in range(ROUNDS):
        wrks.append(run_wrk(url))
        closeds.append(run_stress(url, "--users", str(CONNECTIONS), "--duration", f"{SECONDS}s"))
        print(
            f"   wrk {wrks[-1]['rps']:.0f} req/s, stress {closeds[-1]['summary']['rps']:.0f} req/s",
            flush=True,
        )
    wrk = max(wrks, key=lambda w: w["rps"])
    # What one core could carry if the load generator alone were the limit: the figure that
    # other work on a shared machine does not distort.
    wrk_cpu = sorted(w["cpu_us"] for w in wrks)[len(wrks) // 2]
    stress_cpu = sorted(c["cpu_us"] for c in closeds)[len(closeds) // 2]
    closed = max(closeds, key=lambda c: c["summary"]["rps"])
    summary = closed["summary"]
    ratio = summary["rps"] / wrk["rps"]
    pairs = sorted(c["summary"]["rps"] / w["rps"] for w, c in zip(wrks, closeds, strict=True))
    median = pairs[len(pairs) // 2]
    # Half of the slowest wrk round: a rate the server sustained even at its worst moment.
    rate = round(min(w["rps"] for w in wrks) * TARGET_RATIO)
    opened = run_stress(
        url, "--rate", str(rate), "--duration", f"{SECONDS}s", "--max-in-flight", str(CONNECTIONS)
    )
    o = opened["summary"]
    print(f"   open   {o['rps']:.0f} req/s at {rate}/s target, dropped {o['dropped']}", flush=True)
    lat, olat = summary["latency_ms"], o["latency_ms"]
    return [
        name,
        " / ".join(f"{w['rps']:.0f}" for w in wrks),
        " / ".join(f"{c['summary']['rps']:.0f}" for c in closeds),
        f"{ratio:.0%} {'ok' if ratio >= TARGET_RATIO else 'BELOW TARGET'} (median of rounds {median:.0%})",
        f"{wrk_cpu:.1f} / {stress_cpu:.1f} → {1e3 / wrk_cpu:.0f}k / {1e3 / stress_cpu:.0f}k req/s "
        f"({wrk_cpu / stress_cpu:.0%})",
        f"{wrk.get('p50', 0):.2f} / {wrk.get('p99', 0):.2f}",
        " / ".join(f"{lat[k]:.2f}" for k in ("p50", "p90", "p95", "p99", "p99.9", "max")),
        f"{summary['errors'] + wrk['errors']:.0f}",
        f"{rate}/s → {o['rps']:.0f}/s, dropped {o['dropped']}, p50 {olat['p50']:.2f}, p99 {olat['p99']:.2f}",
    ]


@contextlib.contextmanager
def inventory_backends() -> Iterator[dict[str, str]]:
    """A seeded inventory database and a Redis: the local servers when up, else embedded ones."""
    stack = contextlib.ExitStack()
    with stack:
        data = Path(tempfile.mkdtemp(prefix="autoforge-bench-"))
        stack.callback(shutil.rmtree, data, ignore_errors=True)
        if is_listening("127.0.0.1", 5432):
            server = "postgresql://postgres@127.0.0.1:5432/postgres"
        else:
            postgres = EmbeddedPostgres(data)
            stack.callback(postgres.stop)
            server = postgres.server_url
        if is_listening("127.0.0.1", 6379):
            redis = "redis://127.0.0.1:6379/9"
        else:
            embedded_redis = EmbeddedRedis(data)
            stack.callback(embedded_redis.stop)
            redis = redis_url_with_db(embedded_redis.url(), 9)
        database = with_database(server, "autoforge_bench_inventory")
        asyncio.run(ensure_database(database, recreate=True))
        env = {"INV_DATABASE_URL": database, "INV_REDIS_URL": redis, "INV_LOG_LEVEL": "WARNING"}
        migrate(app_name="inventory", piccolo_conf="inventory_svc.piccolo_conf", env=env)
        subprocess.run(
            [sys.executable, "-m", "inventory_svc.seed"],
            env={**process_environ(), **env},
            capture_output=True,
            check=True,
            timeout=600,
        )
        yield env


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is not installed (make system-deps installs it)", file=sys.stderr)
        return 1
    if (os.cpu_count() or 1) < 2:
        print("needs two cores: one for the server, one for the load generator", file=sys.stderr)
        return 1
    rows = []
    load_before = os.getloadavg()[0]
    with uvicorn("bench.stress:bare_app") as url:
        rows.append(measure("bare Litestar JSON", f"{url}/json"))
    if importlib.util.find_spec("inventory_svc.app") is not None:
        with inventory_backends() as env, uvicorn("inventory_svc.app:create_app", env=env) as url:
            with urllib.request.urlopen(f"{url}/products?limit=1&sort=sku", timeout=10) as response:
                sku = json.loads(response.read())["items"][0]["sku"]
            rows.append(measure(f"inventory GET /products/{{sku}} ({sku})", f"{url}/products/{sku}"))
    load_after = os.getloadavg()[0]
    body = (
        f"wrk (1 thread) and `autoforge stress` (closed model) each use {CONNECTIONS} keep-alive "
        f"connections for {SECONDS} s, pinned to core {CLIENT_CPU}; the server (one uvicorn "
        f"process) is pinned to core {SERVER_CPU}. They alternate {ROUNDS} times (each round "
        "listed; the ratio compares the best of each, since other work on the machine drifts; "
        "the median of the per-round ratios is given too). "
        f"Target: the client reaches ≥ {TARGET_RATIO:.0%} of wrk's rate while recording full "
        "histograms. CPU µs/req is each load generator's own CPU time per request (median of "
        "the rounds; the client's excludes interpreter start-up) and the request rate one "
        "core would carry at that cost: when a generator uses far less than a core, the "
        "server is the limit, and the capacity ratio shows the client's headroom even on a "
        "busy machine. The open-model column asks for half of "
        f"the slowest wrk round's rate at fixed arrival times ({CONNECTIONS} requests in flight "
        "at most) and reports latency from the intended send times.\n\n"
    )
    body += table(
        [
            "endpoint", "wrk req/s", "stress req/s", "ratio", "CPU µs/req wrk / stress → one-core capacity",
            "wrk p50 / p99 ms",
            "stress p50 / p90 / p95 / p99 / p99.9 / max ms", "errors",
            "open model (latency from intended time, ms)",
        ],
        rows,
    )  # fmt: skip
    body += (
        f"\n\nLoad average (1 min) when the run began / ended: {load_before:.1f} / {load_after:.1f} on "
        f"{os.cpu_count()} cores. Above 2, other processes shared both cores, so single rounds "
        "swing widely; open-model drops then mean the server, sharing its core, fell behind.\n"
    )
    if len(rows) > 1:
        body += (
            "\nPer-pod capacity for `autoforge hpa-sim --capacity-rps`: inventory's product page "
            f"served up to {max(str(rows[1][1]).split(' / '), key=float)} req/s (best wrk round) "
            "from one uvicorn process on one core.\n"
        )
    write_section("stress", command="python -m bench.stress", body=body)
    print(body)
    return 0 if all("ok" in str(row[3]) for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
