"""One document per service, template and time window: what the vectors stand for.

`DocState` holds everything needed to rebuild a document, and is merged line by line, so a
window whose lines arrive over several runs still becomes one document with full counts.
"""

from __future__ import annotations

import bisect

import msgspec

from serverless.records import LEVELS, LogRecord, level_rank, mask

# Latency histogram bounds in ms; mergeable across runs, unlike a list of samples.
LATENCY_BOUNDS_MS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000)
MAX_EXAMPLE_CHARS = 300
MAX_ROUTES = 10


class DocState(msgspec.Struct, kw_only=True):
    service: str
    template_id: str
    window_start: int
    window_s: int
    count: int = 0
    levels: dict[str, int] = {}
    statuses: dict[str, int] = {}
    routes: dict[str, int] = {}
    first_seen: float = 0.0
    last_seen: float = 0.0
    latency_buckets: list[int] = []
    latency_count: int = 0
    latency_sum_ms: float = 0.0
    latency_max_ms: float = 0.0
    examples: list[str] = []
    samples: list[str] = []
    example_levels: list[str] = []

    @property
    def id(self) -> str:
        return document_id(self.service, self.template_id, self.window_start)

    @property
    def worst_level(self) -> str:
        return max(self.levels, key=level_rank, default="info")

    def add(self, record: LogRecord, *, examples: int) -> None:
        self.count += 1
        self.levels[record.level] = self.levels.get(record.level, 0) + 1
        if record.status:
            key = str(record.status)
            self.statuses[key] = self.statuses.get(key, 0) + 1
        if record.route and (record.route in self.routes or len(self.routes) < MAX_ROUTES):
            route = f"{record.method} {record.route}".strip()
            self.routes[route] = self.routes.get(route, 0) + 1
        self.first_seen = record.ts if not self.first_seen else min(self.first_seen, record.ts)
        self.last_seen = max(self.last_seen, record.ts)
        if record.latency_ms >= 0:
            if not self.latency_buckets:
                self.latency_buckets = [0] * (len(LATENCY_BOUNDS_MS) + 1)
            self.latency_buckets[bisect.bisect_left(LATENCY_BOUNDS_MS, record.latency_ms)] += 1
            self.latency_count += 1
            self.latency_sum_ms += record.latency_ms
            self.latency_max_ms = max(self.latency_max_ms, record.latency_ms)
        # Keep the first examples, but let a line worse than all of them take the last slot.
        rank = level_rank(record.level)
        full = len(self.examples) >= examples
        if not full or (examples and rank > max(map(level_rank, self.example_levels), default=0)):
            line = mask(record.line or record.content)[:MAX_EXAMPLE_CHARS]
            sample = mask(_readable(record))[:MAX_EXAMPLE_CHARS]
            if full:
                self.examples[-1], self.samples[-1], self.example_levels[-1] = line, sample, record.level
            else:
                self.examples.append(line)
                self.samples.append(sample)
                self.example_levels.append(record.level)

    def latency_quantile(self, q: float) -> float | None:
        if not self.latency_count:
            return None
        rank = q * self.latency_count
        seen = 0
        for i, n in enumerate(self.latency_buckets):
            seen += n
            if seen >= rank:
                return float(LATENCY_BOUNDS_MS[i]) if i < len(LATENCY_BOUNDS_MS) else self.latency_max_ms
        return self.latency_max_ms

    def text(self, template: str) -> str:
        """The text that is embedded: what happened, where, how often and how badly."""
        levels = ", ".join(
            f"{n} {lvl}" for lvl, n in sorted(self.levels.items(), key=lambda kv: -level_rank(kv[0]))
        )
        parts = [f"{self.service} service {self.worst_level} logs: {template}"]
        if self.samples:
            # Two short examples: the embedding model reads 128 tokens, the template comes first.
            parts.append("Examples: " + " | ".join(sample[:160] for sample in self.samples[:2]))
        parts.append(f"Levels: {levels}.")
        if self.statuses:
            parts.append(
                "HTTP statuses: " + ", ".join(f"{s} x{n}" for s, n in sorted(self.statuses.items())) + "."
            )
        if self.routes:
            parts.append("Routes: " + ", ".join(list(self.routes)[:5]) + ".")
        if self.latency_count:
            parts.append(
                f"Latency p50 {self.latency_quantile(0.5):.0f} ms, p95 {self.latency_quantile(0.95):.0f} ms, "
                f"max {self.latency_max_ms:.0f} ms."
            )
        return "\n".join(parts)

    def metadata(self, template: str, *, embedder: str) -> dict[str, str | int | float | bool | list[str]]:
        """Filterable fields (service, levels, window, counts) plus what a reader needs to see."""
        meta: dict[str, str | int | float | bool | list[str]] = {
            "service": self.service,
            "template_id": self.template_id,
            "template": template[:1000],
            "level": self.worst_level,
            "levels": sorted(self.levels, key=level_rank),
            "count": self.count,
            "error_count": self.levels.get("error", 0) + self.levels.get("critical", 0),
            "window_start": self.window_start,
            "window_end": self.window_start + self.window_s,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "statuses": sorted(self.statuses),
            "routes": list(self.routes)[:MAX_ROUTES],
            "examples": self.examples,
            "embedder": embedder,
        }
        for level in LEVELS:
            if level in self.levels:
                meta[f"count_{level}"] = self.levels[level]
        for status, n in self.statuses.items():
            meta[f"count_status_{status}"] = n
        if self.latency_count:
            meta["latency_p50_ms"] = self.latency_quantile(0.5) or 0.0
            meta["latency_p95_ms"] = self.latency_quantile(0.95) or 0.0
            meta["latency_max_ms"] = self.latency_max_ms
            meta["latency_mean_ms"] = round(self.latency_sum_ms / self.latency_count, 3)
        return meta


def document_id(service: str, template_id: str, window_start: int) -> str:
    return f"{service}:{template_id}:{window_start}"


def _readable(record: LogRecord) -> str:
    parts = [record.level, record.message]
    if record.method or record.route:
        parts.append(f"{record.method} {record.route}".strip())
    if record.status:
        parts.append(f"status {record.status}")
    if record.latency_ms >= 0:
        parts.append(f"{record.latency_ms:.0f} ms")
    if record.error:
        parts.append(record.error)
    return " ".join(p for p in parts if p)
