"""`moot queue stats|retry|discard|prune`: what the work queues hold, what to do with items that gave up, and
the nightly delivery rollup and pruning run now."""
from __future__ import annotations

import argparse
import asyncio
from typing import Any, Awaitable, Callable

from federation import queue_admin
from federation.delivery_stats.job import run_housekeeping
from federation.delivery_stats.prune import FAILED_RETENTION_DAYS
from federation.queue import utcnow
from federation.queue_admin import QUEUES, QueueAdminError
from server.database import activate, open_migrated_database
from server.settings import Settings


class QueueCommandError(Exception):
    """Printed without a traceback."""


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    if seconds < 172800:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds / 86400:.1f}d"


def _run(settings: Settings, work: Callable[[], Awaitable[Any]]) -> Any:
    async def run() -> Any:
        database = await open_migrated_database(settings.database_url,
                                                sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms)
        activate(database)
        try:
            return await work()
        except QueueAdminError as exc:
            raise QueueCommandError(str(exc)) from None
        finally:
            await database.close_connections()

    return asyncio.run(run())


async def _stats(args: argparse.Namespace) -> None:
    print(f"{'queue':<10}{'pending':>9}{'due now':>9}{'oldest due':>12}{'failed':>8}")
    for row in await queue_admin.queue_stats():
        print(f"{row.queue:<10}{row.pending:>9}{row.due:>9}{_age(row.oldest_due_seconds):>12}{row.failed:>8}")
    slowest, failing = await queue_admin.host_stats()
    if failing:
        print("\nfailing remote servers (last day):")
        for host in failing:
            backoff = f", backing off until {host.backoff_until:%Y-%m-%d %H:%M} UTC" if host.backoff_until else ""
            print(f"  {host.host}: {host.failed} failed, {host.retrying} retrying{backoff}")
    if slowest:
        print("\nslowest remote servers (time from queueing to delivery, last day):")
        for host in slowest[:10]:
            print(f"  {host.host}: average {_age(host.average_seconds)}, slowest {_age(host.slowest_seconds)}"
                  f" over {host.delivered} deliveries")
    if args.failed:
        for queue in QUEUES:
            items = await queue_admin.failed_items(queue, limit=args.limit)
            if items:
                print(f"\n{queue}: items that gave up (newest first)")
                for item in items:
                    print(f"  #{item['id']} {item['target']} after {item['attempts']} attempts: "
                          f"{item['last_error'] or 'no error recorded'}")


async def _act(action: str, args: argparse.Namespace) -> None:
    do = queue_admin.retry if action == "retry" else queue_admin.discard
    count = await do(args.queue, args.ids, host=args.host, all_failed=args.all_failed)
    what = f"{args.queue} item{'s' if count != 1 else ''}"
    scope = (f" to {args.host}" if args.host else "") + (f" (ids {', '.join(map(str, args.ids))})" if args.ids else "")
    if action == "retry":
        print(f"Re-queued {count} failed {what}{scope}; they are due now.")
    else:
        print(f"Discarded {count} failed {what}{scope}.")


async def _prune(settings: Settings, args: argparse.Namespace) -> None:
    def progress(line: str) -> None:
        print(f"  {line}", flush=True)

    print(f"{'Dry run: ' if args.dry_run else ''}rolling up deliveries, then deleting finished ones and emptying "
          f"finished inbox items older than {settings.queue_retention_days} days (failed ones older than "
          f"{max(settings.queue_retention_days, FAILED_RETENTION_DAYS)} days)", flush=True)
    result = await run_housekeeping(utcnow(), settings.queue_retention_days, dry_run=args.dry_run,
                                    progress=progress)
    verb = "Would delete" if args.dry_run else "Deleted"
    print(f"{verb}: {result.pruned.summary()}.")
    if not args.dry_run:
        print(f"Rolled up {result.days_rolled_up} days; {result.pairs_recounted} unsettled day and server pairs "
              f"counted again; {result.seconds:.1f} s in all.")


def cmd_queue(settings: Settings, args: argparse.Namespace) -> None:
    if args.queue_command == "stats":
        _run(settings, lambda: _stats(args))
        return
    if args.queue_command == "prune":
        _run(settings, lambda: _prune(settings, args))
        return
    if not args.ids and not args.host and not args.all_failed:
        raise QueueCommandError(f"queue {args.queue_command}: name the items (ids), --host HOST or --all-failed")
    _run(settings, lambda: _act(args.queue_command, args))


def add_queue_commands(commands: Any) -> None:
    queue = commands.add_parser("queue", help="inspect the work queues; retry or discard items that gave up")
    sub = queue.add_subparsers(dest="queue_command", required=True, metavar="ACTION")
    stats = sub.add_parser("stats", help="per queue: pending, due now, oldest due, failed; failing and slow servers")
    stats.add_argument("--failed", action="store_true", help="also list the items that gave up")
    stats.add_argument("--limit", type=int, default=20, help="items listed per queue with --failed (default 20)")
    for action, text in (("retry", "put failed items back in their queue, due now (a host leaves its backoff)"),
                         ("discard", "delete failed items for good")):
        command = sub.add_parser(action, help=text, description=text)
        command.add_argument("ids", nargs="*", type=int, metavar="ID", help="the items' ids (see `moot queue stats "
                             "--failed`)")
        command.add_argument("--queue", choices=list(QUEUES), default="delivery",
                             help="the queue the ids belong to (default: delivery)")
        command.add_argument("--host", help="every failed delivery to this host (e.g. social.example)")
        command.add_argument("--all-failed", action="store_true", help="every failed item of the queue")
    prune_text = ("roll up the deliveries of the days that closed (for instance insights), then delete done "
                  "deliveries and fan-outs older than MOOT_QUEUE_RETENTION_DAYS (default 7) and failed ones older "
                  f"than {FAILED_RETENTION_DAYS} days, in batches; the worker does this every night at 00:10 UTC. "
                  "Finished inbox items lose their body on the same clocks (held ones excepted) but are kept, for "
                  "duplicate detection; sent activities are kept (activity URLs).")
    prune = sub.add_parser("prune", help="roll up deliveries and delete finished queue rows now",
                           description=prune_text)
    prune.add_argument("--dry-run", action="store_true",
                       help="write nothing: say how many days wait for the rollup and what would be deleted")
    queue.set_defaults(handler=cmd_queue)
