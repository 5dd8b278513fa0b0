"""Where lines come from: the local runner's JSON-lines files, or Loki's `query_range`.

Each source yields `Page`s: records plus the checkpoint that is true once the page has been
handed on. The caller hands the page on and stores the checkpoint in the same step
(`LineStream.hand_on`), so a source never moves its own checkpoint.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import msgspec
from loguru import logger

from serverless.records import LineParser, LogRecord

CHUNK_BYTES = 1 << 20
_HEAD_BYTES = 128


@dataclass(frozen=True, slots=True)
class Page:
    records: list[LogRecord]
    batch_id: str
    checkpoint_name: str
    checkpoint: bytes
    # Newest line time in the page (Unix seconds), for the lag figure; 0 when empty.
    newest_ts: float = 0.0


class SourceUnavailable(Exception):
    """The source could not be read within the retry budget; the run stops cleanly."""

    def __init__(self, source: str, reason: str, detail: str) -> None:
        super().__init__(f"{source}: {reason}: {detail}")
        self.source = source
        self.reason = reason


def _batch_id(*parts: object) -> str:
    return hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=12).hexdigest()


# --- local JSON-lines files --------------------------------------------------------------


class FileCheckpoint(msgspec.Struct, kw_only=True):
    inode: int = 0
    offset: int = 0
    # Hash of the first bytes of the file: a copy-truncate rotation keeps the inode but not these.
    head: str = ""
    head_len: int = 0


def _head(path: Path, length: int) -> str:
    with path.open("rb") as f:
        return hashlib.blake2b(f.read(length), digest_size=8).hexdigest()


class FileSource:
    """Read `<log_dir>/<service>.log` from a byte offset; survives rotation and truncation."""

    def __init__(self, log_dir: Path, *, parser: LineParser, batch_lines: int) -> None:
        self.log_dir = log_dir
        self.parser = parser
        self.batch_lines = batch_lines
        self.events: dict[str, int] = {"rotated": 0, "truncated_file": 0, "rotated_lost": 0}

    def pages(self, service: str, raw_checkpoint: bytes | None, *, now: float) -> Iterator[Page]:
        name = f"file:{service}"
        cp = msgspec.json.decode(raw_checkpoint, type=FileCheckpoint) if raw_checkpoint else FileCheckpoint()
        path = self.log_dir / f"{service}.log"
        current = path.stat() if path.exists() else None
        if cp.inode and (current is None or current.st_ino != cp.inode):
            rotated = self._find_by_inode(service, cp.inode)
            if rotated is not None and self._same_head(rotated, cp):
                self.events["rotated"] += 1
                logger.bind(service=service, file=rotated.name).info(
                    "log file rotated; finishing the old one"
                )
                yield from self._read(rotated, service=service, name=name, cp=cp, now=now, final=True)
            else:
                self.events["rotated_lost"] += 1
                logger.bind(service=service).warning(
                    "log file replaced and the old one is gone; reading the new one"
                )
            cp = FileCheckpoint()
        if current is None:
            return
        cp.inode = current.st_ino
        if cp.offset > current.st_size or not self._same_head(path, cp):
            self.events["truncated_file"] += 1
            logger.bind(service=service, offset=cp.offset, size=current.st_size).warning(
                "log file truncated or rewritten; reading it from the start"
            )
            cp = FileCheckpoint(inode=current.st_ino)
        yield from self._read(path, service=service, name=name, cp=cp, now=now, final=False)

    def _find_by_inode(self, service: str, inode: int) -> Path | None:
        for candidate in sorted(self.log_dir.glob(f"{service}.log.*")):
            if candidate.stat().st_ino == inode:
                return candidate
        return None

    @staticmethod
    def _same_head(path: Path, cp: FileCheckpoint) -> bool:
        return not cp.head_len or _head(path, cp.head_len) == cp.head

    def _read(
        self, path: Path, *, service: str, name: str, cp: FileCheckpoint, now: float, final: bool
    ) -> Iterator[Page]:
        parse = self.parser.parse
        max_bytes = self.parser.max_bytes
        with path.open("rb") as f:
            size = path.stat().st_size
            head_len = min(_HEAD_BYTES, size)
            f.seek(0)
            head = hashlib.blake2b(f.read(head_len), digest_size=8).hexdigest()
            offset = cp.offset
            f.seek(offset)
            records: list[LogRecord] = []
            batch_start = offset
            newest = 0.0
            leftover = b""
            while True:
                chunk = f.read(CHUNK_BYTES)
                at_eof = not chunk
                data = leftover + chunk
                lines = data.split(b"\n")
                leftover = lines.pop()
                if at_eof and final and leftover:
                    lines.append(leftover)
                    leftover = b""
                elif len(leftover) > max_bytes:
                    # A line longer than the cap with no end in sight: keep its head only.
                    lines.append(leftover[:max_bytes])
                    leftover = b""
                for raw in lines:
                    offset += len(raw) + 1
                    record = parse(raw, service=service, fallback_ts=now, now=now)
                    if record is not None:
                        records.append(record)
                        newest = max(newest, record.ts)
                    if len(records) >= self.batch_lines:
                        yield self._page(
                            records,
                            name,
                            path,
                            cp.inode or path.stat().st_ino,
                            batch_start,
                            min(offset, size),
                            head,
                            head_len,
                            newest,
                        )
                        records, batch_start, newest = [], min(offset, size), 0.0
                if at_eof:
                    break
            end = min(offset, size) if not final else size
            if records or end != cp.offset:
                yield self._page(
                    records,
                    name,
                    path,
                    cp.inode or path.stat().st_ino,
                    batch_start,
                    end,
                    head,
                    head_len,
                    newest,
                )

    @staticmethod
    def _page(
        records: list[LogRecord],
        name: str,
        path: Path,
        inode: int,
        start: int,
        end: int,
        head: str,
        head_len: int,
        newest: float,
    ) -> Page:
        checkpoint = FileCheckpoint(inode=inode, offset=end, head=head, head_len=head_len)
        return Page(
            records=records,
            batch_id=_batch_id(name, inode, head, start, end),
            checkpoint_name=name,
            checkpoint=msgspec.json.encode(checkpoint),
            newest_ts=newest,
        )


# --- Loki --------------------------------------------------------------------------------


class LokiCheckpoint(msgspec.Struct, kw_only=True):
    ns: int = 0
    # Hashes of the lines already taken at exactly `ns`: pages overlap on their boundary.
    seen: list[str] = []


class LokiSource:
    """Page through `GET /loki/api/v1/query_range` per service, forward in time, within limits."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        parser: LineParser,
        page_limit: int,
        max_retries: int,
        initial_lookback_s: int,
        max_span_s: int,
        tenant: str = "",
    ) -> None:
        self.client = client
        self.parser = parser
        self.page_limit = page_limit
        self.max_retries = max_retries
        self.initial_lookback_s = initial_lookback_s
        self.max_span_s = max_span_s
        self.headers = {"X-Scope-OrgID": tenant} if tenant else {}
        self.retries = 0
        self.sleep = time.sleep

    def pages(self, service: str, raw_checkpoint: bytes | None, *, now: float) -> Iterator[Page]:
        name = f"loki:{service}"
        cp = msgspec.json.decode(raw_checkpoint, type=LokiCheckpoint) if raw_checkpoint else LokiCheckpoint()
        now_ns = int(now * 1e9)
        start = cp.ns or now_ns - self.initial_lookback_s * 1_000_000_000
        seen = set(cp.seen)
        end = min(now_ns, start + self.max_span_s * 1_000_000_000)
        for _ in range(1_000_000):  # bounded: each turn moves `start` forward
            entries = self._query(service, start=start, end=end)
            fresh = [(ts, line) for ts, line in entries if not (ts == start and _line_hash(ts, line) in seen)]
            if len(entries) >= self.page_limit:
                last = entries[-1][0]
                if last == start and not fresh:
                    # More lines share one nanosecond than a page holds: step past it (logged).
                    logger.bind(service=service, ns=start).warning(
                        "loki page full of one timestamp; skipping it"
                    )
                    last += 1
                new_seen = {_line_hash(ts, line) for ts, line in entries if ts == last}
                if last == start:
                    new_seen |= seen
                next_start, done = last, False
            else:
                new_seen = {_line_hash(ts, line) for ts, line in entries if ts == end}
                next_start, done = end, end >= now_ns
            records = [
                r
                for ts, line in fresh
                if (r := self.parser.parse(line.encode(), service=service, fallback_ts=ts / 1e9, now=now))
            ]
            checkpoint = LokiCheckpoint(ns=next_start, seen=sorted(new_seen))
            yield Page(
                records=records,
                batch_id=_batch_id(name, start, next_start, len(fresh), entries[-1][0] if entries else 0),
                checkpoint_name=name,
                checkpoint=msgspec.json.encode(checkpoint),
                newest_ts=max((r.ts for r in records), default=0.0),
            )
            start, seen = next_start, new_seen
            if done:
                return
            if next_start >= end:
                end = min(now_ns, start + self.max_span_s * 1_000_000_000)

    def _query(self, service: str, *, start: int, end: int) -> list[tuple[int, str]]:
        params = {
            "query": f'{{service="{service}"}}',
            "start": str(start),
            "end": str(end),
            "limit": str(self.page_limit),
            "direction": "forward",
        }
        for attempt in range(self.max_retries + 1):
            try:
                response = self.client.get("/loki/api/v1/query_range", params=params, headers=self.headers)
            except httpx.TimeoutException as exc:
                reason, detail, wait = "timeout", str(exc) or "timed out", None
            except httpx.TransportError as exc:
                reason, detail, wait = "unreachable", str(exc), None
            else:
                if response.status_code == 200:
                    return _entries(response.json())
                if response.status_code != 429 and response.status_code < 500:
                    raise SourceUnavailable("loki", f"http_{response.status_code}", response.text[:200])
                reason, detail = f"http_{response.status_code}", response.text[:200]
                wait = _retry_after(response)
            if attempt == self.max_retries:
                raise SourceUnavailable("loki", reason, detail)
            self.retries += 1
            delay = min(wait if wait is not None else 0.2 * 2**attempt, 5.0)
            logger.bind(service=service, reason=reason, attempt=attempt + 1, delay_s=delay).warning(
                "loki query failed; retrying"
            )
            self.sleep(delay)
        raise AssertionError("unreachable")


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers["retry-after"])
    except (KeyError, ValueError):
        return None


def _entries(body: dict) -> list[tuple[int, str]]:
    result = body.get("data", {}).get("result", [])
    entries = [(int(ts), line) for stream in result for ts, line, *_ in stream.get("values", [])]
    entries.sort(key=lambda entry: entry[0])
    return entries


def _line_hash(ts: int, line: str) -> str:
    return hashlib.blake2b(f"{ts}\n{line}".encode(), digest_size=8).hexdigest()
