"""Fixtures for admin_web: a migrated test database, the real app, users of every role."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import msgspec
import pytest
import redis.asyncio as redis
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import prepare_database, redis_url

ADMIN_EMAIL = "root@example.test"
ADMIN_PASSWORD = "correct horse battery"
PASSWORD = "a-long-enough-password"
# Nothing listens on port 9: every call to "inventory" or "orders" fails fast as "down".
DEAD_URL = "http://127.0.0.1:9"


@pytest.fixture(scope="session", autouse=True)
def _admin_database() -> None:
    prepare_database("ADM_", app_name="admin", piccolo_conf="admin_web.piccolo_conf")


@pytest.fixture(name="settings")
def fx_settings():
    from admin_web.settings import AdminSettings

    return msgspec.structs.replace(
        AdminSettings.from_env(),
        admin_email=ADMIN_EMAIL,
        admin_password=ADMIN_PASSWORD,
        inventory_url=DEAD_URL,
        orders_url=DEAD_URL,
        client_url=DEAD_URL,
        services=f"inventory={DEAD_URL}",
        csrf_secret="test-csrf-secret",
        db_pool=False,
        poll_interval_s=0.5,
        stream_max_s=1.0,
    )


@pytest.fixture(autouse=True)
async def _clean_state() -> AsyncIterator[None]:
    """Each test starts with no users and no admin keys in its Redis database."""
    from admin_web.tables import AdminUser

    async def clean() -> None:
        await AdminUser.delete(force=True)
        client = redis.from_url(redis_url("ADM_"))
        try:
            keys = [k async for k in client.scan_iter("adm:*")]
            if keys:
                await client.delete(*keys)
        finally:
            await client.aclose()

    await clean()
    yield
    await clean()


@pytest.fixture(name="app")
def fx_app(settings) -> Litestar:
    from admin_web.app import create_app

    return create_app(settings)


@pytest.fixture(name="client")
async def fx_client(app: Litestar) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=app, base_url="http://admin.test") as client:
        yield client


CSRF_INPUT = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def csrf_token(client: AsyncTestClient, path: str = "/login") -> str:
    """Load a page with a form and return the token its hidden CSRF field carries."""
    response = await client.get(path, headers={"accept": "text/html"})
    match = CSRF_INPUT.search(response.text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


async def log_in(client: AsyncTestClient, email: str, password: str) -> int:
    token = await csrf_token(client)
    response = await client.post(
        "/login", data={"email": email, "password": password, "_csrf_token": token}, follow_redirects=False
    )
    return response.status_code


MakeUser = Callable[[str], Awaitable[str]]


@pytest.fixture(name="make_user")
def fx_make_user() -> MakeUser:
    """Create a user with `role`; return the email."""
    from admin_web import auth
    from admin_web.tables import AdminUser

    async def make(role: str) -> str:
        email = f"{role}@example.test"
        await auth.create_user(
            email, name=f"{role.title()} User", role=AdminUser.Role(role), password=PASSWORD
        )
        return email

    return make


@pytest.fixture(name="backends", scope="session")
def fx_backends():
    """The real inventory and orders services as processes, with the storefront tests' small catalog."""
    from tests.client_web.support import running_backends

    with running_backends("admin") as backends:
        yield backends


def admin_env(backends, **extra: str) -> dict[str, str]:
    """Environment for a real admin_web process watching the real backends."""
    return {
        "ADM_INVENTORY_URL": backends.inventory_url,
        "ADM_ORDERS_URL": backends.orders_url,
        "ADM_CLIENT_URL": DEAD_URL,
        "ADM_SERVICES": f"inventory={backends.inventory_url},orders={backends.orders_url}",
        "ADM_ADMIN_EMAIL": ADMIN_EMAIL,
        "ADM_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "ADM_POLL_INTERVAL_S": "0.5",
        "ADM_CSRF_SECRET": "test-csrf-secret",
        # A deployment of its own: no other admin on this Redis database shares its poller.
        "ADM_REDIS_PREFIX": f"adm-{uuid.uuid4().hex[:8]}",
        **extra,
    }
