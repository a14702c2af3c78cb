"""Updates of a remote post applied in the order they were made, whatever order they arrive in.

Deliveries are retried and a group relays a second copy, so an older Update can arrive after a newer one.
An Update's version is the activity's `published` (Moot and Mastodon send it), else the object's `updated`.
"""
from __future__ import annotations

from datetime import datetime

from federation.protocol.activity import ActivityDoc
from federation.protocol.objects import ObjectDoc
from models.posts import Post


def version_of(activity: ActivityDoc, doc: ObjectDoc) -> datetime | None:
    return activity.published or doc.updated


def is_stale(post: Post, version: datetime | None) -> bool:
    """Is an Update with this version older than the newest one already applied? Unversioned ones apply."""
    return version is not None and post.version_at is not None and version < post.version_at


def version_fields(version: datetime | None) -> dict[str, datetime]:
    """The field to store with an applied Update (nothing when it carries no version)."""
    return {"version_at": version} if version is not None else {}
