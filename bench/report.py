"""Write one area's section of BENCHMARKS.md without touching the others."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"
HEADER = "# Benchmarks\n\nWritten by `make bench`; each section is replaced when its area is re-measured.\n"


def machine() -> str:
    """Describe the machine the figures came from."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    git = ["git", "rev-parse", "--short", "HEAD"]
    commit = subprocess.run(git, capture_output=True, text=True, check=False)
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"commit {commit.stdout.strip() or 'unknown'}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


def write_section(area: str, *, command: str, body: str) -> None:
    """Replace (or add) the section for `area` in BENCHMARKS.md."""
    begin, end = f"<!-- bench:{area} -->", f"<!-- /bench:{area} -->"
    text = BENCHMARKS.read_text() if BENCHMARKS.exists() else HEADER
    section = f"{begin}\n## {area}\n\nCommand: `{command}`  \nMachine: {machine()}\n\n{body.strip()}\n{end}"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = head + section + tail
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    BENCHMARKS.write_text(text)


def table(headers: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
