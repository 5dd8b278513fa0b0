"""Log in, log out, and (admins only) manage users."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from admin_web import auth, guards
from admin_web.controllers._common import back, current_user, page
from admin_web.metrics import LOGINS
from admin_web.tables import AdminUser
from common.errors import DomainError

Form = Body(media_type=RequestEncodingType.URL_ENCODED)


class LoginForm(msgspec.Struct, kw_only=True):
    email: str = ""
    password: str = ""
    next: str = "/"


class UserCreateForm(msgspec.Struct, kw_only=True):
    email: str = ""
    name: str = ""
    role: str = "viewer"
    password: str = ""


class UserPatchForm(msgspec.Struct, kw_only=True):
    role: str = ""
    is_active: str = ""
    password: str = ""


def _safe_next(value: str) -> str:
    """Only same-site paths: never redirect a login to another host."""
    return value if value.startswith("/") and not value.startswith("//") and "\\" not in value else "/"


class AccountController(Controller):
    @get("/login", opt=guards.PUBLIC)
    async def login_page(self, request: Request, next_url: FromQuery[str] = "/") -> Template:
        return page("login.html.j2", request, next_url=_safe_next(next_url), email="")

    @post("/login", opt=guards.PUBLIC)
    async def login(self, request: Request, data: Annotated[LoginForm, Form]) -> Template | Redirect:
        throttle: auth.Throttle = request.app.state.throttle
        client = request.client.host if request.client else "unknown"
        try:
            user = await auth.authenticate(
                data.email, password=data.password, client=client, throttle=throttle
            )
        except (auth.InvalidCredentials, auth.TooManyAttempts) as exc:
            LOGINS.labels(result=exc.code).inc()
            return page(
                "login.html.j2", request, status_code=exc.status_code, problem=str(exc),
                next_url=_safe_next(data.next), email=data.email[:254],
            )  # fmt: skip
        LOGINS.labels(result="ok").inc()
        token = await request.app.state.sessions.create(user)
        settings = request.app.state.settings
        response = Redirect(_safe_next(data.next), status_code=303)
        response.set_cookie(
            guards.SESSION_COOKIE, token, max_age=settings.session_ttl_s, httponly=True,
            samesite="strict", secure=settings.cookie_secure, path="/",
        )  # fmt: skip
        return response

    @post("/logout", opt=guards.viewer())
    async def logout(self, request: Request) -> Redirect:
        await request.app.state.sessions.end(request.cookies.get(guards.SESSION_COOKIE, ""))
        response = Redirect("/login", status_code=303)
        response.delete_cookie(guards.SESSION_COOKIE, path="/")
        return response


class UserController(Controller):
    path = "/users"
    opt = guards.admin()

    @get()
    async def list_users(self, request: Request) -> Template:
        return page(
            "users.html.j2",
            request,
            active="users",
            users=await auth.list_users(),
            roles=list(AdminUser.Role),
        )

    @post()
    async def create_user(self, request: Request, data: Annotated[UserCreateForm, Form]) -> Redirect:
        if data.role not in AdminUser.Role.__members__:
            return back("/users", problem="unknown role")
        try:
            user = await auth.create_user(
                data.email, name=data.name, role=AdminUser.Role(data.role), password=data.password
            )
        except DomainError as exc:
            return back("/users", problem=str(exc))
        return back("/users", notice=f"created {user.email} ({user.role})")

    @post("/{user_id:int}")
    async def update_user(
        self, request: Request, user_id: FromPath[int], data: Annotated[UserPatchForm, Form]
    ) -> Redirect:
        if data.role and data.role not in AdminUser.Role.__members__:
            return back("/users", problem="unknown role")
        try:
            user = await auth.update_user(
                user_id,
                role=AdminUser.Role(data.role) if data.role else None,
                is_active={"true": True, "false": False}.get(data.is_active),
                password=data.password or None,
                acting_user_id=current_user(request).id,
            )
        except DomainError as exc:
            return back("/users", problem=str(exc))
        return back("/users", notice=f"updated {user.email}")
