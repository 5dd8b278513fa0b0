import asyncio
import os
import sys
from pathlib import Path

import pytest

from common import runner
from common.runner import Child, supervise


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "STOP_GRACE_S", 2.0)


def python_child(tmp_path: Path, code: str) -> Child:
    return Child("t", argv=[sys.executable, "-c", code], env=dict(os.environ), log_path=tmp_path / "t.log")


async def test_a_crashed_child_is_restarted_when_it_exits(tmp_path: Path) -> None:
    child = python_child(tmp_path, "print('started', flush=True); raise SystemExit(3)")
    stopping = asyncio.Event()
    task = asyncio.create_task(supervise(child, stopping))
    # First start, exit, one second of back-off, second start.
    for _ in range(60):
        if child.restarts >= 1 and (tmp_path / "t.log").read_text().count("started") >= 2:
            break
        await asyncio.sleep(0.05)
    stopping.set()
    await asyncio.wait_for(task, timeout=5)
    assert child.restarts >= 1
    assert (tmp_path / "t.log").read_text().count("started") >= 2


async def test_stopping_terminates_a_running_child_when_requested(tmp_path: Path) -> None:
    child = python_child(tmp_path, "import time; print('up', flush=True); time.sleep(60)")
    stopping = asyncio.Event()
    task = asyncio.create_task(supervise(child, stopping))
    for _ in range(100):
        if (tmp_path / "t.log").exists() and "up" in (tmp_path / "t.log").read_text():
            break
        await asyncio.sleep(0.05)
    stopping.set()
    await asyncio.wait_for(task, timeout=5)
    assert child.process is not None
    assert child.process.returncode is not None
    assert child.restarts == 0
