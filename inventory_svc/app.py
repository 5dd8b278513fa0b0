"""The inventory service's wiring: routes, lifespan, middleware, errors. Imported by nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from loguru import logger

from common.cache import cache_lifespan
from common.db import db_ready, piccolo_pool
from common.errors import EXCEPTION_HANDLERS
from common.health import CheckResult, health_controller
from common.logs import configure_logging
from common.observability import MetricsController, observability_middleware
from inventory_svc import services
from inventory_svc.controllers import (
    FacetController,
    ProductController,
    ReservationController,
    StockController,
    VehicleController,
)
from inventory_svc.db import DB
from inventory_svc.metrics import initialise_label_values
from inventory_svc.product_cache import ProductCache
from inventory_svc.settings import InventorySettings


async def _stop(task: asyncio.Task[None], *, grace_s: float = 3.0, cancel: bool = True) -> None:
    """End a background task: cancel it (or let it finish), waiting at most `grace_s` each step.

    Shutdown must end even if a task ignores its cancellation.
    """
    if not cancel:
        await asyncio.wait({task}, timeout=grace_s)
    if not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=grace_s)
    if task.done() and not task.cancelled() and task.exception() is not None:
        logger.opt(exception=task.exception()).error("background task failed")


def product_cache(settings: InventorySettings) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """Lifespan hook: the two-level product cache at `app.state.product_cache`, and its listener."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        app.state.product_cache = ProductCache(
            app.state.cache, ttl_s=settings.cache_ttl_s, local_ttl_s=settings.local_cache_ttl_s
        )
        stop = asyncio.Event()
        listener = asyncio.create_task(app.state.product_cache.listen(stop))
        try:
            yield
        finally:
            stop.set()
            # Cancel at once; should redis-py swallow the cancellation, the flag ends the loop.
            await _stop(listener)

    return lifespan


def sweeper(settings: InventorySettings) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """Lifespan hook: release expired reservations every `sweep_interval_s` (0 turns it off)."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if settings.sweep_interval_s <= 0:
            yield
            return
        task = asyncio.create_task(
            services.run_sweeper(
                interval_s=settings.sweep_interval_s,
                batch=settings.sweep_batch,
                cache=app.state.product_cache,
            )
        )
        try:
            yield
        finally:
            await _stop(task)

    return lifespan


def provide_product_cache(state: State) -> ProductCache:
    return state.product_cache


def create_app(settings: InventorySettings | None = None) -> Litestar:
    settings = settings or InventorySettings.from_env()
    configure_logging(service="inventory", level=settings.log_level)
    initialise_label_values()

    async def cache_check() -> CheckResult:
        return await app.state.cache.check()

    cache_check.check_name = "cache"  # type: ignore[attr-defined]

    app = Litestar(
        route_handlers=[
            ProductController,
            VehicleController,
            FacetController,
            StockController,
            ReservationController,
            MetricsController,
            health_controller([db_ready(DB), cache_check]),
        ],
        lifespan=[
            piccolo_pool(DB, enabled=settings.db_pool, min_size=2, max_size=settings.pool_max_size),
            cache_lifespan(settings.redis_url, service="inventory"),
            product_cache(settings),
            sweeper(settings),
        ],
        dependencies={
            "settings": Provide(lambda: settings, sync_to_thread=False),
            "cache": Provide(provide_product_cache, sync_to_thread=False),
        },
        middleware=[observability_middleware("inventory")],
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=OpenAPIConfig(title="Auto-Forge inventory", version="1.0.0", path="/schema"),
        request_max_body_size=settings.max_body_bytes,
        # Logging is common's JSON sink; Litestar's own config would add a second, plain-text one.
        logging_config=None,
        debug=settings.debug,
    )
    return app
