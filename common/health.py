"""`/healthz` (the process is alive) and `/readyz` (its dependencies answer)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import msgspec
from litestar import Controller, Response, get


class CheckResult(msgspec.Struct, frozen=True):
    name: str
    ok: bool
    detail: str = ""
    # A non-critical dependency (the cache) is reported but does not make the service unready.
    critical: bool = True


Check = Callable[[], Awaitable[CheckResult]]


async def _run(check: Check, timeout_s: float) -> CheckResult:
    try:
        return await asyncio.wait_for(check(), timeout=timeout_s)
    except TimeoutError:
        return CheckResult(name=getattr(check, "check_name", "check"), ok=False, detail="timed out")


def health_controller(checks: Sequence[Check], *, timeout_s: float = 2.0) -> type[Controller]:
    """Build the health controller; `/readyz` is 503 when any critical check fails."""

    class HealthController(Controller):
        include_in_schema = False

        @get("/healthz", sync_to_thread=False)
        def healthz(self) -> dict[str, str]:
            return {"status": "ok"}

        @get("/readyz")
        async def readyz(self) -> Response[dict[str, Any]]:
            results = await asyncio.gather(*(_run(check, timeout_s) for check in checks))
            ready = all(r.ok for r in results if r.critical)
            body = {
                "status": "ready" if ready else "unready",
                "checks": {r.name: {"ok": r.ok, "detail": r.detail, "critical": r.critical} for r in results},
            }
            return Response(body, status_code=200 if ready else 503)

    return HealthController
