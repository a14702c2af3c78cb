"""Shared set-up for the notification tests."""
from __future__ import annotations

from typing import Any

from models.actors import Actor
from models.notifications import Notification
from tests.conftest import MootInstance
from tests.fakeremote import AS, PUBLIC, FakeActor, FakeRemote


async def kinds_of(moot: MootInstance, actor: Actor) -> list[str]:
    moot.use()
    return list(await Notification.filter(recipient_id=actor.id).order_by("id").values_list("kind", flat=True))


async def post(moot: MootInstance, token: str, text: str, **fields: Any) -> dict[str, Any]:
    status, body = await moot.api("POST", "/api/v1/statuses", token, json={"status": text, **fields})
    assert status in (200, 201), body
    return body


def note(actor: FakeActor, text: str, *, mention: Actor | None = None, in_reply_to: str | None = None,
         to: list[str] | None = None) -> dict[str, Any]:
    """A Create{Note} as Mastodon sends it, with a Mention tag for `mention`."""
    note_id = actor.new_id("statuses")
    tags = [{"type": "Mention", "href": mention.uri, "name": f"@{mention.username}"}] if mention else []
    to = to if to is not None else [PUBLIC]
    cc = [actor.followers] + ([mention.uri] if mention else [])
    return {
        "@context": AS, "id": f"{note_id}/activity", "type": "Create", "actor": actor.uri, "to": to, "cc": cc,
        "object": {"id": note_id, "type": "Note", "attributedTo": actor.uri, "inReplyTo": in_reply_to,
                   "published": "2026-11-20T12:00:00Z", "to": to, "cc": cc, "content": f"<p>{text}</p>",
                   "tag": tags},
    }


async def deliver(moot: MootInstance, remote: FakeRemote, actor: FakeActor, inbox: str, activity: dict[str, Any]) -> None:
    status, body = await remote.send(actor, inbox, activity)
    assert status == 202, body
    await moot.drain()
