"""A database plus federation context for commands that run outside the web server."""
from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

from federation.context import FederationContext
from federation.local_actors import ensure_instance_actor
from server.database import activate, open_migrated_database
from server.lifecycle import build_federation, new_http_client
from server.settings import Settings
from web.i18n import load_catalogues


@asynccontextmanager
async def federation_session(settings: Settings) -> AsyncIterator[FederationContext]:
    """The database and a federation context, for commands that run outside the server.

    SchemaError (from server.database) when the database was never migrated, or is behind.
    """
    database = await open_migrated_database(settings.database_url,
                                            sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    activate(database)
    http = new_http_client(settings)
    await http.start()
    try:
        fed = build_federation(settings, http)
        if fed.media_store is not None:
            await fed.media_store.check()  # MediaStoreError: S3 chosen but misconfigured or unreachable
        fed.instance_actor = await ensure_instance_actor(fed)
        fed.translations = load_catalogues()  # the language of notification mail
        yield fed
    finally:
        await http.close()
        await database.close_connections()
