"""Direct-message conversations of a local person or page: threads of direct posts, with unread markers.

Every read goes through federation/audience.py (`visible_posts` as the one who reads), so a conversation
shows only the messages that were addressed to, or written by, that person or page. A conversation is keyed
by its first direct post; a reply goes to everyone in it (federation/actions/statuses.py addresses the
mentioned accounts and the author it answers).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tortoise.expressions import Q

from federation import audience
from federation.actions import StatusInput, create_status
from federation.people import personal_filters
from models.actors import Actor
from models.conversations import ConversationRead
from models.posts import Post, PostAddressee

if TYPE_CHECKING:
    from federation.context import FederationContext

DIRECT = "direct"
# The newest direct posts read to build the list, and the conversations shown.
SCAN = 500
MAX_CONVERSATIONS = 50
MAX_DEPTH = 50
MAX_MESSAGES = 200


@dataclass
class Conversation:
    root: Post
    last: Post
    count: int
    participants: list[Actor] = field(default_factory=list)
    unread: bool = False


def _direct(reader: Actor) -> Q:
    return (audience.visible_posts(audience.viewer_of(reader)) & Q(visibility=DIRECT, audience_group_id=None)
            & personal_filters.hidden_q(reader))  # blocked and muted accounts (federation/people)


async def _roots(posts: list[Post], reader: Actor) -> dict[int, int]:
    """{post id: id of the first direct post of its thread that the reader may see}."""
    known = {post.id: post for post in posts}
    root_of: dict[int, int] = {}
    for post in posts:
        current = post
        for _ in range(MAX_DEPTH):
            parent_id = current.in_reply_to_id
            if parent_id is None:
                break
            parent = known.get(parent_id)
            if parent is None:
                parent = await Post.filter(_direct(reader), id=parent_id).first()
                if parent is None:
                    break
                known[parent.id] = parent
            current = parent
        root_of[post.id] = current.id
    return root_of


async def _participants(post_ids: list[int], reader: Actor) -> dict[int, set[int]]:
    """{post id: ids of its author and addressees}."""
    people: dict[int, set[int]] = {post_id: set() for post_id in post_ids}
    for post_id, actor_id in await PostAddressee.filter(post_id__in=post_ids).values_list("post_id", "actor_id"):
        people[post_id].add(actor_id)
    for post_id, author_id in await Post.filter(id__in=post_ids).values_list("id", "author_id"):
        people[post_id].add(author_id)
    return people


async def conversations(reader: Actor) -> list[Conversation]:
    """The reader's conversations, the most recent first."""
    posts = list(await Post.filter(_direct(reader)).order_by("-id").limit(SCAN).prefetch_related("author"))
    if not posts:
        return []
    root_of = await _roots(posts, reader)
    grouped: dict[int, list[Post]] = {}
    for post in posts:  # newest first
        grouped.setdefault(root_of[post.id], []).append(post)
    chosen = list(grouped.items())[:MAX_CONVERSATIONS]
    roots = {post.id: post for post in await Post.filter(id__in=[root for root, _ in chosen])}
    reads = dict(await ConversationRead.filter(actor_id=reader.id, root_post_id__in=list(roots))
                 .values_list("root_post_id", "last_read_post_id"))
    people = await _participants([post.id for _, thread in chosen for post in thread], reader)
    actor_ids = {actor_id for ids in people.values() for actor_id in ids} - {reader.id}
    actors = {actor.id: actor for actor in await Actor.filter(id__in=list(actor_ids))}
    result = []
    for root_id, thread in chosen:
        last = thread[0]
        others = sorted({actor_id for post in thread for actor_id in people[post.id]} - {reader.id})
        unread = any(post.id > reads.get(root_id, 0) and post.author_id != reader.id for post in thread)
        result.append(Conversation(root=roots.get(root_id, last), last=last, count=len(thread),
                                   participants=[actors[i] for i in others if i in actors], unread=unread))
    return result


async def unread_count(reader: Actor) -> int:
    return sum(1 for conversation in await conversations(reader) if conversation.unread)


async def conversation(reader: Actor, post_id: int) -> tuple[Post, list[Post], list[Actor]] | None:
    """(first post, the messages oldest first, the others in it) of the conversation holding `post_id`,
    or None when the reader may not see that post as a direct message (the same as a missing one)."""
    post = await Post.filter(_direct(reader), id=post_id).first()
    if post is None:
        return None
    root_id = (await _roots([post], reader))[post.id]
    root = await Post.get(id=root_id)
    messages, frontier = [root], [root.id]
    while frontier and len(messages) < MAX_MESSAGES:
        level = list(await Post.filter(_direct(reader), in_reply_to_id__in=frontier).order_by("id")
                     .limit(MAX_MESSAGES - len(messages)))
        messages += level
        frontier = [reply.id for reply in level]
    messages.sort(key=lambda message: (message.published, message.id))
    for message in messages:
        await message.fetch_related("author")
    people = await _participants([message.id for message in messages], reader)
    others = {actor_id for ids in people.values() for actor_id in ids} - {reader.id}
    return root, messages, list(await Actor.filter(id__in=list(others)).order_by("id"))


async def mark_read(reader: Actor, root: Post, last: Post) -> None:
    row = await ConversationRead.filter(actor_id=reader.id, root_post_id=root.id).first()
    if row is None:
        await ConversationRead.bulk_create(
            [ConversationRead(actor_id=reader.id, root_post_id=root.id, last_read_post_id=last.id)],
            ignore_conflicts=True)
    elif row.last_read_post_id < last.id:
        await ConversationRead.filter(id=row.id).update(last_read_post_id=last.id)


def _mention(actor: Actor) -> str:
    return f"@{actor.username}@{actor.domain}"


async def start(ctx: "FederationContext", author: Actor, recipient: Actor, text: str) -> Post:
    """Begin a conversation as `author` with one person or page: a direct post mentioning them, addressed to
    them alone (federation/actions/statuses.py, as a Mastodon DM), and read by its author."""
    post = await create_status(ctx, author, StatusInput(text=f"{_mention(recipient)} {text}".strip(),
                                                        visibility=DIRECT))
    await mark_read(author, post, post)
    return post


async def reply(ctx: "FederationContext", author: Actor, last: Post, others: list[Actor], text: str) -> Post:
    """Answer a conversation as `author`: a direct reply to its newest message, to everyone else in it."""
    mentions = " ".join(_mention(actor) for actor in others if actor.username and _mention(actor) not in text)
    post = await create_status(ctx, author, StatusInput(text=f"{mentions} {text}".strip(), visibility=DIRECT,
                                                        in_reply_to=last))
    root = await Post.get(id=(await _roots([last], author))[last.id])
    await mark_read(author, root, post)
    return post
