from __future__ import annotations

import time
from pathlib import Path

import msgspec
import numpy as np
import pytest
from pinecone import Pinecone

from serverless.ingest_logs import run_ingest
from serverless.settings import PipelineSettings
from serverless.stores import DimensionMismatch, LocalVectorStore, PineconeVectorStore, QueryFilter, VectorDoc
from serverless.stores.pinecone import pinecone_client
from serverless.vectorize_logs import run_vectorize
from tests.serverless.conftest import json_line, request_line, write_lines

WINDOW = 300


def window_start(offset_windows: int = 2) -> float:
    return (int(time.time()) // WINDOW - offset_windows) * WINDOW


def mixed_lines(start: float, n: int) -> list[str]:
    lines = []
    for i in range(n):
        ts = start + i * (WINDOW / n)
        if i % 4 == 0:
            err = f"ConnectionRefusedError: connect to 10.0.0.{i % 7}:5432 refused; user ana{i}@example.com"
            lines.append(json_line(ts, "orders", "order placement failed", "error", error=err))
        else:
            lines.append(
                request_line(ts, "orders", status=201, route="/orders", method="POST", latency=10 + i)
            )
    return lines


def local_store(settings: PipelineSettings) -> LocalVectorStore:
    return LocalVectorStore(settings.data_path / "vectors" / f"{settings.environment}.npz")


def pinecone_store(url: str, *, retries: int = 3) -> PineconeVectorStore:
    client = pinecone_client(api_key="test-key", max_retries=retries)
    return PineconeVectorStore(client, index_name="logs-vectorized", host=url, namespace="test", batch_size=2)


def test_one_document_per_template_and_window_when_vectorize_runs(settings, redis_client, embedder) -> None:
    write_lines(settings.log_dir / "orders.log", mixed_lines(window_start(), 40))
    run_ingest(settings)
    summary = run_vectorize(settings, embedder=embedder)
    store = local_store(settings)
    assert (summary.outcome, summary.lines_read, summary.documents) == ("ok", 40, 2)
    assert len(store) == 2
    failed = next(m for m in store.metadata if m["level"] == "error")
    assert failed["count"] == 10
    assert failed["count_error"] == 10
    assert "placement failed" in failed["template"]
    assert not any("@example.com" in e for e in failed["examples"])
    requests = next(m for m in store.metadata if m["level"] == "info")
    assert requests["statuses"] == ["201"]
    assert requests["latency_p95_ms"] >= requests["latency_p50_ms"] > 0
    assert requests["window_end"] - requests["window_start"] == WINDOW


def test_rerun_changes_nothing_when_no_new_lines_arrived(settings, redis_client, embedder) -> None:
    write_lines(settings.log_dir / "orders.log", mixed_lines(window_start(), 40))
    run_ingest(settings)
    run_vectorize(settings, embedder=embedder)
    before = dict(zip(local_store(settings).ids, local_store(settings).metadata, strict=True))
    run_ingest(settings)
    again = run_vectorize(settings, embedder=embedder)
    after = dict(zip(local_store(settings).ids, local_store(settings).metadata, strict=True))
    assert again.documents == 0
    assert before == after


def test_window_document_is_overwritten_with_full_counts_when_lines_arrive_over_two_runs(
    settings, redis_client, embedder
) -> None:
    start = window_start()
    lines = mixed_lines(start, 40)
    path = settings.log_dir / "orders.log"
    write_lines(path, lines[:20])
    run_ingest(settings)
    run_vectorize(settings, embedder=embedder)
    write_lines(path, lines[20:])
    run_ingest(settings)
    run_vectorize(settings, embedder=embedder)
    store = local_store(settings)
    assert len(store) == 2
    assert sorted(m["count"] for m in store.metadata) == [10, 30]


def test_nothing_is_lost_or_double_counted_when_the_store_rejects_a_batch(
    settings, redis_client, embedder, pinecone_server
) -> None:
    url, state = pinecone_server
    write_lines(settings.log_dir / "orders.log", mixed_lines(window_start(), 40))
    run_ingest(settings)
    state.upsert_faults = [400]
    rejected = run_vectorize(settings, embedder=embedder, store=pinecone_store(url))
    assert rejected.outcome == "partial"
    assert "rejected" in rejected.errors[0]
    assert redis_client.xlen("logpipeline:lines") > 0
    retried = run_vectorize(settings, embedder=embedder, store=pinecone_store(url))
    vectors = state.namespaces["test"]
    assert retried.outcome == "ok"
    assert sorted(v["metadata"]["count"] for v in vectors.values()) == [10, 30]
    assert redis_client.xlen("logpipeline:lines") == 0


def test_upserts_are_retried_when_pinecone_answers_429_and_503(
    settings, redis_client, embedder, pinecone_server
) -> None:
    url, state = pinecone_server
    write_lines(settings.log_dir / "orders.log", mixed_lines(window_start(), 40))
    run_ingest(settings)
    state.upsert_faults = [429, 503]
    summary = run_vectorize(settings, embedder=embedder, store=pinecone_store(url))
    assert (summary.outcome, summary.vectors_upserted) == ("ok", 2)
    assert state.upsert_requests == 3


def test_pinecone_batches_stay_within_the_request_size_when_many_documents_are_upserted(
    pinecone_server,
) -> None:
    url, state = pinecone_server
    store = pinecone_store(url)
    store.batch_size = 100
    docs = [
        VectorDoc(
            f"d{i}",
            np.full(384, 0.01, dtype=np.float32),
            {"service": "orders", "last_seen": 1.0, "examples": ["x" * 39_000]},
        )
        for i in range(150)
    ]
    # ~40 KB of metadata per vector: the 2 MB request cap (enforced by the server) splits at ~50 vectors.
    assert store.upsert(docs) == 150
    assert state.upsert_requests >= 3


def test_pinecone_query_filters_by_service_level_and_time_when_asked(pinecone_server, embedder) -> None:
    url, _ = pinecone_server
    store = pinecone_store(url)
    texts = ["orders database refused connection", "inventory cache miss", "orders request ok"]
    meta = [
        {"service": "orders", "levels": ["error"], "first_seen": 100.0, "last_seen": 200.0},
        {"service": "inventory", "levels": ["info"], "first_seen": 100.0, "last_seen": 200.0},
        {"service": "orders", "levels": ["info"], "first_seen": 1000.0, "last_seen": 1100.0},
    ]
    vectors = embedder.embed(texts)
    store.upsert([VectorDoc(f"d{i}", vectors[i], meta[i]) for i in range(3)])
    query = embedder.embed(["database connection refused"])[0]
    assert [
        m.id for m in store.query(query, top_k=3, where=QueryFilter(service="orders", level="error"))
    ] == ["d0"]
    assert [m.id for m in store.query(query, top_k=3, where=QueryFilter(since=500))] == ["d2"]
    assert store.query(query, top_k=1)[0].id == "d0"


def test_vectorize_stops_with_a_clear_error_when_the_index_dimension_differs(
    settings, redis_client, embedder, pinecone_server
) -> None:
    url, state = pinecone_server
    state.dimension = 1024
    write_lines(settings.log_dir / "orders.log", mixed_lines(window_start(), 8))
    run_ingest(settings)
    with pytest.raises(DimensionMismatch, match=r"1024-dimensional.*384-dimensional"):
        run_vectorize(settings, embedder=embedder, store=pinecone_store(url))
    assert state.upsert_requests == 0
    assert redis_client.xlen("logpipeline:lines") > 0


def test_local_store_refuses_vectors_when_its_dimension_differs(settings, redis_client, embedder) -> None:
    store = local_store(settings)
    store.upsert([VectorDoc("old", np.ones(8, dtype=np.float32), {"service": "orders", "last_seen": 1.0})])
    write_lines(settings.log_dir / "orders.log", mixed_lines(window_start(), 8))
    run_ingest(settings)
    with pytest.raises(DimensionMismatch):
        run_vectorize(settings, embedder=embedder, store=LocalVectorStore(store.path))


def test_old_documents_are_deleted_when_retention_applies(
    settings, redis_client, embedder, pinecone_server
) -> None:
    url, state = pinecone_server
    old = (int(time.time() - 30 * 86400) // WINDOW) * WINDOW
    write_lines(settings.log_dir / "orders.log", mixed_lines(old, 8) + mixed_lines(window_start(), 8))
    run_ingest(settings)
    summary = run_vectorize(settings, embedder=embedder, store=pinecone_store(url))
    assert summary.documents == 4
    remaining = state.namespaces["test"].values()
    assert len(remaining) == 2
    assert all(v["metadata"]["last_seen"] > time.time() - 86400 for v in remaining)


def test_local_store_deletes_old_documents_when_retention_applies(tmp_path: Path) -> None:
    store = LocalVectorStore(tmp_path / "index.npz")
    store.upsert(
        [VectorDoc(f"d{i}", np.eye(4, dtype=np.float32)[i], {"last_seen": float(i)}) for i in range(4)]
    )
    assert store.delete_older_than(2.0) == 2
    assert sorted(LocalVectorStore(tmp_path / "index.npz").ids) == ["d2", "d3"]


def test_local_store_survives_when_a_write_was_interrupted(tmp_path: Path) -> None:
    path = tmp_path / "index.npz"
    store = LocalVectorStore(path)
    store.upsert([VectorDoc("a", np.ones(4, dtype=np.float32), {"service": "orders", "last_seen": 1.0})])
    # A crash mid-write leaves a half-written temporary file beside the index, never a torn index.
    (tmp_path / ".index.npz.crash.tmp").write_bytes(b"PK\x03\x04 half")
    reopened = LocalVectorStore(path)
    assert reopened.ids == ["a"]
    assert reopened.query(np.ones(4), top_k=1, where=QueryFilter(service="orders"))[0].id == "a"
    assert reopened.query(np.ones(4), top_k=1, where=QueryFilter(service="admin")) == []


def test_vectorize_runs_from_ingest_when_the_backlog_passes_the_threshold(
    settings, redis_client, embedder
) -> None:
    from serverless import resources

    resources._minilm.cache_clear()
    settings = msgspec.structs.replace(settings, backlog_threshold=1)
    write_lines(settings.log_dir / "orders.log", mixed_lines(window_start(), 120))
    summary = run_ingest(settings)
    assert summary.vectorize is not None
    assert summary.vectorize.documents == 2
    assert redis_client.xlen("logpipeline:lines") == 0


def test_a_second_vectorize_is_skipped_when_one_holds_the_lock(settings, redis_client, embedder) -> None:
    redis_client.set("logpipeline:vectorize:lock", "someone-else", ex=60)
    assert run_vectorize(settings, embedder=embedder).outcome == "skipped"


def test_pinecone_sdk_talks_to_the_index_host_when_given_one(pinecone_server) -> None:
    url, _ = pinecone_server
    assert Pinecone(api_key="k").Index(host=url).describe_index_stats().dimension == 384


def test_hosted_model_embeds_through_the_sdk_when_pinecone_inference_is_chosen(
    settings, pinecone_server
) -> None:
    from serverless import resources

    url, state = pinecone_server
    chosen = msgspec.structs.replace(
        settings,
        embedder="pinecone",
        pinecone_api_key="test-key",
        pinecone_control_host=url,
        pinecone_host=url,
    )
    embedder = resources.embedder(chosen)
    vectors = embedder.embed(["orders database refused connection", "cache miss"])
    assert embedder.name == "llama-text-embed-v2"
    assert vectors.shape == (2, 1024)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert state.embed_requests[0]["parameters"]["input_type"] == "passage"


def test_hosted_model_is_refused_when_the_index_was_built_for_minilm(
    settings, redis_client, pinecone_server
) -> None:

    url, state = pinecone_server
    chosen = msgspec.structs.replace(
        settings,
        embedder="pinecone",
        pinecone_api_key="test-key",
        pinecone_control_host=url,
        pinecone_host=url,
    )
    write_lines(settings.log_dir / "orders.log", mixed_lines(window_start(), 8))
    run_ingest(chosen)
    with pytest.raises(DimensionMismatch, match="llama-text-embed-v2"):
        run_vectorize(chosen)
    assert state.upsert_requests == 0


def test_local_query_filters_by_service_level_and_time_when_asked(tmp_path: Path, embedder) -> None:
    store = LocalVectorStore(tmp_path / "index.npz")
    texts = ["orders database refused connection", "inventory cache miss", "orders request ok"]
    meta = [
        {"service": "orders", "levels": ["info", "error"], "first_seen": 100.0, "last_seen": 200.0},
        {"service": "inventory", "levels": ["info"], "first_seen": 100.0, "last_seen": 200.0},
        {"service": "orders", "levels": ["info"], "first_seen": 1000.0, "last_seen": 1100.0},
    ]
    vectors = embedder.embed(texts)
    store.upsert([VectorDoc(f"d{i}", vectors[i], meta[i]) for i in range(3)])
    query = embedder.embed(["database connection refused"])[0]
    assert [m.id for m in store.query(query, top_k=3, where=QueryFilter(level="error"))] == ["d0"]
    assert [m.id for m in store.query(query, top_k=3, where=QueryFilter(service="inventory"))] == ["d1"]
    assert [m.id for m in store.query(query, top_k=3, where=QueryFilter(since=500, until=2000))] == ["d2"]
    assert [m.id for m in store.query(query, top_k=3, where=QueryFilter(until=150))] == ["d0", "d1"]


def test_vectorize_resumes_without_double_counting_when_redis_was_down(
    settings, tmp_path: Path, embedder
) -> None:
    from tests.serverless.test_ingest import RedisServer

    server = RedisServer(tmp_path / "redis")
    try:
        settings = msgspec.structs.replace(settings, redis_url=server.url)
        write_lines(settings.log_dir / "orders.log", mixed_lines(window_start(), 40))
        run_ingest(settings)
        server.stop()
        down = run_vectorize(settings, embedder=embedder)
        server.start()
        after = run_vectorize(settings, embedder=embedder)
    finally:
        server.stop()
    assert down.outcome == "failed"
    assert "redis unavailable" in down.errors[0]
    assert (after.outcome, after.lines_read) == ("ok", 40)
    assert sorted(m["count"] for m in local_store(settings).metadata) == [10, 30]
