"""One pass over every queue; the worker loops it, tests call it directly to drive work deterministically."""
from __future__ import annotations

import time
from typing import TYPE_CHECKING

from federation.delivery import deliver_due, expand_fanouts
from federation.inbox.dispatch import process_inbox
from federation.jobs import run_due_jobs
from federation.mail import send_due_mail
from federation.media_orphans import remove_orphaned_media
from federation.review import expire_held

if TYPE_CHECKING:
    from federation.context import FederationContext


# Housekeeping (expiring held items) runs at most this often per process.
HOUSEKEEPING_SECONDS = 60.0


async def run_queues_once(ctx: "FederationContext") -> int:
    """Process what is due now in each queue once; returns how many rows were handled."""
    handled = await run_intake_queues_once(ctx)
    handled += await deliver_due(ctx)
    return handled


async def run_intake_queues_once(ctx: "FederationContext") -> int:
    """Everything but delivery: the inbox, fan-outs, due scheduled jobs and housekeeping (the worker
    delivers in its own loop)."""
    handled = await process_inbox(ctx)
    handled += await run_due_jobs(ctx)
    handled += await expand_fanouts(ctx)
    handled += await send_due_mail(ctx)
    if time.monotonic() - ctx.last_housekeeping >= HOUSEKEEPING_SECONDS:
        ctx.last_housekeeping = time.monotonic()
        await expire_held()
        await remove_orphaned_media(ctx)  # uploads no post used, after a day
    return handled


async def drain(ctx: "FederationContext", max_passes: int = 50) -> int:
    """Run passes until nothing is due (work that is backing off waits for its time)."""
    total = 0
    for _ in range(max_passes):
        handled = await run_queues_once(ctx)
        if handled == 0:
            break
        total += handled
    return total
