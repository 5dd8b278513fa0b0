"""Build the pipeline's clients from settings: Redis, the line stream, the embedder, the store."""

from __future__ import annotations

import functools

import redis
from pinecone import Pinecone

from serverless.embedders import Embedder, MiniLMEmbedder, PineconeEmbedder
from serverless.settings import PipelineSettings
from serverless.stores import LocalVectorStore, PineconeVectorStore, VectorStore
from serverless.stores.pinecone import pinecone_client
from serverless.stream import LineStream


def redis_client(settings: PipelineSettings) -> redis.Redis:
    return redis.Redis.from_url(settings.redis_url, socket_timeout=10, socket_connect_timeout=3)


def line_stream(client: redis.Redis, settings: PipelineSettings) -> LineStream:
    return LineStream(
        client, key=settings.stream_key, group=settings.consumer_group, dedupe_ttl_s=settings.dedupe_ttl_s
    )


@functools.cache
def _minilm(batch_size: int) -> MiniLMEmbedder:
    # Loading the model takes a moment; a warm Lambda or the scheduler reuses it.
    return MiniLMEmbedder(batch_size=batch_size)


def embedder(settings: PipelineSettings) -> Embedder:
    if settings.embedder == "pinecone":
        if not settings.uses_pinecone:
            raise ValueError("SLS_EMBEDDER=pinecone needs SLS_PINECONE_API_KEY")
        client = _pinecone(settings)
        return PineconeEmbedder(
            client, model=settings.pinecone_embed_model, dimension=settings.pinecone_embed_dimension
        )
    if settings.embedder != "local":
        raise ValueError(f"unknown SLS_EMBEDDER {settings.embedder!r}: use 'local' or 'pinecone'")
    return _minilm(settings.embed_batch_size)


def _pinecone(settings: PipelineSettings) -> Pinecone:
    return pinecone_client(
        api_key=settings.pinecone_api_key,
        control_host=settings.pinecone_control_host,
        max_retries=settings.pinecone_max_retries,
        timeout_s=settings.pinecone_timeout_s,
    )


def vector_store(settings: PipelineSettings) -> VectorStore:
    if settings.uses_pinecone:
        client = _pinecone(settings)
        return PineconeVectorStore(
            client,
            index_name=settings.pinecone_index_name,
            host=settings.pinecone_host,
            namespace=settings.environment,
            batch_size=settings.pinecone_batch_size,
        )
    return LocalVectorStore(settings.data_path / "vectors" / f"{settings.environment}.npz")
