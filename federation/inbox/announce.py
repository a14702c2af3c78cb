"""Announce: a remote group relaying its members' activities, or a boost of a local post.

Announces of other remote objects by people are not stored yet; when they are, the object must be
refetched from its origin rather than believed from the embedded copy.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from federation import audience, notifications
from federation.groups.remote import on_group_announce
from federation.inbox.common import local_post, sender
from federation.protocol.activity import ActivityDoc
from federation.protocol.common import ProtocolError
from federation.status_ids import reserve_status_id
from models.posts import ANNOUNCE, Interaction

if TYPE_CHECKING:
    from federation.context import FederationContext


async def on_announce(ctx: "FederationContext", activity: ActivityDoc) -> None:
    actor = await sender(ctx, activity)
    if actor.type == "Group" and not actor.is_local:
        await on_group_announce(ctx, actor, activity)
        return
    post = await local_post(activity.object_id)
    if post is None:
        return
    if not await audience.may_see_post(post, audience.ANONYMOUS):
        # As on Mastodon: only what everyone may see can be boosted (a boost shows it to the booster's followers).
        raise ProtocolError(f"{post.uri} is not public, so it cannot be boosted")
    if await Interaction.filter(activity_uri=activity.id).exists():
        return  # a second copy of the same Announce
    async with in_transaction():
        # Its status id for the client API, from the post ids: it sorts among posts by time (status_ids.py).
        # A copy stored meanwhile makes get_or_create find it; the id reserved then is only a gap.
        _, created = await Interaction.get_or_create(
            defaults={"kind": ANNOUNCE, "actor": actor, "post": post, "status_id": await reserve_status_id()},
            activity_uri=activity.id
        )
        if created:
            await notifications.interaction("reblog", actor, post, activity.id)
