"""Full-text search over posts: an FTS5 table on SQLite, a GIN-indexed generated tsvector column on PostgreSQL.

Both index a post's title (`name`) and its text: the author's plain `source` for local posts, else the
sanitised HTML `content`. PostgreSQL strips the tags in a stored generated column `search_vector` (a database column only, not a model
field) with a GIN index. SQLite cannot strip
tags in a trigger, so a remote post's tag and attribute words are indexed too (harmless: words like `span`).
federation/community/search_posts.py must use exactly these expressions. Each statement is executed on its
own (the trigger bodies hold their inner semicolons, which SQLite's executescript parses correctly).
"""
from tortoise import migrations
from tortoise.migrations import operations as ops

# The plain text of a post, as indexed (SQLite: NEW./OLD. prefixed in the triggers).
SQLITE_BODY = "coalesce({row}source, {row}content, '')"

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE post_fts USING fts5(title, body, content='', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER post_fts_insert AFTER INSERT ON post BEGIN "
    f"INSERT INTO post_fts(rowid, title, body) VALUES (NEW.id, coalesce(NEW.name, ''), {SQLITE_BODY.format(row='NEW.')})"
    "; END",
    "CREATE TRIGGER post_fts_delete AFTER DELETE ON post BEGIN "
    "INSERT INTO post_fts(post_fts, rowid, title, body) VALUES "
    f"('delete', OLD.id, coalesce(OLD.name, ''), {SQLITE_BODY.format(row='OLD.')})"
    "; END",
    "CREATE TRIGGER post_fts_update AFTER UPDATE OF name, source, content ON post BEGIN "
    "INSERT INTO post_fts(post_fts, rowid, title, body) VALUES "
    f"('delete', OLD.id, coalesce(OLD.name, ''), {SQLITE_BODY.format(row='OLD.')})"
    "; "
    f"INSERT INTO post_fts(rowid, title, body) VALUES (NEW.id, coalesce(NEW.name, ''), {SQLITE_BODY.format(row='NEW.')})"
    "; END",
    f"INSERT INTO post_fts(rowid, title, body) SELECT id, coalesce(name, ''), {SQLITE_BODY.format(row='')} FROM post",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS post_fts_update",
    "DROP TRIGGER IF EXISTS post_fts_delete",
    "DROP TRIGGER IF EXISTS post_fts_insert",
    "DROP TABLE IF EXISTS post_fts",
]

# Title words weigh more (A) than body words (B). Immutable functions only, so it can be an index.
PG_VECTOR = (
    "(setweight(to_tsvector('simple'::regconfig, coalesce(name, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(source, regexp_replace(content, '<[^>]*>', ' ', 'g'), '')), 'B'))"
)
# A stored generated column (not a model field: the ORM never reads or writes it) fills itself on every
# insert and update, existing rows included, so ranking reads the vector instead of re-parsing HTML.
PG_FORWARD = [
    f"ALTER TABLE post ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS {PG_VECTOR} STORED",
    "CREATE INDEX IF NOT EXISTS post_search_idx ON post USING gin (search_vector)",
]
PG_BACKWARD = ["DROP INDEX IF EXISTS post_search_idx", "ALTER TABLE post DROP COLUMN IF EXISTS search_vector"]


def _statements(client, sqlite: list[str], postgres: list[str]) -> list[str]:
    return sqlite if client.capabilities.dialect == "sqlite" else postgres


async def forward(apps, schema_editor) -> None:
    client = schema_editor.client
    for statement in _statements(client, SQLITE_FORWARD, PG_FORWARD):
        await client.execute_script(statement)


async def backward(apps, schema_editor) -> None:
    client = schema_editor.client
    for statement in _statements(client, SQLITE_BACKWARD, PG_BACKWARD):
        await client.execute_script(statement)


class Migration(migrations.Migration):
    """Full-text search indexes (issue 11)."""

    dependencies = [('models', '0008_activities')]

    initial = False

    operations = [ops.RunPython(forward, backward)]
