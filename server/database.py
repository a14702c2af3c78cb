"""Opening the database and applying migrations."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from tortoise import Tortoise
from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate

from models.config import tortoise_config
from models.database_context import activate


def _ensure_sqlite_dir(database_url: str) -> None:
    if database_url.startswith("sqlite://"):
        path = database_url.removeprefix("sqlite://").split("?", 1)[0]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


async def open_database(database_url: str) -> TortoiseContext:
    _ensure_sqlite_dir(database_url)
    context = TortoiseContext()
    activate(context)  # init() works on the active context
    await context.init(config=tortoise_config(database_url))
    return context


async def apply_migrations(database_url: str, progress: Callable[[str], None] = print) -> None:
    _ensure_sqlite_dir(database_url)

    def report(event: str, app_label: str, name: str) -> None:
        if event == "apply_done":
            progress(f"  applied {app_label}.{name}")

    context = TortoiseContext()
    activate(context)
    try:
        await migrate(config=tortoise_config(database_url), progress=report)
    finally:
        await Tortoise.close_connections()
