"""Migration 0017: boosts stored before boosts had status ids get them, from the post id sequence in the order
they were made, so they show in home after the upgrade; posts made afterwards still number above them. On
SQLite it also makes again the interaction indexes that 0016's table rebuild dropped."""
from __future__ import annotations

import importlib
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Awaitable, Callable

from models.actors import Actor
from models.posts import ANNOUNCE, LIKE, Interaction, Post
from server.database import open_database

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)
# Its name starts with a digit: imported by name. Its operation is run as tortoise runs a RunPython (with the
# schema editor's client), on a database in the state 0016 leaves: running tortoise's migrate() to step back
# and forth rebuilds the state of all the migrations in memory, which takes most of a minute.
DATA_MIGRATION = importlib.import_module("models.migrations.0017_boosts_data")
INDEXES = {"idx_interaction_post_id_ce8c1b", "idx_interaction_created_801332"}


async def _indexes(db) -> set[str]:
    if db.capabilities.dialect == "sqlite":
        _, rows = await db.execute_query(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'interaction' AND sql IS NOT NULL")
    else:
        _, rows = await db.execute_query("SELECT indexname AS name FROM pg_indexes WHERE tablename = 'interaction'")
    return {row["name"] for row in rows}


async def test_old_boosts_get_ids_in_the_order_they_were_made(new_database: Callable[[], Awaitable[str]]) -> None:
    context = await open_database(await new_database())
    try:
        db = context.db()
        editor = SimpleNamespace(client=db)
        await DATA_MIGRATION.backward(None, editor)  # back to what 0016 left
        if db.capabilities.dialect == "sqlite":
            assert not INDEXES & await _indexes(db)  # 0016 rebuilt the table without them
        actor = await Actor.create(uri="https://here.example/users/ann", type="Person", domain="here.example",
                                   inbox="https://here.example/users/ann/inbox", username="ann", is_local=True)
        posts = [await Post.create(uri=f"https://here.example/p/{n}", author=actor, published=T0) for n in range(3)]
        made = {}
        # Recorded out of id order on purpose: the later boost has the lower row id. No status ids, as before.
        for name, minutes, target in (("late", 30, posts[0]), ("early", 10, posts[1]), ("like", 20, posts[2])):
            row = await Interaction.create(kind=LIKE if name == "like" else ANNOUNCE, actor=actor, post=target,
                                           activity_uri=f"https://here.example/a/{name}")
            await Interaction.filter(id=row.id).update(created_at=T0 + timedelta(minutes=minutes))
            made[name] = row.id

        await DATA_MIGRATION.forward(None, editor)

        ids = dict(await Interaction.all().values_list("id", "status_id"))
        assert ids[made["like"]] is None  # only boosts are statuses
        assert max(post.id for post in posts) < ids[made["early"]] < ids[made["late"]]
        later = await Post.create(uri="https://here.example/p/later", author=actor, published=T0)
        assert later.id > ids[made["late"]]
        assert INDEXES <= await _indexes(db)
        await DATA_MIGRATION.forward(None, editor)  # run twice (a retried upgrade): nothing changes
        assert dict(await Interaction.all().values_list("id", "status_id")) == ids
    finally:
        await context.close_connections()
