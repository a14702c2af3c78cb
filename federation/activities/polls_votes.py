"""A local person votes: on a local poll (counted here; the results job tells the others), or on another
server's poll, which gets the vote as Mastodon sends it (VoteService, ActivityPub::VoteSerializer):
one Create{Note} per choice, `name` = the option, `inReplyTo` = the Question, to its author only."""
from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Iterable

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from federation import audience
from federation.actions.statuses import ActionError
from federation.activities.polls import is_closed, request_results, titles
from federation.groups.access import active_ban
from federation.outbox import publish
from federation.vocab import AS_CONTEXT
from models.actors import Actor
from models.polls import Poll, PollVote
from models.posts import Post

if TYPE_CHECKING:
    from federation.context import FederationContext

# Refusals, as sentences (translated where shown: web/pages/activity_polls.py).
CLOSED = "This poll has ended."
OWN_POLL = "You cannot vote on your own poll."
NO_CHOICE = "Choose an option to vote."
NOT_AN_OPTION = "That is not one of the poll's options."
ONE_ONLY = "This poll takes one choice only."
VOTED = "You have voted in this poll already."
BANNED = "You are banned from this group."
NO_POLL = "There is no such poll."


def _choices(raw: Iterable[int], size: int, multiple: bool) -> list[int]:
    choices = sorted(set(raw))
    if not choices:
        raise ActionError(NO_CHOICE)
    if any(choice < 0 or choice >= size for choice in choices):
        raise ActionError(NOT_AN_OPTION)
    if not multiple and len(choices) > 1:
        raise ActionError(ONE_ONLY)
    return choices


async def vote(ctx: "FederationContext", voter: Actor, post: Post, poll: Poll, choices: Iterable[int]) -> None:
    """Vote once (several options at once on a multiple-choice poll). Raises ActionError with the reason."""
    picked = _choices(choices, len(poll.options or []), poll.multiple)
    if post.deleted_at is not None or not await audience.may_see_post(post, audience.viewer_of(voter)):
        raise ActionError(NO_POLL, status=404)
    if is_closed(poll):
        raise ActionError(CLOSED)
    if voter.id == post.author_id:
        raise ActionError(OWN_POLL)
    group_id = post.group_id or post.audience_group_id
    group = await Actor.filter(id=group_id).first() if group_id else None
    if group is not None and await active_ban(group, voter) is not None:
        raise ActionError(BANNED, status=403)
    if await PollVote.filter(poll_id=poll.id, voter_id=voter.id).exists():
        raise ActionError(VOTED)  # as Mastodon's UI: one vote, with all its choices at once
    try:
        if post.is_local:
            await _vote_here(ctx, voter, poll, picked)
        else:
            await _vote_there(ctx, voter, post, poll, picked)
    except IntegrityError:  # the same vote twice at once (a double click): the first one counts
        raise ActionError(VOTED) from None
    ctx.wake()


async def _vote_here(ctx: "FederationContext", voter: Actor, poll: Poll, choices: list[int]) -> None:
    async with in_transaction():
        for choice in choices:
            await PollVote.create(poll_id=poll.id, voter_id=voter.id, choice=choice, activity_uri=ctx.urls.new_activity())
    if not poll.hide_totals:
        await request_results(ctx.base_url, poll.id)


async def _vote_there(ctx: "FederationContext", voter: Actor, post: Post, poll: Poll, choices: list[int]) -> None:
    """One Create{Note} per choice to the author's inbox; the counts shown here move at once (Mastodon does
    the same) until the author's next Update{Question} says what they are."""
    author = await Actor.get(id=post.author_id)
    options = titles(poll)
    counted = [dict(option) for option in poll.options]
    async with in_transaction():
        for choice in choices:
            note_id = f"{voter.uri}#votes/{uuid.uuid4().hex}"
            activity = {
                "@context": AS_CONTEXT, "id": f"{note_id}/activity", "type": "Create", "actor": voter.uri,
                "to": [author.uri],
                "object": {"id": note_id, "type": "Note", "name": options[choice], "attributedTo": voter.uri,
                           "inReplyTo": post.uri, "to": [author.uri]},
            }
            await PollVote.create(poll_id=poll.id, voter_id=voter.id, choice=choice, activity_uri=note_id)
            await publish(voter, activity, to_followers=False, inboxes=[author.inbox])
            counted[choice]["votes_count"] = int(counted[choice].get("votes_count") or 0) + 1
        await Poll.filter(id=poll.id).update(options=counted, voters_count=(poll.voters_count or 0) + 1)


async def own_votes(poll: Poll, voter: Actor | None) -> list[int]:
    if voter is None:
        return []
    return sorted(await PollVote.filter(poll_id=poll.id, voter_id=voter.id).values_list("choice", flat=True))
