"""Queue wake-ups on PostgreSQL: a statement-level trigger NOTIFYs `moot_queue` when inbox items, fan-outs or
deliveries are inserted, so a `moot worker` process starts on them at once instead of at its next poll (1 s)
whichever process queued them (`moot serve` storing what its inbox accepted, another worker relaying). NOTIFY
is transactional (sent at commit, once per channel and payload); the rows are claimed from the tables as before
(server/worker.py). SQLite runs in one process, which wakes its worker itself, and needs nothing.
"""
from tortoise import migrations
from tortoise.migrations import operations as ops

from models.notify_triggers import notify_on_insert, run_on_postgres

PG_FORWARD, PG_BACKWARD = notify_on_insert("queue", ("inbox_item", "fan_out", "delivery"))


async def forward(apps, schema_editor) -> None:
    await run_on_postgres(schema_editor, PG_FORWARD)


async def backward(apps, schema_editor) -> None:
    await run_on_postgres(schema_editor, PG_BACKWARD)


class Migration(migrations.Migration):
    """Queue wake-ups for worker processes (issue 14)."""

    dependencies = [('models', '0019_visibility')]

    initial = False

    operations = [ops.RunPython(forward, backward)]
