"""Found by the chaos run (bench/chaos_bench.py on PostgreSQL): `moot serve` and two `moot worker` processes
started together on a new database each create the instance actor; all but one died with
`duplicate key value violates unique constraint "actor_uri_key"`. Every process must come up with the one
instance actor."""
from __future__ import annotations

import asyncio
from typing import Awaitable, Callable

from federation.local_actors import ensure_instance_actor
from models.actors import Actor
from server.lifecycle import build_federation, new_http_client
from server.settings import Settings
from server.database import activate, open_database


async def test_processes_starting_together_share_one_instance_actor(new_database: Callable[[], Awaitable[str]]) -> None:
    url = await new_database()
    settings = Settings(base_url="http://moot.test", listen="127.0.0.1:8080", database_url=url)
    database = await open_database(url)
    activate(database)
    try:
        # Three processes' start-ups, each with its own context; all find no instance actor, all create it.
        contexts = [build_federation(settings, new_http_client(settings)) for _ in range(3)]
        actors = await asyncio.gather(*(ensure_instance_actor(ctx) for ctx in contexts))
        assert len({actor.id for actor in actors}) == 1
        assert await Actor.filter(type="Application", is_local=True).count() == 1
    finally:
        await database.close_connections()
