"""JSON shapes of the moderation API."""
from __future__ import annotations

from typing import Any, Collection, Sequence

from federation.render import iso
from models.moderation import ActorPolicy, ContentRule, DomainPolicy, ModLogEntry, Report
from web.api.serializers import account
from web.modlog_text import modlog_texts


def domain_policy(row: DomainPolicy, *, private: bool = True) -> dict[str, Any]:
    doc = {"domain": row.domain, "policy": row.policy, "reject_media": row.reject_media,
           "public_reason": row.public_reason, "expires_at": iso(row.expires_at), "created_at": iso(row.created_at)}
    if private:
        doc["private_reason"] = row.private_reason
    return doc


async def actor_policy(row: ActorPolicy) -> dict[str, Any]:
    await row.fetch_related("actor")
    return {"account": await account(row.actor), "policy": row.policy, "reason": row.reason,
            "expires_at": iso(row.expires_at), "created_at": iso(row.created_at)}


def content_rule(row: ContentRule) -> dict[str, Any]:
    return {"id": str(row.id), "group_id": str(row.group_id) if row.group_id else None, "pattern": row.pattern,
            "is_regex": row.is_regex, "action": row.action, "targets": row.targets, "note": row.note,
            "enabled": row.enabled, "created_at": iso(row.created_at)}


async def report(row: Report) -> dict[str, Any]:
    await row.fetch_related("reporter", "target_actor", "posts")
    return {
        "id": str(row.id),
        "state": row.state,
        "comment": row.comment,
        "reporter": await account(row.reporter) if row.reporter else None,
        "target": await account(row.target_actor) if row.target_actor else None,
        "post_ids": [str(post.id) for post in row.posts],
        "post_uris": [post.uri for post in row.posts],
        "group_id": str(row.group_id) if row.group_id else None,
        "forwarded": row.forwarded,
        "action_taken": row.action_taken,
        "created_at": iso(row.created_at),
        "resolved_at": iso(row.resolved_at),
    }


async def modlog_entries(
    rows: Sequence[ModLogEntry], *, private: bool, hidden: Collection[int] = (),
) -> list[dict[str, Any]]:
    """A page of entries, with `text`: the entry as an English sentence (web/modlog_text). Entries whose id is
    in `hidden` are about a post the viewer may not see: their target and sentence do not name it."""
    rows = list(rows)
    texts = await modlog_texts(rows, hidden=hidden)  # loads each entry's moderator and group too
    docs = []
    for row in rows:
        moderator = row.moderator
        doc: dict[str, Any] = {
            "id": str(row.id),
            "action": row.action,
            "text": texts[row.id],
            "target": "" if row.id in hidden else row.target,
            "group_id": str(row.group_id) if row.group_id else None,
            "reason": row.reason,
            "moderator": f"{moderator.username}@{moderator.domain}" if moderator else None,
            "created_at": iso(row.created_at),
        }
        if private:
            doc["public"] = row.public
            doc["details"] = row.details
        docs.append(doc)
    return docs


async def modlog_entry(row: ModLogEntry, *, private: bool, hide_target: bool = False) -> dict[str, Any]:
    (doc,) = await modlog_entries([row], private=private, hidden={row.id} if hide_target else ())
    return doc
