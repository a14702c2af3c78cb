"""Questions and answers: the person who asked, or a moderator of the question's group, accepts one reply as the
answer (or withdraws it), and every server that has the question hears of it.

Who signs: the question's author, always. The question is the author's object and servers apply an Update of an
object only from its owner (Mastodon, Lemmy, Moot alike), so even when a moderator chooses, the Update{Page|Note}
carrying `acceptedAnswer` is sent as the author (this server holds the author's key), and a local group relays it
(Announce) as it relays every Update. The moderator's decision is recorded in the group's moderation log.
Hence only a question asked here can be decided here: the answer to a question from another server is chosen
on that server, by its author.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from federation import audience, modlog
from federation.actions.statuses import ActionError, publish_post_activity
from federation.activities.answers_shape import belongs_to, is_top_level, question_of
from federation.groups.access import is_moderator
from federation.post_documents import post_document
from models.actors import Actor
from models.posts import Post

if TYPE_CHECKING:
    from federation.context import FederationContext

@dataclass(frozen=True)
class Chooser:
    """Who chooses the answer, and in what role."""

    group: Actor | None  # the question's group, if it is in one
    as_moderator: bool  # a moderator who did not ask the question (the decision is logged)


async def may_choose(actor: Actor | None, question: Post) -> Chooser | None:
    """The asker, or a moderator of the question's local group, of a question asked here that is open to
    readers (not deleted, removed or held); None for anyone else."""
    if actor is None or not question.is_question or not is_top_level(question) or not question.is_local:
        return None
    if question.deleted_at is not None or question.removed_at is not None:
        return None
    if question.group_id is None and question.audience_group_id is not None:
        return None  # held for the group's moderators: not published yet
    group = await Actor.filter(id=question.group_id).first() if question.group_id else None
    if actor.id == question.author_id:
        return Chooser(group, False)
    if group is not None and group.is_local and await is_moderator(group, actor):
        return Chooser(group, True)
    return None


async def _question_for(actor: Actor, post: Post) -> tuple[Post, Chooser]:
    question = await question_of(post)
    if not question.is_question:
        raise ActionError("this thread is not a question")
    chooser = await may_choose(actor, question)
    if chooser is not None:
        return question, chooser
    if not question.is_local and actor.id != question.author_id:
        raise ActionError("this question was asked on another server: its answer is chosen there", status=422)
    if question.deleted_at is not None or question.removed_at is not None:
        raise ActionError("this question is gone", status=404)
    if question.group_id is None and question.audience_group_id is not None:
        raise ActionError("this question is waiting for a moderator's review", status=422)
    raise ActionError("only the person who asked, or a moderator of the group, can choose the answer", status=403)


async def _publish(ctx: "FederationContext", question: Post, chooser: Chooser) -> None:
    """The question's Update, as its author, to everyone who has it; the local group relays it."""
    author = await Actor.get(id=question.author_id)
    group = chooser.group
    doc = await post_document(question, author.uri, audience=group.uri if group else None)
    await publish_post_activity(ctx, author, question, "Update", doc, group)


async def accept_answer(ctx: "FederationContext", actor: Actor, reply: Post) -> Post:
    """Accept `reply` as the answer to the question its thread starts with; gives the question."""
    if reply.deleted_at is not None or not await audience.may_see_post(reply, audience.viewer_of(actor)):
        raise ActionError("there is no such reply", status=404)
    question, chooser = await _question_for(actor, reply)
    if reply.id == question.id:
        raise ActionError("a question cannot be its own answer")
    if not await belongs_to(question, reply):
        raise ActionError("only a reply in this question's thread, open to all its readers, can be its answer")
    if question.accepted_answer_id == reply.id:
        return question
    question.accepted_answer_id = reply.id  # type: ignore[assignment]
    async with in_transaction():
        await Post.filter(id=question.id).update(accepted_answer_id=reply.id)
        await _publish(ctx, question, chooser)
        if chooser.as_moderator:
            await modlog.record("answer.accepted", moderator=actor, target=reply.uri, group=chooser.group)
    ctx.wake()
    return question


async def unaccept_answer(ctx: "FederationContext", actor: Actor, post: Post) -> Post:
    """Withdraw the accepted answer: `post` is the question or its accepted reply; gives the question."""
    if post.deleted_at is not None or not await audience.may_see_post(post, audience.viewer_of(actor)):
        raise ActionError("there is no such post", status=404)
    question, chooser = await _question_for(actor, post)
    if post.id != question.id and question.accepted_answer_id != post.id:
        raise ActionError("this reply is not the accepted answer")
    if question.accepted_answer_id is None:
        return question
    previous = await Post.filter(id=question.accepted_answer_id).first()
    question.accepted_answer_id = None  # type: ignore[assignment]
    async with in_transaction():
        await Post.filter(id=question.id).update(accepted_answer_id=None)
        await _publish(ctx, question, chooser)
        if chooser.as_moderator:
            await modlog.record("answer.unaccepted", moderator=actor, target=previous.uri if previous else "",
                                group=chooser.group)
    ctx.wake()
    return question
