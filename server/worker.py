"""The worker loop: drains the queues, then sleeps until woken or the poll interval passes."""
from __future__ import annotations

import asyncio
import contextlib
import logging

from federation.context import FederationContext
from federation.delivery import delivery_loop
from federation.delivery_stats.job import ensure_scheduled as ensure_queue_housekeeping
from federation.metrics import heartbeat
from federation.queue import utcnow
from federation.work import run_intake_queues_once
from server.streaming_listener import QUEUE_CHANNEL, StreamListener

log = logging.getLogger(__name__)

# What another process queued wakes us on PostgreSQL (LISTEN moot_queue); the poll is the safety net, and on
# SQLite the one process wakes its own worker.
POLL_INTERVAL = 1.0

INTAKE = "intake"  # incoming activities, fan-outs, scheduled jobs, housekeeping
DELIVERY = "delivery"  # signing and sending to other servers
ROLES = (INTAKE, DELIVERY)


async def run_worker(fed: FederationContext, stop: asyncio.Event, database_url: str | None = None,
                     roles: tuple[str, ...] = ROLES) -> None:
    """The intake queues and the delivery pool, side by side: a slow remote inbox never holds up
    the processing of incoming activities. With a PostgreSQL `database_url`, rows any process queues wake it.
    `roles` picks one side for processes of their own (`moot worker --only`): signing for a big relay then
    never takes CPU from the processing of what arrives, and either side scales by itself."""
    listener = None
    if database_url is not None and not database_url.startswith("sqlite"):
        listener = StreamListener(database_url, fed.wake, channel=QUEUE_CHANNEL)
        listener.start()
    try:
        # Beside the loops, not before them: the first turn beats the heartbeat at once (/readyz).
        loops = [_schedule_housekeeping(), _intake_loop(fed, stop)] if INTAKE in roles else [_heartbeat_loop(fed, stop)]
        if DELIVERY in roles:
            loops.append(delivery_loop(fed, stop, poll=POLL_INTERVAL))
        await asyncio.gather(*loops)
    finally:
        if listener is not None:
            await listener.stop()


async def _schedule_housekeeping() -> None:
    """The nightly delivery rollup and queue pruning, whether or not anyone opens instance insights."""
    try:
        await ensure_queue_housekeeping(utcnow())
    except Exception:  # the worker runs anyway; its next start tries again
        log.exception("scheduling the queue housekeeping failed")


async def _intake_loop(fed: FederationContext, stop: asyncio.Event) -> None:
    while not stop.is_set():
        heartbeat(fed)  # /readyz: the worker is alive
        # Cleared before the pass, so a wake-up that comes during the pass is not lost.
        fed.work_available.clear()
        try:
            handled = await run_intake_queues_once(fed)
        except Exception:  # keep the worker alive; the rows stay in the queue for the next pass
            log.exception("worker pass failed")
            handled = 0
        if handled:
            continue
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(_first_of(fed.work_available, stop), timeout=POLL_INTERVAL)


async def _heartbeat_loop(fed: FederationContext, stop: asyncio.Event) -> None:
    """A delivery-only worker has no intake loop to beat the heartbeat (/readyz)."""
    while not stop.is_set():
        heartbeat(fed)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=POLL_INTERVAL)


async def _first_of(*events: asyncio.Event) -> None:
    waiters = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
