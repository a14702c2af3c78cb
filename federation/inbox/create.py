"""Create of a post (Note, Article, Page, Question, Event, Video...): into a local group, or kept for local readers."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from federation.activities.polls_inbox import receive_vote
from federation.community import joining_dm
from federation.fetch import fetch_object
from federation.groups.intake import receive_post, target_group
from federation.inbox.common import IGNORED, post_author
from federation.policy.screening import screen_post
from federation.protocol.activity import ActivityDoc
from federation.protocol.objects import parse_object
from federation.remote_posts import is_relevant, store_remote_post
from federation.vocab import POST_TYPES
from federation.threads import post_by_uri

if TYPE_CHECKING:
    from federation.context import FederationContext

log = logging.getLogger(__name__)


async def on_create(ctx: "FederationContext", activity: ActivityDoc) -> str | None:
    # Intake checked that an embedded object is on the actor's host and attributed to the actor (or to a
    # group of the actor's server); an object given only by id is fetched from its origin.
    raw = activity.object if activity.object is not None else await fetch_object(ctx, activity.object_id or "")
    doc = parse_object(raw)
    if doc.type not in POST_TYPES:
        log.info("Create %s of a %s: not a post, ignored", activity.id, doc.type)
        return IGNORED
    # A poll vote (Create{Note} with `name`, inReplyTo a poll) is counted, never stored as a post.
    vote = await receive_vote(ctx, activity, doc)
    if vote is not None:
        return vote
    # A reply to a group's join questions is recorded as the person's answers, never stored as a post.
    answered = await joining_dm.receive_answer(ctx, activity, doc)
    if answered is not None:
        return answered
    author = await post_author(ctx, activity, doc)
    # Mobilizon addresses an event's Create, not the Event itself, to the groups it mentions.
    group = await target_group(ctx, doc, addressed=(*activity.to, *activity.cc, *activity.audience))
    if group is None and not await is_relevant(ctx, doc, author):
        log.info("Create %s: nobody here follows, is addressed or replied to; ignored", activity.id)
        return IGNORED
    in_thread = bool(doc.in_reply_to) and await post_by_uri(doc.in_reply_to) is not None
    adjustments = await screen_post(ctx, author, doc, activity.raw, group=group, in_existing_thread=in_thread)
    if group is not None:
        await receive_post(ctx, group, author, doc, activity.raw, adjustments)
    else:
        await store_remote_post(doc, author, activity.id, adjustments=adjustments)
    return None
