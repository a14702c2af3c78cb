"""Signing deliveries on every core: the delivery worker's signing pool.

RSA signing (about 0.4-0.8 ms a delivery) dominates a fan-out's CPU. `cryptography` releases the GIL while
it signs, so a pool with a thread per core signs on all of them. Deliveries go to the pool in chunks: one
hand-over per chunk, not per delivery, keeps the event loop's thread from fighting the signers for the GIL.
"""
from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from federation import vocab
from federation.signatures import sign_request
from models.queues import Delivery, OutboundActivity

if TYPE_CHECKING:
    from federation.context import FederationContext


@dataclass(frozen=True)
class Prepared:
    delivery: Delivery
    activity: OutboundActivity
    body: bytes
    headers: dict[str, str] | None = None  # the signed headers, once signed
    error: str | None = None  # why it could not be signed

    @property
    def host(self) -> str:
        return self.delivery.host


SIGNING_THREAD_PREFIX = "moot-sign"
SIGN_CHUNK = 16
_pools: dict[int, ThreadPoolExecutor] = {}


def signing_threads(threads: int = 0) -> int:
    """How many signing threads a setting asks for: 0 (or less) means one per core, at least two."""
    return threads if threads > 0 else max(2, os.cpu_count() or 2)


def signing_pool(threads: int = 0) -> ThreadPoolExecutor:
    """The process's signing pool of signing_threads(threads) threads, shared by every context."""
    size = signing_threads(threads)
    pool = _pools.get(size)
    if pool is None:
        pool = _pools[size] = ThreadPoolExecutor(max_workers=size, thread_name_prefix=SIGNING_THREAD_PREFIX)
    return pool


def _sign_chunk(items: list[Prepared]) -> list[Prepared]:
    """Runs in a signing thread: each delivery with its signed headers, or the reason it cannot be signed."""
    signed = []
    for item in items:
        actor = item.activity.actor
        try:
            headers = sign_request(
                method="POST", url=item.delivery.inbox_url, key_id=actor.public_key_id,
                private_key_pem=actor.private_key_pem, body=item.body, content_type=vocab.ACTIVITY_JSON,
            )
        except (ValueError, TypeError) as exc:  # an inbox URL or a key that cannot be signed for
            signed.append(replace(item, error=f"cannot sign: {exc}"))
            continue
        signed.append(replace(item, headers=headers))
    return signed


def _chunks(items: list[Prepared], threads: int) -> list[list[Prepared]]:
    """At most SIGN_CHUNK a chunk, and enough chunks to keep every thread busy."""
    size = max(1, min(SIGN_CHUNK, -(-len(items) // max(1, threads))))
    return [items[start:start + size] for start in range(0, len(items), size)]


def signing_jobs(ctx: "FederationContext", items: list[Prepared]) -> list["asyncio.Future[list[Prepared]]"]:
    """Sign the items on the pool, chunk by chunk; each future gives back one chunk, signed."""
    pool = signing_pool(ctx.signing_threads)
    loop = asyncio.get_running_loop()
    threads = signing_threads(ctx.signing_threads)
    return [loop.run_in_executor(pool, _sign_chunk, chunk) for chunk in _chunks(items, threads)]


async def sign_all(ctx: "FederationContext", items: list[Prepared]) -> list[Prepared]:
    signed: list[Prepared] = []
    for chunk in await asyncio.gather(*signing_jobs(ctx, items)):
        signed.extend(chunk)
    return signed
