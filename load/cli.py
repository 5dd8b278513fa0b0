"""`autoforge stress`: run a scenario (or one endpoint) and report latencies.

Exit status: 0 when every threshold holds, 1 when one fails, 2 for a usage or setup error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import msgspec
import uvloop

from load.engine import Engine, Interval, Options, Plan, options_from
from load.report import Threshold, build_report, progress_line, summary_text
from load.scenario import Scenario, builtin_names, parse_duration, read_scenario, single_endpoint
from load.settings import StressSettings


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="autoforge stress",
        description="Drive a scenario against a service and report latencies. "
        "Without a scenario, load one endpoint (--url, or SERVICE_URL/SERVICE_PORT/ENDPOINT).",
        epilog=f"built-in scenarios: {', '.join(builtin_names())}",
    )
    p.add_argument("scenario", nargs="?", help="built-in scenario name or a YAML/JSON file")
    p.add_argument("--url", help="one endpoint to load, e.g. http://127.0.0.1:4002/products/ABC-1")
    p.add_argument("--method", default="GET", help="method for --url (default GET)")
    p.add_argument(
        "--target", action="append", default=[], metavar="NAME=URL", help="override a scenario target"
    )
    p.add_argument("--model", choices=["open", "closed"], help="open: fixed arrival rate; closed: N users")
    p.add_argument("--rate", type=float, help="arrivals per second (open model) for --duration")
    p.add_argument("--users", "-c", type=int, help="concurrent users (closed model) for --duration")
    p.add_argument("--duration", "-d", help="run time, e.g. 30s or 2m (replaces the scenario's stages)")
    p.add_argument(
        "--stage", action="append", default=[], metavar="DURATION:LEVEL",
        help="ramp to LEVEL (rate or users) over DURATION; repeat for several stages",
    )  # fmt: skip
    p.add_argument("--max-requests", "-n", type=int, help="stop after this many requests")
    p.add_argument("--timeout", help="per-request timeout (default 5s)")
    p.add_argument("--max-in-flight", type=int, help="open model: concurrent requests at most (default 256)")
    p.add_argument(
        "--max-lag", help="open model: drop an arrival not started this long after its time (100ms)"
    )
    p.add_argument("--think", help="closed model: pause between a user's iterations")
    p.add_argument(
        "--threshold", "-t", action="append", default=[], help="e.g. p99<300ms, errors<1%%; repeat"
    )
    p.add_argument("--json", type=Path, help="write the JSON report here")
    p.add_argument("--seed", type=int, help="seed for task choice and data sampling")
    p.add_argument("--cpu", type=int, action="append", help="pin the client to this CPU core (repeatable)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress line")
    return p


def resolve(args: argparse.Namespace, env: StressSettings) -> tuple[Scenario, Options]:
    """Combine the scenario, the flags and the environment into what to run."""
    url = args.url or env.url
    if args.scenario:
        scenario = read_scenario(args.scenario)
    elif url:
        scenario = single_endpoint(url, method=args.method.upper())
    else:
        raise ValueError("give a scenario, --url, or SERVICE_URL (see --help)")
    if args.target:
        targets = dict(scenario.targets)
        for item in args.target:
            name, sep, value = item.partition("=")
            if not sep or name not in targets:
                raise ValueError(f"--target {item}: expected NAME=URL with NAME in {sorted(targets)}")
            targets[name] = value
        scenario = msgspec.structs.replace(scenario, targets=targets)

    users = args.users or (env.concurrent or None if not args.scenario else None)
    model = args.model or ("open" if args.rate else "closed" if users else None)
    overrides: dict[str, Any] = {
        "model": model,
        "max_requests": args.max_requests,
        "max_in_flight": args.max_in_flight,
        "seed": args.seed,
        "timeout_s": parse_duration(args.timeout) if args.timeout else None,
        "max_lag_s": parse_duration(args.max_lag) if args.max_lag else None,
        "think_time_s": parse_duration(args.think) if args.think else None,
    }
    options = options_from(scenario, **overrides)
    duration = args.duration or (env.duration if not args.scenario else "")
    if args.stage:
        stages = []
        for item in args.stage:
            length, sep, level = item.rpartition(":")
            if not sep:
                raise ValueError(f"--stage {item}: expected DURATION:LEVEL, e.g. 30s:100")
            stages.append((parse_duration(length), float(level)))
        options.stages = stages
        # Stages given on the command line ramp up from nothing, as k6's stages do.
        options.start_level = 0.0
    elif duration or args.rate or users:
        level = args.rate if options.model == "open" else users
        seconds = parse_duration(duration) if duration else options.duration_s
        options.stages = [(seconds, float(level or options.stages[-1][1]))]
        options.start_level = None
    if options.duration_s <= 0:
        raise ValueError("the run has no duration")
    if max(level for _, level in options.stages) <= 0:
        raise ValueError(f"the {options.model} model has no load: give --rate, --users or stages")
    return scenario, options


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    try:
        env = StressSettings.from_env()
        scenario, options = resolve(args, env)
        thresholds = [Threshold.parse(t) for t in [*scenario.thresholds, *args.threshold]]
        plan = Plan(scenario)
    except (ValueError, FileNotFoundError) as exc:
        print(f"autoforge stress: {exc}", file=sys.stderr)
        return 2
    if args.cpu:
        os.sched_setaffinity(0, set(args.cpu))

    progress = None if args.quiet else _progress_printer(options.duration_s)
    engine = Engine(plan, options, progress=progress)
    try:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            result = runner.run(engine.run())
    except (RuntimeError, OSError) as exc:
        print(f"\nautoforge stress: {exc}", file=sys.stderr)
        return 2
    finally:
        if progress is not None and sys.stderr.isatty():
            print(file=sys.stderr)
    report = build_report(result, thresholds=thresholds)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1))
    print(summary_text(report))
    return 0 if report["passed"] else 1


def _progress_printer(total_s: float) -> Any:
    tty = sys.stderr.isatty()

    def show(interval: Interval) -> None:
        line = progress_line(interval, total_s=total_s)
        if tty:
            sys.stderr.write("\r" + line)
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    return show
