"""cleanup_ctx generators: the database, the federation context (HTTP client, instance actor), the workers."""
from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from pathlib import Path
from typing import AsyncIterator

from aiohttp import web

from federation.context import FederationContext, inbox_limits
from federation.http import SafeHttpClient
from federation.inbox.intake import InboxWriter
from federation.keys import KeyStore
from federation.mail import MailSettings
from federation.media_store import S3, MediaStore, S3Config, open_media_store
from federation.metrics import Metrics
from federation.local_actors import ensure_instance_actor
from server import keys
from server.database import activate, open_database
from server.settings import Settings
from server.version import VERSION
from server.streaming_listener import StreamListener
from server.worker import run_worker
from web.streaming.routes import HUB, new_hub

LISTENING_POLL_SECONDS = 2.0


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    database = await open_database(settings.database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    activate(database)
    app[keys.DATABASE] = database
    yield
    await database.close_connections()


def build_federation(settings: Settings, http: SafeHttpClient) -> FederationContext:
    return FederationContext(
        base_url=settings.base_url,
        host=settings.host,
        instance_name=settings.instance_name,
        instance_description=settings.instance_description,
        software_version=VERSION,
        allow_private_addresses=settings.allow_private_addresses,
        http=http,
        keys=KeyStore(),
        inbox_writer=InboxWriter(),
        delivery_concurrency=settings.delivery_concurrency,
        delivery_per_host=settings.delivery_per_host,
        signing_threads=settings.signing_threads,
        queue_lease=timedelta(seconds=settings.queue_lease_seconds),
        queue_retention_days=settings.queue_retention_days,
        inbox_limits=inbox_limits(settings.inbox_rate_per_actor, settings.inbox_rate_per_domain),
        mail=mail_settings(settings),
        metrics=Metrics(),
        media_dir=Path(settings.data_dir) / "media",
        media_store=media_store(settings),
    )


def media_store(settings: Settings) -> MediaStore:
    """The store MOOT_MEDIA_STORAGE chooses (MediaStoreError when S3 is chosen but not configured)."""
    s3 = S3Config(endpoint=settings.s3_endpoint or "", bucket=settings.s3_bucket or "",
                  access_key=settings.s3_access_key or "", secret_key=settings.s3_secret_key or "",
                  region=settings.s3_region, public_url=settings.s3_public_url) \
        if settings.media_storage == S3 else None
    return open_media_store(settings.media_storage, Path(settings.data_dir) / "media", s3)


def mail_settings(settings: Settings) -> MailSettings | None:
    if not settings.smtp_host:
        return None
    sender = settings.smtp_from or f"{settings.instance_name} <noreply@{settings.host.split(':')[0]}>"
    return MailSettings(host=settings.smtp_host, port=settings.smtp_port, username=settings.smtp_username,
                        password=settings.smtp_password, sender=sender, security=settings.smtp_security)


def new_http_client(settings: Settings) -> SafeHttpClient:
    return SafeHttpClient(
        allow_private=settings.allow_private_addresses,
        user_agent=f"Moot/{VERSION} (+{settings.base_url})",
        limit_per_host=max(8, settings.delivery_per_host),  # the connector never caps below the delivery cap
    )


async def federation_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    http = new_http_client(settings)
    await http.start()
    try:
        fed = build_federation(settings, http)
        assert fed.media_store is not None
        await fed.media_store.check()  # S3 chosen but unreachable: a clear error now, not at the first upload
    except BaseException:
        await http.close()
        raise
    fed.instance_actor = await ensure_instance_actor(fed)
    fed.translations = app[keys.TRANSLATIONS]  # the mail's language (federation/notifications/mail.py)
    app[keys.FEDERATION] = fed
    yield
    await fed.media_store.close()
    await http.close()


async def streaming_ctx(app: web.Application) -> AsyncIterator[None]:
    """The streaming hub of this process; on PostgreSQL it also listens for rows other processes commit."""
    settings = app[keys.SETTINGS]
    listening = not settings.database_url.startswith("sqlite")
    hub = new_hub()
    if listening:
        hub.poll_seconds = LISTENING_POLL_SECONDS  # NOTIFY wakes it; the poll is only the safety net
    app[HUB] = hub
    await hub.start()
    listener = StreamListener(settings.database_url, hub.wake) if listening else None
    if listener is not None:
        listener.start()
    yield
    if listener is not None:
        await listener.stop()
    await hub.stop()


async def workers_ctx(app: web.Application) -> AsyncIterator[None]:
    if not app[keys.SETTINGS].run_workers:
        yield
        return
    stop = asyncio.Event()
    task = asyncio.create_task(run_worker(app[keys.FEDERATION], stop, app[keys.SETTINGS].database_url))
    yield
    stop.set()
    with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=10)
