"""The inbox refuses what it cannot authenticate or believe, each with a clear status and reason."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

from models.posts import Post
from models.queues import InboxItem
from tests.conftest import MootInstance
from tests.fakeremote import AS, PUBLIC, FakeActor, FakeRemote


def note_create(actor: FakeActor, *, object_id: str | None = None, author: str | None = None,
                activity_id: str | None = None) -> dict[str, Any]:
    note_id = object_id or actor.new_id("statuses")
    return {
        "@context": AS, "id": activity_id or f"{note_id}/activity", "type": "Create", "actor": actor.uri,
        "to": [PUBLIC], "cc": [actor.followers],
        "object": {"id": note_id, "type": "Note", "attributedTo": author or actor.uri, "content": "<p>hi</p>",
                   "to": [PUBLIC], "cc": [actor.followers]},
    }


async def test_unsigned_request_is_401(moot: MootInstance, remote: FakeRemote) -> None:
    alice = remote.add_actor("alice")
    status, body = await remote.send(alice, f"{moot.base_url}/inbox", note_create(alice),
                                     headers={"Content-Type": "application/activity+json"})
    assert status == 401 and "Signature" in body["error"]


async def test_forged_signature_is_401(moot: MootInstance, remote: FakeRemote) -> None:
    alice, mallory = remote.add_actor("alice"), remote.add_actor("mallory")
    # Signed with mallory's private key while claiming alice's key id.
    status, body = await remote.send(alice, f"{moot.base_url}/inbox", note_create(alice),
                                     private_pem=mallory.private_pem)
    assert status == 401 and "does not verify" in body["error"]
    assert await InboxItem.all().count() == 0


async def test_stale_and_future_dates_are_401(moot: MootInstance, remote: FakeRemote) -> None:
    alice = remote.add_actor("alice")
    now = datetime.now(timezone.utc)
    for date in (now - timedelta(hours=2), now + timedelta(hours=2)):
        status, body = await remote.send(alice, f"{moot.base_url}/inbox", note_create(alice), date=date)
        assert status == 401 and "Date" in body["error"], body


async def test_digest_mismatch_is_401(moot: MootInstance, remote: FakeRemote) -> None:
    alice = remote.add_actor("alice")
    status, body = await remote.send(alice, f"{moot.base_url}/inbox", note_create(alice), digest_body=b"{}")
    assert status == 401 and "digest" in body["error"].lower()


async def test_tampered_body_is_401(moot: MootInstance, remote: FakeRemote) -> None:
    alice = remote.add_actor("alice")
    url = f"{moot.base_url}/inbox"
    original = json.dumps(note_create(alice)).encode()
    headers = remote.signed_headers(alice, url, original)
    tampered = original.replace(b"<p>hi</p>", b"<p>bye</p>")
    status, body = await remote.send(alice, url, tampered, headers=headers)
    assert status == 401


async def test_key_of_another_actor_is_401(moot: MootInstance, remote: FakeRemote) -> None:
    alice, bob = remote.add_actor("alice"), remote.add_actor("bob")
    # A valid signature by bob on an activity that claims alice as its actor.
    status, body = await remote.send(alice, f"{moot.base_url}/inbox", note_create(alice),
                                     key_id=bob.key_id, private_pem=bob.private_pem)
    assert status == 401 and "signed by" in body["error"]


async def test_replayed_activity_is_stored_and_processed_once(moot: MootInstance, remote: FakeRemote) -> None:
    alice = remote.add_actor("alice")
    owner, _ = await moot.user("owner")
    page, _ = await moot.page("news", owner)
    activity = note_create(alice)
    activity["cc"].append(page.uri)
    activity["object"]["cc"].append(page.uri)
    url = f"{moot.base_url}/inbox"
    body = json.dumps(activity).encode()
    headers = remote.signed_headers(alice, url, body)
    first = await remote.send(alice, url, body, headers=headers)
    replay = await remote.send(alice, url, body, headers=headers)
    assert first == (202, {"status": "accepted"})
    assert replay == (202, {"status": "already received"})
    assert await InboxItem.all().count() == 1
    await moot.drain()
    assert await Post.filter(uri=activity["object"]["id"]).count() == 1


async def test_activity_id_on_another_host_is_403(moot: MootInstance, remote: FakeRemote) -> None:
    alice = remote.add_actor("alice")
    activity = note_create(alice, activity_id="https://elsewhere.example/activities/1")
    status, body = await remote.send(alice, f"{moot.base_url}/inbox", activity)
    assert status == 403 and "host" in body["error"]


async def test_create_of_foreign_object_is_403(moot: MootInstance, remote: FakeRemote) -> None:
    alice = remote.add_actor("alice")
    spoofed = note_create(alice, object_id="https://victim.example/statuses/1",
                          activity_id=alice.new_id())
    status, body = await remote.send(alice, f"{moot.base_url}/inbox", spoofed)
    assert status == 403 and "victim.example" in body["error"]
    misattributed = note_create(alice, author="http://127.0.0.1:1/users/bob")
    status, body = await remote.send(alice, f"{moot.base_url}/inbox", misattributed)
    assert status == 403 and "attributed" in body["error"]


async def test_update_of_someone_elses_post_is_refused(moot: MootInstance, remote: FakeRemote) -> None:
    alice, mallory = remote.add_actor("alice"), remote.add_actor("mallory")
    owner, _ = await moot.user("owner")
    page, _ = await moot.page("news", owner)
    create = note_create(alice)
    create["cc"].append(page.uri)
    create["object"]["cc"].append(page.uri)
    await remote.send(alice, f"{moot.base_url}/inbox", create)
    await moot.drain()
    forged = {"@context": AS, "id": mallory.new_id(), "type": "Update", "actor": mallory.uri,
              "object": {**create["object"], "content": "<p>pwned</p>", "attributedTo": mallory.uri}}
    # Same host, so intake cannot tell; the worker sees the post belongs to alice and refuses.
    status, _ = await remote.send(mallory, f"{moot.base_url}/inbox", forged)
    assert status == 202
    delete = {"@context": AS, "id": mallory.new_id(), "type": "Delete", "actor": mallory.uri,
              "object": create["object"]["id"]}
    status, _ = await remote.send(mallory, f"{moot.base_url}/inbox", delete)
    assert status == 202
    await moot.drain()
    post = await Post.get(uri=create["object"]["id"])
    assert post.deleted_at is None and "hi" in post.content and "pwned" not in post.content
    refused = await InboxItem.get(activity_id=forged["id"])
    assert refused.state == "failed" and "may not update" in refused.last_error


async def test_malformed_bodies_are_400(moot: MootInstance, remote: FakeRemote) -> None:
    alice = remote.add_actor("alice")
    url = f"{moot.base_url}/inbox"
    status, body = await remote.send(alice, url, b"{not json")
    assert status == 400 and "JSON" in body["error"]
    status, body = await remote.send(alice, url, b"[1, 2]")
    assert status == 400 and "object" in body["error"]
    status, body = await remote.send(alice, url, {"@context": AS, "id": alice.new_id(), "type": "Create"})
    assert status == 400 and "actor" in body["error"]


async def test_oversized_body_is_413(moot: MootInstance, remote: FakeRemote) -> None:
    alice = remote.add_actor("alice")
    activity = note_create(alice)
    activity["object"]["content"] = "x" * (1024 * 1024 + 10)
    status, body = await remote.send(alice, f"{moot.base_url}/inbox", activity)
    assert status == 413 and "limit" in body["error"]


async def test_unknown_inbox_is_404(moot: MootInstance, remote: FakeRemote) -> None:
    alice = remote.add_actor("alice")
    status, body = await remote.send(alice, f"{moot.base_url}/pages/nobody/inbox", note_create(alice))
    assert status == 404 and body["error"]


async def test_actor_on_a_private_address_is_never_fetched(moot_factory, remote: FakeRemote) -> None:
    moot = await moot_factory(allow_private_addresses=False)
    alice = remote.add_actor("alice")
    status, body = await remote.send(alice, f"{moot.base_url}/inbox", note_create(alice))
    assert status == 401, body
    assert "refused" in body["error"] or "not allowed" in body["error"] or "private" in body["error"], body
    assert remote.fetched == [], "the guard must refuse before connecting"
