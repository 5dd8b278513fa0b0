"""The hand-off between ingest and vectorize: a Redis stream read through a consumer group.

One stream entry carries one batch of records (msgpack). Ingest adds a batch and moves its
checkpoint in one Lua script, XADD first: either both happen or neither, so a crash between
them cannot lose or repeat lines. The batch id is derived from the source position, and a
batch id seen before is not added again, so replaying a source range duplicates nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import msgspec
import redis

from serverless.records import LogRecord

CHECKPOINTS_KEY = "logpipeline:checkpoints"
_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(list[LogRecord]).decode

_HAND_ON = """
local added = 0
if redis.call('SET', KEYS[3], '1', 'NX', 'EX', tonumber(ARGV[6])) then
  redis.call('XADD', KEYS[1], '*', 'id', ARGV[1], 'n', ARGV[2], 'data', ARGV[3])
  added = 1
end
redis.call('HSET', KEYS[2], ARGV[4], ARGV[5])
return added
"""


@dataclass(frozen=True, slots=True)
class Batch:
    entry_id: str
    batch_id: str
    records: list[LogRecord]


class LineStream:
    """Producer and consumer sides of the stream; the Redis client is the caller's."""

    def __init__(self, client: redis.Redis, *, key: str, group: str, dedupe_ttl_s: int = 7 * 86400) -> None:
        self.client = client
        self.key = key
        self.group = group
        self.dedupe_ttl_s = dedupe_ttl_s
        self._hand_on = client.register_script(_HAND_ON)

    def get_checkpoint(self, name: str) -> bytes | None:
        return self.client.hget(CHECKPOINTS_KEY, name)

    def hand_on(self, records: list[LogRecord], *, batch_id: str, checkpoint: tuple[str, bytes]) -> bool:
        """Add one batch and move the checkpoint atomically; False when the batch was seen before."""
        name, value = checkpoint
        if not records:
            self.client.hset(CHECKPOINTS_KEY, name, value)
            return False
        added = self._hand_on(
            keys=[self.key, CHECKPOINTS_KEY, f"logpipeline:batch:{batch_id}"],
            args=[batch_id, len(records), _encode(records), name, value, self.dedupe_ttl_s],
        )
        return bool(added)

    def ensure_group(self) -> None:
        try:
            self.client.xgroup_create(self.key, self.group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def read(self, *, consumer: str, count: int, max_batches: int) -> Iterator[Batch]:
        """Yield entries this consumer was given but never acknowledged, then new ones."""
        self.ensure_group()
        seen = 0
        for start in ("0", ">"):
            last = start
            while seen < max_batches:
                response = self.client.xreadgroup(
                    self.group, consumer, {self.key: last}, count=min(count, max_batches - seen)
                )
                entries = response[0][1] if response else []
                # Pending entries already deleted by trimming come back with no fields.
                entries = [(entry_id, fields) for entry_id, fields in entries if fields]
                if not entries:
                    break
                for entry_id, fields in entries:
                    seen += 1
                    yield Batch(_text(entry_id), _text(fields[b"id"]), _decode(fields[b"data"]))
                if start == "0":
                    last = _text(entries[-1][0])

    def ack(self, entry_ids: list[str]) -> None:
        """Acknowledge and delete handled entries, so the stream holds only the backlog."""
        if entry_ids:
            pipe = self.client.pipeline(transaction=True)
            pipe.xack(self.key, self.group, *entry_ids)
            pipe.xdel(self.key, *entry_ids)
            pipe.execute()

    def backlog(self) -> int:
        """Entries not yet acknowledged by the group (pending plus never delivered)."""
        self.ensure_group()
        for group in self.client.xinfo_groups(self.key):
            if _text(group["name"]) == self.group:
                lag = group.get("lag")
                pending = int(group.get("pending") or 0)
                if lag is None:
                    return int(self.client.xlen(self.key))
                return pending + int(lag)
        return int(self.client.xlen(self.key))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
