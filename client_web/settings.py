from __future__ import annotations

from collections.abc import Mapping

import msgspec

from common.settings import load


class WebSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Settings of the storefront, prefix `WEB_`."""

    inventory_url: str = "http://127.0.0.1:4002"
    orders_url: str = "http://127.0.0.1:4001"
    redis_url: str = "redis://127.0.0.1:6379/2"
    log_level: str = "INFO"
    # Signs the CSRF cookie. Set it in production; the default only suits one local process.
    secret: str = "autoforge-storefront-development-secret-change-me"
    # Mark the session and CSRF cookies Secure (behind TLS in production).
    cookie_secure: bool = False
    session_max_age_s: int = 14 * 24 * 3600
    # Every call to inventory or orders gives up after this long: a slow backend becomes a
    # friendly "temporarily unavailable" page instead of a hung request.
    backend_timeout_s: float = 5.0
    # A live order stream ends after this long; the browser's EventSource reconnects.
    stream_max_s: float = 300.0
    # How often the product page polls for fresh stock per warehouse.
    availability_refresh_s: int = 10
    # Products per catalog page.
    page_size: int = 24
    # Where `npm ci` put htmx and Pico; "" means `node_modules` at the repository root.
    assets_dir: str = ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> WebSettings:
        return load(cls, prefix="WEB_", environ=environ)
