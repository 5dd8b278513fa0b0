from __future__ import annotations

import asyncio

import pytest

from load.http import CONNECT, Origin, Pool, RequestFailed, encode_request
from tests.helpers import free_port


async def get(server: str, path: str, pool: Pool) -> tuple[int, bytes]:
    origin = Origin(server)
    loop = asyncio.get_running_loop()
    response = await pool.send(
        origin, encode_request("GET", path, host=origin.host_header), deadline=loop.time() + 5
    )
    return response.status, response.body


async def test_body_is_joined_when_the_response_is_chunked(server: str) -> None:
    pool = Pool()
    try:
        assert await get(server, "/chunked", pool) == (200, b'{"part": 1, "part2": 2}')
        assert (await get(server, "/json", pool))[0] == 200
    finally:
        pool.close()


async def test_next_request_reconnects_when_the_server_closed_the_connection(server: str) -> None:
    pool = Pool()
    try:
        for _ in range(3):
            assert (await get(server, "/close", pool))[0] == 200
    finally:
        pool.close()


async def test_connect_error_is_reported_when_nothing_listens() -> None:
    with pytest.raises(RequestFailed) as failed:
        await get(f"http://127.0.0.1:{free_port()}", "/", Pool())
    assert failed.value.kind == CONNECT


def test_origin_refuses_https_when_parsed() -> None:
    with pytest.raises(ValueError, match="only http"):
        Origin("https://example.com")


def test_request_bytes_carry_length_and_host_when_encoded() -> None:
    data = encode_request("POST", "/cart", host="127.0.0.1:3000", headers={"X-A": "1"}, body=b"sku=A")
    head, body = data.split(b"\r\n\r\n", 1)
    assert head.startswith(b"POST /cart HTTP/1.1\r\nHost: 127.0.0.1:3000\r\n")
    assert b"Content-Length: 5" in head
    assert b"X-A: 1" in head
    assert body == b"sku=A"
