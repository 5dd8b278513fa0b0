"""Small HTTP servers speaking Loki's and Pinecone's documented APIs, for the real clients to call."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


@contextmanager
def serve(handler: type[BaseHTTPRequestHandler], state: Any) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.state = state  # type: ignore[attr-defined]
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _Base(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    @property
    def state(self) -> Any:
        return self.server.state  # type: ignore[attr-defined]

    def reply(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


# --- Loki --------------------------------------------------------------------------------


class LokiState:
    def __init__(self) -> None:
        # (service, level) -> [(ns, line)]: two levels make two streams per service.
        self.streams: dict[tuple[str, str], list[tuple[int, str]]] = {}
        self.faults: list[int | str] = []  # statuses, or "hang" to time out
        self.requests: list[dict[str, str]] = []
        self.max_limit = 5000

    def push(self, service: str, level: str, ns: int, line: str) -> None:
        self.streams.setdefault((service, level), []).append((ns, line))


class LokiHandler(_Base):
    def do_GET(self) -> None:
        url = urlparse(self.path)
        if url.path != "/loki/api/v1/query_range":
            return self.reply(404, {"error": "not found"})
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.state.requests.append(params)
        if self.state.faults:
            fault = self.state.faults.pop(0)
            if fault == "hang":
                time.sleep(1.5)
                return self.reply(200, {"status": "success", "data": {"resultType": "streams", "result": []}})
            return self.reply(int(fault), {"error": "injected"}, {"Retry-After": "0"})
        match = re.fullmatch(r'\{service="([^"]+)"\}', params["query"])
        if match is None:
            return self.reply(400, {"error": "bad query"})
        limit = int(params.get("limit", 100))
        if limit > self.state.max_limit:
            return self.reply(400, {"error": "max entries limit per query exceeded"})
        start, end = int(params["start"]), int(params["end"])
        backward = params.get("direction", "backward") == "backward"
        entries = [
            (ns, line, level)
            for (service, level), values in self.state.streams.items()
            if service == match[1]
            for ns, line in values
            if start <= ns < end
        ]
        entries.sort(key=lambda e: e[0], reverse=backward)
        entries = entries[:limit]
        result: dict[str, dict[str, Any]] = {}
        for ns, line, level in entries:
            stream = result.setdefault(level, {"stream": {"service": match[1], "level": level}, "values": []})
            stream["values"].append([str(ns), line])
        body = {"status": "success", "data": {"resultType": "streams", "result": list(result.values())}}
        self.reply(200, body)


# --- Pinecone data plane -----------------------------------------------------------------


class PineconeState:
    def __init__(self, dimension: int) -> None:
        self.dimension = dimension
        self.namespaces: dict[str, dict[str, dict[str, Any]]] = {}
        self.upsert_faults: list[int] = []
        self.upsert_requests = 0
        self.max_batch = 1000
        self.embed_dimension = 1024
        self.embed_requests: list[dict[str, Any]] = []


def _compare(op: str, value: Any, expected: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    if op == "$eq":
        return expected in values
    if op == "$in":
        return any(v in expected for v in values)
    if value is None:
        return False
    if op == "$gte":
        return value >= expected
    if op == "$lte":
        return value <= expected
    if op == "$lt":
        return value < expected
    if op == "$gt":
        return value > expected
    raise ValueError(op)


def _matches(metadata: dict[str, Any], where: dict[str, Any] | None) -> bool:
    return all(
        _compare(op, metadata.get(key), expected)
        for key, condition in (where or {}).items()
        for op, expected in condition.items()
    )


class PineconeHandler(_Base):
    def body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        self.too_large = length > 2 * 1024 * 1024
        return json.loads(self.rfile.read(length) or b"{}")

    def do_GET(self) -> None:
        if urlparse(self.path).path == "/describe_index_stats":
            return self.stats()
        self.reply(404, {"message": "not found"})

    def do_POST(self) -> None:
        path = urlparse(self.path).path
        body = self.body()
        if path == "/describe_index_stats":
            return self.stats()
        if path == "/embed":
            return self.embed(body)
        ns = self.state.namespaces.setdefault(body.get("namespace", ""), {})
        if path == "/vectors/upsert":
            self.state.upsert_requests += 1
            if self.state.upsert_faults:
                status = self.state.upsert_faults.pop(0)
                return self.reply(status, {"code": status, "message": "injected", "details": []})
            vectors = body["vectors"]
            if self.too_large:
                return self.reply(400, {"code": 3, "message": "request size exceeds 2MB"})
            if len(vectors) > self.state.max_batch:
                return self.reply(400, {"code": 3, "message": "too many vectors"})
            for vector in vectors:
                if len(vector["values"]) != self.state.dimension:
                    msg = (
                        f"Vector dimension {len(vector['values'])} does not match the dimension of the index"
                    )
                    return self.reply(400, {"code": 3, "message": msg})
            for vector in vectors:
                ns[vector["id"]] = vector
            return self.reply(200, {"upsertedCount": len(vectors)})
        if path == "/query":
            query = body["vector"]
            scored = []
            for vector in ns.values():
                if _matches(vector.get("metadata", {}), body.get("filter")):
                    score = sum(a * b for a, b in zip(query, vector["values"], strict=True))
                    scored.append((score, vector))
            scored.sort(key=lambda sv: -sv[0])
            matches = [
                {"id": v["id"], "score": s, "values": [], "metadata": v.get("metadata", {})}
                for s, v in scored[: body["topK"]]
            ]
            return self.reply(200, {"matches": matches, "namespace": body.get("namespace", "")})
        if path == "/vectors/delete":
            if body.get("deleteAll"):
                ns.clear()
            for vector_id in body.get("ids") or []:
                ns.pop(vector_id, None)
            if body.get("filter"):
                for vector_id in [
                    k for k, v in ns.items() if _matches(v.get("metadata", {}), body["filter"])
                ]:
                    del ns[vector_id]
            return self.reply(200, {})
        self.reply(404, {"message": "not found"})

    def embed(self, body: dict[str, Any]) -> None:
        # Deterministic stand-in vectors of the hosted model's size; the test checks plumbing, not meaning.
        size = self.state.embed_dimension
        data = []
        for item in body["inputs"]:
            seed = sum(map(ord, item["text"])) or 1
            data.append(
                {"values": [((seed * (i + 1)) % 97) / 97 for i in range(size)], "vector_type": "dense"}
            )
        self.state.embed_requests.append(body)
        self.reply(
            200,
            {
                "model": body["model"],
                "vector_type": "dense",
                "data": data,
                "usage": {"total_tokens": 3 * len(data)},
            },
        )

    def stats(self) -> None:
        namespaces = {name: {"vectorCount": len(v)} for name, v in self.state.namespaces.items()}
        self.reply(
            200,
            {
                "namespaces": namespaces,
                "dimension": self.state.dimension,
                "indexFullness": 0.0,
                "totalVectorCount": sum(len(v) for v in self.state.namespaces.values()),
            },
        )
