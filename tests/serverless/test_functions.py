"""serverless.yml checked offline, and every function run through each way of invoking it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from serverless import cli
from serverless.functions import FUNCTIONS
from serverless.local import scheduled_children
from serverless.scheduler import parse_rate, read_schedules
from tests.conftest import ROOT
from tests.serverless.conftest import request_line, write_lines

SLS = ROOT / "node_modules" / ".bin" / "serverless"
EVENTS = ROOT / "serverless" / "events"


def sls_env(settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "AWS_ACCESS_KEY_ID": "AKIDUMMYDUMMYDUMMY",
            "AWS_SECRET_ACCESS_KEY": "dummy-secret",
            "SLS_TELEMETRY_DISABLED": "1",
            "SLS_NOTIFICATIONS_MODE": "off",
            "SLS_DEPRECATION_DISABLE": "*",
            "SLS_DATA_DIR": str(settings.data_path),
            "SLS_REDIS_URL": settings.redis_url,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
    )
    return env


def serverless(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    if not SLS.exists():
        pytest.fail("node_modules/.bin/serverless is missing: run `make install`")
    return subprocess.run([str(SLS), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)


@pytest.fixture(name="printed", scope="module")
def fx_printed() -> dict:
    env = dict(
        os.environ,
        AWS_ACCESS_KEY_ID="AKIDUMMY",
        AWS_SECRET_ACCESS_KEY="dummy",
        SLS_TELEMETRY_DISABLED="1",
        SLS_NOTIFICATIONS_MODE="off",
        SLS_PINECONE_API_KEY="from-the-environment",
    )
    result = subprocess.run(
        [str(SLS), "print", "--format", "json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def test_serverless_yml_resolves_offline_when_printed(printed: dict) -> None:
    assert printed["provider"]["runtime"] == "python3.11"
    assert set(printed["functions"]) == set(FUNCTIONS)
    for name, function in printed["functions"].items():
        assert function["handler"].replace("/", ".") == FUNCTIONS[name]


def test_pipeline_functions_are_scheduled_every_5_minutes_when_deployed(printed: dict) -> None:
    for name in ("ingest-logs", "vectorize-logs"):
        assert printed["functions"][name]["events"] == [{"schedule": "rate(5 minutes)"}]


def test_http_services_are_behind_http_api_when_deployed(printed: dict) -> None:
    assert printed["functions"]["inventory-http"]["events"][0]["httpApi"]["path"] == "/inventory/{proxy+}"
    assert printed["functions"]["orders-http"]["events"][0]["httpApi"]["path"] == "/orders/{proxy+}"


def test_secrets_come_from_parameters_when_the_file_is_read() -> None:
    text = (ROOT / "serverless.yml").read_text() + "".join(
        p.read_text() for p in (ROOT / "serverless" / "stages").glob("*.yml")
    )
    document = yaml.safe_load((ROOT / "serverless.yml").read_text())
    secrets = ("SLS_PINECONE_API_KEY", "SLS_REDIS_URL", "INV_DATABASE_URL", "ORD_DATABASE_URL")
    environments = [document["provider"]["environment"]] + [
        f.get("environment", {}) for f in document["functions"].values()
    ]
    for environment in environments:
        for key in secrets:
            if key in environment:
                assert environment[key].startswith("${"), key
    assert "${ssm:/autoforge/prod/pinecone-api-key}" in text


def test_secret_reaches_the_function_from_the_environment_when_printed(printed: dict) -> None:
    assert printed["provider"]["environment"]["SLS_PINECONE_API_KEY"] == "from-the-environment"


def test_invoke_local_runs_the_handler_when_called_through_the_framework(settings, redis_client) -> None:
    write_lines(
        settings.log_dir / "orders.log", [request_line(time.time(), "orders", status=200, route="/orders")]
    )
    result = serverless(
        "invoke", "local", "-f", "ingest-logs", "-p", str(EVENTS / "ingest-logs.json"), env=sls_env(settings)
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert '"lines_read": 1' in result.stdout


@pytest.mark.parametrize("function", ["ingest-logs", "vectorize-logs"])
def test_pipeline_function_returns_a_summary_when_invoked_with_its_sample_event(
    function: str, settings, redis_client, capsys, monkeypatch
) -> None:
    for key, value in sls_env(settings).items():
        if key.startswith("SLS_"):
            monkeypatch.setenv(key, value)
    write_lines(
        settings.log_dir / "orders.log", [request_line(time.time(), "orders", status=200, route="/orders")]
    )
    assert cli.main([function, "--event", str(EVENTS / f"{function}.json")]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["function"] == function
    assert summary["outcome"] == "ok"
    assert {"lines_read", "templates", "documents", "vectors_upserted", "lag_s", "duration_s"} <= set(summary)


def test_autoforge_invoke_runs_a_function_when_called_from_the_shell(settings, redis_client) -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "autoforge"), "invoke", "ingest-logs"],
        env=sls_env(settings),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout)["function"] == "ingest-logs"


@pytest.mark.parametrize(
    ("function", "service"), [("inventory-http", "inventory"), ("orders-http", "orders")]
)
def test_http_handler_serves_the_service_when_invoked_with_its_sample_event(
    function: str, service: str
) -> None:
    # A fresh interpreter: the handler imports the service app by name, as Lambda would.
    code = (
        "import json; from serverless.functions import load_handler; "
        f"event = json.load(open({str(EVENTS / (function + '.json'))!r})); "
        f"print(json.dumps(load_handler({function!r})(event, None)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    response = json.loads(result.stdout.strip().splitlines()[-1])
    assert response["statusCode"] == 200, response


def test_scheduler_reads_the_schedules_when_serverless_yml_declares_them() -> None:
    schedules = {s.function: s.every_s for s in read_schedules(ROOT / "serverless.yml")}
    assert schedules == {"ingest-logs": 300, "vectorize-logs": 300}
    assert parse_rate("rate(1 hour)") == 3600
    with pytest.raises(ValueError, match="only rate"):
        parse_rate("cron(0 12 * * ? *)")


def test_make_run_gets_one_scheduler_child_when_the_runner_asks(tmp_path: Path) -> None:
    (child,) = scheduled_children({"AUTOFORGE_REDIS_URL": "redis://127.0.0.1:6379/0"}, tmp_path)
    assert child.argv[1:] == ["-m", "serverless.scheduler"]
    assert child.env["SLS_REDIS_URL"] == "redis://127.0.0.1:6379/4"
    assert child.env["SLS_DATA_DIR"] == str(tmp_path)
    assert child.log_path == tmp_path / "logs" / "logpipeline.log"


def test_scheduler_fires_each_function_once_when_asked_to(settings, redis_client) -> None:
    write_lines(
        settings.log_dir / "orders.log", [request_line(time.time(), "orders", status=500, route="/orders")]
    )
    env = sls_env(settings)
    result = subprocess.run(
        [sys.executable, "-m", "serverless.scheduler", "--once"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    finished = [json.loads(line) for line in result.stdout.splitlines() if 'run finished"' in line]
    assert [(f["function"], f["outcome"]) for f in finished] == [
        ("ingest-logs", "ok"),
        ("vectorize-logs", "ok"),
    ]
    assert finished[1]["vectors_upserted"] == 1


def test_scheduler_serves_pipeline_metrics_when_running(settings, redis_client) -> None:
    import socket

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = sls_env(settings) | {"SLS_METRICS_PORT": str(port)}
    process = subprocess.Popen(
        [sys.executable, "-m", "serverless.scheduler"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        text = ""
        for _ in range(100):
            try:
                text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
            except httpx.TransportError:
                text = ""
            if 'logpipeline_runs_total{function="ingest-logs",outcome="ok"}' in text:
                break
            time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert 'logpipeline_runs_total{function="ingest-logs",outcome="ok"} 1.0' in text
    assert 'logpipeline_last_success_timestamp_seconds{function="ingest-logs"}' in text
    assert process.returncode == 0
