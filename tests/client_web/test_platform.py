from __future__ import annotations

import msgspec
from litestar.testing import AsyncTestClient

from client_web.settings import WebSettings


async def test_posting_without_a_csrf_token_is_refused_when_the_form_omits_it(
    client: AsyncTestClient,
) -> None:
    await client.get("/")
    response = await client.post("/cart/lines", data={"sku": "OIL-FLT-3003", "quantity": "1"})
    assert response.status_code == 403
    assert "Please reload the page" in response.text
    cart = await client.get("/cart")
    assert "Your cart is empty" in cart.text


async def test_form_token_is_accepted_when_javascript_is_off(client: AsyncTestClient) -> None:
    await client.get("/")
    token = client.cookies["autoforge_csrf"]
    response = await client.post(
        "/cart/lines", data={"sku": "OIL-FLT-3003", "quantity": "1", "_csrf_token": token}
    )
    assert response.status_code == 303


async def test_session_cookie_is_httponly_and_samesite_when_a_session_starts(client: AsyncTestClient) -> None:
    first = await client.get("/")
    assert not any(c.startswith("autoforge_session=") for c in first.headers.get_list("set-cookie"))
    token = client.cookies["autoforge_csrf"]
    response = await client.post(
        "/cart/lines", data={"sku": "OIL-FLT-3003", "quantity": "1", "_csrf_token": token}
    )
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("autoforge_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie


async def test_csrf_cookie_is_httponly_when_set(client: AsyncTestClient) -> None:
    response = await client.get("/")
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("autoforge_csrf="))
    assert "HttpOnly" in cookie


async def test_session_is_not_rewritten_when_a_request_only_reads_it(client: AsyncTestClient) -> None:
    await client.get("/")
    token = client.cookies["autoforge_csrf"]
    await client.post("/cart/lines", data={"sku": "OIL-FLT-3003", "quantity": "1", "_csrf_token": token})
    response = await client.get("/cart")
    assert "Engine Oil Filter" in response.text
    assert not any(c.startswith("autoforge_session=") for c in response.headers.get_list("set-cookie"))


async def test_pages_load_assets_from_node_modules_when_rendered(client: AsyncTestClient) -> None:
    for path in ("/vendor/htmx/htmx.min.js", "/vendor/htmx-ext-sse/sse.min.js", "/vendor/pico/pico.min.css",
                 "/static/app.css", "/static/favicon.svg"):  # fmt: skip
        response = await client.get(path)
        assert response.status_code == 200, path


async def test_unknown_path_is_a_friendly_404_when_requested(client: AsyncTestClient) -> None:
    response = await client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert response.headers["content-type"].startswith("text/html")


async def test_error_page_is_a_fragment_for_main_when_htmx_asked(client: AsyncTestClient) -> None:
    response = await client.get("/products/NOPE-0000", headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert response.headers["hx-retarget"] == "#main"
    assert "<html" not in response.text


async def test_health_endpoints_answer_when_redis_is_up(client: AsyncTestClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["sessions"]["ok"] is True
    assert ready.json()["checks"]["inventory"]["ok"] is True


async def test_metrics_count_storefront_requests_by_route_template(client: AsyncTestClient) -> None:
    await client.get("/products/OIL-FLT-3003")
    metrics = (await client.get("/metrics")).text
    assert (
        'http_requests_total{method="GET",route="/products/{sku}",service="client",status="200"}' in metrics
    )


async def test_readiness_reports_inventory_down_without_failing_when_inventory_is_unreachable(
    settings: WebSettings,
) -> None:
    from client_web.app import create_app
    from tests.helpers import free_port

    down = msgspec.structs.replace(settings, inventory_url=f"http://127.0.0.1:{free_port()}")
    async with AsyncTestClient(create_app(down)) as client:
        ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["inventory"]["ok"] is False


async def test_unexpected_error_is_a_friendly_500_without_internals_when_a_handler_fails(
    settings: WebSettings,
) -> None:
    from litestar import get

    from client_web.app import create_app

    @get("/boom", sync_to_thread=False)
    def boom() -> str:
        raise RuntimeError("secret internals")

    app = create_app(settings)
    app.register(boom)
    async with AsyncTestClient(app) as client:
        response = await client.get("/boom")
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
