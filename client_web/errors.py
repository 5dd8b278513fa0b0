"""Friendly error pages: bad input (400), 404, backend down (503), unexpected errors (500).

Only a backend that cannot be reached, times out or answers 5xx is an outage (503); a backend
4xx means the request itself was wrong, so the shopper gets a 4xx page that says what to fix.
"""

from __future__ import annotations

from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException, PermissionDeniedException
from loguru import logger

from client_web.clients import BackendProblem, BackendUnavailable
from client_web.views import InvalidInput

HTMX_SWAP_MAIN = {"HX-Retarget": "#main", "HX-Reswap": "innerHTML", "HX-Push-Url": "false"}


def _page(request: Request, *, status: int, title: str, message: str) -> Response:
    is_htmx = bool(request.headers.get("hx-request"))
    return HTMXBlockTemplate(
        template_name="error.html.j2",
        block_name="content" if is_htmx else None,
        context={"status": status, "title": title, "message": message},
        status_code=status,
        headers=HTMX_SWAP_MAIN if is_htmx else {},
    )  # type: ignore[return-value]


def not_found(request: Request, exc: Exception) -> Response:
    return _page(
        request,
        status=404,
        title="Page not found",
        message="We could not find that page or part. Try searching the catalog.",
    )


def backend_unavailable(request: Request, exc: BackendUnavailable) -> Response:
    logger.bind(backend=exc.service).warning("backend unavailable")
    if exc.service == "orders":
        title, message = (
            "Ordering is temporarily unavailable",
            "Your cart is kept. Please try again in a minute.",
        )
    else:
        title, message = (
            "The catalog is temporarily unavailable",
            "We are on it. Please try again in a minute.",
        )
    return _page(request, status=503, title=title, message=message)


def invalid_input(request: Request, exc: InvalidInput) -> Response:
    return _page(
        request,
        status=400,
        title="Please check what you entered",
        message=f"The {exc.field} could not be used. {exc.message}",
    )


def backend_problem(request: Request, exc: BackendProblem) -> Response:
    if exc.status == 404:
        return not_found(request, exc)
    logger.bind(status=exc.status, code=exc.code).warning("backend refused a request")
    status = exc.status if exc.status in (400, 409, 422) else 400
    return _page(
        request,
        status=status,
        title="Please check what you entered",
        message="Part of the request could not be used (for example an unusual character in a search or "
        "part number). Please change it and try again.",
    )


def http_error(request: Request, exc: HTTPException) -> Response:
    if isinstance(exc, NotFoundException):
        return not_found(request, exc)
    if isinstance(exc, PermissionDeniedException):
        return _page(
            request,
            status=403,
            title="Please reload the page",
            message="Your session expired or the form is stale. Reload the page and try again.",
        )
    if exc.status_code >= 500:
        return unexpected(request, exc)
    return _page(
        request,
        status=exc.status_code,
        title="That did not work",
        message="The request was not understood. Please go back and try again.",
    )


def unexpected(request: Request, exc: Exception) -> Response:
    logger.opt(exception=exc).bind(route=request.scope.get("path_template", "")).error("unhandled error")
    return _page(
        request,
        status=500,
        title="Something went wrong",
        message="Sorry, that was our fault. Please try again.",
    )


EXCEPTION_HANDLERS = {
    BackendUnavailable: backend_unavailable,
    BackendProblem: backend_problem,
    InvalidInput: invalid_input,
    HTTPException: http_error,
    Exception: unexpected,
}
