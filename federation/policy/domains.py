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

from federation.instance_settings import get_setting
from models.moderation import ALLOW, LIMIT, REJECT_MEDIA, SUSPEND, TRUSTED, ActorPolicy, DomainPolicy

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
    """Lowercase, no trailing dot; what policies are keyed by. A port, when given, is kept."""
    return domain.strip().lower().rstrip(".")


def candidates(host: str) -> list[str]:
    """The keys that cover a host, most specific first: host:port, host, then each parent domain."""
    host = normalize_domain(host)
    keys = [host]
    if not host.startswith("[") and host.count(":") == 1:
        host = host.split(":", 1)[0]
        keys.append(host)
    parts = host.split(".")
    keys += [".".join(parts[index:]) for index in range(1, len(parts))]
    return keys


def covers(policy_domain: str, host: str) -> bool:
    return normalize_domain(policy_domain) in candidates(host)


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
        self.allowlist_mode = await get_setting(FEDERATION_MODE, "blocklist") == "allowlist"
        self._loaded_at = self._clock()

    def domain(self, domain: str) -> Verdict:
        """The verdict for a host, from its most specific policy."""
        for key in candidates(domain):
            row = self._domains.get(key)
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
