"""Function `vectorize-logs`: mine templates from the stream, build documents, embed, upsert.

Exactly-once without distributed transactions:
1. entries are read through the consumer group (unacknowledged ones first);
2. entries newer than the `applied` mark are merged into per-document state, and the new
   state, the miner, the set of dirty documents and the mark are written in one MULTI;
3. dirty documents are embedded and upserted under stable ids (a rerun overwrites);
4. only then are the entries acknowledged and the dirty set cleared.
A crash after 2 re-delivers the entries, which the mark skips; a crash after 3 upserts the
same vectors again, which changes nothing.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import msgspec
import redis
from loguru import logger

from serverless import metrics, resources
from serverless.documents import DocState, document_id
from serverless.embedders import Embedder
from serverless.entry import ensure_logging
from serverless.miner import TemplateMiner
from serverless.settings import PipelineSettings
from serverless.stores import DimensionMismatch, StoreRejected, VectorDoc, VectorStore
from serverless.stores._base import check_dimension
from serverless.stream import Batch, LineStream
from serverless.summary import RunSummary, finish

FUNCTION = "vectorize-logs"
DOCS_KEY = "logpipeline:docs"
DIRTY_KEY = "logpipeline:dirty"
APPLIED_KEY = "logpipeline:applied"
MINER_KEY = "logpipeline:miner"
LOCK_KEY = "logpipeline:vectorize:lock"
RETENTION_KEY = "logpipeline:retention:last"
# Entries merged per Redis transaction: bounds memory and the work a crash can repeat.
MERGE_CHUNK = 50
UPSERT_CHUNK = 256
_encode_state = msgspec.msgpack.Encoder().encode
_decode_state = msgspec.msgpack.Decoder(DocState).decode
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


def handler(event: dict[str, Any] | None, context: Any = None) -> dict[str, Any]:
    """Lambda entry point; `event` may set `max_batches` and `retention: false`."""
    settings = PipelineSettings.from_env()
    ensure_logging()
    return msgspec.to_builtins(run_vectorize(settings, event=event or {}))


def run_vectorize(
    settings: PipelineSettings,
    *,
    event: dict[str, Any] | None = None,
    embedder: Embedder | None = None,
    store: VectorStore | None = None,
) -> RunSummary:
    event = event or {}
    started = time.monotonic()
    summary = RunSummary(function=FUNCTION)
    client = resources.redis_client(settings)
    token = uuid.uuid4().hex
    try:
        if not client.set(LOCK_KEY, token, nx=True, ex=900):
            summary.outcome = "skipped"
            logger.info("another vectorize-logs run holds the lock; skipping")
            return finish(summary, started=started)
        try:
            embedder = embedder or resources.embedder(settings)
            store = store or resources.vector_store(settings)
            Vectorizer(settings, client=client, embedder=embedder, store=store, summary=summary).run(event)
        finally:
            client.eval(_RELEASE, 1, LOCK_KEY, token)
    except redis.RedisError as exc:
        _fault(summary, kind="redis", message=f"redis unavailable during vectorize: {exc}")
    except DimensionMismatch as exc:
        _fault(summary, kind="dimension_mismatch", message=str(exc))
        finish(summary, started=started)
        raise
    finally:
        client.close()
    return finish(summary, started=started)


class Vectorizer:
    def __init__(
        self,
        settings: PipelineSettings,
        *,
        client: redis.Redis,
        embedder: Embedder,
        store: VectorStore,
        summary: RunSummary,
    ) -> None:
        self.settings = settings
        self.client = client
        self.stream: LineStream = resources.line_stream(client, settings)
        self.embedder = embedder
        self.store = store
        self.summary = summary
        self.miner = TemplateMiner.loads(client.get(MINER_KEY))
        raw_applied = client.get(APPLIED_KEY)
        self.applied = _entry_key(raw_applied.decode()) if raw_applied else (0, 0)
        self.newest = 0.0
        self.dimension_checked = False

    def run(self, event: dict[str, Any]) -> None:
        max_batches = int(event.get("max_batches") or self.settings.max_batches_per_run)
        handled: list[str] = []
        chunk: list[Batch] = []
        merge_started = time.perf_counter()
        for batch in self.stream.read(
            consumer=self.settings.consumer_name, count=MERGE_CHUNK, max_batches=max_batches
        ):
            chunk.append(batch)
            if len(chunk) >= MERGE_CHUNK:
                self._merge(chunk)
                handled += [b.entry_id for b in chunk]
                chunk = []
        if chunk:
            self._merge(chunk)
            handled += [b.entry_id for b in chunk]
        self.summary.templates = len(self.miner.templates)
        self._add_time("merge", time.perf_counter() - merge_started)
        try:
            self._upsert_dirty()
        except StoreRejected as exc:
            _fault(self.summary, kind="store_rejected", message=str(exc))
            return
        self.stream.ack(handled)
        self.summary.backlog = self.stream.backlog()
        if self.newest:
            self.summary.lag_s = round(max(0.0, time.time() - self.newest), 3)
        if event.get("retention", True):
            self._apply_retention()

    def _merge(self, batches: list[Batch]) -> None:
        fresh = [b for b in batches if _entry_key(b.entry_id) > self.applied]
        if not fresh:
            return
        window_s = self.settings.window_s
        examples = self.settings.examples_per_document
        states: dict[str, DocState] = {}
        touched_keys: list[tuple[str, str, int]] = []
        for batch in fresh:
            for record in batch.records:
                template = self.miner.add(record.service, record.content)
                window = int(record.ts // window_s) * window_s
                touched_keys.append((record.service, template.id, window))
                doc_id = document_id(record.service, template.id, window)
                state = states.get(doc_id)
                if state is None:
                    state = states[doc_id] = self._load_state(record.service, template.id, window)
                state.add(record, examples=examples)
                self.summary.lines_read += 1
                self.newest = max(self.newest, record.ts)
        self.applied = _entry_key(fresh[-1].entry_id)
        pipe = self.client.pipeline(transaction=True)
        pipe.hset(DOCS_KEY, mapping={doc_id: _encode_state(state) for doc_id, state in states.items()})
        pipe.sadd(DIRTY_KEY, *states)
        pipe.set(APPLIED_KEY, fresh[-1].entry_id)
        pipe.set(MINER_KEY, self.miner.dumps())
        pipe.execute()

    def _load_state(self, service: str, template_id: str, window: int) -> DocState:
        raw = self.client.hget(DOCS_KEY, document_id(service, template_id, window))
        if raw:
            return _decode_state(raw)
        return DocState(
            service=service, template_id=template_id, window_start=window, window_s=self.settings.window_s
        )

    def _upsert_dirty(self) -> None:
        dirty = sorted(member.decode() for member in self.client.smembers(DIRTY_KEY))
        for start in range(0, len(dirty), UPSERT_CHUNK):
            ids = dirty[start : start + UPSERT_CHUNK]
            states = [_decode_state(raw) for raw in self.client.hmget(DOCS_KEY, ids) if raw]
            if not states:
                self.client.srem(DIRTY_KEY, *ids)
                continue
            docs = self.build_documents(states)
            if not self.dimension_checked:
                check_dimension(
                    self.store, embedder_name=self.embedder.name, embedder_dimension=self.embedder.dimension
                )
                self.dimension_checked = True
            upsert_started = time.perf_counter()
            upserted = self.store.upsert(docs)
            self._add_time("upsert", time.perf_counter() - upsert_started)
            self.client.srem(DIRTY_KEY, *ids)
            self.summary.documents += len(docs)
            self.summary.vectors_upserted += upserted
            metrics.VECTORS_UPSERTED.inc(upserted)

    def build_documents(self, states: list[DocState]) -> list[VectorDoc]:
        build_started = time.perf_counter()
        templates = []
        for state in states:
            template = self.miner.get(state.template_id)
            templates.append(template.text if template is not None else state.template_id)
        texts = [s.text(t) for s, t in zip(states, templates, strict=True)]
        embed_started = time.perf_counter()
        vectors = self.embedder.embed(texts)
        embed_s = time.perf_counter() - embed_started
        self._add_time("embed", embed_s)
        docs = [
            VectorDoc(s.id, vectors[i], s.metadata(t, embedder=self.embedder.name))
            for i, (s, t) in enumerate(zip(states, templates, strict=True))
        ]
        self._add_time("build", time.perf_counter() - build_started - embed_s)
        return docs

    def _add_time(self, phase: str, seconds: float) -> None:
        self.summary.timings[phase] = round(self.summary.timings.get(phase, 0.0) + seconds, 4)

    def _apply_retention(self) -> None:
        # Once an hour is plenty: documents age by days.
        if not self.client.set(RETENTION_KEY, "1", nx=True, ex=3600):
            return
        cutoff = time.time() - self.settings.retention_days * 86400
        removed = self.store.delete_older_than(cutoff)
        stale = [
            key
            for key, raw in self.client.hscan_iter(DOCS_KEY, count=500)
            if _decode_state(raw).last_seen < cutoff
        ]
        if stale:
            self.client.hdel(DOCS_KEY, *stale)
        logger.bind(cutoff=cutoff, removed=removed, states_removed=len(stale)).info("retention applied")


def _entry_key(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def _fault(summary: RunSummary, *, kind: str, message: str) -> None:
    summary.outcome = "partial" if summary.lines_read else "failed"
    summary.errors.append(message)
    metrics.ERRORS.labels(function=FUNCTION, kind=kind).inc()
    logger.bind(kind=kind).error(message)
