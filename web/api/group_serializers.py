"""JSON shapes of the Moot group API."""
from __future__ import annotations

from typing import Any

from federation.activities.answers_shape import question_fields
from federation.render import iso
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.groups import GroupProfile, GroupRole, HeldActivity
from models.posts import DISLIKE, LIKE, Interaction, Post
from web.api.polls import status_poll
from web.api.serializers import account


async def group(actor: Actor) -> dict[str, Any]:
    profile = await GroupProfile.filter(group=actor).first()
    return {
        "id": str(actor.id),
        "uri": actor.uri,
        "name": actor.username,
        "handle": f"{actor.username}@{actor.domain}",
        "display_name": actor.display_name or actor.username,
        "summary": actor.summary,
        "description": profile.description if profile else None,
        "rules": profile.rules if profile else None,
        "private": actor.manually_approves,
        "restricted_posting": actor.posting_restricted_to_mods,
        "non_member_posts": profile.non_member_posts if profile else None,
        "local": actor.is_local,
        "members_count": await Follow.filter(target=actor, state=ACCEPTED).count(),
        "moderators": [str(i) for i in await GroupRole.filter(group=actor).values_list("actor_id", flat=True)],
        "url": actor.url or actor.uri,
        "created_at": iso(actor.published or actor.created_at),
    }


async def post(item: Post, replies: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    await item.fetch_related("author")
    votes = await Interaction.filter(post=item, kind__in=[LIKE, DISLIKE]).values_list("kind", flat=True)
    doc: dict[str, Any] = {
        "id": str(item.id),
        "uri": item.uri,
        "type": item.type,
        "title": item.name,
        "content": item.content,
        "author": await account(item.author),
        "group_id": str(item.group_id) if item.group_id else None,
        "in_reply_to_id": str(item.in_reply_to_id) if item.in_reply_to_id else None,
        "published": iso(item.published),
        "edited_at": iso(item.edited_at),
        "pinned": item.pinned_at is not None,
        "locked": item.locked_at is not None,
        "removed": item.removed_at is not None,
        "upvotes": sum(1 for kind in votes if kind == LIKE),
        "downvotes": sum(1 for kind in votes if kind == DISLIKE),
        **await question_fields(item),  # Q&A: is_question, accepted_answer_id
        "poll": await status_poll(item),  # Mastodon's poll object (without the reader's own votes)
    }
    if replies is not None:
        doc["replies"] = replies
    return doc


async def held(item: HeldActivity) -> dict[str, Any]:
    await item.fetch_related("actor")
    return {
        "id": str(item.id),
        "reason": item.reason,
        "state": item.state,
        "account": await account(item.actor),
        "activity": item.activity,
        "created_at": iso(item.created_at),
    }
