"""Vector stores: one interface, a Pinecone index (production) and a local exact index (default)."""

from serverless.stores._base import (
    DimensionMismatch,
    Match,
    QueryFilter,
    StoreRejected,
    VectorDoc,
    VectorStore,
)
from serverless.stores.local import LocalVectorStore
from serverless.stores.pinecone import PineconeVectorStore

__all__ = (
    "DimensionMismatch",
    "LocalVectorStore",
    "Match",
    "PineconeVectorStore",
    "QueryFilter",
    "StoreRejected",
    "VectorDoc",
    "VectorStore",
)
