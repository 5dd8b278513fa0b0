"""Wiring of the storefront; the only place that knows how the app is put together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import redis.asyncio as redis
from litestar import Litestar
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.redis import RedisChannelsPubSubBackend
from litestar.config.csrf import CSRFConfig
from litestar.di import Provide
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.stores.redis import RedisStore
from litestar.template import TemplateConfig

from client_web import cart as cart_pages
from client_web import catalog, events, garage, tracking, views
from client_web.assets import asset_router
from client_web.clients import InventoryClient, OrdersClient
from client_web.errors import EXCEPTION_HANDLERS
from client_web.sessions import StorefrontSessionConfig
from client_web.settings import WebSettings
from common.health import CheckResult, health_controller
from common.logs import configure_logging
from common.observability import MetricsController, observability_middleware

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "autoforge_session"
CSRF_COOKIE = "autoforge_csrf"
CSRF_HEADER = "x-csrftoken"


def _vendor_routers(assets: Path) -> list:
    """Serve the pinned npm packages straight from node_modules (nothing is copied into the tree)."""
    folders = {
        "htmx": assets / "htmx.org" / "dist",
        "htmx-ext-sse": assets / "htmx-ext-sse" / "dist",
        "pico": assets / "@picocss" / "pico" / "css",
    }
    return [
        asset_router(
            path=f"/vendor/{name}", directory=folder, name=f"vendor-{name}", opt={"skip_session": True}
        )
        for name, folder in folders.items()
    ]


def _register_template_helpers(engine: JinjaTemplateEngine) -> None:
    engine.engine.globals.update(shopper=views.shopper, events=events, csrf_header=CSRF_HEADER)
    engine.engine.filters["money"] = views.money
    engine.engine.filters["attribute_label"] = views.attribute_label


def create_app(settings: WebSettings | None = None) -> Litestar:
    settings = settings or WebSettings.from_env()
    configure_logging(service="client", level=settings.log_level)
    assets = Path(settings.assets_dir) if settings.assets_dir else HERE.parent / "node_modules"
    # One Redis client for sessions and pub/sub; constructing it opens no connection.
    redis_client = redis.from_url(settings.redis_url, socket_connect_timeout=2.0, health_check_interval=30)

    @asynccontextmanager
    async def backends(app: Litestar) -> AsyncIterator[None]:
        app.state.inventory = InventoryClient(settings.inventory_url, timeout_s=settings.backend_timeout_s)
        app.state.orders = OrdersClient(settings.orders_url, timeout_s=settings.backend_timeout_s)
        app.state.facets = catalog.Facets(app.state.inventory)
        try:
            yield
        finally:
            await app.state.inventory.close()
            await app.state.orders.close()
            await redis_client.aclose()

    async def redis_check() -> CheckResult:
        try:
            await redis_client.ping()
        except (redis.RedisError, OSError) as exc:
            return CheckResult(name="sessions", ok=False, detail=type(exc).__name__)
        return CheckResult(name="sessions", ok=True)

    async def inventory_check() -> CheckResult:
        # Not critical: without inventory the storefront still answers with a friendly page.
        ok = await app.state.inventory.check()
        return CheckResult(name="inventory", ok=ok, critical=False)

    async def orders_check() -> CheckResult:
        ok = await app.state.orders.check()
        return CheckResult(name="orders", ok=ok, critical=False)

    def provide_settings() -> WebSettings:
        return settings

    channels = ChannelsPlugin(
        backend=RedisChannelsPubSubBackend(redis=redis_client),
        channels=[events.ORDER_EVENTS_CHANNEL],
        # A slow browser must not hold messages forever: keep the newest few.
        subscriber_max_backlog=100,
        subscriber_backlog_strategy="dropleft",
    )
    sessions = StorefrontSessionConfig(
        key=SESSION_COOKIE,
        store="sessions",
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        max_age=settings.session_max_age_s,
        exclude=["^/vendor/", "^/static/", "^/healthz", "^/readyz", "^/metrics"],
    )
    app = Litestar(
        route_handlers=[
            catalog.catalog,
            catalog.product_page,
            catalog.availability,
            garage.garage_page,
            garage.add_vehicle,
            garage.activate_vehicle,
            garage.remove_vehicle,
            cart_pages.cart_page,
            cart_pages.add_to_cart,
            cart_pages.update_cart_line,
            cart_pages.remove_cart_line,
            cart_pages.checkout_page,
            cart_pages.place_order,
            tracking.order_page,
            tracking.order_events,
            health_controller([redis_check, inventory_check, orders_check]),
            MetricsController,
            asset_router(path="/static", directory=HERE / "static", name="static"),
            *_vendor_routers(assets),
        ],
        dependencies={
            "inventory": Provide(views.provide_inventory, sync_to_thread=False),
            "orders": Provide(views.provide_orders, sync_to_thread=False),
            "facets": Provide(catalog.provide_facets, sync_to_thread=False),
            "settings": Provide(provide_settings, sync_to_thread=False),
        },
        lifespan=[backends],
        middleware=[observability_middleware("client"), sessions.middleware],
        stores={"sessions": RedisStore(redis_client, namespace="autoforge-web-sessions")},
        csrf_config=CSRFConfig(
            secret=settings.secret,
            cookie_name=CSRF_COOKIE,
            header_name=CSRF_HEADER,
            cookie_secure=settings.cookie_secure,
            cookie_samesite="lax",
            # Pages carry the token (form field, htmx header), so no script needs to read the cookie.
            cookie_httponly=True,
            exclude=["^/healthz", "^/readyz", "^/metrics"],
        ),
        template_config=TemplateConfig(
            directory=HERE / "templates",
            engine=JinjaTemplateEngine,
            engine_callback=_register_template_helpers,
        ),
        plugins=[HTMXPlugin(), channels],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        openapi_config=None,
        # Logging goes through common.logs (JSON lines); Litestar must not install its own handlers.
        logging_config=None,
    )
    return app
