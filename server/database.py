"""Opening the database and applying migrations."""
from __future__ import annotations

import pkgutil
from pathlib import Path
from typing import Callable

from tortoise import Tortoise
from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate
from tortoise.migrations.recorder import MigrationRecorder

import models.migrations
from models.config import DEFAULT_SQLITE_BUSY_TIMEOUT_MS, MODEL_MODULES, tortoise_config
from models.storable_text import guard_models
from models.database_context import activate


class SchemaError(Exception):
    """The database's tables are missing or older than the code; the message says what to run."""


def _ensure_sqlite_dir(database_url: str) -> None:
    if database_url.startswith("sqlite://"):
        path = database_url.removeprefix("sqlite://").split("?", 1)[0]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


async def open_database(database_url: str, *,
                        sqlite_busy_timeout_ms: int = DEFAULT_SQLITE_BUSY_TIMEOUT_MS) -> TortoiseContext:
    """Connect (SQLite: WAL, and PRAGMA busy_timeout on every connection; see models/config.py)."""
    _ensure_sqlite_dir(database_url)
    context = TortoiseContext()
    activate(context)  # init() works on the active context
    await context.init(config=tortoise_config(database_url, sqlite_busy_timeout_ms=sqlite_busy_timeout_ms))
    guard_models(MODEL_MODULES)
    return context


async def open_migrated_database(database_url: str, *,
                                 sqlite_busy_timeout_ms: int = DEFAULT_SQLITE_BUSY_TIMEOUT_MS) -> TortoiseContext:
    """open_database, for commands that need the tables: SchemaError when `moot migrate` has not been run."""
    context = await open_database(database_url, sqlite_busy_timeout_ms=sqlite_busy_timeout_ms)
    try:
        await check_schema(context)
    except BaseException:
        await context.close_connections()
        raise
    return context


async def check_schema(context: TortoiseContext) -> None:
    """SchemaError unless every migration in models/migrations has been applied."""
    connection = context.db()
    await connection.execute_query("SELECT 1")  # an unreachable server fails here, with its own error
    applied = {key.name for key in await MigrationRecorder(connection).applied_migrations() if key.app_label == "models"}
    if not applied:
        raise SchemaError("the database has no tables yet: run `moot migrate` first")
    missing = sorted({module.name for module in pkgutil.iter_modules(models.migrations.__path__)} - applied)
    if missing:
        raise SchemaError(f"the database is older than this version of Moot (not applied: {', '.join(missing)}): "
                          "run `moot migrate` first")


async def apply_migrations(database_url: str, progress: Callable[[str], None] = print, *,
                           sqlite_busy_timeout_ms: int = DEFAULT_SQLITE_BUSY_TIMEOUT_MS) -> None:
    _ensure_sqlite_dir(database_url)

    def report(event: str, app_label: str, name: str) -> None:
        if event == "apply_done":
            progress(f"  applied {app_label}.{name}")

    context = TortoiseContext()
    activate(context)
    try:
        await migrate(config=tortoise_config(database_url, sqlite_busy_timeout_ms=sqlite_busy_timeout_ms),
                      progress=report)
    finally:
        await Tortoise.close_connections()
