"""PostgreSQL: a connection goes back to Moot's pool without asyncpg's reset query (models/pg_connection.py),
and still without anything a user of it left behind: an open transaction is rolled back."""
from __future__ import annotations

import pytest

from models.pg_connection import NoResetQueryConnection
from tests.conftest import MootInstance


async def test_a_released_connection_sends_no_reset_query_but_drops_an_open_transaction(
        moot: MootInstance, engine: str) -> None:
    if engine != "postgres":
        pytest.skip("asyncpg's pool is PostgreSQL's")
    pool = moot.database.db()._pool  # the asyncpg pool tortoise made from models/config.py
    async with pool.acquire() as connection:
        assert isinstance(connection._con, NoResetQueryConnection) and connection.get_reset_query() == ""
        await connection.execute("CREATE TABLE IF NOT EXISTS pool_release_probe (n int)")
        await connection.execute("BEGIN")
        await connection.execute("INSERT INTO pool_release_probe VALUES (1)")
    # Released inside the transaction: every connection of the pool sees no row (it was rolled back, not kept
    # open for the next user to commit).
    async with pool.acquire() as first, pool.acquire() as second:
        for connection in (first, second):
            assert not connection.is_in_transaction()
            assert await connection.fetchval("SELECT count(*) FROM pool_release_probe") == 0
