"""Add/Remove on a remote actor's featured collection: pins and unpins of its own posts."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from federation.inbox.common import sender
from federation.protocol.activity import ActivityDoc
from models.posts import Post

if TYPE_CHECKING:
    from federation.context import FederationContext


async def _set_pin(ctx: "FederationContext", activity: ActivityDoc, pinned_at: datetime | None) -> None:
    actor = await sender(ctx, activity)
    if not actor.featured_url or activity.target_id != actor.featured_url:
        return
    await Post.filter(uri=activity.object_id, author=actor).update(pinned_at=pinned_at)


async def on_add(ctx: "FederationContext", activity: ActivityDoc) -> None:
    await _set_pin(ctx, activity, datetime.now(timezone.utc))


async def on_remove(ctx: "FederationContext", activity: ActivityDoc) -> None:
    await _set_pin(ctx, activity, None)
