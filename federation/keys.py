"""The remote key cache: key id -> (owner, PEM). Fetching lives in federation.resolve."""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta

from models.actors import Actor

# A key refetch after a failed verification happens at most this often per actor,
# so forged signatures cannot make us hammer a remote server.
KEY_REFETCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class CachedKey:
    key_id: str
    owner_uri: str
    pem: str


class KeyStore:
    """An in-memory LRU in front of the actor table."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._keys: OrderedDict[str, CachedKey] = OrderedDict()

    def get(self, key_id: str) -> CachedKey | None:
        key = self._keys.get(key_id)
        if key is not None:
            self._keys.move_to_end(key_id)
        return key

    def put(self, key: CachedKey) -> None:
        self._keys[key.key_id] = key
        self._keys.move_to_end(key.key_id)
        while len(self._keys) > self._capacity:
            self._keys.popitem(last=False)

    def forget(self, key_id: str) -> None:
        self._keys.pop(key_id, None)


def key_of(actor: Actor) -> CachedKey | None:
    if not actor.public_key_id or not actor.public_key_pem:
        return None
    return CachedKey(key_id=actor.public_key_id, owner_uri=actor.uri, pem=actor.public_key_pem)
