"""The k6 and Artillery files drive the same scenario as `autoforge stress storefront`."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from load.scenario import parse_duration, read_scenario

LOAD = Path(__file__).resolve().parents[2] / "load"
K6 = LOAD / "k6" / "scenario.js"
ARTILLERY = LOAD / "artillery" / "scenario.yml"


def storefront_weights() -> dict[str, float]:
    return {task.name: task.weight for task in read_scenario("storefront").tasks}


def storefront_stages() -> list[tuple[float, float]]:
    return [(s.seconds, float(s.rate or 0)) for s in read_scenario("storefront").load.stages]


def test_artillery_has_the_same_tasks_and_weights_when_compared_with_the_scenario() -> None:
    config = yaml.safe_load(ARTILLERY.read_text())
    assert {s["name"]: s["weight"] for s in config["scenarios"]} == storefront_weights()


def test_artillery_phases_last_as_long_as_the_stages_when_summed() -> None:
    phases = yaml.safe_load(ARTILLERY.read_text())["config"]["phases"]
    assert [p["duration"] for p in phases] == [seconds for seconds, _ in storefront_stages()]
    assert max(p.get("rampTo", p["arrivalRate"]) for p in phases) == max(
        rate for _, rate in storefront_stages()
    )


def test_k6_has_the_same_weights_and_stages_when_compared_with_the_scenario() -> None:
    script = K6.read_text()
    weights = [float(w) for w in re.findall(r"^\s*\[(\d+), ", script, re.MULTILINE)]
    assert weights == list(storefront_weights().values())
    stages = re.findall(r'\{ duration: "(\w+)", target: (\d+) \}', script)
    assert [(parse_duration(d), float(t)) for d, t in stages] == storefront_stages()
    assert 'http_req_duration: ["p(99)<1000"]' in script
    assert 'http_req_failed: ["rate<0.01"]' in script


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_k6_script_parses_when_read_as_an_es_module() -> None:
    completed = subprocess.run(
        ["node", "--experimental-default-type=module", "--check", str(K6)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
