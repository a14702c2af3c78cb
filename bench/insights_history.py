"""A history that an insights benchmark builds once (--keep) and measures again later (--reuse).

Building a year of history at issue 12's scale takes 15 to 30 minutes on a small machine, and a timing is only
worth something when the machine is quiet: so the benchmarks can keep the database they filled and time it again
another day. What a later run needs (which benchmark, the page or group name, the admin's credentials, the port
the actors' URIs were made with, the moment the history ends) is stored in the database itself, in a table of
its own (`bench_history`), written only once the history and its rollups are complete.

A history ends "now", at the moment it was built. Reused on a later day, every date and time in the database is
moved forward by the whole days since then (and the table remembers the new moment), so today and the periods
before it hold what they held when it was built, rollups included. Today then holds what it held at the build's
time of day, also when the reuse is earlier in the day (those rows lie up to a few hours ahead of the clock; the
page and the direct counts both count them as today's).
"""
from __future__ import annotations

import argparse
import json
import re
import time
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable

from yarl import URL

from benchlib import _pg_execute, is_sqlite, say, sqlite_path, throwaway_database
from models.actors import Actor
from server.database import apply_migrations

TABLE = "bench_history"
# Date columns sit in unique keys (a page's day, a member's day): they are moved out of the way first
# (this many days ahead), then to their place, so no row lands on one not yet moved.
PARK_DAYS = 36525
HOUR_COLUMNS = (("insight_page_hour", "hour"),)  # whole hours since the epoch (models/insights.py PageHour)
SKIPPED_TABLES = {TABLE, "tortoise_migrations"}
PG_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


EPILOG = ("Build once, measure later: --keep keeps the history a run builds; --reuse times it again (on a quiet "
          "machine) without building it or its rollups, and still checks the figures against direct counts of the "
          "raw rows. Each timed line gives the wall time (client side) and the server-side CPU time per request "
          "(time.process_time() around its handling in this process: on SQLite the database's work too, on "
          "PostgreSQL the driver's but not the server's); the CPU time hardly depends on the machine's load.")


def add_history_options(parser: argparse.ArgumentParser, keep_help: str) -> None:
    parser.epilog = EPILOG
    parser.add_argument("--keep", metavar="PATH_OR_NAME",
                        help=f"build the history and keep it afterwards: {keep_help}. The run measures it as usual; "
                             "the last line says how to measure it again")
    parser.add_argument("--reuse", metavar="PATH_OR_URL",
                        help="measure a history kept with --keep, without building it or its rollups again: a "
                             "SQLite file's path, or postgres://USER@HOST:PORT/NAME. Built on an earlier day, its "
                             "dates are first moved forward so that it ends today (it stays kept); the history's "
                             "sizes are the kept ones, so size options are ignored")


def history_options_valid(parser: argparse.ArgumentParser, args: argparse.Namespace, engines: int) -> None:
    if args.keep and args.reuse:
        parser.error("--keep builds a history, --reuse measures a kept one: give one of them")
    if (args.keep or args.reuse) and engines > 1:
        parser.error("--keep and --reuse work on one database: give at most one --database-url")
    if args.reuse and args.database_url:
        parser.error("--reuse names the database itself: leave out --database-url")


def reuse_url(text: str) -> str:
    """--reuse's argument as a database URL: a path is a SQLite file."""
    if "://" in text:
        return text
    return f"sqlite://{Path(text).resolve()}"


@asynccontextmanager
async def bench_database(keep: str | None, reuse: str | None, database_url: str | None,
                         workdir: Path) -> AsyncIterator[tuple[str, bool]]:
    """Yields (database URL, reused). reuse: that database, as kept (migrated to this code's schema first).
    keep: a new database that stays afterwards, once its history is complete (SQLite: the file PATH; PostgreSQL:
    the database named KEEP on the server of database_url). Else a throwaway database, as before."""
    if reuse:
        url = reuse_url(reuse)
        if is_sqlite(url) and not sqlite_path(url).exists():
            raise SystemExit(f"--reuse: {sqlite_path(url)} does not exist")
        await apply_migrations(url, progress=lambda line: say(f"  {line.strip()} (a migration newer than the history)"))
        yield url, True
        return
    if not keep:
        async with throwaway_database(database_url, workdir) as url:
            yield url, False
        return
    if database_url is None or is_sqlite(database_url):
        path = Path(keep).resolve()
        if path.exists():
            raise SystemExit(f"--keep: {path} exists; give a new file (or measure it with --reuse {path})")
        url = f"sqlite://{path}"
        drop = _remove_sqlite
    else:
        if not PG_NAME.match(keep):
            raise SystemExit(f"--keep with PostgreSQL: a database name of lowercase letters, digits and _, got {keep!r}")
        url = str(URL(database_url).with_path(f"/{keep}"))
        await _pg_execute(database_url, f"CREATE DATABASE {keep}")

        async def drop(_: str) -> None:
            await _pg_execute(database_url, f"DROP DATABASE IF EXISTS {keep} WITH (FORCE)")
    try:
        await apply_migrations(url, progress=lambda _: None)
        yield url, False
    finally:
        if await _has_history(url):
            say(f"history kept: measure it again with --reuse {sqlite_path(url) if is_sqlite(url) else url}")
        else:
            await drop(url)  # a half-built history is worth nothing


async def _remove_sqlite(url: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{sqlite_path(url)}{suffix}").unlink(missing_ok=True)


async def _has_history(url: str) -> bool:
    """Whether the database holds a complete history (its bench_history row), read without the ORM."""
    if is_sqlite(url):
        import sqlite3

        if not sqlite_path(url).exists():
            return False
        with sqlite3.connect(sqlite_path(url)) as connection:
            return bool(connection.execute("SELECT count(*) FROM sqlite_master WHERE name = ?", (TABLE,)).fetchone()[0])
    import asyncpg

    connection = await asyncpg.connect("postgresql://" + url.split("://", 1)[1])
    try:
        return bool(await connection.fetchval("SELECT to_regclass($1) IS NOT NULL", TABLE))
    finally:
        await connection.close()


def _db() -> Any:
    return Actor._meta.db


def _sqlite() -> bool:
    return _db().capabilities.dialect == "sqlite"


async def save_history(info: dict[str, Any]) -> None:
    """Record what a later --reuse needs; call it last, once the history and its rollups are complete."""
    db = _db()
    await db.execute_script(f"CREATE TABLE IF NOT EXISTS {TABLE} (key VARCHAR(32) PRIMARY KEY, value TEXT NOT NULL)")
    await db.execute_query(f"DELETE FROM {TABLE} WHERE key = 'history'")
    mark = "?" if _sqlite() else "$1"
    await db.execute_query(f"INSERT INTO {TABLE} (key, value) VALUES ('history', {mark})", [json.dumps(info)])


async def load_history(bench: str) -> dict[str, Any]:
    """What the build recorded (SystemExit when the database holds no complete history of this benchmark)."""
    db = _db()
    try:
        rows = await db.execute_query_dict(f"SELECT value FROM {TABLE} WHERE key = 'history'")
    except Exception as exc:  # noqa: BLE001 (no such table: not a kept history)
        raise SystemExit(f"--reuse: no complete history in this database ({exc})") from exc
    if not rows:
        raise SystemExit("--reuse: no complete history in this database (the build did not finish)")
    info = json.loads(rows[0]["value"])
    if info.get("bench") != bench:
        raise SystemExit(f"--reuse: this database holds a {info.get('bench')} history, not a {bench} one")
    return info


def history_now(info: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(info["now"])


async def bring_forward(info: dict[str, Any], now: datetime | None = None,
                        then: Callable[[int], Awaitable[None]] | None = None) -> int:
    """Move every date and time of the history forward by the whole days since it ended, so it ends today again;
    returns the number of days (0: built or last moved today). `then(days)` fixes what a move by days breaks
    (calendar weeks) before the new end is recorded."""
    ended = history_now(info)
    today = (now or datetime.now(timezone.utc)).date()
    days = (today - ended.date()).days
    if days <= 0:
        return 0
    started = time.perf_counter()
    for table, column, kind in await _time_columns():
        await _shift(table, column, kind, days)
    if then is not None:
        await then(days)
    info["now"] = (ended + (today - ended.date())).isoformat()
    info["moved_days"] = info.get("moved_days", 0) + days
    await save_history(info)
    await refresh_statistics()
    say(f"  history moved forward {days} days to end today, in {time.perf_counter() - started:.0f} s")
    return days


async def refresh_statistics() -> None:
    """Planner statistics (and on PostgreSQL the dead rows of the moved ones cleaned up)."""
    db = _db()
    if _sqlite():
        await db.execute_script("ANALYZE")
        return
    import asyncpg

    # VACUUM cannot run in a transaction: a connection of its own, with the client's own parameters.
    connection = await asyncpg.connect(host=db.host, port=db.port, user=db.user, password=db.password,
                                       database=db.database)
    try:
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()


async def _time_columns() -> list[tuple[str, str, str]]:
    """(table, column, "date" | "time" | "hour") for every date and time column of the database."""
    db = _db()
    found: list[tuple[str, str, str]] = []
    if _sqlite():
        tables = await db.execute_query_dict("SELECT name FROM sqlite_master WHERE type = 'table'")
        for row in tables:
            table = row["name"]
            if table.startswith("sqlite_") or table in SKIPPED_TABLES:
                continue
            for column in await db.execute_query_dict(f'PRAGMA table_info("{table}")'):
                declared = str(column["type"]).upper()
                if declared == "DATE":
                    found.append((table, column["name"], "date"))
                elif declared in ("TIMESTAMP", "DATETIME"):
                    found.append((table, column["name"], "time"))
    else:
        rows = await db.execute_query_dict(
            "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' "
            "AND data_type IN ('date', 'timestamp with time zone', 'timestamp without time zone') "
            "ORDER BY table_name, column_name")
        for row in rows:
            if row["table_name"] not in SKIPPED_TABLES:
                found.append((row["table_name"], row["column_name"], "date" if row["data_type"] == "date" else "time"))
    found += [(table, column, "hour") for table, column in HOUR_COLUMNS]
    return found


async def _shift(table: str, column: str, kind: str, days: int) -> None:
    db = _db()
    target = f'"{column}"'
    if kind == "hour":
        steps = [24 * PARK_DAYS, 24 * (days - PARK_DAYS)]
        for step in steps:
            await db.execute_query(f'UPDATE "{table}" SET {target} = {target} + {step}')
        return
    if kind == "date":
        steps = [PARK_DAYS, days - PARK_DAYS]
    else:
        steps = [days]
    for step in steps:
        if _sqlite():
            if kind == "date":
                value = f"date({target}, '{step:+d} days')"
            else:  # stored as UTC text, 'YYYY-MM-DD HH:MM:SS...+00:00': only the date part changes
                value = f"date(substr({target}, 1, 10), '{step:+d} days') || substr({target}, 11)"
        else:
            value = f"{target} + {step}" if kind == "date" else f"{target} + make_interval(days => {step})"
        await db.execute_query(f'UPDATE "{table}" SET {target} = {value} WHERE {target} IS NOT NULL')
