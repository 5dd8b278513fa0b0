"""Settings of the log pipeline functions, prefix `SLS_` (read through `common.settings.load`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import msgspec

from common.settings import load


class PipelineSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=False):
    """Where logs come from, where their vectors go, and the limits of one run.

    Left empty, `loki_url` means "read the local runner's JSON-lines files under
    `data_dir/logs`", and `pinecone_api_key` means "use the file-backed index under
    `data_dir/vectors`" (ARCHITECTURE, embedded defaults).
    """

    redis_url: str = "redis://127.0.0.1:6379/4"
    data_dir: str = ".autoforge"
    # Deployment environment; it names the Pinecone namespace and the local index folder.
    environment: str = "local"
    # Comma-separated: the services whose logs are read; lines naming others are counted as unknown.
    services: str = "inventory,orders,client,admin"

    # Ingest: Loki (production) or local files.
    loki_url: str = ""
    loki_tenant: str = ""
    loki_page_limit: int = 1000
    loki_timeout_s: float = 10.0
    loki_max_retries: int = 3
    # How far back the very first run reads, and the largest span one run reads.
    loki_initial_lookback_s: int = 3600
    loki_max_span_s: int = 3600
    # One run reads at most this many lines, so a huge backlog is spread over runs.
    max_lines_per_run: int = 2_000_000
    max_line_bytes: int = 16_384
    batch_lines: int = 1000
    # Timestamps further than this in the future are clamped to the read time.
    max_clock_skew_s: float = 300.0

    # Hand-off between the two functions.
    stream_key: str = "logpipeline:lines"
    consumer_group: str = "vectorize"
    consumer_name: str = "vectorize-1"
    backlog_threshold: int = 200
    # How long an ingest batch id is remembered so a replayed batch is dropped.
    dedupe_ttl_s: int = 7 * 86400

    # Vectorize.
    window_s: int = 300
    examples_per_document: int = 3
    max_batches_per_run: int = 10_000
    retention_days: int = 14

    # Embeddings and vectors.
    embedder: str = "local"  # "local" (MiniLM ONNX) or "pinecone" (hosted llama-text-embed-v2)
    # Small batches keep onnxruntime's working memory low (peak RSS) at almost no cost in speed.
    embed_batch_size: int = 8
    pinecone_api_key: str = ""
    pinecone_index_name: str = "logs-vectorized"
    # Data-plane host of the index; empty means "ask the control plane by index name".
    pinecone_host: str = ""
    pinecone_control_host: str = ""
    pinecone_embed_model: str = "llama-text-embed-v2"
    pinecone_embed_dimension: int = 1024
    pinecone_batch_size: int = 100
    pinecone_max_retries: int = 4
    pinecone_timeout_s: float = 20.0

    # Scheduler (`make run`).
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 9464

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> PipelineSettings:
        return load(cls, prefix="SLS_", environ=environ)

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).resolve()

    @property
    def log_dir(self) -> Path:
        return self.data_path / "logs"

    @property
    def service_names(self) -> tuple[str, ...]:
        return tuple(name.strip() for name in self.services.split(",") if name.strip())

    @property
    def uses_pinecone(self) -> bool:
        return bool(self.pinecone_api_key)
