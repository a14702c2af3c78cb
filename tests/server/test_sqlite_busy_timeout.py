"""SQLite waits for another process's lock for MOOT_SQLITE_BUSY_TIMEOUT_MS (PRAGMA busy_timeout), set explicitly
on the app's connection instead of the driver's 5 s default."""
from __future__ import annotations

from pathlib import Path

import pytest

from models.config import DEFAULT_SQLITE_BUSY_TIMEOUT_MS, sqlite_url, tortoise_config
from server.database import open_database
from tests.conftest import MootInstance


async def busy_timeout(moot: MootInstance) -> int:
    rows = await moot.database.db().execute_query_dict("PRAGMA busy_timeout")
    return int(rows[0]["timeout"])


async def test_the_apps_sqlite_connection_waits_as_set(moot_factory, engine: str) -> None:  # type: ignore[no-untyped-def]
    if engine != "sqlite":
        pytest.skip("a SQLite setting")
    assert await busy_timeout(await moot_factory()) == DEFAULT_SQLITE_BUSY_TIMEOUT_MS == 15000
    assert await busy_timeout(await moot_factory(sqlite_busy_timeout_ms=2500)) == 2500


async def test_a_reopened_connection_gets_it_again(tmp_path: Path) -> None:
    database = await open_database(f"sqlite://{tmp_path}/moot.sqlite3", sqlite_busy_timeout_ms=4321)
    try:
        connection = database.db()
        assert (await connection.execute_query_dict("PRAGMA busy_timeout"))[0]["timeout"] == 4321
        await connection.close()  # the next query opens a new connection, with the PRAGMAs again
        assert (await connection.execute_query_dict("PRAGMA busy_timeout"))[0]["timeout"] == 4321
        assert (await connection.execute_query_dict("PRAGMA journal_mode"))[0]["journal_mode"] == "wal"
    finally:
        await database.close_connections()


def test_the_url_keeps_its_own_pragmas() -> None:
    assert sqlite_url("sqlite://data/moot.sqlite3", 15000) == "sqlite://data/moot.sqlite3?busy_timeout=15000"
    assert sqlite_url("sqlite://x.db?synchronous=NORMAL", 9) == "sqlite://x.db?synchronous=NORMAL&busy_timeout=9"
    assert sqlite_url("sqlite://x.db?busy_timeout=100", 9) == "sqlite://x.db?busy_timeout=100"
    pg = tortoise_config("postgres://u@h:5432/db", sqlite_busy_timeout_ms=9)["connections"]["postgres"]
    assert pg["engine"] == "tortoise.backends.asyncpg" and "busy_timeout" not in pg["credentials"]
    assert (pg["credentials"]["host"], pg["credentials"]["port"], pg["credentials"]["database"]) == ("h", 5432, "db")
