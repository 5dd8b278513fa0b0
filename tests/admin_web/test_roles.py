"""Every route, every role: a table of who may do what, checked against the real app.

Denied requests answer 403 (or 401/redirect to the login page without a session) and
change nothing; the table is checked against the app's own route list so a new route
cannot be added without a row here.
"""

from __future__ import annotations

import uuid

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.admin_web.conftest import PASSWORD, MakeUser, csrf_token, log_in

ORDER = str(uuid.uuid4())
# (method, path template as the app names it, concrete path, form, least role)
ROUTES = [
    ("GET", "/", "/", None, "viewer"),
    ("GET", "/alerts", "/alerts", None, "viewer"),
    ("GET", "/inventory", "/inventory?q=brake", None, "viewer"),
    ("GET", "/inventory/low-stock", "/inventory/low-stock", None, "viewer"),
    ("GET", "/inventory/{sku:str}", "/inventory/BRK-1001", None, "viewer"),
    ("GET", "/orders", "/orders?status=pending", None, "viewer"),
    ("GET", "/orders/{order_id:uuid}", f"/orders/{ORDER}", None, "viewer"),
    ("GET", "/dashboard/stream", "/dashboard/stream", None, "viewer"),
    ("POST", "/logout", "/logout", {}, "viewer"),
    ("POST", "/inventory/{sku:str}/restocks", "/inventory/BRK-1001/restocks",
     {"warehouse": "MAIN", "quantity": "5", "reason": "delivery"}, "operator"),
    ("POST", "/inventory/{sku:str}/adjustments", "/inventory/BRK-1001/adjustments",
     {"warehouse": "MAIN", "delta": "-1", "reason": "count"}, "operator"),
    ("POST", "/orders/{order_id:uuid}/transitions", f"/orders/{ORDER}/transitions",
     {"to": "confirmed"}, "operator"),
    ("POST", "/orders/{order_id:uuid}/cancellation", f"/orders/{ORDER}/cancellation",
     {"reason": "asked"}, "operator"),
    ("GET", "/users", "/users", None, "admin"),
    ("POST", "/users", "/users",
     {"email": "made@example.test", "name": "Made", "role": "admin", "password": PASSWORD}, "admin"),
    ("POST", "/users/{user_id:int}", "/users/{viewer_id}", {"role": "admin"}, "admin"),
]  # fmt: skip
PUBLIC = {("GET", "/login"), ("POST", "/login"), ("GET", "/metrics"), ("GET", "/healthz"), ("GET", "/readyz")}
RANK = {"viewer": 1, "operator": 2, "admin": 3}


def test_role_table_covers_every_route_when_the_app_is_built(app: Litestar) -> None:
    routes = {
        (method, route.path)
        for route in app.routes
        for method in getattr(route, "methods", ())
        if method not in {"HEAD", "OPTIONS"} and not route.path.startswith("/static/")
    }
    assert routes - PUBLIC == {(method, template) for method, template, *_ in ROUTES}


def test_every_handler_names_a_role_or_is_public_when_the_app_is_built(app: Litestar) -> None:
    for route in app.routes:
        for method, entry in getattr(route, "route_handler_map", {}).items():
            handler = entry[0] if isinstance(entry, tuple) else entry
            if method != "OPTIONS":  # Litestar's automatic CORS preflight answer
                assert handler.opt.get("public") or handler.opt.get("role"), (route.path, method)


async def _snapshot_users() -> list[tuple[str, str, bool]]:
    from admin_web import auth

    return [(u.email, u.role, u.is_active) for u in await auth.list_users()]


async def _call(client: AsyncTestClient, method: str, path: str, form: dict | None):
    if path == "/dashboard/stream":
        # Only the status line matters here; the stream itself is tested end to end.
        async with client.stream("GET", path, headers={"accept": "text/event-stream"}) as response:
            return response.status_code
    if method == "GET":
        return (await client.get(path, headers={"accept": "text/html"}, follow_redirects=False)).status_code
    token = await csrf_token(client, "/login")
    response = await client.post(path, data={**(form or {}), "_csrf_token": token}, follow_redirects=False)
    return response.status_code


@pytest.mark.parametrize("role", ["viewer", "operator", "admin"])
@pytest.mark.parametrize(
    ("method", "template", "path", "form", "least"), ROUTES, ids=[f"{r[0]} {r[1]}" for r in ROUTES]
)
async def test_route_allows_or_forbids_when_user_has_role(
    client: AsyncTestClient, make_user: MakeUser, role: str, method: str, template: str, path: str,
    form: dict | None, least: str,
) -> None:  # fmt: skip
    from admin_web import auth

    viewer_email = await make_user("viewer")
    email = viewer_email if role == "viewer" else await make_user(role)
    viewer_id = next(u.id for u in await auth.list_users() if u.email == viewer_email)
    assert await log_in(client, email, PASSWORD) == 303
    before = await _snapshot_users()
    status = await _call(client, method, path.format(viewer_id=viewer_id), form)
    if RANK[role] >= RANK[least]:
        assert status in {200, 303}, (role, path, status)
    else:
        assert status == 403, (role, path, status)
        assert await _snapshot_users() == before


@pytest.mark.parametrize(
    ("method", "template", "path", "form", "least"), ROUTES, ids=[f"{r[0]} {r[1]}" for r in ROUTES]
)
async def test_route_refuses_when_nobody_is_logged_in(
    client: AsyncTestClient, method: str, template: str, path: str, form: dict | None, least: str
) -> None:
    before = await _snapshot_users()
    status = await _call(client, method, path.format(viewer_id=1), form)
    # Pages send browsers to the login page; streams and actions answer 401.
    assert status == (303 if method == "GET" and path != "/dashboard/stream" else 401)
    assert await _snapshot_users() == before
