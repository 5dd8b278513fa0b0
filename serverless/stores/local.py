"""The embedded default: an exact (brute-force cosine) index kept in one file under `.autoforge/`.

Every write replaces the whole file: the new contents go to a temporary file in the same
folder, which is flushed and fsync'ed, then renamed over the old one, and the folder is
fsync'ed. A crash at any point leaves either the old file or the new one, never a torn one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from serverless.stores._base import Match, QueryFilter, VectorDoc, matches_filter


class LocalVectorStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = f"local index {path}"
        self.ids: list[str] = []
        self.vectors = np.zeros((0, 0), dtype=np.float32)
        self.metadata: list[dict[str, Any]] = []
        self._dimension: int | None = None
        self._load()

    def _load(self) -> None:
        if not self.path.exists():
            return
        with np.load(self.path, allow_pickle=False) as data:
            self.vectors = data["vectors"].astype(np.float32)
            self.ids = [str(i) for i in data["ids"]]
            self.metadata = msgspec.json.decode(bytes(data["metadata"]))
            self._dimension = int(data["dimension"])

    def dimension(self) -> int | None:
        return self._dimension

    def __len__(self) -> int:
        return len(self.ids)

    def upsert(self, docs: Sequence[VectorDoc]) -> int:
        if not docs:
            return 0
        if self._dimension is None:
            self._dimension = int(docs[0].values.shape[0])
            self.vectors = np.zeros((0, self._dimension), dtype=np.float32)
        position = {doc_id: i for i, doc_id in enumerate(self.ids)}
        appended: list[np.ndarray] = []
        for doc in docs:
            values = np.asarray(doc.values, dtype=np.float32)
            if values.shape != (self._dimension,):
                raise ValueError(f"vector {doc.id} has shape {values.shape}, index is {self._dimension}")
            i = position.get(doc.id)
            if i is None:
                position[doc.id] = len(self.ids)
                self.ids.append(doc.id)
                self.metadata.append(dict(doc.metadata))
                appended.append(values)
            elif i < len(self.vectors):
                self.vectors[i] = values
                self.metadata[i] = dict(doc.metadata)
            else:
                appended[i - len(self.vectors)] = values
                self.metadata[i] = dict(doc.metadata)
        if appended:
            self.vectors = np.vstack([self.vectors, np.stack(appended)])
        self._save()
        return len(docs)

    def query(self, vector: np.ndarray, *, top_k: int, where: QueryFilter | None = None) -> list[Match]:
        if not self.ids:
            return []
        clauses = where.as_metadata_filter() if where else {}
        rows = np.array(
            [i for i, m in enumerate(self.metadata) if matches_filter(m, clauses)], dtype=np.int64
        )
        if rows.size == 0:
            return []
        query = np.asarray(vector, dtype=np.float32)
        query = query / max(float(np.linalg.norm(query)), 1e-12)
        norms = np.linalg.norm(self.vectors[rows], axis=1).clip(1e-12)
        scores = (self.vectors[rows] @ query) / norms
        best = np.argsort(-scores)[:top_k]
        return [Match(self.ids[rows[i]], float(scores[i]), self.metadata[rows[i]]) for i in best]

    def delete_older_than(self, cutoff: float) -> int:
        keep = [i for i, m in enumerate(self.metadata) if float(m.get("last_seen", 0)) >= cutoff]
        removed = len(self.ids) - len(keep)
        if removed:
            self.ids = [self.ids[i] for i in keep]
            self.metadata = [self.metadata[i] for i in keep]
            self.vectors = self.vectors[keep] if keep else self.vectors[:0]
            self._save()
        return removed

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(
                    f,
                    vectors=self.vectors,
                    ids=np.array(self.ids, dtype=np.str_),
                    metadata=np.frombuffer(msgspec.json.encode(self.metadata), dtype=np.uint8),
                    dimension=np.array(self._dimension or 0),
                )
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
