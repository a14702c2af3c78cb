"""The moot command on a database that was never migrated (or is behind): one clear line, exit status 2."""
from __future__ import annotations

import asyncio
import io
import sys
import uuid
from pathlib import Path
from typing import Iterator

import pytest

from server.cli import main
from tests.conftest import ENGINES, _pg_admin, _pg_url

COMMANDS = [
    ["user", "create", "ada"],
    ["page", "create", "bakery", "--owner", "ada"],
    ["token", "create", "ada"],
    ["admin", "domain", "list"],
    ["admin", "rule", "add", "spam", "--action", "reject"],
    ["group", "create", "cats", "--owner", "ada"],
    ["serve", "--no-migrate"],
]


@pytest.fixture(params=ENGINES)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A database server with an empty database: nothing was ever migrated."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MOOT_BASE_URL", "https://moot.example")
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    if request.param == "sqlite":
        url = f"sqlite://{tmp_path}/never-migrated.sqlite3"
        monkeypatch.setenv("MOOT_DATABASE_URL", url)
        yield url
        return
    name = f"moot_empty_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f"CREATE DATABASE {name}"))
    monkeypatch.setenv("MOOT_DATABASE_URL", _pg_url(name))
    try:
        yield _pg_url(name)
    finally:
        asyncio.run(_pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_commands_on_a_database_without_tables_say_migrate_first(
    empty_database: str, command: list[str], capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(command) == 2
    captured = capsys.readouterr()
    assert captured.err == "moot: the database has no tables yet: run `moot migrate` first\n"
    assert "Traceback" not in captured.out + captured.err


def test_a_database_behind_the_code_says_migrate_first(empty_database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate"]) == 0
    assert main(["admin", "domain", "list"]) == 0

    async def forget_last_migration() -> None:
        from server.database import open_database

        database = await open_database(empty_database)
        try:
            await database.db().execute_script(
                "DELETE FROM tortoise_migrations WHERE name = (SELECT MAX(name) FROM tortoise_migrations)")
        finally:
            await database.close_connections()

    asyncio.run(forget_last_migration())
    capsys.readouterr()
    assert main(["user", "create", "ada"]) == 2
    err = capsys.readouterr().err
    assert "the database is older than this version of Moot (not applied: 0" in err
    assert err.endswith("): run `moot migrate` first\n")
