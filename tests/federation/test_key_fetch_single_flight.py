"""Key fetches are single-flight: a burst of first deliveries from one new actor fetches its key once, and
after a failed signature one refetch happens, not one per failing request."""
from __future__ import annotations

import asyncio

from federation.signatures import generate_rsa_keypair
from models.actors import Actor
from tests.conftest import MootInstance
from tests.fakeremote import AS, PUBLIC, FakeRemote


def _note(actor, n: int) -> dict:
    note_id = actor.new_id("statuses")
    return {"@context": AS, "id": f"{note_id}/activity", "type": "Create", "actor": actor.uri, "to": [PUBLIC],
            "object": {"id": note_id, "type": "Note", "attributedTo": actor.uri, "content": f"<p>{n}</p>",
                       "to": [PUBLIC]}}


async def test_a_burst_from_a_new_actor_fetches_its_key_once(moot: MootInstance, remote: FakeRemote) -> None:
    alice = remote.add_actor("alice")
    results = await asyncio.gather(*(remote.send(alice, f"{moot.base_url}/inbox", _note(alice, n))
                                     for n in range(20)))
    assert [status for status, _ in results] == [202] * 20
    actor_path = alice.uri.removeprefix(remote.base_url)
    assert len([path for path in remote.fetched if path.startswith(actor_path)]) == 1, remote.fetched


async def test_a_rotated_key_is_refetched_once_for_a_burst(moot: MootInstance, remote: FakeRemote) -> None:
    alice = remote.add_actor("alice")
    status, _ = await remote.send(alice, f"{moot.base_url}/inbox", _note(alice, 0))
    assert status == 202
    alice.private_pem, alice.public_pem = generate_rsa_keypair()  # rotated: signs with a key Moot has not seen
    remote.fetched.clear()
    results = await asyncio.gather(*(remote.send(alice, f"{moot.base_url}/inbox", _note(alice, n))
                                     for n in range(1, 11)))
    assert [status for status, _ in results] == [202] * 10
    actor_path = alice.uri.removeprefix(remote.base_url)
    assert len([path for path in remote.fetched if path.startswith(actor_path)]) == 1, remote.fetched
    moot.use()
    assert (await Actor.get(uri=alice.uri)).key_refetched_at is not None
