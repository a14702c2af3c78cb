"""How Moot draws winners: a pure function, and the two hashes that let anyone check a draw (docs/draws.md).

The specification (version 1):

1. The seed is 32 random bytes, written as 64 lowercase hex digits. When the draw is created, Moot publishes
   the commitment: the SHA-256 of the seed's 32 bytes (not of its hex text), as 64 lowercase hex digits.
2. At the deadline Moot lists the ids (actor URIs) of the eligible people, without duplicates, sorted by
   Unicode code point (Python's `sorted()` on str; for URIs this is plain byte order). It publishes the list,
   and its digest: the SHA-256 of the UTF-8 text made of each URI followed by one "\\n" (an empty list gives
   the SHA-256 of nothing). `jq -r '.eligible[]' audit.json | sha256sum` prints it.
3. Each eligible URI gets a rank key: the lowercase hex SHA-256 of the seed's 32 bytes, then one "\\n" byte,
   then the URI in UTF-8. The URIs are ordered by that key, ascending; two equal keys (which SHA-256 makes
   practically impossible) keep the order of the sorted list.
4. The winners are the first `winners_count` URIs of that order, in that order. With fewer eligible people
   than winners, every one of them wins; with none, nobody does.
"""
from __future__ import annotations

import hashlib
import secrets
from typing import Iterable

ALGORITHM_VERSION = 1
SEED_BYTES = 32


def new_seed() -> str:
    """A fresh secret seed, as 64 hex digits."""
    return secrets.token_bytes(SEED_BYTES).hex()


def commitment_of(seed_hex: str) -> str:
    """The SHA-256 of the seed's bytes, published before the draw."""
    return hashlib.sha256(bytes.fromhex(seed_hex)).hexdigest()


def sorted_eligible(uris: Iterable[str]) -> list[str]:
    """Step 2: the eligible ids without duplicates, in code point order."""
    return sorted(set(uris))


def eligible_digest(sorted_uris: list[str]) -> str:
    """Step 2: the SHA-256 of the sorted list, one URI per line, each line ending in a newline."""
    return hashlib.sha256("".join(f"{uri}\n" for uri in sorted_uris).encode("utf-8")).hexdigest()


def rank_key(seed_hex: str, uri: str) -> str:
    """Step 3: the hex SHA-256 of seed bytes + b"\\n" + the URI's UTF-8 bytes."""
    return hashlib.sha256(bytes.fromhex(seed_hex) + b"\n" + uri.encode("utf-8")).hexdigest()


def pick_winners(seed_hex: str, eligible: Iterable[str], winners_count: int) -> list[str]:
    """Steps 2 to 4: the winners, in the order drawn."""
    ordered = sorted_eligible(eligible)
    ranked = sorted(range(len(ordered)), key=lambda position: (rank_key(seed_hex, ordered[position]), position))
    return [ordered[position] for position in ranked[:max(winners_count, 0)]]
