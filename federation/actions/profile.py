"""Profile changes of a local user or page (name, bio, avatar, header), federated as Update{Person|Service}."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from tortoise.transactions import in_transaction

from federation import render
from federation.outbox import publish
from federation.vocab import GROUP, PUBLIC
from models.actors import Actor

if TYPE_CHECKING:
    from federation.context import FederationContext

PROFILE_FIELDS = ("display_name", "summary", "icon_url", "image_url", "profile_fields")


async def update_profile(
    ctx: "FederationContext", actor: Actor, fields: Iterable[str] = PROFILE_FIELDS
) -> dict[str, Any]:
    """Save the actor's changed profile `fields` and send the whole actor document to its followers.

    Mastodon refreshes its copy of a remote account from an Update whose actor is the account itself.
    """
    if not actor.is_local:
        raise ValueError("only a local actor's profile can be updated")
    private = actor.type == GROUP and actor.manually_approves
    doc = render.strip_context(render.render_actor(actor, ctx.urls))
    followers = actor.followers_url or ""
    update = render.activity(
        ctx.urls.new_activity(), "Update", actor.uri, doc,
        to=[followers] if private else [PUBLIC], cc=[] if private else [followers],
    )
    async with in_transaction():
        await actor.save(update_fields=list(fields))
        await publish(actor, update, to_followers=True, public=not private)
    ctx.wake()
    return update
