"""Status ids for boosts, taken from the post table's own id sequence.

Mastodon's clients treat a boost as a status of its own, and some (Tusky) order their cache by comparing ids
as numbers. A boost is an Interaction row, not a post, so to interleave with posts by time its status id is
reserved from the same counter that numbers posts, without inserting a post: a boost recorded between two
posts gets an id between theirs, and no post can ever take an id a boost holds.

- PostgreSQL: `nextval` of the `post.id` sequence. A sequence never hands the same value out twice, whatever
  the transactions do (a rolled-back reservation leaves a gap, as a rolled-back post does).
- SQLite: `post.id` is `INTEGER PRIMARY KEY AUTOINCREMENT`, so SQLite numbers a new post above both the largest
  id ever used and the `sqlite_sequence` row for 'post'. Bumping that row reserves an id: the UPDATE is one
  write statement, and SQLite lets one writer at a time in, so two reservations cannot get the same value;
  call it in the transaction that records the boost, so a rollback gives the id back only with the boost.
  The row is absent until the first post is stored, and is then made. Should a migration ever rebuild the post
  table on SQLite (copying rows into a new table), the row would fall back to the largest post id; taking the
  largest boost id into account too keeps later reservations above every boost all the same.
"""
from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from models.posts import Post

_PG_NEXT = "SELECT nextval(pg_get_serial_sequence('post', 'id')) AS id FROM generate_series(1, $1)"
_SQLITE_ENSURE = ("INSERT INTO sqlite_sequence (name, seq) SELECT 'post', COALESCE((SELECT MAX(id) FROM post), 0) "
                  "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'post')")
_SQLITE_BUMP = ("UPDATE sqlite_sequence SET seq = MAX(seq, COALESCE((SELECT MAX(status_id) FROM interaction), 0)) + ? "
                "WHERE name = 'post' RETURNING seq")


async def reserve_status_ids(count: int, connection: BaseDBAsyncClient | None = None) -> list[int]:
    """`count` ids from the post id sequence, ascending, that no post will take. Call it inside the
    transaction that stores them (the current one is used unless a connection is given)."""
    if count <= 0:
        return []
    db = connection if connection is not None else Post._meta.db
    if db.capabilities.dialect == "sqlite":
        await db.execute_query(_SQLITE_ENSURE)
        _, rows = await db.execute_query(_SQLITE_BUMP, [count])
        top = int(rows[0]["seq"])
        return list(range(top - count + 1, top + 1))
    _, rows = await db.execute_query(_PG_NEXT, [count])
    return sorted(int(row["id"]) for row in rows)


async def reserve_status_id(connection: BaseDBAsyncClient | None = None) -> int:
    """One id from the post id sequence (see reserve_status_ids)."""
    return (await reserve_status_ids(1, connection))[0]
