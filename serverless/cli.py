"""`autoforge invoke <function> [--event file.json]`: run one function in-process, print its result."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from serverless.entry import ensure_logging
from serverless.functions import FUNCTIONS, load_handler

EVENTS_DIR = Path(__file__).resolve().parent / "events"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="autoforge invoke", description="Run a serverless function in-process."
    )
    parser.add_argument("function", choices=sorted(FUNCTIONS))
    parser.add_argument(
        "--event", type=Path, help="JSON event file (default: serverless/events/<function>.json)"
    )
    args = parser.parse_args(argv)
    event_path = args.event or EVENTS_DIR / f"{args.function}.json"
    try:
        event = json.loads(event_path.read_text()) if event_path.exists() else {}
    except (OSError, json.JSONDecodeError) as exc:
        print(f"cannot read event {event_path}: {exc}", file=sys.stderr)
        return 2
    # Logs go to stderr so that stdout carries only the result, as `serverless invoke` prints it.
    ensure_logging(stream=sys.stderr)
    result = load_handler(args.function)(event, None)
    print(json.dumps(result, indent=2, default=str))
    if isinstance(result, dict) and result.get("outcome") in {"failed", "partial"}:
        return 1
    return 0
