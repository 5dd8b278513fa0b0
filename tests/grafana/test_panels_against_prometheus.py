"""Every Prometheus panel of every dashboard, evaluated by a real Prometheus over real services.

inventory_svc and orders_svc run as processes (uvicorn) on their own test databases; a real
Prometheus scrapes them through the in-cluster configuration (prometheus-kubernetes.yml,
pod discovery swapped for a file describing the two pods, see tests/prometheus/server.py) and
evaluates the recording and alerting rules; the test drives catalog, stock and order traffic,
then runs each panel query with Grafana's variables at their defaults.

Kubernetes-only series cannot come from this machine: the panels "HPA replicas: current vs
desired" and "Container restarts (15m)" read kube-state-metrics series, and "CPU per pod" and
"Memory per pod (working set)" read cAdvisor series. A small exporter in the test serves those
in the shapes kube-state-metrics v2 and cAdvisor use (tests.prometheus.server.FakeCluster),
scraped through the same jobs as in the cluster; everything else is real.
"""

from __future__ import annotations

import contextlib
import json
import math
import time
import uuid
from collections.abc import Iterator

import asyncpg
import httpx
import pytest
import yaml

from common.db import ensure_database, migrate, with_database
from common.embedded import redis_url_with_db
from tests.conftest import PG_SERVER_URL, REDIS_SERVER_URL, run_sync
from tests.grafana.dashboards import PROMETHEUS_UID, Query, queries, substitute
from tests.helpers import serve
from tests.k8s.manifests import find
from tests.prometheus.server import (
    FakeCluster,
    Prometheus,
    kubernetes_config,
    pod_target,
    run_prometheus,
    serve_text,
)

pytestmark = pytest.mark.slow

PODS = {"inventory-svc-7f9c6d5b8-k2m4x": "inventory-svc", "orders-svc-6b8d9f7c5-q8r2t": "orders-svc"}
# Own databases (and Redis databases 8 and 9, which no other test uses), so this module never
# drops or flushes what another test module is using.
DATABASES = {"INV_": ("autoforge_test_panels_inventory", "inventory", "inventory_svc.piccolo_conf"),
             "ORD_": ("autoforge_test_panels_orders", "orders", "orders_svc.piccolo_conf")}  # fmt: skip
INVENTORY_REDIS = redis_url_with_db(REDIS_SERVER_URL, 8)
ORDERS_REDIS = redis_url_with_db(REDIS_SERVER_URL, 9)
PROMETHEUS_QUERIES = queries(PROMETHEUS_UID)
# Recorded per service: each has one series per service once both services' counters moved.
PER_SERVICE_SERIES = ("service:http_requests:rate1m", "service:http_request_duration_seconds:p95_5m",
                      "service:http_requests_error_ratio:rate5m")  # fmt: skip


def prepare_database(prefix: str) -> str:
    """Recreate the service's database from empty and run its migrations forwards (as conftest does)."""
    name, app_name, piccolo_conf = DATABASES[prefix]
    url = with_database(PG_SERVER_URL, name)
    run_sync(ensure_database(url, recreate=True))
    migrate(app_name=app_name, piccolo_conf=piccolo_conf, env={f"{prefix}DATABASE_URL": url})
    return url


async def add_warehouses(url: str) -> None:
    from inventory_svc.taxonomy import WAREHOUSES

    conn = await asyncpg.connect(url, timeout=10)
    try:
        await conn.executemany("INSERT INTO warehouse (code, name, priority) VALUES ($1, $2, $3)", WAREHOUSES)
    finally:
        await conn.close()


def order_body(sku: str, quantity: int) -> dict:
    return {
        "customer": {"name": "Panel Test", "email": "panels@example.com"},
        "shipping_address": {
            "line1": "1 Main St",
            "city": "Austin",
            "region": "TX",
            "postal_code": "78701",
            "country": "US",
        },
        "lines": [{"sku": sku, "quantity": quantity}],
    }


def drive_traffic(inventory: str, orders: str, *, round_: int) -> None:
    """Catalog reads, stock changes and orders through their state machine: every domain series."""
    prefix = f"PANEL{round_}"
    with (
        httpx.Client(base_url=inventory, timeout=10.0) as inv,
        httpx.Client(base_url=orders, timeout=15.0) as ords,
    ):
        for index in range(3):
            product = {
                "sku": f"{prefix}-{index:03d}",
                "name": f"Panel Test Brake Pads {index}",
                "brand": "Wagner",
                "category": "Brakes",
                "part_type": "Disc Brake Pad Set",
                "price_cents": 4999 + index,
            }
            assert inv.post("/products", json=product).status_code == 201
            restock = {"warehouse": "EAST", "quantity": 40, "reason": "panel test", "actor": "tests"}
            assert inv.post(f"/stock/{prefix}-{index:03d}/restocks", json=restock).status_code in {200, 201}
        # Below its reorder point: a low-stock row.
        low = {"warehouse": "WEST", "quantity": 1, "reason": "panel test", "actor": "tests"}
        assert inv.post(f"/stock/{prefix}-002/restocks", json=low).status_code in {200, 201}
        for _ in range(3):
            assert inv.get("/products", params={"q": "brake"}).status_code == 200
            assert inv.get(f"/products/{prefix}-000").status_code == 200
            assert inv.get(f"/products/{prefix}-000/availability").status_code == 200
        assert inv.get("/stock/low").status_code == 200
        assert inv.get("/products/NO-SUCH-SKU").status_code == 404

        def place(sku: str, quantity: int) -> httpx.Response:
            return ords.post(
                "/orders", json=order_body(sku, quantity), headers={"Idempotency-Key": uuid.uuid4().hex}
            )

        shipped = place(f"{prefix}-000", 2)
        assert shipped.status_code == 201, shipped.text
        cancelled = place(f"{prefix}-001", 1)
        assert cancelled.status_code == 201, cancelled.text
        assert place(f"{prefix}-001", 99).status_code == 409  # more than in stock
        order_id = shipped.json()["id"]
        for status in ("confirmed", "shipped"):
            body = {"to": status, "actor": "tests", "reason": "panel test"}
            assert ords.post(f"/orders/{order_id}/transitions", json=body).status_code == 200
        body = {"actor": "tests", "reason": "panel test"}
        assert ords.post(f"/orders/{cancelled.json()['id']}/cancellation", json=body).status_code == 200
        assert ords.get("/orders").status_code == 200
        assert ords.get(f"/orders/{order_id}/history").status_code == 200


def has_data(result: list[dict]) -> bool:
    return any(not math.isnan(float(series["value"][1])) for series in result)


@pytest.fixture(name="platform", scope="module")
def fx_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prometheus]:
    workdir = tmp_path_factory.mktemp("panels")
    inventory_db = prepare_database("INV_")
    orders_db = prepare_database("ORD_")
    run_sync(add_warehouses(inventory_db))
    inventory_env = {
        "INV_DATABASE_URL": inventory_db,
        "INV_REDIS_URL": redis_url_with_db(REDIS_SERVER_URL, 8),
    }
    cluster = FakeCluster(PODS)
    exporter = {"/metrics": cluster.kube_state_metrics, "/metrics/cadvisor": cluster.cadvisor}
    with (
        serve("inventory_svc", env=inventory_env, log_path=workdir / "inventory.log") as inventory,
        serve("orders_svc", env={"ORD_DATABASE_URL": orders_db, "ORD_REDIS_URL": ORDERS_REDIS,
                                 "ORD_INVENTORY_URL": inventory}, log_path=workdir / "orders.log") as orders,
        serve_text(exporter) as fake,
    ):  # fmt: skip
        (inventory_pod, orders_pod) = PODS
        pods = [
            pod_target(inventory.removeprefix("http://"), pod=inventory_pod, app="inventory-svc",
                       port=int(inventory.rsplit(":", 1)[1])),
            pod_target(orders.removeprefix("http://"), pod=orders_pod, app="orders-svc",
                       port=int(orders.rsplit(":", 1)[1])),
            pod_target(fake, pod="kube-state-metrics-5d7b9c-h7k2p", app="kube-state-metrics",
                       port=int(fake.rsplit(":", 1)[1])),
        ]  # fmt: skip
        pods_file = workdir / "pods.json"
        pods_file.write_text(json.dumps(pods))
        with run_prometheus(
            kubernetes_config(pods_file=pods_file, cadvisor_address=fake), workdir=workdir
        ) as prom:
            prom.wait_for(lambda: len(prom.query("up == 1")) == 4, timeout_s=30, what="all four targets up")
            # Prometheus first sees a series with the value it already has, so rate() needs the
            # counters to move again after that first scrape: two rounds, scrapes in between.
            drive_traffic(inventory, orders, round_=1)
            prom.wait_for(
                lambda: (
                    len(
                        prom.query(
                            "count by (service) (inventory_reservations_total or orders_created_total)"
                        )
                    )
                    > 0
                    and len(prom.query("count by (service) (http_requests_total)")) == 2
                ),
                timeout_s=15,
                what="the first round scraped",
            )
            time.sleep(2)
            drive_traffic(inventory, orders, round_=2)
            # Bounded: a panel still without data after this fails its own test below, by name.
            with contextlib.suppress(TimeoutError):
                prom.wait_for(
                    lambda: (
                        all(has_data(prom.query(substitute(q))) for q in PROMETHEUS_QUERIES)
                        and all(len(prom.query(series)) == 2 for series in PER_SERVICE_SERIES)
                    ),
                    timeout_s=30,
                    what="data for every panel, for both services",
                )
            yield prom


@pytest.mark.parametrize("query", PROMETHEUS_QUERIES, ids=lambda q: q.id)
def test_panel_query_parses_and_returns_data_when_the_platform_has_traffic(
    platform: Prometheus, query: Query
) -> None:
    result = platform.query(substitute(query))
    assert has_data(result), f"{query.id}: {substitute(query)} returned {result}"


def test_adapter_metric_query_gives_each_pod_its_request_rate_when_rendered(platform: Prometheus) -> None:
    config = yaml.safe_load(find("ConfigMap", "prometheus-adapter-config")["data"]["config.yaml"])
    (rule,) = config["rules"]
    # What the adapter sends when the HPA asks for http_requests_per_second of the service's pods.
    rendered = (
        rule["metricsQuery"]
        .replace("<<.Series>>", "http_requests_total")
        .replace("<<.LabelMatchers>>", f'namespace="autoforge",pod=~"{"|".join(PODS)}"')
        .replace("<<.GroupBy>>", "pod")
    )
    result = platform.query(rendered)
    assert {series["metric"]["pod"] for series in result} == set(PODS)
    assert all(float(series["value"][1]) > 0 for series in result)
    assert set(result[0]["metric"]) == {"pod"}


def test_error_ratio_is_zero_when_no_request_failed(platform: Prometheus) -> None:
    ratios = {
        s["metric"]["service"]: float(s["value"][1])
        for s in platform.query("service:http_requests_error_ratio:rate5m")
    }
    assert ratios == {"inventory": 0.0, "orders": 0.0}


def test_no_alert_fires_when_the_platform_is_healthy(platform: Prometheus) -> None:
    firing = platform.query('ALERTS{alertstate="firing"}')
    assert firing == []


def test_requests_reach_prometheus_by_route_template_when_served(platform: Prometheus) -> None:
    routes = {s["metric"]["route"] for s in platform.query('http_requests_total{service="inventory"}')}
    assert "/products" in routes
    # Templates, never raw paths: the SKUs the traffic used appear in no label.
    assert not any("PANEL" in route or "NO-SUCH-SKU" in route for route in routes)
