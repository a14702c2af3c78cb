"""Streaming wake-ups on PostgreSQL: a statement-level trigger NOTIFYs `moot_stream` when posts or
notifications are inserted. NOTIFY is transactional (sent at commit, once per channel and payload), so every
`moot serve` process hears of committed rows at once, whichever process stored them; the rows themselves are
read from the tables (web/streaming/hub.py). SQLite runs in one process and needs nothing.
"""
from tortoise import migrations
from tortoise.migrations import operations as ops

TABLES = ("post", "notification")
PG_FORWARD = [
    "CREATE OR REPLACE FUNCTION moot_stream_notify() RETURNS trigger AS $$ "
    "BEGIN PERFORM pg_notify('moot_stream', TG_TABLE_NAME); RETURN NULL; END $$ LANGUAGE plpgsql",
    *(f"CREATE TRIGGER {table}_stream_notify AFTER INSERT ON {table} "
      "FOR EACH STATEMENT EXECUTE FUNCTION moot_stream_notify()" for table in TABLES),
]
PG_BACKWARD = [
    *(f"DROP TRIGGER IF EXISTS {table}_stream_notify ON {table}" for table in TABLES),
    "DROP FUNCTION IF EXISTS moot_stream_notify()",
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
    """Streaming wake-ups (issue 13)."""

    dependencies = [('models', '0013_session')]

    initial = False

    operations = [ops.RunPython(forward, backward)]
