"""A small Litestar app the stress client's tests drive as a real uvicorn process."""

from __future__ import annotations

import asyncio

from litestar import Litestar, Request, Response, get, post
from litestar.response import Stream


@get("/healthz", sync_to_thread=False)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@get("/json", sync_to_thread=False)
def json_endpoint() -> dict[str, object]:
    return {"sku": "BRK-1001", "name": "Brake pad set", "price_cents": 4599, "currency": "USD"}


@get("/slow")
async def slow(ms: int = 50) -> dict[str, int]:
    await asyncio.sleep(ms / 1000)
    return {"slept_ms": ms}


@get("/status/{code:int}", sync_to_thread=False)
def status(code: int) -> Response[dict[str, int]]:
    return Response({"status": code}, status_code=code)


@get("/products", sync_to_thread=False)
def products() -> dict[str, object]:
    return {"items": [{"sku": f"SKU-{n}"} for n in range(3)], "next_cursor": None}


@get("/products/{sku:str}", sync_to_thread=False)
def product(sku: str) -> Response[dict[str, str]]:
    if not sku.startswith("SKU-"):
        return Response({"code": "not_found", "detail": sku}, status_code=404)
    return Response({"sku": sku})


@post("/cart", sync_to_thread=False, status_code=200)
def add_to_cart() -> Response[dict[str, str]]:
    response = Response({"cart": "ok"})
    response.set_cookie("cart", "c-42")
    return response


@post("/checkout", sync_to_thread=False, status_code=200)
def checkout(request: Request) -> Response[dict[str, str]]:
    if request.cookies.get("cart") != "c-42":
        return Response({"code": "empty_cart", "detail": "no cart cookie"}, status_code=409)
    return Response({"order": "placed"})


@get("/chunked", sync_to_thread=False)
def chunked() -> Stream:
    # No Content-Length: the body arrives with chunked transfer encoding.
    return Stream(iter([b'{"part": 1,', b' "part2": 2}']), media_type="application/json")


@get("/close", sync_to_thread=False)
def close() -> Response[dict[str, bool]]:
    return Response({"closing": True}, headers={"Connection": "close"})


def create_app() -> Litestar:
    return Litestar(
        [healthz, json_endpoint, slow, status, products, product, add_to_cart, checkout, chunked, close]
    )
