"""Opaque keyset cursors: the sort name, the last row's sort key and its id."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import msgspec

from inventory_svc.services._errors import InvalidCursor


def encode_cursor(sort: str, key: Any, row_id: int) -> str:
    raw = msgspec.json.encode([sort, key, row_id])
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str, *, sort: str, key_type: type) -> tuple[Any, int]:
    """Return (key, id) of `cursor`, or raise InvalidCursor when it is not one for `sort`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, key, row_id = msgspec.json.decode(raw, type=tuple[str, key_type, int])
    except (binascii.Error, ValueError, msgspec.DecodeError) as exc:
        raise InvalidCursor() from exc
    if cursor_sort != sort:
        raise InvalidCursor()
    return key, row_id
