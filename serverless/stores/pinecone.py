"""A Pinecone index through the official SDK, one namespace per environment.

Upserts go in batches that stay under Pinecone's request limits (at most 1,000 vectors and
2 MB per request; we also keep each vector's metadata far below the 40 KB cap). The SDK
retries 429 and 5xx with jittered back-off, bounded by `max_retries`; what still fails is
raised as `StoreRejected`, so the caller keeps the batch for the next run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
import numpy as np
from loguru import logger
from pinecone import Pinecone, RetryConfig
from pinecone.errors.exceptions import ApiError, PineconeError

from serverless.stores._base import Match, QueryFilter, StoreRejected, VectorDoc

MAX_VECTORS_PER_REQUEST = 1000
# 2 MB is Pinecone's cap; aim below it, since the estimate below is not the encoder's exact output.
MAX_REQUEST_BYTES = int(1.9 * 1024 * 1024)
# A float32 widened to a Python float prints as up to ~24 characters of JSON ("-0.012345678901234567, ").
_BYTES_PER_FLOAT = 25


def pinecone_client(
    *, api_key: str, control_host: str = "", max_retries: int = 4, timeout_s: float = 20.0
) -> Pinecone:
    retry = RetryConfig(max_retries=max_retries, backoff_factor=0.25, max_wait=8.0)
    kwargs: dict[str, Any] = {"api_key": api_key, "retry_config": retry, "timeout": timeout_s}
    if control_host:
        kwargs["host"] = control_host
    return Pinecone(**kwargs)


class PineconeVectorStore:
    def __init__(
        self, client: Pinecone, *, index_name: str, host: str, namespace: str, batch_size: int = 100
    ) -> None:
        self.index = client.Index(host=host) if host else client.Index(name=index_name)
        self.namespace = namespace
        self.batch_size = min(batch_size, MAX_VECTORS_PER_REQUEST)
        self.name = f"pinecone index {index_name} (namespace {namespace})"
        self.rejected_batches = 0

    def dimension(self) -> int | None:
        stats = self.index.describe_index_stats()
        return stats.dimension

    def upsert(self, docs: Sequence[VectorDoc]) -> int:
        upserted = 0
        for batch in self._batches(docs):
            try:
                response = self.index.upsert(vectors=batch, namespace=self.namespace, show_progress=False)
            except ApiError as exc:
                self.rejected_batches += 1
                logger.bind(status=exc.status_code, vectors=len(batch)).error("pinecone rejected a batch")
                raise StoreRejected(self.name, status=exc.status_code, detail=str(exc)[:300]) from exc
            except PineconeError as exc:
                self.rejected_batches += 1
                logger.bind(vectors=len(batch), error=type(exc).__name__).error("pinecone upsert failed")
                raise StoreRejected(self.name, status=None, detail=str(exc)[:300]) from exc
            upserted += int(getattr(response, "upserted_count", len(batch)) or len(batch))
        return upserted

    def _batches(self, docs: Sequence[VectorDoc]) -> list[list[dict[str, Any]]]:
        batches: list[list[dict[str, Any]]] = []
        current: list[dict[str, Any]] = []
        size = 0
        for doc in docs:
            item = {"id": doc.id, "values": [float(v) for v in doc.values], "metadata": dict(doc.metadata)}
            item_size = len(doc.values) * _BYTES_PER_FLOAT + len(msgspec.json.encode(item["metadata"])) + 64
            if current and (len(current) >= self.batch_size or size + item_size > MAX_REQUEST_BYTES):
                batches.append(current)
                current, size = [], 0
            current.append(item)
            size += item_size
        if current:
            batches.append(current)
        return batches

    def query(self, vector: np.ndarray, *, top_k: int, where: QueryFilter | None = None) -> list[Match]:
        clauses = where.as_metadata_filter() if where else {}
        response = self.index.query(
            vector=[float(v) for v in vector],
            top_k=top_k,
            namespace=self.namespace,
            filter=clauses or None,
            include_metadata=True,
        )
        return [Match(m.id, float(m.score), dict(m.metadata or {})) for m in response.matches]

    def delete_older_than(self, cutoff: float) -> int | None:
        self.index.delete(filter={"last_seen": {"$lt": cutoff}}, namespace=self.namespace)
        return None
