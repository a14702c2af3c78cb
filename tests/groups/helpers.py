"""Shared set-up for the group tests: a local group and members on fake remote servers."""
from __future__ import annotations

from typing import Any

from models.actors import Actor
from tests.conftest import MootInstance
from tests.fakeremote import AS, PUBLIC, FakeActor, FakeRemote


async def make_group(moot: MootInstance, name: str = "gardening", **options: Any) -> tuple[Actor, Actor, str, dict[str, Any]]:
    """(group, owner, owner token, group JSON) via the API."""
    owner, token = await moot.user(f"{name}_owner")
    status, body = await moot.api("POST", "/api/moot/v1/groups", token, json={"name": name, **options})
    assert status == 201, body
    moot.use()
    return await Actor.get(id=int(body["id"])), owner, token, body


async def join(remote: FakeRemote, actor: FakeActor, group: Actor, activity_type: str = "Follow") -> dict[str, Any]:
    activity = {"@context": AS, "id": actor.new_id(), "type": activity_type, "actor": actor.uri, "object": group.uri}
    status, body = await remote.send(actor, group.inbox, activity)
    assert status == 202, body
    return activity


def lemmy_page(actor: FakeActor, group: Actor, title: str = "Slugs ate my lettuce", content: str = "<p>Ideas?</p>") -> dict[str, Any]:
    """A Create{Page} shaped like Lemmy's: to the group and Public, audience the group."""
    page_id = actor.new_id("post")
    return {
        "@context": [AS, "https://w3id.org/security/v1"], "id": actor.new_id("activities/create"),
        "type": "Create", "actor": actor.uri, "to": [group.uri, PUBLIC], "cc": [], "audience": group.uri,
        "object": {
            "id": page_id, "type": "Page", "attributedTo": actor.uri, "to": [group.uri, PUBLIC], "cc": [],
            "name": title, "content": content, "mediaType": "text/html", "audience": group.uri,
            "published": "2026-11-20T12:00:00Z", "sensitive": False,
        },
    }


def lemmy_comment(actor: FakeActor, group: Actor, parent_id: str, text: str = "<p>Beer traps</p>") -> dict[str, Any]:
    note_id = actor.new_id("comment")
    return {
        "@context": AS, "id": actor.new_id("activities/create"), "type": "Create", "actor": actor.uri,
        "to": [PUBLIC], "cc": [group.uri], "audience": group.uri,
        "object": {"id": note_id, "type": "Note", "attributedTo": actor.uri, "inReplyTo": parent_id,
                   "content": text, "to": [PUBLIC], "cc": [group.uri], "audience": group.uri,
                   "published": "2026-11-20T12:05:00Z"},
    }


def announces(remote: FakeRemote, group: Actor) -> list[dict[str, Any]]:
    return [r.body for r in remote.received if r.body.get("type") == "Announce" and r.body.get("actor") == group.uri]


def wrapped(remote: FakeRemote, group: Actor, inner_type: str) -> list[dict[str, Any]]:
    return [a["object"] for a in announces(remote, group) if isinstance(a["object"], dict) and a["object"].get("type") == inner_type]


def plain(remote: FakeRemote, group: Actor) -> list[str]:
    return [a["object"] for a in announces(remote, group) if isinstance(a["object"], str)]


# --- appended for the moderation, API and actor tests ---------------------------------------


async def remote_member(
    moot: MootInstance, remote: FakeRemote, group: Actor, name: str
) -> tuple[FakeActor, Actor]:
    """A person on `remote` who joined `group` (accepted); returns the fake actor and Moot's record of it."""
    fake = remote.add_actor(name)
    await join(remote, fake, group)
    await moot.drain()
    return fake, await Actor.get(uri=fake.uri)


async def deliver(
    moot: MootInstance, remote: FakeRemote, actor: FakeActor, group: Actor, activity: dict[str, Any]
) -> None:
    """Send `activity` to the group's inbox as `actor`, then let Moot process it and deliver what follows."""
    status, body = await remote.send(actor, group.inbox, activity)
    assert status == 202, body
    await moot.drain()


def received_at(remote: FakeRemote, path: str, activity_type: str) -> list[dict[str, Any]]:
    """Activities of a type that arrived at one inbox path of the fake server (e.g. a person's own inbox)."""
    return [r.body for r in remote.received if r.path == path and r.body.get("type") == activity_type]


def activity(actor: FakeActor, activity_type: str, obj: Any, **extra: Any) -> dict[str, Any]:
    """A minimal activity by `actor`, with an id on its own server."""
    return {"@context": AS, "id": actor.new_id(f"activities/{activity_type.lower()}"), "type": activity_type,
            "actor": actor.uri, "object": obj, **extra}
