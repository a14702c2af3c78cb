"""Streaming wake-ups on PostgreSQL: a statement-level trigger NOTIFYs `moot_stream` when posts or
notifications are inserted. NOTIFY is transactional (sent at commit, once per channel and payload), so every
`moot serve` process hears of committed rows at once, whichever process stored them; the rows themselves are
read from the tables (web/streaming/hub.py). SQLite runs in one process and needs nothing.
"""
from tortoise import migrations
from tortoise.migrations import operations as ops

from models.notify_triggers import notify_on_insert, run_on_postgres

PG_FORWARD, PG_BACKWARD = notify_on_insert("stream", ("post", "notification"))


async def forward(apps, schema_editor) -> None:
    await run_on_postgres(schema_editor, PG_FORWARD)


async def backward(apps, schema_editor) -> None:
    await run_on_postgres(schema_editor, PG_BACKWARD)


class Migration(migrations.Migration):
    """Streaming wake-ups (issue 13)."""

    dependencies = [('models', '0013_session')]

    initial = False

    operations = [ops.RunPython(forward, backward)]
