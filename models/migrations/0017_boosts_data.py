"""Status ids for the boosts stored before boosts had them (issue 13), and the interaction indexes on SQLite.

Every boost (an `announce` Interaction) without a status id gets one from the post id sequence, in the order
the boosts were made (created_at, then id), as federation/status_ids.py reserves them for new boosts. They are
numbered now, so in a home timeline they sort above every post made before the upgrade: the old boosts show
again, at the top of what was there, rather than at their own time (a boost's time was never kept as a
position among posts). The reservation is written out here rather than imported, so that this migration
keeps doing what it did when the code changes.

On SQLite, 0016 rebuilt the interaction table (tortoise-orm 1.1.9 remakes a table to drop a column, and does
not make its indexes again): the two indexes of models/posts.py Interaction.Meta are made again, under the
names tortoise gave them. PostgreSQL altered the table in place and kept them.
"""
from tortoise import migrations
from tortoise.migrations import operations as ops

BATCH = 500
SQLITE_INDEXES = (
    'CREATE INDEX IF NOT EXISTS "idx_interaction_post_id_ce8c1b" ON "interaction" ("post_id", "kind")',
    'CREATE INDEX IF NOT EXISTS "idx_interaction_created_801332" ON "interaction" ("created_at", "post_id", "kind")',
)


async def _reserve(client, count: int) -> list[int]:
    """`count` ascending ids from the post id sequence that no post will take (see federation/status_ids.py)."""
    if client.capabilities.dialect == "sqlite":
        await client.execute_query(
            "INSERT INTO sqlite_sequence (name, seq) SELECT 'post', COALESCE((SELECT MAX(id) FROM post), 0) "
            "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'post')")
        _, rows = await client.execute_query(
            "UPDATE sqlite_sequence SET seq = MAX(seq, COALESCE((SELECT MAX(status_id) FROM interaction), 0)) + ? "
            "WHERE name = 'post' RETURNING seq", [count])
        top = int(rows[0]["seq"])
        return list(range(top - count + 1, top + 1))
    _, rows = await client.execute_query(
        "SELECT nextval(pg_get_serial_sequence('post', 'id')) AS id FROM generate_series(1, $1)", [count])
    return sorted(int(row["id"]) for row in rows)


async def forward(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect == "sqlite":
        for statement in SQLITE_INDEXES:
            await client.execute_script(statement)
    _, rows = await client.execute_query(
        "SELECT id FROM interaction WHERE kind = 'announce' AND status_id IS NULL ORDER BY created_at, id")
    boost_ids = [int(row["id"]) for row in rows]
    for start in range(0, len(boost_ids), BATCH):
        batch = boost_ids[start:start + BATCH]
        pairs = zip(batch, await _reserve(client, len(batch)))
        cases = " ".join(f"WHEN {boost_id:d} THEN {status_id:d}" for boost_id, status_id in pairs)
        await client.execute_script(
            f"UPDATE interaction SET status_id = CASE id {cases} END "
            f"WHERE id IN ({', '.join(str(boost_id) for boost_id in batch)})")


async def backward(apps, schema_editor) -> None:
    """Back to the state 0016 left: the column goes with 0016 itself; on SQLite, without the two indexes."""
    client = schema_editor.client
    if client.capabilities.dialect == "sqlite":
        for statement in SQLITE_INDEXES:
            name = statement.split('"')[1]
            await client.execute_script(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    """Status ids for existing boosts (issue 13)."""

    dependencies = [('models', '0016_boosts')]

    initial = False

    operations = [ops.RunPython(forward, backward)]
