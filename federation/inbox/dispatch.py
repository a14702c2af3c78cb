"""The inbox worker: one table from (activity type, object type) to a handler."""
from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Awaitable, Callable

from federation.http import FetchError
from federation.inbox.common import IGNORED
from federation.metrics import record_inbox_item
from federation.policy.screening import Held, Rejected
from federation.inbox import accept, announce, create, delete, featured, flag, follow, join, like, moderate, undo, update
from federation.protocol.activity import ActivityDoc, parse_activity
from federation.protocol.common import ProtocolError
from federation.queue import backoff_delay, claim, utcnow
from federation.resolve import ResolveError
from federation.vocab import POST_TYPES
from models.queues import DONE, FAILED, InboxItem

if TYPE_CHECKING:
    from federation.context import FederationContext

log = logging.getLogger(__name__)

# A handler applies an activity; it may return an outcome ("ignored"), or raise Held or Rejected.
Handler = Callable[["FederationContext", ActivityDoc], Awaitable[str | None]]
APPLIED = "applied"
HELD = "held"
REJECTED = "rejected"

ANY = None  # the handler for an activity type whatever its object (or when the object is only an id)
ACTOR_TYPES = ("Person", "Service", "Application", "Group", "Organization")

HANDLERS: dict[tuple[str, str | None], Handler] = {
    ("Follow", ANY): follow.on_follow,
    ("Accept", ANY): accept.on_accept,
    ("Reject", ANY): accept.on_reject,
    ("Undo", ANY): undo.on_undo,
    ("Create", ANY): create.on_create,
    **{("Update", kind): update.on_update_post for kind in POST_TYPES},
    **{("Update", kind): update.on_update_actor for kind in ACTOR_TYPES},
    ("Delete", ANY): delete.on_delete,
    ("Like", ANY): like.on_like,
    ("Dislike", ANY): like.on_like,
    ("Join", ANY): join.on_join,
    ("Leave", ANY): join.on_leave,
    ("Lock", ANY): moderate.on_lock,
    ("Block", ANY): moderate.on_block,
    ("Flag", ANY): flag.on_flag,
    ("Announce", ANY): announce.on_announce,
    ("Add", ANY): featured.on_add,
    ("Remove", ANY): featured.on_remove,
}

# Transient failures (a remote server down) are retried this many times before the item is given up.
MAX_ATTEMPTS = 8


def find_handler(activity: ActivityDoc) -> Handler | None:
    # object_type comes from the protocol accessor: a `type` list such as ["Note", "schema:Thing"] reads as Note.
    if activity.object_type is not None and (activity.type, activity.object_type) in HANDLERS:
        return HANDLERS[(activity.type, activity.object_type)]
    return HANDLERS.get((activity.type, ANY))


async def process_inbox(ctx: "FederationContext", limit: int = 100) -> int:
    items = await claim(InboxItem, limit=limit)
    for item in items:
        started = time.perf_counter()
        record_inbox_item(ctx, item.id, await _process(ctx, item), started, item.actor_uri)
    return len(items)


async def _process(ctx: "FederationContext", item: InboxItem) -> str:
    """Apply one item; returns its outcome for the metrics and the log."""
    outcome: str | None = APPLIED
    reason: str | None = None
    try:
        activity = parse_activity(item.activity)
        handler = find_handler(activity)
        if handler is None:
            log.info("no handler for %s %s; ignored", activity.type, activity.id)
            outcome = IGNORED
        else:
            outcome = await handler(ctx, activity) or APPLIED
    except Held as held:
        outcome, reason = HELD, str(held)
    except Rejected as rejected:
        outcome, reason = REJECTED, str(rejected)
    except (FetchError, ResolveError) as exc:
        return await _retry_later(item, f"{type(exc).__name__}: {exc}")
    except ProtocolError as exc:
        log.info("inbox item %s refused: %s", item.activity_id, exc)
        await InboxItem.filter(id=item.id).update(
            state=FAILED, outcome=REJECTED, last_error=str(exc), locked_until=None
        )
        return REJECTED
    except Exception as exc:  # a bug or a database fault: keep the item and retry, never lose it
        log.exception("inbox item %s failed", item.activity_id)
        return await _retry_later(item, f"{type(exc).__name__}: {exc}")
    await InboxItem.filter(id=item.id).update(state=DONE, outcome=outcome, locked_until=None, last_error=reason)
    return outcome or APPLIED


async def _retry_later(item: InboxItem, error: str) -> str:
    attempts = item.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        await InboxItem.filter(id=item.id).update(
            state=FAILED, outcome=REJECTED, attempts=attempts, last_error=error, locked_until=None
        )
        return "failed"
    await InboxItem.filter(id=item.id).update(
        attempts=attempts, next_attempt_at=utcnow() + backoff_delay(attempts), last_error=error, locked_until=None
    )
    return "retry"
