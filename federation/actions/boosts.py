"""Boosting (Announce) and unboosting (Undo{Announce}) a post, as a local person or page, the way Mastodon does:
`to: Public`, `cc: [the author, the booster's followers]`, delivered to the followers and the author's server.
Only what everyone may see can be boosted: a boost shows the post to the booster's followers."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from federation import audience, notifications, render
from federation.actions.statuses import ActionError
from federation.outbox import publish
from federation.status_ids import reserve_status_id
from federation.vocab import PUBLIC
from models.actors import Actor
from models.posts import ANNOUNCE, Interaction, Post

if TYPE_CHECKING:
    from federation.context import FederationContext


def _addressing(booster: Actor, post: Post) -> dict[str, list[str]]:
    return {"to": [PUBLIC], "cc": [post.author.uri, *([booster.followers_url] if booster.followers_url else [])]}


async def boost(ctx: "FederationContext", booster: Actor, post: Post) -> Interaction:
    """The booster's boost of the post: made now, or the one made before (boosting twice changes nothing)."""
    await post.fetch_related("author")
    if post.visibility not in ("public", "unlisted") or not await audience.may_see_post(post, audience.ANONYMOUS):
        raise ActionError("only a public post can be boosted", status=422)
    existing = await Interaction.filter(kind=ANNOUNCE, actor=booster, post=post).first()
    if existing is not None:
        return existing
    announce_uri = ctx.urls.new_activity()
    activity = render.activity(announce_uri, "Announce", booster.uri, post.uri, **_addressing(booster, post),
                               published=render.iso(datetime.now(timezone.utc)))
    async with in_transaction():
        # Its status id for the client API, from the post ids: it sorts among posts by time (status_ids.py).
        made = await Interaction.create(kind=ANNOUNCE, actor=booster, post=post, activity_uri=announce_uri,
                                        status_id=await reserve_status_id())
        await notifications.interaction("reblog", booster, post, announce_uri)
        await publish(booster, activity, to_followers=True, public=True,
                      inboxes=[] if post.author.is_local else [post.author.delivery_inbox])
    ctx.wake()
    return made


async def unboost(ctx: "FederationContext", booster: Actor, post: Post) -> None:
    await post.fetch_related("author")
    existing = await Interaction.filter(kind=ANNOUNCE, actor=booster, post=post).first()
    if existing is None:
        return
    addressing = _addressing(booster, post)
    undo = render.activity(
        ctx.urls.new_activity(), "Undo", booster.uri,
        {"id": existing.activity_uri, "type": "Announce", "actor": booster.uri, "object": post.uri, **addressing},
        **addressing,
    )
    async with in_transaction():
        await Interaction.filter(id=existing.id).delete()
        await publish(booster, undo, to_followers=True, public=True,
                      inboxes=[] if post.author.is_local else [post.author.delivery_inbox])
    ctx.wake()
