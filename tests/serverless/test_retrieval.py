"""Retrieval quality on a labelled set: operator symptoms against the platform's own failure modes.

Each failure mode writes log lines the way our services do, among ordinary traffic; each
symptom is a sentence an operator might type into the RCA chat. The right template must be
among the top 3 documents. The hit rate is written to test-output/retrieval.json.
"""

from __future__ import annotations

import json
import random
import time

from serverless.ingest_logs import run_ingest
from serverless.stores import LocalVectorStore
from serverless.vectorize_logs import run_vectorize
from tests.conftest import TEST_OUTPUT
from tests.serverless.conftest import json_line, request_line, write_lines

# (service, level, message, extra fields) — a failure mode, as the service logs it.
FAILURES = {
    "db-refused": (
        "orders",
        "error",
        "order placement failed",
        {"error": "ConnectionRefusedError: [Errno 111] connect call failed ('10.0.3.7', 5432)"},
    ),
    "inventory-timeout": (
        "orders",
        "error",
        "inventory call failed",
        {"error": "ReadTimeout: POST /reservations took longer than 5.0 s", "route": "/orders"},
    ),
    "out-of-stock": (
        "inventory",
        "warning",
        "reservation refused: out of stock",
        {"sku": "BRK-1042", "requested": 4, "available": 1},
    ),
    "cache-down": (
        "inventory",
        "error",
        "cache unavailable, serving from database",
        {"error": "redis.exceptions.ConnectionError: Error 111 connecting to 10.0.2.9:6379"},
    ),
    "idempotency": (
        "orders",
        "warning",
        "idempotency key reused with a different body",
        {"code": "idempotency_key_reused"},
    ),
    "pool-exhausted": (
        "orders",
        "error",
        "database pool exhausted",
        {"error": "asyncpg.exceptions.TooManyConnectionsError: sorry, too many clients already"},
    ),
    "webhook": (
        "orders",
        "error",
        "webhook delivery failed, retry scheduled",
        {"error": "HTTPStatusError: partner endpoint answered 500", "attempt": 3},
    ),
    "llm-rate-limit": (
        "admin",
        "error",
        "RCA assessment fell back to the built-in analyzer",
        {"error": "Groq API 429 rate limit reached for model"},
    ),
    "reservation-expiry": (
        "inventory",
        "info",
        "reservation expired, stock released",
        {"order_id": "8f14e45f-ceea-467f-a8d5-0123456789ab", "lines": 2},
    ),
    "upstream-503": (
        "client",
        "error",
        "checkout page could not place the order",
        {"error": "orders service answered 503 Service Unavailable"},
    ),
    "csrf": ("client", "warning", "form rejected: CSRF token missing or invalid", {"route": "/cart"}),
    "migration": (
        "inventory",
        "critical",
        "startup failed: database schema is behind",
        {"error": "piccolo migrations pending: 2026_11_30_stock_movements"},
    ),
}

SYMPTOMS = [
    ("customers cannot check out, the database refuses connections", "db-refused"),
    ("checkout hangs and times out waiting for the inventory service", "inventory-timeout"),
    ("orders fail because the parts are out of stock", "out-of-stock"),
    ("product pages are slow since the redis cache went down", "cache-down"),
    ("double-clicked checkout gets a conflict about a reused idempotency key", "idempotency"),
    ("under load postgres says too many clients", "pool-exhausted"),
    ("partners stopped receiving order webhooks", "webhook"),
    ("the RCA chat stopped using the LLM, rate limited", "llm-rate-limit"),
    ("stock keeps coming back from abandoned checkouts", "reservation-expiry"),
    ("the storefront shows an error when shoppers place an order, orders is unavailable", "upstream-503"),
    ("shoppers get a forbidden error when they submit the cart form", "csrf"),
    ("inventory will not start after the deploy, migrations missing", "migration"),
]

NORMAL_ROUTES = {
    "inventory": [
        "/products",
        "/products/{sku}",
        "/products/{sku}/availability",
        "/vehicles/makes",
        "/stock/low",
    ],
    "orders": ["/orders", "/orders/{id}", "/orders/{id}/history", "/orders/tracking/{token}"],
    "client": ["/", "/catalog", "/cart", "/orders/{token}"],
    "admin": ["/", "/dashboard", "/orders", "/chat"],
}
# Ordinary lines, several of them deliberately close in wording to a failure (near misses).
NORMAL_MESSAGES = {
    "inventory": [
        "reservation created",
        "stock restocked",
        "low stock alert refreshed",
        "cache warmed from database",
        "reservation committed for shipment",
        "migrations applied, schema up to date",
        "redis connection pool opened",
    ],
    "orders": [
        "order placed",
        "order transitioned",
        "outbox event published",
        "inventory call succeeded",
        "webhook delivered to partner",
        "database pool opened with 10 connections",
        "idempotent replay answered with the stored order",
    ],
    "client": ["cart updated", "vehicle selected", "CSRF token issued for form", "checkout page rendered"],
    "admin": [
        "dashboard refreshed",
        "cluster view refreshed",
        "RCA assessment completed by the LLM",
        "chat message stored",
    ],
}


def platform_logs(start: float) -> dict[str, list[str]]:
    rng = random.Random(5)
    logs: dict[str, list[str]] = {service: [] for service in NORMAL_ROUTES}
    for i in range(2400):
        service = rng.choice(list(NORMAL_ROUTES))
        ts = start + i * 0.1
        if rng.random() < 0.7:
            route = rng.choice(NORMAL_ROUTES[service])
            logs[service].append(
                request_line(ts, service, status=200, route=route, latency=rng.uniform(2, 40))
            )
        else:
            logs[service].append(
                json_line(ts, service, rng.choice(NORMAL_MESSAGES[service]), order_id=str(i))
            )
    for n, (service, level, message, fields) in enumerate(FAILURES.values()):
        for k in range(15):
            logs[service].append(json_line(start + 60 + n + k * 0.3, service, message, level, **fields))
    return logs


def test_right_template_is_in_the_top_3_when_an_operator_describes_a_symptom(
    settings, redis_client, embedder
) -> None:
    start = (int(time.time()) // 300 - 2) * 300
    for service, lines in platform_logs(start).items():
        write_lines(
            settings.log_dir / f"{service}.log", sorted(lines, key=lambda line: json.loads(line)["ts"])
        )
    run_ingest(settings)
    summary = run_vectorize(settings, embedder=embedder)
    store = LocalVectorStore(settings.data_path / "vectors" / f"{settings.environment}.npz")
    hits, first, report = 0, 0, []
    for symptom, label in SYMPTOMS:
        expected = FAILURES[label][2]
        top = store.query(embedder.embed([symptom])[0], top_k=3)
        ranks = [
            i for i, m in enumerate(top) if expected.split(",")[0].split(":")[0] in m.metadata["template"]
        ]
        found = bool(ranks)
        hits += found
        first += ranks[:1] == [0]
        report.append(
            {
                "symptom": symptom,
                "expected": label,
                "hit": found,
                "top3": [m.metadata["template"] for m in top],
            }
        )
    rate = hits / len(SYMPTOMS)
    TEST_OUTPUT.mkdir(exist_ok=True)
    (TEST_OUTPUT / "retrieval.json").write_text(
        json.dumps(
            {
                "hit_rate_top3": rate,
                "hit_rate_top1": first / len(SYMPTOMS),
                "cases": len(SYMPTOMS),
                "documents": summary.documents,
                "results": report,
            },
            indent=2,
        )
    )
    print(f"retrieval hit rate: top 3 {hits}/{len(SYMPTOMS)} = {rate:.0%}, top 1 {first}/{len(SYMPTOMS)}")
    assert rate >= 0.8, report
