"""The group relays accepted activities to its members (FEP-1b12): Announce{activity as received}."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from federation import render
from federation.outbox import publish
from federation.vocab import PUBLIC
from models.actors import Actor

if TYPE_CHECKING:
    from federation.context import FederationContext

# Activities on posts after which Mastodon followers also get a plain Announce{post id}:
# Mastodon ignores Announce{Create}, refetches the post from its origin, and shows a boost.
PLAIN_ANNOUNCE_TYPES = frozenset({"Create", "Update"})


def addressing(group: Actor) -> tuple[list[str], list[str]]:
    """Public groups announce to Public; private groups only to the group and its members."""
    followers = group.followers_url or ""
    if group.manually_approves:
        return [group.uri, followers], []
    return [PUBLIC], [followers]


async def announce(ctx: "FederationContext", group: Actor, activity: dict[str, Any]) -> None:
    """Wrap `activity` exactly as received and deliver it to every member server, once per shared inbox.

    Call inside the transaction that applied the activity; call ctx.wake() after the commit.
    """
    to, cc = addressing(group)
    public = not group.manually_approves
    wrapped = render.activity(ctx.urls.new_activity(), "Announce", group.uri, activity, to=to, cc=cc)
    await publish(group, wrapped, to_followers=True, public=public)
    obj = activity.get("object")
    if activity.get("type") in PLAIN_ANNOUNCE_TYPES and isinstance(obj, dict) and isinstance(obj.get("id"), str):
        plain = render.activity(ctx.urls.new_activity(), "Announce", group.uri, obj["id"], to=to, cc=cc)
        await publish(group, plain, to_followers=True, public=public)
