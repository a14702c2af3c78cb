"""Our people registering for events on other servers.

A person here registers with `Join{actor: person, object: event}` sent to the event's organiser (the post's
author: Mobilizon's `actor`, the person who organises a group's event); the registration stays "requested" until
an Accept or a Reject of that Join arrives, from an actor of the event's own server (Mobilizon answers from the
organiser, or from a moderator of the organising group). Leaving sends `Leave{object: event}`.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from federation import render
from federation.activities.events import EVENT_CONTEXT, JOIN_EXTERNAL, is_over
from federation.activities.events_registration import RegistrationError
from federation.outbox import publish
from federation.protocol.common import ProtocolError, host_of
from models.actors import Actor
from models.events import CANCELLED, LEFT, PARTICIPANT, REJECTED, REQUESTED, Event, EventParticipant
from models.posts import Post

if TYPE_CHECKING:
    from federation.context import FederationContext

log = logging.getLogger(__name__)


async def _organiser(post: Post) -> Actor:
    return await Actor.get(id=post.author_id)


async def request(ctx: "FederationContext", post: Post, event: Event, person: Actor,
                  message: str | None = None) -> EventParticipant:
    """Send Join{event} to the organiser; "requested" until their answer arrives."""
    if event.status == CANCELLED:
        raise RegistrationError("cancelled", "this event was cancelled")
    if is_over(event):
        raise RegistrationError("over", "this event is over")
    if event.join_mode == JOIN_EXTERNAL:
        raise RegistrationError("external", "registration for this event happens on another site", 422)
    row = await EventParticipant.filter(event_id=event.id, actor_id=person.id).first()
    if row is not None and row.state in (REQUESTED, PARTICIPANT):
        return row
    if event.capacity and event.participant_count >= event.capacity:
        raise RegistrationError("full", "this event is full")
    organiser = await _organiser(post)
    join_uri = ctx.urls.new_activity()
    message = (message or "").strip()[:1000] or None
    join = render.activity(join_uri, "Join", person.uri, post.uri, to=[organiser.uri])
    join["@context"] = EVENT_CONTEXT
    if message:
        join["participationMessage"] = message
    async with in_transaction():
        if row is None:
            row = await EventParticipant.create(event=event, actor=person, state=REQUESTED, join_uri=join_uri,
                                                message=message)
        else:
            row.state, row.join_uri, row.message, row.reason = REQUESTED, join_uri, message, None
            row.queued_at = datetime.now(timezone.utc)
            await row.save()
        await publish(person, join, to_followers=False, inboxes=[organiser.inbox])
    ctx.wake()
    return row


async def withdraw(ctx: "FederationContext", post: Post, event: Event, person: Actor) -> bool:
    """Leave{event} to the organiser; the registration ends here at once."""
    row = await EventParticipant.filter(event_id=event.id, actor_id=person.id).first()
    if row is None or row.state not in (REQUESTED, PARTICIPANT):
        return False
    organiser = await _organiser(post)
    leave = render.activity(ctx.urls.new_activity(), "Leave", person.uri, post.uri, to=[organiser.uri])
    async with in_transaction():
        row.state = LEFT
        await row.save(update_fields=["state", "updated_at"])
        await publish(person, leave, to_followers=False, inboxes=[organiser.inbox])
    ctx.wake()
    return True


async def answered(ctx: "FederationContext", actor_uri: str, join_uri: str | None, accepted: bool,
                   reason: str | None = None) -> bool:
    """An Accept or Reject of a Join one of our people sent; False when it answers no such Join."""
    if not join_uri:
        return False
    row = await EventParticipant.filter(join_uri=join_uri, actor__is_local=True).prefetch_related("event").first()
    if row is None:
        return False
    post = await Post.get(id=row.event.post_id)
    if post.is_local:
        return False
    if host_of(actor_uri) != host_of(post.uri):
        raise ProtocolError(f"{actor_uri} may not answer a registration for {post.uri}")
    if row.state == LEFT:
        return True  # they left meanwhile: a late answer changes nothing
    if accepted:
        await EventParticipant.filter(id=row.id).update(state=PARTICIPANT, reason=None)
    else:
        await EventParticipant.filter(id=row.id).update(state=REJECTED, reason=(reason or "")[:1000] or None)
    log.info("registration %s %s", join_uri, "accepted" if accepted else "rejected")
    return True
