from __future__ import annotations

import os
import time
from pathlib import Path

import msgspec
import redis

from serverless.ingest_logs import run_ingest
from serverless.records import LogRecord
from serverless.settings import PipelineSettings
from tests.serverless.conftest import json_line, request_line, write_lines
from tests.serverless.fakes import LokiState

STREAM = "logpipeline:lines"


def streamed(client: redis.Redis) -> list[LogRecord]:
    decode = msgspec.msgpack.Decoder(list[LogRecord]).decode
    return [r for _, fields in client.xrange(STREAM) for r in decode(fields[b"data"])]


def orders_lines(start: float, n: int) -> list[str]:
    return [request_line(start + i, "orders", status=201, route="/orders", method="POST") for i in range(n)]


def with_env(settings: PipelineSettings, **changes: str) -> PipelineSettings:
    return msgspec.structs.replace(settings, **changes)


# --- local files -------------------------------------------------------------------------


def test_file_lines_reach_the_stream_once_when_ingest_runs_twice(settings, redis_client) -> None:
    write_lines(settings.log_dir / "orders.log", orders_lines(time.time() - 100, 120))
    first = run_ingest(settings)
    second = run_ingest(settings)
    assert (first.outcome, first.lines_read, first.batches_handed_on) == ("ok", 120, 3)
    assert second.lines_read == 0
    assert len(streamed(redis_client)) == 120


def test_only_new_lines_are_read_when_the_file_grows(settings, redis_client) -> None:
    path = settings.log_dir / "orders.log"
    write_lines(path, orders_lines(time.time() - 100, 10))
    run_ingest(settings)
    write_lines(path, orders_lines(time.time() - 50, 7))
    summary = run_ingest(settings)
    assert summary.lines_read == 7
    assert len(streamed(redis_client)) == 17


def test_partial_last_line_waits_when_the_writer_is_mid_line(settings, redis_client) -> None:
    path = settings.log_dir / "orders.log"
    full = json_line(time.time(), "orders", "tail line")
    with path.open("w") as f:
        f.write(json_line(time.time(), "orders", "first") + "\n" + full[:20])
    assert run_ingest(settings).lines_read == 1
    with path.open("a") as f:
        f.write(full[20:] + "\n")
    run_ingest(settings)
    assert [r.message for r in streamed(redis_client)] == ["first", "tail line"]


def test_rotated_file_is_finished_then_new_file_read_when_logs_rotate(settings, redis_client) -> None:
    path = settings.log_dir / "orders.log"
    write_lines(path, orders_lines(time.time() - 100, 5))
    run_ingest(settings)
    write_lines(path, [json_line(time.time(), "orders", "written before rotation")])
    path.rename(settings.log_dir / "orders.log.1")
    write_lines(path, [json_line(time.time(), "orders", "written after rotation")])
    summary = run_ingest(settings)
    assert summary.lines_read == 2
    assert [r.message for r in streamed(redis_client)][-2:] == [
        "written before rotation",
        "written after rotation",
    ]


def test_file_is_read_from_the_start_when_it_was_truncated(settings, redis_client) -> None:
    path = settings.log_dir / "orders.log"
    write_lines(path, orders_lines(time.time() - 100, 30))
    run_ingest(settings)
    write_lines(path, [json_line(time.time(), "orders", "after truncation")], mode="w")
    summary = run_ingest(settings)
    assert summary.lines_read == 1
    assert streamed(redis_client)[-1].message == "after truncation"


def test_bad_lines_are_counted_and_kept_when_the_file_mixes_formats(settings, redis_client) -> None:
    path = settings.log_dir / "orders.log"
    with path.open("wb") as f:
        f.write(b"plain WARNING text line\n")
        f.write(b'{"service":"orders","message":"caf\xe9","level":"info"}\n')
        f.write(b'{"service":"ghost","message":"who","level":"info"}\n')
        f.write(b'{"service":"orders","message":"' + b"y" * 40_000 + b'"}\n')
        f.write(b"\n")
    summary = run_ingest(settings)
    assert summary.lines_read == 4
    assert summary.bad_lines == {
        "non_json": 2,
        "invalid_utf8": 1,
        "unknown_service": 1,
        "truncated": 1,
        "empty": 1,
    }


def test_nothing_is_lost_or_repeated_when_redis_restarts_mid_run(settings, tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis")
    try:
        settings = with_env(settings, redis_url=server.url, batch_lines=10)
        write_lines(settings.log_dir / "orders.log", orders_lines(time.time() - 500, 100))
        first = run_ingest(settings, event={"max_lines": 40})
        server.stop()
        down = run_ingest(settings)
        server.start()
        after = run_ingest(settings)
        client = redis.Redis.from_url(server.url)
        messages = streamed(client)
        client.close()
    finally:
        server.stop()
    assert first.lines_read == 40
    assert down.outcome == "failed"
    assert "redis unavailable" in down.errors[0]
    assert after.lines_read == 60
    assert [r.ts for r in messages] == sorted({r.ts for r in messages})
    assert len(messages) == 100


class RedisServer:
    """A private redis-server with an append-only file, so a restart keeps what was written."""

    def __init__(self, directory: Path) -> None:
        import socket
        import subprocess

        directory.mkdir()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.argv = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--dir",
            str(directory),
        ]
        self._popen = subprocess.Popen
        self.process = None
        self.start()

    def start(self) -> None:
        import subprocess

        self.process = self._popen(self.argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                redis.Redis(port=self.port).ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


# --- Loki --------------------------------------------------------------------------------


def loki_settings(settings: PipelineSettings, url: str, **changes: object) -> PipelineSettings:
    return msgspec.structs.replace(settings, loki_url=url, loki_page_limit=25, **changes)


def fill_loki(state: LokiState, *, service: str, n: int, start: float) -> None:
    for i in range(n):
        ts = start + i * 0.5
        level = "error" if i % 5 == 0 else "info"
        state.push(service, level, int(ts * 1e9), json_line(ts, service, f"event {i}", level))


def test_loki_is_paged_forward_within_its_limit_when_many_lines_wait(settings, redis_client, loki) -> None:
    url, state = loki
    fill_loki(state, service="orders", n=120, start=time.time() - 600)
    summary = run_ingest(loki_settings(settings, url), event={"services": ["orders"]})
    assert (summary.outcome, summary.lines_read) == ("ok", 120)
    assert [r.message for r in streamed(redis_client)] == [f"event {i}" for i in range(120)]
    assert all(q["direction"] == "forward" and q["limit"] == "25" for q in state.requests)
    assert len(state.requests) >= 5


def test_lines_sharing_a_nanosecond_are_taken_once_when_a_page_ends_among_them(
    settings, redis_client, loki
) -> None:
    url, state = loki
    ns = int((time.time() - 60) * 1e9)
    for i in range(40):
        state.push("orders", "info", ns + (i // 10), json_line(time.time(), "orders", f"same-ns {i}"))
    run_ingest(loki_settings(settings, url), event={"services": ["orders"]})
    run_ingest(loki_settings(settings, url), event={"services": ["orders"]})
    assert sorted(r.message for r in streamed(redis_client)) == sorted(f"same-ns {i}" for i in range(40))


def test_ingest_retries_when_loki_answers_429_and_503(settings, redis_client, loki) -> None:
    url, state = loki
    fill_loki(state, service="orders", n=10, start=time.time() - 60)
    state.faults = [429, 503]
    summary = run_ingest(loki_settings(settings, url), event={"services": ["orders"]})
    assert (summary.outcome, summary.lines_read) == ("ok", 10)


def test_run_stops_and_next_run_resumes_when_loki_stays_down(settings, redis_client, loki) -> None:
    url, state = loki
    fill_loki(state, service="orders", n=100, start=time.time() - 600)
    cfg = loki_settings(settings, url, loki_timeout_s=0.5)
    # A budget-limited run lands some pages; then Loki fails (a timeout, then 5xx) past the retry budget.
    first = run_ingest(cfg, event={"services": ["orders"], "max_lines": 50})
    state.faults = ["hang", 500, 502]
    down = run_ingest(cfg, event={"services": ["orders"]})
    after = run_ingest(cfg, event={"services": ["orders"]})
    assert 50 <= first.lines_read < 100
    assert down.outcome == "failed"
    assert "loki" in down.errors[0]
    assert first.lines_read + after.lines_read == 100
    assert [r.message for r in streamed(redis_client)] == [f"event {i}" for i in range(100)]


def test_empty_window_moves_the_checkpoint_when_loki_has_no_lines(settings, redis_client, loki) -> None:
    url, _ = loki
    summary = run_ingest(loki_settings(settings, url), event={"services": ["orders"]})
    assert (summary.outcome, summary.lines_read) == ("ok", 0)
    assert redis_client.hget("logpipeline:checkpoints", "loki:orders") is not None


def test_first_run_reads_only_the_lookback_when_loki_holds_old_lines(settings, redis_client, loki) -> None:
    url, state = loki
    fill_loki(state, service="orders", n=10, start=time.time() - 7 * 86400)
    fill_loki(state, service="orders", n=5, start=time.time() - 60)
    summary = run_ingest(loki_settings(settings, url), event={"services": ["orders"]})
    assert summary.lines_read == 5
    assert os.environ["SLS_REDIS_URL"]
