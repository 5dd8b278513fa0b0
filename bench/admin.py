"""Benchmark the admin's live dashboard: `python -m bench.admin` (part of `make bench`).

A throwaway admin database and an empty, migrated inventory database; inventory_svc and
admin_web run as real uvicorn processes on 127.0.0.1. One logged-in session opens 1, then
200 concurrent SSE streams on `/dashboard/stream` (httpx streaming, bounded by time). For
each `chart-point` event the delay from the moment the poller finished its reading (`at`,
in the event) to its arrival here is recorded. Measured on the admin process: CPU seconds
and resident memory (sampled each second, and its peak). Measured on the services: how many
requests the poller sent to them per minute (scrapes of `/metrics` counted by the admin,
`/stock/low` calls counted by inventory itself), which must not grow with the browsers.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import tempfile
import time
from pathlib import Path

import httpx

from bench.report import table, write_section
from bench.services import Server, percentile
from common.db import ensure_database, migrate, with_database
from common.embedded import is_listening

CLIENTS = int(os.environ.get("BENCH_ADMIN_CLIENTS", "200"))
SECONDS = int(os.environ.get("BENCH_ADMIN_SECONDS", "60"))
BASELINE_SECONDS = int(os.environ.get("BENCH_ADMIN_BASELINE_S", "20"))
POLL_INTERVAL_S = 2.0
TARGETS = {"rss_mb": 200.0, "delay_p99_s": 1.0}
EMAIL, PASSWORD = "bench@example.test", "bench-password-123"


def say(text: str) -> None:
    print(f"bench admin | {text}", flush=True)


def metric(text: str, name: str, labels: str = "") -> float:
    """Sum of the samples of `name` whose label text contains `labels`."""
    total = 0.0
    for line in text.splitlines():
        if (line.startswith(name + "{") or line.startswith(name + " ")) and labels in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def poll_counts(admin: str, inventory: str) -> tuple[float, float]:
    """(scrapes the admin sent, /stock/low calls inventory served) so far."""
    scrapes = metric(httpx.get(f"{admin}/metrics", timeout=5).text, "admin_metric_source_requests_total")
    low = metric(
        httpx.get(f"{inventory}/metrics", timeout=5).text, "http_requests_total", 'route="/stock/low"'
    )
    return scrapes, low


async def one_client(http: httpx.AsyncClient, *, until: float, delays: list[float], errors: list[str]) -> int:
    """Read the stream until `until`; return the number of events received."""
    received = 0
    name = ""
    greeted = False  # the greeting replays the latest snapshot (up to a poll old): not a delivery delay
    try:
        async with http.stream(
            "GET", "/dashboard/stream", headers={"accept": "text/event-stream"}
        ) as response:
            if response.status_code != 200:
                errors.append(f"status {response.status_code}")
                return 0
            async for line in response.aiter_lines():
                if line.startswith("event:"):
                    name = line[6:].strip()
                elif line.startswith("data:") and name == "chart-point":
                    if greeted:
                        delays.append(time.time() - json.loads(line[5:])[0])
                    greeted = True
                elif line == "":
                    received += name != ""
                    name = ""
                if time.monotonic() >= until:
                    break
    except httpx.HTTPError as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    return received


async def run_clients(
    admin: Server, cookies: httpx.Cookies, *, clients: int, seconds: float
) -> dict[str, float]:
    delays: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=clients + 10, max_keepalive_connections=clients + 10)
    async with httpx.AsyncClient(base_url=admin.url, cookies=cookies, limits=limits,
                                 timeout=httpx.Timeout(10, read=30)) as http:  # fmt: skip
        rss: list[float] = []
        cpu0 = admin.cpu_s()
        until = time.monotonic() + seconds
        tasks = [asyncio.create_task(one_client(http, until=until, delays=delays, errors=errors))
                 for _ in range(clients)]  # fmt: skip
        while time.monotonic() < until:
            rss.append(admin.rss_mb()[0])
            await asyncio.sleep(1)
        counts = await asyncio.wait_for(asyncio.gather(*tasks), timeout=30)
        cpu = admin.cpu_s() - cpu0
    return {
        "clients": clients,
        "events": sum(counts),
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:3],
        "delay_p50_s": percentile(delays, 50),
        "delay_p99_s": percentile(delays, 99),
        "cpu_pct": 100 * cpu / seconds,
        "rss_mb": max(rss) if rss else admin.rss_mb()[0],
    }


def login(admin: Server) -> httpx.Cookies:
    with httpx.Client(base_url=admin.url, timeout=10) as http:
        token = re.search(r'name="_csrf_token" value="([^"]+)"', http.get("/login").text)[1]  # type: ignore[index]
        response = http.post("/login", data={"email": EMAIL, "password": PASSWORD, "_csrf_token": token})
        assert response.status_code == 303, response.text
        return http.cookies


def main() -> int:
    if not (is_listening("127.0.0.1", 5432) and is_listening("127.0.0.1", 6379)):
        raise SystemExit("the admin bench needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379")
    server = "postgresql://postgres@127.0.0.1:5432/postgres"
    inv = {"INV_DATABASE_URL": with_database(server, "autoforge_bench_admin_inventory"),
           "INV_REDIS_URL": "redis://127.0.0.1:6379/5"}  # fmt: skip
    adm_db = with_database(server, "autoforge_bench_admin")
    for url in (inv["INV_DATABASE_URL"], adm_db):
        asyncio.run(ensure_database(url, recreate=True))
    migrate(app_name="inventory", piccolo_conf="inventory_svc.piccolo_conf", env=inv)
    log_dir = Path(tempfile.mkdtemp(prefix="bench-admin-"))
    inventory = Server("inventory", "inventory_svc.app:create_app", env=inv, log_dir=log_dir)
    admin = None
    try:
        inventory.wait_up()
        adm = {
            "ADM_DATABASE_URL": adm_db, "ADM_REDIS_URL": "redis://127.0.0.1:6379/6",
            "ADM_INVENTORY_URL": inventory.url, "ADM_ORDERS_URL": "http://127.0.0.1:9",
            "ADM_SERVICES": f"inventory={inventory.url}", "ADM_ADMIN_EMAIL": EMAIL,
            "ADM_ADMIN_PASSWORD": PASSWORD, "ADM_POLL_INTERVAL_S": str(POLL_INTERVAL_S),
            "ADM_REDIS_PREFIX": f"adm-bench-{os.getpid()}",
        }  # fmt: skip
        migrate(app_name="admin", piccolo_conf="admin_web.piccolo_conf", env=adm)
        admin = Server("admin", "admin_web.app:create_app", env=adm, log_dir=log_dir)
        admin.wait_up()
        cookies = login(admin)
        rows = []
        for clients, seconds in ((1, BASELINE_SECONDS), (CLIENTS, SECONDS)):
            say(f"{clients} SSE client(s) for {seconds} s")
            before = poll_counts(admin.url, inventory.url)
            figures = asyncio.run(run_clients(admin, cookies, clients=clients, seconds=seconds))
            after = poll_counts(admin.url, inventory.url)
            figures["scrapes_per_min"] = (after[0] - before[0]) * 60 / seconds
            figures["low_stock_calls_per_min"] = (after[1] - before[1]) * 60 / seconds
            say(str(figures))
            rows.append(figures)
    finally:
        if admin is not None:
            admin.stop()
        inventory.stop()
    one, many = rows
    ok_rss = many["rss_mb"] < TARGETS["rss_mb"]
    ok_delay = many["delay_p99_s"] < TARGETS["delay_p99_s"]
    flat = many["scrapes_per_min"] <= one["scrapes_per_min"] * 1.1 + 1
    body = "\n\n".join([
        f"Live dashboard: {CLIENTS} concurrent SSE clients for {SECONDS} s (baseline: 1 client for "
        f"{BASELINE_SECONDS} s), one poller every {POLL_INTERVAL_S:.0f} s scraping inventory_svc's "
        "`/metrics` "
        "and reading its low-stock list; all on 127.0.0.1. Delay = arrival of a `chart-point` event minus "
        "the poller's reading time carried in it.",
        table(
            ["clients", "events received", "stream errors", "delay p50 (ms)", "delay p99 (ms)",
             "admin CPU (% of a core)", "admin RSS max (MB)", "scrapes/min", "/stock/low calls/min"],
            [[int(r["clients"]), int(r["events"]), int(r["errors"]), f"{r['delay_p50_s'] * 1000:.1f}",
              f"{r['delay_p99_s'] * 1000:.1f}", f"{r['cpu_pct']:.1f}", f"{r['rss_mb']:.0f}",
              f"{r['scrapes_per_min']:.1f}", f"{r['low_stock_calls_per_min']:.1f}"] for r in rows],
        ),
        f"Targets: RSS < {TARGETS['rss_mb']:.0f} MB ({'met' if ok_rss else 'MISSED'}), delay p99 < "
        f"{TARGETS['delay_p99_s']:.0f} s ({'met' if ok_delay else 'MISSED'}), polling load flat from 1 to "
        f"{CLIENTS} clients ({'yes' if flat else 'NO'}).",
    ])  # fmt: skip
    write_section("admin", command="python -m bench.admin", body=body)
    say("BENCHMARKS.md updated")
    return 0 if ok_rss and ok_delay and flat else 1


if __name__ == "__main__":
    raise SystemExit(main())
