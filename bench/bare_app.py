"""A bare Litestar JSON endpoint: the framework's ceiling on this machine, for comparison."""

from __future__ import annotations

from litestar import Litestar, get


@get("/json", sync_to_thread=False)
def hello() -> dict[str, str]:
    return {"message": "hello"}


@get("/healthz", sync_to_thread=False)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def create_app() -> Litestar:
    return Litestar(route_handlers=[hello, healthz])
