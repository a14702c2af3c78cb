"""Polls: a post with a poll is a Question (Mastodon's shape), with its options as `oneOf` or `anyOf` Notes.

This module holds what the rest of the code calls: checking a new poll, making its row, counting it, and the
Question fields of a post's document (federation/post_documents.py). It imports nothing from
federation.actions, which calls it (create_status). The other parts:
- polls_votes.py: a local person votes (on a local poll, or on a remote one: Create{Note} to its author);
- polls_inbox.py: votes from other servers, and the options and counts of remote Questions;
- polls_jobs.py: the batched Update{Question} with the counts, and the final one when the poll closes;
- polls_parse.py: reading a Question as other servers send it.

Counting: a local poll's counts are counted from its PollVote rows when read (one grouped query), never kept
up to date vote by vote; the results job writes them into Poll.options when it sends them. A remote poll's
counts are its author's, from the Question and its Updates.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from tortoise.functions import Count

from federation.queue import utcnow
from federation.render import iso
from federation.schedule import schedule
from models.polls import MAX_OPTIONS, MIN_OPTIONS, Poll, PollVote
from models.posts import Post
from models.queues import ScheduledJob

if TYPE_CHECKING:
    from federation.actions.statuses import PollInput

QUESTION = "Question"
MAX_OPTION_LENGTH = 100
MIN_EXPIRES_IN = 5 * 60  # seconds, as Mastodon
MAX_EXPIRES_IN = 30 * 24 * 3600
# Votes are counted and sent out in batches: one Update{Question} per poll per window, not one per vote
# (Mastodon waits 3 minutes too: ActivityPub::DistributePollUpdateWorker.perform_in(3.minutes)).
RESULTS_DELAY = timedelta(minutes=3)
RESULTS_JOB = "poll.results"
CLOSE_JOB = "poll.close"

# The problems poll_problem() finds: English sentences, translated where they are shown (web/pages/activity_polls.py).
TOO_FEW_OR_MANY = "A poll needs between 2 and 10 options."
EMPTY_OPTION = "A poll option cannot be empty."
LONG_OPTION = "A poll option can be at most 100 characters long."
SAME_OPTIONS = "Each poll option must be different."
BAD_DURATION = "A poll must stay open between 5 minutes and 30 days."
WITH_IMAGES = "A post with a poll cannot have images."


def results_key(poll_id: int) -> str:
    return f"poll-results:{poll_id}"


def close_key(poll_id: int) -> str:
    return f"poll-close:{poll_id}"


# When this process last made sure of each poll's results job, the time that job is due: until then, more votes
# need no scheduling (a job cannot run before it is due, so it will read them). The job forgets its poll here
# when it runs (polls_jobs.py), for tests that run jobs early; entries past their time are dropped. Keyed by the
# server's base URL too: tests run several servers in one process.
_results_due: dict[tuple[str, int], datetime] = {}
MAX_REMEMBERED = 1000


async def request_results(server: str, poll_id: int) -> None:
    """Make sure the poll's batched results go out within RESULTS_DELAY. Many votes make one job
    (schedule(keep_earlier=True)), and within a window they cost no query at all."""
    now = utcnow()
    due = _results_due.get((server, poll_id))
    if due is not None and now < due:
        return
    await schedule(RESULTS_JOB, results_key(poll_id), now + RESULTS_DELAY, {"poll_id": poll_id})
    found = await ScheduledJob.filter(key=results_key(poll_id)).values_list("next_attempt_at", flat=True)
    if len(_results_due) >= MAX_REMEMBERED:
        for stale in [key for key, when in _results_due.items() if when <= now]:
            del _results_due[stale]
    if found:
        _results_due[(server, poll_id)] = found[0]


def results_sent(server: str, poll_id: int) -> None:
    """The results job ran: the next vote schedules the next one."""
    _results_due.pop((server, poll_id), None)


def poll_problem(poll: "PollInput", attachments: int = 0) -> str | None:
    """What is wrong with a new poll, as a sentence; None when nothing is."""
    options = [option.strip() for option in poll.options]
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        return TOO_FEW_OR_MANY
    if any(not option for option in options):
        return EMPTY_OPTION
    if any(len(option) > MAX_OPTION_LENGTH for option in options):
        return LONG_OPTION
    if len({option.casefold() for option in options}) != len(options):
        return SAME_OPTIONS
    if isinstance(poll.expires_in, bool) or not MIN_EXPIRES_IN <= poll.expires_in <= MAX_EXPIRES_IN:
        return BAD_DURATION
    if attachments:
        return WITH_IMAGES  # as Mastodon: a status has media or a poll
    return None


async def create_poll(post: Post, poll: "PollInput") -> Poll:
    """The poll of a new local Question, and its closing job. Call in the transaction that saves the post."""
    row = await Poll.create(
        post=post,
        options=[{"title": option.strip(), "votes_count": 0} for option in poll.options],
        multiple=poll.multiple,
        hide_totals=poll.hide_totals,
        expires_at=utcnow() + timedelta(seconds=poll.expires_in),
        voters_count=0,
    )
    await schedule(CLOSE_JOB, close_key(row.id), row.expires_at, {"poll_id": row.id}, keep_earlier=False)
    return row


def is_closed(poll: Poll, now: datetime | None = None) -> bool:
    """Closed: its time is up, or its author's server said so (a remote poll's `closed`)."""
    if poll.closed_at is not None:
        return True
    return poll.expires_at is not None and poll.expires_at <= (now or utcnow())


def titles(poll: Poll) -> list[str]:
    return [str(option.get("title", "")) for option in poll.options or []]


@dataclass(frozen=True)
class Tally:
    counts: list[int]  # votes per option, in the options' order
    voters: int

    @property
    def votes(self) -> int:
        return sum(self.counts)


async def tally(poll: Poll, post: Post) -> Tally:
    """The counts: counted from the votes for a local poll (two queries), the author's for a remote one."""
    size = len(poll.options or [])
    if not post.is_local:
        counts = [max(0, int(option.get("votes_count") or 0)) for option in poll.options or []]
        return Tally(counts, poll.voters_count or 0)
    counts = [0] * size
    rows = await PollVote.filter(poll_id=poll.id).annotate(n=Count("id")).group_by("choice").values("choice", "n")
    for row in rows:
        if 0 <= row["choice"] < size:
            counts[row["choice"]] = row["n"]
    voters = await PollVote.filter(poll_id=poll.id).annotate(n=Count("voter_id", distinct=True)).values("n")
    return Tally(counts, voters[0]["n"] if voters else 0)


def shows_counts(poll: Poll, now: datetime | None = None) -> bool:
    """hide_totals keeps the counts per option hidden until the poll closes (as Mastodon)."""
    return not poll.hide_totals or is_closed(poll, now)


def question_document(poll: Poll, counts: Tally, now: datetime | None = None) -> dict[str, Any]:
    """The Question fields, as Mastodon writes them (app/serializers/activitypub/note_serializer.rb):
    options as Notes with `name` and `replies.totalItems`, `endTime`, `closed` once over, and `votersCount`."""
    show = shows_counts(poll, now)
    items = []
    for index, title in enumerate(titles(poll)):
        item: dict[str, Any] = {"type": "Note", "name": title}
        if show:
            item["replies"] = {"type": "Collection", "totalItems": counts.counts[index]}
        items.append(item)
    doc: dict[str, Any] = {"anyOf" if poll.multiple else "oneOf": items, "votersCount": counts.voters}
    if poll.expires_at is not None:
        doc["endTime"] = iso(poll.expires_at)
    if is_closed(poll, now):
        doc["closed"] = iso(poll.expires_at or poll.closed_at)
    return doc


async def question_fields(post: Post) -> dict[str, Any]:
    """The post_document extension: a Question's poll; {} for any other post (no query)."""
    if post.type != QUESTION:
        return {}
    poll = await Poll.filter(post_id=post.id).first()
    if poll is None:
        return {}
    return question_document(poll, await tally(poll, post))
