"""Token buckets per remote actor and per domain, for the inbox. In memory: nothing is stored."""
from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Allows `burst` requests at once and `rate` per second after that, per key."""

    def __init__(self, rate: float, burst: int, capacity: int = 50_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self._capacity = capacity
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def check(self, key: str) -> float:
        """0 when allowed (and counted); otherwise the seconds to wait before retrying."""
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(tokens=float(self.burst), updated=now)
            self._buckets[key] = bucket
            while len(self._buckets) > self._capacity:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
            refill = (now - bucket.updated) * self.rate if now > bucket.updated else 0.0
            bucket.tokens = min(float(self.burst), bucket.tokens + refill)
            bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate


@dataclass
class InboxLimits:
    per_actor: RateLimiter
    per_domain: RateLimiter

    def check(self, actor_uri: str, domain: str) -> float:
        """Seconds to wait (0 when allowed): the domain's bucket first, then the actor's."""
        wait = self.per_domain.check(domain)
        if wait:
            return wait
        return self.per_actor.check(actor_uri)
