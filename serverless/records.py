"""Parse one log line (our JSON format or plain text) into a normalised `LogRecord`.

Lines are parsed defensively: a bad line becomes a record plus a reason in a closed set
(`BAD_LINE_REASONS`), which the caller counts, never an exception.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import msgspec

BAD_LINE_REASONS = ("non_json", "truncated", "invalid_utf8", "unknown_service", "clock_skew", "empty")
LEVELS = ("debug", "info", "warning", "error", "critical")
_LEVEL_RANK = {name: rank for rank, name in enumerate(LEVELS)}
_LEVEL_ALIASES = {
    "trace": "debug",
    "debug": "debug",
    "info": "info",
    "success": "info",
    "notice": "info",
    "warn": "warning",
    "warning": "warning",
    "err": "error",
    "error": "error",
    "fatal": "critical",
    "critical": "critical",
    "crit": "critical",
    "panic": "critical",
}
UNKNOWN_SERVICE = "unknown"


class LogRecord(msgspec.Struct, array_like=True, frozen=True):
    """One normalised line; `ts` is Unix seconds, `latency_ms` is -1 when absent."""

    ts: float
    service: str
    level: str
    message: str
    route: str = ""
    method: str = ""
    status: int = 0
    latency_ms: float = -1.0
    request_id: str = ""
    error: str = ""
    # The line as read (capped and decoded), kept for masked examples.
    line: str = ""

    @property
    def content(self) -> str:
        """The text templates are mined from: what happened, without the when and who."""
        parts = [self.message]
        if self.method or self.route:
            parts.append(f"{self.method} {self.route}".strip())
        if self.status:
            # The status class survives masking ("5xx"), so failures and successes of one
            # route mine to different templates; exact statuses are counted per document.
            parts.append(f"{self.status // 100}xx")
        if self.error:
            parts.append(self.error)
        return " ".join(parts)


class _JsonLine(msgspec.Struct):
    # Only the fields we normalise; everything else in the line is ignored here.
    ts: str = ""
    level: str = ""
    service: str = ""
    message: str = ""
    route: str = ""
    path: str = ""
    method: str = ""
    status: int | None = None
    latency_ms: float | None = None
    request_id: str = ""
    error: str = ""


_decode_json = msgspec.json.Decoder(_JsonLine).decode
_decode_any = msgspec.json.Decoder().decode
_PLAIN = re.compile(
    r"^\s*(?:\[?(?P<ts>\d{4}-\d\d-\d\d[T ][\d:.,]+(?:Z|[+-]\d\d:?\d\d)?)\]?\s+)?"
    r"(?:\[?(?P<level>TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRITICAL|CRIT|PANIC)\]?[:\s]+)?"
    r"(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)


def normalise_level(value: str) -> str:
    return _LEVEL_ALIASES.get(value.strip().lower(), "info")


def level_rank(level: str) -> int:
    return _LEVEL_RANK.get(level, 1)


def parse_timestamp(value: str) -> float | None:
    """Return Unix seconds for an ISO 8601 time (naive means UTC), or None."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace(",", ".", 1) if "," in value else value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


class LineParser:
    """Turn raw lines into records; one parser per source, reasons collected in `bad`."""

    def __init__(self, *, known_services: tuple[str, ...], max_bytes: int, max_skew_s: float) -> None:
        self.known = frozenset(known_services)
        self.max_bytes = max_bytes
        self.max_skew_s = max_skew_s
        self.bad: dict[str, int] = dict.fromkeys(BAD_LINE_REASONS, 0)

    def parse(self, raw: bytes, *, service: str, fallback_ts: float, now: float) -> LogRecord | None:
        """Parse one line without its newline; None for an empty line (counted)."""
        if len(raw) > self.max_bytes:
            raw = raw[: self.max_bytes]
            self.bad["truncated"] += 1
        try:
            text = raw.decode()
        except UnicodeDecodeError:
            text = raw.decode("utf-8", "replace")
            self.bad["invalid_utf8"] += 1
        text = text.rstrip("\r")
        if not text.strip():
            self.bad["empty"] += 1
            return None
        record = self._parse_json(text, service, fallback_ts) if text.startswith("{") else None
        if record is None:
            self.bad["non_json"] += 1
            record = self._parse_plain(text, service, fallback_ts)
        if record.service not in self.known:
            self.bad["unknown_service"] += 1
            record = msgspec.structs.replace(record, service=UNKNOWN_SERVICE)
        if record.ts > now + self.max_skew_s:
            self.bad["clock_skew"] += 1
            record = msgspec.structs.replace(record, ts=now)
        return record

    def _parse_json(self, text: str, service: str, fallback_ts: float) -> LogRecord | None:
        try:
            line = _decode_json(text)
        except msgspec.ValidationError:
            line = self._lax(text)
        except msgspec.DecodeError:
            return None
        if line is None:
            return None
        ts = parse_timestamp(line.ts)
        return LogRecord(
            ts=fallback_ts if ts is None else ts,
            service=line.service or service,
            level=normalise_level(line.level),
            message=line.message,
            route=line.route or line.path,
            method=line.method,
            status=line.status or 0,
            latency_ms=-1.0 if line.latency_ms is None else float(line.latency_ms),
            request_id=line.request_id,
            error=line.error,
            line=text,
        )

    @staticmethod
    def _lax(text: str) -> _JsonLine | None:
        # A JSON object whose fields have unexpected types (status "500", level 3): coerce.
        try:
            raw = _decode_any(text)
        except msgspec.DecodeError:
            return None
        if not isinstance(raw, dict):
            return None
        fields = {k: raw[k] for k in _JsonLine.__struct_fields__ if k in raw and raw[k] is not None}
        for key in ("ts", "level", "service", "message", "route", "path", "method", "request_id", "error"):
            if key in fields and not isinstance(fields[key], str):
                fields[key] = str(fields[key])
        try:
            return msgspec.convert(fields, _JsonLine, strict=False)
        except msgspec.ValidationError:
            fields.pop("status", None)
            fields.pop("latency_ms", None)
            return msgspec.convert(fields, _JsonLine, strict=False)

    @staticmethod
    def _parse_plain(text: str, service: str, fallback_ts: float) -> LogRecord:
        match = _PLAIN.match(text)
        assert match is not None  # the pattern matches any string
        ts = parse_timestamp((match["ts"] or "").replace(" ", "T", 1))
        return LogRecord(
            ts=fallback_ts if ts is None else ts,
            service=service,
            level=normalise_level(match["level"] or "info"),
            message=match["rest"].strip(),
            line=text,
        )


# Masking for example lines that are stored and shown: secrets, credentials, emails, tokens.
_MASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)\b(bearer|basic)\s+[a-z0-9._~+/=-]{8,}"), r"\1 <redacted>"),
    (re.compile(r"\beyJ[a-zA-Z0-9_-]{5,}\.[a-zA-Z0-9_-]{5,}\.[a-zA-Z0-9_-]*"), "<jwt>"),
    (re.compile(r"(?i)([a-z][a-z0-9+.-]*://[^:/\s@]+:)[^@\s]+@"), r"\1<redacted>@"),
    (
        re.compile(
            r"(?i)(\"?\b(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|authorization|auth|"
            r"session|cookie|access[_-]?key|private[_-]?key|client[_-]?secret)\"?\s*[:=]\s*\"?)([^\s\",&;]+)"
        ),
        r"\1<redacted>",
    ),
    (re.compile(r"\b(?:sk|pk|rk|pcsk|gsk|xox[bap]|ghp|gho|AKIA)[_-]?[A-Za-z0-9_-]{12,}"), "<token>"),
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"), "<email>"),
    (re.compile(r"\b(?:\d[ -]?){13,19}\b"), "<number>"),
    (re.compile(r"\b[A-Fa-f0-9]{32,}\b"), "<hex>"),
)


def mask(text: str) -> str:
    """Hide secrets, credentials, emails and tokens in `text`."""
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return text
