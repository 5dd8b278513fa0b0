"""Both metric sources against real services: direct scraping, and PromQL on a real Prometheus."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from admin_web.sources import PrometheusSource, ScrapeSource
from tests.conftest import TEST_OUTPUT
from tests.helpers import free_port

DEAD_URL = "http://127.0.0.1:9"


async def _traffic(url: str, *, requests: int) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=5) as http:
        for _ in range(requests):
            assert (await http.get("/products", params={"limit": 5})).status_code == 200


async def test_scrape_source_computes_rates_and_quantiles_when_a_real_service_serves_traffic(
    backends,
) -> None:
    source = ScrapeSource({"inventory": backends.inventory_url, "orders": backends.orders_url})
    try:
        first = await source.read()
        assert [s.up for s in first.services] == [True, True]
        assert first.services[0].rps is None  # one sample: no rate yet
        await _traffic(backends.inventory_url, requests=40)
        await asyncio.sleep(0.3)
        second = await source.read()
    finally:
        await source.aclose()
    inventory = second.services[0]
    assert inventory.rps is not None
    assert inventory.rps > 0
    assert inventory.p50_s is not None
    assert 0 < inventory.p50_s <= inventory.p95_s <= inventory.p99_s
    assert inventory.error_ratio == 0
    assert inventory.in_flight is not None
    assert second.business.low_stock_count is not None


async def test_scrape_source_reports_down_without_raising_when_a_service_is_unreachable() -> None:
    source = ScrapeSource({"inventory": DEAD_URL})
    try:
        reading = await source.read()
    finally:
        await source.aclose()
    assert reading.services[0].up is False
    assert reading.services[0].rps is None


@pytest.fixture(name="prometheus_url")
def fx_prometheus_url(backends) -> Iterator[str]:
    """Debian's prometheus on a free 127.0.0.1 port, scraping the real services every second."""
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.skip("prometheus is not installed (make system-deps installs it)")
    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="adm-prom-"))
    targets = {"inventory": backends.inventory_url, "orders": backends.orders_url}
    jobs = "".join(
        f"  - job_name: {name}\n    static_configs:\n      - targets: ['{url.removeprefix('http://')}']\n"
        for name, url in targets.items()
    )
    (work / "prometheus.yml").write_text(
        f"global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n{jobs}"
    )
    TEST_OUTPUT.mkdir(parents=True, exist_ok=True)
    log = (TEST_OUTPUT / "prometheus-admin.log").open("wb")
    process = subprocess.Popen(
        [binary, f"--config.file={work / 'prometheus.yml'}", f"--storage.tsdb.path={work / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=1h"],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert process.poll() is None, "prometheus exited; see test-output/prometheus-admin.log"
            try:
                if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            raise TimeoutError("prometheus did not become ready in 30 s")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(work, ignore_errors=True)


@pytest.mark.slow
async def test_promql_source_reads_the_same_figures_when_prometheus_scrapes_a_real_service(
    prometheus_url: str, backends
) -> None:
    source = PrometheusSource(prometheus_url, services=["inventory", "orders"])
    try:
        deadline = time.monotonic() + 40
        reading = await source.read()
        while time.monotonic() < deadline:
            await _traffic(backends.inventory_url, requests=20)
            reading = await source.read()
            inventory = reading.services[0]
            if inventory.up and inventory.rps and inventory.p95_s is not None:
                break
            await asyncio.sleep(0.5)
    finally:
        await source.aclose()
    assert reading.source_ok
    inventory, orders = reading.services
    assert inventory.up is True
    assert orders.up is True
    assert inventory.rps is not None
    assert inventory.rps > 0
    assert inventory.p50_s is not None
    assert inventory.p50_s <= inventory.p95_s <= inventory.p99_s
    assert inventory.error_ratio == 0
    assert reading.business.low_stock_count is not None


async def test_promql_source_gives_no_data_without_raising_when_prometheus_is_down() -> None:
    source = PrometheusSource(DEAD_URL, services=["inventory"])
    try:
        reading = await source.read()
    finally:
        await source.aclose()
    assert reading.source_ok is False
    assert reading.services[0].up is None
    assert reading.services[0].rps is None
