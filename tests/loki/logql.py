"""A LogQL evaluator for the subset our queries use, with Loki's semantics for that subset.

Grafana and Loki cannot run here, so the queries in loki/README.md and the Logs dashboard are
evaluated by this module against real log lines. Supported, as Loki defines them:

- stream selectors `{a="x", b=~"re", c!="x", d!~"re"}` (regexes fully anchored);
- line filters `|= "s"`, `!= "s"`, `|~ "re"`, `!~ "re"`;
- `| json` (fields become labels; nested objects joined with `_`; a field that clashes with a
  stream label becomes `<name>_extracted`; a line that is not a JSON object gets
  `__error__="JSONParserErr"`);
- label filters `| name op value` with `= != =~ !~` on strings and `== != > >= < <=` on
  numbers (a missing label fails a numeric filter; a non-number sets `LabelFilterErr`);
- `| unwrap name` (a missing or non-numeric value sets `SampleExtractionErr`);
- range aggregations `count_over_time`, `rate`, `sum_over_time`, `avg_over_time`,
  `max_over_time`, `min_over_time`, `quantile_over_time` (with an optional `by (...)`);
- vector aggregations `sum`, `avg`, `max`, `min`, `count` with `by (...)` or `without (...)`.

A metric query over a line carrying `__error__` fails, as it does in Loki; `| __error__=""`
drops such lines first.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

Labels = dict[str, str]


@dataclass(frozen=True)
class Entry:
    ts: datetime
    line: str
    labels: Labels  # the stream's labels


class LogQLError(Exception):
    """The query is outside the subset, malformed, or fails as Loki would fail it."""


# --- tokens ----------------------------------------------------------------------------------

TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|`[^`]*`)
      | (?P<duration>\d+(?:ms|s|m|h|d))(?![\w.])
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op>\|=|\|~|!=|!~|=~|==|>=|<=|[|{}()\[\],=<>])
      | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.strip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if not match or match.end() == position:
            raise LogQLError(f"cannot parse at {text[position : position + 20]!r}")
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "string":
            value = json.loads(value) if value.startswith('"') else value[1:-1]
        tokens.append((kind, value))
        position = match.end()
    return tokens


class Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0

    def peek(self, offset: int = 0) -> tuple[str, str] | None:
        index = self.i + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self, kind: str | None = None, value: str | None = None) -> str:
        token = self.peek()
        if token is None or (kind and token[0] != kind) or (value and token[1] != value):
            raise LogQLError(f"expected {value or kind}, found {token}")
        self.i += 1
        return token[1]

    def at(self, value: str) -> bool:
        token = self.peek()
        return token is not None and token[1] == value and token[0] in {"op", "ident"}

    def done(self) -> None:
        if self.peek() is not None:
            raise LogQLError(f"unexpected {self.peek()}")


# --- log queries -----------------------------------------------------------------------------


def _matcher(op: str, value: str) -> Callable[[str], bool]:
    if op == "=":
        return lambda v: v == value
    if op == "!=":
        return lambda v: v != value
    pattern = re.compile(value)
    if op == "=~":
        return lambda v: pattern.fullmatch(v) is not None
    if op == "!~":
        return lambda v: pattern.fullmatch(v) is None
    raise LogQLError(f"bad matcher {op}")


@dataclass
class Stage:
    run: Callable[[str, Labels], tuple[str, Labels] | None]


@dataclass
class LogQuery:
    selector: list[tuple[str, Callable[[str], bool]]]
    stages: list[Stage] = field(default_factory=list)
    unwrap: str | None = None

    def select(self, entries: list[Entry]) -> list[tuple[Entry, Labels]]:
        """Entries that pass, each with its labels after the pipeline (stream + extracted)."""
        kept = []
        for entry in entries:
            if not all(test(entry.labels.get(name, "")) for name, test in self.selector):
                continue
            line, labels = entry.line, dict(entry.labels)
            for stage in self.stages:
                result = stage.run(line, labels)
                if result is None:
                    break
                line, labels = result
            else:
                kept.append((entry, labels))
        return kept


def _flatten(value: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat = {}
    for key, item in value.items():
        name = re.sub(r"[^A-Za-z0-9_]", "_", f"{prefix}{key}")
        if isinstance(item, dict):
            flat |= _flatten(item, f"{name}_")
        elif isinstance(item, list):
            continue  # Loki's json parser skips arrays without an expression.
        elif item is None:
            flat[name] = ""
        elif isinstance(item, bool):
            flat[name] = "true" if item else "false"
        elif isinstance(item, float) and item.is_integer():
            flat[name] = str(int(item)) if abs(item) < 1e21 else repr(item)
        else:
            flat[name] = str(item)
    return flat


def _json_stage() -> Stage:
    def run(line: str, labels: Labels) -> tuple[str, Labels]:
        try:
            parsed = json.loads(line)
            if not isinstance(parsed, dict):
                raise ValueError("not an object")
        except ValueError:
            return line, labels | {"__error__": "JSONParserErr"}
        extracted = {}
        for key, value in _flatten(parsed).items():
            # A field named like a label the line already has is renamed, as Loki does.
            extracted[f"{key}_extracted" if key in labels else key] = value
        return line, labels | extracted

    return Stage(run)


def _label_filter(name: str, op: str, kind: str, value: str) -> Stage:
    if kind == "string":
        test = _matcher(op, value)
        return Stage(lambda line, labels: (line, labels) if test(labels.get(name, "")) else None)
    threshold = float(value)
    compare = {
        "==": lambda a: a == threshold, "=": lambda a: a == threshold, "!=": lambda a: a != threshold,
        ">": lambda a: a > threshold, ">=": lambda a: a >= threshold,
        "<": lambda a: a < threshold, "<=": lambda a: a <= threshold,
    }[op]  # fmt: skip

    def run(line: str, labels: Labels) -> tuple[str, Labels] | None:
        if "__error__" in labels:
            return line, labels
        if name not in labels:
            return None
        try:
            number = float(labels[name])
        except ValueError:
            return line, labels | {"__error__": "LabelFilterErr"}
        return (line, labels) if compare(number) else None

    return Stage(run)


def parse_log_query(parser: Parser) -> LogQuery:
    parser.take("op", "{")
    selector = []
    while not parser.at("}"):
        name = parser.take("ident")
        op = parser.take("op")
        selector.append((name, _matcher(op, parser.take("string"))))
        if parser.at(","):
            parser.take()
    parser.take("op", "}")
    if not selector:
        raise LogQLError("a stream selector needs at least one matcher")
    query = LogQuery(selector)
    while (token := parser.peek()) and token[0] == "op" and token[1] in {"|=", "|~", "!=", "!~", "|"}:
        op = parser.take()
        if op != "|":
            needle = parser.take("string")
            test: Callable[[str], bool] = {
                "|=": lambda line, n=needle: n in line,
                "!=": lambda line, n=needle: n not in line,
                "|~": lambda line, p=re.compile(needle): p.search(line) is not None,
                "!~": lambda line, p=re.compile(needle): p.search(line) is None,
            }[op]
            query.stages.append(Stage(lambda line, labels, t=test: (line, labels) if t(line) else None))
            continue
        word = parser.take("ident")
        if word == "json":
            query.stages.append(_json_stage())
        elif word == "unwrap":
            query.unwrap = parser.take("ident")
        else:
            op = parser.take("op")
            kind, value = parser.peek() or ("", "")
            if kind not in {"string", "number", "duration"}:
                raise LogQLError(f"label filter {word} {op} needs a value")
            parser.take()
            query.stages.append(_label_filter(word, op, "string" if kind == "string" else "number", value))
    return query


# --- metric queries --------------------------------------------------------------------------

RANGE_FUNCTIONS = {"count_over_time", "rate", "sum_over_time", "avg_over_time", "max_over_time",
                   "min_over_time", "quantile_over_time"}  # fmt: skip
VECTOR_FUNCTIONS = {"sum", "avg", "max", "min", "count"}
UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}

Vector = dict[tuple[tuple[str, str], ...], float]


def _duration(text: str) -> timedelta:
    number, unit = re.fullmatch(r"(\d+)(ms|s|m|h|d)", text).groups()
    return timedelta(seconds=int(number) * UNITS[unit])


def _grouping(parser: Parser) -> tuple[str, list[str]] | None:
    if parser.at("by") or parser.at("without"):
        mode = parser.take()
        parser.take("op", "(")
        names = []
        while not parser.at(")"):
            names.append(parser.take("ident"))
            if parser.at(","):
                parser.take()
        parser.take("op", ")")
        return mode, names
    return None


def _group_key(labels: Labels, grouping: tuple[str, list[str]] | None) -> tuple[tuple[str, str], ...]:
    if grouping is None:
        return ()
    mode, names = grouping
    if mode == "by":
        kept = {n: labels[n] for n in names if labels.get(n)}
    else:
        kept = {n: v for n, v in labels.items() if n not in names}
    return tuple(sorted(kept.items()))


def quantile(q: float, values: list[float]) -> float:
    """Prometheus' (and Loki's) φ-quantile: linear interpolation between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Evaluator:
    entries: list[Entry]
    at: datetime

    def query(self, text: str) -> Vector | list[tuple[Entry, Labels]]:
        """A metric query gives {label set: value}; a log query gives the matching entries."""
        parser = Parser(text)
        result = self.expr(parser) if not parser.at("{") else parse_log_query(parser).select(self.entries)
        parser.done()
        return result

    def expr(self, parser: Parser) -> Vector:
        name = parser.take("ident")
        if name in VECTOR_FUNCTIONS:
            grouping = _grouping(parser)
            parser.take("op", "(")
            inner = self.expr(parser)
            parser.take("op", ")")
            grouping = grouping or _grouping(parser)
            groups: dict[tuple[tuple[str, str], ...], list[float]] = {}
            for key, value in inner.items():
                groups.setdefault(_group_key(dict(key), grouping), []).append(value)
            reduce = {"sum": sum, "max": max, "min": min, "count": len,
                      "avg": lambda vs: sum(vs) / len(vs)}[name]  # fmt: skip
            return {key: float(reduce(values)) for key, values in groups.items()}
        if name not in RANGE_FUNCTIONS:
            raise LogQLError(f"{name} is outside the supported subset")
        parser.take("op", "(")
        phi = None
        if name == "quantile_over_time":
            phi = float(parser.take("number"))
            parser.take("op", ",")
        log = parse_log_query(parser)
        parser.take("op", "[")
        window = _duration(parser.take("duration"))
        parser.take("op", "]")
        parser.take("op", ")")
        grouping = _grouping(parser)
        if (log.unwrap is None) != (name in {"count_over_time", "rate"}):
            raise LogQLError(f"{name} {'needs' if log.unwrap is None else 'takes no'} unwrap")
        selected = [
            (e, labels) for e, labels in log.select(self.entries) if self.at - window < e.ts <= self.at
        ]
        series: dict[tuple[tuple[str, str], ...], list[float]] = {}
        for entry, labels in selected:
            if "__error__" in labels:
                raise LogQLError(f"pipeline error: {labels['__error__']} for line {entry.line[:80]!r}")
            value = 1.0
            if log.unwrap is not None:
                try:
                    value = float(labels.get(log.unwrap, ""))
                except ValueError:
                    raise LogQLError(f"pipeline error: SampleExtractionErr ({log.unwrap})") from None
                labels = {k: v for k, v in labels.items() if k != log.unwrap}
            key = _group_key(labels, grouping) if grouping else tuple(sorted(labels.items()))
            series.setdefault(key, []).append(value)
        seconds = window.total_seconds()
        reduce: Callable[[list[float]], float] = {
            "count_over_time": len,
            "rate": lambda vs: len(vs) / seconds,
            "sum_over_time": sum,
            "avg_over_time": lambda vs: sum(vs) / len(vs),
            "max_over_time": max,
            "min_over_time": min,
            "quantile_over_time": lambda vs: quantile(phi, vs),
        }[name]
        return {key: float(reduce(values)) for key, values in series.items()}
