"""Connections for the services: the engine's pool when it is open, else one per use.

Queries are written in SQL against asyncpg directly: the hot paths (search, detail,
reservations) need row locks, `unnest` bulk updates and single round trips that the ORM's
query builder would hide.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from inventory_svc.db import DB


@asynccontextmanager
async def connection() -> AsyncIterator[asyncpg.Connection]:
    """Yield a connection from the pool (apps) or a fresh one (tests, CLI)."""
    pool = DB.pool
    if pool is not None:
        async with pool.acquire() as conn:
            yield conn
        return
    conn = await DB.get_new_connection()
    try:
        yield conn
    finally:
        await conn.close()


@asynccontextmanager
async def transaction() -> AsyncIterator[asyncpg.Connection]:
    """Yield a connection inside a transaction that commits on success and rolls back on error."""
    async with connection() as conn, conn.transaction():
        yield conn
