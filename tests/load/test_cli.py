from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from common.cli import main as autoforge
from load.cli import main


def test_exit_code_is_zero_when_every_threshold_holds(server: str, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    argv = [
        "--url",
        f"{server}/json",
        "-c",
        "4",
        "-d",
        "1s",
        "-t",
        "p99<2s",
        "-t",
        "errors<1%",
        "--json",
        str(report),
    ]
    assert main([*argv, "--quiet"]) == 0
    data = json.loads(report.read_text())
    assert data["passed"] is True
    assert set(data["summary"]["latency_ms"]) >= {"p50", "p90", "p95", "p99", "p99.9", "max"}
    assert data["summary"]["histogram_us"]
    assert 0 < data["client_cpu_ratio"] < 2


def test_exit_code_is_one_when_a_threshold_fails(server: str) -> None:
    assert main(["--url", f"{server}/slow?ms=20", "-c", "2", "-d", "1s", "-t", "p50<1ms", "-q"]) == 1


def test_exit_code_is_two_when_nothing_to_load_is_given(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "scenario" in capsys.readouterr().err


def test_environment_interface_drives_a_run_when_no_arguments_are_given(server: str) -> None:
    host, port = server.rsplit(":", 1)
    env = {
        "SERVICE_URL": host,
        "SERVICE_PORT": port,
        "ENDPOINT": "/json",
        "CONCURRENT": "3",
        "DURATION": "1s",
    }
    completed = subprocess.run(
        [sys.executable, "-m", "common.cli", "stress"],
        env={**_base_env(), **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "closed model" in completed.stdout
    # One progress line per second goes to stderr when it is not a terminal.
    assert "req/s" in completed.stderr


def test_progress_and_summary_are_printed_when_a_scenario_file_runs(server: str, tmp_path: Path) -> None:
    scenario = tmp_path / "mix.json"
    scenario.write_text(
        json.dumps(
            {
                "name": "mix",
                "targets": {"api": server},
                "tasks": [
                    {"name": "json", "weight": 3, "steps": [{"target": "api", "path": "/json"}]},
                    {"name": "products", "weight": 1, "steps": [{"target": "api", "path": "/products"}]},
                ],
                "load": {"model": "open", "stages": [{"duration": "1s", "rate": 40}]},
                "thresholds": ["errors<1%"],
            }
        )
    )
    completed = subprocess.run(
        [sys.executable, "-m", "common.cli", "stress", str(scenario)],
        env=_base_env(),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "json" in completed.stdout
    assert "products" in completed.stdout
    assert "ok   errors<1%" in completed.stdout


def test_stress_is_dispatched_when_called_through_autoforge(server: str) -> None:
    assert autoforge(["stress", "--url", f"{server}/json", "-n", "20", "-c", "2", "-d", "5s", "-q"]) == 0


def _base_env() -> dict[str, str]:
    from common.settings import process_environ

    return {k: v for k, v in process_environ().items() if k not in {"SERVICE_URL", "ENDPOINT", "CONCURRENT"}}


def test_exit_code_is_two_when_the_setup_cannot_reach_its_target(tmp_path: Path) -> None:
    from tests.helpers import free_port

    scenario = tmp_path / "setup.yaml"
    scenario.write_text(
        f"name: s\ntargets: {{api: 'http://127.0.0.1:{free_port()}'}}\n"
        "setup: [{name: sku, target: api, path: /products, pick: 'items[].sku'}]\n"
        "tasks: [{name: t, steps: [{target: api, path: '/products/{sku}'}]}]\n"
    )
    assert main([str(scenario), "-d", "1s", "-q"]) == 2


def test_open_model_run_ends_promptly_when_the_request_budget_is_spent(server: str) -> None:
    import time

    started = time.monotonic()
    assert main(["--url", f"{server}/json", "--rate", "100", "-d", "30s", "-n", "50", "-q"]) == 0
    assert time.monotonic() - started < 5


def test_exit_code_is_two_when_the_open_model_has_no_rate(server: str) -> None:
    assert main(["--url", f"{server}/json", "--model", "open", "--stage", "1s:0", "-q"]) == 2
