"""The inbox side of events: Join and Leave of our events (from federation/inbox/join.py), and Accept or Reject of
the Joins our people sent to events elsewhere (from federation/inbox/accept.py).

A Join of an event the sender may not see (a private group's event and a non-member) is ignored exactly like a
Join of a post that does not exist: the answer would tell that it exists.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from federation.activities.events import EVENT_TYPE
from federation.activities.events_registration import leave, register
from federation.activities.events_elsewhere import answered
from federation.audience import may_see_post, viewer_of
from federation.content import html_to_text
from federation.inbox.common import IGNORED, sender
from federation.protocol.activity import ActivityDoc
from federation.protocol.common import first_text
from models.events import Event
from models.posts import Post

if TYPE_CHECKING:
    from federation.context import FederationContext


async def local_event(uri: str | None) -> Post | None:
    """Our Event post with this id (not deleted), if any."""
    if not uri:
        return None
    return await Post.filter(uri=uri, is_local=True, type=EVENT_TYPE, deleted_at=None).first()


async def on_join(ctx: "FederationContext", activity: ActivityDoc, post: Post) -> str | None:
    """Join{Event} from someone elsewhere: registered (Accept), waiting, pending, or refused (Reject)."""
    event = await Event.filter(post_id=post.id).first()
    person = await sender(ctx, activity)
    if event is None or person.is_local or not await may_see_post(post, viewer_of(person)):
        return IGNORED
    text = first_text(activity.raw.get("participationMessage"))
    message = " ".join(html_to_text(text).split()) if text else None
    await register(ctx, post, event, person, join_uri=activity.id, message=message)
    return None


async def on_leave(ctx: "FederationContext", activity: ActivityDoc, post: Post) -> str | None:
    event = await Event.filter(post_id=post.id).first()
    person = await sender(ctx, activity)
    if event is None or person.is_local:
        return IGNORED
    return None if await leave(ctx, post, event, person) else IGNORED


async def on_answer(ctx: "FederationContext", activity: ActivityDoc, accepted: bool) -> bool:
    """Accept or Reject of one of our people's Joins; False when the activity answers no such Join (then it is
    someone else's business, a Follow's answer)."""
    return await answered(ctx, activity.actor, activity.object_id, accepted, activity.summary)
