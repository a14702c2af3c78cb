"""The results of a local poll go out as Update{Question} with the counts: batched (one per poll per
RESULTS_DELAY, whatever the number of votes: the votes schedule one job, `poll-results:<id>`), and a final
one when the poll closes (`poll-close:<id>`, due at its end).

They go to the post's own audience, as an edit does (federation/actions/statuses.py): the author's
followers, a local group's relay (Announce{Update}) and its members' servers (Mastodon reads only the
author's Update), and, as Mastodon's DistributePollUpdateWorker does, the servers of the remote voters.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from federation import notifications, render
from federation.activities.polls import (
    CLOSE_JOB, close_key, is_closed, results_key, results_sent, shows_counts, tally,
)
from federation.groups import relay
from federation.outbox import publish
from federation.post_documents import post_document
from federation.schedule import schedule, unschedule
from models.actors import Actor
from models.polls import Poll, PollVote
from models.posts import Post
from models.queues import ScheduledJob

if TYPE_CHECKING:
    from federation.context import FederationContext

OPEN_VISIBILITIES = ("public", "unlisted")


async def _poll_of(job: ScheduledJob) -> Poll | None:
    poll_id = job.payload.get("poll_id")
    if not isinstance(poll_id, int):
        return None
    poll = await Poll.filter(id=poll_id).select_related("post").first()
    return poll if poll is not None and poll.post.is_local else None


async def send_results(ctx: "FederationContext", job: ScheduledJob, now: datetime) -> None:
    """The batched counts (a "poll.results" job)."""
    poll = await _poll_of(job)
    if poll is not None:
        results_sent(ctx.base_url, poll.id)
    if poll is None or poll.closed_at is not None:
        return  # gone, or closed: the closing sent the last counts
    await _publish_counts(ctx, poll, now)


async def close_poll(ctx: "FederationContext", job: ScheduledJob, now: datetime) -> None:
    """The poll's end (a "poll.close" job): the final counts, with `closed`."""
    poll = await _poll_of(job)
    if poll is None or poll.closed_at is not None:
        return
    if poll.expires_at is not None and poll.expires_at > now:  # not yet: its end moved
        await schedule(CLOSE_JOB, close_key(poll.id), poll.expires_at, {"poll_id": poll.id}, keep_earlier=False)
        return
    poll.closed_at = now
    await _publish_counts(ctx, poll, now)
    await unschedule(results_key(poll.id))
    await notifications.poll_ended(poll)  # its author and local voters


async def _publish_counts(ctx: "FederationContext", poll: Poll, now: datetime) -> None:
    post: Post = poll.post
    counts = await tally(poll, post)
    poll.options = [{"title": option.get("title", ""), "votes_count": counts.counts[index]}
                    for index, option in enumerate(poll.options)]
    poll.voters_count = counts.voters
    poll.results_sent_at = now
    async with in_transaction():
        await poll.save(update_fields=["options", "voters_count", "results_sent_at", "closed_at"])
        if _published(post) and shows_counts(poll, now):
            await _send_update(ctx, post, poll, now)
    ctx.wake()


def _published(post: Post) -> bool:
    """Out there: not deleted, not removed by a moderator, not held for a group's moderators."""
    held = post.audience_group_id is not None and post.group_id is None
    return post.deleted_at is None and post.removed_at is None and not held


async def _send_update(ctx: "FederationContext", post: Post, poll: Poll, now: datetime) -> None:
    author = await Actor.get(id=post.author_id)
    group = await Actor.filter(id=post.group_id).first() if post.group_id else None
    doc = await post_document(post, author.uri, audience=group.uri if group else None)
    if is_closed(poll, now):  # the document reads the clock; the job's time decides here
        doc["closed"] = render.iso(poll.expires_at or now)
    activity = render.activity(ctx.urls.new_activity(), "Update", author.uri, doc, to=post.to, cc=post.cc,
                               audience=group.uri if group else None)
    relayed = group is not None and group.is_local
    public = post.visibility in OPEN_VISIBILITIES
    await publish(
        author, activity,
        to_followers=public or (post.visibility == "private" and group is None),
        inboxes=await _inboxes(post, poll, group),
        public=public,
        followers_of=[group] if relayed and group is not None else [],
    )
    if relayed and group is not None:
        await relay.announce(ctx, group, activity)


async def _inboxes(post: Post, poll: Poll, group: Actor | None) -> list[str]:
    """Beyond the followers: remote voters' servers (of a public post) and mentioned actors (not for a private
    group's poll, whose members hear of it through the group), and a remote group the post is in."""
    if group is not None and group.manually_approves:
        return [] if group.is_local else [group.inbox]
    inboxes: set[str] = set()
    if post.visibility in OPEN_VISIBILITIES:  # narrower posts' voters are followers or addressees anyway
        rows = await PollVote.filter(poll_id=poll.id, voter__is_local=False).distinct().values_list(
            "voter__shared_inbox", "voter__inbox")
        inboxes.update(shared or inbox for shared, inbox in rows)
    mentioned = [tag["href"] for tag in post.tags or [] if tag.get("type") == "Mention" and tag.get("href")]
    if mentioned:
        inboxes.update(await Actor.filter(uri__in=mentioned, is_local=False).values_list("inbox", flat=True))
    if group is not None and not group.is_local:
        inboxes.add(group.inbox)
    return sorted(inboxes)
