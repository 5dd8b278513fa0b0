"""Users, passwords, sessions and login throttling (rules only; no HTTP here).

* Passwords are argon2id hashes (argon2-cffi defaults); rehashed on login when the
  parameters change.
* Sessions are server-side in Redis: the cookie holds a random token, Redis holds
  `sha256(token)` → user id with a TTL, so logout and deactivation end a session at once.
* Throttling is race-safe: each attempt first takes a numbered slot with an atomic INCR
  (per email and per client address); past the limit the password is not even checked.
* Every Redis command here works on Redis 6.2 (the embedded server of `make run`).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

import asyncpg
import msgspec
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from redis.asyncio import Redis

from admin_web.tables import AdminUser
from common.errors import Conflict, DomainError, NotFound

_hasher = PasswordHasher()
# Verified against when the email is unknown, so timing does not reveal which emails exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
ROLE_RANK = {AdminUser.Role.viewer: 1, AdminUser.Role.operator: 2, AdminUser.Role.admin: 3}
MIN_PASSWORD_LENGTH = 10


class UserRead(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    email: str
    name: str
    role: str
    is_active: bool

    def can(self, role: AdminUser.Role) -> bool:
        return ROLE_RANK[AdminUser.Role(self.role)] >= ROLE_RANK[role]


class InvalidCredentials(DomainError):
    status_code, code = 401, "invalid_credentials"


class TooManyAttempts(DomainError):
    status_code, code = 429, "too_many_attempts"


class WeakPassword(DomainError):
    status_code, code = 400, "weak_password"


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"passwords need at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


_USER_COLUMNS = (AdminUser.id, AdminUser.email, AdminUser.name, AdminUser.role, AdminUser.is_active)


async def get_user_or_none(user_id: int) -> UserRead | None:
    row = await AdminUser.select(*_USER_COLUMNS).where(AdminUser.id == user_id).first()
    return None if row is None else msgspec.convert(row, UserRead)


async def list_users() -> list[UserRead]:
    rows = await AdminUser.select(*_USER_COLUMNS).order_by(AdminUser.email)
    return msgspec.convert(rows, list[UserRead])


async def create_user(email: str, *, name: str, role: AdminUser.Role, password: str) -> UserRead:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise DomainError("enter a valid email address")
    if not name.strip():
        raise DomainError("enter a name")
    user = AdminUser(
        email=email,
        name=name.strip()[:100],
        role=AdminUser.Role(role).value,
        password_hash=hash_password(password),
        is_active=True,
        created_at=datetime.now(UTC),
    )
    try:
        await user.save()
    except asyncpg.UniqueViolationError as exc:
        raise Conflict(f"a user with email {email} exists") from exc
    return UserRead(id=user.id, email=email, name=user.name, role=user.role, is_active=True)


async def update_user(user_id: int, *, role: AdminUser.Role | None = None, is_active: bool | None = None,
                      password: str | None = None, acting_user_id: int) -> UserRead:  # fmt: skip
    """Change a user's role, state or password. Admins cannot demote or deactivate themselves."""
    if user_id == acting_user_id and (role not in (None, AdminUser.Role.admin) or is_active is False):
        raise Conflict("you cannot remove your own admin role or deactivate yourself")
    values: dict = {}
    if role is not None:
        values[AdminUser.role] = AdminUser.Role(role).value
    if is_active is not None:
        values[AdminUser.is_active] = is_active
    if password:
        values[AdminUser.password_hash] = hash_password(password)
    if values:
        changed = await AdminUser.update(values).where(AdminUser.id == user_id).returning(AdminUser.id)
        if not changed:
            raise NotFound(f"no user {user_id}")
    user = await get_user_or_none(user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


async def ensure_first_admin(*, email: str, password: str, name: str = "Administrator") -> str | None:
    """Create the first admin when there are no users; return the password when it was generated.

    Safe with several replicas starting at once: the unique email decides, the loser does nothing.
    """
    if await AdminUser.exists().where(AdminUser.id.is_not_null()):
        return None
    generated = None
    if not password:
        generated = password = secrets.token_urlsafe(15)
    try:
        await create_user(email, name=name, role=AdminUser.Role.admin, password=password)
    except Conflict:
        return None
    return generated


# Redis 6.2 compatible (the embedded server of `make run` is 6.2: no `EXPIRE ... NX`). One
# script per call, so counting and arming the window are atomic and race-safe. The window is
# armed when the key has none (TTL -1), which also repairs a key left without one.
_TAKE_SLOT = """
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = redis.call('INCR', key)
  if redis.call('TTL', key) == -1 then redis.call('EXPIRE', key, ARGV[1]) end
end
return counts
"""
# Give a slot back only while the counter still exists: a DECR on an expired key would
# create a negative counter with no expiry (a permanent extra allowance).
_RELEASE_SLOT = """
local n = tonumber(redis.call('GET', KEYS[1]))
if n and n > 0 then return redis.call('DECR', KEYS[1]) end
return 0
"""


class Throttle:
    """Count failed logins per email and per client address in Redis, atomically."""

    def __init__(self, redis: Redis, *, max_failures: int, window_s: int, prefix: str = "adm") -> None:
        self.redis = redis
        self.prefix = prefix
        self.max_failures = max_failures
        self.window_s = window_s
        self._take = redis.register_script(_TAKE_SLOT)
        self._release = redis.register_script(_RELEASE_SLOT)

    def _keys(self, *, email: str, client: str) -> list[str]:
        return [
            f"{self.prefix}:login:email:{_digest(email)}",
            f"{self.prefix}:login:client:{_digest(client)}",
        ]

    async def take_slot(self, *, email: str, client: str) -> None:
        """Count this attempt; refuse it when either counter is past the limit.

        The client limit is wider (a shared address serves many people) but still bounded.
        """
        email_count, client_count = await self._take(
            keys=self._keys(email=email, client=client), args=[self.window_s]
        )
        if email_count > self.max_failures or client_count > self.max_failures * 4:
            raise TooManyAttempts("too many failed logins; try again later")

    async def clear(self, *, email: str) -> None:
        """A successful login forgets that email's failures (not the client's)."""
        await self.redis.delete(self._keys(email=email, client="")[0])

    async def release_client_slot(self, *, client: str) -> None:
        await self._release(keys=[self._keys(email="", client=client)[1]])


async def authenticate(email: str, *, password: str, client: str, throttle: Throttle) -> UserRead:
    """Check a login; raise TooManyAttempts or InvalidCredentials, never saying which part was wrong."""
    email = email.strip().lower()
    await throttle.take_slot(email=email, client=client)
    row = (
        await AdminUser.select(*_USER_COLUMNS, AdminUser.password_hash)
        .where(AdminUser.email == email)
        .first()
    )
    try:
        _hasher.verify(row["password_hash"] if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError) as exc:
        raise InvalidCredentials("wrong email or password") from exc
    if row is None or not row["is_active"]:
        raise InvalidCredentials("wrong email or password")
    if _hasher.check_needs_rehash(row["password_hash"]):
        await AdminUser.update({AdminUser.password_hash: _hasher.hash(password)}).where(
            AdminUser.id == row["id"]
        )
    await throttle.clear(email=email)
    await throttle.release_client_slot(client=client)
    return msgspec.convert({k: v for k, v in row.items() if k != "password_hash"}, UserRead)


class Sessions:
    """Server-side sessions in Redis; the browser only holds an opaque random token."""

    def __init__(self, redis: Redis, *, ttl_s: int, prefix: str = "adm") -> None:
        self.redis = redis
        self.ttl_s = ttl_s
        self.prefix = prefix

    def _key(self, token: str) -> str:
        return f"{self.prefix}:session:{_digest(token)}"

    async def create(self, user: UserRead) -> str:
        token = secrets.token_urlsafe(32)
        await self.redis.set(self._key(token), str(user.id), ex=self.ttl_s)
        return token

    async def user_id_or_none(self, token: str) -> int | None:
        if not token or len(token) > 128:
            return None
        raw = await self.redis.get(self._key(token))
        return int(raw) if raw else None

    async def end(self, token: str) -> None:
        await self.redis.delete(self._key(token))
