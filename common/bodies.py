"""Strict JSON request bodies: `"5"` is not a number, and the error names the field."""

from __future__ import annotations

from typing import TypeVar

import msgspec

from common.errors import DomainError

T = TypeVar("T")


class InvalidBody(DomainError):
    code = "validation_error"


def decode_strict(raw: bytes, type_: type[T]) -> T:
    """Decode `raw` JSON into `type_` without msgspec's lax conversions, or raise InvalidBody.

    Litestar converts a parsed body to the handler's `data` type with `strict=False`, which
    turns `"1"` into `1`; handlers that take the raw body and call this refuse it instead.
    """
    try:
        return msgspec.json.decode(raw, type=type_)
    except msgspec.ValidationError as exc:
        # msgspec says where: "Expected `int`, got `str` - at `$.lines[0].quantity`".
        path = str(exc).rpartition(" - at ")[2] if " - at " in str(exc) else "$"
        raise InvalidBody(f"invalid body: {exc}", extra={"path": path.strip("`")}) from exc
    except msgspec.DecodeError as exc:
        raise InvalidBody(f"malformed JSON: {exc}", extra={"path": "$"}) from exc
