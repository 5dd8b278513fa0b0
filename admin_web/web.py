"""Jinja environment, template filters, and HTML-or-JSON error pages."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.response import Redirect, Template
from loguru import logger

from common.errors import DomainError, problem

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _num(value: float | None, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:,.{digits}f}"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:,.1f} ms"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"


def _money(cents: int | None, currency: str = "USD") -> str:
    if cents is None:
        return "-"
    symbol = "$" if currency == "USD" else f"{currency} "
    return f"{symbol}{cents / 100:,.2f}"


def _when(value: str | None) -> str:
    if not value:
        return ""
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["j2", "html"]), auto_reload=False
    )
    env.filters.update(num=_num, ms=_ms, pct=_pct, money=_money, when=_when)
    return env


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "") or request.headers.get("hx-request") == "true"


def _error_page(request: Request, *, status: int, heading: str, detail: str) -> Response[Any]:
    if not _wants_html(request):
        return problem(status, code={403: "forbidden", 404: "not_found"}.get(status, "error"), detail=detail)
    return Template(
        template_name="error.html.j2",
        context={
            "user": getattr(request.state, "user", None),
            "status": status,
            "heading": heading,
            "detail": detail,
            "active": "",
        },
        status_code=status,
        media_type=MediaType.HTML,
    )


def _is_page_load(request: Request) -> bool:
    """A browser loading a whole page (address bar, link, bookmark), not htmx, a stream or an API.

    Browsers say so with `Sec-Fetch-Mode: navigate` or an Accept naming HTML; a bare client
    (`curl`, Accept `*/*` or none) is treated the same, since this app has no JSON API. A client
    asking for JSON or an event stream gets the 401.
    """
    if request.method != "GET" or request.headers.get("hx-request") == "true":
        return False
    if request.headers.get("sec-fetch-mode") == "navigate":
        return True
    accept = request.headers.get("accept", "").replace(" ", "")
    return "text/html" in accept or accept in ("", "*/*")


def _login_url(next_path: str) -> str:
    return f"/login?next_url={quote(next_path, safe='/')}"


def not_authorized(request: Request, exc: NotAuthorizedException) -> Response[Any]:
    """No session: page loads go to the login page (303); htmx gets 401 + HX-Redirect; the rest 401."""
    if request.headers.get("hx-request") == "true":
        # Come back to the page the browser shows, not to the fragment (or POST) URL that failed.
        current = urlsplit(request.headers.get("hx-current-url", ""))
        back = current.path or "/"
        return Response(
            b"",
            status_code=401,
            headers={"HX-Redirect": _login_url(f"{back}?{current.query}" if current.query else back)},
        )
    if _is_page_load(request):
        query = request.url.query
        return Redirect(
            _login_url(f"{request.url.path}?{query}" if query else request.url.path), status_code=303
        )
    return problem(401, code="not_authenticated", detail="log in first")


def http_error(request: Request, exc: HTTPException) -> Response[Any]:
    headings = {403: "Not allowed", 404: "Not found", 405: "Not allowed here", 429: "Too many requests"}
    if exc.status_code == 400 and not _wants_html(request):
        return problem(400, code="bad_request", detail=str(exc.detail))
    return _error_page(
        request, status=exc.status_code, heading=headings.get(exc.status_code, "Request refused"),
        detail=str(exc.detail),
    )  # fmt: skip


def domain_error(request: Request, exc: DomainError) -> Response[Any]:
    if not _wants_html(request):
        return problem(exc.status_code, code=exc.code, detail=str(exc))
    return _error_page(request, status=exc.status_code, heading="Request refused", detail=str(exc))


def unexpected_error(request: Request, exc: Exception) -> Response[Any]:
    logger.opt(exception=exc).bind(route=request.scope.get("path_template", "")).error("unhandled error")
    return _error_page(
        request, status=500, heading="Something went wrong", detail="internal error; see the logs"
    )


EXCEPTION_HANDLERS = {
    NotAuthorizedException: not_authorized,
    HTTPException: http_error,
    DomainError: domain_error,
    Exception: unexpected_error,
}
