"""The tortoise-orm configuration; generated migrations live in models/migrations."""
from __future__ import annotations

from typing import Any

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


def tortoise_config(database_url: str) -> dict[str, Any]:
    if database_url.startswith("postgresql://"):
        database_url = "postgres://" + database_url.removeprefix("postgresql://")
    # The connection is named after its engine: tortoise caches SQL per connection name, and the
    # test suite opens SQLite and PostgreSQL databases in one process.
    alias = "postgres" if database_url.startswith("postgres") else "sqlite"
    return {
        "connections": {alias: database_url},
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
