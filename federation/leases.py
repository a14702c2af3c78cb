"""Lease renewal: a worker keeps the queue rows it is still working on.

claim() (federation/queue.py) leases rows for ctx.queue_lease. While a worker works on them, a LeaseKeeper
pushes their lease forward every third of a lease, so work longer than one lease (a large rollup, a fan-out
to 100k followers, an account purge, deliveries waiting for a busy host) is never claimed a second time while
it runs. A worker that dies stops renewing, and its rows come back once the lease it last set runs out.

A renewal extends a row only while it is still this keeper's: pending, and leased until one of the deadlines
this keeper set that has not passed yet. So a worker that stalled past its lease never takes back a row
another worker has claimed since (that claim wrote a deadline of its own), and a row its worker finished
(lease cleared, done or failed) drops out by the same test. Rows locked by another transaction at that
moment (being finished) are skipped, never waited for: that wait could deadlock with the finishing
transaction, and a row that is still worked on is renewed at the next turn.

The same test fences a worker's finish (fenced(); the inbox worker uses it): the UPDATE that writes a row's
outcome requires the row to be pending and leased until a deadline this keeper set on it, so a worker that
stalled past its lease writes nothing over a row another worker has claimed since. A keeper records each
deadline before the UPDATE that writes it, and remembers every deadline it set on a row (not only the last):
a finish racing a renewal accepts the deadline the renewal writes, whichever commits first. (On PostgreSQL a
renewal could, in theory, record and commit between a finish's reading of the fence and its UPDATE: the
finish then sees a lost lease where there is none, and the inbox worker applies those items one by one.)

Every queue's lease column is locked_until, except mail's: an OutboundMail's claim pushes its next_attempt_at a
lease ahead, so that column is its lease (hold(..., column="next_attempt_at")). All use the state "pending".
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, AsyncIterator, Iterable, Sequence

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.transactions import in_transaction

from federation.metrics import record_lease_renewals
from federation.queue import utcnow
from federation.queue_admin import QUEUES
from models.queues import PENDING

if TYPE_CHECKING:
    from federation.context import FederationContext

log = logging.getLogger(__name__)

QUEUE_NAMES = {model: name for name, model in QUEUES.items()}


@dataclass
class _Held:
    """The rows of one queue a keeper holds: id -> the lease deadline this keeper last set on it, and every
    deadline it set (or is about to set) on it, for the fence."""

    column: str
    deadlines: dict[int, datetime] = field(default_factory=dict)
    ever: dict[int, set[datetime]] = field(default_factory=dict)


class LeaseLost(Exception):
    """Rows a worker was finishing are another worker's now (its lease ran out and they were claimed again)."""


class LeaseKeeper:
    """Renews the leases of the rows handed to hold() until they are released or the keeper is closed."""

    def __init__(self, ctx: "FederationContext") -> None:
        self.ctx = ctx
        self.lease: timedelta = ctx.queue_lease
        self._held: dict[type[Model], _Held] = {}
        self._task: asyncio.Task[None] | None = None

    @property
    def interval(self) -> float:
        return self.lease.total_seconds() / 3

    def hold(self, model: type[Model], rows: Sequence[Model], *, column: str = "locked_until") -> None:
        """Keep `rows`, just claimed: each carries in `column` the deadline its claim set."""
        held = self._held.setdefault(model, _Held(column))
        for row in rows:
            deadline = getattr(row, column)
            if deadline is not None:
                held.deadlines[row.pk] = deadline
                held.ever.setdefault(row.pk, set()).add(deadline)

    def release(self, model: type[Model], ids: Iterable[int]) -> None:
        """Stop renewing these rows (finished, failed, or given back)."""
        held = self._held.get(model)
        if held is not None:
            for row_id in ids:
                held.deadlines.pop(row_id, None)
                held.ever.pop(row_id, None)

    def holds(self, model: type[Model]) -> set[int]:
        held = self._held.get(model)
        return set(held.deadlines) if held is not None else set()

    def fence(self, model: type[Model], row_id: int) -> list[datetime]:
        """Every lease deadline this keeper set on the row (its claim's and each renewal's), oldest first."""
        held = self._held.get(model)
        return sorted(held.ever.get(row_id, ())) if held is not None else []

    def fenced(self, model: type[Model], ids: Iterable[int]) -> Q:
        """The rows among `ids` that are still this keeper's: pending, and leased until a deadline it set on them.

        Rows claimed and renewed together share their deadlines, so this is usually one
        `id IN (...) AND locked_until IN (...)`: one statement still, barely dearer than filtering by id."""
        held = self._held.get(model)
        groups: dict[tuple[datetime, ...], list[int]] = {}
        for row_id in ids:
            deadlines = held.ever.get(row_id) if held is not None else None
            if deadlines:
                groups.setdefault(tuple(sorted(deadlines)), []).append(row_id)
        if held is None or not groups:
            return Q(id__in=[])  # none of them is ours
        either = [Q(id__in=group, **{f"{held.column}__in": list(deadlines)}) for deadlines, group in groups.items()]
        return Q(Q(*either, join_type="OR"), state=PENDING)

    async def renew(self) -> int:
        """Extend the lease of every row still held; returns how many were extended."""
        total = 0
        for model, held in list(self._held.items()):
            now = utcnow()
            # A row whose lease (as this keeper last set it) has run out is no longer ours to keep.
            held.deadlines = {row_id: deadline for row_id, deadline in held.deadlines.items() if deadline > now}
            if not held.deadlines:
                continue
            until = now + self.lease
            for row_id in held.deadlines:  # before the UPDATE: a finish racing it must accept the new deadline
                held.ever.setdefault(row_id, set()).add(until)
            async with in_transaction() as conn:
                mine = await (
                    model.filter(id__in=sorted(held.deadlines), state=PENDING,
                                 **{f"{held.column}__in": sorted(set(held.deadlines.values()))})
                    .select_for_update(skip_locked=True).only("id").using_db(conn)
                )
                if mine:
                    await model.filter(id__in=[row.pk for row in mine]).using_db(conn).update(**{held.column: until})
            # Rows not renewed keep their old deadline: one being finished right now drops out when it passes.
            for row in mine:
                held.deadlines[row.pk] = until
            if mine:
                record_lease_renewals(self.ctx, QUEUE_NAMES.get(model, model._meta.db_table), len(mine))
            total += len(mine)
        return total

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="moot-lease-renewal")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.renew()
            except Exception:  # the database hiccupped: try again next turn, while the leases still run
                log.warning("renewing queue leases failed", exc_info=True)

    async def close(self) -> None:
        """Stop renewing; what is still held keeps the lease it has (it runs out on its own)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._held.clear()


@contextlib.asynccontextmanager
async def keeping(ctx: "FederationContext", model: type[Model], rows: Sequence[Model],
                  *, column: str = "locked_until") -> AsyncIterator[LeaseKeeper]:
    """Renew the leases of `rows` (just claimed) while the block works on them."""
    keeper = LeaseKeeper(ctx)
    keeper.hold(model, rows, column=column)
    keeper.start()
    try:
        yield keeper
    finally:
        await keeper.close()
