from __future__ import annotations

import time

from serverless.miner import TemplateMiner
from serverless.records import LineParser, mask


def parser(max_bytes: int = 1000) -> LineParser:
    return LineParser(known_services=("orders", "inventory"), max_bytes=max_bytes, max_skew_s=60)


def test_json_line_is_normalised_when_it_is_our_request_format() -> None:
    line = (
        b'{"ts":"2026-12-03T10:00:00.250+00:00","level":"warning","service":"orders","message":"request",'
        b'"request_id":"abc","method":"POST","route":"/orders","path":"/orders","status":409,"latency_ms":12.5}'
    )
    record = parser().parse(line, service="orders", fallback_ts=0, now=time.time())
    assert record is not None
    assert (record.service, record.level, record.route, record.method, record.status) == (
        "orders",
        "warning",
        "/orders",
        "POST",
        409,
    )
    assert record.ts == 1796292000.25
    assert record.latency_ms == 12.5
    assert record.request_id == "abc"


def test_plain_text_line_keeps_its_level_and_time_when_it_is_not_json() -> None:
    p = parser()
    record = p.parse(
        b"2026-12-03 10:00:00,5 ERROR worker lost connection", service="orders", fallback_ts=1, now=2e9
    )
    assert record is not None
    assert (record.level, record.message, record.ts) == ("error", "worker lost connection", 1796292000.5)
    assert p.bad["non_json"] == 1


def test_huge_line_is_capped_when_longer_than_the_limit() -> None:
    p = parser(max_bytes=100)
    record = p.parse(b'{"message": "' + b"x" * 10_000 + b'"}', service="orders", fallback_ts=1, now=2)
    assert record is not None
    assert len(record.line) == 100
    assert p.bad["truncated"] == 1


def test_invalid_utf8_is_replaced_when_bytes_do_not_decode() -> None:
    p = parser()
    record = p.parse(b"ERROR caf\xe9 \xff broken", service="orders", fallback_ts=1, now=2)
    assert record is not None
    assert "\ufffd" in record.message
    assert p.bad["invalid_utf8"] == 1


def test_unknown_service_is_set_aside_when_the_line_names_another_service() -> None:
    p = parser()
    record = p.parse(
        b'{"service":"mystery","message":"hi","level":"info"}', service="orders", fallback_ts=1, now=2
    )
    assert record is not None
    assert record.service == "unknown"
    assert p.bad["unknown_service"] == 1


def test_future_time_is_clamped_when_the_clock_is_skewed() -> None:
    p = parser()
    now = time.time()
    future = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now + 7200))
    record = p.parse(
        f'{{"ts":"{future}","service":"orders","message":"m"}}'.encode(),
        service="orders",
        fallback_ts=0,
        now=now,
    )
    assert record is not None
    assert record.ts == now
    assert p.bad["clock_skew"] == 1


def test_empty_line_is_counted_when_blank() -> None:
    p = parser()
    assert p.parse(b"   ", service="orders", fallback_ts=0, now=1) is None
    assert p.bad["empty"] == 1


def test_mask_hides_secrets_emails_and_tokens_when_present() -> None:
    text = mask(
        "user ana@example.com password=hunter2 Authorization: Bearer abc.def.ghijklmnop "
        "key sk_live_0123456789abcdef dsn postgresql://app:s3cret@db:5432/orders"
    )
    for secret in ("ana@example.com", "hunter2", "abc.def.ghijklmnop", "sk_live_0123456789abcdef", "s3cret"):
        assert secret not in text


def test_similar_lines_share_a_template_when_only_variables_differ() -> None:
    miner = TemplateMiner()
    first = miner.add("orders", "reservation 8f14e45f-ceea-467f-a8d5-0123456789ab expired after 900 s")
    second = miner.add("orders", "reservation 1b6453892473a467d07372d45eb05abc2031647a expired after 901 s")
    other = miner.add("orders", "order placement failed: inventory unavailable")
    assert first.id == second.id != other.id
    assert first.text == "reservation <*> expired after <*> s"


def test_template_ids_survive_when_state_is_saved_and_loaded() -> None:
    miner = TemplateMiner()
    template = miner.add("orders", "payment declined for order 42")
    again = TemplateMiner.loads(miner.dumps()).add("orders", "payment declined for order 43")
    assert again.id == template.id
