"""The `autoforge` command. Each subcommand lives with the package that owns it.

Subcommands are named by module path so that `common` imports no deployable; each target
is a `main(argv: list[str]) -> int` function.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import sys

from common.settings import PlatformSettings

SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "run": ("common.cli:run_main", "start the whole platform locally (embedded defaults)"),
    "invoke": ("serverless.cli:main", "run a serverless function in-process with an event"),
    "stress": ("load.cli:main", "drive a scenario against a service and report latencies"),
    "hpa-sim": ("load.hpa_sim:main", "replay the Kubernetes HPA algorithm over a load curve"),
}


def run_main(argv: list[str]) -> int:
    from common.runner import run_platform

    if argv:
        print("usage: autoforge run   (configure with AUTOFORGE_* variables, see README)", file=sys.stderr)
        return 2
    # The serverless package, when present, adds its scheduled functions to the supervisor.
    extra = None
    if importlib.util.find_spec("serverless.local") is not None:
        extra = importlib.import_module("serverless.local").scheduled_children
    asyncio.run(run_platform(PlatformSettings.from_env(), extra_children=extra))
    return 0


def usage() -> str:
    lines = ["usage: autoforge <command> [args]", "", "commands:"]
    lines += [f"  {name:<9} {help_}" for name, (_, help_) in SUBCOMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in {"-h", "--help"} or argv[0] not in SUBCOMMANDS:
        print(usage(), file=sys.stderr if argv and argv[0] not in {"-h", "--help"} else sys.stdout)
        return 0 if argv and argv[0] in {"-h", "--help"} else 2
    module_name, function_name = SUBCOMMANDS[argv[0]][0].split(":")
    function = getattr(importlib.import_module(module_name), function_name)
    return int(function(argv[1:]) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
