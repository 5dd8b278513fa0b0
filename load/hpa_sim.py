"""`autoforge hpa-sim`: replay the HPA over a stress report or a load curve; print and plot replicas.

Inputs: a stress JSON report (its per-second timeline gives the offered req/s), or a load
curve as CSV (`t,rps[,cpu_m,memory_mib]` with a header) or JSON (a list of such objects).
The defaults mirror the project's HPAs in k8s/: min 2, max 4, CPU 60%, memory 70%, and
5 req/s per pod.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

import msgspec

from load.hpa import (
    DEFAULT_SCALE_DOWN,
    DEFAULT_SCALE_UP,
    Autoscaler,
    LoadPoint,
    Metric,
    PodModel,
    Policy,
    Rules,
    Tick,
    simulate,
)


def read_curve(path: Path) -> list[LoadPoint]:
    """Read a load curve from a stress report, a JSON list or a CSV file."""
    text = path.read_text()
    if path.suffix == ".csv":
        rows = list(csv.DictReader(text.splitlines()))
        raw: Any = [{k.strip(): v.strip() for k, v in row.items() if v and v.strip()} for row in rows]
    else:
        raw = json.loads(text)
        if isinstance(raw, dict) and "timeline" in raw:
            # A stress report: one point per second of the run.
            raw = [
                {"t": i["t"], "rps": i["requests"] / i["seconds"] if i.get("seconds") else i["requests"]}
                for i in raw["timeline"]
            ]
    return msgspec.convert(raw, list[LoadPoint], strict=False)


def parse_policy(text: str) -> Policy:
    """`Pods:4:15` or `Percent:100:15` (type, value, period in seconds)."""
    kind, value, period = text.split(":")
    return msgspec.convert({"type": kind, "value": value, "period_s": period}, Policy, strict=False)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="autoforge hpa-sim", description=__doc__.splitlines()[0])
    p.add_argument("input", type=Path, help="stress JSON report, or load curve (.csv or .json)")
    p.add_argument(
        "--capacity-rps", type=float, required=True, help="req/s one pod serves at 100%% CPU request"
    )
    p.add_argument("--min", type=int, default=2, dest="min_replicas")
    p.add_argument("--max", type=int, default=4, dest="max_replicas")
    p.add_argument("--start", type=int, help="replicas at t=0 (default: --min)")
    p.add_argument("--cpu-target", type=float, default=60.0, help="CPU utilization %% (0 disables)")
    p.add_argument("--memory-target", type=float, default=70.0, help="memory utilization %% (0 disables)")
    p.add_argument("--rps-target", type=float, default=5.0, help="average req/s per pod (0 disables)")
    p.add_argument("--cpu-request-m", type=float, default=500.0)
    p.add_argument("--memory-request-mib", type=float, default=256.0)
    p.add_argument("--tolerance", type=float, default=0.1)
    p.add_argument("--sync", type=float, default=15.0, help="controller sync period, seconds")
    p.add_argument("--startup", type=float, default=30.0, help="seconds before a new pod is ready")
    p.add_argument("--up-window", type=int, default=DEFAULT_SCALE_UP.stabilization_s)
    p.add_argument("--down-window", type=int, default=DEFAULT_SCALE_DOWN.stabilization_s)
    p.add_argument("--up-policy", action="append", default=[], metavar="TYPE:VALUE:PERIOD")
    p.add_argument("--down-policy", action="append", default=[], metavar="TYPE:VALUE:PERIOD")
    p.add_argument("--select-up", choices=["Max", "Min", "Disabled"], default="Max")
    p.add_argument("--select-down", choices=["Max", "Min", "Disabled"], default="Max")
    p.add_argument("--tail", type=float, default=0.0, help="keep simulating this long after the curve ends")
    p.add_argument("--png", type=Path, help="plot replicas over time to this PNG")
    p.add_argument("--json", type=Path, help="write every tick as JSON")
    return p


def autoscaler_from(args: argparse.Namespace) -> Autoscaler:
    metrics = [
        Metric(name=name, target=target)
        for name, target in (
            ("cpu", args.cpu_target),
            ("memory", args.memory_target),
            ("rps", args.rps_target),
        )
        if target > 0
    ]
    up = Rules(
        stabilization_s=args.up_window,
        policies=[parse_policy(p) for p in args.up_policy] or DEFAULT_SCALE_UP.policies,
        select=args.select_up,
    )
    down = Rules(
        stabilization_s=args.down_window,
        policies=[parse_policy(p) for p in args.down_policy] or DEFAULT_SCALE_DOWN.policies,
        select=args.select_down,
    )
    return Autoscaler(
        min_replicas=args.min_replicas,
        max_replicas=args.max_replicas,
        metrics=metrics,
        scale_up=up,
        scale_down=down,
        tolerance=args.tolerance,
    )


def table(ticks: list[Tick]) -> str:
    lines = [f"{'t(s)':>7} {'req/s':>9} {'ready':>5} {'desired':>7} {'replicas':>8}  metrics (per pod)"]
    for tick in ticks:
        metrics = "  ".join(f"{name} {value:g}" for name, value in tick.metrics.items())
        lines.append(
            f"{tick.t:>7.0f} {tick.rps:>9.1f} {tick.ready:>5} {tick.desired:>7} {tick.replicas:>8}  {metrics}"
        )
    return "\n".join(lines)


def plot(ticks: list[Tick], path: Path, *, title: str) -> None:
    """Draw offered load and replicas over time into a PNG (matplotlib's Agg backend, no display)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    times = [tick.t for tick in ticks]
    figure, (load_axes, replica_axes) = pyplot.subplots(2, 1, sharex=True, figsize=(9, 6))
    load_axes.plot(times, [tick.rps for tick in ticks], color="tab:blue")
    load_axes.set_ylabel("offered req/s")
    load_axes.set_title(title)
    replica_axes.step(
        times, [tick.replicas for tick in ticks], where="post", label="replicas", color="tab:green"
    )
    replica_axes.step(times, [tick.ready for tick in ticks], where="post", label="ready", color="tab:olive")
    desired = [tick.desired for tick in ticks]
    replica_axes.step(times, desired, where="post", label="desired (raw)", linestyle="--", color="tab:red")
    replica_axes.set_ylabel("pods")
    replica_axes.set_xlabel("seconds")
    replica_axes.legend(loc="upper left")
    replica_axes.yaxis.get_major_locator().set_params(integer=True)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    pyplot.close(figure)


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    try:
        curve = read_curve(args.input)
        hpa = autoscaler_from(args)
        pods = PodModel(
            capacity_rps=args.capacity_rps,
            cpu_request_m=args.cpu_request_m,
            memory_request_mib=args.memory_request_mib,
            startup_s=args.startup,
        )
        until = max(p.t for p in curve) + args.tail if curve else None
        ticks = simulate(curve, hpa=hpa, pods=pods, sync_s=args.sync, start_replicas=args.start, until=until)
    except (OSError, ValueError, msgspec.ValidationError) as exc:
        print(f"autoforge hpa-sim: {exc}", file=sys.stderr)
        return 2
    print(table(ticks))
    peak = max(tick.replicas for tick in ticks)
    print(f"\npeak replicas {peak}, final {ticks[-1].replicas}, scale events {len(hpa.events)}")
    if args.json:
        args.json.write_bytes(msgspec.json.encode(ticks))
    if args.png:
        plot(ticks, args.png, title=f"HPA replay of {args.input.name}")
        print(f"plot: {args.png}")
    return 0
