"""What every handler does first: JSON logging once per process (Lambda, CLI or scheduler)."""

from __future__ import annotations

from typing import TextIO

from common.logs import configure_logging

_configured = False


def ensure_logging(*, stream: TextIO | None = None, level: str = "INFO") -> None:
    """Install the JSON log sink unless the hosting process (CLI, scheduler) already did."""
    global _configured
    if not _configured:
        configure_logging(service="logpipeline", level=level, stream=stream)
        _configured = True
