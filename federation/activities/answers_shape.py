"""Q&A on the wire: what a question's document says, and what an incoming Create or Update of one sets here.

A question stays a plain `Page` or `Note` (Mastodon and Lemmy show it as the post it is). schema.org's terms,
defined in the posts' JSON-LD context (federation/vocab.py), carry the rest:
- `answerCount` (schema:answerCount): present on every question, and only on questions: it is the mark that
  tells another Moot that the thread is a question. It counts the replies in the thread.
- `acceptedAnswer` (schema:acceptedAnswer, an @id): the id of the accepted reply; absent while none is accepted.

Incoming, from the question's author only (intake and federation/inbox/update.py check the origin): a document
with `answerCount` or `acceptedAnswer` makes the post a question; `acceptedAnswer` names a reply that must
already be stored here and belong to that thread (it is never fetched), else it is ignored; on an Update of a
question, `acceptedAnswer` absent or null clears the accepted answer (docs/federation.md, "Questions and answers").
"""
from __future__ import annotations

from typing import Any

from tortoise.expressions import Q, Subquery

from federation.audience import in_thread_of
from federation.threads import thread_root
from federation.protocol.common import id_of, is_http_url
from federation.protocol.objects import ObjectDoc
from models.posts import Post

ACCEPTED_ANSWER = "acceptedAnswer"
ANSWER_COUNT = "answerCount"
# How many replies answerCount counts at most.
MAX_COUNTED = 500
# Who may see an accepted answer outside a group: everyone who may see the question.
OPEN_VISIBILITIES = ("public", "unlisted")


def is_top_level(post: Post) -> bool:
    return post.in_reply_to_id is None and not post.in_reply_to_uri


async def question_of(post: Post) -> Post:
    """The first post of the thread a post is in (itself when it is one)."""
    return await thread_root(post)


async def belongs_to(question: Post, reply: Post) -> bool:
    """Is `reply` a reply (at any depth) in the question's thread, and for the same audience?

    In a group's thread: a reply the group admitted into it. Outside groups: a reply everyone who may see the
    question may see too (so the question's document never names a narrower reply)."""
    if reply.id == question.id or reply.deleted_at is not None or reply.removed_at is not None:
        return False
    if (await question_of(reply)).id != question.id:
        return False
    group_id = question.group_id or question.audience_group_id
    if group_id is not None:
        return reply.group_id == group_id and await Post.filter(in_thread_of(question), id=reply.id).exists()
    return reply.visibility in OPEN_VISIBILITIES


async def accepted_answer(question: Post) -> Post | None:
    """The accepted reply while it stands (not deleted, not removed); its readers are checked by the caller."""
    if not question.is_question or question.accepted_answer_id is None:
        return None
    return await Post.filter(id=question.accepted_answer_id, deleted_at=None, removed_at=None).first()


async def answer_count(question: Post) -> int:
    """Replies in the thread, at any depth, that are not deleted or removed (at most MAX_COUNTED)."""
    frontier, counted = [question.id], 0
    while frontier and counted < MAX_COUNTED:
        level = await Post.filter(in_thread_of(question), in_reply_to_id__in=frontier, deleted_at=None).limit(
            MAX_COUNTED - counted).values_list("id", "removed_at")
        counted += sum(1 for _, removed_at in level if removed_at is None)
        frontier = [post_id for post_id, removed_at in level if removed_at is None]
    return counted


async def question_document(post: Post) -> dict[str, Any]:
    """The extension of federation/post_documents.py: a question's answerCount and acceptedAnswer."""
    if not post.is_question or not is_top_level(post):
        return {}
    fields: dict[str, Any] = {ANSWER_COUNT: await answer_count(post)}
    answer = await accepted_answer(post)
    if answer is not None:
        fields[ACCEPTED_ANSWER] = answer.uri
    return fields


# --- incoming ----------------------------------------------------------------------------------------------


def marks_a_question(raw: dict[str, Any]) -> bool:
    """answerCount present (any value), or an acceptedAnswer that is not null."""
    return ANSWER_COUNT in raw or raw.get(ACCEPTED_ANSWER) is not None


async def _named_answer(question: Post, raw: dict[str, Any]) -> Post | None:
    """The stored reply `acceptedAnswer` names (an id, or an object with an id), if it is in the thread."""
    uri = id_of(raw.get(ACCEPTED_ANSWER))
    if not is_http_url(uri):
        return None
    reply = await Post.filter(uri=uri, deleted_at=None).first()
    if reply is None or not await belongs_to(question, reply):
        return None
    return reply


async def question_update_fields(post: Post, doc: ObjectDoc) -> dict[str, Any]:
    """What an Update of a post (already checked to come from its author) changes about Q&A: the fields to
    add to the post's edited fields. An Update that only changes the accepted answer is not an edit: without a
    newer `updated` the post keeps its edit time (as Mastodon reads an Update without one)."""
    raw = doc.raw
    if not is_top_level(post) or doc.in_reply_to or not (post.is_question or marks_a_question(raw)):
        return {}
    fields: dict[str, Any] = {"is_question": True}
    if doc.updated is None:
        fields["edited_at"] = post.edited_at
    if raw.get(ACCEPTED_ANSWER) is None:
        fields["accepted_answer_id"] = None
        return fields
    answer = await _named_answer(post, raw)
    if answer is not None:
        fields["accepted_answer_id"] = answer.id
    return fields


async def question_created(post: Post, doc: ObjectDoc) -> None:
    """A new remote post that is a question: mark it (and its accepted answer, in the rare case it is stored)."""
    if not is_top_level(post) or doc.in_reply_to or not marks_a_question(doc.raw):
        return
    post.is_question = True
    answer = await _named_answer(post, doc.raw)
    post.accepted_answer_id = answer.id if answer is not None else None  # type: ignore[assignment]
    await post.save(update_fields=["is_question", "accepted_answer_id"])


def unanswered() -> Q:
    """The filter of questions without a standing accepted answer (none, or one since deleted or removed); use it
    with federation/audience.py's filters."""
    # A subquery, not a join: the lists that use this filter sort with raw SQL on unqualified columns.
    gone = Post.filter(Q(deleted_at__not_isnull=True) | Q(removed_at__not_isnull=True)).values("id")
    return Q(is_question=True) & (Q(accepted_answer_id=None) | Q(accepted_answer_id__in=Subquery(gone)))


async def question_fields(post: Post) -> dict[str, Any]:
    """For the APIs: is the post a question, and which reply is its standing accepted answer (an id, or None).
    Only for a post its reader may see: the accepted answer is in the same thread and audience."""
    return question_fields_of(post, await standing_answers([post]))


async def standing_answers(posts: list[Post]) -> dict[int, int]:
    """question id -> the id of its accepted answer while that stands (not deleted, not removed), for the
    top-level questions among `posts`: one query for a whole page."""
    named = {post.id: post.accepted_answer_id for post in posts
             if post.is_question and is_top_level(post) and post.accepted_answer_id is not None}
    if not named:
        return {}
    standing = set(await Post.filter(id__in=set(named.values()), deleted_at=None, removed_at=None)
                   .values_list("id", flat=True))
    return {question: answer for question, answer in named.items() if answer in standing}


def question_fields_of(post: Post, answers: dict[int, int]) -> dict[str, Any]:
    """question_fields with the standing answers already loaded (standing_answers)."""
    top = post.is_question and is_top_level(post)
    answer = answers.get(post.id) if top else None
    return {"is_question": top, "accepted_answer_id": str(answer) if answer is not None else None}
