"""admin_web settings, prefix `ADM_`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import msgspec

from common.settings import load

REPO_ROOT = Path(__file__).resolve().parent.parent


class AdminSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    database_url: str = "postgresql://postgres@127.0.0.1:5432/admin"
    redis_url: str = "redis://127.0.0.1:6379/3"
    inventory_url: str = "http://127.0.0.1:4002"
    orders_url: str = "http://127.0.0.1:4001"
    client_url: str = "http://127.0.0.1:3000"
    # PromQL over Prometheus' HTTP API when set; otherwise the admin scrapes each `/metrics`.
    prometheus_url: str = ""
    # The first admin, created on start when the users table is empty. With no password
    # configured, one is generated and printed once to the terminal (never to the logs).
    admin_email: str = "admin@autoforge.local"
    admin_password: str = ""
    session_ttl_s: int = 8 * 3600
    # Set on HTTPS deployments so the session and CSRF cookies are `Secure`.
    cookie_secure: bool = False
    # Secret for the CSRF token hash; generated per process when empty (tokens then last a process).
    csrf_secret: str = ""
    # Lockout: this many failed logins for an email (or a client address) within the window.
    login_max_failures: int = 5
    login_window_s: int = 900
    poll_interval_s: float = 2.0
    # Namespace of this deployment's Redis keys and dashboard channel; replicas share it.
    redis_prefix: str = "adm"
    # An SSE stream ends after this long; the browser reconnects and gets a fresh snapshot.
    stream_max_s: float = 600.0
    # How long one poller holds the Redis lock without renewing it.
    poller_lock_ttl_s: float = 6.0
    # Services the dashboard shows, as name=url pairs; empty means inventory, orders and client.
    services: str = ""
    # Directory holding the npm packages served under /static/vendor.
    node_modules_dir: str = str(REPO_ROOT / "node_modules")
    db_pool: bool = True
    log_level: str = "INFO"
    debug: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AdminSettings:
        return load(cls, prefix="ADM_", environ=environ)

    @property
    def service_targets(self) -> dict[str, str]:
        """Dashboard targets: service name → base URL (its `/metrics` is scraped)."""
        if self.services:
            pairs = (item.split("=", 1) for item in self.services.split(",") if "=" in item)
            return {name.strip(): url.strip().rstrip("/") for name, url in pairs}
        return {"inventory": self.inventory_url, "orders": self.orders_url, "client": self.client_url}
