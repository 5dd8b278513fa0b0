"""Domain errors carry an HTTP status and a stable code; the mapping to HTTP happens once."""

from __future__ import annotations

import re
from typing import Any, ClassVar

import asyncpg
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from loguru import logger

_MAX_DETAIL = 200


class DomainError(Exception):
    """A broken business rule. Services raise these; `create_app` maps them to HTTP once."""

    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "invalid"

    def __init__(self, detail: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.extra = extra or {}


class NotFound(DomainError):
    status_code, code = 404, "not_found"


class Conflict(DomainError):
    status_code, code = 409, "conflict"


class Unavailable(DomainError):
    status_code, code = 503, "unavailable"


class BadGateway(DomainError):
    status_code, code = 502, "bad_gateway"


def problem(status: int, /, *, code: str, detail: str, **extra: Any) -> Response[dict[str, Any]]:
    """Return a JSON problem body: a stable `code`, a human `detail`, and any extra fields."""
    return Response({"code": code, "detail": detail, **extra}, status_code=status)


def domain_error_response(_: Request, exc: DomainError) -> Response[dict[str, Any]]:
    return problem(exc.status_code, code=exc.code, detail=str(exc), **exc.extra)


def http_error_response(_: Request, exc: HTTPException) -> Response[dict[str, Any]]:
    """Render Litestar's own 4xx errors (validation, size limits, 404) in the same shape."""
    if isinstance(exc, ValidationException):
        # Litestar's detail repeats the whole URL, query included, so a 10,000-character
        # parameter would come back in full: drop the query and cap the rest. The field-level
        # reasons in `extra` still name the parameter.
        detail = re.sub(r"\?\S*", "", str(exc.detail))
        if len(detail) > _MAX_DETAIL:
            detail = detail[:_MAX_DETAIL] + "..."
        return problem(exc.status_code, code="validation_error", detail=detail, errors=exc.extra or [])
    code = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}.get(
        exc.status_code, "http_error"
    )
    return problem(exc.status_code, code=code, detail=exc.detail)


def bad_text_response(_: Request, exc: Exception) -> Response[dict[str, Any]]:
    """PostgreSQL refused a value we passed on (a NUL in text, a number past its column's range).

    Such values can only come from the request, and the failed statement changed nothing, so
    this is the client's error; input validation should catch most of them earlier, by field.
    """
    if isinstance(exc, asyncpg.CharacterNotInRepertoireError):
        return problem(400, code="invalid_text", detail="text must not contain NUL (U+0000) characters")
    return problem(400, code="number_out_of_range", detail="a number is outside the range this field accepts")


def unexpected_error_response(request: Request, exc: Exception) -> Response[dict[str, Any]]:
    """Log an unexpected error with its traceback and answer 500 without leaking internals."""
    logger.opt(exception=exc).bind(route=request.scope.get("path_template", "")).error("unhandled error")
    return problem(HTTP_500_INTERNAL_SERVER_ERROR, code="internal_error", detail="internal server error")


EXCEPTION_HANDLERS = {
    DomainError: domain_error_response,
    asyncpg.CharacterNotInRepertoireError: bad_text_response,
    asyncpg.NumericValueOutOfRangeError: bad_text_response,
    HTTPException: http_error_response,
    Exception: unexpected_error_response,
}
