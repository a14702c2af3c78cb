"""The inbox worker: one table from (activity type, object type) to a handler."""
from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from federation import hot_cache
from federation.http import FetchError
from federation.inbox.common import IGNORED
from federation.metrics import record_inbox_item, record_lease_lost
from federation.policy.screening import Held, Rejected
from federation.leases import LeaseKeeper, LeaseLost, keeping
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

# A batch of group posts commits after this long. On SQLite its transaction holds the one connection, so
# the process's other work (web requests too, under `moot serve`) waits for it: keep it short there.
BATCH_SECONDS = 0.25
BATCH_SECONDS_SQLITE = 0.1

# Transient failures (a remote server down) are retried this many times before the item is given up.
MAX_ATTEMPTS = 8


def find_handler(activity: ActivityDoc) -> Handler | None:
    # object_type comes from the protocol accessor: a `type` list such as ["Note", "schema:Thing"] reads as Note.
    if activity.object_type is not None and (activity.type, activity.object_type) in HANDLERS:
        return HANDLERS[(activity.type, activity.object_type)]
    return HANDLERS.get((activity.type, ANY))


async def process_inbox(ctx: "FederationContext", limit: int = 100) -> int:
    """Claim up to `limit` items and apply them in order: each run of group posts in batches (one transaction
    each, see _apply_batch), anything else one by one."""
    items = await claim(InboxItem, limit=limit, lease=ctx.queue_lease)
    if not items:
        return 0
    # The keeper renews the leases (a slow pass never sees its last items claimed again), and fences each
    # finish: an item whose lease was lost to another worker meanwhile gets nothing written (see _finish).
    async with keeping(ctx, InboxItem, items) as keeper:
        await _apply_items(ctx, items, keeper)
    return len(items)


async def _apply_items(ctx: "FederationContext", items: list[InboxItem], keeper: LeaseKeeper) -> None:
    batch = await hot_cache.prepare(items, ctx.urls.is_local)
    changed = False  # an item applied alone may have changed what the batch read (a Follow, a Delete{Person})
    alone: set[int] = set()  # items that failed a batch: applied alone, so their error is theirs only
    index = 0
    while index < len(items):
        end = index
        while end < len(items) and batch.batchable(items[end]) and items[end].id not in alone:
            end += 1
        if end - index >= 2 and changed:
            batch, changed = await hot_cache.prepare(items[index:], ctx.urls.is_local), False
            continue  # sorted again with what is now stored
        if end - index >= 2:
            try:
                index += await _apply_batch(ctx, batch, items[index:end], keeper)
            except PlainItemFailed as failure:  # the batch rolled back: again without it, then it alone
                alone.add(failure.item.id)
        else:
            await _one(ctx, items[index], keeper)
            index += 1
            changed = True


async def _one(ctx: "FederationContext", item: InboxItem, keeper: LeaseKeeper) -> None:
    started = time.perf_counter()
    outcome = await _process(ctx, item, keeper)
    if outcome is None:
        log.warning("inbox item %s was claimed by another worker while this one worked on it (its lease ran out); "
                    "its outcome is not written", item.id)
        record_lease_lost(ctx, "inbox", 1)
        return
    record_inbox_item(ctx, item.id, outcome, started, item.actor_uri)


class PlainItemFailed(Exception):
    """An item applied without a savepoint raised (the cause): its batch rolled back."""

    def __init__(self, item: InboxItem) -> None:
        super().__init__(f"inbox item {item.id} failed in a batch")
        self.item = item


async def _apply_batch(ctx: "FederationContext", batch: hot_cache.Batch, items: list[InboxItem],
                       keeper: LeaseKeeper) -> int:
    """Apply items in one transaction, with their inbox rows marked done in it: all of a batch commits, or
    none of it (a worker killed mid-batch leaves every item claimed but unapplied; its lease expires and it
    is claimed again). Stops after BATCH_SECONDS; returns how many items it consumed.

    Held and Rejected are outcomes like any other. A plain item (a Create of a Note, Article or Page: a post
    or a reply, by far the most common) runs without a savepoint: its new post's INSERT, its Announces and
    fan-outs usually all wait for the flush, and a savepoint costs two round trips an item. Anything else a
    plain item raises rolls the whole batch back (PlainItemFailed): the caller applies the run again without
    it, then it alone, so its error is recorded as when it is applied alone.
    Every other item (a poll vote, an Event, a Question) runs in a savepoint: anything else it raises (a
    malformed activity, a database fault) undoes only its own work, and its error is recorded as when it is
    applied alone (refused, or retried later), while the others commit: what those items do in memory (a
    poll's scheduled results, say) is never done twice. An item that met a unique violation (a post another
    worker inserted meanwhile: the batch inserts posts it read as new without a lookup) is applied again
    alone, at once, after the commit. If the flush or the commit fails, the items are applied one by one.

    The rows are marked only while they are still this worker's (the keeper's fence). If one of them is not (the
    worker stalled past its lease and another claimed it since), the whole batch rolls back, so nothing it did
    is committed twice; the items still ours are then applied one by one, the others left to their new owner.
    """
    done: list[tuple[InboxItem, str, str | None, float]] = []
    failed: list[tuple[InboxItem, Exception, float]] = []
    again: list[InboxItem] = []
    budget = time.perf_counter() + (BATCH_SECONDS_SQLITE if _is_sqlite() else BATCH_SECONDS)
    token = hot_cache.activate(batch, items)
    try:
        async with in_transaction():
            for item in items:
                started, mark = time.perf_counter(), batch.mark()
                if batch.plain(item):
                    try:
                        outcome, reason = await _apply(ctx, item)
                    except Exception as exc:
                        raise PlainItemFailed(item) from exc
                    done.append((item, outcome, reason, started))
                    if time.perf_counter() >= budget:
                        break
                    continue
                if batch.needs_posts(item):  # before its savepoint, whose rollback would take them along
                    await batch.flush_posts()
                try:
                    async with in_transaction():  # a savepoint
                        outcome, reason = await _apply(ctx, item)
                except IntegrityError:
                    batch.discard(since=mark)
                    again.append(item)
                except Exception as exc:
                    batch.discard(since=mark)
                    failed.append((item, exc, started))
                else:
                    done.append((item, outcome, reason, started))
                if time.perf_counter() >= budget:
                    break
            await batch.flush()
            await _mark_done(done, keeper)
            outcomes = [await _record_error(item, exc, keeper) for item, exc, _ in failed]
            if None in outcomes:
                raise LeaseLost()
    except LeaseLost:
        hot_cache.deactivate(token)
        token = None
        return await _after_lease_lost(ctx, items[: len(done) + len(failed) + len(again)], keeper)
    except PlainItemFailed as failure:
        log.info("inbox item %s failed in a batch (%r); the batch is applied again without it",
                 failure.item.activity_id, failure.__cause__)
        raise
    except Exception as exc:
        if isinstance(exc, IntegrityError):  # a new post another worker stored meanwhile: a race, not a fault
            log.info("inbox batch of %d met %r; applying its items one by one", len(items), exc)
        else:
            log.exception("inbox batch of %d failed; applying its items one by one", len(items))
        hot_cache.deactivate(token)
        token = None
        attempted = items[: max(1, len(done) + len(failed) + len(again))]
        for item in attempted:
            await _one(ctx, item, keeper)
        return len(attempted)
    finally:
        if token is not None:
            hot_cache.deactivate(token)
    for item, outcome, _, started in done:
        record_inbox_item(ctx, item.id, outcome, started, item.actor_uri)
    for (item, _, started), outcome in zip(failed, outcomes):
        record_inbox_item(ctx, item.id, outcome, started, item.actor_uri)
    for item in again:
        await _one(ctx, item, keeper)
    ctx.wake()
    return len(done) + len(failed) + len(again)


async def _apply(ctx: "FederationContext", item: InboxItem) -> tuple[str, str | None]:
    """One batched item's outcome; raises anything that is not an outcome."""
    activity = parse_activity(item.activity)
    handler = find_handler(activity)
    if handler is None:
        raise ProtocolError(f"no handler for {activity.type}")
    try:
        return await handler(ctx, activity) or APPLIED, None
    except Held as held:
        return HELD, str(held)
    except Rejected as rejected:
        return REJECTED, str(rejected)


async def _mark_done(done: list[tuple[InboxItem, str, str | None, float]], keeper: LeaseKeeper) -> None:
    """The inbox rows of a batch marked done, one UPDATE per distinct outcome; raises LeaseLost if any of them
    is no longer this worker's."""
    by_outcome: dict[tuple[str, str | None], list[int]] = {}
    for item, outcome, reason, _ in done:
        by_outcome.setdefault((outcome, reason), []).append(item.id)
    for (outcome, reason), ids in by_outcome.items():
        marked = await InboxItem.filter(keeper.fenced(InboxItem, ids)).update(
            state=DONE, outcome=outcome, locked_until=None, last_error=reason)
        if marked < len(ids):
            raise LeaseLost()


async def _after_lease_lost(ctx: "FederationContext", attempted: list[InboxItem], keeper: LeaseKeeper) -> int:
    """A batch rolled back because some of its items were claimed by another worker: those are left to it,
    the others applied one by one. Returns how many items the batch had consumed."""
    ids = [item.id for item in attempted]
    mine = set(await InboxItem.filter(keeper.fenced(InboxItem, ids)).values_list("id", flat=True))
    lost = [row_id for row_id in ids if row_id not in mine]
    if lost:
        log.warning("inbox batch of %d rolled back: items %s were claimed by another worker while this one worked "
                    "on them (their lease ran out); applying the other %d one by one", len(ids), lost, len(mine))
    else:  # on PostgreSQL, a renewal that committed between the fence's snapshot and its UPDATE
        log.info("inbox batch of %d rolled back: a lease renewal raced its finish; applying it one by one", len(ids))
    record_lease_lost(ctx, "inbox", len(lost))
    for item in attempted:
        if item.id in mine:
            await _one(ctx, item, keeper)
    return len(attempted)


def _is_sqlite() -> bool:
    return InboxItem._meta.db.capabilities.dialect == "sqlite"


async def _process(ctx: "FederationContext", item: InboxItem, keeper: LeaseKeeper) -> str | None:
    """Apply one item; returns its outcome for the metrics and the log, or None if the item turned out to be
    another worker's by the time its outcome was to be written."""
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
    except Exception as exc:
        return await _record_error(item, exc, keeper)
    if not await _finish(item, keeper, state=DONE, outcome=outcome, locked_until=None, last_error=reason):
        return None
    return outcome or APPLIED


async def _record_error(item: InboxItem, exc: Exception, keeper: LeaseKeeper) -> str | None:
    """An item that raised: refused for good (malformed), or kept and retried later (never lost).
    None if the item is another worker's now (nothing written)."""
    if isinstance(exc, (FetchError, ResolveError)):
        return await _retry_later(item, f"{type(exc).__name__}: {exc}", keeper)
    if isinstance(exc, ProtocolError):
        log.info("inbox item %s refused: %s", item.activity_id, exc)
        if not await _finish(item, keeper, state=FAILED, outcome=REJECTED, last_error=str(exc), locked_until=None):
            return None
        return REJECTED
    # A bug or a database fault: keep the item and retry.
    log.error("inbox item %s failed", item.activity_id, exc_info=exc)
    return await _retry_later(item, f"{type(exc).__name__}: {exc}", keeper)


async def _retry_later(item: InboxItem, error: str, keeper: LeaseKeeper) -> str | None:
    attempts = item.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        written = await _finish(item, keeper, state=FAILED, outcome=REJECTED, attempts=attempts, last_error=error,
                                locked_until=None)
        return "failed" if written else None
    written = await _finish(item, keeper, attempts=attempts, next_attempt_at=utcnow() + backoff_delay(attempts),
                            last_error=error, locked_until=None)
    return "retry" if written else None


async def _finish(item: InboxItem, keeper: LeaseKeeper, **values: Any) -> bool:
    """Write one item's outcome if the item is still this worker's (pending, leased until a deadline its keeper
    set); False when another worker has claimed it since. Outside a batch an item's side effects are not in
    one transaction with this write (a handler may fetch over the network, and commits as it goes), so here the
    fence only keeps the row's state right: the new owner's lease and state are not overwritten."""
    return bool(await InboxItem.filter(keeper.fenced(InboxItem, [item.id])).update(**values))
