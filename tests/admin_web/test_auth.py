"""Login, logout, sessions, CSRF and lockout against the real app, PostgreSQL and Redis."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as redis
from litestar.testing import AsyncTestClient

from tests.admin_web.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, MakeUser, csrf_token, log_in


async def test_first_admin_is_created_from_settings_when_there_are_no_users(client: AsyncTestClient) -> None:
    assert await log_in(client, ADMIN_EMAIL, ADMIN_PASSWORD) == 303
    page = await client.get("/", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "Log out" in page.text


async def test_generated_first_admin_password_goes_to_a_private_file_not_the_logs_when_unset(
    tmp_path, capsys
) -> None:
    from admin_web import auth
    from admin_web.app import announce_first_admin

    generated = await auth.ensure_first_admin(email="first@example.test", password="")
    assert generated
    assert len(generated) >= 16
    path = announce_first_admin(email="first@example.test", password=generated, data_dir=tmp_path)
    assert path.read_text().split() == ["first@example.test", generated]
    assert path.stat().st_mode & 0o777 == 0o600
    captured = capsys.readouterr()
    assert generated not in captured.out + captured.err
    assert await auth.ensure_first_admin(email="other@example.test", password="") is None


async def test_login_sets_httponly_samesite_session_cookie_when_password_is_right(
    client: AsyncTestClient,
) -> None:
    token = await csrf_token(client)
    response = await client.post(
        "/login",
        data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "_csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and "adm_session=" in v)
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie or "samesite=strict" in cookie.lower()
    assert ADMIN_PASSWORD not in response.text


async def test_login_is_refused_when_password_is_wrong(client: AsyncTestClient) -> None:
    token = await csrf_token(client)
    response = await client.post(
        "/login", data={"email": ADMIN_EMAIL, "password": "wrong password!", "_csrf_token": token}
    )
    assert response.status_code == 401
    assert "wrong email or password" in response.text
    assert (await client.get("/", headers={"accept": "text/html"}, follow_redirects=False)).status_code == 303


async def test_logout_ends_the_session_when_posted(client: AsyncTestClient) -> None:
    await log_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    session = client.cookies.get("adm_session")
    token = await csrf_token(client, "/")
    response = await client.post("/logout", data={"_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    # The old token no longer works even if a browser kept it.
    client.cookies.set("adm_session", session)
    after = await client.get("/", headers={"accept": "text/html"}, follow_redirects=False)
    assert after.status_code == 303
    assert after.headers["location"].startswith("/login")


async def test_pages_redirect_to_login_when_not_logged_in(client: AsyncTestClient) -> None:
    response = await client.get("/orders", headers={"accept": "text/html"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next_url=/orders"


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.mark.parametrize(
    "headers",
    [{"accept": BROWSER_ACCEPT}, {"accept": "*/*"}, {"sec-fetch-mode": "navigate", "accept": "*/*"}],
    ids=["browser", "curl", "navigate"],
)
async def test_dashboard_redirects_to_login_when_a_page_load_has_no_session(
    client: AsyncTestClient, headers: dict[str, str]
) -> None:
    response = await client.get("/", headers=headers, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next_url=/"


async def test_login_redirect_keeps_the_query_when_a_page_load_has_no_session(
    client: AsyncTestClient,
) -> None:
    response = await client.get("/orders?status=pending&page=2", headers={"accept": BROWSER_ACCEPT})
    assert response.status_code == 200  # followed to the login page
    assert 'name="next" value="/orders?status=pending&amp;page=2"' in response.text


@pytest.mark.parametrize("accept", ["application/json", "text/event-stream"], ids=["api", "stream"])
async def test_api_and_stream_requests_get_401_when_there_is_no_session(
    client: AsyncTestClient, accept: str
) -> None:
    response = await client.get("/", headers={"accept": accept}, follow_redirects=False)
    assert response.status_code == 401
    assert "location" not in response.headers


async def test_htmx_request_gets_401_and_hx_redirect_to_the_current_page_when_there_is_no_session(
    client: AsyncTestClient,
) -> None:
    response = await client.get(
        "/inventory?q=brake",
        headers={
            "hx-request": "true",
            "hx-current-url": "http://admin.test/inventory?q=bra",
            "accept": "*/*",
        },
        follow_redirects=False,
    )
    assert response.status_code == 401
    assert response.headers["hx-redirect"] == "/login?next_url=/inventory%3Fq%3Dbra"


async def test_post_is_rejected_with_403_when_csrf_token_is_missing(client: AsyncTestClient) -> None:
    await csrf_token(client)  # the CSRF cookie is set, but the form omits the token
    response = await client.post("/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert response.status_code == 403
    assert "adm_session" not in client.cookies


async def test_post_is_rejected_with_403_when_csrf_token_is_forged(
    client: AsyncTestClient, make_user: MakeUser
) -> None:
    from admin_web import auth

    await log_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    response = await client.post(
        "/users",
        data={"email": "new@example.test", "name": "New", "role": "viewer", "password": PASSWORD,
              "_csrf_token": "forged-token"},
    )  # fmt: skip
    assert response.status_code == 403
    assert [u.email for u in await auth.list_users()] == [ADMIN_EMAIL]


async def test_login_locks_out_when_failures_pass_the_limit(client: AsyncTestClient, settings) -> None:
    for _ in range(settings.login_max_failures):
        assert await log_in(client, ADMIN_EMAIL, "not the password") == 401
    # Even the right password is refused while locked.
    assert await log_in(client, ADMIN_EMAIL, ADMIN_PASSWORD) == 429


async def test_lockout_holds_when_failed_logins_race(client: AsyncTestClient, settings) -> None:
    from admin_web import auth

    redis_client = redis.from_url(settings.redis_url)
    throttle = auth.Throttle(redis_client, max_failures=settings.login_max_failures, window_s=60)
    results = await asyncio.gather(
        *(
            auth.authenticate(ADMIN_EMAIL, password="not the password", client="10.0.0.1", throttle=throttle)
            for _ in range(settings.login_max_failures * 3)
        ),
        return_exceptions=True,
    )
    checked = [r for r in results if isinstance(r, auth.InvalidCredentials)]
    refused = [r for r in results if isinstance(r, auth.TooManyAttempts)]
    # However the attempts interleave, no more than the limit reach the password check.
    assert len(checked) == settings.login_max_failures
    assert len(refused) == settings.login_max_failures * 2
    await redis_client.aclose()
