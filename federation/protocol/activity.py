"""Activities (Create, Follow, Announce, ...) read into an ActivityDoc.

Only references are extracted. An embedded actor is reduced to its id, and
an embedded object is kept raw for the handler to re-validate or refetch:
nothing embedded is trusted (protocol.md, rule 4).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from federation.protocol.common import (
    ProtocolError,
    as_list,
    has_type,
    id_of,
    ids_of,
    is_http_url,
    parse_datetime,
    pick_type,
    text_field,
    type_of,
)
from federation.protocol.actor import ACTOR_TYPES
from federation.vocab import POST_TYPES

ACTIVITY_TYPES = frozenset(
    {
        "Accept", "Add", "Announce", "Block", "Create", "Delete", "Dislike",
        "EmojiReact", "Flag", "Follow", "Invite", "Join", "Leave", "Like",
        "Lock", "Move", "Reject", "Remove", "TentativeAccept", "Undo", "Update",
    }
)  # fmt: skip

_ACTOR_KINDS = frozenset({"Person", "Service", "Application", "Organization"})
# The object types handlers tell apart; `object_type` is one of these or None.
OBJECT_TYPES = ACTIVITY_TYPES | POST_TYPES | ACTOR_TYPES | frozenset({"Tombstone"})


@dataclass(frozen=True)
class ActivityDoc:
    id: str
    type: str
    actor: str
    object_id: str | None
    object: dict[str, Any] | None  # embedded object as sent: raw and untrusted
    target_id: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    audience: tuple[str, ...]
    summary: str | None
    published: datetime | None
    end_time: datetime | None
    raw: dict[str, Any] = field(compare=False, repr=False)
    # Every object reference, for activities that carry several (Mastodon's Flag).
    object_ids: tuple[str, ...] = ()
    # The embedded object's type among OBJECT_TYPES (its `type` may be a list), None when not embedded or
    # unknown. Handlers compare this, never the raw `type`.
    object_type: str | None = None


def parse_activity(doc: Any) -> ActivityDoc:
    """Read an activity; raise ProtocolError when it lacks an id, type or actor."""
    if not isinstance(doc, dict):
        raise ProtocolError("activity is not a JSON object")
    activity_type = pick_type(doc.get("type"), ACTIVITY_TYPES)
    if activity_type is None:
        raise ProtocolError("activity has no 'type'")
    activity_id = _required_url(id_of(doc.get("id")), "id")
    actor = _required_url(_actor_id(doc.get("actor")), "actor")
    objects = as_list(doc.get("object"))
    embedded = objects[0] if len(objects) == 1 and isinstance(objects[0], dict) else None
    return ActivityDoc(
        id=activity_id,
        type=activity_type,
        actor=actor,
        object_id=id_of(objects),
        object=embedded,
        target_id=id_of(doc.get("target")),
        to=ids_of(doc.get("to")),
        cc=ids_of(doc.get("cc")),
        audience=ids_of(doc.get("audience")),
        summary=text_field(doc, "summary"),
        published=parse_datetime(doc.get("published")),
        end_time=parse_datetime(doc.get("endTime")),
        raw=doc,
        object_ids=ids_of(objects),
        object_type=type_of(embedded, OBJECT_TYPES),
    )


def _required_url(value: str | None, key: str) -> str:
    if value is None:
        raise ProtocolError(f"activity has no '{key}'")
    if not is_http_url(value):
        raise ProtocolError(f"activity '{key}' is not an http(s) URL: {value!r}")
    return value


def _actor_id(value: Any) -> str | None:
    """The acting actor's id from a string, an embedded actor, or a list of them.

    In a list (PeerTube and some Lemmy versions), an entry typed as a person
    or service wins over a Group, which is only the context of the action.
    """
    candidates = as_list(value)
    for item in candidates:
        if has_type(item, _ACTOR_KINDS):
            found = id_of(item)
            if found is not None:
                return found
    return id_of(candidates)
