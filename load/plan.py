"""A scenario compiled for the engine: targets resolved, unchanging requests pre-encoded."""

from __future__ import annotations

import itertools
import random
from typing import Any

from load.http import Origin, encode_request
from load.scenario import Iteration, Scenario, has_template, render_body


class CompiledStep:
    """A step with its target resolved and, when nothing varies, its request pre-encoded."""

    __slots__ = ("expect", "name", "origin", "static", "step")

    def __init__(self, *, name: str, step: Any, origin: Origin) -> None:
        self.name = name
        self.step = step
        self.origin = origin
        self.expect = frozenset(step.expect)
        self.static = None if has_template(step) else self.encode(None, None)

    def encode(self, iteration: Iteration | None, cookies: dict[str, str] | None) -> bytes:
        path = iteration.render(self.step.path, quote_values=True) if iteration else self.step.path
        body, headers = render_body(self.step, iteration)
        for key, value in self.step.headers.items():
            headers[key] = iteration.render(value) if iteration else value
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        return encode_request(
            self.step.method, path, host=self.origin.host_header, headers=headers, body=body
        )

    def request(self, iteration: Iteration | None, cookies: dict[str, str] | None) -> bytes:
        if self.static is not None and not cookies:
            return self.static
        return self.encode(iteration, cookies)

    def is_success(self, status: int) -> bool:
        return status in self.expect if self.expect else status < 400


class Plan:
    """A scenario compiled for the engine: steps with origins, tasks with cumulative weights."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.data = {k: list(v) for k, v in scenario.data.items()}
        origins = {name: Origin(url) for name, url in scenario.targets.items()}
        self.tasks: list[tuple[list[CompiledStep], bool]] = []
        self.weights: list[float] = []
        self.step_names: list[str] = []
        for task in scenario.tasks:
            steps = []
            for index, step in enumerate(task.steps):
                name = step.name or (task.name if len(task.steps) == 1 else f"{task.name}/{index + 1}")
                steps.append(CompiledStep(name=name, step=step, origin=origins[step.target]))
                if name not in self.step_names:
                    self.step_names.append(name)
            self.tasks.append((steps, any(s.static is None for s in steps)))
            self.weights.append(task.weight)
        self.cum_weights = list(itertools.accumulate(self.weights))

    def choose(self, rng: random.Random) -> tuple[list[CompiledStep], bool]:
        if len(self.tasks) == 1:
            return self.tasks[0]
        return rng.choices(self.tasks, cum_weights=self.cum_weights)[0]
