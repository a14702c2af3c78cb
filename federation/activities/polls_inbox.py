"""Polls in the inbox: votes from other servers (remote Questions' counts are in polls_remote.py).

A vote arrives as Mastodon sends it (app/serializers/activitypub/vote_serializer.rb): Create{Note} with `name`
= the option's title, `inReplyTo` = the Question, no content, addressed to the poll's author only. It may
reach the author's inbox, a group's, or the shared inbox: the poll decides, not the recipient. A vote is
never stored as a post (federation/inbox/create.py asks here first).

Per vote, the work is small: one query finds the poll with its post, one the voter, one checks that a voter of a
single-choice poll has not voted yet, one inserts the vote; the results job is scheduled once per batch window
(polls.request_results). Posts in groups add the audience and ban checks. Counting waits for the results job
(polls_jobs.py).
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from tortoise.exceptions import IntegrityError

from federation import audience
from federation.activities.polls import is_closed, request_results, titles
from federation.activities.polls_parse import vote_name
from federation.groups.access import active_ban
from federation.inbox.common import IGNORED, sender
from federation.protocol.common import ProtocolError
from models.actors import Actor
from models.polls import Poll, PollVote
from models.posts import Post

if TYPE_CHECKING:
    from federation.context import FederationContext
    from federation.protocol.activity import ActivityDoc
    from federation.protocol.objects import ObjectDoc

log = logging.getLogger(__name__)

OPEN_VISIBILITIES = ("public", "unlisted")
# The inbox item's outcome for a vote counted (the dispatcher's "applied").
COUNTED = "applied"


async def receive_vote(ctx: "FederationContext", activity: "ActivityDoc", doc: "ObjectDoc") -> str | None:
    """Count a vote: COUNTED, or IGNORED (a repeat, another server's poll); None when this Create is no vote
    (then it goes on as a post). A refused vote raises ProtocolError (the item is rejected with the reason)."""
    name = vote_name(doc.type, doc.name, doc.in_reply_to)
    if name is None:
        return None
    poll = await Poll.filter(post__uri=doc.in_reply_to).select_related("post").first()
    if poll is None:
        return None
    options = titles(poll)
    choice = _choice(options, name)
    if choice is None:
        return None  # a reply that happens to have a title, as Mastodon reads it
    post: Post = poll.post
    if not post.is_local or post.deleted_at is not None:
        return IGNORED  # another server's poll counts its own votes; a deleted one counts none
    if doc.attributed_to != activity.actor:
        raise ProtocolError(f"a vote by {activity.actor} attributed to {doc.attributed_to}")
    if is_closed(poll):
        raise ProtocolError(f"{post.uri} closed at {poll.expires_at}: the vote of {activity.actor} came too late")
    # Intake verified the signature with this actor's key, so its row is here: only its id is needed.
    voter_id = await Actor.filter(uri=activity.actor, deleted_at=None).first().values_list("id", flat=True)
    if voter_id is None:
        voter_id = (await sender(ctx, activity)).id
    if voter_id == post.author_id:
        raise ProtocolError(f"{activity.actor} may not vote on their own poll")
    await _check_audience(ctx, post, activity)
    if not poll.multiple and await PollVote.filter(poll_id=poll.id, voter_id=voter_id).exists():
        log.info("%s voted on %s already; one vote per person", activity.actor, post.uri)
        return IGNORED
    try:
        await PollVote.create(poll_id=poll.id, voter_id=voter_id, choice=choice, activity_uri=doc.id)
    except IntegrityError:  # this option was chosen by this voter already, or the same Note came twice
        return IGNORED
    if not poll.hide_totals:  # hidden totals go out once, when the poll closes (as Mastodon)
        await request_results(ctx.base_url, poll.id)
    return COUNTED


def _choice(options: list[str], name: str) -> int | None:
    if name in options:
        return options.index(name)
    spaced = " ".join(name.split())
    return options.index(spaced) if spaced in options else None


async def _check_audience(ctx: "FederationContext", post: Post, activity: "ActivityDoc") -> None:
    """Only those who may see the poll vote on it: a private group's members, a followers-only post's followers.
    A public post outside groups needs no query."""
    group_id = post.group_id or post.audience_group_id
    if post.visibility in OPEN_VISIBILITIES and group_id is None:
        return
    voter = await sender(ctx, activity)
    if group_id is not None:
        group = await Actor.filter(id=group_id).first()
        if group is not None and await active_ban(group, voter) is not None:
            raise ProtocolError(f"{voter.uri} is banned from {group.uri}")
    if not await audience.may_see_post(post, audience.viewer_of(voter)):
        raise ProtocolError(f"{voter.uri} may not see {post.uri} (not in its audience), so may not vote on it")
