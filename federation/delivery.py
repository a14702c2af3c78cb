"""The delivery worker: fan-out rows become one Delivery per distinct inbox; each is signed and POSTed."""
from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter, deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from federation.http import FetchError
from federation.metrics import record_delivery, record_fanouts
from federation.leases import LeaseKeeper, keeping
from federation.queue import backoff_delay, claim, retry_after, utcnow
from federation.delivery_signing import Prepared, sign_all, signing_jobs
from federation.delivery_rows import insert_deliveries
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from federation.insights.events import remove_follows
from federation.insights.reach import record_fanouts_reach
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


async def expand_fanouts(ctx: "FederationContext", limit: int = 200) -> int:
    """Turn claimed fan-outs into deliveries: one transaction and one bulk insert per pass.

    A group post makes two fan-outs with the same audience, and a busy group makes many: each distinct
    audience is resolved once per pass. 200 a pass keeps up with a pass of 100 inbox items (two fan-outs
    each) without letting one pass of huge audiences hold up the inbox for long.
    """
    fanouts = await claim(FanOut, limit=limit, lease=ctx.queue_lease)
    if not fanouts:
        return 0
    async with keeping(ctx, FanOut, fanouts):  # resolving a huge audience may outlast one lease
        await _expand(ctx, fanouts)
    return len(fanouts)


async def _expand(ctx: "FederationContext", fanouts: list[FanOut]) -> None:
    resolved: dict[str, list[str]] = {}
    planned: list[tuple[FanOut, list[str]]] = []
    for fanout in fanouts:
        key = json.dumps(fanout.audience, sort_keys=True, default=str)
        if key not in resolved:
            resolved[key] = await audience_inboxes(ctx, fanout.audience)
        planned.append((fanout, resolved[key]))
    hosts = {inbox: _host(inbox) for inboxes in resolved.values() for inbox in inboxes}  # once per pass
    rows = [(fanout.activity_id, inbox, hosts[inbox]) for fanout, inboxes in planned for inbox in inboxes]
    async with in_transaction() as db:
        await insert_deliveries(db, rows, utcnow())
        await FanOut.filter(id__in=[fanout.id for fanout in fanouts]).update(state=DONE, locked_until=None)
        # A page post's reach (insights).
        await record_fanouts_reach([(fanout.activity_id, fanout.audience, inboxes) for fanout, inboxes in planned])
    ctx.deliveries_available.set()
    record_fanouts(ctx, len(fanouts))


@dataclass(frozen=True)
class Outcome:
    delivery: Delivery
    status: int | None
    error: str | None
    retry_after: timedelta | None = None
    permanent: bool = False  # the request can never be made (an unsignable URL or key): no retry

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def gone(self) -> bool:
        return self.status == 410

    @property
    def retryable(self) -> bool:
        if self.permanent:
            return False
        return self.status is None or self.status >= 500 or self.status in RETRYABLE_STATUSES


# --- sending ------------------------------------------------------------------------------------------


async def deliver_due(ctx: "FederationContext", limit: int = 500) -> int:
    """Claim due deliveries and send them all (tests and single passes); the worker uses delivery_loop.
    At most delivery_concurrency in flight, and delivery_per_host to any one host."""
    deliveries = await claim(Delivery, limit=limit, lease=ctx.queue_lease)
    if not deliveries:
        return 0
    async with keeping(ctx, Delivery, deliveries):
        await _send_all(ctx, deliveries)
    return len(deliveries)


async def _send_all(ctx: "FederationContext", deliveries: list[Delivery]) -> None:
    limiter = asyncio.Semaphore(ctx.delivery_concurrency)
    per_host: dict[str, asyncio.Semaphore] = {}

    async def send(item: Prepared) -> Outcome:
        host_limiter = per_host.setdefault(item.host, asyncio.Semaphore(ctx.delivery_per_host))
        async with host_limiter, limiter:
            return await send_one(ctx, item)

    items = await sign_all(ctx, await prepare(ctx, deliveries))
    await _record(list(await asyncio.gather(*(send(item) for item in items))))


# Outcomes are written in batches: when this many have gathered, or the oldest has waited this long.
RECORD_BATCH = 100
RECORD_DELAY = 0.1
# How many deliveries to one host a pump keeps claimed (in flight and waiting): what the host takes in
# HOST_READY_HORIZON at the pace it has been answering, and at least twice its cap. Its further deliveries
# are put back, without spending an attempt, for about as long as the kept ones take (at most
# HOST_BUSY_DEFER), so a slow host's rows do not sit claimed while other hosts wait, and a fast one is
# never starved by its own backlog (a fixed 1 s defer held a busy group's relays to one host at ~120/s).
HOST_READY_HORIZON = 0.5
HOST_BUSY_DEFER = timedelta(seconds=1)
HOST_DEFER_MIN = timedelta(milliseconds=50)
# Weight of the newest answer time in a host's running average, and how many hosts' averages are kept (the
# least recently answered go first).
LATENCY_WEIGHT = 0.2
LATENCY_HOSTS = 10_000


class DeliveryPump:
    """The state of one delivery loop: deliveries claimed and signed ahead (`ready`), the ones in flight,
    per host, and outcomes not yet written. Claiming and signing run as one background task, so sending
    never waits for them while there is anything ready. Its LeaseKeeper renews the leases of what it holds
    (ready or in flight) until each is sent, so a delivery waiting behind a busy host is not claimed twice."""

    def __init__(self, ctx: "FederationContext") -> None:
        self.ctx = ctx
        self.ready: deque[Prepared] = deque()
        self.inflight: dict[asyncio.Task[Outcome], Prepared] = {}
        self.sent_at: dict[asyncio.Task[Outcome], float] = {}
        self.latency: dict[str, float] = {}  # per host: a running average of seconds per delivery
        self.per_host: Counter[str] = Counter()
        self.outcomes: list[Outcome] = []
        self.first_outcome_at = 0.0
        self.refill: asyncio.Task[int] | None = None
        self.idle = False  # the last claim found less than it asked for: wait for news or the poll
        self.leases = LeaseKeeper(ctx)

    @property
    def concurrency(self) -> int:
        return max(1, self.ctx.delivery_concurrency)

    def wants_more(self) -> bool:
        return self.refill is None and not self.idle and len(self.ready) < self.concurrency

    def start_refill(self) -> None:
        want = 2 * self.concurrency - len(self.ready)
        self.refill = asyncio.create_task(self._refill(want))

    async def _refill(self, want: int) -> int:
        deliveries = await claim(Delivery, limit=want, lease=self.ctx.queue_lease)
        if len(deliveries) < want:
            self.idle = True
        items = await prepare(self.ctx, deliveries)
        claimed = Counter(self.per_host) + Counter(item.host for item in self.ready)
        keep: list[int] = []
        defer: dict[str, list[int]] = {}
        for item in items:
            claimed[item.host] += 1
            if claimed[item.host] <= self.allowance(item.host):
                keep.append(item.delivery.id)
            else:
                defer.setdefault(item.host, []).append(item.delivery.id)
        for host, ids in defer.items():
            await Delivery.filter(id__in=ids).update(next_attempt_at=utcnow() + self.defer_for(host), locked_until=None)
        kept = set(keep)
        self.leases.hold(Delivery, [item.delivery for item in items if item.delivery.id in kept])
        try:
            for job in asyncio.as_completed(signing_jobs(self.ctx, [i for i in items if i.delivery.id in kept])):
                signed = await job  # awaited first: self.ready is looked up after, never a stale deque
                self.ready.extend(signed)
                self.ctx.deliveries_available.set()  # wake the loop: there is something to send
        except BaseException:  # what never became ready keeps its lease, unrenewed, and is claimed again after it
            self.leases.release(Delivery, kept - {item.delivery.id for item in self.ready})
            raise
        return len(deliveries)

    def allowance(self, host: str) -> int:
        cap = max(1, self.ctx.delivery_per_host)
        seconds = self.latency.get(host)
        if seconds is None:
            return 2 * cap
        return max(2 * cap, int(cap * HOST_READY_HORIZON / max(seconds, 0.0001)))

    def defer_for(self, host: str) -> timedelta:
        """About as long as the host takes to answer the deliveries kept for it."""
        seconds = self.latency.get(host)
        if seconds is None:
            return HOST_BUSY_DEFER
        kept = self.allowance(host) * seconds / max(1, self.ctx.delivery_per_host)
        return min(HOST_BUSY_DEFER, max(HOST_DEFER_MIN, timedelta(seconds=kept)))

    def start_ready(self) -> None:
        """Start what is ready, in order, as far as the global and per-host caps allow."""
        waiting: deque[Prepared] = deque()
        while self.ready and len(self.inflight) < self.concurrency:
            item = self.ready.popleft()
            if self.per_host[item.host] >= self.ctx.delivery_per_host:
                waiting.append(item)
                continue
            self.per_host[item.host] += 1
            task = asyncio.create_task(send_one(self.ctx, item))
            self.inflight[task], self.sent_at[task] = item, time.monotonic()
        waiting.extend(self.ready)
        self.ready.clear()  # the same deque, changed in place: a refill may be adding to it
        self.ready.extend(waiting)

    def finished(self, tasks: set[asyncio.Task[Outcome]]) -> None:
        for task in tasks:
            item = self.inflight.pop(task)
            took = time.monotonic() - self.sent_at.pop(task)
            before = self.latency.pop(item.host, None)  # re-inserted last: the dict is oldest-answer first
            self.latency[item.host] = took if before is None else before + LATENCY_WEIGHT * (took - before)
            if len(self.latency) > LATENCY_HOSTS:
                del self.latency[next(iter(self.latency))]
            # Sent (its outcome is written within RECORD_DELAY) or failed (retried after its lease): let go.
            self.leases.release(Delivery, [item.delivery.id])
            host = item.host
            self.per_host[host] -= 1
            if self.per_host[host] <= 0:
                del self.per_host[host]
            if task.exception() is not None:  # not recorded: the row keeps its lease and is tried again
                log.error("delivery task failed", exc_info=task.exception())
                continue
            if not self.outcomes:
                self.first_outcome_at = time.monotonic()
            self.outcomes.append(task.result())

    def record_due(self) -> bool:
        """Batch only while busy (more is ready to send); otherwise write at once."""
        return bool(self.outcomes) and (
            len(self.outcomes) >= RECORD_BATCH or not self.ready or not self.inflight
            or time.monotonic() - self.first_outcome_at >= RECORD_DELAY)

    async def record(self) -> None:
        outcomes, self.outcomes = self.outcomes, []
        try:
            await _record(outcomes)
        except Exception:  # not recorded: the rows keep their lease and are delivered again
            log.exception("recording %d delivery outcomes failed", len(outcomes))

    async def stop(self) -> None:
        """Let running deliveries finish briefly and record them; give back what was claimed but not sent."""
        if self.refill is not None:
            self.refill.cancel()
            await asyncio.gather(self.refill, return_exceptions=True)
        if self.inflight:
            done, pending = await asyncio.wait(set(self.inflight), timeout=5)
            self.finished(done)
            for task in pending:  # these keep their lease and are retried after it ends
                task.cancel()
        if self.outcomes:
            await self.record()
        await self.leases.close()
        unsent = [item.delivery.id for item in self.ready]
        if unsent:
            await Delivery.filter(id__in=unsent).update(locked_until=None)


async def delivery_loop(ctx: "FederationContext", stop: asyncio.Event, poll: float = 1.0) -> None:
    """Keep up to delivery_concurrency deliveries in flight (and at most delivery_per_host to one host),
    claiming and signing more ahead while they run, so one slow or dead inbox holds up only its own slot,
    never the rest of the queue; outcomes are written in batches."""
    pump = DeliveryPump(ctx)
    pump.leases.start()
    last_poll = time.monotonic()
    while not stop.is_set():
        # Cleared before claiming, so deliveries queued while we claim still wake us.
        ctx.deliveries_available.clear()
        if time.monotonic() - last_poll >= poll:
            pump.idle, last_poll = False, time.monotonic()
        if pump.wants_more():
            pump.start_refill()
        pump.start_ready()
        # Sleep until a delivery finishes, more are signed or queued, a refill ends, or the poll passes.
        waker = asyncio.create_task(ctx.deliveries_available.wait())
        waits: set[asyncio.Future[Any]] = {*pump.inflight, waker}
        if pump.refill is not None:
            waits.add(pump.refill)
        timeout = RECORD_DELAY if pump.outcomes else poll
        done, _ = await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        waker.cancel()
        if waker in done:
            pump.idle = False
        if pump.refill is not None and pump.refill.done():
            if pump.refill.exception() is not None:  # the database hiccupped: the rows keep their lease
                log.error("claiming deliveries failed", exc_info=pump.refill.exception())
                pump.idle = True
            pump.refill = None
        pump.finished({task for task in done if task in pump.inflight})
        if pump.record_due():
            await pump.record()
    await pump.stop()


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
    """Send one signed delivery; the caller records outcomes in batches."""
    started = time.perf_counter()
    outcome = await _post(ctx, item)
    record_delivery(ctx, item.delivery.id, _result_of(outcome), started, item.delivery.host)
    return outcome


def _result_of(outcome: Outcome) -> str:
    """The outcome as _record will store it: delivered, gone, retry or failed (for metrics and the log)."""
    if outcome.ok or outcome.gone:
        return "delivered" if outcome.ok else "gone"
    return "retry" if outcome.retryable and outcome.delivery.attempts + 1 < MAX_ATTEMPTS else "failed"


async def _post(ctx: "FederationContext", item: Prepared) -> Outcome:
    delivery = item.delivery
    if item.headers is None:
        return Outcome(delivery, None, item.error or "not signed", permanent=item.error is not None)
    try:
        response = await ctx.http.request(
            "POST", delivery.inbox_url, headers=item.headers, body=item.body, follow_redirects=False,
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
