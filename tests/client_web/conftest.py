"""The storefront in-process against the real inventory and orders services (real processes)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import redis.asyncio as redis
from litestar.testing import AsyncTestClient

from client_web.app import create_app
from client_web.settings import WebSettings
from tests.client_web.support import Backends, running_backends
from tests.conftest import redis_url


@pytest.fixture(name="backends", scope="session")
def fx_backends() -> Iterator[Backends]:
    with running_backends("web") as backends:
        yield backends


@pytest.fixture(name="settings")
def fx_settings(backends: Backends) -> WebSettings:
    return WebSettings(
        inventory_url=backends.inventory_url,
        orders_url=backends.orders_url,
        redis_url=redis_url("WEB_"),
        stream_max_s=5.0,
    )


@pytest.fixture(name="client")
async def fx_client(settings: WebSettings) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(create_app(settings), base_url="http://testserver.local") as client:
        # Redirects are part of what the handlers answer: tests look at them, not past them.
        client.follow_redirects = False
        yield client


@pytest.fixture(name="redis_client")
async def fx_redis_client() -> AsyncIterator[redis.Redis]:
    client = redis.from_url(redis_url("WEB_"))
    try:
        yield client
    finally:
        await client.aclose()


async def csrf_headers(client: AsyncTestClient) -> dict[str, str]:
    """Headers an htmx request carries: the CSRF token from the cookie a first page view set."""
    if "autoforge_csrf" not in client.cookies:
        await client.get("/cart")
    return {"x-csrftoken": client.cookies["autoforge_csrf"]}


HTMX = {"HX-Request": "true"}


def htmx_to(target: str) -> dict[str, str]:
    return {**HTMX, "HX-Target": target}


async def choose_vehicle(
    client: AsyncTestClient, year: int = 2012, make: str = "HONDA", model: str = "CIVIC"
) -> None:
    headers = await csrf_headers(client)
    response = await client.post(
        "/garage/vehicles",
        data={"year": str(year), "make": make, "model": model, "next": "/"},
        headers=headers,
    )
    assert response.status_code == 303, response.text
