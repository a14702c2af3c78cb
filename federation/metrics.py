"""The instruments of one running server (Prometheus counters, histograms and gauges), and the log lines
for each queue item's outcome.

Each app owns one `Metrics` with its own registry (never the global one: tests run many apps in one process).
Federation code reports through the small `record_*` functions, which do nothing when the context has no
metrics; server/ builds the object, exposes it on /metrics and reads the worker heartbeat for /readyz.
"""
from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

if TYPE_CHECKING:
    from federation.context import FederationContext

queue_log = logging.getLogger("moot.queue")

# Seconds: from a fast local receiver to a remote that answers just before the timeout.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

# Refusal reasons by the status the inbox answered (the reason text itself is free-form and unbounded).
REFUSAL_REASONS = {
    400: "malformed", 401: "signature", 403: "forbidden", 404: "no_such_inbox", 410: "gone", 413: "too_large",
    415: "media_type", 422: "invalid", 429: "rate_limited", 503: "unavailable",
}


class Metrics:
    """Every instrument of one app, in its own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        # Each help text says exactly what the instrument spans; keep it so when the code it measures moves.
        self.inbox_received = Counter(
            "moot_inbox_received", "Inbox POSTs that reached intake, by result (accepted: stored; duplicate; "
            "refused) and, when refused, the reason (ignored: answered 202 but not stored). Bodies over the size "
            "limit and unknown inboxes are answered before intake and not counted", ["result", "reason"],
            registry=r)
        self.inbox_processed = Counter(
            "moot_inbox_processed", "Inbox items processed by a worker, by outcome "
            "(applied, held, rejected, ignored, retry, failed)", ["outcome"], registry=r)
        self.inbox_processing_seconds = Histogram(
            "moot_inbox_processing_seconds", "Time from the start of one inbox item's processing until its outcome "
            "is written; an item applied in a batch counts until the batch commits", buckets=LATENCY_BUCKETS,
            registry=r)
        self.deliveries = Counter(
            "moot_deliveries", "Delivery attempts (a POST, or a delivery that could not be signed), by result "
            "(delivered, gone, retry, failed)", ["result"], registry=r)
        self.delivery_seconds = Histogram(
            "moot_delivery_seconds", "Time to POST one delivery, already signed, and read the start of the answer "
            "(at most the delivery timeout); signing (a thread pool), waiting for a sending slot and writing "
            "the outcome are not included", buckets=LATENCY_BUCKETS, registry=r)
        self.fanouts = Counter("moot_fanouts", "Fan-outs expanded into deliveries", registry=r)
        self.jobs = Counter("moot_scheduled_jobs", "Scheduled jobs run, by outcome (done, retry, failed)",
                            ["outcome"], registry=r)
        self.mail = Counter("moot_mail", "Mail send attempts, by outcome (sent, retry, failed)", ["outcome"],
                            registry=r)
        self.key_fetches = Counter(
            "moot_key_fetches", "Remote signing keys fetched from their origin (concurrent lookups of one key share "
            "one fetch), by result (ok, failed)", ["result"], registry=r)
        self.media_removed = Counter(
            "moot_orphaned_media_removed", "Attachment uploads removed because no post or profile used them within "
            "a day", registry=r)
        self.queue_pending = Gauge(
            "moot_queue_pending", "Pending rows in a queue, due now or later, including rows a worker is working on",
            ["queue"], registry=r)
        self.queue_due = Gauge(
            "moot_queue_due", "Pending rows in a queue whose time has come, including rows a worker is working on",
            ["queue"], registry=r)
        self.queue_oldest_due_seconds = Gauge(
            "moot_queue_oldest_due_seconds", "How long the longest-waiting due row has been due", ["queue"],
            registry=r)
        self.queue_failed = Gauge("moot_queue_failed", "Rows that gave up, kept for inspection", ["queue"],
                                  registry=r)
        self.lease_renewals = Counter(
            "moot_queue_lease_renewals", "Claimed rows whose lease their worker extended because it was still "
            "working on them, by queue", ["queue"], registry=r)
        self.lease_lost = Counter(
            "moot_queue_lease_lost", "Claimed rows whose worker came to write their outcome after another worker "
            "had claimed them (it stalled past its lease): the outcome was not written, and a batch holding one "
            "rolled back all it did, by queue", ["queue"], registry=r)
        self.hosts_in_backoff = Gauge("moot_hosts_in_backoff", "Remote hosts whose deliveries are backing off now",
                                      registry=r)
        self.http_requests = Counter("moot_http_requests", "HTTP requests, by route name, method and status",
                                     ["route", "method", "status"], registry=r)
        self.http_request_seconds = Histogram(
            "moot_http_request_seconds", "Time from a request's arrival until its handler returned the response "
            "(every middleware included; a stream counts until it ends), by route name", ["route"],
            buckets=LATENCY_BUCKETS, registry=r)
        # time.monotonic() of the worker loop's last turn; None until a worker runs in this process.
        self.worker_heartbeat: float | None = None
        # The labelled children of the per-request instruments, looked up once per label set: labels() takes
        # a lock and builds its key on every call, and these are counted for every request.
        self._request_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._intake_children: dict[tuple[str, str], Any] = {}

    def count_request(self, route: str, method: str, status: int, seconds: float) -> None:
        children = self._request_children.get((route, method, status))
        if children is None:
            children = (self.http_requests.labels(route, method, str(status)), self.http_request_seconds.labels(route))
            self._request_children[(route, method, status)] = children
        children[0].inc()
        children[1].observe(seconds)

    def count_intake(self, result: str, reason: str) -> None:
        child = self._intake_children.get((result, reason))
        if child is None:
            child = self._intake_children[(result, reason)] = self.inbox_received.labels(result, reason)
        child.inc()


def _metrics(ctx: "FederationContext") -> Metrics | None:
    return getattr(ctx, "metrics", None)


def log_item(queue: str, item_id: Any, outcome: str, seconds: float, host: str | None = None) -> None:
    """One log line per queue item outcome; the fields also go to JSON logs as `extra`."""
    ms = round(seconds * 1000, 1)
    queue_log.info("%s %s %s %.1fms%s", queue, item_id, outcome, ms, f" {host}" if host else "",
                   extra={"queue": queue, "item_id": item_id, "outcome": outcome, "ms": ms, "host": host})


def record_intake(ctx: "FederationContext", result: str, status: int) -> None:
    """An inbox POST: accepted (stored), duplicate, or refused (by the status it was answered with)."""
    metrics = _metrics(ctx)
    if metrics is None:
        return
    reason = "" if result != "refused" else "ignored" if status < 300 else REFUSAL_REASONS.get(status, str(status))
    metrics.count_intake(result, reason)


def record_inbox_item(ctx: "FederationContext", item_id: int, outcome: str, started: float,
                      actor_uri: str | None = None) -> None:
    seconds = time.perf_counter() - started
    metrics = _metrics(ctx)
    if metrics is not None:
        metrics.inbox_processed.labels(outcome).inc()
        metrics.inbox_processing_seconds.observe(seconds)
    log_item("inbox", item_id, outcome, seconds, _host(actor_uri))


def record_delivery(ctx: "FederationContext", delivery_id: int, result: str, started: float, host: str) -> None:
    seconds = time.perf_counter() - started
    metrics = _metrics(ctx)
    if metrics is not None:
        metrics.deliveries.labels(result).inc()
        metrics.delivery_seconds.observe(seconds)
    log_item("delivery", delivery_id, result, seconds, host)


def record_job(ctx: "FederationContext", key: str, outcome: str, started: float) -> None:
    seconds = time.perf_counter() - started
    metrics = _metrics(ctx)
    if metrics is not None:
        metrics.jobs.labels(outcome).inc()
    log_item("jobs", key, outcome, seconds)


def record_mail(ctx: "FederationContext", mail_id: int, outcome: str, started: float) -> None:
    seconds = time.perf_counter() - started
    metrics = _metrics(ctx)
    if metrics is not None:
        metrics.mail.labels(outcome).inc()
    log_item("mail", mail_id, outcome, seconds)


def record_lease_renewals(ctx: "FederationContext", queue: str, count: int) -> None:
    metrics = _metrics(ctx)
    if metrics is not None and count:
        metrics.lease_renewals.labels(queue).inc(count)


def record_lease_lost(ctx: "FederationContext", queue: str, count: int) -> None:
    metrics = _metrics(ctx)
    if metrics is not None and count:
        metrics.lease_lost.labels(queue).inc(count)


def record_fanouts(ctx: "FederationContext", count: int) -> None:
    metrics = _metrics(ctx)
    if metrics is not None and count:
        metrics.fanouts.inc(count)


def record_key_fetch(ctx: "FederationContext", ok: bool) -> None:
    metrics = _metrics(ctx)
    if metrics is not None:
        metrics.key_fetches.labels("ok" if ok else "failed").inc()


def heartbeat(ctx: "FederationContext") -> None:
    """The worker loop is alive (read by /readyz)."""
    metrics = _metrics(ctx)
    if metrics is not None:
        metrics.worker_heartbeat = time.monotonic()


def _host(uri: str | None) -> str | None:
    if not uri:
        return None
    rest = uri.split("://", 1)[-1]
    return rest.split("/", 1)[0].lower() or None
