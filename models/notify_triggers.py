"""NOTIFY triggers on PostgreSQL, for the migrations that add them: a statement-level trigger on each table sends
`moot_<name>` (payload: the table's name) after rows are inserted. NOTIFY is transactional (sent at commit, once
per channel and payload per transaction). SQLite runs in one process and gets none."""
from __future__ import annotations

from typing import Any, Sequence


def notify_on_insert(name: str, tables: Sequence[str]) -> tuple[list[str], list[str]]:
    """The statements that add (forward) and drop (backward) the `moot_<name>` triggers on `tables`."""
    function = f"moot_{name}_notify"
    forward = [
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$ "
        f"BEGIN PERFORM pg_notify('moot_{name}', TG_TABLE_NAME); RETURN NULL; END $$ LANGUAGE plpgsql",
        *(f"CREATE TRIGGER {table}_{name}_notify AFTER INSERT ON {table} "
          f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()" for table in tables),
    ]
    backward = [
        *(f"DROP TRIGGER IF EXISTS {table}_{name}_notify ON {table}" for table in tables),
        f"DROP FUNCTION IF EXISTS {function}()",
    ]
    return forward, backward


async def run_on_postgres(schema_editor: Any, statements: Sequence[str]) -> None:
    """Run a migration's statements, on PostgreSQL only."""
    client = schema_editor.client
    if client.capabilities.dialect != "sqlite":
        for statement in statements:
            await client.execute_script(statement)
