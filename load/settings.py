"""The stress client's environment interface, as the in-cluster Deployments set it.

The names have no prefix (`SERVICE_URL`, `SERVICE_PORT`, `ENDPOINT`, `CONCURRENT`,
`DURATION`): they are the seed's interface. Only those names are taken from the
environment before `common.settings.load` sees it, so nothing else can leak in.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

import msgspec

from common.settings import load, process_environ

NAMES = ("SERVICE_URL", "SERVICE_PORT", "ENDPOINT", "CONCURRENT", "DURATION")


class StressSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    # Base URL of the service under load, e.g. http://inventory-svc or http://127.0.0.1:4002.
    service_url: str = ""
    # Port to use when `service_url` has none.
    service_port: int = 0
    # Path (with query) requested when no scenario is given.
    endpoint: str = "/"
    # Concurrent users of the closed model.
    concurrent: int = 0
    # How long to run: 60, 60s, 5m.
    duration: str = ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> StressSettings:
        source = process_environ() if environ is None else environ
        picked = {name: source[name] for name in NAMES if source.get(name, "").strip()}
        return load(cls, prefix="", environ=picked)

    @property
    def url(self) -> str:
        """Return the full URL of the endpoint, or "" when no service is configured."""
        if not self.service_url:
            return ""
        base = self.service_url if "://" in self.service_url else f"http://{self.service_url}"
        parts = urlsplit(base)
        if self.service_port and parts.port is None:
            parts = parts._replace(netloc=f"{parts.netloc}:{self.service_port}")
        base = urlunsplit(parts).rstrip("/")
        endpoint = self.endpoint if self.endpoint.startswith("/") else f"/{self.endpoint}"
        return base + endpoint
