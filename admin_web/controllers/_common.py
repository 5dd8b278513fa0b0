"""What every page handler shares: the signed-in user, page rendering, redirects with notices."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request
from litestar.response import Redirect, Template

from admin_web.auth import UserRead


def current_user(request: Request) -> UserRead:
    """The user the guard loaded for this request."""
    return request.state.user


def actor(user: UserRead) -> str:
    """How an operator is recorded on stock movements and order history."""
    return f"{user.name} <{user.email}>"


def page(
    name: str, request: Request, *, active: str = "", status_code: int = 200, **context: Any
) -> Template:
    q = request.query_params
    return Template(
        template_name=name,
        context={
            "user": getattr(request.state, "user", None),
            "active": active,
            "notice": q.get("notice", "")[:200],
            "problem": q.get("problem", "")[:200],
            **context,
        },
        status_code=status_code,
    )


def back(path: str, *, notice: str = "", problem: str = "") -> Redirect:
    """Redirect after POST (303) to `path`, with a one-line notice or problem to show."""
    query = urlencode({k: v for k, v in {"notice": notice, "problem": problem}.items() if v})
    return Redirect(f"{path}?{query}" if query else path, status_code=303)
