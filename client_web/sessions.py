"""The server-side session backend, writing to Redis only when the session changed.

Litestar's backend stores the session and re-sends the cookie on every response. Most
storefront requests (search as you type, polling availability) only read the session, so
this backend remembers what it loaded and skips the Redis write and the cookie when nothing
changed, and never creates a session for a visitor whose session is still empty. The cost:
the session's expiry (cookie and Redis key) counts from its last change, not its last use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Message, ScopeSession

_LOADED = "autoforge_session_loaded"


class WriteOnChangeSessionBackend(ServerSideSessionBackend):
    async def load_from_connection(self, connection: ASGIConnection) -> dict[str, Any]:
        data = await super().load_from_connection(connection)
        connection.scope.setdefault("state", {})[_LOADED] = (
            self.serialize_data(data, connection.scope) if data else None
        )
        return data

    async def store_in_message(
        self, scope_session: ScopeSession, message: Message, connection: ASGIConnection
    ) -> None:
        loaded = connection.scope.get("state", {}).get(_LOADED)
        if isinstance(scope_session, dict):
            if not scope_session and loaded is None:
                return  # a visitor with nothing to remember yet: no session, no cookie
            if loaded is not None and self.serialize_data(scope_session, connection.scope) == loaded:
                return
        await super().store_in_message(scope_session, message, connection)


@dataclass
class StorefrontSessionConfig(ServerSideSessionConfig):
    _backend_class = WriteOnChangeSessionBackend  # type: ignore[assignment]
