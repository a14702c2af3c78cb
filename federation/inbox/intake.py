"""Inbox intake: authenticate, check origins, dedupe and persist. Nothing else happens in the request.

Every refusal carries a status and a reason that tells the sender what was wrong.
"""
from __future__ import annotations

import asyncio
import math
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping

from federation.authenticate import AuthError, KeyUnavailable, signing_key, verify_with_rotation
from federation.inbox.inbox_rows import NewInboxRow, insert_new
from federation.metrics import record_intake
from federation.protocol.activity import ActivityDoc, parse_activity
from federation.protocol.common import ProtocolError, host_of, id_of
from federation.protocol.json_body import JsonBodyError, loads_storable
from federation.signatures import SignatureError, parse_request_signature
from federation.queue import utcnow
from models.actors import Actor

if TYPE_CHECKING:
    from federation.context import FederationContext

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
# Real activities nest a handful of levels (activity, object, tag or attachment, a few more in JSON-LD).
MAX_JSON_DEPTH = 64
_ACTOR_TYPES = frozenset({"Person", "Service", "Application", "Group", "Organization"})
ACCEPTED_MEDIA_TYPES = frozenset({"application/activity+json", "application/ld+json", "application/json"})


@dataclass(frozen=True)
class IntakeResult:
    status: int
    reason: str
    retry_after: int | None = None


class Refused(Exception):
    def __init__(self, status: int, reason: str, retry_after: int | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.retry_after = retry_after


# Suspended (or, in allowlist mode, unlisted) domains get a 2xx so they do not retry, and nothing is kept.
IGNORED = "ignored"


async def receive(
    ctx: "FederationContext",
    *,
    method: str,
    path: str,
    query_string: str,
    headers: Mapping[str, str],
    body: bytes,
    recipient_uri: str | None,
) -> IntakeResult:
    try:
        activity, text = await _authenticate(ctx, method, path, query_string, headers, body)
        _check_origins(activity)
    except Refused as refusal:
        log.info("inbox answered %s without storing: %s", refusal.status, refusal.reason)
        record_intake(ctx, "refused", refusal.status)
        return IntakeResult(refusal.status, refusal.reason, refusal.retry_after)
    stored = await ctx.inbox_writer.add(NewInboxRow(activity.id, activity.actor, recipient_uri, text, utcnow()))
    ctx.wake()
    record_intake(ctx, "accepted" if stored else "duplicate", 202)
    return IntakeResult(202, "accepted" if stored else "already received")


async def _authenticate(
    ctx: "FederationContext", method: str, path: str, query_string: str, headers: Mapping[str, str], body: bytes
) -> tuple[ActivityDoc, str]:
    """The activity, and its JSON text to store (parsed once: the text is the body's own when storable)."""
    media_type = headers.get("Content-Type", "").split(";")[0].strip().lower()
    if media_type not in ACCEPTED_MEDIA_TYPES:
        raise Refused(415, f"Content-Type must be application/activity+json, got {media_type or 'nothing'}")
    try:
        signature = parse_request_signature(
            method=method, path=path, query_string=query_string, headers=headers, body=body
        )
    except SignatureError as exc:
        raise Refused(401, f"signature rejected: {exc}") from None
    activity, text = _parse_body(body)
    # Federation policies come before anything that costs us: no key is fetched from a suspended domain.
    await ctx.policies.refresh()
    for host in {host_of(activity.actor), host_of(signature.key_id)}:
        if ctx.policies.domain(host).suspended:
            raise Refused(202, IGNORED)
    try:
        key = await signing_key(ctx, signature)
    except KeyUnavailable as exc:
        if await _is_delete_of_unknown_actor(activity):
            # Servers announce deleted accounts to everyone they know; one we never knew leaves nothing
            # to delete, and its key is gone with it. Answer 2xx so the sender does not retry.
            raise Refused(202, "ignored: a deleted actor this server never knew") from None
        raise Refused(401, exc.reason) from None
    try:
        key = await verify_with_rotation(ctx, signature, key)
    except AuthError as exc:
        raise Refused(401, exc.reason) from None
    if key.owner_uri != activity.actor:
        raise Refused(401, f"signed by {key.owner_uri}, but the activity's actor is {activity.actor}")
    if ctx.policies.actor(activity.actor, host_of(activity.actor)).suspended:
        raise Refused(202, IGNORED)
    wait = ctx.inbox_limits.check(activity.actor, host_of(activity.actor))
    if wait:
        seconds = max(1, math.ceil(wait))
        raise Refused(429, f"too many activities from {host_of(activity.actor)}; retry in {seconds} s", seconds)
    return activity, text


async def _is_delete_of_unknown_actor(activity: ActivityDoc) -> bool:
    if activity.type != "Delete" or activity.object_id != activity.actor:
        return False
    return not await Actor.filter(uri=activity.actor).exists()


def _parse_body(body: bytes) -> tuple[ActivityDoc, str]:
    # Bounded nesting ("[" * 300000 is a 400, not a RecursionError), and every string storable on every
    # engine: PostgreSQL refuses NUL, and one such row would fail its whole batch (see InboxWriter).
    try:
        raw, text = loads_storable(body, MAX_JSON_DEPTH)
    except JsonBodyError as exc:
        raise Refused(400, str(exc)) from None
    if not isinstance(raw, dict):
        raise Refused(400, "body must be a JSON object")
    try:
        return parse_activity(raw), text
    except ProtocolError as exc:
        raise Refused(400, f"malformed activity: {exc}") from None


def _check_origins(activity: ActivityDoc) -> None:
    """The origin rules: a server speaks only for ids on its own host.

    The activity's id is on the actor's host. A Create or Update embeds only objects on that host, and an
    actor document only the actor's own. A created object is attributed to the actor, with one exception
    for objects a group owns (Mobilizon events): `attributedTo` may name another actor when it and the
    object's id are on the actor's host. The worker then requires that actor to be a Group and the sender a
    Person, and records the sender as the author (federation/inbox/common.py, post_author).
    Types are read through the protocol accessor (`object_type`), since `type` may be a list.
    """
    def _host(url: str) -> str:
        # A URL in the body that is not http(s) is the sender's error (400), not a crash of ours.
        try:
            return host_of(url)
        except ProtocolError as exc:
            raise Refused(400, f"malformed activity: {exc}") from None

    actor_host = host_of(activity.actor)
    if _host(activity.id) != actor_host:
        raise Refused(403, f"activity id {activity.id} is not on the actor's host {actor_host}")
    if activity.object is None:
        return
    is_actor = activity.object_type in _ACTOR_TYPES
    if activity.type in {"Create", "Update"}:
        object_id = activity.object_id
        if object_id and not is_actor and _host(object_id) != actor_host:
            raise Refused(403, f"{activity.type} of {object_id}, which is not on the actor's host {actor_host}")
        author = id_of(activity.object.get("attributedTo"))
        if activity.type == "Create" and author and author != activity.actor:
            if not object_id or _host(author) != actor_host:
                raise Refused(403, f"Create by {activity.actor} of an object attributed to {author}")
    if activity.type == "Update" and is_actor and activity.object_id != activity.actor:
        raise Refused(403, f"{activity.actor} may not update another actor")


class InboxWriter:
    """Batches inbox rows into one INSERT per burst: one commit per row would cap intake
    at the disk's fsync rate, while one statement per burst serves thousands of requests a second.
    Each caller still gets its answer only after its row is committed."""

    def __init__(self, max_batch: int = 200) -> None:
        self._max_batch = max_batch
        self._pending: list[tuple[NewInboxRow, asyncio.Future[bool]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def add(self, row: NewInboxRow) -> bool:
        """Persist the row; True when new, False when its activity id was already received."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((row, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
            try:
                fresh = await _store_batch([row for row, _ in batch])
            except Exception as exc:
                # The batch is one statement, so nothing of it was stored. One row the database refuses
                # must not fail the other senders' requests: store the rows one by one, and only the
                # requests whose row fails hear the error.
                log.warning("inbox batch of %d failed (%s); storing its rows one by one", len(batch), exc)
                await self._store_one_by_one(batch)
                continue
            for row, future in batch:
                if not future.done():
                    future.set_result(id(row) in fresh)

    @staticmethod
    async def _store_one_by_one(batch: list[tuple[NewInboxRow, asyncio.Future[bool]]]) -> None:
        for row, future in batch:
            try:
                fresh = await _store_batch([row])
            except Exception as exc:  # the database refused this row: its own request must hear it
                log.warning("inbox row for %s was not stored: %s", row.activity_id, exc)
                if not future.done():
                    future.set_exception(exc)
                continue
            if not future.done():
                future.set_result(id(row) in fresh)


async def _store_batch(rows: list[NewInboxRow]) -> set[int]:
    """Insert the rows whose activity was not received before; returns the id() of each inserted row.

    The first row of an activity id in the batch is the one stored; a repeat is a duplicate, as is an
    activity an earlier batch (or another process) stored.
    """
    first: dict[str, NewInboxRow] = {}
    for row in rows:
        first.setdefault(row.activity_id, row)
    inserted = await insert_new(list(first.values()))
    return {id(row) for activity_id, row in first.items() if activity_id in inserted}
