"""Static files served from a fixed list made at start-up, so a request path is only ever a key.

Litestar's static files router hands the request path to the file system: a NUL byte
(`/static/app.css%00.png`) raised ValueError and `/static/app.css/..` raised NotADirectoryError,
both answered 500. Nothing could escape the folder, but a lookup in a dict of the files that
exist cannot fail at all: every other path is a plain 404.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from litestar import HttpMethod, Router, route
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import File


def asset_router(*, path: str, directory: Path, name: str, opt: dict[str, Any] | None = None) -> Router:
    """GET/HEAD `path`/<file> for every file below `directory` (listed once, when this is called)."""
    files = {
        found.relative_to(directory).as_posix(): found
        for found in sorted(directory.rglob("*"))
        if found.is_file()
    }

    @route("/{file_path:path}", http_method=[HttpMethod.GET, HttpMethod.HEAD], name=name)
    async def serve_asset(file_path: FromPath[str]) -> File:
        found = files.get(file_path.lstrip("/"))
        if found is None:
            raise NotFoundException()
        media_type = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        return File(found, filename=found.name, content_disposition_type="inline", media_type=media_type)

    return Router(path=path, route_handlers=[serve_asset], include_in_schema=False, opt=opt or {})
