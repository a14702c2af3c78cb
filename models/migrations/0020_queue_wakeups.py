"""Queue wake-ups on PostgreSQL: a statement-level trigger NOTIFYs `moot_queue` when inbox items, fan-outs or
deliveries are inserted, so a `moot worker` process starts on them at once instead of at its next poll (1 s)
whichever process queued them (`moot serve` storing what its inbox accepted, another worker relaying). NOTIFY
is transactional (sent at commit, once per channel and payload); the rows are claimed from the tables as before
(server/worker.py). SQLite runs in one process, which wakes its worker itself, and needs nothing.
"""
from tortoise import migrations
from tortoise.migrations import operations as ops

TABLES = ("inbox_item", "fan_out", "delivery")
PG_FORWARD = [
    "CREATE OR REPLACE FUNCTION moot_queue_notify() RETURNS trigger AS $$ "
    "BEGIN PERFORM pg_notify('moot_queue', TG_TABLE_NAME); RETURN NULL; END $$ LANGUAGE plpgsql",
    *(f"CREATE TRIGGER {table}_queue_notify AFTER INSERT ON {table} "
      "FOR EACH STATEMENT EXECUTE FUNCTION moot_queue_notify()" for table in TABLES),
]
PG_BACKWARD = [
    *(f"DROP TRIGGER IF EXISTS {table}_queue_notify ON {table}" for table in TABLES),
    "DROP FUNCTION IF EXISTS moot_queue_notify()",
]


async def forward(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect != "sqlite":
        for statement in PG_FORWARD:
            await client.execute_script(statement)


async def backward(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect != "sqlite":
        for statement in PG_BACKWARD:
            await client.execute_script(statement)


class Migration(migrations.Migration):
    """Queue wake-ups for worker processes (issue 14)."""

    dependencies = [('models', '0019_visibility')]

    initial = False

    operations = [ops.RunPython(forward, backward)]
