"""Scenarios as data: targets, a weighted mix of tasks, load stages and thresholds.

A scenario file (YAML or JSON, see `load/scenarios/`) looks like::

    name: inventory
    targets: {inventory: "http://127.0.0.1:4002"}
    setup:                      # fill `data` from the live system before the run
      - {name: sku, target: inventory, path: "/products?limit=100", pick: "items[].sku"}
    tasks:
      - name: product-page
        weight: 3
        steps: [{target: inventory, path: "/products/{sku}"}]
    load: {model: open, stages: [{duration: 10s, rate: 20}, {duration: 30s, rate: 50}]}
    thresholds: ["p99<300ms", "errors<1%"]

Templates in paths, headers and bodies name a data list (`{sku}`, `{vehicle.make}`: one
random element per task iteration, shared by its steps) or a built-in: `{uuid}`, `{n}` (the
iteration number), `{cookie.NAME}` (a cookie an earlier step of the iteration received,
e.g. a CSRF token to echo in a header).
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlencode

import msgspec
import yaml

BUILTIN_DIR = Path(__file__).resolve().parent / "scenarios"
_TEMPLATE = re.compile(r"\{([a-z_][a-z0-9_]*)(?:\.([a-z_][a-z0-9_]*))?\}", re.IGNORECASE)
BUILTINS = frozenset({"uuid", "n", "cookie"})
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")


def parse_duration(text: str | float) -> float:
    """Return seconds for `90`, `90s`, `1.5m`, `250ms` or `1h`."""
    if isinstance(text, int | float):
        return float(text)
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration (try 30s, 2m, 250ms)")
    value, unit = float(match[1]), match[2] or "s"
    return value * {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}[unit]


class Step(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One HTTP request of a task."""

    target: str
    path: str
    method: str = "GET"
    name: str = ""
    headers: dict[str, str] = {}
    json: Any = None
    form: dict[str, str] | None = None
    # Statuses that count as success; empty means any status below 400.
    expect: list[int] = []


class Task(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A named sequence of steps that one iteration performs, chosen by weight."""

    name: str
    steps: list[Step]
    weight: float = 1.0


class SetupFetch(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Fill `data[name]` from a JSON response before the run (`pick`: `items[].sku`)."""

    name: str
    target: str
    path: str
    pick: str


class Stage(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Ramp linearly to `rate` arrivals/s (open) or `users` (closed) over `duration`."""

    duration: str | float
    rate: float | None = None
    users: int | None = None

    @property
    def seconds(self) -> float:
        return parse_duration(self.duration)


class LoadSpec(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    model: Literal["open", "closed"] = "closed"
    stages: list[Stage] = []
    # Arrivals (open) start at this rate, users (closed) at this count, and ramp to each
    # stage's level in turn; users left unset start at the first stage's count.
    start_rate: float = 0.0
    start_users: int | None = None
    timeout: str | float = "5s"
    max_requests: int = 0
    think_time: str | float = 0.0


class Scenario(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: str
    targets: dict[str, str]
    tasks: list[Task]
    description: str = ""
    data: dict[str, list[Any]] = {}
    setup: list[SetupFetch] = []
    load: LoadSpec = msgspec.field(default_factory=LoadSpec)
    thresholds: list[str] = []

    def __post_init__(self) -> None:
        if not self.tasks:
            raise ValueError(f"scenario {self.name}: no tasks")
        for task in self.tasks:
            if task.weight < 0 or not task.steps:
                raise ValueError(f"task {task.name}: needs steps and a weight >= 0")
            for step in task.steps:
                if step.target not in self.targets:
                    raise ValueError(f"task {task.name}: unknown target {step.target!r}")
                if step.method.upper() == "HEAD":
                    # The response parser cannot tell a body-less HEAD answer from a truncated one.
                    raise ValueError(f"task {task.name}: HEAD is not supported, use GET")
        if sum(task.weight for task in self.tasks) <= 0:
            raise ValueError(f"scenario {self.name}: all weights are zero")
        known = {*self.data, *(fetch.name for fetch in self.setup), *BUILTINS}
        for task in self.tasks:
            for step in task.steps:
                unknown = template_names(step) - known
                if unknown:
                    raise ValueError(f"task {task.name}: no data for {{{', '.join(sorted(unknown))}}}")


def builtin_names() -> list[str]:
    return sorted(p.stem for p in BUILTIN_DIR.glob("*.yaml"))


def read_scenario(name_or_path: str) -> Scenario:
    """Load a built-in scenario by name (`storefront`) or any YAML/JSON file by path."""
    path = Path(name_or_path)
    if not path.exists():
        path = BUILTIN_DIR / f"{name_or_path}.yaml"
    if not path.exists():
        raise FileNotFoundError(f"no scenario {name_or_path!r}; built-in: {', '.join(builtin_names())}")
    raw = json.loads(path.read_text()) if path.suffix == ".json" else yaml.safe_load(path.read_text())
    return msgspec.convert(raw, Scenario, strict=False)


def single_endpoint(url: str, *, method: str = "GET", name: str = "endpoint") -> Scenario:
    """Build a one-request scenario for `url` (origin plus path)."""
    match = re.match(r"^(\w+://[^/]+)(/.*)?$", url)
    if not match:
        raise ValueError(f"{url}: expected http://host:port/path")
    return Scenario(
        name=name,
        targets={"target": match[1]},
        tasks=[Task(name=name, steps=[Step(target="target", path=match[2] or "/", method=method)])],
    )


def pick(document: Any, selector: str) -> list[Any]:
    """Select values from decoded JSON with a dotted path where `[]` maps over a list."""
    values = [document]
    for part in selector.split("."):
        over_list = part.endswith("[]")
        key = part[:-2] if over_list else part
        values = [v[key] if key else v for v in values if isinstance(v, dict) or not key]
        if over_list:
            values = [item for v in values if isinstance(v, list) for item in v]
    return values


class Iteration:
    """The variable bindings of one task iteration: each data list is sampled once, lazily."""

    __slots__ = ("_chosen", "_data", "_n", "_random", "cookies")

    def __init__(self, data: dict[str, list[Any]], *, n: int, random: Any) -> None:
        self._data = data
        self._n = n
        self._random = random
        self._chosen: dict[str, Any] = {}
        # Cookies set by earlier steps of this iteration; `{cookie.NAME}` reads them.
        self.cookies: dict[str, str] = {}

    def value(self, name: str, field: str | None) -> str:
        if name == "cookie" and field is not None:
            return self.cookies.get(field, "")
        if name == "uuid":
            return str(uuid.UUID(int=self._random.getrandbits(128), version=4))
        if name == "n":
            return str(self._n)
        if name not in self._chosen:
            values = self._data.get(name)
            if not values:
                raise KeyError(f"template variable {{{name}}} has no data")
            self._chosen[name] = self._random.choice(values)
        value = self._chosen[name]
        if field is not None:
            value = value[field]
        return str(value)

    def render(self, text: str, *, quote_values: bool = False) -> str:
        def substitute(match: re.Match[str]) -> str:
            value = self.value(match[1], match[2])
            return quote(value, safe="") if quote_values else value

        return _TEMPLATE.sub(substitute, text)


def _texts(step: Step) -> list[str]:
    texts = [step.path, *step.headers.values()]
    if step.form:
        texts += step.form.values()
    if step.json is not None:
        texts.append(json.dumps(step.json))
    return texts


def template_names(step: Step) -> set[str]:
    """Return the variable names (`sku` for `{sku}` and `{sku.field}`) that `step` uses."""
    return {match[1] for text in _texts(step) for match in _TEMPLATE.finditer(text)}


def has_template(step: Step) -> bool:
    return any(_TEMPLATE.search(text) for text in _texts(step))


def render_body(step: Step, iteration: Iteration | None) -> tuple[bytes, dict[str, str]]:
    """Return the body and the headers it implies (content type) for `step`."""

    def text(value: str) -> str:
        return iteration.render(value) if iteration is not None else value

    if step.form is not None:
        body = urlencode({key: text(value) for key, value in step.form.items()}).encode()
        return body, {"Content-Type": "application/x-www-form-urlencoded"}
    if step.json is not None:
        rendered = json.dumps(step.json)
        if iteration is not None:
            rendered = iteration.render(rendered)
        return rendered.encode(), {"Content-Type": "application/json"}
    return b"", {}
