"""Announce: a remote group relaying its members' activities, or a boost of a local post.

Announces of other remote objects by people are not stored yet; when they are, the object must be
refetched from its origin rather than believed from the embedded copy.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from federation import audience, notifications
from federation.groups.remote import on_group_announce
from federation.home_timeline import latest_post_id
from federation.inbox.common import local_post, sender
from federation.protocol.activity import ActivityDoc
from federation.protocol.common import ProtocolError
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
    _, created = await Interaction.get_or_create(
        defaults={"kind": ANNOUNCE, "actor": actor, "post": post, "home_position": await latest_post_id()},
        activity_uri=activity.id
    )
    if created:
        await notifications.interaction("reblog", actor, post, activity.id)
