"""Log pipeline throughput: `python -m bench.pipeline`.

1. Writes 1,000,000 lines in the platform's own log format (4 service files, ~2 hours).
2. ingest-logs reads them into the Redis stream, then vectorize-logs mines templates and
   builds window documents; lines/s = lines / (ingest time + merge/mining time), one Python
   process (Redis runs in its own process).
3. Embed + upsert: documents/s of vectorize's embed+upsert phases, against the raw embedding
   throughput of the same model on the same document texts in the same run.
4. Peak RSS of this process (getrusage).
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import msgspec
import redis

from bench.report import table, write_section
from common.embedded import is_listening
from serverless.documents import DocState
from serverless.embedders import MiniLMEmbedder
from serverless.ingest_logs import run_ingest
from serverless.miner import TemplateMiner
from serverless.settings import PipelineSettings
from serverless.summary import RunSummary
from serverless.vectorize_logs import DIRTY_KEY, DOCS_KEY, MINER_KEY, run_vectorize

LINES = 1_000_000
SPAN_S = 2 * 3600
# Used only when no redis-server binary is installed.
REDIS_URL = "redis://127.0.0.1:6379/9"
ROUNDS = 3
SERVICES = {
    "inventory": [
        "/products",
        "/products/{sku}",
        "/products/{sku}/availability",
        "/vehicles/makes",
        "/stock/low",
        "/reservations",
        "/reservations/{order_id}/commitment",
        "/categories",
    ],
    "orders": [
        "/orders",
        "/orders/{id}",
        "/orders/{id}/history",
        "/orders/{id}/transitions",
        "/orders/tracking/{token}",
    ],
    "client": ["/", "/catalog", "/cart", "/checkout", "/orders/{token}", "/vehicles/models"],
    "admin": ["/", "/dashboard", "/orders", "/chat", "/cluster", "/metrics/stream"],
}
EVENTS = [
    (
        "info",
        "reservation created",
        lambda r: {"order_id": f"{r.getrandbits(64):016x}", "lines": r.randint(1, 5)},
    ),
    (
        "info",
        "order placed",
        lambda r: {"order_id": f"{r.getrandbits(64):016x}", "total_cents": r.randint(500, 90000)},
    ),
    ("warning", "reservation refused: out of stock", lambda r: {"sku": f"BRK-{r.randint(1000, 9999)}"}),
    (
        "error",
        "order placement failed",
        lambda r: {"error": f"ConnectionRefusedError: connect to 10.0.3.{r.randint(1, 9)}:5432"},
    ),
    ("error", "inventory call failed", lambda r: {"error": f"ReadTimeout after {r.randint(5000, 9000)} ms"}),
    ("info", f"cache miss for product {0}", lambda r: {"sku": f"ENG-{r.randint(1000, 9999)}"}),
    ("warning", "slow query", lambda r: {"latency_ms": r.uniform(500, 4000), "table": "stock_levels"}),
]


def generate(log_dir: Path) -> None:
    rng = random.Random(2026)
    encode = msgspec.json.Encoder().encode
    start = time.time() - SPAN_S - 60
    files = {name: (log_dir / f"{name}.log").open("wb") for name in SERVICES}
    names = list(SERVICES)
    try:
        for i in range(LINES):
            service = names[i % 4]
            ts = start + i * (SPAN_S / LINES)
            stamp = (
                time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts * 1000) % 1000:03d}+00:00"
            )
            roll = rng.random()
            if roll < 0.01:
                files[service].write(f"{stamp} WARNING worker {rng.randint(1, 8)} heartbeat late\n".encode())
                continue
            if roll < 0.75:
                route = rng.choice(SERVICES[service])
                status = 200 if roll < 0.70 else rng.choice((404, 409, 500, 503))
                level = "error" if status >= 500 else "warning" if status >= 400 else "info"
                line = {
                    "ts": stamp,
                    "level": level,
                    "service": service,
                    "message": "request",
                    "request_id": f"{rng.getrandbits(64):016x}",
                    "method": "GET",
                    "route": route,
                    "path": route,
                    "status": status,
                    "latency_ms": round(rng.expovariate(1 / 20), 2),
                }
            else:
                level, message, extra = rng.choice(EVENTS)
                line = {"ts": stamp, "level": level, "service": service, "message": message, **extra(rng)}
            files[service].write(encode(line) + b"\n")
    finally:
        for f in files.values():
            f.close()


@contextmanager
def private_redis() -> Iterator[str]:
    """A redis-server of our own on a free port: other benchmarks may share the machine's Redis databases."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        if not is_listening("127.0.0.1", 6379):
            raise SystemExit("bench pipeline needs redis-server or Redis on 127.0.0.1:6379")
        yield REDIS_URL
        return
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if is_listening("127.0.0.1", port):
                break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> int:
    with private_redis() as url:
        return run(url)


def run(redis_url: str) -> int:
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    with tempfile.TemporaryDirectory(prefix="autoforge-bench-pipeline-") as tmp:
        data = Path(tmp)
        (data / "logs").mkdir()
        t0 = time.perf_counter()
        generate(data / "logs")
        generate_s = time.perf_counter() - t0
        size_mb = sum(p.stat().st_size for p in (data / "logs").iterdir()) / 1e6
        settings = PipelineSettings.from_env(
            {"SLS_REDIS_URL": redis_url, "SLS_DATA_DIR": str(data), "SLS_BACKLOG_THRESHOLD": "100000000"}
        )
        ingest = run_ingest(settings)
        embedder = MiniLMEmbedder(batch_size=settings.embed_batch_size)
        embedder.embed(["warm up the session"] * 8)
        vectorize = run_vectorize(settings, embedder=embedder)
        merge_s = vectorize.timings.get("merge", 0.0)
        # The machine may be shared, so the two throughputs are measured in alternating rounds
        # on the same documents, and the best round of each is compared.
        miner = TemplateMiner.loads(client.get(MINER_KEY))
        decode = msgspec.msgpack.Decoder(DocState).decode
        states = [decode(raw) for raw in client.hvals(DOCS_KEY)]
        texts = [s.text(t.text if (t := miner.get(s.template_id)) else s.template_id) for s in states]
        raw_rounds, pipeline_rounds = [], [vectorize]
        for _ in range(ROUNDS):
            t0 = time.perf_counter()
            embedder.embed(texts)
            raw_rounds.append(time.perf_counter() - t0)
            if states and len(pipeline_rounds) < ROUNDS:
                client.sadd(DIRTY_KEY, *[s.id for s in states])
                pipeline_rounds.append(run_vectorize(settings, embedder=embedder, event={"retention": False}))
    client.flushdb()
    client.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    mine_lines_s = ingest.lines_read / (ingest.duration_s + merge_s)

    def pipeline_s(run: RunSummary) -> float:
        return sum(run.timings.get(phase, 0.0) for phase in ("build", "embed", "upsert"))

    best = min(pipeline_rounds, key=pipeline_s)
    embed_upsert_s = pipeline_s(best)
    # Robust to a shared machine: the share of pipeline time spent inside the model itself.
    in_model = best.timings.get("embed", 0.0) / embed_upsert_s
    docs_s = best.documents / embed_upsert_s
    raw_s = min(raw_rounds)
    raw_docs_s = len(texts) / raw_s
    ratio = docs_s / raw_docs_s
    rows = [
        [
            "log file",
            f"{LINES:,} lines, {size_mb:.0f} MB, 4 services, {SPAN_S // 3600} h "
            f"(generated in {generate_s:.1f} s)",
            "",
            "",
        ],
        [
            "ingest (files → Redis stream)",
            f"{ingest.lines_read:,} lines in {ingest.duration_s:.2f} s",
            f"{ingest.lines_read / ingest.duration_s:,.0f} lines/s",
            "",
        ],
        [
            "template mining + window documents",
            f"{vectorize.lines_read:,} lines in {merge_s:.2f} s, "
            f"{vectorize.templates} templates, {vectorize.documents} documents",
            f"{vectorize.lines_read / merge_s:,.0f} lines/s",
            "",
        ],
        [
            "**ingest + mining**",
            f"{ingest.duration_s + merge_s:.2f} s",
            f"**{mine_lines_s:,.0f} lines/s**",
            "≥ 20,000 " + ("✅" if mine_lines_s >= 20_000 else "❌"),
        ],
        [
            "raw embedding (MiniLM int8 ONNX)",
            f"{len(texts)} documents in {raw_s:.2f} s (best of {ROUNDS})",
            f"{raw_docs_s:,.1f} docs/s",
            "",
        ],
        [
            "embed + upsert (local store)",
            f"{best.documents} documents in {embed_upsert_s:.2f} s "
            f"(build {best.timings.get('build', 0):.2f} s, embed {best.timings.get('embed', 0):.2f} s, "
            f"upsert {best.timings.get('upsert', 0):.2f} s)",
            f"{docs_s:,.1f} docs/s",
            "",
        ],
        ["**embed + upsert vs raw**", "", f"**{ratio:.0%}**", "≥ 80% " + ("✅" if ratio >= 0.8 else "❌")],
        ["share of embed + upsert time spent in the model", "", f"{in_model:.1%}", ""],
        [
            "**peak RSS** (whole run)",
            "",
            f"**{peak_mb:,.0f} MB**",
            "< 500 MB " + ("✅" if peak_mb < 500 else "❌"),
        ],
    ]
    body = table(["stage", "work", "throughput", "target"], rows)
    body += (
        "\n\nOne Python process does ingest and mining (Redis runs in its own process); onnxruntime "
        "uses its default intra-op threads for embedding. Raw and pipeline embedding are measured "
        f"in {ROUNDS} alternating rounds on the same documents (best of each), since the machine may be "
        f"shared; CPU load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores. "
        "On a loaded machine the raw-vs-pipeline ratio swings by tens of percent between rounds; the "
        "share of pipeline time spent inside the model is the steadier figure for the pipeline's overhead. "
        "Lines that arrive in the same window over several runs merge into the same document, so "
        "documents = templates x windows touched."
    )
    print(body)
    write_section("pipeline", command="python -m bench.pipeline", body=body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
