"""Opaque keyset cursors: the sort name, the last row's sort key and its id."""

from __future__ import annotations

import base64
import binascii
import math
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from inventory_svc.services._errors import InvalidCursor

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
BigId = Annotated[int, Meta(ge=0, le=INT64_MAX)]

# A cursor comes from the client, so its values are checked like any other input: a key or id
# PostgreSQL cannot hold (an int beyond int4, NUL in text) would otherwise fail in the query.
_KEY_TYPES: dict[Any, Any] = {
    int: Annotated[int, Meta(ge=-INT32_MAX - 1, le=INT32_MAX)],
    float: float,
    str: Annotated[str, Meta(max_length=200, pattern=r"^[^\x00]*$")],
}


def encode_cursor(sort: str, key: Any, row_id: int) -> str:
    raw = msgspec.json.encode([sort, key, row_id])
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str, *, sort: str, key_type: Any, id_max: int = INT32_MAX) -> tuple[Any, int]:
    """Return (key, id) of `cursor`, or raise InvalidCursor when it is not one for `sort`.

    `key_type` is `int` (an int4 column), `float`, `str`, or a msgspec type used as is;
    `id_max` is the largest value of the id column the cursor continues after.
    """
    row_id_type = Annotated[int, Meta(ge=0, le=id_max)]
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, key, row_id = msgspec.json.decode(
            raw, type=tuple[str, _KEY_TYPES.get(key_type, key_type), row_id_type]
        )
    except (binascii.Error, ValueError, msgspec.DecodeError) as exc:
        raise InvalidCursor() from exc
    if cursor_sort != sort or (isinstance(key, float) and not math.isfinite(key)):
        raise InvalidCursor()
    return key, row_id
