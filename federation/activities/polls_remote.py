"""Remote polls: a remote Question keeps its options and counts, and an Update{Question} from its author
refreshes them (federation/remote_posts.py and federation/inbox/update.py call here). Imports only models and
the pure parts, so the post-storing modules can call it without a cycle."""
from __future__ import annotations

from typing import TYPE_CHECKING

from federation.activities.polls import titles
from federation.activities.polls_parse import QuestionDoc, parse_question
from federation.queue import utcnow
from models.polls import Poll, PollVote
from models.posts import Post

if TYPE_CHECKING:
    from federation.protocol.objects import ObjectDoc


def _fields(question: QuestionDoc) -> dict:
    voters = question.voters_count
    if voters is None:  # older Mastodon polls: for one choice each, voters are votes
        voters = sum(question.counts) if not question.multiple else max(question.counts, default=0)
    return {
        "options": [{"title": title, "votes_count": count} for title, count in zip(question.options, question.counts)],
        "multiple": question.multiple,
        "expires_at": question.expires_at,
        "closed_at": question.closed,
        "voters_count": voters,
    }


async def store_remote_poll(post: Post, doc: "ObjectDoc") -> None:
    """A remote Question was stored as a post: keep its poll (federation/remote_posts.py calls this)."""
    if post.is_local:
        return
    question = parse_question(doc.raw, utcnow())
    if question is None:
        return
    await Poll.get_or_create(defaults=_fields(question), post_id=post.id)


async def update_remote_poll(post: Post, doc: "ObjectDoc") -> bool:
    """An Update of a remote post from its author (federation/inbox/update.py checked who sent it): apply a
    Question's options and counts. Returns True when the Update carried only new counts (no `updated`): as on
    Mastodon (handle_implicit_update!), that is not an edit and leaves the post's text as it is."""
    if post.is_local:
        return False
    question = parse_question(doc.raw, utcnow())
    if question is None:
        return False
    counts_only = doc.updated is None
    poll = await Poll.filter(post_id=post.id).first()
    if poll is None:
        if not counts_only:  # an edit that added a poll
            await Poll.create(post_id=post.id, **_fields(question))
        return counts_only
    changed = list(question.options) != titles(poll) or question.multiple != poll.multiple
    if changed and counts_only:
        return True  # new options without an edit: ignored, as Mastodon does
    if changed:
        await PollVote.filter(poll_id=poll.id).delete()  # the old choices no longer mean anything
    await Poll.filter(id=poll.id).update(**_fields(question))
    return counts_only
