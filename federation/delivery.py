"""The delivery worker: fan-out rows become one Delivery per distinct inbox; each is signed and POSTed."""
from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from federation.http import FetchError
from federation.metrics import record_delivery, record_fanouts
from federation.queue import backoff_delay, claim, retry_after, utcnow
from federation.signatures import sign_request
from federation import vocab
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from federation.insights.events import remove_follows
from federation.insights.reach import record_fanout
from models.insights import LOST_GONE
from models.queues import DONE, FAILED, PENDING, Delivery, FanOut, HostBackoff, OutboundActivity

if TYPE_CHECKING:
    from federation.context import FederationContext

log = logging.getLogger(__name__)

# With backoff capped at 6 h, 20 attempts span about three days before a delivery is given up.
MAX_ATTEMPTS = 20
# A slow or stalled inbox gives its worker slot back after this long (shorter than a fetch's 15 s: a
# delivery is retried later anyway), and only the start of its answer is read (the status is what counts).
DELIVERY_TIMEOUT_SECONDS = 10.0
DELIVERY_ANSWER_BYTES = 4096
# Statuses worth retrying; any other 4xx is the remote telling us the request will never succeed.
RETRYABLE_STATUSES = frozenset({408, 425, 429})


def _host(url: str) -> str:
    return urlsplit(url).netloc.lower()


async def audience_inboxes(ctx: "FederationContext", audience: dict[str, Any]) -> list[str]:
    """Distinct remote inboxes for an audience, one delivery per server where the server has a shared inbox.

    A follower's shared inbox stands in for its own. Once a server's shared inbox is in the set, the
    personal inboxes on that host (a mentioned person, the author replied to) are dropped: the shared
    inbox serves everyone addressed there, and a server that gets the same activity twice processes it
    twice, racing itself.
    """
    inboxes = set(audience.get("inboxes") or [])
    shared: set[str] = set()
    followers_of = audience.get("followers_of")
    # Older rows name one actor (or null); newer ones a list (a group that carries a member's post, too).
    targets = [] if followers_of is None else followers_of if isinstance(followers_of, list) else [followers_of]
    if targets:
        followers = Follow.filter(
            target_id__in=targets, state=ACCEPTED, follower__is_local=False, follower__deleted_at=None)
        # One row per server that has a shared inbox (DISTINCT in the database, not thousands of followers
        # read to find a few hundred servers), and the own inbox of each follower whose server has none.
        no_shared = Q(follower__shared_inbox__isnull=True) | Q(follower__shared_inbox="")
        servers = await followers.exclude(no_shared).distinct().values_list("follower__shared_inbox", flat=True)
        personal = await followers.filter(no_shared).values_list("follower__inbox", flat=True)
        inboxes.update(servers)
        inboxes.update(personal)
        shared.update(inbox for inbox in servers if inbox)
    named = sorted(set(audience.get("inboxes") or []) - shared)
    if named:
        # A named inbox may itself be a server's shared inbox (a remote group's, say).
        shared.update(await Actor.filter(shared_inbox__in=named).distinct().values_list("shared_inbox", flat=True))
    shared_hosts = {_host(inbox) for inbox in shared & inboxes}
    inboxes = {inbox for inbox in inboxes if inbox in shared or _host(inbox) not in shared_hosts}
    await ctx.policies.refresh()
    return sorted(
        inbox for inbox in inboxes
        if inbox and not ctx.urls.is_local(inbox) and not ctx.policies.domain(_host(inbox)).suspended
    )


async def expand_fanouts(ctx: "FederationContext", limit: int = 50) -> int:
    # 50 a pass: a group post makes two fan-outs, so a pass of 100 inbox items can keep up without one
    # pass of huge audiences holding up the inbox for long.
    fanouts = await claim(FanOut, limit=limit)
    for fanout in fanouts:
        inboxes = await audience_inboxes(ctx, fanout.audience)
        now = utcnow()
        async with in_transaction():
            await Delivery.bulk_create(
                [
                    Delivery(activity_id=fanout.activity_id, inbox_url=inbox, host=_host(inbox), next_attempt_at=now)
                    for inbox in inboxes
                ],
                batch_size=500,
            )
            await FanOut.filter(id=fanout.id).update(state=DONE, locked_until=None)
            await record_fanout(fanout.activity_id, fanout.audience, inboxes)  # a page post's reach (insights)
    if fanouts:
        ctx.deliveries_available.set()
        record_fanouts(ctx, len(fanouts))
    return len(fanouts)


@dataclass(frozen=True)
class Outcome:
    delivery: Delivery
    status: int | None
    error: str | None
    retry_after: timedelta | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def gone(self) -> bool:
        return self.status == 410

    @property
    def retryable(self) -> bool:
        return self.status is None or self.status >= 500 or self.status in RETRYABLE_STATUSES


@dataclass(frozen=True)
class Prepared:
    delivery: Delivery
    activity: OutboundActivity
    body: bytes


async def deliver_due(ctx: "FederationContext", limit: int = 500) -> int:
    """Claim due deliveries and send them all (tests and single passes); the worker uses delivery_loop."""
    deliveries = await claim(Delivery, limit=limit)
    if not deliveries:
        return 0
    limiter = asyncio.Semaphore(ctx.delivery_concurrency)

    async def send(item: Prepared) -> Outcome:
        async with limiter:
            return await send_one(ctx, item)

    await _record(list(await asyncio.gather(*(send(item) for item in await prepare(ctx, deliveries)))))
    return len(deliveries)


async def delivery_loop(ctx: "FederationContext", stop: asyncio.Event, poll: float = 1.0) -> None:
    """Keep up to delivery_concurrency deliveries in flight, claiming more as each one finishes,
    so one slow or dead inbox holds up only its own slot, never the rest of the queue."""
    inflight: set[asyncio.Task[Outcome]] = set()
    while not stop.is_set():
        # Cleared before claiming, so deliveries queued while we claim still wake us.
        ctx.deliveries_available.clear()
        free = ctx.delivery_concurrency - len(inflight)
        if free > 0:
            try:
                for item in await prepare(ctx, await claim(Delivery, limit=free)):
                    inflight.add(asyncio.create_task(send_one(ctx, item)))
            except Exception:  # the database hiccupped: the rows keep their lease and come back
                log.exception("claiming deliveries failed")
        # Sleep until a delivery finishes (a slot is free), new deliveries are queued, or the poll passes.
        waker = asyncio.create_task(ctx.deliveries_available.wait())
        done, _ = await asyncio.wait({*inflight, waker}, timeout=poll, return_when=asyncio.FIRST_COMPLETED)
        waker.cancel()
        finished = [task for task in done if task is not waker]
        inflight.difference_update(finished)
        for task in finished:
            if task.exception() is not None:
                log.error("delivery task failed", exc_info=task.exception())
        # Everything that finished since the last wake-up is recorded together: one write per batch,
        # while the deliveries still in flight go on.
        outcomes = [task.result() for task in finished if task.exception() is None]
        if outcomes:
            try:
                await _record(outcomes)
            except Exception:  # not recorded: the rows keep their lease and are delivered again
                log.exception("recording %d delivery outcomes failed", len(outcomes))
    if inflight:
        # Let running deliveries finish briefly; the rest keep their lease and are retried after it ends.
        done, pending = await asyncio.wait(inflight, timeout=5)
        outcomes = [task.result() for task in done if task.exception() is None]
        if outcomes:
            await _record(outcomes)
        for task in pending:
            task.cancel()


async def prepare(ctx: "FederationContext", deliveries: list[Delivery]) -> list[Prepared]:
    """Hold back deliveries to hosts in backoff, drop those to suspended domains, load the bodies."""
    if not deliveries:
        return []
    now = utcnow()
    blocked = {
        row.host: row.next_attempt_at
        for row in await HostBackoff.filter(host__in={d.host for d in deliveries}, next_attempt_at__gt=now)
    }
    for delivery in (d for d in deliveries if d.host in blocked):
        # The host is backing off: wait with it, without spending an attempt.
        await Delivery.filter(id=delivery.id).update(next_attempt_at=blocked[delivery.host], locked_until=None)
    await ctx.policies.refresh()
    suspended = [d.id for d in deliveries if d.host not in blocked and ctx.policies.domain(d.host).suspended]
    if suspended:
        # Suspended after the fan-out: nothing more goes there.
        await Delivery.filter(id__in=suspended).update(state=FAILED, last_error="domain suspended", locked_until=None)
    ready = [d for d in deliveries if d.host not in blocked and d.id not in suspended]
    activities = {
        row.id: row
        for row in await OutboundActivity.filter(id__in={d.activity_id for d in ready}).prefetch_related("actor")
    }
    bodies = {row_id: json.dumps(row.payload).encode() for row_id, row in activities.items()}
    return [Prepared(d, activities[d.activity_id], bodies[d.activity_id]) for d in ready]


async def send_one(ctx: "FederationContext", item: Prepared) -> Outcome:
    """Send one delivery; the caller records outcomes in batches."""
    started = time.perf_counter()
    outcome = await _post(ctx, item.delivery, item.activity, item.body)
    record_delivery(ctx, item.delivery.id, _result_of(outcome), started, item.delivery.host)
    return outcome


def _result_of(outcome: Outcome) -> str:
    """The outcome as _record will store it: delivered, gone, retry or failed (for metrics and the log)."""
    if outcome.ok or outcome.gone:
        return "delivered" if outcome.ok else "gone"
    return "retry" if outcome.retryable and outcome.delivery.attempts + 1 < MAX_ATTEMPTS else "failed"


async def _post(ctx: "FederationContext", delivery: Delivery, activity: OutboundActivity, body: bytes) -> Outcome:
    actor = activity.actor
    try:
        # RSA signing releases the GIL, so a thread pool signs on both cores.
        headers = await asyncio.to_thread(
            sign_request,
            method="POST",
            url=delivery.inbox_url,
            key_id=actor.public_key_id,
            private_key_pem=actor.private_key_pem,
            body=body,
            content_type=vocab.ACTIVITY_JSON,
        )
        response = await ctx.http.request(
            "POST", delivery.inbox_url, headers=headers, body=body, follow_redirects=False,
            timeout=DELIVERY_TIMEOUT_SECONDS, keep_body=DELIVERY_ANSWER_BYTES,
        )
    except FetchError as exc:
        return Outcome(delivery, None, str(exc))
    error = None if 200 <= response.status < 300 else f"HTTP {response.status}: {response.body[:200]!r}"
    return Outcome(delivery, response.status, error, retry_after(response.headers.get("Retry-After"), utcnow()))


async def _record(outcomes: list[Outcome]) -> None:
    now = utcnow()
    succeeded_hosts = {o.delivery.host for o in outcomes if o.ok or o.gone}
    done_ids = [o.delivery.id for o in outcomes if o.ok or o.gone]
    if done_ids:
        await Delivery.filter(id__in=done_ids).update(state=DONE, delivered_at=now, locked_until=None, last_error=None)
    for outcome in outcomes:
        if outcome.ok:
            continue
        if outcome.gone:
            await _remove_gone_followers(outcome.delivery.inbox_url)
            continue
        await _record_failure(outcome, now)
    failed_hosts = {o.delivery.host for o in outcomes if o.retryable and not o.ok} - succeeded_hosts
    for host in failed_hosts:
        worst = max((o for o in outcomes if o.delivery.host == host), key=lambda o: o.retry_after or timedelta(0))
        await _host_failed(host, worst, now)
    if succeeded_hosts:
        await HostBackoff.filter(host__in=succeeded_hosts).delete()


async def _record_failure(outcome: Outcome, now: datetime) -> None:
    delivery = outcome.delivery
    attempts = delivery.attempts + 1
    if not outcome.retryable or attempts >= MAX_ATTEMPTS:
        state, next_at = FAILED, now
    else:
        state, next_at = PENDING, now + (outcome.retry_after or backoff_delay(attempts))
    log.info("delivery %s to %s failed (%s), attempt %d", delivery.id, delivery.inbox_url, outcome.error, attempts)
    await Delivery.filter(id=delivery.id).update(
        state=state,
        attempts=attempts,
        next_attempt_at=next_at,
        locked_until=None,
        last_error=outcome.error,
        last_status=outcome.status,
    )


async def _host_failed(host: str, outcome: Outcome, now: datetime) -> None:
    row = await HostBackoff.filter(host=host).first()
    failures = (row.failures if row else 0) + 1
    next_at = now + (outcome.retry_after or backoff_delay(failures))
    if row is None:
        await HostBackoff.create(host=host, failures=failures, next_attempt_at=next_at, last_error=outcome.error)
    else:
        await HostBackoff.filter(id=row.id).update(failures=failures, next_attempt_at=next_at, last_error=outcome.error)


async def _remove_gone_followers(inbox_url: str) -> None:
    """410 Gone from an actor's own inbox: that actor no longer exists, so it no longer follows anyone."""
    await remove_follows(await Follow.filter(follower__inbox=inbox_url, follower__is_local=False), LOST_GONE)
