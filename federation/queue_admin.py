"""What the queues hold, for admins: depths and ages, remote servers that are slow or failing, items that gave
up, and the two actions on those (retry, discard). Used by /metrics, the admin dashboard and `moot queue`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable

from tortoise.functions import Count, Min
from tortoise.models import Model

from federation.delivery_stats import rollup as delivery_rollup
from federation.queue import utcnow
from models.mail import OutboundMail
from models.queues import (
    COMPACTED_ACTIVITY, DONE, FAILED, PENDING, Delivery, FanOut, HostBackoff, InboxItem, OutboundActivity, ScheduledJob,
)

# Queue name -> model. Every one has state, attempts, next_attempt_at, last_error and created_at.
QUEUES: dict[str, type[Model]] = {
    "inbox": InboxItem,
    "fanout": FanOut,
    "delivery": Delivery,
    "jobs": ScheduledJob,
    "mail": OutboundMail,
}
HOST_WINDOW = timedelta(days=1)
# The delivered rows read to measure per-host delivery times (the newest ones of the last day).
HOST_SAMPLE = 5000


class QueueAdminError(ValueError):
    """An unknown queue or a request that names nothing; the message says what was wrong."""


@dataclass(frozen=True)
class QueueStats:
    queue: str
    pending: int
    due: int
    oldest_due_seconds: float | None
    failed: int


@dataclass(frozen=True)
class HostStats:
    host: str
    delivered: int = 0
    failed: int = 0
    retrying: int = 0
    average_seconds: float | None = None  # from queued to delivered
    slowest_seconds: float | None = None
    backoff_until: datetime | None = None
    last_error: str | None = None


def model_of(queue: str) -> type[Model]:
    try:
        return QUEUES[queue]
    except KeyError:
        raise QueueAdminError(f"no queue named {queue!r}: choose one of {', '.join(QUEUES)}") from None


async def queue_stats(now: datetime | None = None) -> list[QueueStats]:
    now = now or utcnow()
    stats = []
    for name, model in QUEUES.items():
        pending = await model.filter(state=PENDING).count()
        due_rows = await (model.filter(state=PENDING, next_attempt_at__lte=now)
                          .annotate(n=Count("id"), oldest=Min("next_attempt_at")).values("n", "oldest"))
        due, oldest = (due_rows[0]["n"], due_rows[0]["oldest"]) if due_rows else (0, None)
        if isinstance(oldest, str):  # SQLite hands aggregates back as text
            oldest = datetime.fromisoformat(oldest)
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=now.tzinfo)
        failed = await model.filter(state=FAILED).count()
        stats.append(QueueStats(name, pending, due or 0,
                                max(0.0, (now - oldest).total_seconds()) if oldest and due else None, failed))
    return stats


async def hosts_in_backoff(now: datetime | None = None) -> list[HostBackoff]:
    return await HostBackoff.filter(next_attempt_at__gt=now or utcnow()).order_by("next_attempt_at")


async def host_stats(now: datetime | None = None, limit: int = 20) -> tuple[list[HostStats], list[HostStats]]:
    """(slowest, failing) remote servers over the last day: delivery times from queueing to delivery, and
    deliveries that failed or are being retried, with each host's shared backoff."""
    now = now or utcnow()
    since = now - HOST_WINDOW
    delivered = await (Delivery.filter(state=DONE, delivered_at__gte=since).order_by("-id").limit(HOST_SAMPLE)
                       .values_list("host", "created_at", "delivered_at"))
    times: dict[str, list[float]] = {}
    for host, created, finished in delivered:
        if created and finished:
            times.setdefault(host, []).append(max(0.0, (finished - created).total_seconds()))
    failed = dict(await Delivery.filter(state=FAILED, created_at__gte=since).group_by("host")
                  .annotate(n=Count("id")).values_list("host", "n"))
    retrying = dict(await Delivery.filter(state=PENDING, attempts__gt=0).group_by("host")
                    .annotate(n=Count("id")).values_list("host", "n"))
    backoff = {row.host: row for row in await HostBackoff.all()}
    hosts = set(times) | set(failed) | set(retrying) | set(backoff)

    def of(host: str) -> HostStats:
        samples = times.get(host, [])
        row = backoff.get(host)
        return HostStats(
            host, delivered=len(samples), failed=failed.get(host, 0), retrying=retrying.get(host, 0),
            average_seconds=sum(samples) / len(samples) if samples else None,
            slowest_seconds=max(samples) if samples else None,
            backoff_until=row.next_attempt_at if row and row.next_attempt_at > now else None,
            last_error=row.last_error if row else None,
        )

    every = [of(host) for host in hosts]
    slowest = sorted((h for h in every if h.average_seconds is not None), key=lambda h: -(h.average_seconds or 0))
    failing = sorted((h for h in every if h.failed or h.retrying or h.backoff_until),
                     key=lambda h: (-(h.failed + h.retrying), h.host))
    return slowest[:limit], failing[:limit]


async def failed_items(queue: str, *, offset: int = 0, limit: int = 50) -> list[dict[str, Any]]:
    """Rows of `queue` that gave up, newest first, as plain dicts for pages and the CLI."""
    model = model_of(queue)
    rows = await model.filter(state=FAILED).order_by("-id").offset(offset).limit(limit)
    types: dict[int, str] = {}
    if queue in ("delivery", "fanout") and rows:
        types = dict(await OutboundActivity.filter(id__in={row.activity_id for row in rows}).values_list("id", "type"))
    return [describe(queue, row, types) for row in rows]


def describe(queue: str, row: Any, activity_types: dict[int, str] | None = None) -> dict[str, Any]:
    """What an admin needs to recognise an item: never the stored body (a message may hold a reset link)."""
    types = activity_types or {}
    if queue == "inbox":
        activity = row.activity if isinstance(row.activity, dict) else {}
        kind, target, host = str(activity.get("type") or ""), row.actor_uri, host_of(row.actor_uri)
    elif queue == "delivery":
        kind, target, host = types.get(row.activity_id, ""), row.inbox_url, row.host
    elif queue == "fanout":
        kind, target, host = types.get(row.activity_id, ""), f"activity {row.activity_id}", None
    elif queue == "jobs":
        kind, target, host = row.kind, row.key, None
    else:
        kind, target, host = "", row.to_address, None
    return {"queue": queue, "id": row.id, "kind": kind, "target": target, "host": host, "attempts": row.attempts,
            "last_error": (row.last_error or "")[:300], "created_at": row.created_at,
            "status": getattr(row, "last_status", None)}


def host_of(uri: str | None) -> str | None:
    if not uri:
        return None
    return uri.split("://", 1)[-1].split("/", 1)[0].lower() or None


def _selection(model: type[Model], ids: Iterable[int] = (), host: str | None = None,
               all_failed: bool = False) -> Any:
    ids = list(ids)
    if not ids and not host and not all_failed:
        raise QueueAdminError("name the items: ids, a host, or all failed items")
    if host and model is not Delivery:
        raise QueueAdminError("only deliveries have a host")
    query = model.filter(state=FAILED)
    if ids:
        query = query.filter(id__in=ids)
    if host:
        query = query.filter(host=host.lower())
    return query


async def retry(queue: str, ids: Iterable[int] = (), *, host: str | None = None, all_failed: bool = False) -> int:
    """Put failed items back in their queue, due now with fresh attempts; returns how many. A delivery's host
    also leaves its backoff: an admin who retries wants it tried now. An inbox item whose body housekeeping
    emptied stays failed (it can still be discarded)."""
    model = model_of(queue)
    query = _selection(model, ids, host, all_failed)
    if model is InboxItem:  # housekeeping emptied old ones' bodies: nothing is left to run again
        query = query.exclude(activity=COMPACTED_ACTIVITY)
    touched = list(await query.values_list("host", "created_at")) if model is Delivery else []
    hosts = {host for host, _ in touched}
    changes: dict[str, Any] = {"state": PENDING, "attempts": 0, "next_attempt_at": utcnow(), "last_error": None}
    if model is not OutboundMail:  # mail has no lease
        changes["locked_until"] = None
    count = await query.update(**changes)
    if hosts:
        await HostBackoff.filter(host__in=hosts).delete()
    await delivery_rollup.requeued(touched)  # rolled-up days count them as waiting again
    return count


async def discard(queue: str, ids: Iterable[int] = (), *, host: str | None = None, all_failed: bool = False) -> int:
    """Delete failed items for good; returns how many."""
    model = model_of(queue)
    query = _selection(model, ids, host, all_failed)
    if model is not Delivery:
        return await query.delete()
    touched = list(await query.values_list("host", "created_at"))
    count = await query.delete()
    await delivery_rollup.discarded(touched)  # they leave the rolled-up days' counts too
    return count
