"""Actor documents (Person, Group, Service, ...) read into an ActorDoc.

The parser is lenient about shape and strict about the two fields without
which an actor is useless to us: an http(s) `id` and an `inbox`. Every URL it
keeps (url, icon, image, endpoints, collections, key id) is an absolute http(s)
URL (common.is_http_url); anything else reads as missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from federation.protocol.common import (
    ProtocolError,
    as_list,
    flag,
    has_type,
    http_url_or_none,
    id_of,
    is_http_url,
    parse_datetime,
    pick_type,
    pick_url,
    text_field,
)

ACTOR_TYPES = frozenset({"Person", "Service", "Application", "Group", "Organization"})
_COLLECTION_TYPES = frozenset({"Collection", "OrderedCollection"})
_PROPERTY_VALUE = frozenset({"PropertyValue"})


@dataclass(frozen=True)
class ActorDoc:
    id: str
    type: str
    preferred_username: str | None
    name: str | None
    summary: str | None
    inbox: str
    shared_inbox: str | None
    outbox: str | None
    followers: str | None
    following: str | None
    featured: str | None
    url: str | None
    icon_url: str | None
    image_url: str | None
    manually_approves_followers: bool
    discoverable: bool
    indexable: bool
    published: datetime | None
    public_key_id: str | None
    public_key_owner: str | None
    public_key_pem: str | None
    fields: tuple[tuple[str, str], ...]  # PropertyValue attachments: (name, value HTML)
    moderators: str | None  # a Group's attributedTo when it names a collection (Lemmy, Mbin)
    posting_restricted_to_mods: bool
    suspended: bool  # Mastodon sends "suspended": true for suspended accounts
    # Moot's group extension (docs/federation.md "Sub-groups", "Essentials"): links, read by federation/community.
    parent_group: str | None = None
    subgroups: str | None = None
    essentials: str | None = None


@dataclass(frozen=True)
class _Key:
    id: str | None
    owner: str | None
    pem: str | None


def parse_actor(doc: Any) -> ActorDoc:
    """Read an actor document; raise ProtocolError when it is not a usable actor."""
    if not isinstance(doc, dict):
        raise ProtocolError("actor document is not a JSON object")
    actor_id = _required_url(doc, "id")
    actor_type = _actor_type(doc.get("type"))
    inbox = _required_url(doc, "inbox")
    key = _public_key(doc.get("publicKey"), actor_id)
    return ActorDoc(
        id=actor_id,
        type=actor_type,
        preferred_username=_plain_string(doc.get("preferredUsername")),
        name=text_field(doc, "name"),
        summary=text_field(doc, "summary"),
        inbox=inbox,
        shared_inbox=_shared_inbox(doc.get("endpoints")),
        outbox=http_url_or_none(doc.get("outbox")),
        followers=http_url_or_none(doc.get("followers")),
        following=http_url_or_none(doc.get("following")),
        featured=http_url_or_none(doc.get("featured")),
        url=pick_url(doc.get("url")),
        icon_url=image_url(doc.get("icon")),
        image_url=image_url(doc.get("image")),
        manually_approves_followers=flag(doc.get("manuallyApprovesFollowers")),
        discoverable=flag(doc.get("discoverable")),
        indexable=flag(doc.get("indexable")),
        published=parse_datetime(doc.get("published")),
        public_key_id=key.id,
        public_key_owner=key.owner,
        public_key_pem=key.pem,
        fields=_property_values(doc.get("attachment")),
        moderators=_moderators(actor_type, doc.get("attributedTo")),
        posting_restricted_to_mods=flag(doc.get("postingRestrictedToMods")),
        suspended=flag(doc.get("suspended")),
        parent_group=http_url_or_none(doc.get("parentGroup")) if actor_type == "Group" else None,
        subgroups=http_url_or_none(doc.get("subgroups")) if actor_type == "Group" else None,
        essentials=http_url_or_none(doc.get("essentials")) if actor_type == "Group" else None,
    )


def image_url(value: Any) -> str | None:
    """The URL of an `icon`/`image`: a string, an Image, or a list of Images.

    PeerTube sends several sizes; the widest is the best avatar or banner.
    """
    images = [item for item in as_list(value) if item is not None]
    if not images:
        return None
    widest = max(images, key=_width_of)  # max() keeps the first on ties
    found = _one_image_url(widest)
    if found:
        return found
    for item in images:
        found = _one_image_url(item)
        if found:
            return found
    return None


def _one_image_url(image: Any) -> str | None:
    if isinstance(image, dict):
        return pick_url(image.get("url")) or http_url_or_none(image.get("href"))
    return http_url_or_none(image)


def _width_of(image: Any) -> int:
    width = image.get("width") if isinstance(image, dict) else None
    return width if isinstance(width, int) and not isinstance(width, bool) else 0


def _required_url(doc: dict[str, Any], key: str) -> str:
    value = id_of(doc.get(key))
    if value is None:
        raise ProtocolError(f"actor has no '{key}'")
    if not is_http_url(value):
        raise ProtocolError(f"actor '{key}' is not an http(s) URL: {value!r}")
    return value


def _actor_type(value: Any) -> str:
    found = pick_type(value, ACTOR_TYPES)
    if found is None:
        raise ProtocolError("actor has no 'type'")
    if found not in ACTOR_TYPES:
        raise ProtocolError(f"actor type {found!r} is not one of {sorted(ACTOR_TYPES)}")
    return found


def _plain_string(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _shared_inbox(endpoints: Any) -> str | None:
    # `endpoints` may also be a bare URL to an endpoints document; we do not fetch it.
    if not isinstance(endpoints, dict):
        return None
    return http_url_or_none(endpoints.get("sharedInbox"))


def _public_key(value: Any, actor_id: str) -> _Key:
    """The actor's key: the one owned by the actor, else the first one listed.

    Ownership is only a preference here; the key cache checks it for real.
    """
    keys = [_read_key(item) for item in as_list(value)]
    keys = [key for key in keys if key.id or key.pem]
    for key in keys:
        if key.owner == actor_id:
            return key
    return keys[0] if keys else _Key(id=None, owner=None, pem=None)


def _read_key(item: Any) -> _Key:
    if isinstance(item, str):
        # A bare key id; the key itself must be fetched from it.
        return _Key(id=http_url_or_none(item), owner=None, pem=None)
    if not isinstance(item, dict):
        return _Key(id=None, owner=None, pem=None)
    pem = item.get("publicKeyPem")
    return _Key(
        id=http_url_or_none(item.get("id")),
        owner=http_url_or_none(item.get("owner")),
        pem=pem if isinstance(pem, str) and pem.strip() else None,
    )


def _property_values(value: Any) -> tuple[tuple[str, str], ...]:
    """Profile fields: Mastodon-style `PropertyValue` attachments with text name and value."""
    fields: list[tuple[str, str]] = []
    for item in as_list(value):
        if not has_type(item, _PROPERTY_VALUE):
            continue
        name, field_value = item.get("name"), item.get("value")
        if isinstance(name, str) and isinstance(field_value, str):
            fields.append((name, field_value))
    return tuple(fields)


def _moderators(actor_type: str, attributed_to: Any) -> str | None:
    """Lemmy and Mbin point a Group's attributedTo at its moderators collection.

    PeerTube channels instead list their owner Person objects there, which is
    not a collection, so that shape yields None.
    """
    if actor_type != "Group":
        return None
    if isinstance(attributed_to, str):
        return attributed_to if is_http_url(attributed_to) else None
    if has_type(attributed_to, _COLLECTION_TYPES):
        return http_url_or_none(attributed_to)
    return None
