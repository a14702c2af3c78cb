"""Domain and actor policies, cached in memory for the inbox hot path.

A policy on a domain covers its subdomains. The cache reloads when this process changes a policy and
at least every RELOAD_SECONDS, so processes sharing a PostgreSQL database converge quickly.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from tortoise.expressions import Q

from models.moderation import ALLOW, LIMIT, REJECT_MEDIA, SUSPEND, TRUSTED, ActorPolicy, DomainPolicy, InstanceSetting

RELOAD_SECONDS = 30.0
FEDERATION_MODE = "federation_mode"  # "blocklist" (default) or "allowlist"


@dataclass(frozen=True)
class Verdict:
    suspended: bool = False
    limited: bool = False
    reject_media: bool = False
    reason: str = ""


OPEN = Verdict()


def normalize_domain(domain: str) -> str:
    """Lowercase host without port or trailing dot; what policies are keyed by."""
    host = domain.strip().lower().rstrip(".")
    if host.startswith("[") or host.count(":") > 1:
        return host  # an IPv6 literal
    return host.split(":", 1)[0]


def _suffixes(host: str) -> list[str]:
    """host, then each parent domain: a.b.example.com, b.example.com, example.com, com."""
    parts = host.split(".")
    return [".".join(parts[index:]) for index in range(len(parts))]


class PolicyCache:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._loaded_at = float("-inf")
        self._domains: dict[str, DomainPolicy] = {}
        self._actors: dict[str, ActorPolicy] = {}
        self.allowlist_mode = False

    def invalidate(self) -> None:
        self._loaded_at = float("-inf")

    async def refresh(self) -> None:
        if self._clock() - self._loaded_at < RELOAD_SECONDS:
            return
        now = datetime.now(timezone.utc)
        active = Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        self._domains = {row.domain: row for row in await DomainPolicy.filter(active)}
        self._actors = {
            row.actor.uri: row for row in await ActorPolicy.filter(active).prefetch_related("actor")
        }
        mode = await InstanceSetting.filter(key=FEDERATION_MODE).first()
        self.allowlist_mode = mode is not None and mode.value == "allowlist"
        self._loaded_at = self._clock()

    def domain(self, domain: str) -> Verdict:
        """The verdict for a host, from its most specific policy."""
        host = normalize_domain(domain)
        for suffix in _suffixes(host):
            row = self._domains.get(suffix)
            if row is None:
                continue
            if row.policy == ALLOW:
                return Verdict(reject_media=row.reject_media)
            return Verdict(
                suspended=row.policy == SUSPEND,
                limited=row.policy == LIMIT,
                reject_media=row.policy == REJECT_MEDIA or row.reject_media,
                reason=row.public_reason,
            )
        if self.allowlist_mode:
            return Verdict(suspended=True, reason="not on this server's allowlist")
        return OPEN

    def actor(self, uri: str, domain: str) -> Verdict:
        """The domain's verdict, made stricter by a policy on the actor itself."""
        verdict = self.domain(domain)
        row = self._actors.get(uri)
        if row is None or verdict.suspended:
            return verdict
        return Verdict(
            suspended=row.policy == SUSPEND,
            limited=verdict.limited or row.policy == LIMIT,
            reject_media=verdict.reject_media,
            reason=row.reason or verdict.reason,
        )

    def trusted(self, uri: str) -> bool:
        row = self._actors.get(uri)
        return row is not None and row.policy == TRUSTED
