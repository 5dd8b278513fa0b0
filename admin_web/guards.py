"""Role guards: every route names the least role it needs in `opt["role"]`.

A route with `opt={"public": True}` is open (login page, health, static files). Everything
else needs a session; `require_role` loads the user from the session cookie (and the
database, so a role change or deactivation applies to the next request) and refuses the
request with 401 (no session) or 403 (role too low) before the handler runs, so nothing
changes.
"""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from admin_web import auth
from admin_web.tables import AdminUser

SESSION_COOKIE = "adm_session"
Role = AdminUser.Role


def viewer() -> dict:
    return {"role": Role.viewer}


def operator() -> dict:
    return {"role": Role.operator}


def admin() -> dict:
    return {"role": Role.admin}


PUBLIC = {"public": True}


async def require_role(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    if handler.opt.get("public"):
        return
    needed = handler.opt.get("role")
    if needed is None:
        # A route that forgot to say who may use it is closed, not open.
        raise PermissionDeniedException("route has no role")
    sessions: auth.Sessions = connection.app.state.sessions
    user_id = await sessions.user_id_or_none(connection.cookies.get(SESSION_COOKIE, ""))
    user = await auth.get_user_or_none(user_id) if user_id is not None else None
    if user is None or not user.is_active:
        raise NotAuthorizedException("log in first")
    connection.state.user = user
    if not user.can(Role(needed)):
        raise PermissionDeniedException(f"needs the {Role(needed).value} role")
