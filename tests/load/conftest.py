from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers import serve


@pytest.fixture(name="server", scope="module")
def fx_server() -> Iterator[str]:
    """The small Litestar app in tests/load/app.py, served by a real uvicorn process."""
    with serve("tests.load") as url:
        yield url
