"""The tortoise-orm configuration; generated migrations live in models/migrations."""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from tortoise.backends.base.config_generator import expand_db_url

from models.pg_connection import NoResetQueryConnection

# How long a SQLite statement waits for a lock another process holds before "database is locked"
# (MOOT_SQLITE_BUSY_TIMEOUT_MS; the driver's own default is 5 s).
DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 15000

MODEL_MODULES = [
    "models.actors",
    "models.accounts",
    "models.follows",
    "models.groups",
    "models.moderation",
    "models.posts",
    "models.insights",
    "models.queues",
    "models.delivery_stats",
    "models.polls",
    "models.events",
    "models.checkins",
    "models.draws",
    "models.essentials",
    "models.member_tags",
    "models.joining",
    "models.mail",
    "models.client_state",
    "models.group_insights",
    "models.account_tokens",
    "models.conversations",
    "models.promotions",
    "models.oauth",
    "models.notifications",
    "models.remote_groups",
    "models.personal_blocks",
]


def sqlite_url(database_url: str, busy_timeout_ms: int) -> str:
    """A sqlite:// URL with PRAGMA busy_timeout set (tortoise runs each query parameter as a PRAGMA on every
    connection it opens), unless the URL names its own busy_timeout."""
    path, _, query = database_url.partition("?")
    if "busy_timeout" in parse_qs(query):
        return database_url
    return f"{path}?{query + '&' if query else ''}busy_timeout={int(busy_timeout_ms)}"


def tortoise_config(database_url: str, *,
                    sqlite_busy_timeout_ms: int = DEFAULT_SQLITE_BUSY_TIMEOUT_MS) -> dict[str, Any]:
    if database_url.startswith("postgresql://"):
        database_url = "postgres://" + database_url.removeprefix("postgresql://")
    if database_url.startswith("sqlite://"):
        database_url = sqlite_url(database_url, sqlite_busy_timeout_ms)
    # The connection is named after its engine: tortoise caches SQL per connection name, and the
    # test suite opens SQLite and PostgreSQL databases in one process.
    alias = "postgres" if database_url.startswith("postgres") else "sqlite"
    connection: str | dict[str, Any] = database_url
    if alias == "postgres":
        connection = expand_db_url(database_url)
        connection["credentials"]["connection_class"] = NoResetQueryConnection  # see models/pg_connection.py
    return {
        "connections": {alias: connection},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": alias,
                "migrations": "models.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# For the `tortoise` command that generates migrations (developers only):
#   tortoise -c models.config.TORTOISE_ORM makemigrations
TORTOISE_ORM = tortoise_config("sqlite://data/makemigrations.sqlite3")
