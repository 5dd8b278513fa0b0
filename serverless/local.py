"""What `autoforge run` adds for the serverless package: the local scheduler process."""

from __future__ import annotations

import sys
from pathlib import Path

from common.embedded import redis_url_with_db
from common.runner import Child

# Logical Redis database of the pipeline under `make run` (the services use 0-3).
REDIS_DB = 4


def scheduled_children(env: dict[str, str], data_dir: Path) -> list[Child]:
    """One child: `python -m serverless.scheduler`, firing the functions of serverless.yml."""
    child_env = dict(env)
    if env.get("AUTOFORGE_REDIS_URL"):
        child_env.setdefault("SLS_REDIS_URL", redis_url_with_db(env["AUTOFORGE_REDIS_URL"], REDIS_DB))
    child_env.setdefault("SLS_DATA_DIR", str(data_dir))
    child_env.setdefault("HF_HUB_OFFLINE", "1")
    return [
        Child(
            "pipeline",
            argv=[sys.executable, "-m", "serverless.scheduler"],
            env=child_env,
            log_path=data_dir / "logs" / "logpipeline.log",
        )
    ]
