from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

# Metadata values a store accepts: Pinecone's types (string, number, boolean, list of strings).
Metadata = Mapping[str, str | int | float | bool | list[str]]


@dataclass(frozen=True, slots=True)
class VectorDoc:
    id: str
    values: np.ndarray
    metadata: Metadata


@dataclass(frozen=True, slots=True)
class Match:
    id: str
    score: float
    metadata: dict[str, Any]


class DimensionMismatch(Exception):
    """The embedder's vectors do not fit the index: writing them would store garbage."""

    def __init__(self, *, store: str, index_dimension: int, embedder: str, embedder_dimension: int) -> None:
        super().__init__(
            f"{store} holds {index_dimension}-dimensional vectors but embedder {embedder} makes "
            f"{embedder_dimension}-dimensional ones; use an index created for this model "
            f"(or choose the embedder the index was built with)"
        )
        self.index_dimension = index_dimension
        self.embedder_dimension = embedder_dimension


class StoreRejected(Exception):
    """The store refused a batch after the retry budget; nothing of that batch is counted as done."""

    def __init__(self, store: str, *, status: int | None, detail: str) -> None:
        super().__init__(f"{store} rejected a batch (status {status}): {detail}")
        self.status = status


@dataclass(frozen=True, slots=True)
class QueryFilter:
    """Metadata filters every store understands: service, level, and a time range (Unix s)."""

    service: str | None = None
    level: str | None = None
    since: float | None = None
    until: float | None = None

    def as_metadata_filter(self) -> dict[str, Any]:
        """The filter in Pinecone's (MongoDB-like) syntax, which the local store evaluates too."""
        clauses: dict[str, Any] = {}
        if self.service:
            clauses["service"] = {"$eq": self.service}
        if self.level:
            clauses["levels"] = {"$in": [self.level]}
        if self.since is not None:
            clauses["last_seen"] = {"$gte": self.since}
        if self.until is not None:
            clauses["first_seen"] = {"$lte": self.until}
        return clauses


class VectorStore(Protocol):
    name: str

    def dimension(self) -> int | None:
        """The index's vector dimension, or None when it is empty and not yet fixed."""
        ...

    def upsert(self, docs: Sequence[VectorDoc]) -> int: ...

    def query(self, vector: np.ndarray, *, top_k: int, where: QueryFilter | None = None) -> list[Match]: ...

    def delete_older_than(self, cutoff: float) -> int | None:
        """Delete documents last seen before `cutoff`; the count when the store knows it."""
        ...


def check_dimension(store: VectorStore, *, embedder_name: str, embedder_dimension: int) -> None:
    """Raise DimensionMismatch unless the store is empty or holds vectors of this dimension."""
    index_dimension = store.dimension()
    if index_dimension is not None and index_dimension != embedder_dimension:
        raise DimensionMismatch(
            store=store.name,
            index_dimension=index_dimension,
            embedder=embedder_name,
            embedder_dimension=embedder_dimension,
        )


def matches_filter(metadata: Mapping[str, Any], where: Mapping[str, Any]) -> bool:
    """Evaluate the subset of Pinecone's filter language the pipeline uses."""
    for key, condition in where.items():
        if key == "$and":
            if not all(matches_filter(metadata, part) for part in condition):
                return False
            continue
        value = metadata.get(key)
        ops = condition if isinstance(condition, Mapping) else {"$eq": condition}
        for op, expected in ops.items():
            if not _compare(op, value, expected):
                return False
    return True


def _compare(op: str, value: Any, expected: Any) -> bool:
    if value is None:
        return op == "$ne" or (op == "$nin")
    if isinstance(value, list):
        # Pinecone: a list field matches when any element satisfies $eq/$in.
        if op in {"$eq", "$in"}:
            wanted = expected if op == "$in" else [expected]
            return any(v in wanted for v in value)
        if op in {"$ne", "$nin"}:
            unwanted = expected if op == "$nin" else [expected]
            return not any(v in unwanted for v in value)
        return False
    match op:
        case "$eq":
            return value == expected
        case "$ne":
            return value != expected
        case "$in":
            return value in expected
        case "$nin":
            return value not in expected
        case "$gt":
            return value > expected
        case "$gte":
            return value >= expected
        case "$lt":
            return value < expected
        case "$lte":
            return value <= expected
    raise ValueError(f"unsupported filter operator {op}")
