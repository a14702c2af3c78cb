"""Model -> ActivityPub JSON. Pure functions: no queries, no I/O."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable

from federation import vocab
from federation.urls import LocalUrls
from models.actors import Actor
from models.posts import Post


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _drop_none(doc: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in doc.items() if value is not None}


def render_actor(actor: Actor, urls: LocalUrls, *, parent_group: str | None = None) -> dict[str, Any]:
    """A local actor's document with every field Mastodon reads (`parent_group`: a sub-group's parent's URI)."""
    doc: dict[str, Any] = {
        "@context": vocab.ACTOR_CONTEXT,
        "id": actor.uri,
        "type": actor.type,
        "preferredUsername": actor.username,
        "name": actor.display_name or actor.username,
        "summary": actor.summary or "",
        "url": actor.url,
        "inbox": actor.inbox,
        "outbox": actor.outbox,
        "followers": actor.followers_url,
        "following": actor.following_url,
        "featured": actor.featured_url,
        "endpoints": {"sharedInbox": actor.shared_inbox},
        "manuallyApprovesFollowers": actor.manually_approves,
        "discoverable": actor.discoverable,
        "indexable": actor.indexable,
        "published": iso(actor.published),
        "publicKey": {
            "id": actor.public_key_id,
            "owner": actor.uri,
            "publicKeyPem": actor.public_key_pem,
        },
        "attachment": [
            {"type": "PropertyValue", "name": field["name"], "value": field["value"]}
            for field in actor.profile_fields or []
        ],
    }
    if actor.icon_url:
        doc["icon"] = {"type": "Image", "url": actor.icon_url}
    if actor.image_url:
        doc["image"] = {"type": "Image", "url": actor.image_url}
    if actor.type == vocab.GROUP:
        doc["@context"] = vocab.GROUP_CONTEXT
        # Lemmy and Mbin read the moderators collection from attributedTo.
        doc["attributedTo"] = actor.moderators_url
        doc["moderators"] = actor.moderators_url
        doc["postingRestrictedToMods"] = actor.posting_restricted_to_mods
        doc["sensitive"] = False
        # Sub-groups (federation/community/subgroups.py): the parent, and the collection of this group's own.
        doc["parentGroup"] = parent_group
        doc["subgroups"] = f"{actor.uri}/subgroups"
        # Essentials (federation/community/essentials_read.py): sections of key threads, in order.
        doc["essentials"] = f"{actor.uri}/essentials"
        doc.pop("following", None)
        doc.pop("attachment", None)
    if actor.type == vocab.APPLICATION:
        # The instance actor is a signing identity, not a profile to follow.
        for key in ("followers", "following", "featured", "attachment"):
            doc.pop(key, None)
        doc["manuallyApprovesFollowers"] = True
        doc["discoverable"] = False
        doc["indexable"] = False
    return _drop_none(doc)


def render_post(post: Post, author_uri: str, in_reply_to: str | None = None, audience: str | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": post.uri,
        "type": post.type,
        "attributedTo": author_uri,
        "name": post.name,
        "summary": post.summary or None,
        "content": post.content,
        "contentMap": {post.language: post.content} if post.language else None,
        "sensitive": post.sensitive,
        "published": iso(post.published),
        "updated": iso(post.edited_at),
        "to": list(post.to),
        "cc": list(post.cc),
        "inReplyTo": in_reply_to or post.in_reply_to_uri,
        "url": post.url or post.uri,
        "tag": list(post.tags or []),
        "attachment": list(post.attachments or []),
        # The group a post belongs to (FEP-1b12; Lemmy reads it).
        "audience": audience,
    }
    if post.source is not None:
        doc["source"] = {"content": post.source, "mediaType": "text/plain"}
    return _drop_none(doc)


def render_tombstone(post: Post) -> dict[str, Any]:
    return _drop_none(
        {
            "@context": vocab.AS_CONTEXT,
            "id": post.uri,
            "type": "Tombstone",
            "formerType": post.type,
            "deleted": iso(post.deleted_at),
        }
    )


def with_context(doc: dict[str, Any], context: Any = None) -> dict[str, Any]:
    return {"@context": context or vocab.OBJECT_CONTEXT, **doc}


def activity(
    activity_id: str,
    activity_type: str,
    actor_uri: str,
    obj: Any,
    *,
    to: Iterable[str] = (),
    cc: Iterable[str] = (),
    **extra: Any,
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": vocab.OBJECT_CONTEXT,
        "id": activity_id,
        "type": activity_type,
        "actor": actor_uri,
        "object": obj,
    }
    if to:
        doc["to"] = list(to)
    if cc:
        doc["cc"] = list(cc)
    doc.update({key: value for key, value in extra.items() if value is not None})
    if activity_type == "Update":
        # An Update carries the moment it was made, to the microsecond, so a receiver can tell a late one.
        doc.setdefault("published", datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z"))
    return doc


def strip_context(doc: dict[str, Any]) -> dict[str, Any]:
    """An object embedded in an activity does not repeat @context."""
    return {key: value for key, value in doc.items() if key != "@context"}


def ordered_collection(collection_id: str, total: int, first: str | None) -> dict[str, Any]:
    return _drop_none(
        {
            "@context": vocab.AS_CONTEXT,
            "id": collection_id,
            "type": "OrderedCollection",
            "totalItems": total,
            "first": first,
        }
    )


def ordered_page(
    page_id: str, collection_id: str, items: list[Any], next_page: str | None, total: int | None = None
) -> dict[str, Any]:
    return _drop_none(
        {
            "@context": vocab.OBJECT_CONTEXT,
            "id": page_id,
            "type": "OrderedCollectionPage",
            "partOf": collection_id,
            "totalItems": total,
            "orderedItems": items,
            "next": next_page,
        }
    )
