"""Run every benchmark area in turn: `python -m bench [area ...]`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Order matters only for readability of the output; each area starts what it measures.
ORDER = ("services", "storefront", "admin", "pipeline", "stress")


def main(argv: list[str]) -> int:
    # Modules that are not benchmarks: the package, this runner, the report writer, the bare app.
    available = {p.stem for p in HERE.glob("*.py")} - {"__init__", "__main__", "report", "bare_app"}
    wanted = argv or [a for a in ORDER if a in available] + sorted(available - set(ORDER))
    failed = []
    for area in wanted:
        print(f"== bench {area}", flush=True)
        if subprocess.run([sys.executable, "-m", f"bench.{area}"], check=False).returncode != 0:
            failed.append(area)
    if failed:
        print(f"benchmarks that failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
