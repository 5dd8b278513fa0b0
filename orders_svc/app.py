from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
from litestar import Litestar
from litestar.di import Provide
from loguru import logger

from common.cache import Cache
from common.db import db_ready, piccolo_pool
from common.errors import EXCEPTION_HANDLERS
from common.health import CheckResult, health_controller
from common.logs import configure_logging
from common.observability import MetricsController, observability_middleware
from orders_svc import metrics, services
from orders_svc.controllers import OrderController
from orders_svc.db import DB
from orders_svc.deps import provide_inventory
from orders_svc.inventory_client import inventory_lifespan
from orders_svc.settings import OrdersSettings

# A background step that keeps failing is retried at most this often.
WORKER_ERROR_BACKOFF_S = 2.0


async def _repeat(name: str, step: Callable[[], Awaitable[int | None]], *, interval_s: float) -> None:
    """Run `step` forever: again at once after a full batch, after `interval_s` otherwise."""
    while True:
        try:
            busy = await step()
        except Exception as exc:  # a worker must survive any one failure
            logger.bind(worker=name, error=f"{type(exc).__name__}: {exc}").warning("background step failed")
            await asyncio.sleep(max(interval_s, WORKER_ERROR_BACKOFF_S))
            continue
        await asyncio.sleep(0 if busy is True else interval_s)


def workers(settings: OrdersSettings) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """Lifespan hook: outbox relay, pending-order recovery, release retries and the status gauge."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if not settings.workers:
            yield
            return
        inventory, cache = app.state.inventory, app.state.cache

        async def relay() -> bool:
            return await services.relay_outbox(cache.client, batch_size=settings.relay_batch_size) >= (
                settings.relay_batch_size
            )

        async def sweep() -> None:
            await services.recover_pending_orders(inventory=inventory, older_than_s=settings.pending_grace_s)
            await services.retry_releases(inventory=inventory, older_than_s=settings.sweeper_interval_s)

        tasks = [
            asyncio.create_task(_repeat("outbox-relay", relay, interval_s=settings.relay_interval_s)),
            asyncio.create_task(_repeat("recovery", sweep, interval_s=settings.sweeper_interval_s)),
            asyncio.create_task(_repeat("status-gauge", services.refresh_status_gauge, interval_s=15.0)),
        ]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    return lifespan


def create_app(
    settings: OrdersSettings | None = None, *, inventory_transport: httpx.AsyncBaseTransport | None = None
) -> Litestar:
    """Build the orders app; `inventory_transport` lets tests serve the real inventory app in-process."""
    settings = settings or OrdersSettings.from_env()
    metrics.initialise_series()
    configure_logging(service="orders", level=settings.log_level)

    @asynccontextmanager
    async def cache(app: Litestar) -> AsyncIterator[None]:
        app.state.cache = Cache(settings.redis_url, service="orders", timeout_s=1.0)
        try:
            yield
        finally:
            await app.state.cache.close()

    async def cache_ready() -> CheckResult:
        current = getattr(app.state, "cache", None)
        if current is None:
            return CheckResult(name="cache", ok=False, detail="not started", critical=False)
        return await current.check()

    app = Litestar(
        route_handlers=[OrderController, MetricsController, health_controller([db_ready(DB), cache_ready])],
        lifespan=[
            piccolo_pool(DB, enabled=settings.db_pool, min_size=2, max_size=settings.db_pool_size),
            cache,
            inventory_lifespan(
                base_url=settings.inventory_url,
                timeout_s=settings.inventory_timeout_s,
                retries=settings.inventory_retries,
                backoff_s=settings.inventory_backoff_s,
                transport=inventory_transport,
            ),
            workers(settings),
        ],
        dependencies={
            "settings": Provide(lambda: settings, sync_to_thread=False),
            "inventory": Provide(provide_inventory, sync_to_thread=False),
        },
        middleware=[observability_middleware("orders")],
        exception_handlers=EXCEPTION_HANDLERS,
        request_max_body_size=settings.max_body_bytes,
        # Logging is common's JSON sink; Litestar's own config would add a second, plain-text one.
        logging_config=None,
        debug=settings.debug,
    )
    return app
