"""Wiring of admin_web (STYLE rule 1): routes, plugins, lifespan, middleware, dependencies."""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from litestar import Litestar, Router
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.redis import RedisChannelsPubSubBackend
from litestar.config.app import AppConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.plugins import InitPlugin
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig
from loguru import logger
from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import RedisError

from admin_web import auth, events, guards, poller
from admin_web.clients import InventoryClient, OrdersClient
from admin_web.controllers import (
    AccountController,
    DashboardController,
    InventoryController,
    OrderController,
    UserController,
)
from admin_web.db import DB
from admin_web.settings import AdminSettings
from admin_web.sources import make_source
from admin_web.streams import DashboardRenderer
from admin_web.web import EXCEPTION_HANDLERS, make_environment
from common.db import db_ready, piccolo_pool
from common.health import CheckResult, health_controller
from common.logs import configure_logging
from common.observability import MetricsController, observability_middleware
from common.settings import PlatformSettings

STATIC = Path(__file__).resolve().parent / "static"


def announce_first_admin(*, email: str, password: str, data_dir: Path) -> Path:
    """Hand a generated first-admin password to the person starting the platform, not to the logs.

    The password goes to a file readable only by this user; the terminal (when there is one)
    shows it once. The log line names only the email and the file.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "admin-initial-password"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(f"{email}\n{password}\n")
    with contextlib.suppress(OSError), open("/dev/tty", "w") as tty:
        tty.write(f"\nadmin_web: first admin {email}, password {password} (shown once; also in {path})\n\n")
    # A plain (non-JSON) line: `autoforge run` shows it on the terminal; it holds no secret.
    print(f"admin_web: created first admin {email}; its generated password is in {path}", file=sys.stderr)
    logger.bind(email=email, file=str(path)).warning("first admin created with a generated password")
    return path


def redis_check(redis: Redis):
    async def check() -> CheckResult:
        try:
            await redis.ping()
        except (RedisError, OSError) as exc:
            return CheckResult(name="redis", ok=False, detail=type(exc).__name__)
        return CheckResult(name="redis", ok=True)

    check.check_name = "redis"  # type: ignore[attr-defined]
    return check


class PubSubBackend(RedisChannelsPubSubBackend):
    """Litestar's Redis pub/sub backend, reading with a blocking wait instead of a 1 s poll.

    The stock loop calls `get_message(timeout=1)`; a cancellation arriving as that internal
    timeout fires can be swallowed by redis-py, and the plugin's shutdown then waits forever
    for the reader. A blocking read has no internal timeout to race with.
    """

    async def stream_events(self) -> AsyncGenerator[tuple[str, Any], None]:
        while True:
            await self._has_subscribed.wait()
            message = await self._pub_sub.get_message(ignore_subscribe_messages=True, timeout=None)
            if message is None:
                continue
            channel: str = message["channel"].decode()
            if channel.encode() in self._pub_sub.channels.keys() - self._pub_sub.pending_unsubscribe_channels:
                yield channel, message["data"]


class CloseAfterChannels(InitPlugin):
    """Close the pub/sub Redis client after ChannelsPlugin has stopped using it (listed after it)."""

    def __init__(self, client: Redis) -> None:
        self.client = client

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.on_shutdown.append(self._close)
        return app_config

    async def _close(self) -> None:
        await self.client.aclose()


def create_app(settings: AdminSettings | None = None) -> Litestar:
    settings = settings or AdminSettings.from_env()
    configure_logging(service="admin", level=settings.log_level)
    env = make_environment()
    renderer = DashboardRenderer(env)
    # One client for pub/sub, one for everything else; neither connects before first use.
    pubsub_redis = Redis.from_url(settings.redis_url)
    # A blocking pool: a burst of browsers (re)connecting waits briefly for a connection
    # instead of failing with "too many connections", and Redis sees a bounded number.
    redis = Redis(
        connection_pool=BlockingConnectionPool.from_url(
            settings.redis_url, max_connections=64, timeout=5, socket_timeout=3, socket_connect_timeout=3
        )
    )
    keys = poller.Keys(settings.redis_prefix)
    # Pub/sub channels are global to a Redis server (not per database): scope ours by both.
    redis_db = redis.connection_pool.connection_kwargs.get("db", 0)
    channel = f"{events.DASHBOARD_CHANNEL}.db{redis_db}.{settings.redis_prefix}"
    channels = ChannelsPlugin(
        backend=PubSubBackend(redis=pubsub_redis),
        channels=[channel],
        # A slow browser drops old snapshots, never holds memory for them.
        subscriber_max_backlog=5,
        subscriber_backlog_strategy="dropleft",
    )

    @asynccontextmanager
    async def admin_state(app: Litestar) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.redis = redis
        app.state.redis_keys = keys
        app.state.dashboard_channel = channel
        app.state.sessions = auth.Sessions(redis, ttl_s=settings.session_ttl_s, prefix=settings.redis_prefix)
        app.state.throttle = auth.Throttle(
            redis,
            max_failures=settings.login_max_failures,
            window_s=settings.login_window_s,
            prefix=settings.redis_prefix,
        )
        app.state.inventory = InventoryClient(settings.inventory_url)
        app.state.orders = OrdersClient(settings.orders_url)
        generated = await auth.ensure_first_admin(
            email=settings.admin_email, password=settings.admin_password
        )
        if generated:
            announce_first_admin(email=settings.admin_email, password=generated,
                                 data_dir=PlatformSettings.from_env().data_path)  # fmt: skip
        source = make_source(prometheus_url=settings.prometheus_url, targets=settings.service_targets)
        app.state.poller = poller.Poller(
            source=source,
            redis=redis,
            inventory=app.state.inventory,
            publish=lambda raw: channels.wait_published(raw, [channel]),
            interval_s=settings.poll_interval_s,
            lock_ttl_s=settings.poller_lock_ttl_s,
            keys=keys,
        )
        try:
            async with poller.running(app.state.poller):
                yield
        finally:
            await source.aclose()
            await app.state.inventory.aclose()
            await app.state.orders.aclose()
            await redis.aclose(close_connection_pool=True)

    node = Path(settings.node_modules_dir)
    static = [
        create_static_files_router(
            path=path, directories=[directory], name=name, opt=guards.PUBLIC, cache_control=None
        )
        for name, path, directory in (
            ("static-admin", "/static/admin", STATIC),
            ("vendor-htmx", "/static/vendor/htmx", node / "htmx.org" / "dist"),
            ("vendor-sse", "/static/vendor/htmx-ext-sse", node / "htmx-ext-sse"),
            ("vendor-pico", "/static/vendor/pico", node / "@picocss" / "pico" / "css"),
            ("vendor-uplot", "/static/vendor/uplot", node / "uplot" / "dist"),
        )
    ]
    health = health_controller([db_ready(DB), redis_check(redis)])

    return Litestar(
        route_handlers=[
            AccountController,
            UserController,
            DashboardController,
            InventoryController,
            OrderController,
            *static,
            # Probes and scrapes are open, as on every service.
            Router(path="/", route_handlers=[MetricsController, health], opt=guards.PUBLIC),
        ],
        guards=[guards.require_role],
        lifespan=[piccolo_pool(DB, enabled=settings.db_pool), admin_state],
        plugins=[channels, CloseAfterChannels(pubsub_redis), HTMXPlugin()],
        template_config=TemplateConfig(instance=JinjaTemplateEngine.from_environment(env)),
        csrf_config=CSRFConfig(
            secret=settings.csrf_secret or secrets.token_hex(32),
            cookie_secure=settings.cookie_secure,
            cookie_httponly=True,
            cookie_samesite="strict",
        ),
        dependencies={
            "inventory": Provide(_inventory, sync_to_thread=False),
            "orders": Provide(_orders, sync_to_thread=False),
            "renderer": Provide(lambda: renderer, sync_to_thread=False),
        },
        middleware=[observability_middleware("admin")],
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=None,
        debug=settings.debug,
    )


def _inventory(state: State) -> InventoryClient:
    return state.inventory


def _orders(state: State) -> OrdersClient:
    return state.orders
