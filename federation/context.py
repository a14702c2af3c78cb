"""What federation code needs from the running server, built once by server/ at start-up."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from federation.queue import DEFAULT_LEASE
from federation.urls import LocalUrls

from federation.instance_settings import InstanceInfo, InstanceInfoCache
from federation.policy.domains import PolicyCache
from federation.policy.ratelimit import InboxLimits, RateLimiter
from federation.policy.rules import RuleCache
from federation.single_flight import SingleFlight

if TYPE_CHECKING:
    from federation.http import SafeHttpClient
    from federation.inbox.intake import InboxWriter
    from federation.keys import KeyStore
    from federation.mail import MailSettings
    from federation.media_store import MediaStore
    from federation.metrics import Metrics
    from pathlib import Path
    from models.actors import Actor


BURST_SECONDS = 20


def inbox_limits(per_actor: float = 10.0, per_domain: float = 100.0) -> InboxLimits:
    """Rate limits per second; a burst of BURST_SECONDS' worth is allowed; 0 means no limit."""

    def limiter(rate: float) -> RateLimiter:
        if rate <= 0:
            return RateLimiter(rate=float("inf"), burst=1 << 30)
        return RateLimiter(rate=rate, burst=max(1, int(rate * BURST_SECONDS)))

    return InboxLimits(per_actor=limiter(per_actor), per_domain=limiter(per_domain))


@dataclass
class FederationContext:
    base_url: str
    host: str
    instance_name: str
    instance_description: str
    software_version: str
    allow_private_addresses: bool
    http: "SafeHttpClient"
    keys: "KeyStore"
    inbox_writer: "InboxWriter"
    delivery_concurrency: int = 32
    # Deliveries in flight to one remote host at most, and the threads that sign them (0: one per core).
    delivery_per_host: int = 8
    signing_threads: int = 0
    # How long a claimed queue row stays its worker's; the worker renews it every third of this (federation/leases.py).
    queue_lease: timedelta = DEFAULT_LEASE
    # Set by anything that creates queue rows, so an idle worker wakes at once instead of at its next poll.
    work_available: asyncio.Event = field(default_factory=asyncio.Event)
    # The delivery loop's own wake-up: set with work_available, and when a fan-out creates deliveries.
    deliveries_available: asyncio.Event = field(default_factory=asyncio.Event)
    instance_actor: "Actor | None" = None
    # Key and actor fetches in flight, shared by concurrent callers (federation/resolve.py).
    fetches: SingleFlight = field(default_factory=SingleFlight)
    # SMTP for outgoing mail (federation/mail.py); None when the server sends no mail.
    mail: "MailSettings | None" = None
    # {locale: gettext catalogue} for text written to people outside a request (notification mail); set by server/.
    translations: dict = field(default_factory=dict)
    policies: PolicyCache = field(default_factory=PolicyCache)
    rules: RuleCache = field(default_factory=RuleCache)
    inbox_limits: InboxLimits = field(default_factory=inbox_limits)
    last_housekeeping: float = float("-inf")
    # Finished deliveries and fan-outs are deleted, and finished inbox items emptied, after this many days
    # (federation/delivery_stats/prune.py).
    queue_retention_days: int = 7
    # Prometheus instruments and the worker heartbeat (federation/metrics.py); None records nothing.
    metrics: "Metrics | None" = None
    # Where uploaded files live (MOOT_DATA_DIR/media), for housekeeping that removes unused uploads.
    media_dir: "Path | None" = None
    # Where uploads are stored and served from (federation/media_store: local disk or S3); set by server/.
    media_store: "MediaStore | None" = None
    # The name, description and rules, with an admin's run-time overrides over instance_name/description.
    instance_info: InstanceInfoCache = field(init=False)
    _urls: LocalUrls | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.instance_info = InstanceInfoCache(InstanceInfo(self.instance_name, self.instance_description))

    @property
    def urls(self) -> LocalUrls:
        # Made once (the inbox asks for it for every address of every post), again should base_url change.
        urls = self._urls
        if urls is None or urls.base_url != self.base_url:
            urls = self._urls = LocalUrls(self.base_url)
        return urls

    @property
    def user_agent(self) -> str:
        return f"Moot/{self.software_version} (+{self.base_url})"

    def wake(self) -> None:
        self.work_available.set()
        self.deliveries_available.set()
