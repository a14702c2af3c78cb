"""Updates of a remote post are applied in the order they were made, not the order they arrive in."""
from __future__ import annotations

from typing import Any

from models.posts import Post
from tests.conftest import MootInstance
from tests.fakeremote import AS, PUBLIC, FakeActor, FakeRemote
from tests.federation.test_inbox_security import note_create


def _update(actor: FakeActor, note: dict[str, Any], content: str, published: str | None) -> dict[str, Any]:
    activity = {"@context": AS, "id": actor.new_id(), "type": "Update", "actor": actor.uri, "to": [PUBLIC],
                "object": {**note, "content": content}}
    if published is not None:
        activity["published"] = published
    return activity


async def _stored_note(moot: MootInstance, remote: FakeRemote) -> tuple[FakeActor, dict[str, Any]]:
    alice = remote.add_actor("alice")
    owner, _ = await moot.user("owner")
    page, _ = await moot.page("news", owner)
    create = note_create(alice)
    create["cc"].append(page.uri)
    create["object"]["cc"].append(page.uri)
    await remote.send(alice, f"{moot.base_url}/inbox", create)
    await moot.drain()
    return alice, create["object"]


async def test_a_late_update_does_not_undo_a_newer_one(moot: MootInstance, remote: FakeRemote) -> None:
    alice, note = await _stored_note(moot, remote)
    newer = _update(alice, note, "<p>second thoughts</p>", "2026-12-02T10:00:00.000002Z")
    older = _update(alice, note, "<p>first thoughts</p>", "2026-12-02T10:00:00.000001Z")
    for activity in (newer, older):  # the older one arrives last, as a retried delivery does
        status, _ = await remote.send(alice, f"{moot.base_url}/inbox", activity)
        assert status == 202
        await moot.drain()
    post = await Post.get(uri=note["id"])
    assert "second thoughts" in post.content and "first thoughts" not in post.content

    later = _update(alice, note, "<p>third thoughts</p>", "2026-12-02T10:00:01Z")
    await remote.send(alice, f"{moot.base_url}/inbox", later)
    await moot.drain()
    assert "third thoughts" in (await Post.get(uri=note["id"])).content


async def test_updates_without_a_time_apply_as_they_come(moot: MootInstance, remote: FakeRemote) -> None:
    alice, note = await _stored_note(moot, remote)
    for text in ("one", "two"):
        await remote.send(alice, f"{moot.base_url}/inbox", _update(alice, note, f"<p>{text}</p>", None))
        await moot.drain()
    assert "two" in (await Post.get(uri=note["id"])).content
