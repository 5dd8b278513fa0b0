"""The one module that reads the process environment.

Every settings class is a frozen msgspec Struct built by `load` from variables named
`<PREFIX>_<FIELD>`; strings are coerced to the field types (msgspec lax mode).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

import msgspec

S = TypeVar("S", bound=msgspec.Struct)


def load(cls: type[S], *, prefix: str, environ: Mapping[str, str] | None = None) -> S:
    """Build `cls` from variables named PREFIX_FIELD; strings are coerced to field types.

    Raises:
        msgspec.ValidationError: a variable has the wrong type, or names no field of `cls`
            (when `cls` forbids unknown fields), so a typo fails at start-up, not silently.
    """
    environ = os.environ if environ is None else environ
    raw = {key[len(prefix) :].lower(): value for key, value in environ.items() if key.startswith(prefix)}
    return msgspec.convert(raw, cls, strict=False)


def process_environ() -> dict[str, str]:
    """Return a copy of the environment, for launching child processes."""
    return dict(os.environ)


class PlatformSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Settings of the local runner (`autoforge run`), prefix `AUTOFORGE_`.

    `database_url` and `redis_url` point at real servers; left empty, the runner starts the
    embedded PostgreSQL and Redis under `data_dir`.
    """

    data_dir: str = ".autoforge"
    # A server URL without a database name, e.g. postgresql://postgres@127.0.0.1:5432.
    database_url: str = ""
    redis_url: str = ""
    host: str = "127.0.0.1"
    log_level: str = "INFO"
    seed: bool = True

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> PlatformSettings:
        return load(cls, prefix="AUTOFORGE_", environ=environ)

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).resolve()
