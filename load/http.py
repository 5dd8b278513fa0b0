"""A lean HTTP/1.1 client: one keep-alive connection per protocol object, httptools to parse.

httpx spends most of a small request in its own layers; a load generator that shares one
core with its bookkeeping cannot afford that. Here a request is one `transport.write` of
bytes prepared ahead of time and the response is parsed by httptools' C parser, keeping
only the status, the body, and the cookies a session needs.
"""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit

import httptools

# Error kinds, as they appear in reports. HTTP statuses are classified elsewhere.
CONNECT = "connect"
TIMEOUT = "timeout"
CLOSED = "closed"
PROTOCOL = "protocol"


class RequestFailed(Exception):
    """A request got no HTTP response; `kind` says why (connect, timeout, closed, protocol)."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


class Response:
    __slots__ = ("body", "cookies", "keep_alive", "status")

    def __init__(self, status: int, body: bytes, cookies: list[bytes], *, keep_alive: bool) -> None:
        self.status = status
        self.body = body
        self.cookies = cookies
        self.keep_alive = keep_alive


class Origin:
    """Scheme-less `host:port` of a target, parsed once; only plain http is supported."""

    __slots__ = ("host", "host_header", "port")

    def __init__(self, url: str) -> None:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        if parts.scheme != "http":
            raise ValueError(f"{url}: only http:// targets are supported")
        if not parts.hostname:
            raise ValueError(f"{url}: no host")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.host_header = parts.netloc

    def __repr__(self) -> str:
        return f"Origin({self.host}:{self.port})"


def encode_request(
    method: str, path: str, *, host: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> bytes:
    """Return the bytes of one HTTP/1.1 request with a keep-alive connection."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "User-Agent: autoforge-stress"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body or method in {"POST", "PUT", "PATCH"}:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class Connection(asyncio.Protocol):
    """One TCP connection that carries one request at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._transport: asyncio.Transport | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future[Response] | None = None
        self._body: list[bytes] = []
        self._cookies: list[bytes] = []
        self._status = 0
        self.closed = False

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport, so no isinstance check.
        self._transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(RequestFailed(PROTOCOL, str(exc)))

    def eof_received(self) -> bool:
        # A response without a length ends at EOF; a truncated one fails in connection_lost.
        with contextlib.suppress(httptools.HttpParserError):
            self._parser.feed_data(b"")
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(RequestFailed(CLOSED, "connection closed before the response ended"))

    # httptools callbacks

    def on_message_begin(self) -> None:
        self._body = []
        self._cookies = []

    def on_header(self, name: bytes, value: bytes) -> None:
        if len(name) == 10 and name.lower() == b"set-cookie":
            self._cookies.append(value)

    def on_headers_complete(self) -> None:
        self._status = self._parser.get_status_code()

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        waiter = self._waiter
        self._waiter = None
        keep_alive = self._parser.should_keep_alive()
        if not keep_alive:
            self.close()
        if waiter is not None and not waiter.done():
            body = self._body[0] if len(self._body) == 1 else b"".join(self._body)
            waiter.set_result(Response(self._status, body, self._cookies, keep_alive=keep_alive))

    # API

    async def request(self, data: bytes, *, deadline: float) -> Response:
        """Send `data` (a whole request) and return the response, or raise RequestFailed."""
        if self.closed or self._transport is None:
            raise RequestFailed(CLOSED, "connection is closed")
        waiter = self._loop.create_future()
        self._waiter = waiter
        timer = self._loop.call_at(deadline, self._on_timeout, waiter)
        self._transport.write(data)
        try:
            return await waiter
        finally:
            timer.cancel()

    def close(self) -> None:
        self.closed = True
        if self._transport is not None:
            self._transport.close()

    def _on_timeout(self, waiter: asyncio.Future[Response]) -> None:
        if not waiter.done():
            waiter.set_exception(RequestFailed(TIMEOUT, "no response before the deadline"))
        # A late response would arrive on the next request's waiter: never reuse this one.
        self._waiter = None
        self.closed = True
        if self._transport is not None:
            self._transport.abort()

    def _fail(self, error: RequestFailed) -> None:
        waiter = self._waiter
        self._waiter = None
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)
        if error.kind == PROTOCOL:
            self.close()


async def connect(origin: Origin, *, deadline: float) -> Connection:
    """Open a connection to `origin`, or raise RequestFailed(connect | timeout)."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout_at(deadline):
            _, protocol = await loop.create_connection(lambda: Connection(loop), origin.host, origin.port)
    except TimeoutError as exc:
        raise RequestFailed(TIMEOUT, f"connecting to {origin.host}:{origin.port}") from exc
    except OSError as exc:
        raise RequestFailed(CONNECT, f"{origin.host}:{origin.port}: {exc.strerror or exc}") from exc
    return protocol


class Pool:
    """The keep-alive connections of one virtual user: at most one per origin."""

    __slots__ = ("_connections",)

    def __init__(self) -> None:
        self._connections: dict[Origin, Connection] = {}

    async def send(self, origin: Origin, data: bytes, *, deadline: float) -> Response:
        """Send one request over this user's connection to `origin`, opening it when needed."""
        connection = self._connections.get(origin)
        reused = connection is not None and not connection.closed
        if not reused:
            connection = await connect(origin, deadline=deadline)
            self._connections[origin] = connection
        assert connection is not None
        try:
            return await connection.request(data, deadline=deadline)
        except RequestFailed as exc:
            # A server may close an idle keep-alive connection just as we reuse it: retry
            # once on a fresh one, as browsers and wrk do. Anything else is the answer.
            if not (reused and exc.kind == CLOSED):
                raise
        connection = await connect(origin, deadline=deadline)
        self._connections[origin] = connection
        return await connection.request(data, deadline=deadline)

    def close(self) -> None:
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()
